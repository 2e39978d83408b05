"""REST renderers of the catalog: products (+ options, variants, images), custom and smart collections,
collects, inventory items and levels, locations
(https://shopify.dev/docs/api/admin-rest/latest/resources/product and the pages next to it)."""
from ...models import SandboxRecord
from ..common import Ctx, money
from ..render import locations_all, product_variants
from .shapes import admin_id, created, lower_enum, rest_time, tags_text, updated


def _weight_kg(item: dict) -> float:
    weight = item.get("weight") or {}
    value = float(weight.get("value") or 0)
    unit = weight.get("unit") or "KILOGRAMS"
    return value * {"KILOGRAMS": 1, "GRAMS": 0.001, "POUNDS": 0.45359237, "OUNCES": 0.028349523125}.get(unit, 1)


def _available(record: SandboxRecord) -> int:
    return sum(int(q.get("available", 0)) for q in (record.data.get("inventory") or {}).values())


def product_image(product: SandboxRecord, media: dict, position: int, variant_ids: list[int]) -> dict:
    return {
        "id": media["id"], "alt": media.get("alt"), "position": position, "product_id": product.record_id,
        "created_at": rest_time(media.get("createdAt")) or created(product),
        "updated_at": rest_time(media.get("createdAt")) or updated(product),
        "admin_graphql_api_id": admin_id("MediaImage", media["id"]), "width": media.get("width"),
        "height": media.get("height"), "src": media.get("url"), "variant_ids": variant_ids,
    }


def product_images(ctx: Ctx, product: SandboxRecord) -> list[dict]:
    variants = product_variants(ctx, product.record_id)
    return [product_image(product, m, i + 1, [v.record_id for v in variants if v.data.get("mediaId") == m["id"]])
            for i, m in enumerate(product.data.get("media") or [])]


def variant(ctx: Ctx, record: SandboxRecord, product: SandboxRecord | None = None) -> dict:
    d = record.data
    item = d.get("inventoryItem") or {}
    options = (product.data.get("options") if product else None) or []
    chosen = {o["name"]: o["value"] for o in d.get("selectedOptions") or []}
    values = [chosen.get(o["name"]) for o in options] if options else list(chosen.values())
    values = (values + [None, None, None])[:3]
    kilograms = _weight_kg(item)
    available = _available(record)
    return {
        "id": record.record_id, "product_id": record.parent_id, "title": d.get("title") or "Default Title",
        "price": money(d.get("price")), "position": d.get("position", 1),
        "inventory_policy": lower_enum(d.get("inventoryPolicy") or "DENY"),
        "compare_at_price": money(d["compareAtPrice"]) if d.get("compareAtPrice") not in (None, "") else None,
        "option1": values[0], "option2": values[1], "option3": values[2],
        "created_at": created(record), "updated_at": updated(record), "taxable": d.get("taxable", True),
        "barcode": d.get("barcode"), "fulfillment_service": "manual", "grams": round(kilograms * 1000),
        "inventory_management": "shopify" if item.get("tracked", True) else None,
        "requires_shipping": item.get("requiresShipping", True), "sku": d.get("sku") or "",
        "weight": round(kilograms, 3), "weight_unit": "kg", "inventory_item_id": record.group_id,
        "inventory_quantity": available, "old_inventory_quantity": available,
        "admin_graphql_api_id": admin_id("ProductVariant", record.record_id), "image_id": d.get("mediaId"),
    }


def product(ctx: Ctx, record: SandboxRecord) -> dict:
    d = record.data
    images = product_images(ctx, record)
    variants = [variant(ctx, v, record) for v in product_variants(ctx, record.record_id)]
    return {
        "id": record.record_id, "title": d.get("title", ""), "body_html": d.get("descriptionHtml") or "",
        "vendor": d.get("vendor") or "", "product_type": d.get("productType") or "", "created_at": created(record),
        "handle": record.lookup, "updated_at": updated(record), "published_at": rest_time(d.get("publishedAt")),
        "template_suffix": d.get("templateSuffix"), "published_scope": "global", "tags": tags_text(d.get("tags")),
        "status": (record.status or "ACTIVE").lower(), "admin_graphql_api_id": admin_id("Product", record.record_id),
        "variants": variants,
        "options": [{"id": o["id"], "product_id": record.record_id, "name": o["name"],
                     "position": o.get("position", i + 1), "values": [v["name"] for v in o.get("values") or []]}
                    for i, o in enumerate(d.get("options") or [])],
        "images": images, "image": images[0] if images else None,
    }


