"""The generic part of the emulator: a resource table over `SandboxRecord`, validation with BigCommerce's
field error keys, v3 filters (`attr`, `attr:in`, `attr:not_in`, `attr:min`, `attr:max`, `attr:greater`,
`attr:less`, `attr:like`), `page`/`limit` paging and `include_fields`/`exclude_fields`
(https://developer.bigcommerce.com/docs/start/about/common-query-params)."""
from dataclasses import dataclass, field
from math import ceil
from urllib.parse import urlencode

from django.db.models import Q, QuerySet

from ..models import SandboxRecord, SandboxStore
from ..records import ids_allocate, now_utc, raw_strings_restore
from .responses import ApiError, invalid, not_found, parse_date, v3_date

MAX_LIMIT = 250
DEFAULT_LIMIT = 50
# Play-JSON error keys, as BigCommerce's 422s name them (`"errors": {"name": "error.path.missing"}`).
TYPE_ERRORS = {str: "error.expected.jsstring", int: "error.expected.jsnumber", float: "error.expected.jsnumber",
               bool: "error.expected.jsboolean", list: "error.expected.jsarray", dict: "error.expected.jsobject"}
OPERATORS = {"": "exact", "in": "in", "not_in": "in", "min": "gte", "max": "lte", "greater": "gt", "less": "lt",
             "like": "icontains"}
COLUMNS = {"id": "record_id", "date_created": "date_created_gmt", "date_modified": "date_modified_gmt",
           "date_last_imported": "date_modified_gmt"}


@dataclass(frozen=True)
class Resource:
    """One collection: its record name, accepted fields with their JSON types, required fields and
    defaults on create, unique fields (409 with the given title), the field copied into the `lookup`
    column, filterable data fields, and the field naming its parent (stored in `parent_id`)."""

    name: str
    fields: dict
    required: tuple = ()
    defaults: dict = field(default_factory=dict)
    unique: tuple = ()
    lookup: str | None = None
    filters: tuple = ()
    parent_field: str | None = None
    dates: bool = True
    renames: dict = field(default_factory=dict)  # rendered name -> column (date_modified -> ...)


def _type_ok(value, kind) -> bool:
    if value is None:
        return True
    if kind is float:
        return isinstance(value, int | float) and not isinstance(value, bool)
    if kind is int:
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, kind)


def validate(spec: Resource, body, *, partial: bool, prefix: str = "") -> dict:
    """The accepted fields of `body` (unknown ones are ignored, as BigCommerce does); 422 on a missing
    required field or a wrong JSON type, naming each field as BigCommerce does."""
    if not isinstance(body, dict):
        raise invalid({prefix.rstrip(".") or "body": "error.expected.jsobject"})
    errors, clean = {}, {}
    for name, kind in spec.fields.items():
        if name not in body:
            if not partial and name in spec.required:
                errors[f"{prefix}{name}"] = "error.path.missing"
            continue
        value = body[name]
        if not _type_ok(value, kind):
            errors[f"{prefix}{name}"] = TYPE_ERRORS[kind]
        elif kind is str and name in spec.required and not str(value).strip():
            errors[f"{prefix}{name}"] = "error.minLength"
        else:
            clean[name] = value
    if errors:
        raise invalid(errors)
    return clean


def records(store: SandboxStore, spec: Resource, parent_id: int | None = None) -> QuerySet:
    qs = SandboxRecord.objects.filter(store=store, resource=spec.name)
    return qs.filter(parent_id=parent_id) if parent_id is not None else qs


def record_get(store: SandboxStore, spec: Resource, record_id, parent_id: int | None = None) -> SandboxRecord:
    record = records(store, spec, parent_id).filter(record_id=int(record_id)).first()
    if record is None:
        raise not_found()
    return record


def render(spec: Resource, record: SandboxRecord) -> dict:
    out = {"id": record.record_id}
    if spec.parent_field:
        out[spec.parent_field] = record.parent_id
    out.update(raw_strings_restore(record.data))
    if spec.dates:
        out["date_created"] = v3_date(record.date_created_gmt)
        out["date_modified"] = v3_date(record.date_modified_gmt)
    return out


def _unique_check(store: SandboxStore, spec: Resource, data: dict, exclude: int | None) -> None:
    for name, title in spec.unique:
        value = data.get(name)
        if value in (None, ""):
            continue
        key = f"data__{name}__url" if isinstance(value, dict) else f"data__{name}"
        value = value.get("url") if isinstance(value, dict) else value
        qs = records(store, spec).filter(**{key: value})
        if exclude is not None:
            qs = qs.exclude(record_id=exclude)
        if qs.exists():
            raise ApiError(409, title, {name: title})


def create(store: SandboxStore, spec: Resource, data: dict, *, parent_id: int | None = None,
           record_id: int | None = None, status: str = "") -> SandboxRecord:
    """Store a validated document (defaults first); 409 when a unique field is taken."""
    data = {**spec.defaults, **data}
    _unique_check(store, spec, data, None)
    now = now_utc()
    return SandboxRecord.objects.create(
        store=store, resource=spec.name, record_id=record_id or ids_allocate(store, spec.name)[0],
        parent_id=parent_id, lookup=str(data.get(spec.lookup) or "")[:255] if spec.lookup else "",
        status=status, data=data, date_created_gmt=now, date_modified_gmt=now,
    )


