"""Bulk operations and staged uploads (https://shopify.dev/docs/api/usage/bulk-operations/queries and
/imports).

- `stagedUploadsCreate` answers a signed upload target served by the sandbox itself (a POST form like
  Google Cloud Storage's, or a PUT URL); the uploaded file is kept as a `files` record under its `key`.
- `bulkOperationRunMutation` runs the mutation once per JSONL line of the staged file (not charged to
  the throttle bucket, as bulk work is not) and writes `{"data": ..., "__lineNumber": n}` lines.
- `bulkOperationRunQuery` runs the query with unbounded connections and writes one JSONL line per object;
  objects of nested connections are their own lines with `__parentId`.

The operation runs inside the request that creates it; the payload answers CREATED as Shopify does and
the next poll (`currentBulkOperation`, `node`, `bulkOperation`) sees COMPLETED with the result `url`.
"""
import json
import uuid
from urllib.parse import quote

from graphql import FieldNode, GraphQLError, OperationDefinitionNode, parse, validate

from ..models import SandboxRecord
from ..records import ids_allocate, now_utc
from . import render
from .common import Ctx, gid_id, iso, signature, user_error
from .data import record_create, record_get, records
from .mutate import mutation
from .store import SEQUENCE

MAX_UPLOAD_BYTES = 20 * 1024 * 1024
MAX_BULK_CONNECTIONS = 5
MAX_BULK_DEPTH = 2


def file_save(store, key: str, content: str, content_type: str) -> None:
    now = now_utc()
    SandboxRecord.objects.filter(store=store, resource="files", lookup=key).delete()
    SandboxRecord.objects.create(store=store, resource="files", lookup=key, record_id=ids_allocate(store, SEQUENCE)[0],
                                 data={"content": content, "contentType": content_type},
                                 date_created_gmt=now, date_modified_gmt=now)


def file_read(store, key: str):
    row = SandboxRecord.objects.filter(store=store, resource="files", lookup=key).first()
    return row.data if row else None


# ---------------------------------------------------------------- staged uploads


@mutation("stagedUploadsCreate", "write_files")
def staged_uploads_create(ctx: Ctx, input):
    errors = []
    targets = []
    for i, item in enumerate(input):
        if not (item.get("filename") or "").strip():
            errors.append(user_error(["input", str(i), "filename"], "Filename can't be blank"))
            continue
        if item.get("fileSize") is not None and int(item["fileSize"]) > MAX_UPLOAD_BYTES and \
                item["resource"] == "BULK_MUTATION_VARIABLES":
            errors.append(user_error(["input", str(i), "fileSize"], "File size is too large"))
            continue
        folder = "bulk" if item["resource"] == "BULK_MUTATION_VARIABLES" else "uploads"
        key = f"tmp/{ctx.store.settings.get('shop_id', ctx.store.pk)}/{folder}/{uuid.uuid4()}/{item['filename']}"
        sig = signature(ctx, key)
        base = f"{ctx.base_url}/_staged_uploads/"
        if item.get("httpMethod") == "POST":
            credential = f"sandbox-staged-uploads@{ctx.store.name}.iam.gserviceaccount.com/{ctx.now:%Y%m%d}/auto/" \
                         "storage/goog4_request"
            params = [("Content-Type", item["mimeType"]), ("success_action_status", "201"), ("acl", "private"),
                      ("key", key), ("x-goog-date", f"{ctx.now:%Y%m%dT%H%M%SZ}"), ("x-goog-credential", credential),
                      ("x-goog-algorithm", "GOOG4-RSA-SHA256"), ("x-goog-signature", sig),
                      ("policy", json.dumps({"conditions": [{"key": key}]}).encode().hex())]
            url = base
        else:
            params = [("content_type", item["mimeType"]), ("acl", "private")]
            url = f"{base}{quote(key)}?X-Goog-Algorithm=GOOG4-RSA-SHA256&X-Goog-Signature={sig}"
        resource_url = None if item["resource"] == "BULK_MUTATION_VARIABLES" else f"{base}{quote(key)}"
        targets.append({"url": url, "resourceUrl": resource_url,
                        "parameters": [{"name": name, "value": value} for name, value in params]})
    if errors:
        return {"stagedTargets": None, "userErrors": errors}
    return {"stagedTargets": targets, "userErrors": []}


