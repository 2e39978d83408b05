"""List parameters of the REST Admin API and its cursor pagination
(https://shopify.dev/docs/api/usage/pagination-rest): `limit` (default 50, at most 250), `page_info` cursors
handed out in the `Link` header, and the filters every list shares (`ids`, `since_id`, `created_at_min/max`,
`updated_at_min/max`). A `page_info` carries the first request's filters inside it, as Shopify's does (base64
JSON with `last_id`, `last_value`, `direction`), so a request with `page_info` takes no filter but `limit` and
`fields`."""
import base64
import json
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urlencode

from django.db.models import Q, QuerySet

from ..common import parse_when

DEFAULT_LIMIT = 50
MAX_LIMIT = 250
COMMON_FILTERS = ("ids", "since_id", "created_at_min", "created_at_max", "updated_at_min", "updated_at_max", "order")
# Parameters a request with page_info may carry (everything else was fixed by the first request).
PAGE_PARAMS = ("limit", "fields", "page_info")


class RestError(Exception):
    """An error answer: HTTP status and the JSON body Shopify sends for it."""

    def __init__(self, status: int, payload, headers: dict | None = None):
        super().__init__(status, payload)
        self.status, self.payload, self.headers = status, payload, headers or {}


def not_found() -> RestError:
    return RestError(404, {"errors": "Not Found"})


def invalid(name: str, message: str = "Invalid value.") -> RestError:
    # The wording for a bad limit or date is the sandbox's own; `page_info` is Shopify's (issue threads quote it).
    return RestError(400, {"errors": {name: message}})


@dataclass
class ListParams:
    """What a list request asks for: page size, projected keys, filters (those of the first page when paging
    by `page_info`) and where the page starts."""

    limit: int = DEFAULT_LIMIT
    fields: list[str] | None = None
    filters: dict = field(default_factory=dict)
    last_id: int | None = None
    direction: str = "next"
    explicit_limit: bool = False
    last_value: str | None = None

    def ordering(self) -> tuple[str, bool]:
        """`order=` of the first request: (record column, descending). Ids ascending by default; `updated_at`,
        `created_at` and `id` with `asc`/`desc` are understood, anything else falls back to the default."""
        field_name, _, way = (self.filters.get("order") or "id asc").strip().partition(" ")
        column = {"id": "record_id", "created_at": "date_created_gmt", "updated_at": "date_modified_gmt"}.get(
            field_name.strip())
        if column is None:
            return "record_id", False
        return column, way.strip().lower() == "desc"

    def when(self, name: str) -> datetime | None:
        value = self.filters.get(name)
        if value in (None, ""):
            return None
        parsed = parse_when(value)
        if parsed is None:
            raise invalid(name)
        return parsed

    def id_list(self, name: str = "ids") -> list[int] | None:
        value = self.filters.get(name)
        if value in (None, ""):
            return None
        try:
            return [int(part) for part in str(value).split(",") if part.strip()]
        except ValueError:
            raise invalid(name) from None

    def integer(self, name: str) -> int | None:
        value = self.filters.get(name)
        if value in (None, ""):
            return None
        try:
            return int(value)
        except ValueError:
            raise invalid(name) from None


def fields_param(query) -> list[str] | None:
    raw = query.get("fields")
    if not raw:
        return None
    return [name.strip() for name in raw.split(",") if name.strip()]


def limit_param(query) -> tuple[int, bool]:
    raw = query.get("limit")
    if raw in (None, ""):
        return DEFAULT_LIMIT, False
    try:
        limit = int(raw)
    except ValueError:
        raise invalid("limit") from None
    if not 1 <= limit <= MAX_LIMIT:
        raise invalid("limit")
    return limit, True


def encode_page_info(filters: dict, last_id: int, last_value: str, direction: str) -> str:
    payload = {**filters, "last_id": last_id, "last_value": last_value, "direction": direction}
    return base64.urlsafe_b64encode(json.dumps(payload, separators=(",", ":")).encode()).decode().rstrip("=")


def decode_page_info(token: str) -> tuple[dict, int, str | None, str]:
    try:
        payload = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        last_id, direction = int(payload.pop("last_id")), payload.pop("direction")
        last_value = payload.pop("last_value", None)
        if direction not in ("next", "prev") or not isinstance(payload, dict):
            raise ValueError
    except (ValueError, TypeError, KeyError, AttributeError):
        raise invalid("page_info") from None
    return {k: v for k, v in payload.items() if isinstance(v, str)}, last_id, last_value, direction


def list_params(query, allowed: tuple[str, ...]) -> ListParams:
    """Parse a list request's query string; `allowed` names the filters this endpoint takes (others are
    ignored, as Shopify ignores unknown parameters)."""
    limit, explicit = limit_param(query)
    fields = fields_param(query)
    token = query.get("page_info")
    if token:
        for name in query:
            if name not in PAGE_PARAMS:
                raise invalid(name, f"{name} cannot be passed when page_info is present. See "
                                    "https://shopify.dev/api/usage/pagination-rest for more information.")
        filters, last_id, last_value, direction = decode_page_info(token)
        return ListParams(limit, fields, filters, last_id, direction, explicit, last_value)
    filters = {name: query[name] for name in allowed if query.get(name) not in (None, "")}
    return ListParams(limit, fields, filters, None, "next", explicit)


