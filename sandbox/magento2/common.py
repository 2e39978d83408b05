"""What every Magento handler shares: the request context, record access, dates, list answers."""
from dataclasses import dataclass, field
from datetime import UTC, datetime

from django.db.models import Q

from ..models import SandboxRecord, SandboxStore
from ..records import ids_allocate, now_utc
from .criteria import criteria_apply, criteria_parse, numeric
from .errors import MagentoError

DATE_FORMAT = "%Y-%m-%d %H:%M:%S"
USER_INTEGRATION, USER_ADMIN, USER_GUEST = 1, 2, 4


def mdate(value: datetime | None) -> str | None:
    """Magento's timestamps: `YYYY-MM-DD HH:MM:SS` in UTC."""
    return value.astimezone(UTC).strftime(DATE_FORMAT) if value else None


def parse_mdate(value) -> datetime | None:
    try:
        return datetime.strptime(str(value)[:19], DATE_FORMAT).replace(tzinfo=UTC)
    except ValueError:
        return None


@dataclass
class Ctx:
    """One request: the store, the store code of the path (a view code or `all`), the view it names (None
    for `all`: the admin scope, store id 0), who asks, and the request's query string and clock."""

    store: SandboxStore
    code: str
    view: dict | None
    base_url: str
    query: dict
    user_type: int = USER_GUEST
    user_id: int | None = None
    acl: frozenset | None = None  # None: every resource
    now: datetime = field(default_factory=now_utc)

    @property
    def store_id(self) -> int:
        return self.view["id"] if self.view else 0

    @property
    def last_page_repeat(self) -> bool:
        return bool(self.store.settings.get("last_page_repeat", True))

    def allowed(self, resource: str | None) -> bool:
        if resource is None:
            return True
        if self.user_type == USER_GUEST:
            return False
        return self.acl is None or resource in self.acl

    def rows(self, resource: str):
        return SandboxRecord.objects.filter(store=self.store, resource=resource)

    def row(self, resource: str, record_id) -> SandboxRecord | None:
        try:
            return self.rows(resource).filter(record_id=int(record_id)).first()
        except (TypeError, ValueError):
            return None

    def new_id(self, resource: str) -> int:
        return ids_allocate(self.store, resource)[0]

    def create(self, resource: str, data: dict, *, record_id: int | None = None, **columns) -> SandboxRecord:
        return SandboxRecord.objects.create(
            store=self.store, resource=resource, record_id=record_id or self.new_id(resource), data=data,
            date_created_gmt=self.now, date_modified_gmt=self.now, **columns)

    def touch(self, record: SandboxRecord, **columns) -> SandboxRecord:
        record.date_modified_gmt = self.now
        for name, value in columns.items():
            setattr(record, name, value)
        record.save()
        return record


def search_answer(ctx: Ctx, items: list[dict], *, column=None, id_field: str = "id") -> dict:
    """`{items, search_criteria, total_count}` for a `searchCriteria` list endpoint."""
    criteria = criteria_parse(ctx.query)
    page, total = criteria_apply(items, criteria, column=column, id_field=id_field,
                                 last_page_repeat=ctx.last_page_repeat)
    return {"items": page, "search_criteria": criteria.echo(), "total_count": total}


DATE_COLUMNS = {"updated_at": "date_modified_gmt", "created_at": "date_created_gmt",
                "update_time": "date_modified_gmt", "creation_time": "date_created_gmt"}
SQL_LOOKUPS = {"gt": "gt", "gteq": "gte", "moreq": "gte", "from": "gte", "lt": "lt", "lteq": "lte", "to": "lte"}


def _integers(value, condition: str | None) -> list[int] | None:
    """The integers an integer column can equal under `eq`/`in` with `value` (the numeric members that are
    whole numbers: a text member never equals a number, see criteria._comparable); None for any other
    condition, which is then left to Python."""
    if (condition or "eq") not in ("eq", "in"):
        return None
    members = str(value).split(",") if condition == "in" else [value]
    out = []
    for member in members:
        number = numeric(member)
        if number is not None and float(number).is_integer():
            out.append(int(number))
    return out


def _narrowed(rows, groups: list, keys: dict[str, str]):
    """`rows` narrowed in SQL by the groups that can be said there: a group whose filters all compare an
    integer column (`keys`: filter field -> column) with `eq`/`in`, or (alone) a date column. A superset of
    what the criteria match, since Python applies all of them afterwards."""
    for group in groups:
        if len(group) == 1:
            field, value, condition = group[0]
            when = parse_mdate(value) if field in DATE_COLUMNS and condition in SQL_LOOKUPS else None
            if when is not None and len(str(value)) == 19:
                rows = rows.filter(**{f"{DATE_COLUMNS[field]}__{SQL_LOOKUPS[condition]}": when})
                continue
        wanted: dict[str, set[int]] = {}
        for field, value, condition in group:
            numbers = _integers(value, condition) if field in keys else None
            if numbers is None:
                break
            wanted.setdefault(keys[field], set()).update(numbers)
        else:
            q = Q()
            for name, numbers in wanted.items():
                q |= Q(**{f"{name}__in": sorted(numbers)})
            rows = rows.filter(q) if wanted else rows.none()
    return rows


def search_rows(ctx: Ctx, rows, render, *, column=None, id_field: str = "id",
                keys: dict[str, str] | None = None) -> dict:
    """`search_answer` over a queryset of records whose `record_id` is the item id, rendering only what is
    needed: without filters and sort orders the page is cut in SQL; the groups SQL can say (ids by
    `eq`/`in`, a single date comparison such as the incremental poll's `updated_at gteq …`) narrow the rows
    in SQL first. `keys` names the integer columns filters reach (default: `id_field` is `record_id`). The
    full criteria are then applied in Python, so the answer is the same either way."""
    criteria = criteria_parse(ctx.query)
    rows = rows.order_by("record_id")
    if not criteria.groups and not criteria.sort_orders:
        total = rows.count()
        size = criteria.page_size if criteria.page_size and criteria.page_size > 0 else None
        if size is None:
            page_rows = list(rows)
        else:
            last = max((total + size - 1) // size, 1)
            page = max(criteria.current_page or 1, 1)
            if page > last and not ctx.last_page_repeat:
                page_rows = []
            else:
                start = (min(page, last) - 1) * size
                page_rows = list(rows[start:start + size])
        return {"items": [render(row) for row in page_rows], "search_criteria": criteria.echo(), "total_count": total}
    rows = _narrowed(rows, criteria.groups, keys if keys is not None else {id_field: "record_id"})
    return search_answer(ctx, [render(row) for row in rows], column=column, id_field=id_field)


def body_member(body, name: str) -> dict:
    """`{"product": {...}}`-style request bodies: the named object, or 400 as Magento's deserializer does."""
    value = body.get(name) if isinstance(body, dict) else None
    if not isinstance(value, dict):
        raise MagentoError('"%fieldName" is required. Enter and try again.', {"fieldName": name})
    return value


def as_int(value, field_name: str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise MagentoError('The "%value" value\'s type is invalid. The "%type" type was expected. Verify and try '
                           'again.', {"value": value, "type": "int"}) from None
