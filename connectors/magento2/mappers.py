"""Pure translations between Magento 2 REST JSON and canonical entities. No I/O.

Readers take the decoded record plus what its stream fetched (translations: the record under each other store
view; a configurable's children; shipments and invoices of an order; the rule of a coupon) and return a dict of
canonical fields; `to_canonical` validates it, any problem becoming the record's RecordError.

- Products: `type_id` configurable -> variable (its children, "Not Visible Individually" simple products, are
  the variants, their option values read from the configurable attributes' option labels); simple, virtual and
  downloadable -> simple. `special_price` (a custom attribute) is the price on sale, `price` then the
  compare-at price. Images are `<media URL>catalog/product<file>`. The storefront URL `<base URL><url_key>.html`
  (the default URL suffix) travels in extra for 301 redirects.
- Categories: `url_key` is the slug; their storefront path is the url keys of their ancestors below the root.
- Orders: lines are the items without a `parent_item_id`; a configurable line's child item names the variant.
  Magento's `discount_amount` is negative. Tracking numbers are the tracks of the order's shipments; the
  payment date is the first invoice's.
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from connectors.entities import EntityType, excerpt, validate_entity
from connectors.errors import RecordError
from connectors.sdk import access
from connectors.sdk.access import money, money_or_zero  # noqa: F401 - re-exported to the streams

from .api import EXTRA_KEY, parse_date

_text = access.text
_list = access.list_of
_dict = access.mapping

PRODUCT_STATUS_IN = {1: "active", 2: "draft"}
DISCOUNT_TYPES_IN = {"by_percent": "percent", "by_fixed": "fixed_product", "cart_fixed": "fixed_cart",
                     "buy_x_get_y": "percent"}
SIMPLE_TYPES = ("simple", "virtual", "downloadable")
URL_SUFFIX = ".html"  # catalog/seo/product_url_suffix and category_url_suffix default
TRANSLATED_PRODUCT = {"name": "name", "description": "description", "short_description": "short_description",
                      "slug": "url_key"}
TRANSLATED_CATEGORY = {"name": "name", "description": "description", "slug": "url_key"}


# --- scalar helpers ------------------------------------------------------------------------------------------


def whole(value: Any, field: str) -> int | None:
    amount = money(value, field)
    return int(amount) if amount is not None else None


def ref_id(value: Any) -> str | None:
    """An id reference; 0, null and "" mean none."""
    if value in (None, "", 0, "0"):
        return None
    return str(value)


def slugify(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


def custom(data: dict[str, Any]) -> dict[str, Any]:
    """`custom_attributes` [{attribute_code, value}] as {code: value}."""
    out = {}
    for attribute in _list(data, "custom_attributes"):
        attribute = _dict(attribute, "custom_attributes[]")
        if attribute.get("attribute_code"):
            out[str(attribute["attribute_code"])] = attribute.get("value")
    return out


def _custom_text(values: dict[str, Any], code: str) -> str:
    value = values.get(code)
    if value is None:
        return ""
    if isinstance(value, (list, dict)):
        raise ValueError(f"{code}: expected text, got {type(value).__name__}")
    return str(value)


def _dates(data: dict[str, Any], created: str = "created_at", updated: str = "updated_at") -> dict[str, Any]:
    return {"created_at": parse_date(data.get(created), created), "updated_at": parse_date(data.get(updated), updated)}


def _extra(**values: Any) -> dict[str, Any]:
    kept = {k: v for k, v in values.items() if v not in (None, "", [], {})}
    return {EXTRA_KEY: kept} if kept else {}


def _translations(values_by_language: dict[str, dict[str, str]], default: dict[str, str]) -> dict[str, dict[str, str]]:
    """The languages whose values differ from the default view's in at least one field (a view without values of
    its own answers the admin ones, which are not a translation)."""
    return {language: values for language, values in values_by_language.items()
            if any(values.get(k, "") != default.get(k, "") for k in values)}


# --- tax classes, manufacturers ------------------------------------------------------------------------------------
def tax_class_from_m2(data: dict[str, Any]) -> dict[str, Any]:
    name = _text(data, "class_name")
    return {"source_id": str(data["class_id"]), "name": name, "slug": slugify(name)}


def manufacturer_from_m2(data: dict[str, Any]) -> dict[str, Any]:
    name = _text(data, "label").strip()
    return {"source_id": str(data["value"]), "name": name, "slug": slugify(name)}


# --- categories ------------------------------------------------------------------------------------------------
def category_from_m2(data: dict[str, Any], translations: dict[str, dict[str, Any]] | None = None, *,
                     parent_id: str | None = None, url_path: str = "", store_url: str = "") -> dict[str, Any]:
    values = custom(data)
    own = {"name": _text(data, "name"), "description": _custom_text(values, "description"),
           "slug": _custom_text(values, "url_key")}
    translated = {}
    for language, record in (translations or {}).items():
        theirs = custom(_dict(record, "translation"))
        translated[language] = {"name": _text(record, "name"), "description": _custom_text(theirs, "description"),
                                "slug": _custom_text(theirs, "url_key")}
    return {
        "source_id": str(data["id"]),
        **_dates(data),
        "name": own["name"],
        "slug": own["slug"],
        "parent_id": parent_id,
        "description": own["description"],
        "position": whole(data.get("position"), "position") or 0,
        "seo": {"url_key": own["slug"], "title": _custom_text(values, "meta_title"),
                "description": _custom_text(values, "meta_description")},
        "translations": _translations(translated, own),
        "extra": _extra(url=f"{store_url}{url_path}{URL_SUFFIX}" if store_url and url_path else None,
                        is_active=None if data.get("is_active", True) else False,
                        include_in_menu=None if data.get("include_in_menu", True) else False),
    }


# --- products --------------------------------------------------------------------------------------------------
def _prices(data: dict[str, Any], values: dict[str, Any]) -> tuple[Decimal | None, Decimal | None]:
    price = money(data.get("price"), "price")
    special = money(values.get("special_price"), "special_price")
    if special is not None and price is not None and special < price:
        return special, price
    return price, None


def _stock(data: dict[str, Any]) -> dict[str, Any]:
    stock = _dict(_dict(data.get("extension_attributes"), "extension_attributes").get("stock_item"), "stock_item")
    if not stock:
        return {"manage_stock": False, "stock_quantity": None, "stock_status": "in_stock"}
    manage = bool(stock.get("manage_stock", True))
    backorders = whole(stock.get("backorders"), "stock_item.backorders") or 0
    in_stock = bool(stock.get("is_in_stock"))
    status = "in_stock" if in_stock else ("backorder" if backorders else "out_of_stock")
    return {"manage_stock": manage, "stock_quantity": whole(stock.get("qty"), "stock_item.qty") if manage else None,
            "stock_status": status}


def _images(data: dict[str, Any], media_url: str) -> list[dict[str, Any]]:
    out = []
    entries = sorted((_dict(e, "media_gallery_entries[]") for e in _list(data, "media_gallery_entries")),
                     key=lambda e: whole(e.get("position"), "position") or 0)
    for entry in entries:
        if entry.get("disabled") or (entry.get("media_type") or "image") != "image" or not entry.get("file"):
            continue
        out.append({"url": f"{media_url}catalog/product{entry['file']}", "alt": _text(entry, "label"),
                    "position": len(out)})
    return out


def option_labels(attribute: dict[str, Any]) -> dict[str, str]:
    """{option value: label} of a select attribute (the empty first option left out)."""
    return {str(o.get("value")): str(o.get("label") or "").strip()
            for o in _list(attribute, "options") if isinstance(o, dict) and o.get("value") not in (None, "")}


def variant_from_m2(data: dict[str, Any], options: list[tuple[str, str]], attributes: dict[str, dict[str, Any]],
                    media_url: str) -> dict[str, Any]:
    """A configurable's child; `options` are its (option name, attribute code) pairs."""
    values = custom(data)
    price, compare_at = _prices(data, values)
    chosen = {}
    for name, code in options:
        value = values.get(code)
        labels = option_labels(attributes.get(code) or {})
        if value not in (None, ""):
            chosen[name] = labels.get(str(value)) or str(value)
    images = _images(data, media_url)
    return {"source_id": str(data["id"]), "sku": _text(data, "sku"), "price": price, "compare_at_price": compare_at,
            **_stock(data), "weight": money(data.get("weight"), "weight"), "option_values": chosen,
            "image": images[0] if images else None}


