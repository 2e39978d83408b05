"""Pure translations between WooCommerce REST API v3 JSON and canonical entities. No I/O.

Readers (`*_from_wc`) take the decoded WC JSON of one record (plus, where needed, the related records
the connector fetched: variations, order notes, translations) and return a dict of canonical fields;
`to_canonical` wraps them so that any malformed record becomes a readable `RecordError`, never an
exception the engine has to understand. Writers (`*_to_wc`) take a canonical entity whose references
the engine already rewrote to this store's ids, and return the WC request body.

Money: canonical Decimal major units <-> WC decimal strings ("19.99").
Dates: WC sends `date_*_gmt` as "YYYY-MM-DDTHH:MM:SS" without an offset; they are UTC.
  [woocommerce-rest-api-docs _introduction.md: dates in site timezone, `_gmt` twins in UTC]
Extra: what only WooCommerce knows is kept under `extra["woocommerce"]` so round trips keep it and
other platforms can ignore it.
"""
from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from connectors.entities import (
    Canonical,
    Category,
    Coupon,
    Customer,
    EntityType,
    Manufacturer,
    Order,
    Product,
    Review,
    TaxClass,
    Variant,
    excerpt,
    validate_entity,
)
from connectors.errors import RecordError
from connectors.sdk import access
from connectors.sdk.access import money, money_or_zero  # noqa: F401 - re-exported to the streams

from . import payments

EXTRA_KEY = "woocommerce"
SOURCE_NUMBER_META = "_cartmigrate_source_number"
SOURCE_DATE_META = "_cartmigrate_source_date"
TRACKING_META = "_wc_shipment_tracking_items"  # WooCommerce Shipment Tracking extension's meta key
YOAST_TITLE_META = "_yoast_wpseo_title"
YOAST_DESCRIPTION_META = "_yoast_wpseo_metadesc"

# WC product status <-> canonical. [woocommerce-rest-api-docs _products.md: draft|pending|private|publish]
PRODUCT_STATUS_IN = {"publish": "active", "future": "active", "draft": "draft", "pending": "draft",
                     "private": "archived", "trash": "archived"}
PRODUCT_STATUS_OUT = {"active": "publish", "draft": "draft", "archived": "private"}
STOCK_STATUS_IN = {"instock": "in_stock", "outofstock": "out_of_stock", "onbackorder": "backorder"}
STOCK_STATUS_OUT = {v: k for k, v in STOCK_STATUS_IN.items()}
# [woocommerce-rest-api-docs _product-reviews.md: approved|hold|spam|unspam|trash|untrash]
REVIEW_STATUS_IN = {"approved": "approved", "hold": "pending", "spam": "spam", "unspam": "pending",
                    "untrash": "pending", "trash": "spam"}
REVIEW_STATUS_OUT = {"approved": "approved", "pending": "hold", "spam": "spam"}
# Labels WooCommerce writes into "Order status changed from X to Y." notes (wc_get_order_statuses()).
ORDER_STATUS_LABELS = {
    "pending payment": "pending", "processing": "processing", "on hold": "on-hold", "completed": "completed",
    "cancelled": "cancelled", "refunded": "refunded", "failed": "failed", "draft": "checkout-draft",
}
_STATUS_NOTE_RE = re.compile(r"order status changed from (.+?) to (.+?)\.?$", re.IGNORECASE)
_ADDRESS_FIELDS = (("first_name", "first_name"), ("last_name", "last_name"), ("company", "company"),
                   ("address_1", "address1"), ("address_2", "address2"), ("city", "city"), ("state", "state"),
                   ("postcode", "postcode"), ("country", "country"), ("phone", "phone"), ("email", "email"))


# --- scalar helpers ------------------------------------------------------------------------------


def money_str(amount: Decimal | None) -> str:
    """A canonical amount as WC expects it ("19.99"); None as "" (WC's blank)."""
    if amount is None:
        return ""
    return format(amount, "f")


def wc_int(value: Any, field: str) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise ValueError(f"{field}: {value!r} is not a whole number")
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise ValueError(f"{field}: {value!r} is not a whole number") from None
    if number != number.to_integral_value():
        raise ValueError(f"{field}: {value!r} is not a whole number")
    return int(number)


def ref_id(value: Any, field: str) -> str | None:
    """A WC id reference as a canonical id string; 0, null and "" mean "none"."""
    number = wc_int(value, field)
    return str(number) if number else None


def out_id(value: str | None) -> int:
    """A canonical reference (already rewritten to this store) as the WC integer id; None -> 0."""
    if value in (None, ""):
        return 0
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ValueError(f"{value!r} is not a WooCommerce id") from None


