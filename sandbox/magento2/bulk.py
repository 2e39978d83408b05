"""`/async/V1/…` and `/async/bulk/V1/…`: requests are accepted (202 `{bulk_uuid, request_items, errors}`)
and queued as operations; an in-process consumer runs them later, a bounded number at the start of each
API request of the store (so it works under runserver and live_server without a worker), and
`/V1/bulk/{uuid}/status|detailed-status|operation-status/{status}` report them.
https://developer.adobe.com/commerce/webapi/rest/use-rest/asynchronous-web-endpoints/
https://developer.adobe.com/commerce/webapi/rest/use-rest/operation-status-endpoints/
"""
import hashlib
import json
import re
import uuid

from django.db import transaction

from ..models import SandboxRecord, SandboxStore
from ..records import ids_allocate, now_utc
from .common import Ctx, mdate
from .errors import MagentoError
from .store import store_views

OPEN, COMPLETE, RETRIABLY_FAILED, FAILED, REJECTED = "4", "1", "2", "3", "5"
DRAIN_LIMIT = 50
_BY_PARAM = re.compile(r"^by([A-Z]\w*)$")


def _service_names(service: tuple[str, str]) -> tuple[str, str]:
    interface, method = service
    model = interface.replace("\\Api\\", "\\Model\\").removesuffix("Interface")
    return f"{interface.replace(chr(92), '.').lower()}.{method.lower()}", f"{model}\\Interceptor::{method}"


def bulk_schedule(ctx: Ctx, route, method: str, route_path: str, body, params: dict, *, is_bulk: bool) -> dict:
    """Queue one operation (async) or one per element of the JSON array body (bulk). In a bulk path a
    `by<Param>` segment takes each element's `<param>` member (`products/bySku` -> element["sku"])."""
    if is_bulk and not isinstance(body, list):
        raise MagentoError("Request body is expected to be an array of entities.")
    elements = body if is_bulk else [body]
    topic = f"async.{_service_names(route.service)[0]}.{method.lower()}"
    bulk_uuid = str(uuid.uuid4())
    bulk_id = ids_allocate(ctx.store, "bulks")[0]
    op_ids = ids_allocate(ctx.store, "bulk_operations", len(elements)) if elements else []
    now = now_utc()
    rows = [SandboxRecord(store=ctx.store, resource="bulks", record_id=bulk_id, lookup=bulk_uuid,
                          data={"description": f"Topic {topic}", "user_type": ctx.user_type, "user_id": ctx.user_id,
                                "operation_count": len(elements)},
                          date_created_gmt=now, date_modified_gmt=now)]
    items = []
    for position, (op_id, element) in enumerate(zip(op_ids, elements, strict=True)):
        path = route_path
        for value in params.values():
            match = _BY_PARAM.match(value) if is_bulk else None
            if match:
                key = match.group(1)[0].lower() + match.group(1)[1:]
                member = element.get(key) if isinstance(element, dict) else None
                path = path.replace(value, str(member if member is not None else ""), 1)
        payload = json.dumps(element, separators=(",", ":"))
        rows.append(SandboxRecord(
            store=ctx.store, resource="bulk_operations", record_id=op_id, parent_id=bulk_id, lookup=bulk_uuid,
            status=OPEN, date_created_gmt=now, date_modified_gmt=now,
            data={"topic_name": topic, "method": method, "path": path, "code": ctx.code, "body": element,
                  "base_url": ctx.base_url, "user_type": ctx.user_type, "user_id": ctx.user_id,
                  "acl": sorted(ctx.acl) if ctx.acl is not None else None,
                  "serialized_data": json.dumps({"entity_id": None, "entity_link": "", "meta_information": payload}),
                  "result_serialized_data": None, "result_message": None, "error_code": None}))
        items.append({"id": position, "data_hash": hashlib.sha256(payload.encode()).hexdigest(), "status": "accepted"})
    SandboxRecord.objects.bulk_create(rows)
    return {"bulk_uuid": bulk_uuid, "request_items": items, "errors": False}


