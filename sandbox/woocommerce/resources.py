"""The WooCommerce resources as data: field sets with WooCommerce's defaults, derived fields, references
and the per-resource quirks, plugged into the generic CRUD of crud.py.

Field sets follow the wc/v3 schemas (woocommerce/woocommerce-rest-api-docs, source/includes/wp-api-v3/).
"""
import hashlib
import secrets
from dataclasses import replace
from decimal import Decimal, InvalidOperation

from django.db.models import Q
from django.utils.text import slugify

from ..models import SandboxRecord, SandboxStore
from ..records import ids_allocate
from .crud import (
    Ctx,
    ResourceSpec,
    Scope,
    base_queryset,
    json_list_contains,
    param_bool,
    record_get,
)
from .errors import WooError, invalid_param
from .refunds import order_refund_remaining, refunds_spec
from .taxes import tax_defaults, tax_prepare

WC_VERSION = "9.6.0"  # brands (products/brands) are core since 9.6
CURRENCY_SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "CAD": "$", "AUD": "$", "JPY": "¥", "CHF": "CHF"}
ADDRESS_FIELDS = (
    "first_name", "last_name", "company", "address_1", "address_2", "city", "state", "postcode", "country",
)
POSTS_ORDERBY = {
    "date": "date_created_gmt", "id": "record_id", "include": "record_id", "title": "data__name",
    "slug": "data__slug", "modified": "date_modified_gmt",
}
TERMS_ORDERBY = {
    "id": "record_id", "include": "record_id", "name": "data__name", "slug": "lookup",
    "term_group": "record_id", "description": "data__description", "count": "data__count",
}
ORDER_STATUSES = (
    "pending", "processing", "on-hold", "completed", "cancelled", "refunded", "failed", "checkout-draft", "trash",
)


# ---------------------------------------------------------------- small helpers


def money(value, field_name: str = "amount") -> str:
    """Money is a decimal string with 2 places, as WooCommerce formats order and line totals."""
    try:
        return f"{Decimal(str(value or 0)):.2f}"
    except InvalidOperation:
        raise invalid_param(field_name, f"{field_name} is not of type string.") from None


def price_string(value) -> str:
    """Product prices keep what was written ("" when unset), normalised to a string."""
    if value in (None, ""):
        return ""
    try:
        Decimal(str(value))
    except InvalidOperation:
        return ""
    return str(value)


def address(with_contact: bool) -> dict:
    out = dict.fromkeys(ADDRESS_FIELDS, "")
    if with_contact:
        out["email"] = ""
    out["phone"] = ""
    return out


def image_normalize(ctx: Ctx, image: dict, image_id: int | None = None) -> dict:
    created = ctx.now.strftime("%Y-%m-%dT%H:%M:%S")
    src = image.get("src") or ""
    name = image.get("name") or src.rstrip("/").rsplit("/", 1)[-1]
    return {
        "id": image.get("id") or image_id or 0,
        "date_created": image.get("date_created") or created,
        "date_created_gmt": image.get("date_created_gmt") or created,
        "date_modified": created, "date_modified_gmt": created,
        "src": src, "name": name, "alt": image.get("alt") or "",
    }


def images_normalize(ctx: Ctx, images) -> list[dict]:
    if not isinstance(images, list):
        return []
    images = [i for i in images if isinstance(i, dict)]
    fresh = ids_allocate(ctx.store, "posts", sum(1 for i in images if not i.get("id")))
    out = []
    for image in images:
        out.append(image_normalize(ctx, image, None if image.get("id") else fresh.pop(0)))
    return out


def lock_store(ctx: Ctx) -> None:
    """Serialise writes that check a natural key for uniqueness (email, sku, code, slug).

    FOR NO KEY UPDATE, not FOR UPDATE: writers still queue on it, but the foreign-key checks of other
    transactions' new records (KEY SHARE on the store row, at their commit) do not wait for it. With FOR
    UPDATE, a writer holding it while waiting for an id sequence held by an order being committed, whose
    key check waited for the store row, deadlocked (seen as a 500 on orders/batch)."""
    SandboxStore.objects.select_for_update(no_key=True).filter(pk=ctx.store.pk).first()


def lookup_conflict(ctx: Ctx, resources, value: str, record: SandboxRecord, *, lang=None, parent_id=False):
    """Another record of `resources` with this natural key (in `lang`, under `parent_id` if given)."""
    if not value:
        return None
    qs = SandboxRecord.objects.filter(store=ctx.store, resource__in=resources, lookup=value)
    if lang is not None:
        qs = qs.filter(lang=lang)
    if parent_id is not False:
        qs = qs.filter(parent_id=parent_id)
    if record.pk:
        qs = qs.exclude(pk=record.pk)
    return qs.first()


def unique_slug(ctx: Ctx, resource: str, base: str, record: SandboxRecord, parent_id=False) -> str:
    slug, n = base, 2
    while lookup_conflict(ctx, [resource], slug, record, lang=record.lang, parent_id=parent_id):
        slug, n = f"{base}-{n}", n + 1
    return slug


def translation_link(ctx: Ctx, spec: ResourceSpec, record: SandboxRecord, extras: dict) -> None:
    """WPML: `lang` picks the record's language; `translation_of` (id of the original) puts it in the
    original's translation group. VERIFY: WPML's REST contract for translation_of."""
    lang = extras.get("lang")
    if lang:
        if lang not in ctx.store.languages:
            raise invalid_param("lang", f"lang is not one of {', '.join(ctx.store.languages)}.")
        record.lang = lang
    if extras.get("translation_of"):
        original = record_get(ctx, spec, extras["translation_of"])
        record.group_id = original.group_id or original.record_id


