"""Table-driven CRUD for the WooCommerce emulator: one implementation of list / retrieve / create /
update / delete / batch, parametrised by a `ResourceSpec` per resource (see resources.py).

Lists filter, sort and paginate in SQL over `SandboxRecord` columns and JSON keys; nothing loads a
whole resource into Python except the SQLite fallback of the JSON-containment filters.
"""
import copy
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from django.db import connection, transaction
from django.db.models import Case, F, IntegerField, Q, QuerySet, Value, When
from django.db.models.fields.json import KT
from django.utils.dateparse import parse_datetime

from ..models import SandboxRecord, SandboxStore
from ..records import format_date, ids_allocate, now_utc, raw_strings_restore
from .errors import WooError, invalid_param, missing_params

BATCH_LIMIT = 100
RAW_FLAG = "_sb_raw"  # top-level data key: the record holds raw_string() markers to restore on output


@dataclass
class Ctx:
    """What a request knows: the store, the site URL a client sees, and the request's clock."""

    store: SandboxStore
    site_url: str
    now: datetime = field(default_factory=now_utc)
    version: str = "v3"  # the namespace the request came through: wc/v1, wc/v2 or wc/v3

    @property
    def multilingual(self) -> bool:
        return len(self.store.languages) > 1


@dataclass(frozen=True)
class Scope:
    """A nested collection: `products/{product_id}/variations` has Scope('product_id', 'products', ...)."""

    kwarg: str
    parent_resource: str
    invalid: tuple[str, str]
    list_missing_parent: bool = False  # list under a missing parent answers [] (refunds), not 404
    mismatch: tuple[str, str] | None = None  # a record that exists under another parent, if told apart


Hook = Callable[..., None]


def _noop(*args, **kwargs) -> None:
    return None


@dataclass(frozen=True)
class ResourceSpec:
    """Everything that differs between two WooCommerce resources. Hooks:

    - defaults(ctx) -> dict: the full writable field set with WooCommerce's defaults;
    - prepare(ctx, spec, data, extras, record): derive fields, resolve references, check uniqueness
      (record is None on create; extras holds write-only params such as set_paid, lang, translation_of);
    - after_save(ctx, spec, record, created) / after_delete(ctx, spec, record): side effects on others;
    - render(ctx, record, out): add computed read-only fields to the response.
    """

    name: str
    sequence: str
    invalid: tuple[str, str]
    defaults: Callable[[Ctx], dict]
    required: tuple[str, ...] = ()
    read_only: frozenset = frozenset()
    write_only: frozenset = frozenset()
    merge_dicts: frozenset = frozenset({"billing", "shipping", "dimensions"})
    trash: bool = False
    trash_message: str = "The resource does not support trashing."
    scope: Scope | None = None
    parent_field: str | None = None
    lookup_field: str | None = None
    lookup_casefold: bool = False  # emails and coupon codes compare case-insensitively
    translatable: bool = False
    date_created_writable: bool = False
    orderby: dict = field(default_factory=dict)
    default_orderby: str = "date"
    default_order: str = "desc"
    status_param: str | None = None  # name of the status filter; "any" or absent excludes trash
    status_default: str = "any"
    filters: dict = field(default_factory=dict)  # param -> fn(qs, raw_value, ctx) -> qs
    search: Callable[[str], Q] | None = None
    paginated: bool = True  # order notes, attributes and tax classes answer everything at once
    dated: bool = True  # terms and tax rates have no date fields
    force_default: bool = False  # DELETE without `force` deletes (refunds) instead of answering 501
    prepare: Hook = _noop
    after_save: Hook = _noop
    after_delete: Hook = _noop
    render: Hook = _noop


# ---------------------------------------------------------------- parameters


def param_list(params, name: str) -> list[str]:
    """`include=1,2`, `include[]=1&include[]=2` and `include=1&include=2` all mean [1, 2]."""
    values = list(params.getlist(name)) + list(params.getlist(f"{name}[]"))
    out = []
    for value in values:
        out.extend(part.strip() for part in str(value).split(",") if part.strip())
    return out


