"""Generic record store shared by every emulated platform: id allocation, raw-byte strings, JSON output.

Platform packages build their resources on `SandboxRecord`; nothing here knows a platform.
"""
import base64
import json
from collections.abc import Iterable
from datetime import UTC, datetime

from django.db import transaction

from .models import SandboxSequence, SandboxStore

RAW_PREFIX = "__sandbox_raw__:"
DATE_FORMAT = "%Y-%m-%dT%H:%M:%S"


def now_utc() -> datetime:
    """Current time without microseconds (the platforms emit whole seconds)."""
    return datetime.now(UTC).replace(microsecond=0)


def format_date(value: datetime | None) -> str | None:
    return value.astimezone(UTC).strftime(DATE_FORMAT) if value else None


def ids_allocate(store: SandboxStore, sequence: str, count: int = 1) -> list[int]:
    """Reserve `count` consecutive ids of `sequence` in `store`; safe under concurrent writers.

    The counter row is created with ON CONFLICT DO NOTHING (two first writers cannot both create it)
    and then locked with SELECT ... FOR UPDATE in a short transaction of its own, so the lock is not held
    while the caller writes its records. Ids of a failed write are lost, as they are on the platforms.
    """
    if count <= 0:
        return []
    SandboxSequence.objects.bulk_create(
        [SandboxSequence(store=store, name=sequence, last_id=0)], ignore_conflicts=True
    )
    with transaction.atomic():
        row = SandboxSequence.objects.select_for_update().get(store=store, name=sequence)
        first = row.last_id + 1
        row.last_id += count
        row.save(update_fields=["last_id"])
    return list(range(first, first + count))


def raw_string(value: str) -> str:
    """Store a str that may hold surrogate escapes (invalid UTF-8 bytes) in a JSON column.

    PostgreSQL's jsonb refuses lone surrogates, so the bytes are kept base64-encoded behind a marker
    and turned back into the surrogate-escaped str by `raw_strings_restore` when rendered.
    """
    raw = value.encode("utf-8", "surrogateescape")
    return RAW_PREFIX + base64.b64encode(raw).decode("ascii")


def raw_strings_restore(value):
    """Walk a JSON value and decode every `raw_string` marker back to its surrogate-escaped str."""
    if isinstance(value, str):
        if value.startswith(RAW_PREFIX):
            return base64.b64decode(value[len(RAW_PREFIX):]).decode("utf-8", "surrogateescape")
        return value
    if isinstance(value, list):
        return [raw_strings_restore(item) for item in value]
    if isinstance(value, dict):
        return {key: raw_strings_restore(item) for key, item in value.items()}
    return value


def json_bytes(payload) -> bytes:
    """Encode a response body as UTF-8; surrogate escapes become the raw (invalid) bytes they stand for,
    so a malformed source record reaches the client exactly as a broken database would serve it."""
    text = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
    try:
        return text.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:  # a surrogate outside the escape range: fall back to \u escapes
        return json.dumps(payload).encode("ascii")


def chunked(items: list, size: int) -> Iterable[list]:
    for start in range(0, len(items), size):
        yield items[start:start + size]