def terms_resolve(ctx: Ctx, resource: str, refs) -> list[dict]:
    """Product categories/tags/brands are written as [{id}] and answered as [{id, name, slug}]."""
    if not isinstance(refs, list):
        return []
    ids = [int(r["id"]) for r in refs if isinstance(r, dict) and str(r.get("id", "")).isdigit()]
    known = {
        rid: (data.get("name", ""), data.get("slug", ""))
        for rid, data in base_queryset(ctx, resource).filter(record_id__in=ids).values_list("record_id", "data")
    }
    return [{"id": rid, "name": known[rid][0], "slug": known[rid][1]} for rid in ids if rid in known]


# ---------------------------------------------------------------- products and variations


def _stock_fields() -> dict:
    return {
        "sku": "", "price": "", "regular_price": "", "sale_price": "",
        "date_on_sale_from": None, "date_on_sale_from_gmt": None, "date_on_sale_to": None,
        "date_on_sale_to_gmt": None, "on_sale": False, "purchasable": False, "virtual": False,
        "downloadable": False, "downloads": [], "download_limit": -1, "download_expiry": -1,
        "tax_status": "taxable", "tax_class": "", "manage_stock": False, "stock_quantity": None,
        "stock_status": "instock", "backorders": "no", "backorders_allowed": False, "backordered": False,
        "low_stock_amount": None, "weight": "", "dimensions": {"length": "", "width": "", "height": ""},
        "shipping_class": "", "shipping_class_id": 0, "menu_order": 0, "meta_data": [],
    }


def product_defaults(ctx: Ctx | None = None) -> dict:
    return {
        "name": "", "slug": "", "permalink": "", "type": "simple", "status": "publish", "featured": False,
        "catalog_visibility": "visible", "description": "", "short_description": "", **_stock_fields(),
        "price_html": "", "total_sales": 0, "external_url": "", "button_text": "", "sold_individually": False,
        "shipping_required": True, "shipping_taxable": True, "reviews_allowed": True, "average_rating": "0.00",
        "rating_count": 0, "related_ids": [], "upsell_ids": [], "cross_sell_ids": [], "parent_id": 0,
        "purchase_note": "", "categories": [], "tags": [], "brands": [], "images": [], "attributes": [],
        "default_attributes": [], "variations": [], "grouped_products": [],
    }


def variation_defaults(ctx: Ctx | None = None) -> dict:
    return {
        "name": "", "type": "variation", "parent_id": 0, "description": "", "permalink": "",
        "status": "publish", **_stock_fields(), "image": None, "attributes": [],
    }


STOCK_READ_ONLY = frozenset({
    "permalink", "price", "price_html", "on_sale", "purchasable", "total_sales", "backorders_allowed",
    "backordered", "shipping_required", "shipping_taxable", "shipping_class_id", "average_rating",
    "rating_count", "related_ids", "variations", "type_label",
})


def stock_derive(data: dict) -> dict:
    """Derived product/variation fields: price from sale/regular price, stock status from quantity."""
    for key in ("regular_price", "sale_price"):
        data[key] = price_string(data.get(key))
    if data.get("type") != "variable":
        data["price"] = data["sale_price"] or data["regular_price"]
        data["on_sale"] = bool(data["sale_price"]) and data["sale_price"] != data["regular_price"]
        data["price_html"] = (
            f'<span class="woocommerce-Price-amount amount">{data["price"]}</span>' if data["price"] else ""
        )
    data["purchasable"] = data.get("price", "") != ""
    data["backorders_allowed"] = data.get("backorders", "no") != "no"
    if data.get("manage_stock"):
        quantity = int(data.get("stock_quantity") or 0)
        data["stock_quantity"] = quantity
        if quantity > 0:
            data["stock_status"] = "instock"
        else:
            data["stock_status"] = "onbackorder" if data["backorders_allowed"] else "outofstock"
        data["backordered"] = quantity < 0
    else:
        data["stock_quantity"] = None
    for key in ("date_on_sale_from", "date_on_sale_to"):
        data[f"{key}_gmt"] = data.get(key)
    return data


def _sku_check(ctx: Ctx, record: SandboxRecord) -> None:
    """SKUs are unique over products and variations (wc_product_has_unique_sku), per WPML language."""
    sku = record.data.get("sku") or ""
    if sku:
        lock_store(ctx)
        clash = lookup_conflict(ctx, ["products", "variations"], sku, record, lang=record.lang)
        if clash:
            raise WooError(
                "product_invalid_sku", "Invalid or duplicated SKU.", 400,
                resource_id=clash.record_id, unique_sku=sku,
            )


def _attributes_resolve(ctx: Ctx, attributes) -> list[dict]:
    if not isinstance(attributes, list):
        return []
    names = {
        rid: name
        for rid, name in base_queryset(ctx, "attributes").values_list("record_id", "data__name")
    }
    out = []
    for position, attr in enumerate(a for a in attributes if isinstance(a, dict)):
        attr_id = int(attr.get("id") or 0)
        item = {"id": attr_id, "name": attr.get("name") or names.get(attr_id, "")}
        if "option" in attr:  # variation attribute
            item["option"] = str(attr.get("option") or "")
        else:
            item.update(
                position=attr.get("position", position), visible=bool(attr.get("visible", True)),
                variation=bool(attr.get("variation", False)),
                options=[str(o) for o in attr.get("options") or []],
            )
        out.append(item)
    return out


def product_permalink(site_url: str, slug: str, lang: str, default_lang: str) -> str:
    prefix = "" if not lang or lang == default_lang else f"/{lang}"
    return f"{site_url}{prefix}/product/{slug}/"


