"""After a run: counts on both sides and a sample of records compared field by field."""
from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings

from connectors.base import Connector
from connectors.entities import VARIANTS, Canonical, EntityType

from ..enums import IdMapState
from ..models import IdMap, MigrationRun
from .connections import connector_for

# Fields compared per entity. References are compared after mapping source ids through the id map.
COMPARED_FIELDS: dict[EntityType, tuple[str, ...]] = {
    EntityType.TAX_CLASS: ("name",),
    EntityType.MANUFACTURER: ("name", "slug"),
    EntityType.CATEGORY: ("name", "description", "parent_id"),
    EntityType.PRODUCT: ("name", "sku", "type", "price", "compare_at_price", "stock_quantity", "stock_status",
                         "description", "category_ids", "options", "variants"),
    EntityType.CUSTOMER: ("email", "first_name", "last_name", "billing", "shipping"),
    EntityType.ORDER: ("status", "email", "customer_id", "currency", "total", "lines", "shipments"),
    EntityType.REVIEW: ("product_id", "rating", "reviewer_email", "content"),
    EntityType.COUPON: ("code", "discount_type", "amount", "product_ids"),
    EntityType.PAGE: ("title", "content"),
    EntityType.BLOG_POST: ("title", "content"),
}


def _norm(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value.normalize()) if value == value.to_integral() else str(value.quantize(Decimal("0.01")))
    if isinstance(value, dict):
        return {k: _norm(v) for k, v in value.items() if k not in ("source_id", "extra", "image")}
    if isinstance(value, list):
        return [_norm(v) for v in value]
    return value


UNMAPPED = "unmapped:"


def _map_ids(ids: dict[str, dict[str, str]], entity: str, value: Any) -> Any:
    if isinstance(value, list):
        return sorted(ids.get(entity, {}).get(str(v), f"{UNMAPPED}{v}") for v in value)
    return ids.get(entity, {}).get(str(value), f"{UNMAPPED}{value}") if value else value


def _comparable(entity: EntityType, item: Canonical, *, ids: dict[str, dict[str, str]] | None,
                status_map: dict[str, str]) -> dict[str, Any]:
    """The compared fields of `item`; with `ids`, source references are rewritten to target ids."""
    data = item.model_dump(mode="python")
    out: dict[str, Any] = {}
    for name in COMPARED_FIELDS.get(entity, ()):
        value = data.get(name)
        if ids is not None:
            if name in ("category_ids", "product_ids"):
                value = _map_ids(ids, "categories" if name == "category_ids" else "products", value)
            elif name == "parent_id":
                value = _map_ids(ids, "categories", value)
            elif name == "customer_id":
                value = _map_ids(ids, "customers", value)
            elif name == "product_id":
                value = _map_ids(ids, "products", value)
            elif name == "status" and entity == EntityType.ORDER:
                value = status_map.get(value, value)
        elif name in ("category_ids", "product_ids") and isinstance(value, list):
            value = sorted(str(v) for v in value)
        if name == "code" and entity == EntityType.COUPON and isinstance(value, str):
            value = value.lower()  # codes are case-insensitive; WooCommerce stores them in lower case
        if name == "lines":
            products = (ids or {}).get("products", {})

            def sku_of(line, products=products):  # a line of a product not migrated has no SKU on the target
                if ids is not None and line.get("product_id") and str(line["product_id"]) not in products:
                    return f"{UNMAPPED}{line['sku']}"
                return line["sku"]

            value = sorted(
                [{"sku": sku_of(line), "quantity": line["quantity"], "total": line["total"]} for line in value or []],
                key=lambda x: (x["sku"], x["quantity"]),
            )
        elif name == "variants":
            value = sorted(
                [{"sku": v["sku"], "price": v["price"], "stock_quantity": v["stock_quantity"],
                  "option_values": v["option_values"]} for v in value or []],
                key=lambda x: x["sku"],
            )
        elif name == "shipments":
            value = sorted([s["tracking_number"], s["carrier"]] for s in value or [])
        out[name] = _norm(value)
    return out


