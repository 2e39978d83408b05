"""Magento 2 REST facts shared by the connector and its streams: paths, dates, searchCriteria, error bodies.

- Endpoint: `<store URL>/rest/<store code>/V1/<route>` (the code of a store view, `all` for the admin scope).
  [AdobeDocs commerce-webapi get-started/gs-web-api-request.md]
- Lists take `searchCriteria[filter_groups][g][filters][f][field|value|condition_type]` (filters of a group ORed,
  groups ANDed), `[sortOrders]`, `[pageSize]`, `[currentPage]`, and answer `{items, search_criteria,
  total_count}`. A `currentPage` past the last page answers the last page again on many endpoints (magento/magento2
  #3787, #8099): paging stops at `current_page * page_size >= total_count`. [rest/use-rest/performing-searches.md]
- Errors: `{"message": "... %1 ... %name", "parameters": [..] | {..}}`; placeholders are filled here.
  [get-started/gs-web-api-response.md]
- Dates: `YYYY-MM-DD HH:MM:SS`, UTC.
"""
from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

REST_PATH = "/rest"
DATE_FORMAT = "%Y-%m-%d %H:%M:%S"
MAX_PAGE_SIZE = 100
EXTRA_KEY = "magento2"
NO_ROUTE = "Request does not match any route."
_PLACEHOLDER = re.compile(r"%(\w+)")


def magento_message(data: Any) -> str:
    """The message of a Magento error body with its `%1` / `%name` placeholders filled from `parameters`."""
    if not isinstance(data, dict):
        return ""
    message = str(data.get("message") or "")
    parameters = data.get("parameters")
    if isinstance(parameters, list):
        values = {str(i + 1): v for i, v in enumerate(parameters)}
    elif isinstance(parameters, dict):
        values = {str(k): v for k, v in parameters.items()}
    else:
        values = {}
    return _PLACEHOLDER.sub(lambda m: str(values[m.group(1)]) if m.group(1) in values else m.group(0), message)


def missing_resource(data: Any) -> str:
    """The ACL resource a 401 "The consumer isn't authorized to access %resources." names ("" when none)."""
    if isinstance(data, dict) and isinstance(data.get("parameters"), dict):
        return str(data["parameters"].get("resources") or "")
    return ""


def parse_date(value: Any, field: str = "date") -> datetime | None:
    if value in (None, ""):
        return None
    text = str(value).strip()
    for fmt in (DATE_FORMAT, "%Y-%m-%d"):
        try:
            return datetime.strptime(text[:19] if fmt == DATE_FORMAT else text[:10], fmt).replace(tzinfo=UTC)
        except ValueError:
            continue
    raise ValueError(f"{field}: {value!r} is not a date")


def format_date(moment: datetime) -> str:
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return moment.strftime(DATE_FORMAT)


def criteria(*groups: list[tuple[str, Any, str]], page_size: int | None = None, page: int | None = None,
             sort: list[tuple[str, str]] = ()) -> dict[str, Any]:
    """Query parameters of a searchCriteria: `groups` are lists of (field, value, condition) ORed within a group."""
    params: dict[str, Any] = {}
    for g, group in enumerate(groups):
        for f, (field, value, condition) in enumerate(group):
            prefix = f"searchCriteria[filter_groups][{g}][filters][{f}]"
            params[f"{prefix}[field]"] = field
            params[f"{prefix}[value]"] = ",".join(map(str, value)) if isinstance(value, (list, tuple, set)) else value
            params[f"{prefix}[condition_type]"] = condition
    for k, (field, direction) in enumerate(sort):
        params[f"searchCriteria[sortOrders][{k}][field]"] = field
        params[f"searchCriteria[sortOrders][{k}][direction]"] = direction
    if page_size is not None:
        params["searchCriteria[pageSize]"] = page_size
    if page is not None:
        params["searchCriteria[currentPage]"] = page
    if not params:
        params["searchCriteria"] = ""  # a list endpoint needs the parameter, even empty
    return params


def language_of(locale: str) -> str:
    """"fr_FR" -> "fr"."""
    return str(locale or "").split("_", 1)[0].lower()