def product_from_m2(data: dict[str, Any], translations: dict[str, dict[str, Any]] | None = None, *,
                    children: Iterable[dict[str, Any]] = (), attributes: dict[str, dict[str, Any]] | None = None,
                    media_url: str = "", store_url: str = "") -> dict[str, Any]:
    type_id = _text(data, "type_id") or "simple"
    values = custom(data)
    status = whole(data.get("status"), "status") or 1
    if status not in PRODUCT_STATUS_IN:
        raise ValueError(f"status: unknown value {status!r}")
    attributes = attributes or {}
    extension = _dict(data.get("extension_attributes"), "extension_attributes")
    options, pairs = [], []
    if type_id == "configurable":
        for position, option in enumerate(_list(extension, "configurable_product_options")):
            option = _dict(option, "configurable_product_options[]")
            attribute = next((a for a in attributes.values()
                              if str(a.get("attribute_id")) == str(option.get("attribute_id"))), {})
            code = str(attribute.get("attribute_code") or "")
            name = _text(option, "label") or str(attribute.get("default_frontend_label") or code)
            labels = option_labels(attribute)
            option_values = [labels.get(str(_dict(v, "values[]").get("value_index")), "")
                             for v in _list(option, "values")]
            options.append({"name": name, "values": [v for v in option_values if v],
                            "position": whole(option.get("position"), "position") or position})
            pairs.append((name, code))
        linked = {str(i) for i in _list(extension, "configurable_product_links")}
        found = {str(c.get("id")) for c in children}
        if linked - found:
            raise ValueError(f"configurable_product_links: child {sorted(linked - found)[0]} does not exist")
    variants = [variant_from_m2(c, pairs, attributes, media_url) for c in children]
    stock = _stock(data)
    if type_id == "configurable":  # its stock is its children's: no quantity of its own
        in_stock = any(v["stock_status"] != "out_of_stock" for v in variants) if variants else (
            stock["stock_status"] != "out_of_stock")
        stock = {"manage_stock": False, "stock_quantity": None, "stock_status": "in_stock" if in_stock
                 else "out_of_stock"}
    price, compare_at = _prices(data, values)
    if price is not None and price < 0:
        raise ValueError(f"price: {price} is negative")
    own = {"name": _text(data, "name"), "description": _custom_text(values, "description"),
           "short_description": _custom_text(values, "short_description"), "slug": _custom_text(values, "url_key")}
    translated = {}
    for language, record in (translations or {}).items():
        theirs = custom(_dict(record, "translation"))
        translated[language] = {"name": _text(record, "name"), "description": _custom_text(theirs, "description"),
                                "short_description": _custom_text(theirs, "short_description"),
                                "slug": _custom_text(theirs, "url_key")}
    manufacturer = values.get("manufacturer")
    manufacturers = option_labels(attributes.get("manufacturer") or {})
    if manufacturer not in (None, "") and manufacturers and str(manufacturer) not in manufacturers:
        raise ValueError(f"manufacturer: option {manufacturer} does not exist")
    url_key = own["slug"]
    return {
        **_dates(data),
        "source_id": str(data["id"]),
        "name": own["name"],
        "slug": url_key,
        "sku": _text(data, "sku"),
        "type": "variable" if type_id == "configurable" else "simple",
        "status": PRODUCT_STATUS_IN[status],
        "description": own["description"],
        "short_description": own["short_description"],
        "price": price,
        "compare_at_price": compare_at,
        **stock,
        "weight": money(data.get("weight"), "weight"),
        "category_ids": [str(_dict(link, "category_links[]").get("category_id"))
                         for link in _list(extension, "category_links")],
        "manufacturer_id": ref_id(manufacturer),
        "tax_class_id": ref_id(values.get("tax_class_id")),
        "images": _images(data, media_url),
        "options": options,
        "variants": variants,
        "seo": {"url_key": url_key, "title": _custom_text(values, "meta_title"),
                "description": _custom_text(values, "meta_description")},
        "translations": _translations(translated, own),
        "extra": _extra(type_id=type_id if type_id not in ("simple", "configurable") else None,
                        visibility=whole(data.get("visibility"), "visibility"),
                        attribute_set_id=data.get("attribute_set_id"),
                        url=f"{store_url}{url_key}{URL_SUFFIX}" if store_url and url_key else None),
    }