def product_prepare(ctx: Ctx, spec: ResourceSpec, record: SandboxRecord, extras: dict, created: bool) -> None:
    data = record.data
    translation_link(ctx, spec, record, extras)
    if data.get("type") not in ("simple", "variable", "grouped", "external"):
        raise invalid_param("type", "type is not one of simple, grouped, external, variable.")
    previous = extras.get("_previous") or {}
    base = slugify(data.get("slug") or data.get("name") or "") or ("product" if created else "")
    if base and (created or base != previous.get("slug")):
        lock_store(ctx)
        data["slug"] = unique_slug(ctx, "products", base, record)
    _sku_check(ctx, record)
    for key, resource in (("categories", "categories"), ("tags", "tags"), ("brands", "brands")):
        if any(isinstance(t, dict) and "name" not in t for t in data.get(key) or []):
            data[key] = terms_resolve(ctx, resource, data[key])
    if any(not i.get("date_created") for i in data.get("images") or [] if isinstance(i, dict)):
        data["images"] = images_normalize(ctx, data["images"])
    if any(isinstance(a, dict) and "position" not in a for a in data.get("attributes") or []):
        data["attributes"] = _attributes_resolve(ctx, data["attributes"])
    stock_derive(data)


def product_render(ctx: Ctx, record: SandboxRecord, out: dict) -> None:
    out["permalink"] = product_permalink(
        ctx.site_url, out.get("slug", ""), record.lang, ctx.store.default_language
    )


def links_render(ctx: Ctx, record: SandboxRecord, out: dict) -> None:
    """Links are stored relative to the site (a store is reachable under several host names)."""
    for key in ("permalink", "product_permalink"):
        if isinstance(out.get(key), str) and out[key].startswith("/"):
            out[key] = ctx.site_url + out[key]


def product_after_delete(ctx: Ctx, spec: ResourceSpec, record: SandboxRecord) -> None:
    base_queryset(ctx, "variations").filter(parent_id=record.record_id).delete()


def variation_prepare(ctx: Ctx, spec: ResourceSpec, record: SandboxRecord, extras: dict, created: bool) -> None:
    data = record.data
    parent = base_queryset(ctx, "products").filter(record_id=record.parent_id).first()
    record.lang = parent.lang if parent else ""
    data["parent_id"] = record.parent_id
    _sku_check(ctx, record)
    if isinstance(data.get("image"), dict) and not data["image"].get("date_created"):
        data["image"] = images_normalize(ctx, [data["image"]])[0]
    if any(isinstance(a, dict) and not a.get("name") for a in data.get("attributes") or []):
        data["attributes"] = _attributes_resolve(ctx, data["attributes"])
    parent_name = parent.data.get("name", "") if parent else ""
    options = ", ".join(a.get("option", "") for a in data.get("attributes") or [] if a.get("option"))
    data["name"] = f"{parent_name} - {options}" if options else parent_name
    if parent:
        data["permalink"] = product_permalink("", parent.data.get("slug", ""), parent.lang, ctx.store.default_language)
    stock_derive(data)


def variations_sync(ctx: Ctx, spec: ResourceSpec, record: SandboxRecord, created: bool = False) -> None:
    """A variation write updates its parent's `variations` ids and price, and bumps its modified date."""
    parent = base_queryset(ctx, "products").select_for_update().filter(record_id=record.parent_id).first()
    if parent is None:
        return
    rows = list(
        base_queryset(ctx, "variations").filter(parent_id=parent.record_id)
        .order_by("record_id").values_list("record_id", "data__price")
    )
    data = dict(parent.data)
    data["variations"] = [rid for rid, _ in rows]
    prices = sorted(Decimal(p) for _, p in rows if p not in (None, ""))
    if data.get("type") == "variable":
        data["price"] = str(prices[0]) if prices else ""
        stock_derive(data)
    parent.data = data
    parent.date_modified_gmt = ctx.now
    parent.save(update_fields=["data", "date_modified_gmt"])


def variations_sync_deleted(ctx: Ctx, spec: ResourceSpec, record: SandboxRecord) -> None:
    variations_sync(ctx, spec, record)


def sku_filter(qs, raw, ctx):
    return qs.filter(lookup__in=[s.strip() for s in str(raw).split(",") if s.strip()])


def data_filter(key: str, cast=str):
    def apply(qs, raw, ctx):
        return qs.filter(**{f"data__{key}": cast(raw)})

    return apply


def contains_filter(key: str, item_key: str):
    def apply(qs, raw, ctx):
        try:
            return json_list_contains(qs, key, {item_key: int(raw)})
        except ValueError:
            raise invalid_param(item_key, f"{item_key} is not of type integer.", "rest_invalid_type") from None

    return apply


def parent_filter(qs, raw, ctx):
    ids = [int(p) for p in str(raw).split(",") if p.strip().lstrip("-").isdigit()]
    return qs.filter(parent_id__in=ids)


def bool_filter(key: str):
    def apply(qs, raw, ctx):
        return qs.filter(**{f"data__{key}": param_bool(raw)})

    return apply


STOCK_FILTERS = {"sku": sku_filter, "stock_status": data_filter("stock_status")}
PRODUCT_FILTERS = {
    **STOCK_FILTERS,
    "slug": data_filter("slug"),  # a product's `lookup` column is its SKU
    "type": data_filter("type"),
    "featured": bool_filter("featured"),
    "on_sale": bool_filter("on_sale"),
    "category": contains_filter("categories", "id"),
    "tag": contains_filter("tags", "id"),
    "brand": contains_filter("brands", "id"),
    "parent": lambda qs, raw, ctx: qs.filter(data__parent_id__in=[int(p) for p in str(raw).split(",")]),
}


