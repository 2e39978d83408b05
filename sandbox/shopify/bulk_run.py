"""The life cycle of a bulk query operation and its result file, as on Shopify
(https://shopify.dev/docs/api/usage/bulk-operations/queries); bulk mutations in bulk_mutation.py.

`bulkOperationRunQuery` answers at once with the operation CREATED; the operation then runs at its own
pace: CREATED -> RUNNING -> COMPLETED (or FAILED, or CANCELING -> CANCELED), with `objectCount` and
`rootObjectCount` growing while it runs and `url`/`fileSize`/`completedAt` set at the end.

How it progresses: lazily and boundedly, on reads of its status. Each read of the operation (through
`currentBulkOperation`, `node`, `bulkOperation`, `bulkOperations`) first runs at most WORK_SECONDS of it
(of all the operations one request reads, together; the store's `settings["bulk_roots_per_read"]` caps it
at that many root objects per read instead): the next slice of the root connection, from the cursor where
the previous read stopped. Each slice's
JSONL lines are kept as a `bulk_parts` record, so nothing is recomputed and the file is served from
them. A lease (a conditional update on the operation's `date_modified_gmt`) makes two concurrent reads
never run the same slice: the second one just reports the status. This needs no thread or process beside
the web server, so it works the same under `make run` (runserver or gunicorn, SQLite or PostgreSQL) and
under Django's live_server in tests, and an operation never outlives the process that ran it half-way.

The result is served like a Google Cloud Storage signed URL: `GoogleAccessId`, `Expires`, `Signature`,
`response-content-disposition` (attachment, `bulk-<id>.jsonl`) and `response-content-type`, honouring
HTTP Range requests (206 with Content-Range, 416 past the end) as Cloud Storage does.
"""
import base64
import bisect
import hashlib
import hmac
import json
import re
import secrets
import string
import time
from datetime import UTC, datetime, timedelta
from urllib.parse import quote, urlencode

from django.db import transaction
from django.http import HttpResponse
from graphql import FieldNode, OperationDefinitionNode, parse

from ..models import SandboxRecord
from ..records import ids_allocate
from . import bulk_mutation
from .common import Ctx, iso
from .store import SEQUENCE

ACTIVE = ("CREATED", "RUNNING", "CANCELING")
WORK_SECONDS = 1.0  # work one status read may do on the operation
SLICE_ROOTS = 50  # root objects per slice within that time
LEASE_SECONDS = 60.0  # a read that died while working leaves the operation to others after this
URL_LIFETIME = timedelta(days=7)  # "Results remain available for seven days after completion."
ACCESS_ID = "assets-us-prod@shopify-tiers.iam.gserviceaccount.com"
PARTS = "bulk_parts"


def concurrency_limit(version: str) -> int:
    """Bulk query operations one app may run at once on a shop: five from API version 2026-01, one
    before [shopify.dev/docs/api/usage/bulk-operations/queries#limitations]."""
    return 5 if version >= "2026-01" else 1  # "unstable" sorts after every dated version


def result_key() -> str:
    token = "".join(secrets.choice(string.ascii_lowercase + string.digits) for _ in range(28))
    return f"bulk-operation-outputs/{token}-final"


# ---------------------------------------------------------------- JSONL lines of a bulk query


def _is_connection(value) -> bool:
    return isinstance(value, dict) and bool(value) and set(value) <= {"edges", "nodes", "pageInfo"} and \
        ("edges" in value or "nodes" in value)


def _connection_nodes(value: dict) -> list:
    if "nodes" in value:
        return [n for n in value["nodes"] if n is not None]
    return [e["node"] for e in value.get("edges") or [] if isinstance(e, dict) and e.get("node") is not None]


def _flatten(obj: dict, parent_id, lines: list) -> None:
    """Emit `obj` without its connections, then each connection's objects with `__parentId`."""
    children = []

    def strip(value):
        if isinstance(value, dict):
            out = {}
            for key, item in value.items():
                if _is_connection(item):
                    children.extend(_connection_nodes(item))
                else:
                    out[key] = strip(item)
            return out
        if isinstance(value, list):
            return [strip(item) for item in value]
        return value

    line = strip(obj)
    if parent_id is not None:
        line["__parentId"] = parent_id
    lines.append(json.dumps(line, separators=(",", ":"), ensure_ascii=False))
    for child in children:
        _flatten(child, obj.get("id"), lines)