# --- customers ------------------------------------------------------------------------------------------------
def address_in(value: Any, field: str, *, email: str = "") -> dict[str, str]:
    data = _dict(value, field)
    if not data:
        return {}
    street = [str(s) for s in _list(data, "street")]
    region = data.get("region")
    state = (_text(region, "region_code") or _text(region, "region")) if isinstance(region, dict) else (
        str(region or "") or _text(data, "region_code"))
    return {"first_name": _text(data, "firstname"), "last_name": _text(data, "lastname"),
            "company": _text(data, "company"), "address1": street[0] if street else "",
            "address2": ", ".join(street[1:]), "city": _text(data, "city"), "state": state,
            "postcode": _text(data, "postcode"), "country": _text(data, "country_id"),
            "phone": _text(data, "telephone"), "email": email or _text(data, "email")}


def customer_from_m2(data: dict[str, Any], groups: dict[str, str] | None = None) -> dict[str, Any]:
    addresses = [_dict(a, "addresses[]") for a in _list(data, "addresses")]
    billing = next((a for a in addresses if str(a.get("id")) == str(data.get("default_billing") or "")
                    or a.get("default_billing") is True), None)
    shipping = next((a for a in addresses if str(a.get("id")) == str(data.get("default_shipping") or "")
                     or a.get("default_shipping") is True), None)
    # the customer's email is the billing contact's (Magento's addresses have none)
    billing_fields = address_in(billing, "billing", email=_text(data, "email")) if billing else {}
    others = [a for a in addresses if a is not billing and a is not shipping]
    group_id = str(data.get("group_id") if data.get("group_id") is not None else "")
    extension = _dict(data.get("extension_attributes"), "extension_attributes")
    return {
        **_dates(data),
        "source_id": str(data["id"]),
        "email": _text(data, "email"),
        "first_name": _text(data, "firstname"),
        "last_name": _text(data, "lastname"),
        "phone": billing_fields.get("phone", ""),
        "group": (groups or {}).get(group_id, group_id),
        "accepts_marketing": bool(extension.get("is_subscribed")),
        "billing": billing_fields,
        "shipping": address_in(shipping, "shipping") if shipping else {},
        "extra": _extra(addresses=others, gender=data.get("gender") or None, dob=data.get("dob"),
                        store_id=data.get("store_id"), created_in=data.get("created_in")),
    }