def text_search(*keys: str):
    def build(term: str) -> Q:
        q = Q()
        for key in keys:
            q |= Q(**{f"data__{key}__icontains": term})
        return q

    return build


# ---------------------------------------------------------------- orders


def order_defaults(ctx: Ctx) -> dict:
    currency = ctx.store.settings.get("currency", "USD")
    return {
        "parent_id": 0, "number": "", "order_key": "", "created_via": "rest-api", "version": WC_VERSION,
        "status": "pending", "currency": currency, "currency_symbol": CURRENCY_SYMBOLS.get(currency, currency),
        "date_paid": None, "date_paid_gmt": None, "date_completed": None, "date_completed_gmt": None,
        "discount_total": "0.00", "discount_tax": "0.00", "shipping_total": "0.00", "shipping_tax": "0.00",
        "cart_tax": "0.00", "total": "0.00", "total_tax": "0.00", "prices_include_tax": False,
        "customer_id": 0, "customer_ip_address": "", "customer_user_agent": "", "customer_note": "",
        "billing": address(True), "shipping": address(False), "payment_method": "", "payment_method_title": "",
        "transaction_id": "", "cart_hash": "", "meta_data": [], "line_items": [], "tax_lines": [],
        "shipping_lines": [], "fee_lines": [], "coupon_lines": [], "refunds": [], "payment_url": "",
        "is_editable": True, "needs_payment": False, "needs_processing": True,
    }


ORDER_TOTALS = ("discount_total", "discount_tax", "shipping_total", "shipping_tax", "cart_tax", "total", "total_tax")
ORDER_LINES = ("line_items", "shipping_lines", "fee_lines", "coupon_lines", "tax_lines")


def _line_product(ctx: Ctx, item: dict):
    product = variation = None
    if item.get("product_id"):
        product = base_queryset(ctx, "products").filter(record_id=int(item["product_id"])).first()
    elif item.get("sku"):
        found = base_queryset(ctx, "variations").filter(lookup=item["sku"]).first()
        if found:
            variation, item["variation_id"] = found, found.record_id
            product = base_queryset(ctx, "products").filter(record_id=found.parent_id).first()
        else:
            product = base_queryset(ctx, "products").filter(lookup=item["sku"]).first()
    if item.get("variation_id") and variation is None:
        variation = base_queryset(ctx, "variations").filter(record_id=int(item["variation_id"])).first()
    return product, variation


def line_item_normalize(ctx: Ctx, item: dict, new: bool) -> dict:
    """A line item as WooCommerce answers it: sku and price are read-only and come from the product;
    a product id that does not exist leaves product_id 0 (the item keeps its name and totals)."""
    quantity = int(item.get("quantity") or 1)
    product, variation = _line_product(ctx, item)
    source = variation or product
    if new or "subtotal" not in item:
        unit = Decimal(source.data.get("price") or 0) if source else Decimal(0)
        default_subtotal = unit * quantity
    else:
        default_subtotal = Decimal(item["subtotal"])
    subtotal = money(item.get("subtotal") if item.get("subtotal") not in (None, "") else default_subtotal)
    total = money(item.get("total") if item.get("total") not in (None, "") else subtotal)
    name = item.get("name") or (source.data.get("name", "") if source else "")
    image = (source.data.get("images") or [{}])[0] if source and not variation else (
        (variation.data.get("image") or {}) if variation else {}
    )
    return {
        "id": item.get("id"), "name": name, "product_id": product.record_id if product else 0,
        "variation_id": variation.record_id if variation else 0, "quantity": quantity,
        "tax_class": item.get("tax_class", ""), "subtotal": subtotal,
        "subtotal_tax": money(item.get("subtotal_tax")), "total": total, "total_tax": money(item.get("total_tax")),
        "taxes": item.get("taxes") or [], "meta_data": item.get("meta_data") or [],
        "sku": (source.data.get("sku") or "") if source else "",
        "price": float(Decimal(total) / quantity) if quantity else 0.0,
        "image": {"id": image.get("id", ""), "src": image.get("src", "")},
        "parent_name": product.data.get("name") if variation and product else None,
    }


def _simple_line(kind: str):
    money_keys = {
        "shipping_lines": ("total", "total_tax"), "fee_lines": ("total", "total_tax"),
        "coupon_lines": ("discount", "discount_tax"), "tax_lines": ("tax_total", "shipping_tax_total"),
    }[kind]
    base = {
        "shipping_lines": {"method_title": "", "method_id": "", "instance_id": "", "taxes": []},
        "fee_lines": {"name": "", "tax_class": "", "tax_status": "taxable", "taxes": []},
        "coupon_lines": {"code": ""},
        "tax_lines": {"rate_code": "", "rate_id": 0, "label": "", "compound": False, "rate_percent": 0},
    }[kind]

    def normalize(ctx: Ctx, item: dict, new: bool) -> dict:
        out = {"id": item.get("id"), **base, **{k: v for k, v in item.items() if k in base}}
        out.update({k: money(item.get(k), k) for k in money_keys})
        out["meta_data"] = item.get("meta_data") or []
        return out

    return normalize


LINE_NORMALIZERS = {"line_items": line_item_normalize, **{k: _simple_line(k) for k in ORDER_LINES[1:]}}


