"""Pure translations of canonical entities into Magento 2 REST request bodies (the target side). No I/O.

- Products: `{"product": {...}}` for `POST /V1/products` (`PUT /V1/products/{sku}` updates by SKU). The price on
  sale is `special_price` (a custom attribute), the compare-at price `price`. A variable product is a
  configurable whose children are simple products "Not Visible Individually" (visibility 1) carrying the
  option values as select-attribute option ids; the configurable names them in
  `extension_attributes.configurable_product_options` and `configurable_product_links`. [AdobeDocs
  commerce-webapi rest/tutorials/configurable-product/create-configurable-product.md]
- Images: Magento's REST API takes an image's content (base64), not its URL, so images are not sent here.
- Store-view values: translations are written by `PUT` under the view's code with only the scoped fields.
"""
from __future__ import annotations

from decimal import Decimal
from typing import Any

from connectors.entities import Address, Category, Customer, Page, Product, Variant

from .mappers import slugify

VISIBILITY_BOTH, VISIBILITY_NONE = 4, 1
STATUS_OUT = {"active": 1, "draft": 2, "archived": 2}


def _number(value: Decimal | None) -> float | None:
    return float(value) if value is not None else None


def _custom(values: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"attribute_code": k, "value": v} for k, v in values.items() if v not in (None, "")]


def _prices(price: Decimal | None, compare_at: Decimal | None) -> tuple[float, dict[str, Any]]:
    """(price, custom attributes): a sale is the compare-at price with a special price."""
    if compare_at is not None and price is not None and compare_at > price:
        return float(compare_at), {"special_price": float(price)}
    return float(price or 0), {}


def _stock(item: Product | Variant) -> dict[str, Any]:
    in_stock = item.stock_status != "out_of_stock"
    if not item.manage_stock:
        return {"manage_stock": False, "use_config_manage_stock": False, "is_in_stock": in_stock}
    return {"manage_stock": True, "use_config_manage_stock": False, "qty": item.stock_quantity or 0,
            "is_in_stock": in_stock, "backorders": 1 if item.stock_status == "backorder" else 0}


def sku_of(item: Product) -> str:
    """Magento needs a SKU: a product without one takes its URL key's."""
    return item.sku or slugify(item.seo.url_key or item.slug or item.name)[:64] or f"product-{item.source_id}"


