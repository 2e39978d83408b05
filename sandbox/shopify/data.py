"""Record access for the Shopify emulator: querysets per resource, id allocation, the `query:` search
syntax (https://shopify.dev/docs/api/usage/search-syntax) and cursor pagination (first/after, last/before,
reverse, sortKey) computed in SQL with keyset conditions on (sort value, id)."""
import re
from dataclasses import dataclass
from datetime import timedelta

from django.db.models import DecimalField, F, IntegerField, Q, QuerySet, TextField, Value
from django.db.models.fields.json import KT
from django.db.models.functions import Cast, Coalesce
from graphql import GraphQLError

from ..models import SandboxRecord
from ..records import ids_allocate
from .common import MAX_PAGE_SIZE, Ctx, bad_request, decode_cursor, encode_cursor, iso, parse_when
from .store import SEQUENCE


def records(ctx: Ctx, resource: str) -> QuerySet:
    return SandboxRecord.objects.filter(store=ctx.store, resource=resource)


ORDER_WINDOW = timedelta(days=60)


def readable(ctx: Ctx, resource: str, qs: QuerySet) -> QuerySet:
    """What the token may read of `qs`: without `read_all_orders`, orders created in the last 60 days only
    [shopify.dev/docs/api/usage/access-scopes#orders-permissions]."""
    if resource == "orders" and not ctx.all_orders:
        return qs.filter(date_created_gmt__gte=ctx.now - ORDER_WINDOW)
    return qs


def can_read(ctx: Ctx, resource: str, record: SandboxRecord | None) -> bool:
    """`readable` for one record (`order(id:)`, `node(id:)`)."""
    return record is not None and not (resource == "orders" and not ctx.all_orders
                                       and record.date_created_gmt < ctx.now - ORDER_WINDOW)


def record_get(ctx: Ctx, resource: str, record_id: int | None) -> SandboxRecord | None:
    """One record by id, cached for the request (renderers ask for the same parents many times)."""
    if record_id is None:
        return None
    key = (resource, record_id)
    if key not in ctx.cache:
        ctx.cache[key] = records(ctx, resource).filter(record_id=record_id).first()
    return ctx.cache[key]


def cache_put(ctx: Ctx, record: SandboxRecord) -> SandboxRecord:
    ctx.cache[(record.resource, record.record_id)] = record
    return record


def new_ids(ctx: Ctx, count: int = 1) -> list[int]:
    """Ids come from one sequence per store, so a numeric id names one object of any type."""
    return ids_allocate(ctx.store, SEQUENCE, count)


def record_create(ctx: Ctx, resource: str, data: dict, *, record_id: int | None = None, **columns) -> SandboxRecord:
    record = SandboxRecord.objects.create(
        store=ctx.store, resource=resource, record_id=record_id or new_ids(ctx)[0], data=data,
        date_created_gmt=columns.pop("created", ctx.now), date_modified_gmt=columns.pop("modified", ctx.now),
        **columns,
    )
    return cache_put(ctx, record)


def record_save(ctx: Ctx, record: SandboxRecord, *, touch: bool = True) -> SandboxRecord:
    if touch:
        record.date_modified_gmt = max(ctx.now, record.date_created_gmt)
    record.save()
    return cache_put(ctx, record)


# ---------------------------------------------------------------- search syntax

_TOKEN = re.compile(r"""(-?)([A-Za-z_][\w.]*):(>=|<=|>|<)?("[^"]*"|'[^']*'|\S+)|("[^"]*"|'[^']*'|\S+)""")


@dataclass(frozen=True)
class Term:
    field: str | None
    op: str
    value: str
    negated: bool = False


def search_parse(query: str | None) -> list[Term]:
    """Terms of a search query; AND is implicit, `-field:value` negates, comparators >, >=, <, <=."""
    terms = []
    for match in _TOKEN.finditer(query or ""):
        negated, field, op, value, bare = match.groups()
        if bare is not None:
            word = bare.strip("'\"")
            if word.upper() in ("AND", "OR", "NOT") or not word:
                continue
            terms.append(Term(None, ":", word))
        else:
            terms.append(Term(field.lower(), op or ":", value.strip("'\""), bool(negated)))
    return terms


