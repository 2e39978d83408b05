"""Driving a bulk query read [shopify.dev/docs/api/usage/bulk-operations/queries]: start (or find again)
the operation, poll it within the engine's step budget, stream its JSONL result file into pages.

What survives a slow or interrupted run:
- Starting is made idempotent: before starting, and after a start request that got no answer (it may
  have started the operation all the same), the app's bulk operations are searched for a running one
  (or, after a lost answer, one created since) with the same query, which is then used.
- While the operation runs, every poll yields an empty page whose checkpoint names it
  (`{"bulk": <id>, "offset": 0, "byte": 0}`), so the engine can end its step on its time budget and
  the next step polls the same operation instead of waiting beyond the budget or starting another.
- The result file is read from the byte where the previous step stopped (an HTTP Range request, which
  Shopify's signed storage URLs honour); the checkpoint keeps the root records read (`offset`) and the
  byte of the next root line (`byte`). A server that ignores Range is read from the start, skipping
  `offset` records, as before.
"""
from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import requests

from connectors.base import Page
from connectors.entities import Canonical
from connectors.errors import RecordError, TransientError

from .bulk import BulkPlan, OverLimits, records, user_errors_text
from .mappers import legacy

if TYPE_CHECKING:
    from .connector import ShopifyConnector
    from .streams.base import ShopifyStream

logger = logging.getLogger(__name__)

BULK_POLL_MAX = 3.0  # seconds between two polls of a running bulk operation, at most
BULK_DONE = frozenset({"COMPLETED", "FAILED", "CANCELED", "EXPIRED"})
BULK_ACTIVE = frozenset({"CREATED", "RUNNING"})
LOST_START_LOOKUPS = 3  # searches for an operation whose start got no answer, one second apart
CHUNK = 1 << 16

FIND = """query { bulkOperations(first: 20, query: "operation_type:query", sortKey: CREATED_AT) {
    nodes { id status query createdAt } } }"""
START = """mutation($q: String!) { bulkOperationRunQuery(query: $q, groupObjects: true) {
    bulkOperation { id status } userErrors { field message code } } }"""
POLL = """query($id: ID!) { node(id: $id) { ... on BulkOperation { id status errorCode url rootObjectCount } } }"""


def read(stream: ShopifyStream, checkpoint: dict[str, Any] | None, modified_since: datetime | None,
         page_size: int | None) -> Iterator[Page]:
    """Read the stream's whole entity with one `bulkOperationRunQuery` when `stream.worth_bulk` says so;
    else, or when Shopify will not run it, the stream's paginated read (`stream.unbulked`). Pages hold
    `page_size` root records; their checkpoint `{"bulk": <operation id>, "offset": <root records read>,
    "byte": <where the next root record starts>}` resumes the same operation and result file (its URL
    lives seven days) from there, or, when that operation is gone, starts again."""
    connector, entity = stream.connector, stream.entity
    resume = str((checkpoint or {}).get("bulk") or "")
    if not resume.startswith("gid://shopify/BulkOperation/"):
        resume = ""
    offset = int((checkpoint or {}).get("offset") or 0) if resume else 0
    byte = int((checkpoint or {}).get("byte") or 0) if resume and offset else 0
    if not resume and not stream.worth_bulk(modified_since):
        yield from stream.unbulked(modified_since, page_size)
        return
    try:
        bulk_plan = stream.bulk_plan(modified_since)
    except OverLimits as exc:
        logger.info("Shopify %s: the selection does not fit a bulk query (%s); paginated read", entity, exc)
        yield from stream.unbulked(modified_since, page_size)
        return
    size = max(1, page_size or connector.capabilities.page_size)
    for attempt in ("resume", "new") if resume else ("new",):
        if attempt == "new":
            offset = byte = 0
            operation = _start(connector, entity, bulk_plan)
            if operation is None:
                break
        else:
            operation = resume
        status = yield from _wait(connector, operation, offset, byte)
        if status.get("status") != "COMPLETED":
            logger.warning("Shopify %s: bulk operation %s ended %s (%s)%s", entity, operation,
                           status.get("status"), status.get("errorCode"),
                           "; starting again" if attempt == "resume" else "; paginated read")
            continue
        if not status.get("url"):  # Shopify gives no file when nothing matched
            yield Page(items=[], next_checkpoint=None)
            return
        response, byte = _download(connector, status["url"], byte)
        if response.status_code >= 400:
            response.close()
            logger.warning("Shopify %s: the result file of bulk operation %s is gone (HTTP %s)%s", entity,
                           operation, response.status_code,
                           "; starting again" if attempt == "resume" else "; paginated read")
            continue
        yield from _pages(stream, bulk_plan, operation, response, offset, byte, size)
        return
    yield from stream.unbulked(modified_since, page_size)