def param_ints(params, name: str) -> list[int]:
    try:
        return [int(v) for v in param_list(params, name)]
    except ValueError:
        raise invalid_param(name, f"{name}[0] is not of type integer.", "rest_invalid_type") from None


def param_int(params, name: str, default: int, minimum: int | None = None, maximum: int | None = None) -> int:
    raw = params.get(name)
    if raw in (None, ""):
        return default
    try:
        value = int(raw)
    except (TypeError, ValueError):
        raise invalid_param(name, f"{name} is not of type integer.", "rest_invalid_type") from None
    if minimum is not None and maximum is not None and not minimum <= value <= maximum:
        raise invalid_param(
            name, f"{name} must be between {minimum} (inclusive) and {maximum} (inclusive)", "rest_out_of_bounds"
        )
    if minimum is not None and value < minimum:
        raise invalid_param(name, f"{name} must be greater than or equal to {minimum}", "rest_out_of_bounds")
    return value


def param_bool(value) -> bool:
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() in ("1", "true", "yes", "on")


def param_date(params, name: str) -> datetime | None:
    """ISO 8601; a value without offset is in the site timezone, which is UTC for sandbox stores, so
    `dates_are_gmt` changes nothing here except that an explicit offset is honoured either way."""
    raw = params.get(name)
    if not raw:
        return None
    value = parse_datetime(raw.replace(" ", "+") if "T" in raw else raw)
    if value is None:
        raise invalid_param(name, "Invalid date.", "rest_invalid_date")
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value


def parse_write_date(value) -> datetime | None:
    if not value:
        return None
    parsed = parse_datetime(str(value))
    if parsed is None:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


# ---------------------------------------------------------------- queries


def base_queryset(ctx: Ctx, resource: str) -> QuerySet:
    return SandboxRecord.objects.filter(store=ctx.store, resource=resource)


def json_list_contains(qs: QuerySet, key: str, item: dict) -> QuerySet:
    """Records whose JSON list `data[key]` holds an object containing `item` (jsonb @> on PostgreSQL)."""
    if connection.vendor == "postgresql":
        return qs.filter(**{f"data__{key}__contains": [item]})
    wanted = [
        pk
        for pk, values in qs.values_list("pk", f"data__{key}")
        if any(all(v.get(k) == val for k, val in item.items()) for v in values or [] if isinstance(v, dict))
    ]
    return qs.filter(pk__in=wanted)


def _apply_status(spec: ResourceSpec, qs: QuerySet, params) -> QuerySet:
    if not spec.status_param:
        return qs
    statuses = param_list(params, spec.status_param) or [spec.status_default]
    if "any" in statuses or "all" in statuses:
        return qs.exclude(status="trash")
    return qs.filter(status__in=statuses)


def _ordering(spec: ResourceSpec, params, include: list[int]) -> list:
    orderby = params.get("orderby") or spec.default_orderby
    if orderby not in spec.orderby:
        allowed = ", ".join(spec.orderby)
        raise invalid_param("orderby", f"orderby is not one of {allowed}.")
    order = (params.get("order") or spec.default_order).lower()
    if order not in ("asc", "desc"):
        raise invalid_param("order", "order is not one of asc, desc.")
    if orderby == "include" and include:
        # WordPress's post__in ordering keeps the order of `include` whatever `order` says
        expr = Case(
            *[When(record_id=rid, then=Value(pos)) for pos, rid in enumerate(include)],
            output_field=IntegerField(),
        )
        return [expr.asc(), "record_id"]
    else:
        target = spec.orderby[orderby]
        expr = KT(target) if target.startswith("data__") else F(target)
    tie = "record_id" if order == "asc" else "-record_id"
    return [expr.asc() if order == "asc" else expr.desc(), tie]