def parse_gmt(value: Any, field: str = "date") -> datetime | None:
    """WC `*_gmt` timestamps have no offset and are UTC; values with an offset are honoured."""
    if value in (None, ""):
        return None
    if not isinstance(value, str):
        raise ValueError(f"{field}: {value!r} is not a date")
    text = value.strip().replace("Z", "+00:00")
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{field}: {value!r} is not a date") from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def format_gmt(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S")


# JSON accessors: the SDK's (one behaviour for every platform; "" is an empty list, [] an empty object).
_text = access.text
_list = access.list_of
_dict = access.mapping


def meta_value(data: dict[str, Any], key: str) -> Any:
    for meta in _list(data, "meta_data"):
        if isinstance(meta, dict) and meta.get("key") == key:
            return meta.get("value")
    return None


def _common(data: dict[str, Any]) -> dict[str, Any]:
    return {
        "source_id": str(data["id"]),
        "created_at": parse_gmt(data.get("date_created_gmt"), "date_created_gmt"),
        "updated_at": parse_gmt(data.get("date_modified_gmt"), "date_modified_gmt"),
    }


def _image_in(value: Any, position: int = 0) -> dict[str, Any] | None:
    image = _dict(value, "image")
    src = image.get("src")
    if not src:
        return None
    return {"url": str(src), "alt": str(image.get("alt") or ""), "position": position}


def _image_out(image: Any) -> dict[str, Any] | None:
    if image is None:
        return None
    out = {"src": image.url}
    if image.alt:
        out["alt"] = image.alt
    return out