def _collection_base(record: SandboxRecord) -> dict:
    d = record.data
    image = d.get("image") or {}
    return {
        "id": record.record_id, "handle": record.lookup, "title": d.get("title", ""), "updated_at": updated(record),
        "body_html": d.get("descriptionHtml") or None,
        "published_at": rest_time(d.get("publishedAt")) or created(record),
        "sort_order": (d.get("sortOrder") or "MANUAL").lower().replace("_", "-"),
        "template_suffix": d.get("templateSuffix"), "published_scope": "global",
        "admin_graphql_api_id": admin_id("Collection", record.record_id),
        **({"image": {"created_at": created(record), "alt": image.get("altText"), "width": image.get("width"),
                      "height": image.get("height"), "src": image.get("src")}} if image.get("src") else {}),
    }


def custom_collection(ctx: Ctx, record: SandboxRecord) -> dict:
    return _collection_base(record)


def smart_collection(ctx: Ctx, record: SandboxRecord) -> dict:
    rule_set = record.data.get("ruleSet") or {}
    return {**_collection_base(record),
            "rules": [{"column": lower_enum(r.get("column")), "relation": lower_enum(r.get("relation")),
                       "condition": r.get("condition")} for r in rule_set.get("rules") or []],
            "disjunctive": bool(rule_set.get("appliedDisjunctively"))}


def collect(ctx: Ctx, record: SandboxRecord) -> dict:
    position = int(record.data.get("position") or 1)
    return {"id": record.record_id, "collection_id": record.parent_id, "product_id": record.group_id,
            "created_at": created(record), "updated_at": updated(record), "position": position,
            "sort_value": f"{position:010d}"}


def inventory_item(ctx: Ctx, variant_record: SandboxRecord) -> dict:
    item = variant_record.data.get("inventoryItem") or {}
    return {
        "id": variant_record.group_id, "sku": variant_record.data.get("sku") or "",
        "created_at": created(variant_record), "updated_at": updated(variant_record),
        "requires_shipping": item.get("requiresShipping", True),
        "cost": money(item["cost"]) if item.get("cost") not in (None, "") else None,
        "country_code_of_origin": item.get("countryCodeOfOrigin"),
        "province_code_of_origin": item.get("provinceCodeOfOrigin"),
        "harmonized_system_code": item.get("harmonizedSystemCode"), "tracked": item.get("tracked", True),
        "country_harmonized_system_codes": [],
        "admin_graphql_api_id": admin_id("InventoryItem", variant_record.group_id),
    }


def inventory_levels(ctx: Ctx, variant_record: SandboxRecord, location_ids: set[int] | None = None) -> list[dict]:
    """The item's levels, one per location stocking it; `id` is a sort key only (REST levels have none)."""
    out = []
    stock = variant_record.data.get("inventory") or {}
    for loc in locations_all(ctx):
        quantities = stock.get(str(loc.record_id))
        if quantities is None or (location_ids is not None and loc.record_id not in location_ids):
            continue
        item_id = variant_record.group_id
        out.append({
            "id": item_id * 10**14 + loc.record_id, "inventory_item_id": item_id, "location_id": loc.record_id,
            "available": int(quantities.get("available", 0)), "updated_at": updated(variant_record),
            "admin_graphql_api_id": admin_id("InventoryLevel", f"{loc.record_id}?inventory_item_id={item_id}"),
        })
    return out


def location(ctx: Ctx, record: SandboxRecord) -> dict:
    d = record.data
    address = d.get("address") or {}
    return {
        "id": record.record_id, "name": d.get("name", ""), "address1": address.get("address1"),
        "address2": address.get("address2"), "city": address.get("city"), "zip": address.get("zip"),
        "province": address.get("province"), "country": address.get("countryCode"), "phone": address.get("phone"),
        "created_at": created(record), "updated_at": updated(record), "country_code": address.get("countryCode"),
        "country_name": address.get("country"), "province_code": address.get("provinceCode"), "legacy": False,
        "active": d.get("isActive", True), "admin_graphql_api_id": admin_id("Location", record.record_id),
        "localized_country_name": address.get("country"), "localized_province_name": address.get("province"),
    }