# ---------------------------------------------------------------- bulk operations


def _operation_record(ctx: Ctx, kind: str, query: str):
    return record_create(ctx, "bulk_operations", {"query": query}, lookup=kind, status="CREATED")


def _finish(ctx: Ctx, record, lines: list[str], root_count: int) -> None:
    key = f"bulk/{record.record_id}/{uuid.uuid4()}.jsonl"
    content = "".join(line + "\n" for line in lines)
    file_save(ctx.store, key, content, "application/jsonl")
    record.status = "COMPLETED"
    record.data = {**record.data, "resultKey": key if lines else None, "objectCount": len(lines),
                   "rootObjectCount": root_count, "fileSize": len(content.encode()) if lines else None,
                   "completedAt": iso(ctx.now)}
    record.save()


def _bulk_error(kind_mutation: bool, field, message: str, code: str) -> dict:
    payload = {"bulkOperation": None, "userErrors": [user_error(field, message, code)]}
    return payload


@mutation("bulkOperationRunMutation", "write_products")
def bulk_operation_run_mutation(ctx: Ctx, mutation: str, stagedUploadPath: str, clientIdentifier=None,
                                groupObjects=False):

    if clientIdentifier is not None and not 10 <= len(clientIdentifier) <= 255:
        return _bulk_error(True, ["clientIdentifier"], "Client identifier must be between 10 and 255 characters.",
                           "INVALID_MUTATION")
    try:
        document = parse(mutation)
    except GraphQLError as exc:
        return _bulk_error(True, ["mutation"], f"Failed to parse the mutation - {exc.message}", "INVALID_MUTATION")
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    fields = [s for s in operations[0].selection_set.selections if isinstance(s, FieldNode)] if operations else []
    if len(operations) != 1 or operations[0].operation.value != "mutation" or len(fields) != 1 or \
            fields[0].name.value.startswith("bulkOperation") or fields[0].name.value == "stagedUploadsCreate":
        return _bulk_error(True, ["mutation"], "Invalid Bulk Mutation Field - a bulk mutation must be one mutation "
                           "field of the Admin API.", "INVALID_MUTATION")
    stored = file_read(ctx.store, stagedUploadPath)
    if stored is None:
        return _bulk_error(True, ["stagedUploadPath"], "The JSONL file could not be found. Try uploading the file "
                           "again, and check that you've entered the URL correctly for the stagedUploadPath mutation "
                           "argument.", "NO_SUCH_FILE")
    variables = []
    for line in stored["content"].splitlines():
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except ValueError:
            value = None
        if not isinstance(value, dict):
            return _bulk_error(True, ["stagedUploadPath"], "The file is not a valid JSONL file.",
                               "INVALID_STAGED_UPLOAD_FILE")
        variables.append(value)
    record = _operation_record(ctx, "MUTATION", mutation)
    lines = []
    for number, values in enumerate(variables):
        line_ctx = Ctx(store=ctx.store, base_url=ctx.base_url, version=ctx.version, can_write=True,
                       all_orders=ctx.all_orders, schema=ctx.schema, execute=ctx.execute)
        payload = ctx.execute(line_ctx, document, values, None)
        out = {"data": payload.get("data")}
        if payload.get("errors"):
            out["errors"] = payload["errors"]
        out["__lineNumber"] = number
        lines.append(json.dumps(out, separators=(",", ":"), ensure_ascii=False))
    _finish(ctx, record, lines, len(lines))
    return {"bulkOperation": render.bulk_operation(ctx, record, status="CREATED"), "userErrors": []}


def _connection_stats(selection_set, depth: int, stats: dict) -> None:
    for selection in selection_set.selections:
        if not isinstance(selection, FieldNode) or selection.selection_set is None:
            continue
        child_names = {s.name.value for s in selection.selection_set.selections if isinstance(s, FieldNode)}
        if child_names & {"edges", "nodes"}:
            stats["count"] += 1
            stats["depth"] = max(stats["depth"], depth + 1)
            for child in selection.selection_set.selections:
                if isinstance(child, FieldNode) and child.selection_set is not None:
                    target = child.selection_set
                    if child.name.value == "edges":
                        nodes = [s for s in target.selections if isinstance(s, FieldNode) and s.name.value == "node"]
                        for node in nodes:
                            if node.selection_set:
                                _connection_stats(node.selection_set, depth + 1, stats)
                    elif child.name.value == "nodes":
                        _connection_stats(target, depth + 1, stats)
        else:
            _connection_stats(selection.selection_set, depth, stats)


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