def _run(store: SandboxStore, op: SandboxRecord) -> None:
    from .routes import route_match  # routes imports this module's handlers

    data = op.data
    views = {view["code"]: view for view in store_views(store)}
    ctx = Ctx(store=store, code=data["code"], view=views.get(data["code"]), base_url=data["base_url"], query={},
              user_type=data["user_type"], user_id=data["user_id"],
              acl=frozenset(data["acl"]) if data["acl"] is not None else None)
    route, params = route_match(data["method"], data["path"])
    try:
        if route is None:
            raise MagentoError("Request does not match any route.", status=404)
        with transaction.atomic():  # a savepoint: a failed operation leaves nothing half-written
            result = route.handler(ctx, data["body"], **params)
    except MagentoError as exc:
        op.status = FAILED if exc.status < 500 else RETRIABLY_FAILED
        data["result_message"], data["error_code"] = exc.rendered(), 0
    except (TypeError, ValueError, KeyError, AttributeError) as exc:  # a body of the wrong shape
        op.status = FAILED
        data["result_message"], data["error_code"] = f"Error occurred during message processing: {exc}", 0
    else:
        op.status = COMPLETE
        data["result_serialized_data"] = json.dumps(result, separators=(",", ":"))
        data["result_message"] = "Service execution success " + _service_names(route.service)[1]
    op.date_modified_gmt = now_utc()
    op.save(update_fields=["status", "data", "date_modified_gmt"])


def operations_drain(store: SandboxStore, *, bulk_id: int | None = None, limit: int = DRAIN_LIMIT) -> int:
    """Run up to `limit` open operations of `store` (of one bulk when `bulk_id`), oldest first. Rows are
    claimed with SKIP LOCKED, so two requests never run the same operation; each runs in its own
    transaction (a failed one does not undo the others)."""
    done = 0
    while done < limit:
        with transaction.atomic():
            query = SandboxRecord.objects.filter(store=store, resource="bulk_operations", status=OPEN)
            if bulk_id is not None:
                query = query.filter(parent_id=bulk_id)
            op = query.order_by("record_id").select_for_update(skip_locked=True).first()
            if op is None:
                return done
            _run(store, op)
        done += 1
    return done


def _bulk(ctx: Ctx, bulk_uuid: str) -> tuple[SandboxRecord, list[SandboxRecord]]:
    row = ctx.rows("bulks").filter(lookup=bulk_uuid).first()
    if row is None:
        raise MagentoError("Bulk uuid %bulkUuid not exist", {"bulkUuid": bulk_uuid}, 404)
    operations_drain(ctx.store, bulk_id=row.record_id)
    return row, list(ctx.rows("bulk_operations").filter(parent_id=row.record_id).order_by("record_id"))


def _summary(row: SandboxRecord, operations: list, detailed: bool) -> dict:
    listed = []
    for op in operations:
        entry = {"id": op.record_id}
        if detailed:
            entry.update({"bulk_uuid": op.lookup, "topic_name": op.data["topic_name"],
                          "serialized_data": op.data["serialized_data"],
                          "result_serialized_data": op.data.get("result_serialized_data")})
        entry.update({"status": int(op.status), "result_message": op.data.get("result_message"),
                      "error_code": op.data.get("error_code")})
        listed.append(entry)
    return {"operations_list": listed, "user_type": row.data.get("user_type"), "bulk_id": row.lookup,
            "description": row.data.get("description"), "start_time": mdate(row.date_created_gmt),
            "user_id": row.data.get("user_id"), "operation_count": row.data.get("operation_count", len(operations))}


def bulk_status(ctx: Ctx, body, bulk_uuid: str) -> dict:
    return _summary(*_bulk(ctx, bulk_uuid), detailed=False)


def bulk_detailed_status(ctx: Ctx, body, bulk_uuid: str) -> dict:
    return _summary(*_bulk(ctx, bulk_uuid), detailed=True)


def bulk_operation_count(ctx: Ctx, body, bulk_uuid: str, status: str) -> int:
    _, operations = _bulk(ctx, bulk_uuid)
    return sum(1 for op in operations if op.status == status)