_DATE_COLUMNS = {"updated_at": "date_modified_gmt", "created_at": "date_created_gmt"}


def _compare(column, op: str, value) -> Q:
    lookup = {":": "", ">": "__gt", ">=": "__gte", "<": "__lt", "<=": "__lte"}[op]
    return Q(**{f"{column}{lookup}": value})


def _date_term(column, term: Term) -> Q | None:
    when = parse_when(term.value)
    if when is None:
        return None
    if term.op == ":" and len(term.value) <= 10:  # a bare date matches the whole day
        return Q(**{f"{column}__date": when.date()})
    return _compare(column, term.op, when)


def _text(column: str, value: str, exact: bool = False) -> Q:
    if value.endswith("*"):
        return Q(**{f"{column}__istartswith": value[:-1]})
    return Q(**{f"{column}__iexact" if exact else f"{column}__icontains": value})


def search_filter(qs: QuerySet, terms: list[Term], fields: dict, ctx=None) -> QuerySet:
    """Apply `terms` with the resource's `fields`: name -> callable(term, ctx) -> Q | None. Dates (updated_at,
    created_at) and id are common to all; unknown fields are ignored, as Shopify ignores them (with a
    search warning)."""
    for term in terms:
        condition = None
        if term.field in _DATE_COLUMNS:
            condition = _date_term(_DATE_COLUMNS[term.field], term)
        elif term.field == "id":
            value = term.value.rsplit("/", 1)[-1]
            condition = _compare("record_id", term.op, int(value)) if value.isdigit() else Q(pk__in=[])
        elif term.field in fields:
            condition = fields[term.field](term, ctx)
        elif term.field is None and None in fields:
            condition = fields[None](term, ctx)
        if condition is None:
            continue
        qs = qs.exclude(condition) if term.negated else qs.filter(condition)
    return qs


def json_text(key: str):
    return lambda term, ctx=None: _text(f"data__{key}", term.value)


def json_exact(key: str):
    return lambda term, ctx=None: _text(f"data__{key}", term.value, exact=True)


def json_date(key: str):
    """A date kept as an ISO 8601 UTC string in the JSON document (they sort as text)."""

    def condition(term: Term, ctx=None) -> Q | None:
        when = parse_when(term.value)
        if when is None:
            return None
        if term.op == ":" and len(term.value) <= 10:
            return Q(**{f"data__{key}__startswith": when.date().isoformat()})
        return _compare(f"data__{key}", term.op, iso(when))

    return condition


def column_exact(column: str, *, upper: bool = False):
    return lambda term, ctx=None: _text(column, term.value.upper() if upper else term.value, exact=True)


def tag_filter(term: Term, ctx=None) -> Q:
    # tags are a JSON list; matching the quoted tag inside its text works on PostgreSQL and SQLite alike.
    return Q(data__tags__icontains=f'"{term.value}"')


# ---------------------------------------------------------------- sorting and pagination


@dataclass(frozen=True)
class Sort:
    """A sort key: the SQL expression of the value and how its cursor value is written and read."""

    expr: object
    kind: str = "int"  # int | datetime | text | decimal


SORT_ID = Sort(F("record_id"))
SORT_UPDATED = Sort(F("date_modified_gmt"), "datetime")
SORT_CREATED = Sort(F("date_created_gmt"), "datetime")


def sort_text(key: str) -> Sort:
    return Sort(Coalesce(KT(f"data__{key}"), Value(""), output_field=TextField()), "text")


def sort_json_int(key: str) -> Sort:
    return Sort(Coalesce(Cast(KT(f"data__{key}"), IntegerField()), Value(0), output_field=IntegerField()), "int")


def sort_json_decimal(key: str) -> Sort:
    decimal = DecimalField(max_digits=20, decimal_places=2)
    return Sort(Coalesce(Cast(KT(f"data__{key}"), decimal), Value(0), output_field=decimal), "decimal")


