"""The life cycle of a bulk mutation operation, as on Shopify
(https://shopify.dev/docs/api/usage/bulk-operations/imports).

`bulkOperationRunMutation` takes the JSONL file staged with `stagedUploadsCreate` (one line of variables per
execution), checks the mutation and the shop's limit of concurrent bulk mutations (one before API version
2026-01, five from it, as for queries: `bulk_run.concurrency_limit`), and answers at once with the operation
CREATED. The operation then runs at its own pace, not metered by the cost bucket:
CREATED -> RUNNING -> COMPLETED (or CANCELING -> CANCELED), `objectCount` growing while it runs. Its result
file has one line per input line, `{"data": {...}, "__lineNumber": n}` (n from 0, the input line), with
`errors` beside `data` when that line's execution failed; a mutation's own `userErrors` are in its data.

How it progresses: on its own, in a daemon thread of the server process started when it is created
(`run_in_background`, PostgreSQL only), and, like bulk queries (bulk_run.py), on reads of its status: a read
runs lines from where the last run stopped, for at most WORK_SECONDS shared with the bulk queries it reads
(so an operation whose thread died with its process, or that runs on SQLite, still ends); the store's
`settings["bulk_mutation_lines_per_second"]` caps its pace (Shopify publishes no rate for bulk mutations:
the default runs them as fast as the sandbox executes the mutation). The lines executed and the record of
having executed them commit in one transaction, with the operation row locked (`skip_locked`: a concurrent
read just reports the status), so a line never runs twice and a read that dies mid-slice leaves nothing
half-done.
"""
import json
import logging
import threading
import time

from django.db import connection, transaction
from graphql import parse

from ..models import SandboxRecord
from ..records import ids_allocate
from .common import Ctx, iso
from .store import SEQUENCE

logger = logging.getLogger(__name__)

ACTIVE = ("CREATED", "RUNNING", "CANCELING")
IDLE_SECONDS = 5.0  # a background run with nothing due for longer stops (status reads carry the operation on)
WORK_SECONDS = 2.0  # one status read runs lines for this long at most (with the bulk queries it reads)
PARTS = "bulk_parts"


def variables_of(content: str) -> list[dict] | None:
    """The variables of each line of a staged JSONL file; None when a line is not a JSON object."""
    out = []
    for line in content.splitlines():
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except ValueError:
            return None
        if not isinstance(value, dict):
            return None
        out.append(value)
    return out


def _allowed(ctx: Ctx, data: dict) -> int:
    """How many lines in all the operation may have run by now, at its pace since it started running."""
    rate = ctx.store.settings.get("bulk_mutation_lines_per_second")
    if not rate:
        return 1 << 62
    return int((time.time() - float(data["startedAt"])) * float(rate))


def advance(ctx: Ctx, record: SandboxRecord) -> SandboxRecord:
    """Run the next lines of a bulk mutation (see the module docstring); returns the record as it stands."""
    from .bulk import file_read  # bulk.py imports bulk_run, which imports this module

    if record.lookup != "MUTATION" or record.status not in ACTIVE:
        return record
    deadline = ctx.cache.setdefault("bulk_work_deadline", time.monotonic() + WORK_SECONDS)
    with transaction.atomic():
        locked = (SandboxRecord.objects.select_for_update(skip_locked=True)
                  .filter(pk=record.pk, status__in=ACTIVE).first())
        if locked is None:  # another read is running its lines, or it ended meanwhile
            record.refresh_from_db()
            return record
        data = dict(locked.data)
        data.setdefault("startedAt", time.time())
        if locked.status == "CANCELING":
            data["completedAt"] = iso(ctx.now)
            _store(locked, "CANCELED", data)
            return locked
        stored = file_read(ctx.store, data["stagedUploadPath"])
        lines = variables_of(stored["content"]) if stored else None
        if lines is None:  # the staged file vanished
            data.update(errorCode="INTERNAL_SERVER_ERROR", completedAt=iso(ctx.now))
            _store(locked, "FAILED", data)
            return locked
        cursor = int(data.get("cursor") or 0)
        allowed = min(len(lines), _allowed(ctx, data))
        document = parse(data["query"])
        line_ctx = Ctx(store=ctx.store, base_url=ctx.base_url, version=data.get("version", ctx.version),
                       can_write=True, all_orders=ctx.all_orders, schema=ctx.schema, execute=ctx.execute)
        out: list[str] = []
        while cursor < allowed and time.monotonic() < deadline:
            payload = ctx.execute(line_ctx, document, lines[cursor], None)
            row = {"data": payload.get("data")}
            if payload.get("errors"):
                row["errors"] = payload["errors"]
            row["__lineNumber"] = cursor
            out.append(json.dumps(row, separators=(",", ":"), ensure_ascii=False))
            cursor += 1
        content = "".join(line + "\n" for line in out)
        size = len(content.encode())
        starts = list(data.get("partStarts") or [])
        written = int(data.get("bytes") or 0)
        if size:
            SandboxRecord.objects.create(
                store=ctx.store, resource=PARTS, record_id=ids_allocate(ctx.store, SEQUENCE)[0],
                parent_id=locked.record_id, group_id=len(starts), lookup=data["resultKey"],
                data={"content": content}, date_created_gmt=ctx.now, date_modified_gmt=ctx.now)
            starts.append(written)
        data.update(cursor=cursor, objectCount=cursor, rootObjectCount=cursor, bytes=written + size,
                    partStarts=starts)
        status = "RUNNING"
        if cursor >= len(lines):
            status = "COMPLETED"
            data.update(completedAt=iso(ctx.now), fileSize=data["bytes"] or None)
        _store(locked, status, data)
        return locked


def run_in_background(ctx: Ctx, record_pk: int) -> None:
    """Run the operation on its own, as Shopify does, in a daemon thread of the server process (PostgreSQL
    only: SQLite serialises writers, and `make run` on it keeps the lazy runs on reads). The thread runs lines
    as the pace allows and stops when the operation ended, or when nothing is due for IDLE_SECONDS (a slow pace):
    reads of its status then carry it on, so an operation never depends on the thread that started it."""
    if connection.vendor != "postgresql":
        return
    template = {"store": ctx.store, "base_url": ctx.base_url, "version": ctx.version, "all_orders": ctx.all_orders,
                "schema": ctx.schema, "execute": ctx.execute}

    def work() -> None:
        try:
            while True:
                record = SandboxRecord.objects.filter(pk=record_pk, status__in=ACTIVE).first()
                if record is None:
                    return
                before = int(record.data.get("cursor") or 0)
                record = advance(Ctx(**template), record)
                if record.status not in ACTIVE:
                    return
                if int(record.data.get("cursor") or 0) == before:  # paced, or a read is running its lines
                    rate = ctx.store.settings.get("bulk_mutation_lines_per_second")
                    wait = 1 / float(rate) if rate else 0.05
                    if wait > IDLE_SECONDS:
                        return
                    connection.close()
                    time.sleep(wait)
        except Exception:  # the reads of its status carry the operation on
            logger.warning("Background run of bulk operation %s stopped", record_pk, exc_info=True)
        finally:
            connection.close()

    threading.Thread(target=work, daemon=True, name=f"bulk-mutation-{record_pk}").start()


def _store(record: SandboxRecord, status: str, data: dict) -> None:
    from .bulk_run import stamp

    record.status, record.data, record.date_modified_gmt = status, data, stamp()
    record.save(update_fields=["status", "data", "date_modified_gmt"])