@mutation("bulkOperationRunQuery", "read_products")
def bulk_operation_run_query(ctx: Ctx, query: str, groupObjects=False):

    try:
        document = parse(query)
    except GraphQLError as exc:
        return _bulk_error(False, ["query"], f"Invalid bulk query: {exc.message}", "INVALID")
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if len(operations) != 1 or operations[0].operation.value != "query":
        return _bulk_error(False, ["query"], "Invalid bulk query: a bulk query must be a single query operation.",
                           "INVALID")

    problems = validate(ctx.schema, document)
    if problems:
        return _bulk_error(False, ["query"], f"Invalid bulk query: {problems[0].message}", "INVALID")
    roots = [s for s in operations[0].selection_set.selections if isinstance(s, FieldNode)]
    if any(root.name.value in ("node", "nodes") for root in roots):
        return _bulk_error(False, ["query"], "Bulk queries cannot contain a top level `node` or `nodes` field.",
                           "INVALID")
    stats = {"count": 0, "depth": 0}
    _connection_stats(operations[0].selection_set, 0, stats)
    if stats["count"] == 0:
        return _bulk_error(False, ["query"], "Bulk queries must contain at least one connection.", "INVALID")
    if stats["count"] > MAX_BULK_CONNECTIONS:
        return _bulk_error(False, ["query"], f"Bulk queries cannot contain more than {MAX_BULK_CONNECTIONS} "
                           "connections.", "INVALID")
    if stats["depth"] > MAX_BULK_DEPTH:
        return _bulk_error(False, ["query"], f"Bulk queries cannot contain connections with a nesting depth greater "
                           f"than {MAX_BULK_DEPTH}.", "INVALID")
    running = records(ctx, "bulk_operations").filter(lookup="QUERY", status__in=["CREATED", "RUNNING"])
    if running.count() >= 5:
        return _bulk_error(False, None, "A bulk query operation for this app and shop is already in progress: "
                           f"gid://shopify/BulkOperation/{running.first().record_id}.", "OPERATION_IN_PROGRESS")
    record = _operation_record(ctx, "QUERY", query)
    bulk_ctx = Ctx(store=ctx.store, base_url=ctx.base_url, version=ctx.version, can_write=False, bulk=True,
                   all_orders=ctx.all_orders, schema=ctx.schema, execute=ctx.execute)
    payload = ctx.execute(bulk_ctx, document, {}, None)
    if payload.get("errors"):
        record.status = "FAILED"
        record.data = {**record.data, "errorCode": "INTERNAL_SERVER_ERROR", "completedAt": iso(ctx.now)}
        record.save()
        return {"bulkOperation": render.bulk_operation(ctx, record, status="CREATED"), "userErrors": []}
    lines: list[str] = []
    root_count = 0
    for root in roots:
        key = root.alias.value if root.alias else root.name.value
        value = (payload.get("data") or {}).get(key)
        if _is_connection(value):
            for node in _connection_nodes(value):
                root_count += 1
                _flatten(node, None, lines)
        elif isinstance(value, dict):
            root_count += 1
            _flatten(value, None, lines)
    _finish(ctx, record, lines, root_count)
    return {"bulkOperation": render.bulk_operation(ctx, record, status="CREATED"), "userErrors": []}


@mutation("bulkOperationCancel", "read_products")
def bulk_operation_cancel(ctx: Ctx, id):
    record = record_get(ctx, "bulk_operations", gid_id(id, "BulkOperation"))
    if record is None:
        return {"bulkOperation": None, "userErrors": [user_error(["id"], "Bulk operation does not exist", "INVALID")]}
    if record.status in ("COMPLETED", "FAILED", "CANCELED", "EXPIRED"):
        return {"bulkOperation": render.bulk_operation(ctx, record), "userErrors": [user_error(
            None, f"A bulk operation cannot be canceled when it is {record.status.lower()}", "INVALID")]}
    record.status = "CANCELED"
    record.save()
    return {"bulkOperation": render.bulk_operation(ctx, record), "userErrors": []}
