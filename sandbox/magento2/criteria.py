"""`searchCriteria` as Magento's web API reads it from the query string, applied to rendered items.

`searchCriteria[filter_groups][g][filters][f][field|value|condition_type]`: filters of one group are ORed,
groups are ANDed; `sortOrders[k][field|direction]`, `pageSize`, `currentPage`; `fields=` trims the answer.
https://developer.adobe.com/commerce/webapi/rest/use-rest/performing-searches/

Comparisons follow MySQL's: strings compare case-insensitively (utf8 *_general_ci collations), numbers as
numbers, a NULL column matches nothing but `null` (so `neq`/`nin`/`nlike` skip it), and a date-only value
compared with a `YYYY-MM-DD HH:MM:SS` column means midnight.
"""
import math
import re
from dataclasses import dataclass, field

from .errors import MagentoError, required

CONDITIONS = ("eq", "neq", "gt", "gteq", "lt", "lteq", "moreq", "from", "to", "like", "nlike", "in", "nin",
              "null", "notnull", "finset", "nfinset")
_KEY = re.compile(r"\[([^\]]*)\]")
_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def nested_params(query, root: str) -> dict | None:
    """`root[a][0][b]=v` query keys -> {"a": {"0": {"b": "v"}}}; None when no key starts with `root`."""
    out: dict = {}
    found = False
    for key in query:
        if key != root and not key.startswith(root + "["):
            continue
        found = True
        parts = _KEY.findall(key[len(root):])
        if not parts:
            continue
        node = out
        for part in parts[:-1]:
            child = node.setdefault(part, {})
            if not isinstance(child, dict):
                child = node[part] = {}
            node = child
        node[parts[-1]] = query.get(key)
    return out if found else None


def _ordered(mapping) -> list:
    if not isinstance(mapping, dict):
        return []
    return [mapping[key] for key in sorted(mapping, key=lambda k: (not k.isdigit(), int(k) if k.isdigit() else k))]


def _int(raw, name: str) -> int:
    try:
        return int(raw)
    except (TypeError, ValueError):
        raise MagentoError('The "%value" value\'s type is invalid. The "%type" type was expected. Verify and try '
                           'again.', {"value": raw, "type": "int"}) from None


@dataclass
class SearchCriteria:
    groups: list = field(default_factory=list)  # [[(field, value, condition or None)]]
    sort_orders: list = field(default_factory=list)  # [(field, "ASC"|"DESC")]
    page_size: int | None = None
    current_page: int | None = None

    def echo(self) -> dict:
        """The `search_criteria` member of a list answer (null members are left out, as Magento does)."""
        out: dict = {"filter_groups": [
            {"filters": [{"field": f, "value": v, **({"condition_type": c} if c else {})} for f, v, c in group]}
            for group in self.groups]}
        if self.sort_orders:
            out["sort_orders"] = [{"field": f, "direction": d} for f, d in self.sort_orders]
        if self.page_size is not None:
            out["page_size"] = self.page_size
        if self.current_page is not None:
            out["current_page"] = self.current_page
        return out


def criteria_parse(query, *, mandatory: bool = True) -> SearchCriteria:
    """Read `searchCriteria` (camelCase and snake_case member names both work, as in Magento's
    deserializer). A list endpoint called without it answers 400 `"searchCriteria" is required`."""
    raw = nested_params(query, "searchCriteria")
    if raw is None:
        if mandatory:
            raise required("searchCriteria")
        return SearchCriteria()
    if not isinstance(raw, dict):
        raw = {}
    criteria = SearchCriteria()
    for group in _ordered(raw.get("filter_groups", raw.get("filterGroups"))):
        filters = []
        for item in _ordered(group.get("filters") if isinstance(group, dict) else None):
            if not isinstance(item, dict) or not item.get("field"):
                continue
            condition = item.get("condition_type", item.get("conditionType")) or None
            if condition is not None and condition not in CONDITIONS:
                raise MagentoError('Invalid value of "%value" provided for the %fieldName field.',
                                   {"fieldName": "condition_type", "value": condition})
            filters.append((item["field"], item.get("value"), condition))
        if filters:
            criteria.groups.append(filters)
    for order in _ordered(raw.get("sortOrders", raw.get("sort_orders"))):
        if isinstance(order, dict) and order.get("field"):
            direction = str(order.get("direction") or "ASC").upper()
            criteria.sort_orders.append((order["field"], "DESC" if direction == "DESC" else "ASC"))
    size = raw.get("pageSize", raw.get("page_size"))
    page = raw.get("currentPage", raw.get("current_page"))
    criteria.page_size = _int(size, "pageSize") if size not in (None, "") else None
    criteria.current_page = _int(page, "currentPage") if page not in (None, "") else None
    return criteria


def numeric(value):
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int | float):
        return value
    try:
        number = float(str(value).strip())
    except (TypeError, ValueError):
        return None
    return None if math.isnan(number) or math.isinf(number) else number


def _comparable(column, value):
    """Both sides as numbers when both are numeric, else as case-folded strings."""
    a, b = numeric(column), numeric(value)
    if a is not None and b is not None:
        return a, b
    text = "1" if column is True else "0" if column is False else str(column)
    other = str(value)
    if _DATETIME.match(text) and _DATE.match(other):
        other += " 00:00:00"
    return text.casefold(), other.casefold()