def _cursor_value(sort: Sort, value):
    if sort.kind == "datetime":
        return iso(value)
    if sort.kind == "decimal":
        return str(value)
    return str(value) if sort.kind == "int" else value


def _parse_value(sort: Sort, raw):
    if sort.kind == "datetime":
        return parse_when(raw)
    if sort.kind == "int":
        return int(raw)
    return raw


def _beyond(sort: Sort, cursor: str, forward: bool) -> Q:
    """Rows strictly after `cursor` when walking forward (ascending), strictly before otherwise."""
    cursor_id, raw = decode_cursor(cursor)
    try:
        value = _parse_value(sort, raw if raw is not None else cursor_id)
    except (TypeError, ValueError):
        raise bad_request("Invalid cursor for current pagination sort.") from None
    op = "gt" if forward else "lt"
    return Q(**{f"_sv__{op}": value}) | Q(_sv=value, **{f"record_id__{op}": cursor_id})


def connection_args(args: dict, ctx: Ctx) -> tuple[int | None, int | None]:
    first, last = args.get("first"), args.get("last")
    if ctx.bulk:
        return None, None
    if first is not None and last is not None:
        raise bad_request("providing both first and last is not supported")
    if first is None and last is None:
        raise bad_request("you must provide one of first or last")
    for name, size in (("first", first), ("last", last)):
        if size is not None and not 0 <= size <= MAX_PAGE_SIZE:
            raise GraphQLError(f"Argument '{name}' has an invalid value ({size}). Expected a page size from 0 to "
                               f"{MAX_PAGE_SIZE}.", extensions={"code": "argumentLiteralsIncompatible"})
    return first, last


def empty_connection() -> dict:
    return {"edges": [], "nodes": [],
            "pageInfo": {"hasNextPage": False, "hasPreviousPage": False, "startCursor": None, "endCursor": None}}


def paginate(ctx: Ctx, qs: QuerySet, sort: Sort, args: dict, render, prefetch=None) -> dict:
    """A Relay connection over `qs`: `{edges, nodes, pageInfo}` with Shopify-style cursors. In a bulk
    query every row is returned (Shopify ignores page sizes there). `prefetch(ctx, rows)` may load what
    the renderer will need for the whole page in one query."""
    first, last = connection_args(args, ctx)
    reverse = bool(args.get("reverse"))
    qs = qs.annotate(_sv=sort.expr)
    ascending = not reverse

    def order(forward: bool):
        return ("_sv", "record_id") if forward else ("-_sv", "-record_id")

    window = qs
    if args.get("after"):
        window = window.filter(_beyond(sort, args["after"], ascending))
    if args.get("before"):
        window = window.filter(_beyond(sort, args["before"], not ascending))
    bulk_slice = ctx.bulk_window if ctx.bulk and ctx.bulk_window is not None and \
        "taken" not in ctx.bulk_window else None
    if bulk_slice is not None:  # the root connection of a bulk query's slice; nested ones stay whole
        bulk_slice["taken"] = True
        if bulk_slice.get("after"):
            window = window.filter(_beyond(sort, bulk_slice["after"], ascending))
        rows = list(window.order_by(*order(ascending))[:bulk_slice["limit"] + 1])
        bulk_slice["more"], rows = len(rows) > bulk_slice["limit"], rows[:bulk_slice["limit"]]
        bulk_slice["next"] = encode_cursor(rows[-1].record_id, _cursor_value(sort, rows[-1]._sv)) if rows \
            else bulk_slice.get("after")
        has_next = has_prev = False
    elif ctx.bulk:
        rows, has_next, has_prev = list(window.order_by(*order(ascending)).iterator(chunk_size=500)), False, False
    elif last is None:
        rows = list(window.order_by(*order(ascending))[:first + 1])
        has_next, rows = len(rows) > first, rows[:first]
        has_prev = bool(args.get("after")) and qs.exclude(_beyond(sort, args["after"], ascending)).exists()
    else:
        rows = list(window.order_by(*order(not ascending))[:last + 1])
        has_prev, rows = len(rows) > last, rows[:last][::-1]
        has_next = bool(args.get("before")) and qs.exclude(_beyond(sort, args["before"], not ascending)).exists()
    if prefetch and rows:
        prefetch(ctx, rows)
    edges = []
    for row in rows:
        cache_put(ctx, row)
        edges.append({"cursor": encode_cursor(row.record_id, _cursor_value(sort, row._sv)), "node": render(ctx, row)})
    return {
        "edges": edges,
        "nodes": [edge["node"] for edge in edges],
        "pageInfo": {
            "hasNextPage": has_next, "hasPreviousPage": has_prev,
            "startCursor": edges[0]["cursor"] if edges else None,
            "endCursor": edges[-1]["cursor"] if edges else None,
        },
    }


