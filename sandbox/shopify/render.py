"""Records -> GraphQL objects. Each renderer answers a dict in Shopify's field names; relations and
connections are callables `(info, **args)`, which graphql-core's default resolver calls only when the
client selected the field, so a query pays only for what it asks."""
import hashlib
import json
from decimal import Decimal

from django.db import connection
from django.utils.html import strip_tags

from ..models import SandboxRecord
from . import bulk_run, refunds
from .common import Ctx, gid, gid_id, iso, money, money_bag, money_v2, parse_gid
from .data import (
    SORT_ID,
    can_read,
    count_result,
    paginate,
    paginate_list,
    paginate_rows,
    record_get,
    records,
    search_filter,
    search_parse,
    sort_json_int,
    sort_text,
)
from .search import ARTICLE_SEARCH, ARTICLE_SORTS, ORDER_SEARCH, ORDER_SORTS

INVENTORY_NAMES = ("available", "on_hand", "committed", "incoming", "reserved", "damaged", "safety_stock",
                   "quality_control")
LANGUAGE_NAMES = {"en": "English", "fr": "French", "de": "German", "es": "Spanish", "it": "Italian",
                  "nl": "Dutch", "pt-BR": "Portuguese (Brazil)", "pt": "Portuguese", "ja": "Japanese",
                  "sv": "Swedish", "da": "Danish", "pl": "Polish"}

# Translatable keys per resource type: (key, data field, localizable content type).
TRANSLATABLE = {
    "PRODUCT": (("title", "title", "SINGLE_LINE_TEXT_FIELD"), ("body_html", "descriptionHtml", "HTML"),
                ("handle", "_handle", "URI"), ("product_type", "productType", "SINGLE_LINE_TEXT_FIELD"),
                ("meta_title", "seo.title", "SINGLE_LINE_TEXT_FIELD"),
                ("meta_description", "seo.description", "MULTI_LINE_TEXT_FIELD")),
    "COLLECTION": (("title", "title", "SINGLE_LINE_TEXT_FIELD"), ("body_html", "descriptionHtml", "HTML"),
                   ("handle", "_handle", "URI"), ("meta_title", "seo.title", "SINGLE_LINE_TEXT_FIELD"),
                   ("meta_description", "seo.description", "MULTI_LINE_TEXT_FIELD")),
    "ONLINE_STORE_PAGE": (("title", "title", "SINGLE_LINE_TEXT_FIELD"), ("body_html", "body", "HTML"),
                          ("handle", "_handle", "URI")),
    "ONLINE_STORE_ARTICLE": (("title", "title", "SINGLE_LINE_TEXT_FIELD"), ("body_html", "body", "HTML"),
                             ("summary_html", "summary", "HTML"), ("handle", "_handle", "URI")),
    "ONLINE_STORE_BLOG": (("title", "title", "SINGLE_LINE_TEXT_FIELD"), ("handle", "_handle", "URI")),
}
TRANSLATABLE_RESOURCES = {"PRODUCT": ("products", "Product"), "COLLECTION": ("collections", "Collection"),
                          "ONLINE_STORE_PAGE": ("pages", "Page"), "ONLINE_STORE_ARTICLE": ("articles", "Article"),
                          "ONLINE_STORE_BLOG": ("blogs", "Blog")}
RESOURCE_TRANSLATABLE_TYPE = {resource: kind for kind, (resource, _) in TRANSLATABLE_RESOURCES.items()}


def digest(value) -> str | None:
    return hashlib.sha256(str(value).encode("utf-8")).hexdigest() if value not in (None, "") else None


def store_domain(ctx: Ctx) -> str:
    return f"{ctx.store.name}.myshopify.com"


def _description(html: str):
    def resolve(info=None, truncateAt=None, **_):
        text = " ".join(strip_tags(html or "").split())
        return text[:truncateAt] if truncateAt else text

    return resolve


# ---------------------------------------------------------------- metafields and translations


def metafield(ctx: Ctx, record: SandboxRecord) -> dict:
    d = record.data
    return {
        "__typename": "Metafield", "id": gid("Metafield", record.record_id), "namespace": d["namespace"],
        "key": d["key"], "value": d["value"], "type": d["type"], "jsonValue": _json_value(d),
        "description": d.get("description"), "ownerType": d.get("ownerType", "PRODUCT"),
        "compareDigest": digest(f"{d['type']}:{d['value']}"),
        "createdAt": iso(record.date_created_gmt), "updatedAt": iso(record.date_modified_gmt),
        "owner": lambda info, **_: node_render(ctx, d.get("ownerId")),
    }


def _json_value(d: dict):
    value = d["value"]
    kind = d["type"]
    if kind.startswith("list.") or kind in ("json", "rating", "dimension", "weight", "volume", "money"):
        try:
            return json.loads(value)
        except ValueError:
            return value
    if kind == "number_integer":
        try:
            return int(value)
        except ValueError:
            return value
    if kind == "number_decimal":
        return value
    if kind == "boolean":
        return value == "true"
    return value


def metafield_fields(ctx: Ctx, owner_id: int) -> dict:
    def one(info=None, key=None, namespace=None, **_):
        lookup = f"{namespace}.{key}" if namespace else None
        qs = records(ctx, "metafields").filter(parent_id=owner_id)
        row = qs.filter(lookup=lookup).first() if lookup else qs.filter(data__key=key).order_by("record_id").first()
        return metafield(ctx, row) if row else None

    def many(info=None, namespace=None, keys=None, **args):
        qs = records(ctx, "metafields").filter(parent_id=owner_id)
        if namespace:
            qs = qs.filter(lookup__startswith=f"{namespace}.")
        if keys:
            qs = qs.filter(lookup__in=keys)
        return paginate(ctx, qs, SORT_ID, args, metafield)

    return {"metafield": one, "metafields": many}


def content_value(record: SandboxRecord, path: str):
    if path == "_handle":
        return record.lookup
    value = record.data
    for part in path.split("."):
        value = (value or {}).get(part) if isinstance(value, dict) else None
    return value


def translatable_content(ctx: Ctx, record: SandboxRecord, kind: str) -> list[dict]:
    locale = ctx.store.default_language
    out = []
    for key, path, content_type in TRANSLATABLE[kind]:
        value = content_value(record, path)
        out.append({"key": key, "value": value, "digest": digest(value), "locale": locale, "type": content_type})
    return out


def translations_list(ctx: Ctx, record: SandboxRecord, kind: str, locale: str, outdated=None) -> list[dict]:
    row = records(ctx, "translations").filter(parent_id=record.record_id, lang=locale).first()
    if row is None:
        return []
    current = {c["key"]: c["digest"] for c in translatable_content(ctx, record, kind)}
    out = []
    for key, entry in row.data.items():
        is_outdated = entry.get("digest") != current.get(key)
        if outdated is not None and is_outdated != outdated:
            continue
        out.append({"key": key, "value": entry.get("value"), "locale": locale, "outdated": is_outdated,
                    "updatedAt": entry.get("updatedAt")})
    return out


