"""Bulk creates through `bulkOperationRunMutation` [shopify.dev/docs/api/usage/bulk-operations/imports],
driven one bounded call at a time (`Connector.create_bulk`), so that no task waits for Shopify beyond its own
deadline.

One call does what fits before `until`:
1. Start (no operation known yet): stage a JSONL file of the ops' variables (`stagedUploadsCreate` with
   resource BULK_MUTATION_VARIABLES, then a multipart POST of the file to the target with its parameters;
   Shopify takes files up to 20 MB), then `bulkOperationRunMutation` with the mutation named
   `CartmigrateBulk_<digest of key>`. Before starting it looks among the app's recent mutation operations for
   one whose mutation carries that name (a start whose answer was lost in a crash): that one is followed
   instead, so a page is never started twice. Shopify busy with other bulk mutations (OPERATION_IN_PROGRESS before API
   version 2026-01, LIMIT_REACHED at five from it) is "not started yet, ask again"; a refusal for any other
   reason (an invalid mutation, a file Shopify cannot read) writes the ops by ordinary requests instead.
2. Poll `node(id:)` until the operation ends or `until` comes (then the state names the operation for the next
   call). Bulk work is not metered by the cost bucket; the polls cost one point each.
3. Read the result file: one line per input line, `{"data": ..., "__lineNumber": n}` (n from 0), with `errors`
   beside `data` when that execution failed; the mutation's `userErrors` are in its payload. An operation that
   ended FAILED/CANCELED/EXPIRED gives what it has (`partialDataUrl`): the ops without a line have no outcome
   (None), and the engine looks for their records by natural key before writing them again.

The state kept between calls (by the engine, in the run's checkpoint): `{"id": <BulkOperation gid>,
"lines": [<op key of each line>]}`.
"""
from __future__ import annotations

import hashlib
import json
import logging
import time
from typing import TYPE_CHECKING, Any

from connectors.errors import TransientError
from connectors.sdk.graphql import Op

from .api import user_error

if TYPE_CHECKING:
    from .connector import ShopifyConnector

logger = logging.getLogger(__name__)

Outcome = tuple[Any, "str | None"]
MAX_FILE_BYTES = 20 * 1024 * 1024  # the staged upload limit (Shopify staff, community.shopify.com, 2022)
NAME = "CartmigrateBulk_"
DONE = frozenset({"COMPLETED", "FAILED", "CANCELED", "EXPIRED"})
BUSY = frozenset({"OPERATION_IN_PROGRESS", "LIMIT_REACHED"})
POLL_EVERY = 0.5  # seconds between two polls of a running operation
FIND = """query { bulkOperations(first: 10, query: "operation_type:mutation", sortKey: CREATED_AT) {
    nodes { id status query } } }"""
STAGE = """mutation($input: [StagedUploadInput!]!) { stagedUploadsCreate(input: $input) {
    stagedTargets { url parameters { name value } } userErrors { field message } } }"""
RUN = """mutation($m: String!, $path: String!) { bulkOperationRunMutation(mutation: $m, stagedUploadPath: $path,
    clientIdentifier: "cartmigrate-import") { bulkOperation { id status } userErrors { field message code } } }"""
POLL = """query($id: ID!) { node(id: $id) { ... on BulkOperation { id status errorCode objectCount url
    partialDataUrl } } }"""


def name_for(key: str) -> str:
    """The operation name that carries the page's key in the mutation Shopify keeps (`BulkOperation.query`)."""
    return NAME + hashlib.sha256(key.encode()).hexdigest()[:24]


def document(ops: list[Op], key: str) -> str:
    """The bulk mutation: the ops' field once, its arguments as variables, named after the page's `key`."""
    first = ops[0]
    declared = ", ".join(f"${name}: {kind}" for name, (kind, _) in first.args.items())
    passed = ", ".join(f"{name}: ${name}" for name in first.args)
    return f"mutation {name_for(key)}({declared}) {{ {first.name}({passed}) {first.selection} }}"


def jsonl(ops: list[Op]) -> bytes:
    return "".join(json.dumps({name: value for name, (_, value) in op.args.items()}, separators=(",", ":")) + "\n"
                   for op in ops).encode()