# --- orders -----------------------------------------------------------------------------------------------------
def _lines(data: dict[str, Any]) -> list[dict[str, Any]]:
    items = [_dict(i, "items[]") for i in _list(data, "items")]
    children: dict[str, dict[str, Any]] = {}
    for item in items:
        if item.get("parent_item_id"):
            children.setdefault(str(item["parent_item_id"]), item)
    lines = []
    for item in items:
        if item.get("parent_item_id"):
            continue
        child = children.get(str(item.get("item_id")))
        quantity = whole(item.get("qty_ordered"), "items[].qty_ordered") or 0
        row_total = money_or_zero(item.get("row_total"), "items[].row_total")
        discount = abs(money_or_zero(item.get("discount_amount"), "items[].discount_amount"))
        lines.append({
            "source_id": str(item.get("item_id") or ""),
            "product_id": ref_id(item.get("product_id")),
            "variant_id": ref_id(child.get("product_id")) if child and _text(item, "product_type") == "configurable"
            else None,
            "sku": _text(item, "sku"),
            "name": _text(item, "name"),
            "quantity": quantity,
            "price": money_or_zero(item.get("price"), "items[].price"),
            "subtotal": row_total,
            "total": row_total - discount,
            "tax": money_or_zero(item.get("tax_amount"), "items[].tax_amount"),
        })
    return lines