def translations_field(ctx: Ctx, record: SandboxRecord, kind: str):
    return lambda info=None, locale=None, marketId=None, **_: translations_list(ctx, record, kind, locale)


def translatable_resource(ctx: Ctx, record: SandboxRecord) -> dict:
    kind = RESOURCE_TRANSLATABLE_TYPE[record.resource]
    type_name = TRANSLATABLE_RESOURCES[kind][1]
    return {
        "resourceId": gid(type_name, record.record_id),
        "translatableContent": lambda info=None, **_: translatable_content(ctx, record, kind),
        "translations": lambda info=None, locale=None, outdated=None, **_: translations_list(
            ctx, record, kind, locale, outdated),
    }


# ---------------------------------------------------------------- shop, locations


def shop(ctx: Ctx) -> dict:
    s = ctx.store.settings
    shop_id = s.get("shop_id", ctx.store.pk)
    domain = store_domain(ctx)
    return {
        "__typename": "Shop", "id": gid("Shop", shop_id), "name": s.get("title") or ctx.store.name,
        "email": s.get("email", ""), "contactEmail": s.get("email", ""), "description": s.get("description"),
        "myshopifyDomain": domain,
        "primaryDomain": {"id": gid("Domain", shop_id), "host": domain, "url": f"https://{domain}",
                          "sslEnabled": True},
        "url": f"https://{domain}", "currencyCode": ctx.currency, "enabledPresentmentCurrencies": [ctx.currency],
        "ianaTimezone": "Etc/UTC", "timezoneAbbreviation": "UTC", "timezoneOffset": "+0000",
        "timezoneOffsetMinutes": 0, "weightUnit": "KILOGRAMS", "taxesIncluded": False,
        "plan": {"displayName": "Basic", "partnerDevelopment": True, "shopifyPlus": False},
        "resourceLimits": {"locationLimit": 10, "maxProductOptions": 3, "maxProductVariants": 2048,
                           "redirectLimitReached": False},
        "billingAddress": {"id": gid("ShopAddress", shop_id), "address1": "150 Elgin St", "city": "Ottawa",
                           "province": "Ontario", "provinceCode": "ON", "country": "Canada",
                           "countryCodeV2": "CA", "zip": "K2P 1L4"},
        "createdAt": iso(ctx.store.created_at), "updatedAt": iso(ctx.store.created_at),
        **metafield_fields(ctx, shop_id),
    }


def shop_locales(ctx: Ctx) -> list[dict]:
    primary = ctx.store.default_language
    return [{"locale": code, "name": LANGUAGE_NAMES.get(code, code), "primary": code == primary, "published": True}
            for code in ctx.store.languages]


def location(ctx: Ctx, record: SandboxRecord) -> dict:
    d = record.data
    address = dict(d.get("address") or {})
    address["formatted"] = [part for part in (address.get("address1"), address.get("city"), address.get("zip"),
                                              address.get("country")) if part]
    address.setdefault("latitude", None)  # the store keeps no coordinates: Shopify answers null when not geocoded
    address.setdefault("longitude", None)
    active, primary = d.get("isActive", True), d.get("isPrimary", False)

    def levels(info=None, **args):
        return paginate_list(ctx, location_inventory_levels(ctx, record, args.pop("query", None)), args)

    return {
        "__typename": "Location", "id": gid("Location", record.record_id), "legacyResourceId": str(record.record_id),
        "name": d["name"], "isActive": active, "isPrimary": primary,
        "fulfillsOnlineOrders": d.get("fulfillsOnlineOrders", True), "shipsInventory": True, "address": address,
        "addressVerified": d.get("addressVerified", False), "isFulfillmentService": False,
        # Shopify: the primary location and one with inventory or unfulfilled orders cannot be deactivated;
        # only an inactive location can be deleted.
        "deactivatable": lambda info=None, **_: active and not primary and not _has_stock(ctx, record)
        and not _has_unfulfilled(ctx, record),
        "deactivatedAt": d.get("deactivatedAt"), "deletable": not active,
        "hasActiveInventory": lambda info=None, **_: _has_stock(ctx, record),
        "hasUnfulfilledOrders": lambda info=None, **_: _has_unfulfilled(ctx, record),
        "localPickupSettingsV2": d.get("localPickupSettings"),  # None: local pickup is not offered
        "inventoryLevels": levels,
        "createdAt": iso(record.date_created_gmt), "updatedAt": iso(record.date_modified_gmt),
        **metafield_fields(ctx, record.record_id),
    }


def location_inventory_levels(ctx: Ctx, loc: SandboxRecord, query: str | None = None) -> list[dict]:
    """The inventory levels held at a location, by inventory item; `query` filters on the level's dates."""
    rows = search_filter(records(ctx, "variants"), search_parse(query), {}, ctx).order_by("group_id")
    return [inventory_level(ctx, row, loc, (row.data.get("inventory") or {})[str(loc.record_id)], row.group_id)
            for row in rows if str(loc.record_id) in (row.data.get("inventory") or {})]


def _has_stock(ctx: Ctx, loc: SandboxRecord) -> bool:
    key = str(loc.record_id)
    return any(int((row.data.get("inventory") or {}).get(key, {}).get("available", 0) or 0) > 0
               for row in records(ctx, "variants").only("data"))


def _has_unfulfilled(ctx: Ctx, loc: SandboxRecord) -> bool:
    """Orders are fulfilled from the primary location in this sandbox."""
    if not loc.data.get("isPrimary"):
        return False
    return any((row.data.get("fulfillmentStatus") or "UNFULFILLED") in ("UNFULFILLED", "PARTIALLY_FULFILLED")
               and not row.data.get("cancelledAt") for row in records(ctx, "orders").only("data"))


def locations_all(ctx: Ctx) -> list[SandboxRecord]:
    if "locations" not in ctx.cache:
        ctx.cache["locations"] = list(records(ctx, "locations").order_by("record_id"))
    return ctx.cache["locations"]


def primary_location(ctx: Ctx) -> SandboxRecord:
    found = locations_all(ctx)
    return next((r for r in found if r.data.get("isPrimary")), found[0])


# ---------------------------------------------------------------- products, variants, inventory


def image(url: str | None, alt=None, width=None, height=None, image_id=None) -> dict | None:
    if not url:
        return None
    return {"id": image_id, "url": lambda info=None, **_: url, "altText": alt, "width": width, "height": height}


def media_image(item: dict) -> dict:
    img = image(item.get("url"), item.get("alt"), item.get("width"), item.get("height"),
                gid("ProductImage", item["id"]))
    return {
        "__typename": "MediaImage", "id": gid("MediaImage", item["id"]), "alt": item.get("alt"),
        "mediaContentType": "IMAGE", "status": "READY", "image": img, "mimeType": "image/jpeg",
        "preview": {"image": img, "status": "READY"}, "createdAt": item.get("createdAt"),
        "updatedAt": item.get("createdAt"),
    }