def run(connector: ShopifyConnector, ops: list[Op], *, key: str, state: dict[str, Any] | None, until: float
        ) -> tuple[dict[str, Any] | None, list[Outcome | None] | None]:
    """Drive the bulk creation of `ops` (one mutation field each, the same for all) as far as `until` allows:
    (state, None) while it runs or waits for Shopify, (state, one outcome per op) when it ended. An op's
    outcome is (payload, error) like `ShopifyConnector._mutate`'s, or None when Shopify gave none for it."""
    if not ops:
        return state, []
    operation = (state or {}).get("id")
    lines = list((state or {}).get("lines") or [op.key for op in ops])
    if not operation:
        operation = find(connector, key)
        if operation:
            logger.info("Shopify bulk mutation %s of page %s found again after an interruption", operation, key)
    if not operation:
        started = start(connector, ops, key)
        if started == "busy":
            return {"lines": lines}, None
        if started is None:
            return None, connector._mutate(ops)
        operation = started
    state = {"id": operation, "lines": lines}
    status = wait(connector, operation, until)
    if status.get("status") not in DONE:
        return state, None
    url = status.get("url") or status.get("partialDataUrl")
    if status.get("status") != "COMPLETED":
        logger.warning("Shopify bulk mutation %s ended %s (%s)", operation, status.get("status"),
                       status.get("errorCode"))
    by_line = outcomes(connector, url, ops[0].name) if url else {}
    position = {op_key: index for index, op_key in enumerate(lines)}
    return state, [by_line.get(position[op.key]) if op.key in position else None for op in ops]


def find(connector: ShopifyConnector, key: str) -> str | None:
    """Our mutation operation for this page (named after `key`), recent, whatever its status but cancelled."""
    name = f"{name_for(key)}("
    nodes = ((connector._graphql(FIND, cost=3) or {}).get("bulkOperations") or {}).get("nodes") or []
    for node in nodes:
        if name in (node.get("query") or "") and node.get("status") not in ("CANCELED", "CANCELING"):
            return str(node["id"])
    return None


def start(connector: ShopifyConnector, ops: list[Op], key: str) -> str | None:
    """Stage the file and run the mutation: the operation's id, "busy" when Shopify runs as many bulk
    mutations as it allows, None when it refuses this one (the caller writes by requests)."""
    body = jsonl(ops)
    if len(body) > MAX_FILE_BYTES:
        logger.info("Bulk file of %d bytes is over Shopify's %d; writing by requests", len(body), MAX_FILE_BYTES)
        return None
    staged = connector._graphql(STAGE, {"input": [{
        "resource": "BULK_MUTATION_VARIABLES", "filename": f"cartmigrate-{key}.jsonl", "mimeType": "text/jsonl",
        "httpMethod": "POST", "fileSize": str(len(body))}]}, cost=10, mutation=True)["stagedUploadsCreate"]
    if staged.get("userErrors") or not staged.get("stagedTargets"):
        logger.info("Staged upload refused (%s); writing by requests", staged.get("userErrors"))
        return None
    target = staged["stagedTargets"][0]
    params = {p["name"]: p["value"] for p in target["parameters"]}
    upload = connector.http.request("POST", target["url"], data=params,
                                    files={"file": (f"cartmigrate-{key}.jsonl", body)}, idempotent=True)
    if upload.status_code >= 300:
        raise TransientError(f"Shopify's staged upload refused the bulk file (HTTP {upload.status_code}).",
                             url=target["url"])
    payload = connector._graphql(RUN, {"m": document(ops, key), "path": params["key"]}, cost=10,
                                 mutation=True)["bulkOperationRunMutation"]
    codes = {e.get("code") for e in payload.get("userErrors") or []}
    if codes & BUSY:
        logger.info("Shopify is running other bulk mutations (%s); page %s waits", sorted(codes), key)
        return "busy"
    if payload.get("userErrors") or not payload.get("bulkOperation"):
        logger.info("Bulk mutation refused (%s); writing by requests",
                    "; ".join(user_error(e) for e in payload.get("userErrors") or []))
        return None
    return str(payload["bulkOperation"]["id"])


def wait(connector: ShopifyConnector, operation: str, until: float) -> dict[str, Any]:
    """Poll the operation until it ends or `until` comes; its last status."""
    while True:
        status = connector._graphql(POLL, {"id": operation}, cost=1).get("node") or {"status": "EXPIRED"}
        if status.get("status") in DONE or time.monotonic() + POLL_EVERY >= until:
            return status
        connector._sleep(POLL_EVERY)


def outcomes(connector: ShopifyConnector, url: str, field: str) -> dict[int, Outcome]:
    """Line number -> (payload, error) from a result file."""
    response = connector.http.request("GET", url)
    if response.status_code >= 400:
        raise TransientError(f"Shopify's bulk result file could not be read (HTTP {response.status_code}).",
                             url=url)
    found: dict[int, Outcome] = {}
    for line in response.text.splitlines():
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            number = int(row["__lineNumber"])
        except (ValueError, KeyError, TypeError):
            continue
        payload = (row.get("data") or {}).get(field)
        errors = (payload or {}).get("userErrors") or []
        if row.get("errors"):
            found[number] = (None, "; ".join(str(e.get("message")) for e in row["errors"]))
        elif errors:
            found[number] = (payload, "; ".join(user_error(e) for e in errors))
        elif payload is None:
            found[number] = (None, "Shopify gave no answer for this record.")
        else:
            found[number] = (payload, None)
    return found


__all__ = ["document", "find", "jsonl", "outcomes", "run", "start", "wait"]
