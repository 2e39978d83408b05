"""Reading fields of decoded platform JSON in mappers, one behaviour for every platform.

Emptiness: a missing key, `null` and `""` all mean "no value". PHP platforms (WooCommerce, Magento, PrestaShop)
send `""` where a list or an object has nothing, and `[]` for an empty associative array; so `list_of` reads
`""` as `[]` and `mapping` reads `""` and `[]` as `{}`. A value of the wrong shape otherwise (text where a list is
expected, an object where text is expected) is a `ValueError` naming the field, which the mappers' callers turn
into the record's `RecordError`. GraphQL connections (`{items}`, `{nodes}`, `{edges: [{node}]}`) are unwrapped by
`items_of`, never silently by `list_of`.
"""
from __future__ import annotations

from typing import Any

EMPTY = (None, "")


def text(data: dict[str, Any], key: str) -> str:
    """The value at `key` as text; "" when missing or null. A list or an object is a ValueError."""
    value = data.get(key)
    if value is None:
        return ""
    if isinstance(value, (dict, list)):
        raise ValueError(f"{key}: expected text, got {type(value).__name__}")
    return str(value)


def list_of(data: dict[str, Any], key: str) -> list[Any]:
    """The list at `key`; [] when missing, null or "". Anything else that is not a list is a ValueError."""
    value = data.get(key)
    if value in EMPTY:
        return []
    if not isinstance(value, list):
        raise ValueError(f"{key}: expected a list, got {type(value).__name__}")
    return value


def mapping(value: Any, field: str) -> dict[str, Any]:
    """`value` as an object; {} for null, "" and [] (PHP serialises an empty associative array as [])."""
    if value in (None, "", []):
        return {}
    if not isinstance(value, dict):
        raise ValueError(f"{field}: expected an object, got {type(value).__name__}")
    return value


def items_of(value: Any) -> list[dict[str, Any]]:
    """The objects of a list or of a GraphQL connection: `{items}` (Vendure), `{nodes}` or `{edges: [{node}]}`
    (Relay, Shopify); [] for anything else."""
    if isinstance(value, list):
        return [v for v in value if isinstance(v, dict)]
    if not isinstance(value, dict):
        return []
    for key in ("items", "nodes"):
        if isinstance(value.get(key), list):
            return [v for v in value[key] if isinstance(v, dict)]
    return [e["node"] for e in value.get("edges") or [] if isinstance(e, dict) and isinstance(e.get("node"), dict)]