def variants_prefetch(ctx: Ctx, products: list[SandboxRecord]) -> None:
    """Load the variants of a page of products in one query."""
    wanted = [p.record_id for p in products if ("variants_of", p.record_id) not in ctx.cache]
    if not wanted:
        return
    found: dict = {pid: [] for pid in wanted}
    for row in records(ctx, "variants").filter(parent_id__in=wanted).order_by("record_id"):
        found[row.parent_id].append(row)
    for pid, rows in found.items():
        ctx.cache[("variants_of", pid)] = rows


def customers_prefetch(ctx: Ctx, orders: list[SandboxRecord]) -> None:
    """Load the customers of a page of orders in one query."""
    wanted = {o.parent_id for o in orders if o.parent_id and ("customers", o.parent_id) not in ctx.cache}
    for row in records(ctx, "customers").filter(record_id__in=wanted):
        ctx.cache[("customers", row.record_id)] = row


def product_variants(ctx: Ctx, product_id: int) -> list[SandboxRecord]:
    key = ("variants_of", product_id)
    if key not in ctx.cache:
        ctx.cache[key] = list(records(ctx, "variants").filter(parent_id=product_id).order_by("record_id"))
    return ctx.cache[key]


def _available(variant: SandboxRecord) -> int:
    return sum(int(q.get("available", 0)) for q in (variant.data.get("inventory") or {}).values())


def product(ctx: Ctx, record: SandboxRecord) -> dict:
    d = record.data
    pid = record.record_id
    options = d.get("options") or []
    media = d.get("media") or []

    def variants(info=None, sortKey="POSITION", **args):
        sort = {"POSITION": sort_json_int("position"), "SKU": sort_text("sku"), "TITLE": sort_text("title")}
        if sortKey in ("POSITION", "ID") and not args.get("after") and not args.get("before"):
            # first page from the variants already loaded for this product (one query per product page)
            value_of = (lambda v: int(v.data.get("position") or 0)) if sortKey == "POSITION" else \
                (lambda v: v.record_id)
            rows = sorted(product_variants(ctx, pid), key=lambda v: (value_of(v), v.record_id))
            return paginate_rows(ctx, rows, sort.get(sortKey, SORT_ID), value_of, args, variant)
        return paginate(ctx, records(ctx, "variants").filter(parent_id=pid), sort.get(sortKey, SORT_ID), args,
                        variant)

    def price_range(info=None, **_):
        prices = [Decimal(v.data.get("price") or "0") for v in product_variants(ctx, pid)] or [Decimal(0)]
        return {"minVariantPrice": money_v2(min(prices), ctx.currency),
                "maxVariantPrice": money_v2(max(prices), ctx.currency)}

    def collections(info=None, **args):
        member_of = records(ctx, "collects").filter(group_id=pid).values("parent_id")
        return paginate(ctx, records(ctx, "collections").filter(record_id__in=member_of), SORT_ID, args, collection)

    def option_list(info=None, first=None, **_):
        used = {(o["name"], o["value"]) for v in product_variants(ctx, pid) for o in v.data.get("selectedOptions", [])}
        out = [{
            "id": gid("ProductOption", o["id"]), "name": o["name"], "position": o.get("position", i + 1),
            "values": [v["name"] for v in o["values"] if (o["name"], v["name"]) in used],
            "optionValues": [{"id": gid("ProductOptionValue", v["id"]), "name": v["name"],
                              "hasVariants": (o["name"], v["name"]) in used} for v in o["values"]],
        } for i, o in enumerate(options)]
        return out[:first] if first else out

    status = record.status or "ACTIVE"
    return {
        "__typename": "Product", "id": gid("Product", pid), "legacyResourceId": str(pid),
        "title": d.get("title", ""), "handle": record.lookup, "descriptionHtml": d.get("descriptionHtml") or "",
        "description": _description(d.get("descriptionHtml")), "vendor": d.get("vendor") or "",
        "productType": d.get("productType") or "", "status": status, "tags": d.get("tags") or [],
        "templateSuffix": d.get("templateSuffix"), "seo": d.get("seo") or {"title": None, "description": None},
        "createdAt": iso(record.date_created_gmt), "updatedAt": iso(record.date_modified_gmt),
        "publishedAt": d.get("publishedAt"),
        "onlineStoreUrl": f"https://{store_domain(ctx)}/products/{record.lookup}" if status == "ACTIVE" else None,
        "isGiftCard": bool(d.get("giftCard")), "requiresSellingPlan": bool(d.get("requiresSellingPlan")),
        "hasOnlyDefaultVariant": lambda info=None, **_: (
            len(options) == 1 and options[0]["name"] == "Title" and len(product_variants(ctx, pid)) <= 1),
        "hasOutOfStockVariants": lambda info=None, **_: any(_available(v) <= 0 for v in product_variants(ctx, pid)),
        "tracksInventory": lambda info=None, **_: any(
            (v.data.get("inventoryItem") or {}).get("tracked", True) for v in product_variants(ctx, pid)),
        "totalInventory": lambda info=None, **_: sum(_available(v) for v in product_variants(ctx, pid)),
        "options": option_list,
        "priceRangeV2": price_range,
        "variants": variants,
        "variantsCount": lambda info=None, **_: {"count": len(product_variants(ctx, pid)), "precision": "EXACT"},
        "media": lambda info=None, **args: paginate_list(ctx, media, args, media_image),
        "mediaCount": lambda info=None, **_: {"count": len(media), "precision": "EXACT"},
        "featuredMedia": media_image(media[0]) if media else None,
        "images": lambda info=None, **args: paginate_list(
            ctx, media, args, lambda m: image(m.get("url"), m.get("alt"), m.get("width"), m.get("height"),
                                              gid("ProductImage", m["id"]))),
        "featuredImage": image(media[0].get("url"), media[0].get("alt"), media[0].get("width"),
                               media[0].get("height"), gid("ProductImage", media[0]["id"])) if media else None,
        "collections": collections,
        "translations": translations_field(ctx, record, "PRODUCT"),
        **metafield_fields(ctx, pid),
    }


def inventory_levels(ctx: Ctx, variant_record: SandboxRecord) -> list[dict]:
    item_id = variant_record.group_id
    levels = variant_record.data.get("inventory") or {}
    out = []
    for loc in locations_all(ctx):
        quantities = levels.get(str(loc.record_id))
        if quantities is None:
            continue
        out.append(inventory_level(ctx, variant_record, loc, quantities, item_id))
    return out