def paginate_rows(ctx: Ctx, rows: list, sort: Sort, value_of, args: dict, render) -> dict:
    """`paginate` over rows already loaded and sorted ascending by (`value_of(row)`, id), for a first page
    (no after/before): the same cursors as the SQL path, without a query."""
    first, last = connection_args(args, ctx)
    ordered = rows[::-1] if args.get("reverse") else list(rows)
    if ctx.bulk:
        page, has_next, has_prev = ordered, False, False
    elif last is None:
        page, has_next, has_prev = ordered[:first], len(ordered) > first, False
    else:
        page, has_next, has_prev = ordered[max(0, len(ordered) - last):], False, len(ordered) > last
    edges = [{"cursor": encode_cursor(row.record_id, _cursor_value(sort, value_of(row))), "node": render(ctx, row)}
             for row in page]
    return {
        "edges": edges,
        "nodes": [edge["node"] for edge in edges],
        "pageInfo": {
            "hasNextPage": has_next, "hasPreviousPage": has_prev,
            "startCursor": edges[0]["cursor"] if edges else None,
            "endCursor": edges[-1]["cursor"] if edges else None,
        },
    }


def paginate_list(ctx: Ctx, items: list, args: dict, render=None) -> dict:
    """A connection over an in-memory list (line items, media, ...): cursors are positions."""
    first, last = connection_args(args, ctx)
    indexed = list(enumerate(items))
    if args.get("reverse"):
        indexed.reverse()
    if args.get("after"):
        position = decode_cursor(args["after"])[0]
        indexed = indexed[next((i + 1 for i, (p, _) in enumerate(indexed) if p == position), len(indexed)):]
    if args.get("before"):
        position = decode_cursor(args["before"])[0]
        indexed = indexed[:next((i for i, (p, _) in enumerate(indexed) if p == position), len(indexed))]
    total = len(indexed)
    if ctx.bulk:
        page, has_next, has_prev = indexed, False, False
    elif last is None:
        page, has_next, has_prev = indexed[:first], total > first, bool(args.get("after"))
    else:
        page, has_prev, has_next = indexed[max(0, total - last):], total > last, bool(args.get("before"))
    edges = [{"cursor": encode_cursor(position, position), "node": render(item) if render else item}
             for position, item in page]
    return {
        "edges": edges,
        "nodes": [edge["node"] for edge in edges],
        "pageInfo": {
            "hasNextPage": has_next, "hasPreviousPage": has_prev,
            "startCursor": edges[0]["cursor"] if edges else None,
            "endCursor": edges[-1]["cursor"] if edges else None,
        },
    }


def count_result(qs: QuerySet, limit: int | None) -> dict:
    """Shopify's Count: exact up to `limit` (default 10,000), else `limit` with precision AT_LEAST."""
    limit = 10000 if limit is None else limit
    counted = qs[: limit + 1].count() if limit >= 0 else qs.count()
    if limit >= 0 and counted > limit:
        return {"count": limit, "precision": "AT_LEAST"}
    return {"count": counted, "precision": "EXACT"}
