"""Values of canonical records, one definition each, used by the engine, verification and smart update:

- `normalize`: the comparable form of a value (decimals to the cent or as integers, floats as decimals,
  empty values and bookkeeping keys dropped from objects, lists of ids or tags unordered);
- `field_value` / `fingerprint` / `baseline`: a smart-update catalog field of a record, and the short hash
  stored on the id map row when the record is written (what tells a source change from a target edit);
- `iter_ref_values` / `references`: walking a record's references (`Canonical.REFS` paths).

A leaf module: it imports nothing from the other services."""
from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from connectors.entities import VARIANTS, Canonical, EntityType

IGNORED_KEYS = frozenset({"source_id", "extra"})
EMPTY = (None, "", [], {})

# Fields a variable product carries per variant too: their value includes every variant's.
VARIANT_LEVEL = frozenset({"price", "compare_at_price", "stock_quantity", "stock_status", "manage_stock", "weight"})
# Append-only or platform-decorated fields: a target-side difference there is not an owner's edit.
NO_CONFLICT_CHECK = frozenset({"status_history", "refunds"})


def normalize(value: Any, *, ignore: frozenset[str] | tuple[str, ...] = (), ordered: bool = False) -> Any:
    """The comparable form of `value`. Decimals (and floats) compare by amount ("10" == "10.00"), to the
    cent unless whole; objects lose their empty values and the keys in IGNORED_KEYS and `ignore`; a list
    of scalars (ids, tags) is unordered unless `ordered`; a list of objects is sorted by content unless
    `ordered` (then its order is part of the value)."""
    if isinstance(value, float):
        value = Decimal(str(value))
    if isinstance(value, Decimal):
        return str(value.normalize()) if value == value.to_integral() else str(value.quantize(Decimal("0.01")))
    if isinstance(value, dict):
        return {k: normalize(v, ignore=ignore, ordered=ordered) for k, v in sorted(value.items())
                if k not in IGNORED_KEYS and k not in ignore and v not in EMPTY}
    if isinstance(value, list | tuple):
        items = [normalize(v, ignore=ignore, ordered=ordered) for v in value]
        if ordered:
            return items
        if all(isinstance(v, str | int) for v in items):
            return sorted(items, key=str)  # ids, tags: order carries no meaning
        return sorted(items, key=lambda v: json.dumps(v, sort_keys=True, default=str))
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def field_value(entity: str, item: Canonical, name: str) -> Any:
    """The normalized value of one smart-update catalog field of a canonical record (shown and compared)."""
    data = item.model_dump(mode="python")
    value = data.get(name)
    if name == "shipments":
        value = sorted([[s.get("tracking_number") or "", s.get("carrier") or ""] for s in value or []])
    elif name == "status_history":
        value = sorted([[h.get("status") or "", (h.get("note") or "").strip()] for h in value or []])
    elif entity == EntityType.PRODUCT and name in VARIANT_LEVEL and data.get("variants"):
        value = {"product": value, "variants": sorted(
            [[v.get("sku") or json.dumps(v.get("option_values"), sort_keys=True, default=str), v.get(name)]
             for v in data["variants"]], key=lambda x: str(x[0]))}
    return normalize(value)


def fingerprint(value: Any) -> str:
    return hashlib.sha1(json.dumps(value, sort_keys=True, default=str).encode(), usedforsecurity=False
                        ).hexdigest()[:16]


def baseline(entity: str, item: Canonical, fields) -> dict[str, str]:
    """field -> fingerprint for the id map row of a record just written."""
    return {name: fingerprint(field_value(entity, item, name)) for name in fields}


def iter_ref_values(data: dict, path: str) -> Iterator[tuple[Any, Any, Any]]:
    """Yield (container, key_or_index, value) for a REFS path like "lines[].product_id" or "category_ids[]"."""
    head, _, rest = path.partition(".")
    if head.endswith("[]"):
        seq = data.get(head[:-2]) or []
        if rest:
            for element in seq:
                if isinstance(element, dict):
                    yield from iter_ref_values(element, rest)
        else:
            for i, value in enumerate(seq):
                yield seq, i, value
    elif rest:
        child = data.get(head)
        if isinstance(child, dict):
            yield from iter_ref_values(child, rest)
    else:
        yield data, head, data.get(head)


def references(item: Canonical, *, variants: bool = True) -> list[tuple[str, str, str]]:
    """(field path, referenced entity, id) of every non-empty reference of `item`; without `variants`,
    references to product variants are left out."""
    data = item.model_dump(mode="python")
    out = []
    for path, ref_entity in type(item).REFS.items():
        if ref_entity == VARIANTS and not variants:
            continue
        for _, _, value in iter_ref_values(data, path):
            if value:
                out.append((path, str(ref_entity), str(value)))
    return out


def referenced_ids(items, *, variants: bool = True) -> dict[str, set[str]]:
    """{referenced entity: ids} over `items` (what to look up in the id map at once)."""
    found: dict[str, set[str]] = {}
    for item in items:
        for _, ref_entity, value in references(item, variants=variants):
            found.setdefault(ref_entity, set()).add(value)
    return found