def inventory_level(ctx: Ctx, variant_record, loc, quantities: dict, item_id: int) -> dict:
    def quantity_list(info=None, names=(), **_):
        values = {"available": int(quantities.get("available", 0)), "committed": int(quantities.get("committed", 0))}
        values["on_hand"] = int(quantities.get("on_hand", values["available"] + values["committed"]))
        return [{"id": gid("InventoryQuantity", f"{loc.record_id}?inventory_item_id={item_id}&name={name}"),
                 "name": name, "quantity": values.get(name, 0), "updatedAt": iso(variant_record.date_modified_gmt)}
                for name in names]

    return {
        "__typename": "InventoryLevel", "id": gid("InventoryLevel", f"{loc.record_id}?inventory_item_id={item_id}"),
        "location": location(ctx, loc), "item": lambda info=None, **_: inventory_item(ctx, variant_record),
        "quantities": quantity_list, "createdAt": iso(variant_record.date_created_gmt),
        "updatedAt": iso(variant_record.date_modified_gmt), "canDeactivate": True, "deactivationAlert": None,
    }


def inventory_item(ctx: Ctx, variant_record: SandboxRecord) -> dict:
    item = variant_record.data.get("inventoryItem") or {}
    item_id = variant_record.group_id
    weight = item.get("weight")

    def level(info=None, locationId=None, **_):
        loc_id = gid_id(locationId, "Location")
        return next((lvl for lvl in inventory_levels(ctx, variant_record)
                     if lvl["location"]["id"] == gid("Location", loc_id)), None)

    return {
        "__typename": "InventoryItem", "id": gid("InventoryItem", item_id), "legacyResourceId": str(item_id),
        "sku": variant_record.data.get("sku"), "tracked": item.get("tracked", True),
        "requiresShipping": item.get("requiresShipping", True),
        "unitCost": money_v2(item["cost"], ctx.currency) if item.get("cost") not in (None, "") else None,
        "countryCodeOfOrigin": item.get("countryCodeOfOrigin"),
        "provinceCodeOfOrigin": item.get("provinceCodeOfOrigin"),
        "harmonizedSystemCode": item.get("harmonizedSystemCode"),
        "measurement": {"id": gid("InventoryItemMeasurement", item_id), "weight": weight},
        "inventoryLevel": level,
        "inventoryLevels": lambda info=None, **args: paginate_list(ctx, inventory_levels(ctx, variant_record), args),
        "countryHarmonizedSystemCodes": lambda info=None, **args: paginate_list(
            ctx, list(item.get("countryHarmonizedSystemCodes") or []), args),
        "variant": lambda info=None, **_: variant(ctx, variant_record),
        "createdAt": iso(variant_record.date_created_gmt), "updatedAt": iso(variant_record.date_modified_gmt),
    }


def _sellable_online(ctx: Ctx, record: SandboxRecord) -> int:
    """Available units at the locations that fulfil online orders."""
    levels = record.data.get("inventory") or {}
    return sum(int(levels.get(str(loc.record_id), {}).get("available", 0) or 0) for loc in locations_all(ctx)
               if loc.data.get("fulfillsOnlineOrders", True) and loc.data.get("isActive", True))


def variant(ctx: Ctx, record: SandboxRecord) -> dict:
    d = record.data
    vid = record.record_id

    def parent():
        return record_get(ctx, "products", record.parent_id)

    def selected(info=None, **_):
        owner = parent()
        options = (owner.data.get("options") if owner else None) or []
        value_ids = {(o["name"], v["name"]): v["id"] for o in options for v in o["values"]}
        return [{"name": o["name"], "value": o["value"],
                 "optionValue": {"id": gid("ProductOptionValue", value_ids.get((o["name"], o["value"]), 0)),
                                 "name": o["value"], "hasVariants": True}}
                for o in d.get("selectedOptions") or []]

    def display_name(info=None, **_):
        owner = parent()
        return f"{owner.data.get('title', '') if owner else ''} - {d.get('title', '')}"

    available = _available(record)
    return {
        "__typename": "ProductVariant", "id": gid("ProductVariant", vid), "legacyResourceId": str(vid),
        "title": d.get("title") or "Default Title", "displayName": display_name, "sku": d.get("sku"),
        "barcode": d.get("barcode"), "price": money(d.get("price")),
        "compareAtPrice": money(d["compareAtPrice"]) if d.get("compareAtPrice") not in (None, "") else None,
        "position": d.get("position", 1), "taxable": d.get("taxable", True), "taxCode": d.get("taxCode"),
        "inventoryPolicy": d.get("inventoryPolicy", "DENY"), "inventoryQuantity": available,
        "requiresComponents": False,  # no bundles in the sandbox
        "sellableOnlineQuantity": lambda info=None, **_: _sellable_online(ctx, record),
        "availableForSale": available > 0 or d.get("inventoryPolicy") == "CONTINUE",
        "selectedOptions": selected, "inventoryItem": lambda info=None, **_: inventory_item(ctx, record),
        "product": lambda info=None, **_: product(ctx, parent()) if parent() else None,
        "image": lambda info=None, **_: _variant_image(ctx, record),
        "media": lambda info=None, **args: paginate_list(ctx, _variant_media(ctx, record), args, media_image),
        "createdAt": iso(record.date_created_gmt), "updatedAt": iso(record.date_modified_gmt),
        "translations": lambda info=None, **_: [],
        **metafield_fields(ctx, vid),
    }


def _variant_media(ctx: Ctx, record: SandboxRecord) -> list[dict]:
    owner = record_get(ctx, "products", record.parent_id)
    media = (owner.data.get("media") if owner else None) or []
    return [m for m in media if m["id"] == record.data.get("mediaId")]


def _variant_image(ctx: Ctx, record: SandboxRecord):
    found = _variant_media(ctx, record)
    if not found:
        return None
    m = found[0]
    return image(m.get("url"), m.get("alt"), m.get("width"), m.get("height"), gid("ProductImage", m["id"]))


# ---------------------------------------------------------------- collections


def collection(ctx: Ctx, record: SandboxRecord) -> dict:
    d = record.data
    cid = record.record_id
    members = records(ctx, "collects").filter(parent_id=cid)

    def products(info=None, sortKey="COLLECTION_DEFAULT", **args):
        if sortKey == "TITLE":
            sort = sort_text("title")
            qs = records(ctx, "products").filter(record_id__in=members.values("group_id"))
        else:
            return paginate(ctx, members, sort_json_int("position"), args,
                            lambda c, row: product(c, record_get(c, "products", row.group_id)))
        return paginate(ctx, qs, sort, args, product)

    return {
        "__typename": "Collection", "id": gid("Collection", cid), "legacyResourceId": str(cid),
        "title": d.get("title", ""), "handle": record.lookup, "descriptionHtml": d.get("descriptionHtml") or "",
        "description": _description(d.get("descriptionHtml")), "sortOrder": d.get("sortOrder") or "MANUAL",
        "templateSuffix": d.get("templateSuffix"),
        "image": image((d.get("image") or {}).get("src"), (d.get("image") or {}).get("altText")),
        "seo": d.get("seo") or {"title": None, "description": None}, "ruleSet": d.get("ruleSet"),
        "feedback": None,  # no sales channel app has left feedback on it
        "updatedAt": iso(record.date_modified_gmt), "products": products,
        "productsCount": lambda info=None, **_: {"count": members.count(), "precision": "EXACT"},
        "hasProduct": lambda info=None, id=None, **_: members.filter(group_id=gid_id(id, "Product")).exists(),
        "translations": translations_field(ctx, record, "COLLECTION"),
        **metafield_fields(ctx, cid),
    }