def product_body(item: Product, *, root_category: str | None = None, links: list[int] | None = None,
                 options: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    price, sale = _prices(item.price, item.compare_at_price)
    url_key = item.seo.url_key or item.slug or slugify(item.name)
    configurable = item.type == "variable"
    body: dict[str, Any] = {
        "sku": sku_of(item), "name": item.name, "attribute_set_id": 4, "price": price,
        "status": STATUS_OUT[item.status], "visibility": VISIBILITY_BOTH,
        "type_id": "configurable" if configurable else "simple",
        "extension_attributes": {
            "website_ids": [1],
            "category_links": [{"position": i, "category_id": str(c)} for i, c in enumerate(item.category_ids)],
            "stock_item": {"is_in_stock": item.stock_status != "out_of_stock"} if configurable else _stock(item),
        },
        "custom_attributes": _custom({
            "url_key": url_key, "description": item.description, "short_description": item.short_description,
            "meta_title": item.seo.title, "meta_description": item.seo.description,
            "manufacturer": item.manufacturer_id, "tax_class_id": item.tax_class_id, **sale}),
    }
    if item.weight is not None and not configurable:
        body["weight"] = float(item.weight)
    if configurable and options is not None:
        body["extension_attributes"]["configurable_product_options"] = options
        body["extension_attributes"]["configurable_product_links"] = links or []
    return {"product": body}


def child_body(parent: Product, variant: Variant, option_values: dict[str, str]) -> dict[str, Any]:
    """A configurable's child: `option_values` {attribute code: option id}."""
    price, sale = _prices(variant.price if variant.price is not None else parent.price, variant.compare_at_price)
    label = " ".join(v for v in variant.option_values.values() if v)
    sku = variant.sku or f"{sku_of(parent)}-{slugify(label) or variant.source_id}"
    body = {
        "sku": sku, "name": f"{parent.name} {label}".strip(), "attribute_set_id": 4, "price": price,
        "status": STATUS_OUT[parent.status], "visibility": VISIBILITY_NONE, "type_id": "simple",
        "extension_attributes": {
            "website_ids": [1],
            "category_links": [{"position": i, "category_id": str(c)} for i, c in enumerate(parent.category_ids)],
            "stock_item": _stock(variant)},
        "custom_attributes": _custom({**option_values, "url_key": slugify(f"{sku}"), **sale}),
    }
    if variant.weight is not None:
        body["weight"] = float(variant.weight)
    return {"product": body}


def product_translation(fields: dict[str, str], sku: str) -> dict[str, Any]:
    values = {"url_key": fields.get("slug"), "description": fields.get("description"),
              "short_description": fields.get("short_description")}
    body: dict[str, Any] = {"sku": sku, "custom_attributes": _custom(values)}
    if fields.get("name"):
        body["name"] = fields["name"]
    return {"product": body}


def category_body(item: Category, *, parent_id: str) -> dict[str, Any]:
    return {"category": {
        "parent_id": int(parent_id), "name": item.name, "is_active": True, "position": item.position,
        "include_in_menu": True,
        "custom_attributes": _custom({"url_key": item.seo.url_key or item.slug, "description": item.description,
                                      "meta_title": item.seo.title, "meta_description": item.seo.description}),
    }}


def category_translation(fields: dict[str, str]) -> dict[str, Any]:
    body: dict[str, Any] = {"custom_attributes": _custom({"url_key": fields.get("slug"),
                                                          "description": fields.get("description")})}
    if fields.get("name"):
        body["name"] = fields["name"]
    return {"category": body}


def address_body(address: Address, *, billing: bool, shipping: bool, fallback: Customer) -> dict[str, Any] | None:
    """A customer address; None when it lacks what Magento requires (street, city, country, postcode)."""
    if not (address.address1 and address.city and address.country):
        return None
    body: dict[str, Any] = {
        "firstname": address.first_name or fallback.first_name or "-",
        "lastname": address.last_name or fallback.last_name or "-",
        "street": [s for s in (address.address1, address.address2) if s], "city": address.city,
        "postcode": address.postcode or "-", "country_id": address.country,
        "telephone": address.phone or fallback.phone or "-",
        "default_billing": billing, "default_shipping": shipping,
    }
    if address.company:
        body["company"] = address.company
    if address.state:
        body["region"] = {"region_code": address.state, "region": address.state}
    return body


def customer_body(item: Customer, *, group_id: int) -> tuple[dict[str, Any], list[str]]:
    """(body, warnings): Magento requires a first and a last name, and complete addresses."""
    warnings = []
    addresses = []
    same = item.billing == item.shipping
    billing = address_body(item.billing, billing=True, shipping=same, fallback=item)
    if billing:
        addresses.append(billing)
    elif not item.billing.is_empty():
        warnings.append("The billing address lacks a street, a city or a country, which Magento requires: it "
                        "was left out.")
    if not same:
        shipping = address_body(item.shipping, billing=False, shipping=True, fallback=item)
        if shipping:
            addresses.append(shipping)
        elif not item.shipping.is_empty():
            warnings.append("The shipping address lacks a street, a city or a country: it was left out.")
    if not item.first_name or not item.last_name:
        warnings.append("Magento requires a first and a last name: '-' stands for the missing one.")
    body = {"email": item.email, "firstname": item.first_name or "-", "lastname": item.last_name or "-",
            "group_id": group_id, "website_id": 1, "addresses": addresses,
            "extension_attributes": {"is_subscribed": item.accepts_marketing}}
    return {"customer": body}, warnings


def page_body(item: Page) -> dict[str, Any]:
    return {"page": {"identifier": item.slug or slugify(item.title), "title": item.title, "content": item.content,
                     "active": item.status == "published", "meta_title": item.seo.title,
                     "meta_description": item.seo.description, "page_layout": "1column"}}