def compare_records(entity: EntityType, source_item: Canonical, target_item: Canonical, *,
                    ids: dict[str, dict[str, str]], status_map: dict[str, str]) -> list[dict[str, Any]]:
    """Field-by-field comparison. A reference to a record this migration did not migrate (outside a
    demo's first records, or of an entity not selected) cannot be on the target: it is left out of the
    comparison and said so in `note`, instead of counting as a difference."""
    left = _comparable(entity, source_item, ids=ids, status_map=status_map)
    right = _comparable(entity, target_item, ids=None, status_map=status_map)
    out = []
    for k, value in left.items():
        note = ""
        if isinstance(value, str) and value.startswith(UNMAPPED):
            out.append({"field": k, "source": value, "target": right.get(k), "equal": True,
                        "note": "refers to a record that was not migrated: not compared"})
            continue
        if k == "lines" and any(str(line["sku"]).startswith(UNMAPPED) for line in value):
            kept = [line for line in value if not str(line["sku"]).startswith(UNMAPPED)]
            theirs = list(right.get(k) or [])
            equal = len(value) == len(theirs) and all(line in theirs for line in kept)
            out.append({"field": k, "source": value, "target": right.get(k), "equal": equal,
                        "note": f"{len(value) - len(kept)} line(s) of products that were not migrated: "
                                "compared by count only"})
            continue
        if k == "lines" and value != right.get(k) and _reallocated(value, right.get(k) or []):
            out.append({"field": k, "source": value, "target": right.get(k), "equal": True,
                        "note": "the target spread the order's discount over its lines with its own cent "
                                "rounding (the order total is compared on its own)"})
            continue
        if isinstance(value, list) and any(isinstance(v, str) and v.startswith(UNMAPPED) for v in value):
            kept = [v for v in value if not (isinstance(v, str) and v.startswith(UNMAPPED))]
            note = f"{len(value) - len(kept)} reference(s) to records that were not migrated: not compared"
            value = kept
        out.append({"field": k, "source": value, "target": right.get(k), "equal": value == right.get(k),
                    "note": note})
    return out


def _reallocated(ours: list[dict], theirs: list[dict]) -> bool:
    """Same lines (SKU, quantity), each total within a cent: an order-level discount that the target platform
    spread over the lines with its own rounding (Shopify's orderCreate takes one discount for the whole
    order), not a difference in what was bought. The order's total is compared to the cent on its own."""
    if len(ours) != len(theirs) or any((a["sku"], a["quantity"]) != (b["sku"], b["quantity"])
                                       for a, b in zip(ours, theirs, strict=True)):
        return False
    return all(abs(Decimal(str(a["total"])) - Decimal(str(b["total"]))) <= Decimal("0.01")
               for a, b in zip(ours, theirs, strict=True))


def _sample_ids(migration_id, entity: str, size: int) -> list[tuple[str, str]]:
    rows = IdMap.objects.filter(migration_id=migration_id, entity=entity, state=IdMapState.DONE).order_by("?")
    return list(rows.values_list("source_id", "target_id")[:size])


def run_verify(*, run: MigrationRun, sample_size: int | None = None) -> dict[str, Any]:
    """Counts per entity (source, target store, migrated by this migration) and a compared sample."""
    from .engine import _status_map

    migration = run.migration
    source: Connector = connector_for(store=migration.source_store)
    target: Connector = connector_for(store=migration.target_store, options=migration.options)
    size = settings.MIGRATOR_VERIFY_SAMPLE if sample_size is None else sample_size
    status_map = _status_map(run, source, target)
    report: dict[str, Any] = {"entities": {}, "mismatches": 0, "sampled": 0}
    try:
        for progress in run.progress.order_by("position"):
            entity = EntityType(progress.entity)
            sample = _sample_ids(migration.pk, entity, size)
            sources = {sid: source.get(entity, sid) for sid, _ in sample}
            wanted: dict[str, set[str]] = {}
            for item in sources.values():
                if item is None:
                    continue
                for ref_entity, values in _refs_of(item).items():
                    wanted.setdefault(ref_entity, set()).update(values)
            ids = {e: dict(IdMap.objects.filter(migration=migration, entity=e, source_id__in=v)
                           .values_list("source_id", "target_id")) for e, v in wanted.items()}
            records = []
            for sid, tid in sample:
                src, tgt = sources.get(sid), target.get(entity, tid)
                if src is None or tgt is None:
                    records.append({"source_id": sid, "target_id": tid, "fields": [],
                                    "missing": "source" if src is None else "target",
                                    "url": target.entity_url(entity, tid)})
                    report["mismatches"] += 1
                    continue
                fields = compare_records(entity, src, tgt, ids=ids, status_map=status_map)
                report["mismatches"] += sum(1 for f in fields if not f["equal"])
                records.append({"source_id": sid, "target_id": tid, "fields": fields,
                                "url": target.entity_url(entity, tid)})
            report["sampled"] += len(records)
            migrated = IdMap.objects.filter(migration=migration, entity=entity, state=IdMapState.DONE).count()
            report["entities"][str(entity)] = {
                "source_count": source.count(entity),
                "target_count": target.count(entity),
                "migrated": migrated,
                "expected": progress.total,
                "sample": records,
            }
    finally:
        source.http.close()
        target.http.close()
    return report


def _refs_of(item: Canonical) -> dict[str, set[str]]:
    from .engine import _iter_ref_values

    data = item.model_dump(mode="python")
    found: dict[str, set[str]] = {}
    for path, ref_entity in type(item).REFS.items():
        if ref_entity == VARIANTS:
            continue
        for _, _, value in _iter_ref_values(data, path):
            if value:
                found.setdefault(str(ref_entity), set()).add(str(value))
    return found