def _slice(ctx: Ctx, document, roots: list, after: str | None, limit: int) -> tuple[list[str], int, dict]:
    """Run the query over the root connection's next `limit` objects after the cursor `after`. Returns
    (lines, root objects, window) where window says `more` (objects are left) and `next` (the cursor)."""
    window = {"after": after, "limit": limit} if len(roots) == 1 else None
    bulk_ctx = Ctx(store=ctx.store, base_url=ctx.base_url, version=ctx.version, can_write=False, bulk=True,
                   all_orders=ctx.all_orders, schema=ctx.schema, execute=ctx.execute, bulk_window=window)
    payload = ctx.execute(bulk_ctx, document, {}, None)
    if payload.get("errors"):
        codes = {(e.get("extensions") or {}).get("code") for e in payload["errors"]}
        raise _Failed("ACCESS_DENIED" if "ACCESS_DENIED" in codes else "INTERNAL_SERVER_ERROR")
    lines: list[str] = []
    root_count = 0
    for root in roots:
        value = (payload.get("data") or {}).get(root.alias.value if root.alias else root.name.value)
        if _is_connection(value):
            for node in _connection_nodes(value):
                root_count += 1
                _flatten(node, None, lines)
        elif isinstance(value, dict):
            root_count += 1
            _flatten(value, None, lines)
    if window is None or "taken" not in window:  # no sliceable root connection: all of it at once
        window = {"more": False, "next": after}
    return lines, root_count, window


class _Failed(Exception):
    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


# ---------------------------------------------------------------- advancing an operation


def stamp() -> datetime:
    return datetime.now(UTC)  # with microseconds: the lease's compare-and-set token


def advance(ctx: Ctx, record: SandboxRecord) -> SandboxRecord:
    """Run the next bounded part of a running bulk query (see the module docstring); returns the record
    as it now stands. Bulk mutations run their next lines (bulk_mutation.advance)."""
    if record.lookup == "MUTATION":
        return bulk_mutation.advance(ctx, record)
    if record.lookup != "QUERY" or record.status not in ACTIVE:
        return record
    lease = record.data.get("leasedUntil")
    if lease and lease > time.time():
        return record  # another request is running the next slice
    per_read = ctx.store.settings.get("bulk_roots_per_read")
    # One request works WORK_SECONDS at most, however many operations it reads (`bulkOperations`).
    deadline = ctx.cache.setdefault("bulk_work_deadline", time.monotonic() + WORK_SECONDS)
    if not per_read and time.monotonic() >= deadline:
        return record
    claimed = stamp()
    status = "CANCELED" if record.status == "CANCELING" else "RUNNING"
    data = {**record.data, "leasedUntil": time.time() + LEASE_SECONDS}
    if status == "CANCELED":
        data = {**record.data, "leasedUntil": None, "completedAt": iso(ctx.now)}
    if not SandboxRecord.objects.filter(pk=record.pk, date_modified_gmt=record.date_modified_gmt).update(
            status=status, data=data, date_modified_gmt=claimed):
        record.refresh_from_db()
        return record
    if status == "CANCELED":
        record.refresh_from_db()
        return record
    document = parse(record.data["query"])
    operation = next(d for d in document.definitions if isinstance(d, OperationDefinitionNode))
    roots = [s for s in operation.selection_set.selections if isinstance(s, FieldNode)]
    run_ctx = Ctx(store=ctx.store, base_url=ctx.base_url, version=record.data.get("version", ctx.version),
                  all_orders=record.data.get("allOrders", ctx.all_orders), schema=ctx.schema, execute=ctx.execute)
    cursor, more, error = data.get("cursor"), True, None
    chunks: list[str] = []
    objects = roots_done = 0
    while more:
        try:
            lines, root_count, window = _slice(run_ctx, document, roots, cursor, int(per_read or SLICE_ROOTS))
        except _Failed as exc:
            error = exc.code
            break
        if lines:
            chunks.append("".join(line + "\n" for line in lines))
        objects, roots_done = objects + len(lines), roots_done + root_count
        cursor, more = window.get("next"), bool(window.get("more"))
        if per_read or time.monotonic() >= deadline:
            break
    _save(ctx, record, claimed, data, chunks, cursor, objects, roots_done, more, error)
    record.refresh_from_db()
    return record


def _save(ctx: Ctx, record: SandboxRecord, claimed: datetime, data: dict, chunks: list[str], cursor,
          objects: int, roots_done: int, more: bool, error: str | None) -> None:
    content = "".join(chunks)
    size = len(content.encode())
    starts = list(data.get("partStarts") or [])
    written = int(data.get("bytes") or 0)
    final = {**data, "leasedUntil": None, "cursor": cursor, "objectCount": int(data.get("objectCount") or 0) + objects,
             "rootObjectCount": int(data.get("rootObjectCount") or 0) + roots_done, "bytes": written + size,
             "partStarts": starts + ([written] if size else [])}
    status = "RUNNING"
    if error:
        status, final["errorCode"], final["completedAt"] = "FAILED", error, iso(ctx.now)
    elif not more:
        status, final["completedAt"] = "COMPLETED", iso(ctx.now)
        final["fileSize"] = final["bytes"] or None
    with transaction.atomic():
        if not SandboxRecord.objects.filter(pk=record.pk, date_modified_gmt=claimed).update(
                status=status, data=final, date_modified_gmt=stamp()):
            return  # canceled meanwhile: this slice is dropped
        if size:
            SandboxRecord.objects.create(
                store=ctx.store, resource=PARTS, record_id=ids_allocate(ctx.store, SEQUENCE)[0],
                parent_id=record.record_id, group_id=len(starts), lookup=data["resultKey"],
                data={"content": content}, date_created_gmt=claimed, date_modified_gmt=claimed)