def record_filters(qs: QuerySet, params: ListParams, id_column: str = "record_id") -> QuerySet:
    """The filters every record-backed list shares."""
    ids = params.id_list()
    if ids is not None:
        qs = qs.filter(**{f"{id_column}__in": ids})
    since = params.integer("since_id")
    if since is not None:
        qs = qs.filter(record_id__gt=since)
    for name, column, op in (("created_at_min", "date_created_gmt", "gte"), ("created_at_max", "date_created_gmt",
                                                                               "lte"),
                             ("updated_at_min", "date_modified_gmt", "gte"),
                             ("updated_at_max", "date_modified_gmt", "lte")):
        when = params.when(name)
        if when is not None:
            qs = qs.filter(**{f"{column}__{op}": when})
    return qs


@dataclass
class Page:
    items: list
    has_next: bool
    has_prev: bool


def _sort_value(row, column: str) -> str:
    value = getattr(row, column)
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def _beyond(column: str, value, last_id: int, forward: bool) -> Q:
    """Rows strictly after (value, id) in ascending order when `forward`, strictly before otherwise."""
    op = "gt" if forward else "lt"
    if column == "record_id":
        return Q(**{f"record_id__{op}": last_id})
    return Q(**{f"{column}__{op}": value}) | Q(**{column: value, f"record_id__{op}": last_id})


def page_records(qs: QuerySet, params: ListParams) -> Page:
    """One page of `qs` in the request's order (ids ascending unless `order=` says otherwise), from the
    cursor in `params`: keyset conditions on (sort value, id), so rows added meanwhile shift nothing."""
    column, descending = params.ordering()
    limit = params.limit
    ascending_keys = (column, "record_id") if column != "record_id" else ("record_id",)
    forward_order = [f"-{k}" for k in ascending_keys] if descending else list(ascending_keys)
    backward_order = list(ascending_keys) if descending else [f"-{k}" for k in ascending_keys]
    if params.last_id is None:
        rows = list(qs.order_by(*forward_order)[: limit + 1])
        return Page(rows[:limit], len(rows) > limit, False)
    value = params.last_value
    if column != "record_id":
        value = parse_when(value)
        if value is None:
            raise invalid("page_info")
    after = _beyond(column, value, params.last_id, not descending)
    if params.direction == "next":
        rows = list(qs.filter(after).order_by(*forward_order)[: limit + 1])
        return Page(rows[:limit], len(rows) > limit, qs.exclude(after).exists())
    before = _beyond(column, value, params.last_id, descending)
    rows = list(qs.filter(before).order_by(*backward_order)[: limit + 1])
    return Page(rows[:limit][::-1], qs.exclude(before).exists(), len(rows) > limit)


def row_cursor(params: ListParams):
    column, _ = params.ordering()
    return lambda row: (row.record_id, _sort_value(row, column))


def item_filters(items: list[dict], params: ListParams) -> list[dict]:
    """The shared filters over rendered items (lists kept inside a record: addresses, fulfillments, ...)."""
    ids = params.id_list()
    since = params.integer("since_id")
    bounds = [(name, params.when(name)) for name in COMMON_FILTERS[2:]]
    out = []
    for item in items:
        if ids is not None and item["id"] not in ids or since is not None and item["id"] <= since:
            continue
        keep = True
        for name, when in bounds:
            stamp = parse_when(item.get(name.rsplit("_", 1)[0])) if when else None
            if when and (stamp is None or (stamp < when if name.endswith("min") else stamp > when)):
                keep = False
        if keep:
            out.append(item)
    return out


def page_items(items: list[dict], params: ListParams) -> Page:
    """`page_records` over rendered items with an `id`."""
    ordered = sorted(items, key=lambda item: item["id"])
    limit, last = params.limit, params.last_id
    if last is None:
        return Page(ordered[:limit], len(ordered) > limit, False)
    if params.direction == "next":
        after = [i for i in ordered if i["id"] > last]
        return Page(after[:limit], len(after) > limit, len(after) < len(ordered))
    before = [i for i in ordered if i["id"] < last]
    return Page(before[-limit:], len(before) < len(ordered), len(before) > limit)


def link_header(url: str, params: ListParams, page: Page, cursor_of) -> str | None:
    """`Link: <...page_info=...>; rel="previous", <...>; rel="next"`, or None when there is one page.
    `cursor_of(item)` answers the item's (id, sort value)."""
    links = []
    base = {"limit": params.limit}
    if params.fields:
        base["fields"] = ",".join(params.fields)
    if page.has_prev and page.items:
        token = encode_page_info(params.filters, *cursor_of(page.items[0]), "prev")
        links.append(f'<{url}?{urlencode({**base, "page_info": token})}>; rel="previous"')
    if page.has_next and page.items:
        token = encode_page_info(params.filters, *cursor_of(page.items[-1]), "next")
        links.append(f'<{url}?{urlencode({**base, "page_info": token})}>; rel="next"')
    return ", ".join(links) or None


def project(item: dict, fields: list[str] | None) -> dict:
    """`fields=` keeps these top-level keys."""
    if not fields:
        return item
    return {name: item[name] for name in fields if name in item}