def update(store: SandboxStore, spec: Resource, record: SandboxRecord, data: dict, *,
           status: str | None = None) -> SandboxRecord:
    merged = {**record.data, **data}
    _unique_check(store, spec, merged, record.record_id)
    record.data = merged
    if spec.lookup:
        record.lookup = str(merged.get(spec.lookup) or "")[:255]
    if status is not None:
        record.status = status
    record.date_modified_gmt = now_utc()
    record.save()
    return record


def _coerce(name: str, raw: str, spec: Resource):
    if name in ("id", spec.parent_field) or name.endswith("_id"):
        try:
            return int(raw)
        except ValueError:
            raise invalid({name: "error.expected.jsnumber"}, f"Invalid value for filter {name}") from None
    if name.startswith("date_"):
        parsed = parse_date(raw)
        if parsed is None:
            raise invalid({name: "error.expected.date"}, f"Invalid date for filter {name}")
        return parsed
    if raw in ("true", "false") and name.startswith("is_"):
        return raw == "true"
    if raw in ("1", "0") and name.startswith("is_"):
        return raw == "1"
    return raw


def filter_v3(qs: QuerySet, spec: Resource, params, extra: dict | None = None) -> QuerySet:
    """Apply `attr[:op]=value` filters for `id`, dates, the parent field and `spec.filters`; other
    parameters are ignored. `extra` maps a filter name to a function (qs, op, values) -> qs."""
    allowed = {"id", "date_created", "date_modified", *spec.filters}
    if spec.parent_field:
        allowed.add(spec.parent_field)
    for key in params:
        name, _, op = key.partition(":")
        if op not in OPERATORS or (name not in allowed and name not in (extra or {})):
            continue
        raw = params.get(key, "")
        values = [v for v in raw.split(",") if v != ""] if op in ("in", "not_in") else [raw]
        if extra and name in extra:
            qs = extra[name](qs, op, values)
            continue
        coerced = [_coerce(name, v, spec) for v in values]
        column = COLUMNS.get(name) or ("parent_id" if name == spec.parent_field else f"data__{name}")
        lookup = OPERATORS[op]
        condition = Q(**{f"{column}__{lookup}": coerced if lookup == "in" else coerced[0]})
        qs = qs.exclude(condition) if op == "not_in" else qs.filter(condition)
    return qs


def page_params(params) -> tuple[int, int]:
    """`page` (from 1) and `limit` (default 50, at most 250: beyond it BigCommerce answers 413)."""
    try:
        page = int(params.get("page", 1))
        limit = int(params.get("limit", DEFAULT_LIMIT))
    except ValueError:
        raise invalid({"page": "error.expected.jsnumber"}, "The page or limit parameter is not a number.") from None
    if limit > MAX_LIMIT:
        raise ApiError(413, f"The limit parameter cannot be greater than {MAX_LIMIT}.")
    if page < 1 or limit < 1:
        raise invalid({"limit": "error.min"}, "The page and limit parameters must be at least 1.")
    return page, limit


def paginate(qs: QuerySet, params, order: str = "record_id") -> tuple[list, dict]:
    """One page of `qs` and the v3 `meta.pagination` (links are query strings, as BigCommerce gives them)."""
    page, limit = page_params(params)
    total = qs.count()
    items = list(qs.order_by(order, "record_id")[(page - 1) * limit: page * limit])
    total_pages = ceil(total / limit) if total else 0
    links = {"current": "?" + urlencode({"page": page, "limit": limit})}
    if page > 1:
        links["previous"] = "?" + urlencode({"page": page - 1, "limit": limit})
    if page < total_pages:
        links["next"] = "?" + urlencode({"page": page + 1, "limit": limit})
    meta = {"pagination": {"total": total, "count": len(items), "per_page": limit, "current_page": page,
                           "total_pages": total_pages, "links": links}}
    return items, meta


def select_fields(item: dict, params) -> dict:
    """`include_fields` keeps only the named fields (and `id`); `exclude_fields` drops the named ones."""
    include = [f for f in params.get("include_fields", "").split(",") if f]
    exclude = {f for f in params.get("exclude_fields", "").split(",") if f and f != "id"}
    if include:
        item = {k: v for k, v in item.items() if k in include or k == "id"}
    return {k: v for k, v in item.items() if k not in exclude}


def slug(text: str) -> str:
    return "-".join("".join(c if c.isalnum() else " " for c in text.lower()).split())


def includes(params) -> set[str]:
    return {part.strip() for part in params.get("include", "").split(",") if part.strip()}


def ids_param(params, name: str = "id:in") -> list[int]:
    try:
        return [int(v) for v in params.get(name, "").split(",") if v.strip()]
    except ValueError:
        raise invalid({name: "error.expected.jsnumber"}) from None
