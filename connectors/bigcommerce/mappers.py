"""BigCommerce JSON <-> canonical entities: pure functions, no HTTP.

Shapes are those of the REST Management API: catalog and customers on v3 (numbers as JSON numbers, dates ISO
8601), orders and coupons on v2 (money as strings with four decimals, dates RFC 2822)
[bigcommerce/docs reference/catalog/*.v3.yml, customers.v3.yml, orders.v2.oas2.yml, marketing.v2.yml].
A record that does not validate becomes a RecordError (entities.validate_entity).
"""
from __future__ import annotations

import re
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from email.utils import format_datetime, parsedate_to_datetime
from typing import Any

from connectors.entities import (
    Category,
    Coupon,
    Customer,
    EntityType,
    Manufacturer,
    Order,
    OrderStatus,
    Product,
    Review,
    validate_entity,
)
from connectors.sdk.access import list_of, mapping, text

E = EntityType
PLATFORM = "bigcommerce"

# BigCommerce's fixed order statuses (GET /v2/order_statuses) as keys of ours, with what each means; the first
# key of a canonical status is the one written for it [orders.v2.oas2.yml "Order Status"].
STATUS_IDS: dict[str, int] = {
    "pending": 1, "awaiting_payment": 7, "awaiting_fulfillment": 11, "awaiting_shipment": 9, "awaiting_pickup": 8,
    "partially_shipped": 3, "manual_verification_required": 12, "disputed": 13, "completed": 10, "shipped": 2,
    "cancelled": 5, "refunded": 4, "partially_refunded": 14, "declined": 6, "incomplete": 0,
}
STATUS_KEYS = {number: key for key, number in STATUS_IDS.items()}
ORDER_STATUSES: dict[str, OrderStatus] = {
    "pending": OrderStatus.PENDING, "awaiting_payment": OrderStatus.PENDING,
    "awaiting_fulfillment": OrderStatus.PROCESSING, "awaiting_shipment": OrderStatus.PROCESSING,
    "awaiting_pickup": OrderStatus.PROCESSING, "partially_shipped": OrderStatus.PROCESSING,
    "manual_verification_required": OrderStatus.ON_HOLD, "disputed": OrderStatus.ON_HOLD,
    "completed": OrderStatus.COMPLETED, "shipped": OrderStatus.COMPLETED,
    "cancelled": OrderStatus.CANCELLED, "refunded": OrderStatus.REFUNDED, "partially_refunded": OrderStatus.REFUNDED,
    "declined": OrderStatus.FAILED, "incomplete": OrderStatus.FAILED,
}
# v2 coupon types <-> canonical discount types [marketing.v2.yml "Coupon": type].
COUPON_TYPES_IN = {"percentage_discount": "percent", "per_total_discount": "fixed_cart",
                   "per_item_discount": "fixed_product", "shipping_discount": "fixed_cart",
                   "free_shipping": "fixed_cart", "promotion": "fixed_cart"}
COUPON_TYPES_OUT = {"percent": "percentage_discount", "fixed_cart": "per_total_discount",
                    "fixed_product": "per_item_discount"}
REVIEW_STATUS_IN = {"approved": "approved", "pending": "pending", "disapproved": "spam"}
REVIEW_STATUS_OUT = {v: k for k, v in REVIEW_STATUS_IN.items()}
MIGRATION_SOURCE = "M-MIG"  # external_source of historical orders: kept out of the store's GMV [orders.v2 PUT]


# --- small helpers ---------------------------------------------------------------------------------------------
def source_id(record: dict[str, Any]) -> str:
    return str(record.get("id") or "")


def money(value: Any) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        raise ValueError(f"{value!r} is not an amount") from None


def amount(value: Decimal | None) -> float | None:
    return float(value) if value is not None else None


def money_text(value: Decimal | None) -> str:
    return f"{(value or Decimal(0)):.4f}"


