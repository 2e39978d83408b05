"""Bulk operations and staged uploads (https://shopify.dev/docs/api/usage/bulk-operations/queries and
/imports).

- `stagedUploadsCreate` answers a signed upload target served by the sandbox itself (a POST form like
  Google Cloud Storage's, or a PUT URL); the uploaded file is kept as a `files` record under its `key`.
- `bulkOperationRunMutation` checks the mutation, its staged file and the shop's limit and answers at once
  with the operation CREATED; the operation then runs the mutation once per JSONL line on its own
  (bulk_mutation.py; not charged to the throttle bucket, as bulk work is not) and writes
  `{"data": ..., "__lineNumber": n}` lines.
- `bulkOperationRunQuery` checks the query and the shop's concurrency limit and answers at once with the
  operation CREATED; the operation then runs on its own (bulk_run.py): one JSONL line per object, objects
  of nested connections on their own lines with `__parentId`, right after their parent.
"""
import json
import time
import uuid
from urllib.parse import quote

from django.db import transaction
from graphql import FieldNode, GraphQLError, OperationDefinitionNode, parse, validate

from ..models import SandboxRecord
from ..records import ids_allocate, now_utc
from . import bulk_mutation, bulk_run, render
from .common import Ctx, gid_id, signature, user_error
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


def _bulk_error(kind_mutation: bool, field, message: str, code: str) -> dict:
    payload = {"bulkOperation": None, "userErrors": [user_error(field, message, code)]}
    return payload


@mutation("bulkOperationRunMutation", "write_products")
def bulk_operation_run_mutation(ctx: Ctx, mutation: str, stagedUploadPath: str, clientIdentifier=None,
                                groupObjects=False):
    """Check the mutation, its staged file and the shop's limit, then answer CREATED at once: the
    operation runs its lines on its own (bulk_mutation.py)."""
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
    problems = validate(ctx.schema, document) if ctx.schema is not None else []
    if problems:
        return _bulk_error(True, ["mutation"], f"Invalid mutation: {problems[0].message}", "INVALID_MUTATION")
    stored = file_read(ctx.store, stagedUploadPath)
    if stored is None:
        return _bulk_error(True, ["stagedUploadPath"], "The JSONL file could not be found. Try uploading the file "
                           "again, and check that you've entered the URL correctly for the stagedUploadPath mutation "
                           "argument.", "NO_SUCH_FILE")
    if bulk_mutation.variables_of(stored["content"]) is None:
        return _bulk_error(True, ["stagedUploadPath"], "The file is not a valid JSONL file.",
                           "INVALID_STAGED_UPLOAD_FILE")
    running = records(ctx, "bulk_operations").filter(lookup="MUTATION", status__in=bulk_run.ACTIVE)
    limit = bulk_run.concurrency_limit(ctx.version)
    if running.count() >= limit:
        if limit > 1:
            return _bulk_error(True, None, "Bulk operations limit reached. Please try again later.", "LIMIT_REACHED")
        return _bulk_error(True, None, "A bulk mutation operation for this app and shop is already in progress: "
                           f"gid://shopify/BulkOperation/{running.first().record_id}.", "OPERATION_IN_PROGRESS")
    record = record_create(ctx, "bulk_operations", {
        "query": mutation, "version": ctx.version, "stagedUploadPath": stagedUploadPath,
        "clientIdentifier": clientIdentifier, "resultKey": bulk_run.result_key()},
        lookup="MUTATION", status="CREATED", modified=bulk_run.stamp())
    transaction.on_commit(lambda: bulk_mutation.run_in_background(ctx, record.pk))
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
    running = records(ctx, "bulk_operations").filter(lookup="QUERY", status__in=bulk_run.ACTIVE)
    limit = bulk_run.concurrency_limit(ctx.version)
    if running.count() >= limit:
        if limit > 1:
            return _bulk_error(False, None, "Bulk operations limit reached. Please try again later.",
                               "LIMIT_REACHED")
        return _bulk_error(False, None, "A bulk query operation for this app and shop is already in progress: "
                           f"gid://shopify/BulkOperation/{running.first().record_id}.", "OPERATION_IN_PROGRESS")
    # It runs later, a slice at each read of its status (bulk_run.advance), as Shopify runs it on its own.
    record = record_create(ctx, "bulk_operations", {
        "query": query, "version": ctx.version, "allOrders": ctx.all_orders, "groupObjects": bool(groupObjects),
        "resultKey": bulk_run.result_key()}, lookup="QUERY", status="CREATED", modified=bulk_run.stamp())
    delay = ctx.store.settings.get("bulk_start_answer_delay_ms")
    if delay:  # fault knob: the operation is taken (committed) but the answer comes late, or never
        transaction.on_commit(lambda: time.sleep(float(delay) / 1000))
    return {"bulkOperation": render.bulk_operation(ctx, record, status="CREATED"), "userErrors": []}


@mutation("bulkOperationCancel", "read_products")
def bulk_operation_cancel(ctx: Ctx, id):
    record = record_get(ctx, "bulk_operations", gid_id(id, "BulkOperation"))
    if record is None:
        return {"bulkOperation": None, "userErrors": [user_error(["id"], "Bulk operation does not exist", "INVALID")]}
    if record.status in ("COMPLETED", "FAILED", "CANCELED", "EXPIRED"):
        return {"bulkOperation": render.bulk_operation(ctx, record), "userErrors": [user_error(
            None, f"A bulk operation cannot be canceled when it is {record.status.lower()}", "INVALID")]}
    # Shopify answers CANCELING; the operation is CANCELED at its next read (bulk_run.advance). The row is
    # locked first: lines running at this moment commit their progress before it, and it is not overwritten.
    with transaction.atomic():
        locked = SandboxRecord.objects.select_for_update().filter(pk=record.pk, status__in=bulk_run.ACTIVE).first()
        if locked is not None:
            locked.status, locked.data = "CANCELING", {**locked.data, "leasedUntil": None}
            locked.date_modified_gmt = bulk_run.stamp()
            locked.save(update_fields=["status", "data", "date_modified_gmt"])
    record.refresh_from_db()
    return {"bulkOperation": render.bulk_operation(ctx, record, status="CANCELING"), "userErrors": []}
