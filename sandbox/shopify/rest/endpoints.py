"""The building blocks of REST endpoints: a request's context, sources of items (record querysets or lists
kept inside a record) and the three read shapes Shopify serves for them: list (paged), `count.json` and get
by id."""
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db.models import QuerySet

from ...models import SandboxRecord
from ..common import Ctx
from .paging import (
    COMMON_FILTERS,
    ListParams,
    RestError,
    fields_param,
    item_filters,
    link_header,
    list_params,
    not_found,
    page_items,
    page_records,
    project,
    record_filters,
    row_cursor,
)


@dataclass
class Req:
    """One REST request: the emulator context, the query string and this path's absolute URL (for Link)."""

    ctx: Ctx
    query: object
    url: str


@dataclass
class Answer:
    payload: dict
    status: int = 200
    headers: dict = field(default_factory=dict)


@dataclass
class Rows:
    """Items kept as records: the queryset (before paging) and how one record renders."""

    qs: QuerySet
    render: Callable[[Ctx, SandboxRecord], dict]
    narrow: Callable[[Ctx, QuerySet, ListParams], QuerySet] | None = None
    id_column: str = "record_id"  # what `ids=` names (inventory items: the variant's group_id)
    prefetch: Callable[[Ctx, list], None] | None = None  # loads what a page's renderers need, in a few queries


@dataclass
class Items:
    """Items kept inside a record (addresses, fulfillments, refunds, ...), already rendered, with an `id`."""

    items: list[dict]
    hide_id: bool = False  # the id is only a sort key (inventory levels have none)


Source = Callable[..., Rows | Items]


def _resolve(source: Source, req: Req, params: ListParams, kw: dict) -> Rows | Items:
    found = source(req, params, **kw)
    if found is None:
        raise not_found()
    return found


def _public(item: dict, hide_id: bool) -> dict:
    if hide_id:
        item = {k: v for k, v in item.items() if k != "id"}
    return item


def listing(key: str, source: Source, filters: tuple[str, ...] = ()):
    """`GET <resource>.json`: a page of items under `key`, `fields=` projected, `Link` for the other pages."""
    allowed = COMMON_FILTERS + filters

    def handle(req: Req, **kw) -> Answer:
        params = list_params(req.query, allowed)
        found = _resolve(source, req, params, kw)
        if isinstance(found, Rows):
            qs = record_filters(found.qs, params, found.id_column)
            if found.narrow:
                qs = found.narrow(req.ctx, qs, params)
            page = page_records(qs, params)
            if found.prefetch and page.items:
                found.prefetch(req.ctx, page.items)
            items = [found.render(req.ctx, row) for row in page.items]
            link = link_header(req.url, params, page, row_cursor(params))
            hide = False
        else:
            page = page_items(item_filters(found.items, params), params)
            items, hide = page.items, found.hide_id
            link = link_header(req.url, params, page, lambda item: (item["id"], str(item["id"])))
        body = {key: [project(_public(item, hide), params.fields) for item in items]}
        return Answer(body, headers={"Link": link} if link else {})

    return handle


def counting(source: Source, filters: tuple[str, ...] = ()):
    """`GET <resource>/count.json`: `{"count": n}` with the list's filters (no paging)."""
    allowed = COMMON_FILTERS + filters

    def handle(req: Req, **kw) -> Answer:
        query = {k: v for k, v in req.query.items() if k not in ("limit", "page_info", "fields")}
        params = list_params(query, allowed)
        found = _resolve(source, req, params, kw)
        if isinstance(found, Rows):
            qs = record_filters(found.qs, params, found.id_column)
            if found.narrow:
                qs = found.narrow(req.ctx, qs, params)
            return Answer({"count": qs.count()})
        return Answer({"count": len(item_filters(found.items, params))})

    return handle


def single(key: str, fetch: Callable[..., dict | None]):
    """`GET <resource>/<id>.json`: `{key: item}`, `fields=` projected; 404 when there is no such item."""
    def handle(req: Req, **kw) -> Answer:
        item = fetch(req, **kw)
        if item is None:
            raise not_found()
        return Answer({key: project(item, fields_param(req.query))})

    return handle


def fixed(payload: Callable[[Req], dict]):
    def handle(req: Req, **kw) -> Answer:
        return Answer(payload(req))

    return handle


def bad(name: str, message: str) -> RestError:
    return RestError(400, {"errors": {name: message}})