def _same(query: str | None, other: str) -> bool:
    return " ".join((query or "").split()) == " ".join(other.split())


def _find(connector: ShopifyConnector, query: str, since: float | None = None) -> str | None:
    """Our running bulk query with this `query` (or, with `since`, one created since then whatever its
    status), newest first; None when there is none."""
    nodes = ((connector._graphql(FIND, cost=3) or {}).get("bulkOperations") or {}).get("nodes") or []
    for node in nodes:
        if not _same(node.get("query"), query) or node.get("status") in ("FAILED", "CANCELED", "CANCELING",
                                                                          "EXPIRED"):
            continue
        if node.get("status") in BULK_ACTIVE:
            return node["id"]
        created = _epoch(node.get("createdAt"))
        if since is not None and created is not None and created >= since:
            return node["id"]
    return None


def _epoch(value: str | None) -> float | None:
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00")).astimezone(UTC).timestamp()
    except ValueError:
        return None


def _start(connector: ShopifyConnector, entity: Any, bulk_plan: BulkPlan) -> str | None:
    """The id of a bulk query over `bulk_plan`: ours already running, else a new one. None (with a log
    line) when Shopify refuses to start one, e.g. because as many bulk queries as this API version allows
    per shop are already running. A start that got no answer raises TransientError only when no
    operation it may have started shows up."""
    found = _find(connector, bulk_plan.query)
    if found:
        logger.info("Shopify %s: bulk query %s is already running; using it", entity, found)
        return found
    begun = time.time() - 60  # Shopify's clock may be behind ours
    try:
        data = connector._graphql(START, {"q": bulk_plan.query}, cost=10, mutation=True)
    except TransientError as lost:
        for attempt in range(LOST_START_LOOKUPS):
            connector._sleep(1.0 if attempt else 0.0)
            try:
                found = _find(connector, bulk_plan.query, since=begun)
            except TransientError:
                continue
            if found:
                logger.info("Shopify %s: the bulk query start got no answer but %s runs; using it", entity, found)
                return found
        raise lost
    payload = data.get("bulkOperationRunQuery") or {}
    if payload.get("userErrors") or not payload.get("bulkOperation"):
        logger.warning("Shopify %s: bulk query refused (%s); paginated read", entity,
                       user_errors_text(payload.get("userErrors") or []))
        return None
    return payload["bulkOperation"]["id"]


def _wait(connector: ShopifyConnector, operation: str, offset: int, byte: int) -> Iterator[Page]:
    """Poll until the operation ends, yielding an empty page after each poll that finds it running: its
    checkpoint names the operation, and the engine, which checks its step's time budget after every page,
    ends the step there rather than wait beyond it. Returns the operation's last status."""
    delay = 0.25
    while True:
        node = connector._graphql(POLL, {"id": operation}, cost=1).get("node")
        if not node or not node.get("status"):
            return {"status": "MISSING"}
        if node["status"] in BULK_DONE:
            return node
        yield Page(items=[], next_checkpoint={"bulk": operation, "offset": offset, "byte": byte})
        connector._sleep(delay)
        delay = min(delay * 2, BULK_POLL_MAX)


def _download(connector: ShopifyConnector, url: str, byte: int) -> tuple[requests.Response, int]:
    """GET the result file from `byte` on (a Range request); returns the response and the byte it starts
    at (0 when the server sent the whole file)."""
    headers = {"Range": f"bytes={byte}-"} if byte else {}
    response = connector.http.request("GET", url, stream=True, idempotent=True, cost=0, headers=headers)
    if not byte:
        return response, 0
    if response.status_code == 206 and response.headers.get("Content-Range", "").startswith(f"bytes {byte}-"):
        return response, byte
    response.close()
    response = connector.http.request("GET", url, stream=True, idempotent=True, cost=0)
    return response, 0


