"""Creating records with Magento's asynchronous bulk API: `POST /rest/<code>/async/bulk/V1/<route>` with a JSON
array of request bodies answers a `bulk_uuid` at once and queues one operation per element; the store's
consumer (`bin/magento queue:consumers:start async.operations.all`) runs them, and `GET /V1/bulk/{uuid}/
detailed-status` reports each operation: status 1 complete (`result_serialized_data` holds the synchronous
answer), 2 failed and retriable, 3 failed (change the input), 4 open, 5 rejected. [AdobeDocs commerce-webapi
rest/use-rest/bulk-endpoints.md, operation-status-endpoints.md]

Magento generates the bulk's uuid, so a bulk whose answer was lost cannot be found again: when the engine asks
for a page again without a state, the page is sent again and an element whose record the lost bulk created
fails as a duplicate ("already exists"); such a record is then found by its natural key. A store that refuses
the bulk route outright (404: no asynchronous API) is written by ordinary requests.
"""
from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from connectors.base import BulkWrite, WriteResult
from connectors.entities import Canonical

if TYPE_CHECKING:
    from .base import Magento2Stream

BULK_PREFIX = "async/bulk/V1"
OPEN, COMPLETE = 4, 1
POLL_SECONDS = 0.5


def create_bulk(stream: Magento2Stream, route: str, items: list[Canonical | None], state: dict[str, Any] | None,
                until: float, body_of: Callable[[Any], tuple[dict[str, Any], list[str]]],
                key_of_body: Callable[[dict[str, Any]], str]) -> BulkWrite:
    if state is None:
        lines = [i for i, item in enumerate(items) if item is not None]
        bodies, warnings = [], {}
        for index in lines:
            body, notes = body_of(items[index])
            bodies.append(body)
            warnings[str(index)] = notes
        if not bodies:
            return BulkWrite(None, [None] * len(items))
        data, response = stream._call("POST", route, body=bodies, code="all", prefix=BULK_PREFIX, allow=(404,),
                                      idempotent=False)
        if response.status_code == 404 or not isinstance(data, dict) or not data.get("bulk_uuid"):
            written = stream.create([items[i] for i in lines])  # no asynchronous API on this store
            results: list[WriteResult | None] = [None] * len(items)
            for index, result in zip(lines, written, strict=True):
                results[index] = result
            return BulkWrite(None, results)
        state = {"uuid": data["bulk_uuid"], "lines": lines, "keys": [key_of_body(b) for b in bodies],
                 "warnings": warnings}
    while True:
        data, _ = stream._call("GET", f"bulk/{state['uuid']}/detailed-status")
        operations = [o for o in (data or {}).get("operations_list") or [] if isinstance(o, dict)]
        if len(operations) >= len(state["lines"]) and all(o.get("status") != OPEN for o in operations):
            break
        if time.monotonic() + POLL_SECONDS >= until:
            return BulkWrite(state, None)
        time.sleep(POLL_SECONDS)
    return BulkWrite(state, _results(stream, items, state, operations))


def _results(stream: Magento2Stream, items: list[Canonical | None], state: dict[str, Any],
             operations: list[dict[str, Any]]) -> list[WriteResult | None]:
    """One result per item: operations are matched to their element by the key in their message (the element's
    natural key), else by order."""
    by_key: dict[str, dict[str, Any]] = {}
    for operation in operations:
        try:
            meta = json.loads(json.loads(operation.get("serialized_data") or "{}").get("meta_information") or "{}")
        except (TypeError, ValueError):
            meta = None
        if isinstance(meta, dict):
            by_key.setdefault(body_key(meta), operation)
    ordered = sorted(operations, key=lambda o: int(o.get("id") or 0))
    results: list[WriteResult | None] = [None] * len(items)
    duplicates: dict[str, int] = {}
    for position, (index, key) in enumerate(zip(state["lines"], state["keys"], strict=True)):
        item = items[index]
        operation = by_key.get(key) or (ordered[position] if position < len(ordered) else None)
        if item is None or operation is None:
            continue
        warnings = list(state["warnings"].get(str(index), []))
        if operation.get("status") == COMPLETE:
            try:
                answer = json.loads(operation.get("result_serialized_data") or "null")
            except ValueError:
                answer = None
            target = answer.get("id") if isinstance(answer, dict) else None
            results[index] = (WriteResult(source_id=item.source_id, target_id=str(target), warnings=warnings)
                              if target else None)
            continue
        message = str(operation.get("result_message") or "The bulk operation failed.")
        if "already exists" in message.lower() and stream.natural_key(item):
            duplicates[stream.natural_key(item) or ""] = index
            continue
        results[index] = WriteResult(source_id=item.source_id, error=message)
    if duplicates:  # created by an earlier bulk of the same page whose answer was lost, or already there
        found = stream.find_by_natural_keys(list(duplicates))
        for natural_key, index in duplicates.items():
            item = items[index]
            if item is not None:
                results[index] = (WriteResult(source_id=item.source_id, target_id=found[natural_key])
                                  if natural_key in found else
                                  WriteResult(source_id=item.source_id, error="Magento says it already exists, "
                                              "but it could not be found by its natural key."))
    return results


def body_key(body: dict[str, Any]) -> str:
    """The natural key of a request body ({"customer": {email}}, {"product": {sku}})."""
    for member in body.values():
        if isinstance(member, dict):
            return str(member.get("email") or member.get("sku") or "").lower()
    return ""