# ---------------------------------------------------------------- customers


def mailing_address(address: dict | None) -> dict | None:
    if not address:
        return None
    first, last = address.get("firstName"), address.get("lastName")
    name = " ".join(part for part in (first, last) if part) or None

    def formatted(info=None, withName=False, withCompany=True, **_):
        lines = []
        if withName and name:
            lines.append(name)
        if withCompany and address.get("company"):
            lines.append(address["company"])
        lines += [p for p in (address.get("address1"), address.get("address2")) if p]
        city_line = " ".join(p for p in (address.get("city"), address.get("provinceCode"), address.get("zip")) if p)
        if city_line:
            lines.append(city_line)
        if address.get("country"):
            lines.append(address["country"])
        return lines

    return {
        "__typename": "MailingAddress", "id": gid("MailingAddress", address.get("id", 0)),
        "address1": address.get("address1"), "address2": address.get("address2"), "city": address.get("city"),
        "company": address.get("company"), "country": address.get("country"),
        "countryCodeV2": address.get("countryCode"), "firstName": first, "lastName": last, "name": name,
        "phone": address.get("phone"), "province": address.get("province"),
        "provinceCode": address.get("provinceCode"), "zip": address.get("zip"), "formatted": formatted,
    }


def customer(ctx: Ctx, record: SandboxRecord) -> dict:
    d = record.data
    cid = record.record_id
    addresses = d.get("addresses") or []
    default = next((a for a in addresses if a.get("id") == d.get("defaultAddressId")),
                   addresses[0] if addresses else None)
    consent = d.get("emailMarketingConsent") or {"marketingState": "NOT_SUBSCRIBED",
                                                  "marketingOptInLevel": "SINGLE_OPT_IN", "consentUpdatedAt": None}
    orders_qs = records(ctx, "orders").filter(parent_id=cid)

    def amount_spent(info=None, **_):
        total = sum(Decimal(o.data.get("totals", {}).get("total", "0")) for o in orders_qs.only("data"))
        return money_v2(total, ctx.currency)

    def orders(info=None, sortKey="ID", query=None, **args):

        qs = search_filter(orders_qs, search_parse(query), ORDER_SEARCH, ctx)
        return paginate(ctx, qs, ORDER_SORTS.get(sortKey, SORT_ID), args, order)

    first, last = d.get("firstName"), d.get("lastName")
    email = d.get("email")
    return {
        "__typename": "Customer", "id": gid("Customer", cid), "legacyResourceId": str(cid),
        "firstName": first, "lastName": last,
        "displayName": " ".join(p for p in (first, last) if p) or email or d.get("phone") or "",
        "email": email, "phone": d.get("phone"),
        "defaultEmailAddress": {"emailAddress": email, "marketingState": consent["marketingState"],
                                "marketingOptInLevel": consent.get("marketingOptInLevel"),
                                "marketingUpdatedAt": consent.get("consentUpdatedAt")} if email else None,
        "defaultPhoneNumber": {"phoneNumber": d["phone"]} if d.get("phone") else None,
        "emailMarketingConsent": consent if email else None,
        "note": d.get("note"), "tags": d.get("tags") or [], "locale": d.get("locale") or ctx.store.default_language,
        "state": d.get("state", "DISABLED"), "verifiedEmail": d.get("verifiedEmail", True),
        "taxExempt": bool(d.get("taxExempt")),
        "numberOfOrders": lambda info=None, **_: str(orders_qs.count()), "amountSpent": amount_spent,
        "addresses": lambda info=None, first=None, **_: [mailing_address(a) for a in addresses[:first or None]],
        "addressesV2": lambda info=None, **args: paginate_list(ctx, addresses, args, mailing_address),
        "defaultAddress": mailing_address(default), "orders": orders,
        "createdAt": iso(record.date_created_gmt), "updatedAt": iso(record.date_modified_gmt),
        **metafield_fields(ctx, cid),
    }


# ---------------------------------------------------------------- orders


def _tax_lines(lines: list, currency: str) -> list[dict]:
    return [{"title": t.get("title", ""), "rate": float(t.get("rate") or 0),
             "ratePercentage": round(float(t.get("rate") or 0) * 100, 4),
             "channelLiable": t.get("channelLiable", False),
             "priceSet": money_bag(t.get("price", "0"), currency)} for t in lines or []]


def line_item(ctx: Ctx, d: dict, currency: str, fulfilled: dict) -> dict:
    quantity = int(d.get("quantity", 0))
    price = Decimal(d.get("price") or "0")
    discount = Decimal(d.get("discount") or "0")
    total = price * quantity
    return {
        "__typename": "LineItem", "id": gid("LineItem", d["id"]), "name": d.get("name") or d.get("title", ""),
        "title": d.get("title", ""), "quantity": quantity, "currentQuantity": quantity,
        "unfulfilledQuantity": max(0, quantity - fulfilled.get(d["id"], 0)), "sku": d.get("sku"),
        "vendor": d.get("vendor"), "variantTitle": d.get("variantTitle"),
        "requiresShipping": d.get("requiresShipping", True), "taxable": d.get("taxable", True),
        "isGiftCard": bool(d.get("giftCard")),
        "customAttributes": [{"key": p["name"], "value": p["value"]} for p in d.get("properties") or []],
        "originalUnitPriceSet": money_bag(price, currency),
        "discountedUnitPriceSet": money_bag((total - discount) / quantity if quantity else price, currency),
        "originalTotalSet": money_bag(total, currency), "discountedTotalSet": money_bag(total - discount, currency),
        "totalDiscountSet": money_bag(discount, currency),
        "taxLines": lambda info=None, first=None, **_: _tax_lines(d.get("taxLines"), currency)[:first or None],
        "product": lambda info=None, **_: _maybe(ctx, "products", d.get("productId"), product),
        "variant": lambda info=None, **_: _maybe(ctx, "variants", d.get("variantId"), variant),
    }


def _maybe(ctx: Ctx, resource: str, record_id, renderer):
    record = record_get(ctx, resource, record_id) if record_id else None
    return renderer(ctx, record) if record else None


def _fulfilled_quantities(d: dict) -> dict:
    done: dict = {}
    for fulfillment in d.get("fulfillments") or []:
        if fulfillment.get("status") == "SUCCESS":
            for item in fulfillment.get("lineItems") or []:
                done[item["lineItemId"]] = done.get(item["lineItemId"], 0) + int(item["quantity"])
    return done


