"""Reading fields of decoded platform JSON in mappers, one behaviour for every platform.

Emptiness: a missing key, `null` and `""` all mean "no value". PHP platforms (WooCommerce, Magento, PrestaShop)
send `""` where a list or an object has nothing, and `[]` for an empty associative array; so `list_of` reads
`""` as `[]` and `mapping` reads `""` and `[]` as `{}`. A value of the wrong shape otherwise (text where a list is
expected, an object where text is expected) is a `ValueError` naming the field, which the mappers' callers turn
into the record's `RecordError`. GraphQL connections (`{items}`, `{nodes}`, `{edges: [{node}]}`) are unwrapped by
`items_of`, never silently by `list_of`.
"""
from __future__ import annotations

import json
from decimal import Decimal, InvalidOperation
from typing import Any

EMPTY = (None, "")


class _NotJson:
    def __repr__(self) -> str:
        return "<not JSON>"


NOT_JSON = _NotJson()  # what `decode_body` answers for a body that is not JSON (an HTML error page, say)


def decode_body(content: bytes) -> Any:
    """A response body as JSON; None when blank, NOT_JSON when it is not JSON. Decoded by hand with
    surrogateescape: one record holding invalid UTF-8 must not break its page (entities.py then rejects that
    record's strings, which turns it into a RecordError)."""
    text = content.decode("utf-8", "surrogateescape")
    if not text.strip():
        return None
    try:
        return json.loads(text)
    except ValueError:
        return NOT_JSON


def money(value: Any, field: str = "amount") -> Decimal | None:
    """A money value as REST platforms send it (string, number, "" or null) as a Decimal; None when blank.
    Anything else (true, "abc", "NaN") is a ValueError naming the field."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise ValueError(f"{field}: {value!r} is not an amount")
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation:
        raise ValueError(f"{field}: {value!r} is not an amount") from None
    if not amount.is_finite():
        raise ValueError(f"{field}: {value!r} is not an amount")
    return amount


def money_or_zero(value: Any, field: str = "amount") -> Decimal:
    amount = money(value, field)
    return amount if amount is not None else Decimal("0")


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