def lines_merge(ctx: Ctx, kind: str, existing: list[dict], incoming) -> list[dict]:
    """Order line semantics: an item with a known id is updated, one without is added, an item whose
    fields are all null (or a line item with quantity 0) is removed; unmentioned items stay."""
    if not isinstance(incoming, list):
        return existing
    normalize = LINE_NORMALIZERS[kind]
    lines = {line["id"]: line for line in existing}
    added = []
    for item in (i for i in incoming if isinstance(i, dict)):
        current = lines.get(item.get("id"))
        values = [v for k, v in item.items() if k != "id"]
        if current is not None and (all(v is None for v in values) or item.get("quantity") == 0):
            del lines[current["id"]]
        elif current is not None:
            lines[current["id"]] = normalize(ctx, {**current, **item}, False)
        else:
            added.append(normalize(ctx, {k: v for k, v in item.items() if k != "id"}, True))
    for line, line_id in zip(added, ids_allocate(ctx.store, "order_items", len(added)), strict=True):
        line["id"] = line_id
        lines[line_id] = line
    return list(lines.values())


def order_totals(data: dict) -> dict:
    def total(kind: str, key: str) -> Decimal:
        return sum((Decimal(line.get(key) or 0) for line in data.get(kind) or []), Decimal(0))

    items = total("line_items", "total")
    shipping = total("shipping_lines", "total")
    fees = total("fee_lines", "total")
    cart_tax = total("tax_lines", "tax_total")
    shipping_tax = total("tax_lines", "shipping_tax_total")
    return {
        "discount_total": money(total("coupon_lines", "discount")),
        "discount_tax": money(total("coupon_lines", "discount_tax")),
        "shipping_total": money(shipping), "shipping_tax": money(shipping_tax), "cart_tax": money(cart_tax),
        "total_tax": money(cart_tax + shipping_tax), "total": money(items + shipping + fees + cart_tax + shipping_tax),
    }


def stock_reduce(ctx: Ctx, line_items: list[dict]) -> None:
    """set_paid reduces stock of managed products/variations; each write bumps date_modified."""
    for line in line_items:
        for resource, rid in (("variations", line.get("variation_id")), ("products", line.get("product_id"))):
            if not rid:
                continue
            target = base_queryset(ctx, resource).select_for_update().filter(record_id=rid).first()
            if target is None:
                continue
            data = dict(target.data)
            if resource == "products":
                data["total_sales"] = int(data.get("total_sales") or 0) + int(line.get("quantity") or 0)
            if data.get("manage_stock") and (resource == "variations" or not line.get("variation_id")):
                data["stock_quantity"] = int(data.get("stock_quantity") or 0) - int(line.get("quantity") or 0)
                stock_derive(data)
            target.data = data
            target.date_modified_gmt = ctx.now
            target.save(update_fields=["data", "date_modified_gmt"])


def order_prepare(ctx: Ctx, spec: ResourceSpec, record: SandboxRecord, extras: dict, created: bool) -> None:
    data = record.data
    previous_status = (extras.get("_previous") or {}).get("status")
    if data.get("status") not in ORDER_STATUSES:
        raise invalid_param("status", f"status is not one of {', '.join(ORDER_STATUSES)}.")
    if created:
        data["order_key"] = data.get("order_key") or f"wc_order_{secrets.token_hex(6)}"
    customer_id = int(data.get("customer_id") or 0)
    if customer_id and not base_queryset(ctx, "customers").filter(record_id=customer_id).exists():
        raise WooError("woocommerce_rest_invalid_customer_id", "Customer ID is invalid.", 400)
    for kind in ORDER_LINES:
        if kind in extras:
            data[kind] = lines_merge(ctx, kind, data.get(kind) or [], extras[kind])
    given = {k: extras[k] for k in ORDER_TOTALS if extras.get(k) not in (None, "")}
    if any(kind in extras for kind in ORDER_LINES) or given or created:
        data.update(order_totals(data))
        data.update({k: money(v, k) for k, v in given.items()})
    stamp = ctx.now.strftime("%Y-%m-%dT%H:%M:%S")
    if param_bool(extras.get("set_paid", False)):
        if data["status"] in ("pending", "on-hold", "failed"):
            data["status"] = "processing"
        if not data.get("_sb_stock_reduced"):
            stock_reduce(ctx, data.get("line_items") or [])
            data["_sb_stock_reduced"] = True
    if data["status"] in ("processing", "completed") and not data.get("date_paid"):
        data["date_paid"] = data["date_paid_gmt"] = stamp
    if data["status"] == "completed" and not data.get("date_completed"):
        data["date_completed"] = data["date_completed_gmt"] = stamp
    # woocommerce_order_status_refunded -> wc_order_fully_refunded, on creation as on a status change
    record._sb_became_refunded = data["status"] == "refunded" and previous_status != "refunded"  # noqa: SLF001


def order_after_delete(ctx: Ctx, spec: ResourceSpec, record: SandboxRecord) -> None:
    """A deleted order takes its refunds with it (WC_Order_Data_Store_CPT::delete)."""
    base_queryset(ctx, "refunds").filter(parent_id=record.record_id).delete()


def order_after_save(ctx: Ctx, spec: ResourceSpec, record: SandboxRecord, created: bool) -> None:
    if getattr(record, "_sb_became_refunded", False):
        order_refund_remaining(ctx, record)
        record.save(update_fields=["data"])


def order_render(ctx: Ctx, record: SandboxRecord, out: dict) -> None:
    out["number"] = out.get("number") or str(record.record_id)
    out["payment_url"] = (
        f"{ctx.site_url}/checkout/order-pay/{record.record_id}/?pay_for_order=true&key={out.get('order_key', '')}"
    )
    out["needs_payment"] = out.get("status") in ("pending", "failed") and Decimal(out.get("total") or 0) > 0
    out["is_editable"] = out.get("status") in ("pending", "on-hold", "auto-draft", "checkout-draft")