def fulfillment(ctx: Ctx, order_record: SandboxRecord, f: dict) -> dict:
    currency = order_record.data.get("currencyCode", ctx.currency)
    lines = {li["id"]: li for li in order_record.data.get("lineItems") or []}
    fulfilled = _fulfilled_quantities(order_record.data)
    return {
        "__typename": "Fulfillment", "id": gid("Fulfillment", f["id"]), "legacyResourceId": str(f["id"]),
        "name": f.get("name", ""), "status": f.get("status", "SUCCESS"), "displayStatus": f.get("displayStatus"),
        "createdAt": f.get("createdAt"), "updatedAt": f.get("updatedAt") or f.get("createdAt"),
        "deliveredAt": f.get("deliveredAt"), "inTransitAt": f.get("inTransitAt"), "requiresShipping": True,
        "totalQuantity": sum(int(i["quantity"]) for i in f.get("lineItems") or []),
        "trackingInfo": lambda info=None, first=None, **_: (f.get("trackingInfo") or [])[:first or None],
        "fulfillmentLineItems": lambda info=None, **args: paginate_list(ctx, f.get("lineItems") or [], args, lambda i: {
            "__typename": "FulfillmentLineItem", "id": gid("FulfillmentLineItem", i["id"]), "quantity": i["quantity"],
            "lineItem": line_item(ctx, lines.get(i["lineItemId"], {"id": i["lineItemId"]}), currency, fulfilled)}),
        "location": lambda info=None, **_: _maybe(ctx, "locations", f.get("locationId"), location),
        "order": lambda info=None, **_: order(ctx, order_record),
    }


def fulfillment_order(ctx: Ctx, order_record: SandboxRecord) -> dict:
    d = order_record.data
    fo = d.get("fulfillmentOrder") or {}
    currency = d.get("currencyCode", ctx.currency)
    lines = {li["id"]: li for li in d.get("lineItems") or []}
    fulfilled = _fulfilled_quantities(d)
    loc = record_get(ctx, "locations", fo.get("locationId")) or primary_location(ctx)

    def fo_line(item: dict) -> dict:
        li = lines.get(item["lineItemId"], {"id": item["lineItemId"]})
        return {"__typename": "FulfillmentOrderLineItem", "id": gid("FulfillmentOrderLineItem", item["id"]),
                "sku": li.get("sku"), "productTitle": li.get("title", ""), "variantTitle": li.get("variantTitle"),
                "totalQuantity": item["totalQuantity"], "remainingQuantity": item["remainingQuantity"],
                "lineItem": line_item(ctx, li, currency, fulfilled)}

    return {
        "__typename": "FulfillmentOrder", "id": gid("FulfillmentOrder", order_record.group_id),
        "status": fo.get("status", "OPEN"), "orderId": gid("Order", order_record.record_id),
        "orderName": d.get("name", ""), "createdAt": iso(order_record.date_created_gmt),
        "updatedAt": iso(order_record.date_modified_gmt),
        "assignedLocation": {"name": loc.data["name"], "location": location(ctx, loc)},
        "lineItems": lambda info=None, **args: paginate_list(ctx, fo.get("lineItems") or [], args, fo_line),
        "order": lambda info=None, **_: order(ctx, order_record),
    }


def order(ctx: Ctx, record: SandboxRecord) -> dict:
    d = record.data
    oid = record.record_id
    currency = d.get("currencyCode") or ctx.currency
    presentment = d.get("presentmentCurrencyCode") or currency
    totals = d.get("totals") or {}
    fulfilled = _fulfilled_quantities(d)

    def bag(key):
        return money_bag(totals.get(key, "0"), currency, presentment)

    def shipping_line(s: dict) -> dict:
        price = Decimal(s.get("price") or "0")
        return {"id": gid("ShippingLine", s["id"]), "title": s.get("title", ""), "code": s.get("code"),
                "source": s.get("source"), "carrierIdentifier": None,
                "originalPriceSet": money_bag(price, currency, presentment),
                "discountedPriceSet": money_bag(price, currency, presentment),
                "taxLines": _tax_lines(s.get("taxLines"), currency)}

    def discount_application(index_app) -> dict:
        index, app = index_app
        value = ({"__typename": "PricingPercentageValue", "percentage": app["percentage"]}
                 if app.get("percentage") is not None else {"__typename": "MoneyV2", **money_v2(app.get("amount", 0),
                                                                                              currency)})
        return {"__typename": "DiscountCodeApplication", "code": app.get("code", ""), "index": index,
                "allocationMethod": app.get("allocationMethod", "ACROSS"),
                "targetSelection": app.get("targetSelection", "ALL"), "targetType": app.get("targetType", "LINE_ITEM"),
                "value": value}

    def transactions(info=None, first=None, **_):
        return [{"__typename": "OrderTransaction", "id": gid("OrderTransaction", t["id"]),
                 "kind": t.get("kind", "SALE"),
                 "status": t.get("status", "SUCCESS"), "gateway": t.get("gateway"),
                 "formattedGateway": (t.get("gateway") or "").replace("_", " ").title() or None,
                 "amountSet": money_bag(t.get("amount", "0"), currency, presentment),
                 "authorizationCode": t.get("authorizationCode"), "processedAt": t.get("processedAt"),
                 "createdAt": t.get("processedAt") or iso(record.date_created_gmt), "test": bool(t.get("test"))}
                for t in (d.get("transactions") or [])[:first or None]]

    shipping = d.get("shippingLines") or []
    codes = d.get("discountCodes") or []
    return {
        "__typename": "Order", "id": gid("Order", oid), "legacyResourceId": str(oid), "name": record.lookup,
        "email": d.get("email"), "phone": d.get("phone"), "note": d.get("note"), "tags": d.get("tags") or [],
        "poNumber": d.get("poNumber"), "test": bool(d.get("test")), "confirmed": True,
        "closed": bool(d.get("closedAt")), "closedAt": d.get("closedAt"), "cancelledAt": d.get("cancelledAt"),
        "cancelReason": d.get("cancelReason"), "createdAt": iso(record.date_created_gmt),
        "updatedAt": iso(record.date_modified_gmt), "processedAt": d.get("processedAt") or iso(record.date_created_gmt),
        "currencyCode": currency, "presentmentCurrencyCode": presentment, "taxesIncluded": bool(d.get("taxesIncluded")),
        "displayFinancialStatus": d.get("financialStatus"),
        "displayFulfillmentStatus": d.get("fulfillmentStatus") or "UNFULFILLED",
        "fullyPaid": d.get("financialStatus") in ("PAID", "PARTIALLY_REFUNDED", "REFUNDED"),
        "sourceName": d.get("sourceName"), "sourceIdentifier": d.get("sourceIdentifier"),
        "customAttributes": d.get("customAttributes") or [],
        "customer": lambda info=None, **_: _maybe(ctx, "customers", record.parent_id, customer),
        "billingAddress": mailing_address(d.get("billingAddress")),
        "shippingAddress": mailing_address(d.get("shippingAddress")),
        "discountCode": codes[0] if codes else None, "discountCodes": codes,
        "subtotalPriceSet": bag("subtotal"), "totalPriceSet": bag("total"), "currentTotalPriceSet": bag("total"),
        "totalTaxSet": bag("tax"), "totalDiscountsSet": bag("discounts"), "totalShippingPriceSet": bag("shipping"),
        "totalRefundedSet": bag("refunded"), "totalWeight": str(d.get("totalWeight", 0)),
        "taxLines": _tax_lines(d.get("taxLines"), currency),
        "lineItems": lambda info=None, **args: paginate_list(
            ctx, d.get("lineItems") or [], args, lambda li: line_item(ctx, li, currency, fulfilled)),
        "shippingLines": lambda info=None, **args: paginate_list(ctx, shipping, args, shipping_line),
        "shippingLine": shipping_line(shipping[0]) if shipping else None,
        "discountApplications": lambda info=None, **args: paginate_list(
            ctx, list(enumerate(d.get("discountApplications") or [])), args, discount_application),
        "transactions": transactions,
        **refunds.order_fields(ctx, record),  # full OrderTransaction objects and Order.refunds
        "fulfillments": lambda info=None, first=None, **_: [
            fulfillment(ctx, record, f) for f in (d.get("fulfillments") or [])[:first or None]],
        "fulfillmentOrders": lambda info=None, **args: paginate_list(
            ctx, [record] if d.get("fulfillmentOrder") else [], args, lambda r: fulfillment_order(ctx, r)),
        **metafield_fields(ctx, oid),
    }