def refunds_from_m2(data: dict[str, Any], creditmemos: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Credit memos as refunds; a refunded item is named by its position among the order's lines."""
    positions: dict[str, int] = {}
    for item in (_dict(i, "items[]") for i in _list(data, "items")):
        if not item.get("parent_item_id"):
            positions[str(item.get("item_id"))] = len(positions)
    out = []
    for memo in sorted(creditmemos, key=lambda m: str(m.get("created_at") or "")):
        lines = []
        for item in (_dict(i, "creditmemo.items[]") for i in _list(memo, "items")):
            position = positions.get(str(item.get("order_item_id")))
            if position is None:
                continue
            lines.append({"source_id": str(item.get("entity_id") or ""), "line_index": position,
                          "quantity": whole(item.get("qty"), "creditmemo.items[].qty") or 0,
                          "amount": money_or_zero(item.get("row_total"), "creditmemo.items[].row_total"),
                          "tax": money_or_zero(item.get("tax_amount"), "creditmemo.items[].tax_amount")})
        comments = [_text(_dict(c, "comments[]"), "comment") for c in _list(memo, "comments")]
        out.append({"source_id": str(memo.get("entity_id") or ""),
                    "amount": money_or_zero(memo.get("grand_total"), "creditmemo.grand_total"),
                    "reason": next((c for c in comments if c), ""),
                    "created_at": parse_date(memo.get("created_at"), "creditmemo.created_at"),
                    "lines": lines,
                    "shipping": money_or_zero(memo.get("shipping_amount"), "creditmemo.shipping_amount")})
    return out


def _carried(shipment: dict[str, Any], positions: dict[str, int], children: set[str]) -> list[dict[str, Any]]:
    """What a shipment carried: its items (`order_item_id`, `qty`) as positions of the order's lines (a
    configurable's child item, `children`, is shipped with its parent: only the parent is a line); [] when
    an item is not an item of the order."""
    out = []
    for item in _list(shipment, "items"):
        item = _dict(item, "items[]")
        position = positions.get(str(item.get("order_item_id") or ""))
        quantity = whole(item.get("qty"), "items[].qty") or 0
        if position is None:
            if str(item.get("order_item_id") or "") in children:
                continue
            return []
        if quantity > 0:
            out.append({"line": position, "quantity": quantity})
    return out


def order_from_m2(data: dict[str, Any], shipments: Iterable[dict[str, Any]] = (),
                  invoices: Iterable[dict[str, Any]] = (), creditmemos: Iterable[dict[str, Any]] = ()
                  ) -> dict[str, Any]:
    email = _text(data, "customer_email")
    extension = _dict(data.get("extension_attributes"), "extension_attributes")
    assignments = [_dict(a, "shipping_assignments[]") for a in _list(extension, "shipping_assignments")]
    shipping = _dict(assignments[0].get("shipping"), "shipping") if assignments else {}
    payment = _dict(data.get("payment"), "payment")
    method_title = next((str(i.get("value") or "") for i in _list(extension, "payment_additional_info")
                         if isinstance(i, dict) and i.get("key") == "method_title"), "")
    if not method_title:
        info = _list(payment, "additional_information")
        method_title = str(info[0]) if info and isinstance(info[0], str) else ""
    histories = sorted((_dict(h, "status_histories[]") for h in _list(data, "status_histories")),
                       key=lambda h: (str(h.get("created_at") or ""), whole(h.get("entity_id"), "entity_id") or 0))
    lines = _lines(data)
    children = {str(_dict(i, "items[]").get("item_id")) for i in _list(data, "items")
                if _dict(i, "items[]").get("parent_item_id")}
    tracks = []
    for shipment in sorted(shipments, key=lambda s: str(s.get("created_at") or "")):
        carried = _carried(shipment, {line["source_id"]: n for n, line in enumerate(lines)}, children)
        for track in _list(shipment, "tracks"):
            track = _dict(track, "tracks[]")
            if track.get("track_number"):
                tracks.append({"tracking_number": _text(track, "track_number"),
                               "carrier": _text(track, "title") or _text(track, "carrier_code"),
                               "shipped_at": parse_date(track.get("created_at") or shipment.get("created_at")),
                               "lines": carried})
                carried = []  # the shipment's other tracking numbers: the same parcel's lines, not again
    paid = sorted(d for i in invoices if (d := parse_date(i.get("created_at"), "invoice.created_at")))
    discount = abs(money_or_zero(data.get("discount_amount"), "discount_amount"))
    shipping_amount = money_or_zero(data.get("shipping_amount"), "shipping_amount")
    taxes = [_dict(t, "applied_taxes[]") for t in _list(extension, "applied_taxes")]
    return {
        **_dates(data),
        "source_id": str(data["entity_id"]),
        "number": _text(data, "increment_id"),
        "status": _text(data, "status"),
        "currency": _text(data, "order_currency_code"),
        "customer_id": None if data.get("customer_is_guest") else ref_id(data.get("customer_id")),
        "email": email,
        "billing": address_in(data.get("billing_address"), "billing_address", email=email),
        "shipping": address_in(shipping.get("address"), "shipping.address"),
        "lines": lines,
        "shipping_lines": [{"method": _text(shipping, "method"), "title": _text(data, "shipping_description"),
                            "total": shipping_amount}] if shipping or data.get("shipping_description") else [],
        "tax_lines": [{"label": _text(t, "title") or _text(t, "code"), "rate": money(t.get("percent"), "percent"),
                       "total": money_or_zero(t.get("amount"), "amount")} for t in taxes],
        "discounts": [{"code": _text(data, "coupon_code") or _text(data, "discount_description"),
                       "amount": discount}] if discount else [],
        "subtotal": money_or_zero(data.get("subtotal"), "subtotal"),
        "shipping_total": shipping_amount,
        "tax_total": money_or_zero(data.get("tax_amount"), "tax_amount"),
        "discount_total": discount,
        "total": money_or_zero(data.get("grand_total"), "grand_total"),
        "payment_method": _text(payment, "method"),
        "payment_method_title": method_title,
        "transaction_id": _text(payment, "last_trans_id"),
        "paid_at": paid[0] if paid else None,
        "customer_note": _text(data, "customer_note"),
        "status_history": [{"status": _text(h, "status"), "note": _text(h, "comment"),
                            "customer_visible": bool(h.get("is_visible_on_front")),
                            "created_at": parse_date(h.get("created_at"), "status_histories[].created_at")}
                           for h in histories],
        "shipments": tracks,
        "refunds": refunds_from_m2(data, creditmemos),
        "extra": _extra(state=data.get("state"), store_id=data.get("store_id")),
    }


# --- coupons, pages -------------------------------------------------------------------------------------------
def coupon_from_m2(data: dict[str, Any], rule: dict[str, Any] | None = None) -> dict[str, Any]:
    rule = rule or {}
    action = _text(rule, "simple_action") or "by_percent"
    limit = whole(data.get("usage_limit"), "usage_limit") or whole(rule.get("uses_per_coupon"), "uses_per_coupon")
    per_user = whole(data.get("usage_per_customer"), "usage_per_customer") or whole(
        rule.get("uses_per_customer"), "uses_per_customer")
    to_date = parse_date(rule.get("to_date"), "to_date")
    return {
        "source_id": str(data["coupon_id"]),
        "created_at": parse_date(data.get("created_at"), "created_at"),
        "code": _text(data, "code"),
        "description": _text(rule, "description") or _text(rule, "name"),
        "discount_type": DISCOUNT_TYPES_IN.get(action, "percent"),
        "amount": money_or_zero(rule.get("discount_amount"), "discount_amount"),
        "expires_at": to_date,
        "usage_limit": limit or None,
        "usage_limit_per_user": per_user or None,
        "usage_count": whole(data.get("times_used"), "times_used") or 0,
        "free_shipping": str(rule.get("simple_free_shipping") or "0") not in ("0", ""),
        "extra": _extra(rule_id=data.get("rule_id"), rule_name=rule.get("name"),
                        simple_action=action if action not in DISCOUNT_TYPES_IN or action == "buy_x_get_y" else None,
                        is_active=None if rule.get("is_active", True) else False),
    }


def page_from_m2(data: dict[str, Any], *, store_url: str = "") -> dict[str, Any]:
    identifier = _text(data, "identifier")
    return {
        **_dates(data, "creation_time", "update_time"),
        "source_id": str(data["id"]),
        "title": _text(data, "title"),
        "slug": identifier,
        "content": _text(data, "content"),
        "status": "published" if data.get("active", True) else "draft",
        "seo": {"url_key": identifier, "title": _text(data, "meta_title"),
                "description": _text(data, "meta_description")},
        "extra": _extra(url=f"{store_url}{identifier}" if store_url and identifier else None,
                        content_heading=data.get("content_heading"), page_layout=data.get("page_layout")),
    }


READERS = {
    EntityType.TAX_CLASS: tax_class_from_m2,
    EntityType.MANUFACTURER: manufacturer_from_m2,
    EntityType.CATEGORY: category_from_m2,
    EntityType.PRODUCT: product_from_m2,
    EntityType.CUSTOMER: customer_from_m2,
    EntityType.ORDER: order_from_m2,
    EntityType.COUPON: coupon_from_m2,
    EntityType.PAGE: page_from_m2,
}
ID_FIELDS = {EntityType.TAX_CLASS: "class_id", EntityType.MANUFACTURER: "value", EntityType.ORDER: "entity_id",
             EntityType.COUPON: "coupon_id"}


def source_id_of(entity: EntityType, data: Any) -> str:
    if not isinstance(data, dict):
        return ""
    value = data.get(ID_FIELDS.get(entity, "id"))
    return "" if value in (None, "") else str(value)


def to_canonical(entity: EntityType, data: Any, **context: Any) -> Any:
    """One Magento record as a validated canonical entity; anything wrong becomes a RecordError."""
    entity = EntityType(entity)
    label = entity.label.lower()[:-1]
    if not isinstance(data, dict):
        raise RecordError(f"Magento returned a {label} that is not a JSON object.", excerpt=excerpt(data))
    source_id = source_id_of(entity, data)
    if not source_id:
        raise RecordError(f"Magento returned a {label} without an id.", excerpt=excerpt(data))
    try:
        fields = READERS[entity](data, **context)
    except (KeyError, TypeError, ValueError, ArithmeticError, AttributeError) as exc:
        reason = f"missing field {exc}" if isinstance(exc, KeyError) else str(exc)
        raise RecordError(f"Could not read Magento {label} {source_id}: {reason}", source_id=source_id,
                          excerpt=excerpt(data)) from None
    return validate_entity(entity, fields)
