"""Generic record store shared by every emulated platform: id allocation, raw-byte strings, JSON output.

Platform packages build their resources on `SandboxRecord`; nothing here knows a platform.
"""
import base64
import json
import random
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from django.db import transaction

from .models import SandboxRecord, SandboxSequence, SandboxStore

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


class SeedRows:
    """What every platform's seed shares: its random generator, the rows it builds in memory and writes in
    bulk, and the dates it draws before its anchor (the seed's "now")."""

    def __init__(self, store: SandboxStore, seed: int, anchor: datetime):
        self.store, self.rng, self.anchor = store, random.Random(seed), anchor
        self.rows: list[SandboxRecord] = []

    def row(self, resource: str, record_id: int, data: dict, *, created: datetime, modified: datetime | None = None,
            **columns) -> SandboxRecord:
        """A record to write at the next flush; modified is never before created."""
        record = SandboxRecord(store=self.store, resource=resource, record_id=record_id, data=data,
                               date_created_gmt=created, date_modified_gmt=max(modified or created, created), **columns)
        self.rows.append(record)
        return record

    def past(self, max_days: int, min_days: int = 0) -> datetime:
        return self.anchor - timedelta(seconds=self.rng.randint(min_days * 86400, max_days * 86400))

    def after(self, start: datetime, max_days: int) -> datetime:
        return min(self.anchor, start + timedelta(seconds=self.rng.randint(0, max_days * 86400)))

    def flush(self) -> None:
        SandboxRecord.objects.bulk_create(self.rows, batch_size=1000)
        self.rows = []