# ---------------------------------------------------------------- content, discounts, redirects


def page(ctx: Ctx, record: SandboxRecord) -> dict:
    d = record.data
    return {
        "__typename": "Page", "id": gid("Page", record.record_id), "title": d.get("title", ""),
        "handle": record.lookup, "body": d.get("body") or "", "bodySummary": _description(d.get("body"))()[:150],
        "isPublished": bool(d.get("isPublished")), "publishedAt": d.get("publishedAt"),
        "templateSuffix": d.get("templateSuffix"), "createdAt": iso(record.date_created_gmt),
        "updatedAt": iso(record.date_modified_gmt),
        "translations": translations_field(ctx, record, "ONLINE_STORE_PAGE"),
        **metafield_fields(ctx, record.record_id),
    }


def blog(ctx: Ctx, record: SandboxRecord) -> dict:

    d = record.data
    bid = record.record_id

    def articles(info=None, sortKey="ID", query=None, **args):
        qs = search_filter(records(ctx, "articles").filter(parent_id=bid), search_parse(query), ARTICLE_SEARCH, ctx)
        return paginate(ctx, qs, ARTICLE_SORTS.get(sortKey, SORT_ID), args, article)

    return {
        "__typename": "Blog", "id": gid("Blog", bid), "title": d.get("title", ""), "handle": record.lookup,
        "commentPolicy": d.get("commentPolicy") or "MODERATED", "templateSuffix": d.get("templateSuffix"),
        "createdAt": iso(record.date_created_gmt), "updatedAt": iso(record.date_modified_gmt),
        "articles": articles,
        "articlesCount": lambda info=None, **_: count_result(records(ctx, "articles").filter(parent_id=bid), None),
        "translations": translations_field(ctx, record, "ONLINE_STORE_BLOG"),
        **metafield_fields(ctx, bid),
    }


def article(ctx: Ctx, record: SandboxRecord) -> dict:
    d = record.data
    img = d.get("image") or {}
    return {
        "__typename": "Article", "id": gid("Article", record.record_id), "title": d.get("title", ""),
        "handle": record.lookup, "body": d.get("body") or "", "summary": d.get("summary"),
        "author": {"name": (d.get("author") or {}).get("name") or ""}, "tags": d.get("tags") or [],
        "image": image(img.get("url"), img.get("altText")), "isPublished": bool(d.get("isPublished")),
        "publishedAt": d.get("publishedAt"), "templateSuffix": d.get("templateSuffix"),
        "blog": lambda info=None, **_: _maybe(ctx, "blogs", record.parent_id, blog),
        "createdAt": iso(record.date_created_gmt), "updatedAt": iso(record.date_modified_gmt),
        "translations": translations_field(ctx, record, "ONLINE_STORE_ARTICLE"),
        **metafield_fields(ctx, record.record_id),
    }


def _by_ids(ctx: Ctx, resource: str, ids: list, renderer):
    """A connection over the records of `resource` with these ids (deleted ones drop out), by id."""
    return lambda info=None, **args: paginate(ctx, records(ctx, resource).filter(record_id__in=ids or []),
                                              SORT_ID, args, renderer)


def discount_items(ctx: Ctx, items: dict | None) -> tuple[dict, str]:
    """The `DiscountItems` union member for stored items, and the summary's "off ..." target."""
    items = items or {"all": True}
    if items.get("collections"):
        count = len(items["collections"])
        return ({"__typename": "DiscountCollections",
                 "collections": _by_ids(ctx, "collections", items["collections"], collection)},
                f"{count} collection{'s' if count != 1 else ''}")
    if items.get("products") or items.get("variants"):
        count = len(items.get("products") or []) + len(items.get("variants") or [])
        return ({"__typename": "DiscountProducts",
                 "products": _by_ids(ctx, "products", items.get("products"), product),
                 "productVariants": _by_ids(ctx, "variants", items.get("variants"), variant)},
                f"{count} product{'s' if count != 1 else ''}")
    return {"__typename": "AllDiscountItems", "allItems": True}, "entire order"