def order_search(term: str) -> Q:
    q = Q(data__billing__email__icontains=term) | Q(data__billing__first_name__icontains=term)
    q |= Q(data__billing__last_name__icontains=term) | Q(data__number=term)
    if term.strip().isdigit():
        q |= Q(record_id=int(term))
    return q


# ---------------------------------------------------------------- customers, coupons, reviews, notes


def customer_defaults(ctx: Ctx | None = None) -> dict:
    return {
        "email": "", "first_name": "", "last_name": "", "role": "customer", "username": "",
        "billing": address(True), "shipping": address(False), "is_paying_customer": False, "avatar_url": "",
        "meta_data": [],
    }


def valid_email(value: str) -> bool:
    local, _, domain = str(value).partition("@")
    return bool(local) and "." in domain and " " not in value


def avatar_url(email: str) -> str:
    digest = hashlib.md5(email.strip().lower().encode(), usedforsecurity=False).hexdigest()
    return f"https://secure.gravatar.com/avatar/{digest}?s=96&d=mm&r=g"


def customer_prepare(ctx: Ctx, spec: ResourceSpec, record: SandboxRecord, extras: dict, created: bool) -> None:
    data = record.data
    email = str(data.get("email") or "").strip()
    if not valid_email(email):
        raise invalid_param("email", "Invalid email address.", "rest_invalid_email")
    data["email"] = email
    lock_store(ctx)
    if lookup_conflict(ctx, ["customers"], email.lower(), record):
        raise WooError(
            "registration-error-email-exists",
            'An account is already registered with your email address. '
            '<a href="#" class="showlogin">Please log in.</a>',
            400,
        )
    if created and not data.get("username"):
        data["username"] = email.split("@")[0]
    data["avatar_url"] = avatar_url(email)


def coupon_defaults(ctx: Ctx | None = None) -> dict:
    return {
        "code": "", "amount": "0", "status": "publish", "discount_type": "fixed_cart", "description": "",
        "date_expires": None, "date_expires_gmt": None, "usage_count": 0, "individual_use": False,
        "product_ids": [], "excluded_product_ids": [], "usage_limit": None, "usage_limit_per_user": None,
        "limit_usage_to_x_items": None, "free_shipping": False, "product_categories": [],
        "excluded_product_categories": [], "exclude_sale_items": False, "minimum_amount": "0.00",
        "maximum_amount": "0.00", "email_restrictions": [], "used_by": [], "meta_data": [],
    }


def coupon_prepare(ctx: Ctx, spec: ResourceSpec, record: SandboxRecord, extras: dict, created: bool) -> None:
    data = record.data
    data["code"] = str(data.get("code") or "").strip().lower()  # wc_format_coupon_code
    if data.get("discount_type") not in ("percent", "fixed_cart", "fixed_product"):
        raise invalid_param("discount_type", "discount_type is not one of percent, fixed_cart, fixed_product.")
    data["amount"] = price_string(data.get("amount")) or "0"
    data["date_expires_gmt"] = data.get("date_expires")
    lock_store(ctx)
    if lookup_conflict(ctx, ["coupons"], data["code"], record):
        raise WooError("woocommerce_rest_coupon_code_already_exists", "The coupon code already exists", 400)


def review_defaults(ctx: Ctx | None = None) -> dict:
    return {
        "product_id": 0, "product_name": "", "product_permalink": "", "status": "approved", "reviewer": "",
        "reviewer_email": "", "review": "", "rating": 0, "verified": False, "reviewer_avatar_urls": {},
    }


def review_prepare(ctx: Ctx, spec: ResourceSpec, record: SandboxRecord, extras: dict, created: bool) -> None:
    data = record.data
    product = base_queryset(ctx, "products").filter(record_id=int(data.get("product_id") or 0)).first()
    if product is None:
        raise WooError("woocommerce_rest_product_invalid_id", "Invalid product ID.", 404)
    data["product_name"] = product.data.get("name", "")
    data["product_permalink"] = product_permalink(
        "", product.data.get("slug", ""), product.lang, ctx.store.default_language
    )
    data["rating"] = max(0, min(5, int(data.get("rating") or 0)))
    url = avatar_url(str(data.get("reviewer_email") or ""))
    data["reviewer_avatar_urls"] = {size: url.replace("s=96", f"s={size}") for size in ("24", "48", "96")}


def note_defaults(ctx: Ctx | None = None) -> dict:
    return {"author": "system", "note": "", "customer_note": False}


def note_prepare(ctx: Ctx, spec: ResourceSpec, record: SandboxRecord, extras: dict, created: bool) -> None:
    if param_bool(extras.get("added_by_user", False)):
        record.data["author"] = "admin"
    record.data["customer_note"] = param_bool(record.data.get("customer_note"))


def note_type_filter(qs, raw, ctx):
    if raw == "customer":
        return qs.filter(data__customer_note=True)
    if raw == "internal":
        return qs.filter(data__customer_note=False)
    return qs


# ---------------------------------------------------------------- taxonomies


def term_defaults(hierarchical: bool):
    def defaults(ctx: Ctx | None = None) -> dict:
        out = {"name": "", "slug": "", "description": "", "count": 0}
        if hierarchical:
            out.update(parent=0, display="default", image=None, menu_order=0)
        return out

    return defaults


def attribute_term_defaults(ctx: Ctx | None = None) -> dict:
    return {"name": "", "slug": "", "description": "", "menu_order": 0, "count": 0}