def records_query(ctx: Ctx, spec: ResourceSpec, params, scope_id: int | None) -> QuerySet:
    qs = base_queryset(ctx, spec.name)
    if spec.scope is not None:
        qs = qs.filter(parent_id=scope_id)
    include = param_ints(params, "include")
    if include:
        qs = qs.filter(record_id__in=include)
    exclude = param_ints(params, "exclude")
    if exclude:
        qs = qs.exclude(record_id__in=exclude)
    for name, column, op in (
        ("after", "date_created_gmt", "gt"),
        ("before", "date_created_gmt", "lt"),
        ("modified_after", "date_modified_gmt", "gt"),
        ("modified_before", "date_modified_gmt", "lt"),
    ):
        value = param_date(params, name)
        if value is not None:
            qs = qs.filter(**{f"{column}__{op}": value})
    qs = _apply_status(spec, qs, params)
    if spec.translatable and ctx.multilingual:
        lang = params.get("lang") or ctx.store.default_language
        if lang != "all":
            qs = qs.filter(lang=lang)
    if spec.search and params.get("search"):
        qs = qs.filter(spec.search(params["search"]))
    for name, apply in spec.filters.items():
        raw = params.get(name) or params.get(f"{name}[]")
        if raw not in (None, ""):
            qs = apply(qs, raw, ctx)
    return qs.order_by(*_ordering(spec, params, include))


def records_page(ctx: Ctx, spec: ResourceSpec, params, scope_id: int | None) -> tuple[list[dict], int, int, int]:
    """One page of rendered records plus (total, total_pages, page)."""
    if not spec.paginated:
        rows = list(records_query(ctx, spec, params, scope_id))
        return render_many(ctx, spec, rows), len(rows), 1, 1
    per_page = param_int(params, "per_page", 10, 1, 100)
    page = param_int(params, "page", 1, 1)
    offset = param_int(params, "offset", -1, 0) if params.get("offset") not in (None, "") else None
    qs = records_query(ctx, spec, params, scope_id)
    total = qs.count()
    start = offset if offset is not None else (page - 1) * per_page
    rows = list(qs[start:start + per_page])
    total_pages = math.ceil(total / per_page) if total else 0
    return render_many(ctx, spec, rows), total, total_pages, page


def record_get(ctx: Ctx, spec: ResourceSpec, record_id, scope_id: int | None = None, *, lock: bool = False):
    try:
        rid = int(record_id)
    except (TypeError, ValueError):
        rid = 0
    qs = base_queryset(ctx, spec.name)
    if lock:
        qs = qs.select_for_update()
    record = qs.filter(record_id=rid).first()
    if record is not None and spec.scope is not None and record.parent_id != scope_id and spec.scope.mismatch:
        raise WooError(spec.scope.mismatch[0], spec.scope.mismatch[1], 404)
    if record is None or (spec.scope is not None and record.parent_id != scope_id):
        raise WooError(spec.invalid[0], spec.invalid[1], 404)
    return record


def scope_check(ctx: Ctx, spec: ResourceSpec, scope_id) -> int | None:
    """The parent of a nested collection must exist: `orders/999/notes` is 404 invalid order id."""
    if spec.scope is None:
        return None
    try:
        pid = int(scope_id)
    except (TypeError, ValueError):
        pid = 0
    if not base_queryset(ctx, spec.scope.parent_resource).filter(record_id=pid).exists():
        raise WooError(spec.scope.invalid[0], spec.scope.invalid[1], 404)
    return pid


# ---------------------------------------------------------------- rendering


def translations_for(ctx: Ctx, spec: ResourceSpec, records: list[SandboxRecord]) -> dict[int, dict]:
    groups = {r.group_id for r in records if r.group_id}
    out: dict[int, dict] = {}
    if not groups:
        return out
    rows = base_queryset(ctx, spec.name).filter(group_id__in=groups).values_list("group_id", "lang", "record_id")
    for group_id, lang, rid in rows.order_by("record_id"):
        out.setdefault(group_id, {}).setdefault(lang, rid)
    return out