def _slug_of(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def address_in(value: Any, field: str) -> dict[str, str]:
    data = _dict(value, field)
    return {canonical: _text(data, wc) for wc, canonical in _ADDRESS_FIELDS}


def address_out(address: Any, *, with_email: bool) -> dict[str, str]:
    out = {wc: getattr(address, canonical) for wc, canonical in _ADDRESS_FIELDS}
    if not with_email:
        out.pop("email")
    return out


def _extra(**values: Any) -> dict[str, Any]:
    kept = {k: v for k, v in values.items() if v not in (None, "", [], {})}
    return {EXTRA_KEY: kept} if kept else {}


def _wc_extra(item: Canonical) -> dict[str, Any]:
    value = item.extra.get(EXTRA_KEY)
    return value if isinstance(value, dict) else {}


# --- tax classes ---------------------------------------------------------------------------------
def tax_class_from_wc(data: dict[str, Any]) -> dict[str, Any]:
    # Tax classes have no numeric id: the slug is the id. [woocommerce-rest-api-docs _tax-classes.md]
    slug = _text(data, "slug")
    if not slug:
        raise ValueError("slug: missing")
    return {"source_id": slug, "name": _text(data, "name"), "slug": slug}


def tax_class_to_wc(item: TaxClass) -> dict[str, Any]:
    return {"name": item.name}


# --- manufacturers (product brands, core since WC 9.6) -------------------------------------------
def manufacturer_from_wc(data: dict[str, Any]) -> dict[str, Any]:
    image = _image_in(data.get("image"))
    return {
        "source_id": str(data["id"]),
        "name": _text(data, "name"),
        "slug": _text(data, "slug"),
        "description": _text(data, "description"),
        "image": image,
    }


def manufacturer_to_wc(item: Manufacturer, *, migrate_images: bool = True) -> dict[str, Any]:
    out: dict[str, Any] = {"name": item.name, "description": item.description}
    if item.slug:
        out["slug"] = item.slug
    if migrate_images and item.image:
        out["image"] = _image_out(item.image)
    return out


# --- categories ----------------------------------------------------------------------------------
def category_from_wc(data: dict[str, Any], translations: dict[str, dict[str, Any]] | None = None
                     ) -> dict[str, Any]:
    slug = _text(data, "slug")
    return {
        "source_id": str(data["id"]),
        "name": _text(data, "name"),
        "slug": slug,
        "parent_id": ref_id(data.get("parent"), "parent"),
        "description": _text(data, "description"),
        "image": _image_in(data.get("image")),
        "position": wc_int(data.get("menu_order"), "menu_order") or 0,
        "seo": {"url_key": slug},
        "translations": {
            lang: {"name": _text(t, "name"), "description": _text(t, "description"), "slug": _text(t, "slug")}
            for lang, t in (translations or {}).items()
        },
        "extra": _extra(display=data.get("display") if data.get("display") != "default" else None),
    }


def category_to_wc(item: Category, *, migrate_images: bool = True) -> dict[str, Any]:
    out: dict[str, Any] = {
        "name": item.name,
        "description": item.description,
        "parent": out_id(item.parent_id),
        "menu_order": item.position,
    }
    slug = item.seo.url_key or item.slug
    if slug:
        out["slug"] = slug
    if migrate_images and item.image:
        out["image"] = _image_out(item.image)
    display = _wc_extra(item).get("display")
    if display:
        out["display"] = display
    return out


# --- products ------------------------------------------------------------------------------------
def _prices_in(data: dict[str, Any]) -> tuple[Decimal | None, Decimal | None]:
    """Canonical price = what the customer pays; compare_at_price = the regular price while on sale."""
    regular = money(data.get("regular_price"), "regular_price")
    sale = money(data.get("sale_price"), "sale_price")
    if sale is not None and (regular is None or sale < regular):
        return sale, regular
    if regular is None:
        return money(data.get("price"), "price"), None
    return regular, None


def _prices_out(price: Decimal | None, compare_at: Decimal | None) -> dict[str, str]:
    if compare_at is not None and price is not None and compare_at > price:
        return {"regular_price": money_str(compare_at), "sale_price": money_str(price)}
    return {"regular_price": money_str(price), "sale_price": ""}


def _stock_in(data: dict[str, Any]) -> dict[str, Any]:
    # Variations say manage_stock "parent" when the parent manages their stock.
    # [woocommerce-rest-api-docs _product-variations.md: manage_stock true|false|"parent"]
    manage = data.get("manage_stock") is True
    status = _text(data, "stock_status") or "instock"
    if status not in STOCK_STATUS_IN:
        raise ValueError(f"stock_status: unknown value {status!r}")
    return {
        "manage_stock": manage,
        "stock_quantity": wc_int(data.get("stock_quantity"), "stock_quantity") if manage else None,
        "stock_status": STOCK_STATUS_IN[status],
    }


def _stock_out(item: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"manage_stock": item.manage_stock, "stock_status": STOCK_STATUS_OUT[item.stock_status]}
    if item.manage_stock:
        out["stock_quantity"] = item.stock_quantity or 0
    return out


def variant_from_wc(data: dict[str, Any]) -> dict[str, Any]:
    price, compare_at = _prices_in(data)
    options = {}
    for attribute in _list(data, "attributes"):
        attribute = _dict(attribute, "attributes[]")
        name = _text(attribute, "name")
        if name:
            options[name] = _text(attribute, "option")
    return {
        "source_id": str(data["id"]),
        "sku": _text(data, "sku"),
        "price": price,
        "compare_at_price": compare_at,
        **_stock_in(data),
        "weight": money(data.get("weight"), "weight"),
        "option_values": options,
        "image": _image_in(data.get("image")),
    }


def product_from_wc(data: dict[str, Any], variations: Iterable[dict[str, Any]] = (),
                    translations: dict[str, dict[str, Any]] | None = None) -> dict[str, Any]:
    wc_type = _text(data, "type") or "simple"
    # grouped/external have no canonical counterpart; they migrate as simple products.
    canonical_type = wc_type if wc_type in ("simple", "variable") else "simple"
    status = _text(data, "status") or "publish"
    if status not in PRODUCT_STATUS_IN:
        raise ValueError(f"status: unknown value {status!r}")
    if canonical_type == "variable":
        # A variable product's own prices are not used by WC: `price` is derived from its variations.
        price, compare_at = money(data.get("price"), "price"), None
    else:
        price, compare_at = _prices_in(data)
    options, attributes = [], []
    for position, attribute in enumerate(_list(data, "attributes")):
        attribute = _dict(attribute, "attributes[]")
        values = [str(v) for v in _list(attribute, "options")]
        if attribute.get("variation"):
            options.append({"name": _text(attribute, "name"), "values": values,
                            "position": wc_int(attribute.get("position"), "position") or position})
        else:
            attributes.append({"name": _text(attribute, "name"), "options": values,
                               "visible": bool(attribute.get("visible", True))})
    slug = _text(data, "slug")
    brands = [_dict(b, "brands[]") for b in _list(data, "brands")]
    tax_class = _text(data, "tax_class")
    return {
        **_common(data),
        "name": _text(data, "name"),
        "slug": slug,
        "sku": _text(data, "sku"),
        "type": canonical_type,
        "status": PRODUCT_STATUS_IN[status],
        "featured": bool(data.get("featured")),
        "description": _text(data, "description"),
        "short_description": _text(data, "short_description"),
        "price": price,
        "compare_at_price": compare_at,
        **_stock_in(data),
        "weight": money(data.get("weight"), "weight"),
        "category_ids": [str(_dict(c, "categories[]")["id"]) for c in _list(data, "categories")],
        "manufacturer_id": ref_id(brands[0].get("id"), "brands[].id") if brands else None,
        "tax_class_id": tax_class or None,  # "" is the Standard class, the default everywhere
        "tags": [_text(_dict(t, "tags[]"), "name") for t in _list(data, "tags")],
        "images": [img for i, raw in enumerate(_list(data, "images")) if (img := _image_in(raw, i))],
        "options": options,
        "variants": [variant_from_wc(v) for v in variations],
        "seo": {"url_key": slug, "title": str(meta_value(data, YOAST_TITLE_META) or ""),
                "description": str(meta_value(data, YOAST_DESCRIPTION_META) or "")},
        "translations": {
            lang: {"name": _text(t, "name"), "description": _text(t, "description"),
                   "short_description": _text(t, "short_description"), "slug": _text(t, "slug")}
            for lang, t in (translations or {}).items()
        },
        "extra": _extra(type=wc_type if wc_type != canonical_type else None,
                        status=status if PRODUCT_STATUS_OUT[PRODUCT_STATUS_IN[status]] != status else None,
                        attributes=attributes, catalog_visibility=(
                            data.get("catalog_visibility") if data.get("catalog_visibility") != "visible" else None),
                        extra_brand_ids=[str(b.get("id")) for b in brands[1:]],
                        # The storefront address, for 301 redirects on a target that can create them.
                        permalink=data.get("permalink")),
    }


def product_to_wc(item: Product, *, tag_ids: dict[str, int] | None = None, migrate_images: bool = True
                  ) -> dict[str, Any]:
    """The WC body for a product (without its variations, which go to products/{id}/variations).

    Options become product-level custom attributes with `variation: true`; tags are sent by id, so the
    caller resolves tag names to ids first (`tag_ids`)."""
    extra = _wc_extra(item)
    status = PRODUCT_STATUS_OUT[item.status]
    if extra.get("status") and PRODUCT_STATUS_IN.get(extra["status"]) == item.status:
        status = extra["status"]  # e.g. "pending" round-trips as "pending", not "draft"
    out: dict[str, Any] = {
        "name": item.name,
        "type": item.type,
        "status": status,
        "featured": item.featured,
        "description": item.description,
        "short_description": item.short_description,
        "sku": item.sku,
        "categories": [{"id": out_id(c)} for c in item.category_ids],
        "tax_class": item.tax_class_id or "",
    }
    slug = item.seo.url_key or item.slug
    if slug:
        out["slug"] = slug
    if item.type == "simple":
        out.update(_prices_out(item.price, item.compare_at_price))
        out.update(_stock_out(item))
    else:
        # A variable product's prices live on its variations; its own stock may be managed at product level
        # for variations that say manage_stock "parent". [woocommerce-rest-api-docs _product-variations.md]
        out.update(_stock_out(item))
    if item.weight is not None:
        out["weight"] = money_str(item.weight)
    if item.manufacturer_id:
        brand_ids = [item.manufacturer_id, *extra.get("extra_brand_ids", [])]
        out["brands"] = [{"id": out_id(b)} for b in brand_ids]
    if item.tags:
        tag_ids = tag_ids or {}
        missing = [t for t in item.tags if t not in tag_ids]
        if missing:
            raise ValueError(f"tags: no id for {', '.join(missing)}")
        out["tags"] = [{"id": tag_ids[t]} for t in item.tags]
    if migrate_images:
        out["images"] = [_image_out(img) for img in sorted(item.images, key=lambda i: i.position)]
    attributes = [
        {"name": o.name, "position": o.position, "visible": True, "variation": True, "options": o.values}
        for o in item.options
    ]
    for position, attribute in enumerate(extra.get("attributes", []), start=len(attributes)):
        attributes.append({"name": attribute["name"], "position": position, "visible": attribute.get("visible", True),
                           "variation": False, "options": attribute.get("options", [])})
    if attributes:
        out["attributes"] = attributes
    if extra.get("catalog_visibility"):
        out["catalog_visibility"] = extra["catalog_visibility"]
    meta = []
    if item.seo.title:
        meta.append({"key": YOAST_TITLE_META, "value": item.seo.title})
    if item.seo.description:
        meta.append({"key": YOAST_DESCRIPTION_META, "value": item.seo.description})
    if meta:
        out["meta_data"] = meta
    return out


def variant_to_wc(variant: Variant, *, migrate_images: bool = True) -> dict[str, Any]:
    out: dict[str, Any] = {
        "sku": variant.sku,
        **_prices_out(variant.price, variant.compare_at_price),
        **_stock_out(variant),
        "attributes": [{"name": name, "option": value} for name, value in variant.option_values.items()],
    }
    if variant.weight is not None:
        out["weight"] = money_str(variant.weight)
    if migrate_images and variant.image:
        out["image"] = _image_out(variant.image)
    return out


def translation_to_wc(entity: EntityType, fields: dict[str, str], *, lang: str, original_id: str
                      ) -> dict[str, Any]:
    """Body creating a WPML translation of `original_id` in `lang`.
    [wpml.org using-wordpress-rest-api-woocommerce-multilingual: `lang` + `translation_of`]"""
    allowed = ("name", "description", "slug") if entity == EntityType.CATEGORY else (
        "name", "description", "short_description", "slug")
    out: dict[str, Any] = {k: fields[k] for k in allowed if fields.get(k)}
    out["lang"] = lang
    out["translation_of"] = out_id(original_id)
    return out


# --- customers -----------------------------------------------------------------------------------
def customer_from_wc(data: dict[str, Any]) -> dict[str, Any]:
    billing = address_in(data.get("billing"), "billing")
    email = _text(data, "email") or billing["email"]
    return {
        **_common(data),
        "email": email,
        "first_name": _text(data, "first_name"),
        "last_name": _text(data, "last_name"),
        "username": _text(data, "username"),
        "phone": billing["phone"],
        "billing": billing,
        "shipping": address_in(data.get("shipping"), "shipping"),
        "extra": _extra(role=data.get("role") if data.get("role") != "customer" else None),
    }


def customer_to_wc(item: Customer) -> dict[str, Any]:
    # Passwords are never migrated; WooCommerce generates one for a new customer.
    billing = address_out(item.billing, with_email=True)
    if item.phone and not billing["phone"]:
        billing["phone"] = item.phone
    out: dict[str, Any] = {
        "email": item.email,
        "first_name": item.first_name,
        "last_name": item.last_name,
        "billing": billing,
        "shipping": address_out(item.shipping, with_email=False),
    }
    if item.username:
        out["username"] = item.username
    return out


# --- orders --------------------------------------------------------------------------------------
def _status_from_note(text: str) -> str:
    match = _STATUS_NOTE_RE.search(text.strip())
    if not match:
        return ""
    return ORDER_STATUS_LABELS.get(match.group(2).strip().lower(), "")


def status_history_from_notes(notes: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    history = []
    for note in notes:
        note = _dict(note, "notes[]")
        text = _text(note, "note")
        history.append({
            "status": _status_from_note(text),
            "note": text,
            "customer_visible": bool(note.get("customer_note")),
            "created_at": parse_gmt(note.get("date_created_gmt"), "notes[].date_created_gmt"),
        })
    history.sort(key=lambda h: (h["created_at"] is None, h["created_at"] or datetime.min.replace(tzinfo=UTC)))
    return history


def shipments_from_meta(value: Any) -> list[dict[str, Any]]:
    """`_wc_shipment_tracking_items`: [{tracking_provider, custom_tracking_provider, custom_tracking_link,
    tracking_number, date_shipped (unix time), tracking_id}] as written by WooCommerce Shipment Tracking."""
    shipments = []
    for raw in value or []:
        raw = _dict(raw, TRACKING_META)
        number = _text(raw, "tracking_number")
        if not number:
            continue
        shipped = raw.get("date_shipped")
        shipped_at = None
        if shipped not in (None, ""):
            if isinstance(shipped, (int, float)) or str(shipped).isdigit():
                shipped_at = datetime.fromtimestamp(int(shipped), tz=UTC)
            else:
                shipped_at = parse_gmt(str(shipped), "date_shipped")
        shipments.append({
            "tracking_number": number,
            "carrier": _text(raw, "tracking_provider") or _text(raw, "custom_tracking_provider"),
            "tracking_url": _text(raw, "custom_tracking_link"),
            "shipped_at": shipped_at,
        })
    return shipments


def shipments_to_meta(item: Order) -> list[dict[str, Any]]:
    items = []
    for shipment in item.shipments:
        # A stable id per (order, tracking number) so re-writing the meta does not duplicate entries.
        tracking_id = hashlib.sha256(f"{item.number}:{shipment.tracking_number}".encode()).hexdigest()[:32]
        items.append({
            "tracking_provider": "",
            "custom_tracking_provider": shipment.carrier,
            "custom_tracking_link": shipment.tracking_url,
            "tracking_number": shipment.tracking_number,
            "date_shipped": str(int(shipment.shipped_at.timestamp())) if shipment.shipped_at else "",
            "tracking_id": tracking_id,
        })
    return items


def _unit_price(subtotal: Decimal, quantity: int) -> Decimal:
    """Unit price before discounts: cents when they divide evenly, else four decimals."""
    exact = subtotal / quantity
    cents = exact.quantize(Decimal("0.01"))
    return cents if cents * quantity == subtotal else exact.quantize(Decimal("0.0001"))


def order_from_wc(data: dict[str, Any], notes: Iterable[dict[str, Any]] = (),
                  refunds: Iterable[dict[str, Any]] = ()) -> dict[str, Any]:
    """`refunds`: the order's refunds as `orders/{id}/refunds` lists them (read only for orders whose
    `refunds` summary is not empty)."""
    lines, subtotal = [], Decimal("0")
    for raw in _list(data, "line_items"):
        raw = _dict(raw, "line_items[]")
        quantity = wc_int(raw.get("quantity"), "line_items[].quantity") or 0
        line_subtotal = money_or_zero(raw.get("subtotal"), "line_items[].subtotal")
        unit = _unit_price(line_subtotal, quantity) if quantity else (
            money_or_zero(raw.get("price"), "line_items[].price"))
        subtotal += line_subtotal
        lines.append({
            "source_id": str(raw.get("id", "")),
            "product_id": ref_id(raw.get("product_id"), "line_items[].product_id"),
            "variant_id": ref_id(raw.get("variation_id"), "line_items[].variation_id"),
            "sku": _text(raw, "sku"),
            "name": _text(raw, "name"),
            "quantity": quantity,
            "price": unit,
            "subtotal": line_subtotal,
            "total": money_or_zero(raw.get("total"), "line_items[].total"),
            "tax": money_or_zero(raw.get("total_tax"), "line_items[].total_tax"),
        })
    tax_lines = []
    for raw in _list(data, "tax_lines"):
        raw = _dict(raw, "tax_lines[]")
        tax_lines.append({
            "label": _text(raw, "label") or _text(raw, "rate_code"),
            "rate": money(raw.get("rate_percent"), "tax_lines[].rate_percent"),
            "total": money_or_zero(raw.get("tax_total"), "tax_lines[].tax_total")
            + money_or_zero(raw.get("shipping_tax_total"), "tax_lines[].shipping_tax_total"),
        })
    billing = address_in(data.get("billing"), "billing")
    source_number = meta_value(data, SOURCE_NUMBER_META)
    paid_at = parse_gmt(data.get("date_paid_gmt"), "date_paid_gmt")
    return {
        **_common(data),
        "number": _text(data, "number") or str(data["id"]),
        "status": _text(data, "status"),
        "currency": _text(data, "currency"),
        "customer_id": ref_id(data.get("customer_id"), "customer_id"),
        "email": billing["email"],
        "billing": billing,
        "shipping": address_in(data.get("shipping"), "shipping"),
        "lines": lines,
        "shipping_lines": [
            {"method": _text(s, "method_id"), "title": _text(s, "method_title"),
             "total": money_or_zero(s.get("total"), "shipping_lines[].total")}
            for s in (_dict(raw, "shipping_lines[]") for raw in _list(data, "shipping_lines"))
        ],
        "tax_lines": tax_lines,
        "discounts": [
            {"code": _text(c, "code"), "amount": money_or_zero(c.get("discount"), "coupon_lines[].discount")}
            for c in (_dict(raw, "coupon_lines[]") for raw in _list(data, "coupon_lines"))
        ],
        "subtotal": subtotal,
        "shipping_total": money_or_zero(data.get("shipping_total"), "shipping_total"),
        "tax_total": money_or_zero(data.get("total_tax"), "total_tax"),
        "discount_total": money_or_zero(data.get("discount_total"), "discount_total"),
        "total": money_or_zero(data.get("total"), "total"),
        "payment_method": _text(data, "payment_method"),
        "payment_method_title": _text(data, "payment_method_title"),
        "transaction_id": _text(data, "transaction_id"),
        "paid_at": paid_at,
        "customer_note": _text(data, "customer_note"),
        "status_history": status_history_from_notes(notes),
        "shipments": shipments_from_meta(meta_value(data, TRACKING_META)),
        "transactions": payments.transactions_from_wc(data, paid_at, parse_gmt),
        "refunds": payments.refunds_from_wc(data, refunds, parse_gmt),
        "extra": _extra(source_number=str(source_number) if source_number else None,
                        source_date=meta_value(data, SOURCE_DATE_META)),
    }


def order_to_wc(item: Order) -> dict[str, Any]:
    """The WC body creating a historical order.

    `date_created` is read-only [woocommerce-rest-api-docs _orders.md], so the source number and date
    travel in meta; `set_paid` stays false because it would mark the order paid now and reduce stock
    [same page: set_paid "sets status to processing and reduce stock items"]; `_order_stock_reduced`
    tells WooCommerce the stock was already handled so a processing/completed status does not
    reduce it again (wc_maybe_reduce_stock_levels checks it). Status history goes as notes afterwards."""
    billing = address_out(item.billing, with_email=True)
    if item.email:
        billing["email"] = item.email
    lines = []
    for line in item.lines:
        out_line: dict[str, Any] = {
            "name": line.name,
            "quantity": line.quantity,
            "subtotal": money_str(line.subtotal or line.price * line.quantity),
            "total": money_str(line.total),
            "total_tax": money_str(line.tax),
        }
        if line.product_id:
            out_line["product_id"] = out_id(line.product_id)
        if line.variant_id:
            out_line["variation_id"] = out_id(line.variant_id)
        if line.sku:
            out_line["meta_data"] = [{"key": "_cartmigrate_sku", "value": line.sku}]
        lines.append(out_line)
    meta: list[dict[str, Any]] = [
        {"key": SOURCE_NUMBER_META, "value": item.number},
        {"key": "_order_stock_reduced", "value": "yes"},
    ]
    if item.created_at:
        meta.append({"key": SOURCE_DATE_META, "value": format_gmt(item.created_at)})
    if item.shipments:
        meta.append({"key": TRACKING_META, "value": shipments_to_meta(item)})
    meta += payments.paid_meta(item, format_gmt)
    return {
        "status": payments.creation_status(item),
        "currency": item.currency,
        "customer_id": out_id(item.customer_id),
        "customer_note": item.customer_note,
        "billing": billing,
        "shipping": address_out(item.shipping, with_email=False),
        "payment_method": item.payment_method,
        "payment_method_title": item.payment_method_title,
        "transaction_id": item.transaction_id,
        "set_paid": False,
        "line_items": lines,
        "shipping_lines": [
            {"method_id": s.method, "method_title": s.title or s.method, "total": money_str(s.total)}
            for s in item.shipping_lines
        ],
        "coupon_lines": [{"code": d.code, "discount": money_str(d.amount)} for d in item.discounts if d.code],
        # Totals and tax lines are documented read-only [woocommerce-rest-api-docs _orders.md]: WooCommerce
        # ignores them and recalculates; stores (and the sandbox) that accept them keep the source amounts.
        "tax_lines": [
            {"rate_code": t.label, "label": t.label, "tax_total": money_str(t.total),
             **({"rate_percent": float(t.rate)} if t.rate is not None else {})}
            for t in item.tax_lines
        ],
        "discount_total": money_str(item.discount_total),
        "shipping_total": money_str(item.shipping_total),
        "total_tax": money_str(item.tax_total),
        "total": money_str(item.total),
        "meta_data": meta,
    }


def note_to_wc(change: Any) -> dict[str, Any]:
    # A note's date is set by WooCommerce when it is posted; the source date cannot be kept.
    text = change.note or (f"Order status changed to {change.status}." if change.status else "")
    return {"note": text, "customer_note": change.customer_visible}


# --- reviews -------------------------------------------------------------------------------------
def review_from_wc(data: dict[str, Any]) -> dict[str, Any]:
    status = _text(data, "status") or "approved"
    if status not in REVIEW_STATUS_IN:
        raise ValueError(f"status: unknown value {status!r}")
    created = parse_gmt(data.get("date_created_gmt"), "date_created_gmt")
    return {
        "source_id": str(data["id"]),
        "created_at": created,
        "updated_at": created,  # reviews have no modification date in wc/v3
        "product_id": ref_id(data.get("product_id"), "product_id") or "",
        "reviewer": _text(data, "reviewer"),
        "reviewer_email": _text(data, "reviewer_email"),
        "rating": wc_int(data.get("rating"), "rating") or 0,
        "content": _text(data, "review"),
        "status": REVIEW_STATUS_IN[status],
        "verified": bool(data.get("verified")),
    }


def review_to_wc(item: Review) -> dict[str, Any]:
    return {
        "product_id": out_id(item.product_id),
        "review": item.content,
        "reviewer": item.reviewer or (item.reviewer_email.split("@")[0] if item.reviewer_email else "Anonymous"),
        "reviewer_email": item.reviewer_email,
        "rating": item.rating,
        "status": REVIEW_STATUS_OUT[item.status],
        "verified": item.verified,
    }


# --- coupons -------------------------------------------------------------------------------------
def coupon_from_wc(data: dict[str, Any]) -> dict[str, Any]:
    discount_type = _text(data, "discount_type") or "fixed_cart"
    if discount_type not in ("percent", "fixed_cart", "fixed_product"):
        raise ValueError(f"discount_type: unknown value {discount_type!r}")

    def ids(key: str) -> list[str]:
        return [str(wc_int(v, key)) for v in _list(data, key)]

    return {
        **_common(data),
        "code": _text(data, "code"),
        "description": _text(data, "description"),
        "discount_type": discount_type,
        "amount": money_or_zero(data.get("amount"), "amount"),
        "expires_at": parse_gmt(data.get("date_expires_gmt") or data.get("date_expires"), "date_expires_gmt"),
        "usage_limit": wc_int(data.get("usage_limit"), "usage_limit"),
        "usage_limit_per_user": wc_int(data.get("usage_limit_per_user"), "usage_limit_per_user"),
        "usage_count": wc_int(data.get("usage_count"), "usage_count") or 0,
        "minimum_amount": money(data.get("minimum_amount"), "minimum_amount") or None,
        "maximum_amount": money(data.get("maximum_amount"), "maximum_amount") or None,
        "free_shipping": bool(data.get("free_shipping")),
        "individual_use": bool(data.get("individual_use")),
        "exclude_sale_items": bool(data.get("exclude_sale_items")),
        "product_ids": ids("product_ids"),
        "excluded_product_ids": ids("excluded_product_ids"),
        "category_ids": ids("product_categories"),
        "excluded_category_ids": ids("excluded_product_categories"),
        "email_restrictions": [str(e) for e in _list(data, "email_restrictions")],
        "extra": _extra(limit_usage_to_x_items=data.get("limit_usage_to_x_items")),
    }


def coupon_to_wc(item: Coupon) -> dict[str, Any]:
    # usage_count and used_by are read-only. [woocommerce-rest-api-docs _coupons.md]
    out: dict[str, Any] = {
        "code": item.code,
        "description": item.description,
        "discount_type": item.discount_type,
        "amount": money_str(item.amount),
        # Sent twice: an explicit UTC offset in date_expires means the same instant on any site timezone.
        "date_expires": f"{format_gmt(item.expires_at)}+00:00" if item.expires_at else None,
        "date_expires_gmt": format_gmt(item.expires_at),
        "usage_limit": item.usage_limit,
        "usage_limit_per_user": item.usage_limit_per_user,
        "minimum_amount": money_str(item.minimum_amount),
        "maximum_amount": money_str(item.maximum_amount),
        "free_shipping": item.free_shipping,
        "individual_use": item.individual_use,
        "exclude_sale_items": item.exclude_sale_items,
        "product_ids": [out_id(i) for i in item.product_ids],
        "excluded_product_ids": [out_id(i) for i in item.excluded_product_ids],
        "product_categories": [out_id(i) for i in item.category_ids],
        "excluded_product_categories": [out_id(i) for i in item.excluded_category_ids],
        "email_restrictions": item.email_restrictions,
    }
    limit_items = _wc_extra(item).get("limit_usage_to_x_items")
    if limit_items:
        out["limit_usage_to_x_items"] = limit_items
    return out


# --- dispatch ------------------------------------------------------------------------------------
READERS: dict[EntityType, Callable[..., dict[str, Any]]] = {
    EntityType.TAX_CLASS: tax_class_from_wc,
    EntityType.MANUFACTURER: manufacturer_from_wc,
    EntityType.CATEGORY: category_from_wc,
    EntityType.PRODUCT: product_from_wc,
    EntityType.CUSTOMER: customer_from_wc,
    EntityType.ORDER: order_from_wc,
    EntityType.REVIEW: review_from_wc,
    EntityType.COUPON: coupon_from_wc,
}


def wc_source_id(entity: EntityType, data: Any) -> str:
    if not isinstance(data, dict):
        return ""
    key = "slug" if entity == EntityType.TAX_CLASS else "id"
    return str(data.get(key) or "")


def to_canonical(entity: EntityType, data: Any, **context: Any) -> Canonical:
    """One WC record as a validated canonical entity; anything wrong becomes a RecordError."""
    entity = EntityType(entity)
    source_id = wc_source_id(entity, data)
    label = entity.label.lower()[:-1]
    if not isinstance(data, dict):
        raise RecordError(f"WooCommerce returned a {label} that is not a JSON object.", excerpt=excerpt(data))
    if not source_id:
        raise RecordError(f"WooCommerce returned a {label} without an id.", excerpt=excerpt(data))
    try:
        fields = READERS[entity](data, **context)
    except (KeyError, TypeError, ValueError, ArithmeticError, AttributeError) as exc:
        reason = f"missing field {exc}" if isinstance(exc, KeyError) else str(exc)
        raise RecordError(f"Could not read WooCommerce {label} {source_id}: {reason}", source_id=source_id,
                          excerpt=excerpt(data)) from None
    return validate_entity(entity, fields)