def term_prepare(ctx: Ctx, spec: ResourceSpec, record: SandboxRecord, extras: dict, created: bool) -> None:
    """WordPress terms: a name already used under the same parent is `term_exists`; an explicit slug in
    use is `duplicate_term_slug`; a slug derived from a name gets a -2 suffix on a clash."""
    data = record.data
    if spec.translatable:
        translation_link(ctx, spec, record, extras)
    if "parent" in data:
        record.parent_id = int(data.get("parent") or 0)
    explicit = slugify(data.get("slug") or "")
    base = explicit or slugify(data.get("name") or "")
    scope_parent = record.parent_id if spec.scope is not None else False  # attribute terms: per attribute
    lock_store(ctx)
    clash = lookup_conflict(ctx, [spec.name], base, record, lang=record.lang, parent_id=scope_parent)
    if clash is not None:
        same_name = clash.data.get("name") == data.get("name") and clash.parent_id == record.parent_id
        if same_name:
            raise WooError(
                "term_exists", "A term with the name provided already exists with this parent.", 400,
                resource_id=clash.record_id,
            )
        if explicit:
            raise WooError("duplicate_term_slug", f"The slug “{explicit}” is already in use by another term.", 400)
        base = unique_slug(ctx, spec.name, base, record, scope_parent)
    data["slug"] = base
    if isinstance(data.get("image"), dict) and not data["image"].get("date_created"):
        data["image"] = images_normalize(ctx, [data["image"]])[0]


def attribute_defaults(ctx: Ctx | None = None) -> dict:
    return {"name": "", "slug": "", "type": "select", "order_by": "menu_order", "has_archives": False}


def attribute_prepare(ctx: Ctx, spec: ResourceSpec, record: SandboxRecord, extras: dict, created: bool) -> None:
    data = record.data
    slug = slugify(str(data.get("slug") or data.get("name") or "").removeprefix("pa_"))[:28]
    data["slug"] = f"pa_{slug}"
    lock_store(ctx)
    if lookup_conflict(ctx, ["attributes"], data["slug"], record):
        raise WooError("woocommerce_rest_cannot_create", f'Slug "{data["slug"]}" is already in use.', 400)


def attribute_after_delete(ctx: Ctx, spec: ResourceSpec, record: SandboxRecord) -> None:
    base_queryset(ctx, "attribute_terms").filter(parent_id=record.record_id).delete()


def term_spec(name: str, *, hierarchical: bool, translatable: bool = False) -> ResourceSpec:
    return ResourceSpec(
        name=name, sequence="terms", invalid=("woocommerce_rest_term_invalid", "Resource does not exist."),
        defaults=term_defaults(hierarchical), required=("name",), read_only=frozenset({"count"}),
        write_only=frozenset({"lang", "translation_of"}), lookup_field="slug",
        parent_field="parent" if hierarchical else None, translatable=translatable,
        orderby=TERMS_ORDERBY, default_orderby="name", default_order="asc",
        filters={"slug": lambda qs, raw, ctx: qs.filter(lookup=raw), "parent": parent_filter,
                 "hide_empty": lambda qs, raw, ctx: qs.exclude(data__count=0) if param_bool(raw) else qs},
        search=text_search("name", "slug", "description"), prepare=term_prepare,
        trash_message="Resource does not support trashing.",
    )


# ---------------------------------------------------------------- the table

PRODUCT_INVALID = ("woocommerce_rest_product_invalid_id", "Invalid ID.")
ORDER_INVALID = ("woocommerce_rest_shop_order_invalid_id", "Invalid ID.")