def render(ctx: Ctx, spec: ResourceSpec, record: SandboxRecord, translations: dict | None = None) -> dict:
    data = record.data
    if data.get(RAW_FLAG):
        data = raw_strings_restore(data)
    out = {"id": record.record_id}
    out.update((k, copy.deepcopy(v)) for k, v in data.items() if not k.startswith("_sb_"))
    if spec.dated:
        created, modified = format_date(record.date_created_gmt), format_date(record.date_modified_gmt)
        out.update(date_created=created, date_created_gmt=created, date_modified=modified, date_modified_gmt=modified)
    if spec.translatable and ctx.multilingual:
        out["lang"] = record.lang
        if translations is None:
            translations = translations_for(ctx, spec, [record])
        out["translations"] = translations.get(record.group_id, {record.lang: record.record_id})
    spec.render(ctx, record, out)
    return out


def render_many(ctx: Ctx, spec: ResourceSpec, records: list[SandboxRecord]) -> list[dict]:
    translations = translations_for(ctx, spec, records) if spec.translatable and ctx.multilingual else {}
    return [render(ctx, spec, r, translations) for r in records]


# ---------------------------------------------------------------- writes


def meta_merge(ctx: Ctx, existing: list[dict], incoming) -> list[dict]:
    """WooCommerce meta semantics: an entry with `id` updates that entry; one without updates the first
    entry with the same key or is added; a `null` value deletes. New entries get ids."""
    if not isinstance(incoming, list):
        return existing
    meta = [dict(m) for m in existing]
    new_items = []
    for item in incoming:
        if not isinstance(item, dict) or "key" not in item and "id" not in item:
            continue
        target = None
        if item.get("id"):
            target = next((m for m in meta if m.get("id") == item["id"]), None)
        elif item.get("key") is not None:
            target = next((m for m in meta if m.get("key") == item["key"]), None)
        if target is not None:
            if item.get("value", "") is None:
                meta.remove(target)
            else:
                target.update({k: v for k, v in item.items() if k in ("key", "value")})
        elif item.get("value") is not None:
            new_items.append({"key": item.get("key", ""), "value": item.get("value")})
    for item, mid in zip(new_items, ids_allocate(ctx.store, "meta", len(new_items)), strict=True):
        meta.append({"id": mid, **item})
    return meta


def apply_payload(ctx: Ctx, spec: ResourceSpec, data: dict, payload: dict) -> dict:
    """Copy writable fields of `payload` into `data`; return the write-only extras."""
    extras = {}
    for key, value in payload.items():
        if key in spec.write_only:
            extras[key] = value
        elif key == "id" or key in spec.read_only or key not in data:
            continue  # read-only and unknown fields are ignored, as WordPress ignores them
        elif key == "meta_data":
            data["meta_data"] = meta_merge(ctx, data.get("meta_data") or [], value)
        elif key in spec.merge_dicts and isinstance(value, dict) and isinstance(data.get(key), dict):
            data[key] = {**data[key], **value}
        else:
            data[key] = value
    return extras


def _columns(ctx: Ctx, spec: ResourceSpec, record: SandboxRecord, extras: dict) -> None:
    data = record.data
    if spec.lookup_field:
        lookup = str(data.get(spec.lookup_field) or "")[:255]
        record.lookup = lookup.lower() if spec.lookup_casefold else lookup
    record.status = str(data.get("status") or "")[:32] if "status" in data else ""
    if spec.parent_field and data.get(spec.parent_field) is not None:
        record.parent_id = int(data.get(spec.parent_field) or 0)
    if spec.date_created_writable and extras.get("date_created_gmt"):
        record.date_created_gmt = extras["date_created_gmt"]


def _writable_dates(spec: ResourceSpec, payload: dict, extras: dict) -> None:
    if spec.date_created_writable:
        value = parse_write_date(payload.get("date_created_gmt") or payload.get("date_created"))
        if value:
            extras["date_created_gmt"] = value