# ---------------------------------------------------------------- signed download URLs


def _sign(store, key: str, expires: int) -> str:
    # Cloud Storage V2 signing covers the verb, the expiry and the object path.
    message = f"GET\n\n\n{expires}\n/{key}".encode()
    return base64.b64encode(hmac.new(store.consumer_secret.encode(), message, hashlib.sha256).digest()).decode()


def signed_url(ctx: Ctx, key: str, operation_id: int) -> str:
    """A download URL shaped like Shopify's signed Cloud Storage URLs of bulk results."""
    expires = int((ctx.now + URL_LIFETIME).timestamp())
    filename = f"bulk-{operation_id}.jsonl"
    params = urlencode([("GoogleAccessId", ACCESS_ID), ("Expires", str(expires)),
                        ("Signature", _sign(ctx.store, key, expires)),
                        ("response-content-disposition",
                         f"attachment; filename=\"{filename}\"; filename*=UTF-8''{filename}"),
                        ("response-content-type", "application/jsonl")])
    return f"{ctx.base_url}/_files/{quote(key)}?{params}"


def _xml_error(code: str, message: str, status: int, headers: dict | None = None) -> HttpResponse:
    body = (f"<?xml version='1.0' encoding='UTF-8'?><Error><Code>{code}</Code><Message>{message}</Message>"
            "</Error>")
    response = HttpResponse(body, status=status, content_type="application/xml; charset=UTF-8")
    for name, value in (headers or {}).items():
        response[name] = value
    return response


_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


def _range(header: str, total: int) -> tuple[int, int] | None | bool:
    """(first, last) byte of a single `bytes=` range; None to serve the whole object (no or an unusable
    header, as Cloud Storage ignores it); False when it starts past the end (416)."""
    match = _RANGE.match(header.strip()) if header else None
    if not match or match.groups() == ("", ""):
        return None
    first, last = match.groups()
    if first == "":  # the last N bytes
        return (max(0, total - int(last)), total - 1) if int(last) and total else False
    if int(first) >= total or (last and int(last) < int(first)):
        return False if int(first) >= total else None
    return int(first), min(int(last), total - 1) if last else total - 1


def _content(store, key: str, first: int, last: int, operation: SandboxRecord | None, stored: dict | None) -> bytes:
    if stored is not None:
        return stored["content"].encode("utf-8")[first:last + 1]
    starts = operation.data.get("partStarts") or []
    low = max(0, bisect.bisect_right(starts, first) - 1)
    high = max(0, bisect.bisect_right(starts, last) - 1)
    parts = SandboxRecord.objects.filter(store=store, resource=PARTS, parent_id=operation.record_id,
                                         group_id__gte=low, group_id__lte=high).order_by("group_id")
    body = b"".join(p.data["content"].encode("utf-8") for p in parts)
    return body[first - starts[low]:last - starts[low] + 1]


def file_response(request, store, key: str, stored: dict | None) -> HttpResponse:
    """GET of a signed download URL: a bulk operation's result (from its parts) or an uploaded file
    (`stored`), whole or the byte range asked for."""
    operation = None
    if stored is None:
        operation = SandboxRecord.objects.filter(store=store, resource="bulk_operations",
                                                 data__resultKey=key).first()
        if operation is None or operation.status not in ("COMPLETED", "FAILED"):
            return _xml_error("NoSuchKey", "The specified key does not exist.", 404)
    if "Signature" in request.GET:
        try:
            expires = int(request.GET.get("Expires", ""))
        except ValueError:
            return _xml_error("MissingSecurityHeader", "Your request was missing a required header.", 400)
        if not hmac.compare_digest(request.GET["Signature"], _sign(store, key, expires)):
            return _xml_error("SignatureDoesNotMatch", "The request signature we calculated does not match the "
                              "signature you provided. Check your Google secret key and signing method.", 403)
        if expires < time.time():
            return _xml_error("ExpiredToken", "The provided token has expired.", 400)
    total = len(stored["content"].encode("utf-8")) if stored is not None else int(operation.data.get("bytes") or 0)
    wanted = _range(request.headers.get("Range", ""), total)
    if wanted is False:
        return _xml_error("InvalidRange", "The requested range cannot be satisfied.", 416,
                          {"Content-Range": f"bytes */{total}"})
    first, last = wanted or (0, total - 1)
    body = _content(store, key, first, last, operation, stored) if total else b""
    content_type = request.GET.get("response-content-type") or (stored or {}).get("contentType") or \
        "application/jsonl"
    response = HttpResponse(body, status=206 if wanted else 200, content_type=content_type)
    response["Accept-Ranges"] = "bytes"
    if wanted:
        response["Content-Range"] = f"bytes {first}-{last}/{total}"
    if request.GET.get("response-content-disposition"):
        response["Content-Disposition"] = request.GET["response-content-disposition"]
    return response