def _lines(response: requests.Response) -> Iterator[bytes]:
    """The response's lines without their newline, byte for byte (so that positions add up)."""
    rest = b""
    for chunk in response.iter_content(chunk_size=CHUNK):
        rest += chunk
        *complete, rest = rest.split(b"\n")
        yield from complete
    if rest:
        yield rest


def _pages(stream: ShopifyStream, bulk_plan: BulkPlan, operation: str, response: requests.Response, offset: int,
           byte: int, size: int) -> Iterator[Page]:
    """Stream the JSONL result into pages; a page is held back until the next record shows there is
    more, so that only the last page says the read is done. `byte` is where the response starts in the
    file: from a root line (offset records in) or from the start (those records are skipped)."""
    items: list[Canonical] = []
    errors: list[RecordError] = []
    ready: Page | None = None
    consumed, consumed_byte = offset, byte
    lines = records(bulk_plan, _lines(response), skip=0 if byte else offset, first_index=offset if byte else 0,
                    first_byte=byte)
    try:
        for line in lines:
            if ready is not None:
                yield ready
                ready = None
            if line.problem:
                errors.append(RecordError(line.problem, source_id=legacy((line.node or {}).get("id")) or "",
                                          excerpt=line.excerpt))
            else:
                mapped, failed = stream.to_items([line.node])
                items += mapped
                errors += failed
            if line.root:
                consumed, consumed_byte = line.index + 1, line.end
            if len(items) + len(errors) >= size:
                ready = Page(items=items, errors=errors,
                             next_checkpoint={"bulk": operation, "offset": consumed, "byte": consumed_byte})
                items, errors = [], []
    except requests.RequestException as exc:
        raise TransientError(f"Shopify's bulk result file broke off: {exc}", url=stream.connector.api_url) from None
    finally:
        response.close()
    if ready is not None and not items and not errors:
        ready.next_checkpoint = None
        yield ready
        return
    if ready is not None:
        yield ready
    yield Page(items=items, errors=errors, next_checkpoint=None)


def query_nodes(connector: ShopifyConnector, entity: Any, bulk_plan: BulkPlan, *, wait_seconds: float
                ) -> list[dict[str, Any]] | None:
    """Every node of `bulk_plan` by one bulk query, for a whole-store scan (the check after a run): the
    operation costs a few points where a paginated scan of a large entity drains the bucket many times over.
    None when Shopify does not run it, it does not end well within `wait_seconds`, or a line of its file
    cannot be read: the caller then scans by pages, so a scan is never silently short."""
    operation = _start(connector, entity, bulk_plan)
    if operation is None:
        return None
    deadline = time.monotonic() + wait_seconds
    waiting = _wait(connector, operation, 0, 0)
    try:
        while True:
            next(waiting)
            if time.monotonic() > deadline:
                logger.info("Shopify %s: bulk scan %s still running after %.0f s; paginated scan", entity,
                            operation, wait_seconds)
                return None
    except StopIteration as ended:
        status = ended.value or {}
    if status.get("status") != "COMPLETED":
        logger.warning("Shopify %s: bulk scan %s ended %s (%s); paginated scan", entity, operation,
                       status.get("status"), status.get("errorCode"))
        return None
    if not status.get("url"):  # nothing matched: Shopify gives no file
        return []
    response, _ = _download(connector, status["url"], 0)
    try:
        if response.status_code >= 400:
            logger.warning("Shopify %s: the file of bulk scan %s is gone (HTTP %s); paginated scan", entity,
                           operation, response.status_code)
            return None
        nodes = []
        for line in records(bulk_plan, _lines(response)):
            if line.problem or line.node is None:
                logger.warning("Shopify %s: bulk scan %s: %s; paginated scan", entity, operation, line.problem)
                return None
            nodes.append(line.node)
        return nodes
    finally:
        response.close()