def record_create(ctx: Ctx, spec: ResourceSpec, payload: dict, scope_id: int | None = None) -> SandboxRecord:
    missing = [name for name in spec.required if payload.get(name) in (None, "")]
    if missing:
        raise missing_params(missing)
    data = spec.defaults(ctx)
    extras = apply_payload(ctx, spec, data, payload)
    _writable_dates(spec, payload, extras)
    with transaction.atomic():
        record = SandboxRecord(
            store=ctx.store, resource=spec.name, data=data, parent_id=scope_id,
            date_created_gmt=ctx.now, date_modified_gmt=ctx.now,
        )
        record.lang = ctx.store.default_language if spec.translatable else ""
        spec.prepare(ctx, spec, record, extras, True)
        _columns(ctx, spec, record, extras)
        record.record_id = ids_allocate(ctx.store, spec.sequence)[0]
        if spec.translatable and not record.group_id:
            record.group_id = record.record_id
        record.save()
        spec.after_save(ctx, spec, record, True)
    return record


def record_update(ctx: Ctx, spec: ResourceSpec, record_id, payload: dict, scope_id=None) -> SandboxRecord:
    with transaction.atomic():
        record = record_get(ctx, spec, record_id, scope_id, lock=True)
        data = copy.deepcopy(record.data)
        extras = apply_payload(ctx, spec, data, payload)
        extras["_previous"] = record.data
        _writable_dates(spec, payload, extras)
        record.data = data
        spec.prepare(ctx, spec, record, extras, False)
        _columns(ctx, spec, record, extras)
        record.date_modified_gmt = ctx.now
        record.save()
        spec.after_save(ctx, spec, record, False)
    return record


def record_delete(ctx: Ctx, spec: ResourceSpec, record_id, force: bool, scope_id=None) -> dict:
    """Forced: delete and answer the record as it was. Not forced: trash where the resource supports it
    (status "trash", 410 when already trashed), else 501 woocommerce_rest_trash_not_supported."""
    with transaction.atomic():
        record = record_get(ctx, spec, record_id, scope_id, lock=True)
        if not force:
            if not spec.trash:
                raise WooError("woocommerce_rest_trash_not_supported", spec.trash_message, 501)
            if record.status == "trash":
                raise WooError(
                    "woocommerce_rest_already_trashed", "The resource has already been deleted.", 410
                )
            record.data = {**record.data, "status": "trash"}
            record.status = "trash"
            record.date_modified_gmt = ctx.now
            record.save()
            return render(ctx, spec, record)
        out = render(ctx, spec, record)
        record.delete()
        spec.after_delete(ctx, spec, record)
    return out


def batch(ctx: Ctx, spec: ResourceSpec, payload: dict, scope_id: int | None = None) -> dict:
    """`{"create": [...], "update": [{id,...}], "delete": [ids]}`; one failure is one error object."""
    if not isinstance(payload, dict):
        payload = {}
    creates, updates, deletes = (payload.get(k) or [] for k in ("create", "update", "delete"))
    if len(creates) + len(updates) + len(deletes) > BATCH_LIMIT:
        raise WooError(
            "woocommerce_rest_request_entity_too_large",
            f"Unable to accept more than {BATCH_LIMIT} items for this request.",
            413,
        )
    out: dict[str, list] = {}

    def attempt(item_id, fn):
        try:
            return fn()
        except WooError as exc:
            return {"id": item_id, "error": {"code": exc.code, "message": exc.message, "data": {"status": exc.status}}}

    if creates:
        out["create"] = [
            attempt(0, lambda item=item: render(ctx, spec, record_create(ctx, spec, _as_dict(item), scope_id)))
            for item in creates
        ]
    if updates:
        out["update"] = [
            attempt(
                _item_id(item),
                lambda item=item: render(
                    ctx, spec, record_update(ctx, spec, _item_id(item), _as_dict(item), scope_id)
                ),
            )
            for item in updates
        ]
    if deletes:
        out["delete"] = [
            attempt(_item_id(item), lambda item=item: record_delete(ctx, spec, _item_id(item), True, scope_id))
            for item in deletes
        ]
    return out


def _as_dict(item) -> dict:
    return item if isinstance(item, dict) else {}


def _item_id(item) -> int:
    raw = item.get("id") if isinstance(item, dict) else item
    try:
        return int(raw)
    except (TypeError, ValueError):
        return 0