SPECS: dict[str, ResourceSpec] = {
    "products": ResourceSpec(
        name="products", sequence="posts", invalid=PRODUCT_INVALID, defaults=product_defaults,
        read_only=STOCK_READ_ONLY, write_only=frozenset({"lang", "translation_of"}), trash=True,
        lookup_field="sku", translatable=True, date_created_writable=True, orderby=POSTS_ORDERBY,
        status_param="status", filters=PRODUCT_FILTERS, search=text_search("name", "sku", "description"),
        prepare=product_prepare, after_delete=product_after_delete, render=product_render,
    ),
    "variations": ResourceSpec(
        name="variations", sequence="posts",
        invalid=("woocommerce_rest_product_variation_invalid_id", "Invalid ID."),
        defaults=variation_defaults, read_only=STOCK_READ_ONLY | {"name", "type", "parent_id"},
        scope=Scope("product_id", "products", PRODUCT_INVALID), lookup_field="sku",
        date_created_writable=True, orderby=POSTS_ORDERBY, status_param="status", filters=STOCK_FILTERS,
        search=text_search("sku", "description"), prepare=variation_prepare, after_save=variations_sync,
        after_delete=variations_sync_deleted, render=links_render,
        trash_message="The product_variation does not support trashing.",
    ),
    "orders": ResourceSpec(
        name="orders", sequence="posts", invalid=ORDER_INVALID, defaults=order_defaults,
        read_only=frozenset({
            "number", "order_key", "version", "date_paid", "date_paid_gmt", "date_completed",
            "date_completed_gmt", "cart_hash", "refunds", "payment_url", "is_editable", "needs_payment",
            "needs_processing", "currency_symbol",
        }),
        write_only=frozenset({"set_paid", *ORDER_LINES, *ORDER_TOTALS}), trash=True, orderby=POSTS_ORDERBY,
        status_param="status", search=order_search, prepare=order_prepare, render=order_render,
        after_save=order_after_save, after_delete=order_after_delete,
        filters={
            "customer": lambda qs, raw, ctx: qs.filter(data__customer_id=int(raw)),
            "product": contains_filter("line_items", "product_id"),
            "parent": lambda qs, raw, ctx: qs.filter(data__parent_id=int(raw)),
        },
    ),
    "order_notes": ResourceSpec(
        name="order_notes", sequence="comments", invalid=("woocommerce_rest_invalid_id", "Invalid resource ID."),
        defaults=note_defaults, required=("note",), write_only=frozenset({"added_by_user"}),
        scope=Scope("order_id", "orders", ORDER_INVALID), orderby={"date": "date_created_gmt", "id": "record_id"},
        filters={"type": note_type_filter}, prepare=note_prepare, paginated=False,
        trash_message="Webhooks do not support trashing.",
    ),
    "customers": ResourceSpec(
        name="customers", sequence="users", invalid=("woocommerce_rest_invalid_id", "Invalid resource ID."),
        defaults=customer_defaults, required=("email",),
        read_only=frozenset({"role", "is_paying_customer", "avatar_url"}),
        write_only=frozenset({"password"}), lookup_field="email", lookup_casefold=True,
        orderby={"id": "record_id", "include": "record_id", "name": "data__username",
                 "registered_date": "date_created_gmt"},
        default_orderby="name", default_order="asc",
        filters={
            "email": lambda qs, raw, ctx: qs.filter(lookup=str(raw).strip().lower()),
            "role": lambda qs, raw, ctx: qs if raw == "all" else qs.filter(data__role=raw),
        },
        search=text_search("email", "first_name", "last_name", "username"), prepare=customer_prepare,
        trash_message="Customers do not support trashing.",
    ),
    "coupons": ResourceSpec(
        name="coupons", sequence="posts", invalid=("woocommerce_rest_shop_coupon_invalid_id", "Invalid ID."),
        defaults=coupon_defaults, required=("code",), read_only=frozenset({"usage_count", "used_by"}), trash=True,
        lookup_field="code", lookup_casefold=True, orderby=POSTS_ORDERBY, status_param="status",
        filters={"code": lambda qs, raw, ctx: qs.filter(lookup=str(raw).strip().lower())},
        search=text_search("code", "description"), prepare=coupon_prepare,
    ),
    "reviews": ResourceSpec(
        name="reviews", sequence="comments", invalid=("woocommerce_rest_review_invalid_id", "Invalid review ID."),
        defaults=review_defaults, required=("product_id", "review", "reviewer", "reviewer_email"),
        read_only=frozenset({"product_name", "product_permalink", "reviewer_avatar_urls"}), trash=True,
        parent_field="product_id", date_created_writable=True,
        orderby={"date": "date_created_gmt", "date_gmt": "date_created_gmt", "id": "record_id",
                 "include": "record_id", "product": "parent_id"},
        status_param="status", status_default="approved",
        filters={
            "product": parent_filter,
            "reviewer": lambda qs, raw, ctx: qs.filter(data__reviewer=raw),
            "reviewer_email": lambda qs, raw, ctx: qs.filter(data__reviewer_email=raw),
        },
        search=text_search("review", "reviewer", "reviewer_email"), prepare=review_prepare, render=links_render,
    ),
    "categories": term_spec("categories", hierarchical=True, translatable=True),
    "tags": term_spec("tags", hierarchical=False),
    "brands": term_spec("brands", hierarchical=True),
    "attributes": ResourceSpec(
        name="attributes", sequence="attributes",
        invalid=("woocommerce_rest_attribute_invalid", "Resource does not exist."),
        defaults=attribute_defaults, required=("name",), lookup_field="slug",
        orderby={"id": "record_id", "include": "record_id", "name": "data__name"},
        default_orderby="id", default_order="asc", prepare=attribute_prepare,
        after_delete=attribute_after_delete, paginated=False, trash_message="Resource does not support trashing.",
    ),
    "attribute_terms": ResourceSpec(
        name="attribute_terms", sequence="terms", invalid=("woocommerce_rest_term_invalid", "Resource does not exist."),
        defaults=attribute_term_defaults, required=("name",), read_only=frozenset({"count"}), lookup_field="slug",
        scope=Scope("attribute_id", "attributes", ("woocommerce_rest_taxonomy_invalid", "Resource does not exist.")),
        orderby=TERMS_ORDERBY, default_orderby="name", default_order="asc",
        filters={"slug": lambda qs, raw, ctx: qs.filter(lookup=raw)}, search=text_search("name", "slug"),
        prepare=term_prepare, trash_message="Resource does not support trashing.",
    ),
}


# ---------------------------------------------------------------- taxes, shipping classes, refunds


SHIPPING_CLASS_SPEC = term_spec("shipping_classes", hierarchical=False)
REFUNDS_SPEC = refunds_spec(POSTS_ORDERBY, ("woocommerce_rest_invalid_order_id", "Invalid order ID."))
SPECS.update({
    "taxes": ResourceSpec(
        name="taxes", sequence="tax_rates", invalid=("woocommerce_rest_invalid_id", "Invalid resource ID."),
        defaults=tax_defaults, write_only=frozenset({"postcode", "city", "postcodes", "cities"}),
        orderby={"id": "record_id", "include": "record_id", "order": "data__order", "priority": "data__priority"},
        default_orderby="order", default_order="asc", dated=False, prepare=tax_prepare,
        filters={"class": lambda qs, raw, ctx: qs.filter(data__class=raw)},
        trash_message="Taxes do not support trashing.",
    ),
    "shipping_classes": replace(SHIPPING_CLASS_SPEC, dated=False),
    "refunds": REFUNDS_SPEC,
    # wc/v3 `refunds` (WooCommerce 9.0+): every order's refunds in one list, read-only
    "all_refunds": replace(REFUNDS_SPEC, scope=None),
    # wc/v1, wc/v2 `products/{id}/reviews` (read here; versions.py reshapes them)
    "product_reviews": replace(SPECS["reviews"], scope=Scope("product_id", "products", PRODUCT_INVALID)),
})


def spec_for(name: str) -> ResourceSpec:
    return SPECS[name]
