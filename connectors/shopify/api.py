"""Shopify Admin GraphQL API constants and error reading shared by the connector, its streams and bulk.py."""
from __future__ import annotations

import re
from typing import Any

API_VERSION = "2026-01"
MAX_QUERY_COST = 1000  # Shopify's single-query maximum, whatever the plan
REQUEST_BUDGET = 900  # what one batched request may cost, below the maximum with a margin for estimates
MAX_THROTTLE_WAITS = 20
USER_ERRORS = "userErrors { field message }"

TOKEN_HELP = ("Shopify admin → Settings → Apps and sales channels → Develop apps → your app → API credentials "
              "(Admin API access token, starts with shpat_). Scopes: read/write products, inventory, customers, "
              "orders (+ read_all_orders), discounts, content, online_store_navigation, translations, locales.")

# The scopes this connector uses, as read_<x> / write_<x> (TOKEN_HELP names them for the owner).
REQUIRED_SCOPES = ("products", "inventory", "customers", "orders", "discounts", "content",
                   "online_store_navigation", "translations", "locales")


def over_bucket(cost: dict[str, Any] | None) -> tuple[int, int] | None:
    """(requested, bucket size) when a THROTTLED query costs more than the whole bucket can ever hold."""
    try:
        requested = int(cost["requestedQueryCost"])  # type: ignore[index]
        size = int(float(cost["throttleStatus"]["maximumAvailable"]))  # type: ignore[index]
    except (KeyError, TypeError, ValueError):
        return None
    return (requested, size) if requested > size else None


def cost_in(message: str) -> int:
    """The query cost a MAX_COST_EXCEEDED message names (twice the maximum when it names none)."""
    match = re.search(r"Query cost is (\d+)", message)
    return int(match.group(1)) if match else MAX_QUERY_COST * 2


def code(error: Any) -> str:
    """`extensions.code` of a GraphQL error ("" when it has none)."""
    return str(((error or {}).get("extensions") or {}).get("code") or "") if isinstance(error, dict) else ""


def user_error(error: dict[str, Any]) -> str:
    """One of Shopify's `userErrors` as "field.path: message"."""
    field = ".".join(str(f) for f in error.get("field") or [])
    message = str(error.get("message") or "invalid")
    return f"{field}: {message}" if field else message


def user_errors(payload: Any) -> str | None:
    """The `userErrors` of a mutation payload, joined; None when there are none."""
    errors = (payload or {}).get("userErrors") if isinstance(payload, dict) else None
    return "; ".join(user_error(e) for e in errors) if errors else None