def _like(pattern: str) -> re.Pattern:
    out = []
    for char in str(pattern):
        out.append(".*" if char == "%" else "." if char == "_" else re.escape(char))
    return re.compile("^" + "".join(out) + "$", re.S | re.IGNORECASE)


def _members(value) -> list[str]:
    return [part.strip() for part in str(value).split(",")] if value is not None else []


def condition_match(column, value, condition: str | None) -> bool:
    """One filter against one column value, with SQL NULL semantics."""
    condition = condition or "eq"
    if condition == "null":
        return column is None
    if condition == "notnull":
        return column is not None
    if column is None or isinstance(column, dict):
        return False
    if isinstance(column, list):  # multi-valued attributes are stored comma-joined
        column = ",".join(str(item) for item in column)
    if condition in ("in", "nin"):
        hit = any(_comparable(column, member)[0] == _comparable(column, member)[1] for member in _members(value))
        return hit if condition == "in" else not hit
    if condition in ("like", "nlike"):
        hit = bool(_like(value if value is not None else "").match(str(column)))
        return hit if condition == "like" else not hit
    if condition in ("finset", "nfinset"):
        hit = str(value) in str(column).split(",")
        return hit if condition == "finset" else not hit
    a, b = _comparable(column, value if value is not None else "")
    return {"eq": a == b, "neq": a != b, "gt": a > b, "lt": a < b, "gteq": a >= b, "moreq": a >= b,
            "from": a >= b, "lteq": a <= b, "to": a <= b}[condition]


def _compiled(value, condition: str | None):
    """`condition_match(column, value, condition)` as a function of the column, with the value's side worked
    out once: a list filter (`in` of a thousand ids) then costs a set lookup per row, not a parse per member."""
    condition = condition or "eq"
    if condition not in ("in", "nin"):
        return lambda column: condition_match(column, value, condition)
    numbers: set = set()
    texts: set = set()
    dates: set = set()  # date-only members also match a `YYYY-MM-DD 00:00:00` column
    for member in _members(value):
        number = numeric(member)
        if number is not None:
            numbers.add(number)
        text = member.casefold()
        texts.add(text)
        if _DATE.match(text):
            dates.add(text + " 00:00:00")

    def match(column) -> bool:
        if column is None or isinstance(column, dict):
            return False
        if isinstance(column, list):
            column = ",".join(str(item) for item in column)
        number = numeric(column)
        if number is not None and number in numbers:
            hit = True
        else:
            text = "1" if column is True else "0" if column is False else str(column)
            folded = text.casefold()
            # a numeric column against a numeric member compares as numbers (above), never as text
            hit = (folded in texts and (number is None or numeric(folded) is None)) or \
                (folded in dates and bool(_DATETIME.match(text)))
        return hit if condition == "in" else not hit
    return match


def _sort_key(value):
    # MySQL orders NULL first ascending; numbers before strings keeps mixed columns stable
    if value is None:
        return (0, 0, "")
    number = numeric(value)
    if number is not None:
        return (1, number, "")
    return (2, 0, str(value).casefold())


def criteria_apply(items: list[dict], criteria: SearchCriteria, *, column=None, id_field: str = "id",
                   last_page_repeat: bool = True) -> tuple[list[dict], int]:
    """Filter, sort and page `items`; answers (page items, total_count). `column(item, field)` reads a
    field (default: the top-level key). A page past the last one answers the last page again, as Magento's
    collections do (magento/magento2#3787, #8099); with `last_page_repeat=False` it is empty."""
    column = column or (lambda item, name: item.get(name))
    groups = [[(f, _compiled(v, c)) for f, v, c in group] for group in criteria.groups]
    matched = [item for item in items if all(any(match(column(item, f)) for f, match in group) for group in groups)]
    matched.sort(key=lambda item: _sort_key(item.get(id_field)))
    for name, direction in reversed(criteria.sort_orders):
        matched.sort(key=lambda item, name=name: _sort_key(column(item, name)), reverse=direction == "DESC")
    total = len(matched)
    if not criteria.page_size or criteria.page_size <= 0:
        return matched, total
    size = criteria.page_size
    page = max(criteria.current_page or 1, 1)
    last = max(math.ceil(total / size), 1)
    if page > last:
        if not last_page_repeat:
            return [], total
        page = last
    return matched[(page - 1) * size:page * size], total


def fields_parse(spec: str) -> dict:
    """`items[sku,name,extension_attributes[stock_item[qty]]],total_count` -> a nested dict of wanted keys
    (a leaf is True)."""
    out: dict = {}
    stack = [out]
    name = ""
    for char in spec:
        if char == "[":
            child: dict = {}
            stack[-1][name.strip()] = child
            stack.append(child)
            name = ""
        elif char in ",]":
            if name.strip():
                stack[-1][name.strip()] = True
            name = ""
            if char == "]" and len(stack) > 1:
                stack.pop()
        else:
            name += char
    if name.strip():
        stack[-1][name.strip()] = True
    return out


def fields_apply(payload, wanted: dict):
    """Keep only the wanted keys of a response (each element of a list answer)."""
    if isinstance(payload, list):
        return [fields_apply(item, wanted) for item in payload]
    if not isinstance(payload, dict):
        return payload
    out = {}
    for key, sub in wanted.items():
        if key in payload:
            out[key] = payload[key] if sub is True else fields_apply(payload[key], sub)
    return out