def discount_node(ctx: Ctx, record: SandboxRecord) -> dict:
    d = record.data
    value = d.get("value") or {}
    gets_items, target = discount_items(ctx, d.get("items"))
    if d.get("kind") == "free_shipping":
        summary = "Free shipping on all products"
    elif value.get("percentage") is not None:
        gets_value = {"__typename": "DiscountPercentage", "percentage": float(value["percentage"])}
        summary = f"{round(float(value['percentage']) * 100, 2):g}% off {target}"
    else:
        gets_value = {"__typename": "DiscountAmount", "amount": money_v2(value.get("amount", 0), ctx.currency),
                      "appliesOnEachItem": bool(value.get("appliesOnEachItem"))}
        summary = f"{money(value.get('amount', 0))} {ctx.currency} off {target}"
    minimum = d.get("minimumRequirement") or {}
    if minimum.get("quantity"):
        requirement = {"__typename": "DiscountMinimumQuantity",
                       "greaterThanOrEqualToQuantity": str(minimum["quantity"])}
    elif minimum.get("subtotal"):
        requirement = {"__typename": "DiscountMinimumSubtotal",
                       "greaterThanOrEqualToSubtotal": money_v2(minimum["subtotal"], ctx.currency)}
    else:
        requirement = None
    now = iso(ctx.now)
    if d.get("endsAt") and d["endsAt"] < now:
        status = "EXPIRED"
    elif d.get("startsAt") and d["startsAt"] > now:
        status = "SCHEDULED"
    else:
        status = "ACTIVE"
    code = {"id": gid("DiscountRedeemCode", d.get("codeId", record.record_id)), "code": d.get("code", ""),
            "asyncUsageCount": int(d.get("asyncUsageCount", 0))}
    common = {
        "title": d.get("title", ""), "status": status, "summary": summary,
        "startsAt": d.get("startsAt") or iso(record.date_created_gmt), "endsAt": d.get("endsAt"),
        "createdAt": iso(record.date_created_gmt), "updatedAt": iso(record.date_modified_gmt),
        "usageLimit": d.get("usageLimit"), "appliesOncePerCustomer": bool(d.get("appliesOncePerCustomer")),
        "asyncUsageCount": int(d.get("asyncUsageCount", 0)),
        "codes": lambda info=None, **args: paginate_list(ctx, [code], args),
        "codesCount": {"count": 1, "precision": "EXACT"},
        "minimumRequirement": requirement,
        "combinesWith": {"orderDiscounts": False, "productDiscounts": False, "shippingDiscounts": False,
                         **(d.get("combinesWith") or {})},
    }
    if d.get("kind") == "free_shipping":
        countries = d.get("countries") or []
        discount = {
            **common, "__typename": "DiscountCodeFreeShipping",
            "destinationSelection": {"__typename": "DiscountCountries", "countries": countries,
                                     "includeRestOfWorld": False} if countries else
            {"__typename": "DiscountCountryAll", "allCountries": True},
            "maximumShippingPrice": money_v2(d["maximumShippingPrice"], ctx.currency)
            if d.get("maximumShippingPrice") is not None else None,
            "appliesOnOneTimePurchase": True, "appliesOnSubscription": False}
    else:
        discount = {**common, "__typename": "DiscountCodeBasic",
                    "customerGets": {"value": gets_value, "items": gets_items,
                                     "appliesOnOneTimePurchase": True, "appliesOnSubscription": False}}
    return {"__typename": "DiscountCodeNode", "id": gid("DiscountCodeNode", record.record_id),
            "codeDiscount": discount, **metafield_fields(ctx, record.record_id)}


def url_redirect(ctx: Ctx, record: SandboxRecord) -> dict:
    return {"__typename": "UrlRedirect", "id": gid("UrlRedirect", record.record_id), "path": record.lookup,
            "target": record.data.get("target", "")}


def bulk_operation(ctx: Ctx, record: SandboxRecord, *, status: str | None = None) -> dict:
    """A BulkOperation as it stands; a read (no `status` given) first runs its next slice (bulk_run)."""
    if status is None:
        record = bulk_run.advance(ctx, record)
    d = record.data
    status = status or record.status
    started = status != "CREATED"
    ended = status in ("COMPLETED", "FAILED", "CANCELED", "EXPIRED")
    key = d.get("resultKey")
    has_data = bool(key) and int(d.get("objectCount") or 0) > 0
    return {
        "__typename": "BulkOperation", "id": gid("BulkOperation", record.record_id), "type": record.lookup,
        "status": status, "errorCode": d.get("errorCode") if status == "FAILED" else None,
        "createdAt": iso(record.date_created_gmt), "completedAt": d.get("completedAt") if ended else None,
        "objectCount": str(d.get("objectCount", 0) if started else 0),
        "rootObjectCount": str(d.get("rootObjectCount", 0) if started else 0),
        "fileSize": str(d["fileSize"]) if status == "COMPLETED" and d.get("fileSize") else None,
        "url": bulk_run.signed_url(ctx, key, record.record_id) if status == "COMPLETED" and has_data else None,
        # "If an operation fails but retrieves partial data, then the partialDataUrl field provides access"
        "partialDataUrl": bulk_run.signed_url(ctx, key, record.record_id) if status == "FAILED" and has_data
        else None,
        "query": d.get("query", ""),
    }


RENDERERS = {
    "products": product, "variants": variant, "collections": collection, "customers": customer, "orders": order,
    "pages": page, "blogs": blog, "articles": article, "discounts": discount_node, "url_redirects": url_redirect,
    "locations": location, "metafields": metafield, "bulk_operations": bulk_operation,
}
NODE_RESOURCES = {
    "Product": "products", "ProductVariant": "variants", "Collection": "collections", "Customer": "customers",
    "Order": "orders", "Page": "pages", "Blog": "blogs", "Article": "articles", "DiscountCodeNode": "discounts",
    "UrlRedirect": "url_redirects", "Location": "locations", "Metafield": "metafields",
    "BulkOperation": "bulk_operations",
}


def node_render(ctx: Ctx, value) -> dict | None:
    """Any `Node` by its GID, or None (unknown type, other store, deleted)."""

    parsed = parse_gid(value)
    if parsed is None:
        return None
    type_name, record_id = parsed
    if type_name == "Shop":
        return shop(ctx) if record_id == ctx.store.settings.get("shop_id") else None
    if type_name == "InventoryItem":
        row = records(ctx, "variants").filter(group_id=record_id).first()
        return inventory_item(ctx, row) if row else None
    if type_name == "FulfillmentOrder":
        row = records(ctx, "orders").filter(group_id=record_id).first()
        return fulfillment_order(ctx, row) if row else None
    if type_name == "Fulfillment":
        row = order_of_fulfillment(ctx, record_id)
        if row is None:
            return None
        found = next((f for f in row.data.get("fulfillments") or [] if f["id"] == record_id), None)
        return fulfillment(ctx, row, found) if found else None
    resource = NODE_RESOURCES.get(type_name)
    if resource is None:
        return None
    record = record_get(ctx, resource, record_id)
    return RENDERERS[resource](ctx, record) if can_read(ctx, resource, record) else None


def order_of_fulfillment(ctx: Ctx, fulfillment_id: int) -> SandboxRecord | None:
    """The order record holding the fulfillment with this id."""
    if _json_contains_supported():
        return records(ctx, "orders").filter(data__fulfillments__contains=[{"id": fulfillment_id}]).first()
    return _scan_fulfillment(ctx, fulfillment_id)


def _json_contains_supported() -> bool:
    return connection.vendor == "postgresql"


def _scan_fulfillment(ctx: Ctx, fulfillment_id: int):
    for row in records(ctx, "orders").iterator():
        if any(f["id"] == fulfillment_id for f in row.data.get("fulfillments") or []):
            return row
    return None


def metafield_definition(ctx: Ctx, record: SandboxRecord) -> dict:
    d = record.data
    return {"__typename": "MetafieldDefinition", "id": gid("MetafieldDefinition", record.record_id),
            "name": d["name"], "namespace": d["namespace"], "key": d["key"], "description": d.get("description"),
            "ownerType": d["ownerType"], "type": {"name": d["type"]},
            "capabilities": {"uniqueValues": {"enabled": bool(d.get("uniqueValues"))}}}