def parse_date(value: Any) -> datetime | None:
    """v3 ISO 8601 or v2 RFC 2822, as UTC; None for "" and null."""
    if value in (None, ""):
        return None
    value = str(value)
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        try:
            parsed = parsedate_to_datetime(value)
        except (TypeError, ValueError):
            raise ValueError(f"{value!r} is not a date") from None
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).astimezone(UTC)


def rfc2822(value: datetime) -> str:
    return format_datetime(value.astimezone(UTC), usegmt=True)


def iso(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S+00:00")


def slug_of(url: str) -> str:
    """The last segment of a storefront path: "/p/12-red-mug/" -> "12-red-mug", "/mug.html" -> "mug"."""
    parts = [p for p in (url or "").split("?")[0].split("/") if p]
    return re.sub(r"\.html?$", "", parts[-1]) if parts else ""


def slugify(name: str) -> str:
    return "-".join("".join(c if c.isalnum() else " " for c in name.lower()).split())


def url_of(slug: str, prefix: str = "/") -> dict[str, Any]:
    return {"url": f"{prefix}{slug}/", "is_customized": True}


def _extra(**values: Any) -> dict[str, Any]:
    kept = {k: v for k, v in values.items() if v not in (None, "", [], {})}
    return {PLATFORM: kept} if kept else {}


def ours(item: Any) -> dict[str, Any]:
    """What a record read from BigCommerce kept for a round trip (`extra["bigcommerce"]`)."""
    value = item.extra.get(PLATFORM) if hasattr(item, "extra") else None
    return value if isinstance(value, dict) else {}


def _validate(entity: EntityType, data: dict[str, Any]) -> Any:
    return validate_entity(entity, data)


# --- taxonomy ------------------------------------------------------------------------------------------------
def brand_to_canonical(record: dict[str, Any]) -> Manufacturer:
    url = text(mapping(record.get("custom_url"), "custom_url"), "url")
    name = text(record, "name")
    image = text(record, "image_url")
    return _validate(E.MANUFACTURER, {
        "source_id": source_id(record), "name": name, "slug": slug_of(url) or slugify(name),
        "image": {"url": image} if image else None, "extra": _extra(url=url),
    })


def brand_to_bc(item: Manufacturer) -> dict[str, Any]:
    body: dict[str, Any] = {"name": item.name}
    if item.slug:
        body["custom_url"] = url_of(item.slug, "/brands/")
    if item.image and item.image.url:
        body["image_url"] = item.image.url
    return body


def category_to_canonical(record: dict[str, Any]) -> Category:
    url = text(mapping(record.get("custom_url"), "custom_url"), "url")
    name = text(record, "name")
    slug = slug_of(url) or slugify(name)
    image = text(record, "image_url")
    parent = record.get("parent_id")
    return _validate(E.CATEGORY, {
        "source_id": source_id(record), "name": name, "slug": slug,
        "parent_id": str(parent) if parent not in (None, 0, "0", "") else None,
        "description": text(record, "description"), "image": {"url": image} if image else None,
        "position": int(record.get("sort_order") or 0),
        "seo": {"title": text(record, "page_title"), "description": text(record, "meta_description"), "url_key": slug},
        "extra": _extra(url=url, is_visible=None if record.get("is_visible", True) else False),
    })


def category_to_bc(item: Category) -> dict[str, Any]:
    slug = item.seo.url_key or item.slug
    body: dict[str, Any] = {"name": item.name, "parent_id": int(item.parent_id) if item.parent_id else 0,
                            "description": item.description, "sort_order": item.position,
                            "page_title": item.seo.title, "meta_description": item.seo.description}
    if slug:
        body["custom_url"] = url_of(slug)
    if item.image and item.image.url:
        body["image_url"] = item.image.url
    if ours(item).get("is_visible") is False:
        body["is_visible"] = False
    return body


# --- products ----------------------------------------------------------------------------------------------
def _prices(record: dict[str, Any], fallback: dict[str, Any] | None = None) -> tuple[Decimal | None, Decimal | None]:
    """(what the customer pays, the "was" price): a sale price below the price is the price paid."""
    price = money(record.get("price"))
    if price is None and fallback is not None:
        price = money(fallback.get("price"))
    sale = money(record.get("sale_price"))
    if sale and price is not None and Decimal(0) < sale < price:
        return sale, price
    return price, None


def _stock(tracking: bool, level: Any, availability: str = "") -> tuple[int | None, str]:
    quantity = int(level) if tracking and level not in (None, "") else None
    if availability == "preorder":
        return quantity, "backorder"
    if availability == "disabled" or (tracking and (quantity or 0) <= 0):
        return quantity, "out_of_stock"
    return quantity, "in_stock"


def _variant(record: dict[str, Any], product: dict[str, Any], tracking: bool) -> dict[str, Any]:
    price, compare = _prices(record, product)
    quantity, status = _stock(tracking, record.get("inventory_level"))
    image = text(record, "image_url")
    weight = record.get("weight")
    return {
        "source_id": source_id(record), "sku": text(record, "sku"), "price": price, "compare_at_price": compare,
        "manage_stock": tracking, "stock_quantity": quantity, "stock_status": status,
        "weight": money(weight) if weight is not None else None,
        "option_values": {text(v, "option_display_name"): text(v, "label")
                          for v in list_of(record, "option_values") if isinstance(v, dict)},
        "image": {"url": image} if image else None,
    }


OVERRIDE_FIELDS = ("manage_stock", "stock_quantity", "stock_status")


def product_overrides(item: Product) -> dict[str, Any]:
    """Product-level stock values a product with options would not give back: BigCommerce tracks its stock on
    the variants and reports their sum. Kept in an app-only metafield (OVERRIDES_KEY) and put back on read."""
    if not (item.variants and any(v.option_values for v in item.variants)):
        return {}
    tracked = any(v.manage_stock for v in item.variants)
    total = sum(max(0, v.stock_quantity or 0) for v in item.variants) if tracked else None
    derived = {"manage_stock": tracked, "stock_quantity": total,
               "stock_status": ("out_of_stock" if tracked and not total else "in_stock")}
    wanted = {"manage_stock": item.manage_stock, "stock_quantity": item.stock_quantity,
              "stock_status": item.stock_status}
    kept: dict[str, Any] = {k: v for k, v in wanted.items() if derived[k] != v}
    # BigCommerce lists an option's values in the order variants first name them: keep the source's order
    kept["options"] = {o.name: o.values for o in item.options}
    return kept


def _ordered(values: list[str], order: list[str] | None) -> list[str]:
    """`values` in the order the source gave them (`order`); values it did not name go last."""
    if not order:
        return values
    rank = {value: n for n, value in enumerate(order)}
    return sorted(values, key=lambda v: rank.get(v, len(rank)))


def product_to_canonical(record: dict[str, Any], overrides: dict[str, Any] | None = None) -> Product:
    """A v3 product read with `include=variants,images,custom_fields`. A product without options has one base
    variant (no option values): it is the product itself, not a variant of it."""
    url = text(mapping(record.get("custom_url"), "custom_url"), "url")
    slug = slug_of(url) or slugify(text(record, "name"))
    tracking = text(record, "inventory_tracking") or "none"
    variants_raw = [v for v in list_of(record, "variants") if isinstance(v, dict)]
    with_options = [v for v in variants_raw if list_of(v, "option_values")]
    price, compare = _prices(record)
    quantity, status = _stock(tracking != "none", record.get("inventory_level"), text(record, "availability"))
    kept = {k: v for k, v in (overrides or {}).items() if k in OVERRIDE_FIELDS}
    options: dict[str, list[str]] = {}
    for variant in with_options:
        for value in list_of(variant, "option_values"):
            labels = options.setdefault(text(value, "option_display_name"), [])
            if text(value, "label") not in labels:
                labels.append(text(value, "label"))
    images = sorted((i for i in list_of(record, "images") if isinstance(i, dict)),
                    key=lambda i: (int(i.get("sort_order") or 0), int(i.get("id") or 0)))
    keywords = text(record, "search_keywords")
    return _validate(E.PRODUCT, {
        "source_id": source_id(record), "updated_at": parse_date(record.get("date_modified")),
        "created_at": parse_date(record.get("date_created")),
        "name": text(record, "name"), "slug": slug, "sku": text(record, "sku"),
        "type": "variable" if with_options else "simple",
        "status": "active" if record.get("is_visible", True) else "draft", "featured": bool(record.get("is_featured")),
        "description": text(record, "description"), "price": price, "compare_at_price": compare,
        "manage_stock": kept.get("manage_stock", tracking != "none"),
        "stock_quantity": kept.get("stock_quantity", quantity), "stock_status": kept.get("stock_status", status),
        "weight": money(record.get("weight")),
        "category_ids": [str(c) for c in list_of(record, "categories")],
        "manufacturer_id": str(record["brand_id"]) if record.get("brand_id") else None,
        "tags": [k.strip() for k in keywords.split(",") if k.strip()],
        "images": [{"url": text(i, "url_zoom") or text(i, "image_url"), "alt": text(i, "description"),
                    "position": n} for n, i in enumerate(images)],
        "options": [{"name": name, "values": _ordered(values, ((overrides or {}).get("options") or {}).get(name)),
                     "position": n} for n, (name, values) in enumerate(options.items())],
        "variants": [_variant(v, record, tracking == "variant") for v in with_options],
        "seo": {"title": text(record, "page_title"), "description": text(record, "meta_description"), "url_key": slug},
        "extra": _extra(url=url, custom_fields=[{"name": text(c, "name"), "value": text(c, "value")}
                                                for c in list_of(record, "custom_fields") if isinstance(c, dict)],
                        retail_price=text(record, "retail_price") if money(record.get("retail_price")) else None),
    })


def _price_fields(price: Decimal | None, compare: Decimal | None) -> dict[str, Any]:
    if compare is not None and price is not None and compare > price:
        return {"price": float(compare), "sale_price": float(price)}
    return {"price": amount(price) or 0.0, "sale_price": 0.0}


def variant_sku(item: Product, index: int) -> str:
    """A variant's SKU, made up when the source has none (BigCommerce requires one per variant)."""
    variant = item.variants[index]
    return variant.sku or f"{item.sku or item.seo.url_key or item.slug or item.source_id}-{index + 1}"


def variant_to_bc(item: Product, index: int) -> dict[str, Any]:
    variant = item.variants[index]
    body: dict[str, Any] = {"sku": variant_sku(item, index), **_price_fields(
        variant.price if variant.price is not None else item.price, variant.compare_at_price)}
    if variant.manage_stock or item.manage_stock:
        body["inventory_level"] = max(0, variant.stock_quantity or 0)
    if variant.weight is not None:
        body["weight"] = float(variant.weight)
    if variant.image and variant.image.url:
        body["image_url"] = variant.image.url
    body["option_values"] = [{"option_display_name": name, "label": value}
                             for name, value in variant.option_values.items() if name and value]
    return body


def product_to_bc(item: Product, *, migrate_images: bool = True) -> dict[str, Any]:
    """The v3 body of a product with its variants, images and custom fields inline (one POST)."""
    variable = bool(item.variants) and any(v.option_values for v in item.variants)
    tracking = "variant" if variable and any(v.manage_stock for v in item.variants) else (
        "product" if item.manage_stock else "none")
    slug = item.seo.url_key or item.slug
    body: dict[str, Any] = {
        "name": item.name, "type": "physical", "sku": item.sku, "description": item.description,
        "weight": float(item.weight) if item.weight is not None else 0.0,
        **_price_fields(item.price, item.compare_at_price),
        "categories": [int(c) for c in item.category_ids],
        "brand_id": int(item.manufacturer_id) if item.manufacturer_id else 0,
        "inventory_tracking": tracking, "is_visible": item.status == "active", "is_featured": item.featured,
        "page_title": item.seo.title, "meta_description": item.seo.description,
        "search_keywords": ",".join(item.tags),
        "availability": "preorder" if item.stock_status == "backorder" else "available",
    }
    if tracking == "product":
        body["inventory_level"] = max(0, item.stock_quantity or 0)
    if slug:
        body["custom_url"] = url_of(slug)
    if migrate_images and item.images:
        body["images"] = [{"image_url": image.url, "is_thumbnail": n == 0, "sort_order": n, "description": image.alt}
                          for n, image in enumerate(sorted(item.images, key=lambda i: i.position))]
    custom_fields = ours(item).get("custom_fields") or []
    if custom_fields:
        body["custom_fields"] = [{"name": c["name"][:250], "value": c["value"][:250]} for c in custom_fields
                                 if c.get("name") and c.get("value")]
    if variable:
        # BigCommerce lists an option's values in the order variants first name them: variants go in the
        # options' order, so the values keep theirs
        rank = {(o.name, v): (o.position, n) for o in item.options for n, v in enumerate(o.values)}
        order = sorted(range(len(item.variants)), key=lambda n: sorted(
            rank.get((name, value), (99, 99)) for name, value in item.variants[n].option_values.items()))
        body["variants"] = [variant_to_bc(item, n) for n in order]
    return body


# --- customers -----------------------------------------------------------------------------------------------
def _address_in(record: dict[str, Any]) -> dict[str, Any]:
    return {"first_name": text(record, "first_name"), "last_name": text(record, "last_name"),
            "company": text(record, "company"), "address1": text(record, "address1"),
            "address2": text(record, "address2"), "city": text(record, "city"),
            "state": text(record, "state_or_province"), "postcode": text(record, "postal_code"),
            "country": text(record, "country_code"), "phone": text(record, "phone")}


def customer_to_canonical(record: dict[str, Any], groups: dict[int, str]) -> Customer:
    addresses = [a for a in list_of(record, "addresses") if isinstance(a, dict)]
    billing = _address_in(addresses[0]) if addresses else {}
    shipping = _address_in(addresses[1]) if len(addresses) > 1 else billing
    group_id = int(record.get("customer_group_id") or 0)
    return _validate(E.CUSTOMER, {
        "source_id": source_id(record), "updated_at": parse_date(record.get("date_modified")),
        "created_at": parse_date(record.get("date_created")), "email": text(record, "email"),
        "first_name": text(record, "first_name"), "last_name": text(record, "last_name"),
        "phone": text(record, "phone"), "group": groups.get(group_id, "") if group_id else "",
        "accepts_marketing": bool(record.get("accepts_product_review_abandoned_cart_emails")),
        "billing": {**billing, "email": text(record, "email") if billing else ""}, "shipping": shipping,
        "extra": _extra(company=text(record, "company"), notes=text(record, "notes")),
    })


def address_to_bc(address: Any, customer: Customer) -> dict[str, Any] | None:
    """A v3 customer address, or None when it lacks what BigCommerce requires (street, city, country)."""
    if not (address.address1 and address.city and address.country):
        return None
    return {"first_name": address.first_name or customer.first_name or "-",
            "last_name": address.last_name or customer.last_name or "-", "company": address.company,
            "address1": address.address1, "address2": address.address2, "city": address.city,
            "state_or_province": address.state, "postal_code": address.postcode,
            "country_code": address.country.upper(), "phone": address.phone}


def customer_to_bc(item: Customer, group_id: int | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"email": item.email, "first_name": item.first_name or "-",
                            "last_name": item.last_name or "-", "phone": item.phone,
                            "company": ours(item).get("company") or item.billing.company,
                            "notes": ours(item).get("notes", ""),
                            "accepts_product_review_abandoned_cart_emails": item.accepts_marketing}
    if group_id is not None:
        body["customer_group_id"] = group_id
    addresses = []
    for address in (item.billing, item.shipping):
        written = address_to_bc(address, item)
        if written and written not in addresses:
            addresses.append(written)
    if addresses:
        body["addresses"] = addresses
    return body


# --- orders --------------------------------------------------------------------------------------------------
def _order_address(record: dict[str, Any]) -> dict[str, Any]:
    return {"first_name": text(record, "first_name"), "last_name": text(record, "last_name"),
            "company": text(record, "company"), "address1": text(record, "street_1"),
            "address2": text(record, "street_2"), "city": text(record, "city"), "state": text(record, "state"),
            "postcode": text(record, "zip"), "country": text(record, "country_iso2"), "phone": text(record, "phone"),
            "email": text(record, "email")}


def _line(record: dict[str, Any]) -> dict[str, Any]:
    quantity = int(record.get("quantity") or 0)
    price = money(record.get("price_ex_tax")) or Decimal(0)
    total = money(record.get("total_ex_tax"))
    total = total if total is not None else price * quantity
    tax = (money(record.get("total_inc_tax")) or total) - total
    product = record.get("product_id")
    return {"source_id": source_id(record), "product_id": str(product) if product else None,
            # a line of a product without options names the product's base variant: not a variant of ours
            "variant_id": str(record["variant_id"]) if record.get("variant_id") and list_of(
                record, "product_options") else None,
            "sku": text(record, "sku"), "name": text(record, "name") or text(record, "sku") or "Item",
            "quantity": quantity, "price": price, "subtotal": total, "total": total, "tax": tax}


def shipment_to_canonical(record: dict[str, Any], positions: dict[str, int] | None = None) -> dict[str, Any] | None:
    """A shipment with its tracking number and what it carried (`items`: order product id and quantity,
    given as the position of the line in the order; `positions`: order product id -> position)."""
    number = text(record, "tracking_number")
    if not number:
        return None
    items = [item for item in record.get("items") or [] if isinstance(item, dict)]
    lines = [{"line": (positions or {}).get(str(item.get("order_product_id"))),
              "quantity": int(item.get("quantity") or 0)} for item in items]
    if any(line["line"] is None or line["quantity"] <= 0 for line in lines):
        lines = []  # an item that is not a line of the order: what the shipment carried is unknown
    return {"tracking_number": number, "carrier": text(record, "tracking_carrier") or text(record, "shipping_provider"),
            "tracking_url": text(record, "generated_tracking_link") or text(record, "tracking_link"),
            "shipped_at": parse_date(record.get("date_created")), "lines": lines}


def order_number(record: dict[str, Any]) -> str:
    """The order's number (its natural key): the source's number of an order this connector wrote, else its id."""
    return text(record, "external_order_id") or source_id(record)


def order_to_canonical(record: dict[str, Any], *, lines: list[dict[str, Any]], addresses: list[dict[str, Any]],
                       shipments: list[dict[str, Any]]) -> Order:
    status = STATUS_KEYS.get(int(record.get("status_id") or 0), "pending")
    shipping_total = money(record.get("shipping_cost_ex_tax")) or Decimal(0)
    discount = (money(record.get("discount_amount")) or Decimal(0)) + (money(record.get("coupon_discount"))
                                                                      or Decimal(0))
    customer = record.get("customer_id")
    method = text(addresses[0], "shipping_method") if addresses else ""
    positions = {str(line.get("id")): n for n, line in enumerate(lines)}
    tracked = [s for s in (shipment_to_canonical(s, positions) for s in shipments) if s]
    return _validate(E.ORDER, {
        "source_id": source_id(record), "updated_at": parse_date(record.get("date_modified")),
        "created_at": parse_date(record.get("date_created")),
        "number": order_number(record), "status": status,
        "currency": text(record, "currency_code") or text(record, "default_currency_code"),
        "customer_id": str(customer) if customer not in (None, 0, "0", "") else None,
        "email": text(mapping(record.get("billing_address"), "billing_address"), "email"),
        "billing": _order_address(mapping(record.get("billing_address"), "billing_address")),
        "shipping": _order_address(addresses[0]) if addresses else {},
        "lines": [_line(line) for line in lines],
        "shipping_lines": [{"method": method, "title": method, "total": shipping_total}] if method or shipping_total
        else [],
        "subtotal": money(record.get("subtotal_ex_tax")) or Decimal(0), "shipping_total": shipping_total,
        "tax_total": money(record.get("total_tax")) or Decimal(0), "discount_total": discount,
        "total": money(record.get("total_inc_tax")) or Decimal(0),
        "payment_method": text(record, "payment_method"), "payment_method_title": text(record, "payment_method"),
        "customer_note": text(record, "customer_message"), "shipments": tracked,
        "extra": _extra(staff_notes=text(record, "staff_notes"), payment_status=text(record, "payment_status")),
    })


def _address_out(address: Any, fallback_email: str) -> dict[str, Any]:
    return {"first_name": address.first_name or "-", "last_name": address.last_name or "-",
            "company": address.company, "street_1": address.address1, "street_2": address.address2,
            "city": address.city, "state": address.state, "zip": address.postcode,
            "country_iso2": address.country.upper(), "phone": address.phone,
            "email": address.email or fallback_email}


def order_to_bc(item: Order) -> dict[str, Any]:
    """The v2 body of a historical order: its number as `external_order_id`, `external_source` M-MIG (not
    counted in the store's GMV), its date, lines at their historical prices."""
    lines = []
    for line in item.lines:
        # the line's price after its discounts, so BigCommerce's line total is the source's
        quantity = max(1, line.quantity)
        unit = (line.total / quantity).quantize(Decimal("0.0001")) if line.total else line.price
        body: dict[str, Any] = {"quantity": quantity, "price_ex_tax": amount(unit),
                                "price_inc_tax": amount(unit + (line.tax / quantity).quantize(Decimal("0.0001")))}
        if line.product_id:
            body["product_id"] = int(line.product_id)
            if line.variant_id:
                body["variant_id"] = int(line.variant_id)
        else:
            body.update({"name": line.name, "sku": line.sku})
        lines.append(body)
    shipping = item.shipping if not item.shipping.is_empty() else item.billing
    body = {
        "customer_id": int(item.customer_id) if item.customer_id else 0,
        "status_id": STATUS_IDS.get(item.status, 1),
        "billing_address": _address_out(item.billing, item.email),
        "shipping_addresses": [{**_address_out(shipping, item.email), "shipping_method": (
            item.shipping_lines[0].title or item.shipping_lines[0].method) if item.shipping_lines else ""}],
        "products": lines,
        "shipping_cost_ex_tax": amount(item.shipping_total), "shipping_cost_inc_tax": amount(item.shipping_total),
        "discount_amount": amount(item.discount_total), "customer_message": item.customer_note,
        # the totals as the source charged them ("override value" of order_Post)
        "subtotal_ex_tax": amount(item.subtotal), "subtotal_inc_tax": amount(item.subtotal + sum(
            (line.tax for line in item.lines), Decimal(0))),
        "total_ex_tax": amount(item.total - item.tax_total), "total_inc_tax": amount(item.total),
        "staff_notes": ours(item).get("staff_notes", ""),
        "payment_method": item.payment_method_title or item.payment_method or "Manual",
        "currency_code": item.currency, "external_source": MIGRATION_SOURCE, "external_order_id": item.number,
    }
    if item.created_at:
        body["date_created"] = rfc2822(item.created_at)
    return body


# --- reviews and coupons -----------------------------------------------------------------------------------
def review_to_canonical(record: dict[str, Any]) -> Review:
    return _validate(E.REVIEW, {
        "source_id": source_id(record), "updated_at": parse_date(record.get("date_modified")),
        "created_at": parse_date(record.get("date_reviewed") or record.get("date_created")),
        "product_id": str(record.get("product_id") or ""), "reviewer": text(record, "name"),
        "reviewer_email": text(record, "email"), "rating": int(record.get("rating") or 0),
        "content": text(record, "text"), "status": REVIEW_STATUS_IN.get(text(record, "status"), "pending"),
        "extra": _extra(title=text(record, "title")),
    })


def review_to_bc(item: Review) -> dict[str, Any]:
    title = ours(item).get("title") or (item.content.split("\n")[0][:60].strip() or f"Review by {item.reviewer}")
    return {"title": title or "Review", "text": item.content, "status": REVIEW_STATUS_OUT.get(item.status, "pending"),
            "rating": item.rating, "email": item.reviewer_email, "name": item.reviewer,
            "date_reviewed": iso(item.created_at or datetime.now(UTC))}


def coupon_to_canonical(record: dict[str, Any]) -> Coupon:
    kind = text(record, "type")
    applies = mapping(record.get("applies_to"), "applies_to")
    ids = [str(i) for i in list_of(applies, "ids") if str(i) != "0"]
    minimum = money(record.get("min_purchase"))
    return _validate(E.COUPON, {
        "source_id": source_id(record), "created_at": parse_date(record.get("date_created")),
        "code": text(record, "code"), "description": _coupon_description(text(record, "name"), text(record, "code")),
        "discount_type": COUPON_TYPES_IN.get(kind, "fixed_cart"),
        "amount": Decimal(0) if kind == "free_shipping" else (money(record.get("amount")) or Decimal(0)),
        "expires_at": parse_date(record.get("expires")),
        "usage_limit": int(record.get("max_uses") or 0) or None,
        "usage_limit_per_user": int(record.get("max_uses_per_customer") or 0) or None,
        "usage_count": int(record.get("num_uses") or 0), "minimum_amount": minimum if minimum else None,
        "free_shipping": kind == "free_shipping",
        "product_ids": ids if text(applies, "entity") == "products" else [],
        "category_ids": ids if text(applies, "entity") == "categories" else [],
        "extra": _extra(type=kind if kind not in COUPON_TYPES_OUT.values() else None,
                        enabled=None if record.get("enabled", True) else False),
    })


def _coupon_description(name: str, code: str) -> str:
    """A coupon's description from its name: without the " (CODE)" this connector adds; "" when it is the code."""
    if name == code:
        return ""
    return name.removesuffix(f" ({code})")


def coupon_to_bc(item: Coupon) -> tuple[dict[str, Any], list[str]]:
    """The v2 body and what of the coupon BigCommerce cannot hold (warnings)."""
    warnings = []
    kind = ours(item).get("type") or ("free_shipping" if item.free_shipping and not item.amount
                                      else COUPON_TYPES_OUT[item.discount_type])
    if item.product_ids:
        applies = {"entity": "products", "ids": [int(i) for i in item.product_ids]}
        if item.category_ids:
            warnings.append("A BigCommerce coupon applies to products or to categories, not both: kept the products.")
    elif item.category_ids:
        applies = {"entity": "categories", "ids": [int(i) for i in item.category_ids]}
    else:
        applies = {"entity": "categories", "ids": [0]}  # 0: every category [marketing.v2.yml applies_to]
    if item.excluded_product_ids or item.excluded_category_ids:
        warnings.append("BigCommerce coupons have no exclusions: the excluded products and categories were dropped.")
    # the name is unique on BigCommerce, the description need not be: the code makes it unique
    name = f"{item.description[:100 - len(item.code) - 3]} ({item.code})" if item.description else item.code
    body: dict[str, Any] = {"name": name, "code": item.code, "type": kind,
                            "amount": money_text(item.amount), "min_purchase": money_text(item.minimum_amount),
                            "enabled": ours(item).get("enabled", True), "applies_to": applies,
                            "max_uses": item.usage_limit or 0, "max_uses_per_customer": item.usage_limit_per_user or 0}
    if item.expires_at:
        body["expires"] = rfc2822(item.expires_at)
    return body, warnings
