"""Pure translations between Shopify Admin GraphQL JSON and canonical entities. No I/O.

Readers (`*_from_shopify`) take one node as the connector's queries select it and return a dict of
canonical fields; `to_canonical` wraps them so a malformed node becomes a `RecordError`. Writers
(`*_input`) take a canonical entity whose references the engine already rewrote to this store's ids
(numeric ids; `gid()` makes Shopify's global ids of them) and return the mutation's input.

Documented mappings (where Shopify has no object of its own):
- Categories -> collections. Shopify collections are flat; the tree is kept in the collection metafield
  `cartmigrate.parent` (the parent collection's id, type `collection_reference`), read back as `parent_id`.
  Products join every collection of their categories (`productSet.collections`).
- Reviews -> one product metafield each, namespace `cartmigrate_reviews`, key `r<digest>`, type `json`
  ({rating, content, reviewer, reviewer_email, status, verified, customer_id, created_at}). The Admin API
  has no review object [PLATFORMS.md 1.7]; theme or app blocks read the metafields.
- Customer groups -> customer tags (the group's name is the customer's first tag).
- Email marketing consent <-> `accepts_marketing` (SUBSCRIBED, single opt-in).
- Product-level values a Shopify product does not have (a variable product's own SKU and stock, a stock
  status that the variants' inventory does not imply) are kept in the product metafield
  `cartmigrate.product` (`json`), so a round trip keeps them; everything else derives from the variants.
- Order statuses: Shopify has a financial and a fulfillment status; `ORDER_STATUSES` names their
  combinations (see `order_status_of`).
- Order numbers: `name` is "#" + the source number; `processedAt` is the source's order date.
- Coupon restrictions -> the discount's items (`customerGets.items`): products as `products.productsToAdd`,
  categories as `collections.add`. A Shopify discount takes one of them; exclusions have no equivalent.
  Read back, variant entitlements widen to their products.
"""
from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from connectors.entities import (
    BlogPost,
    Canonical,
    Category,
    Coupon,
    Customer,
    EntityType,
    Order,
    OrderStatus,
    Product,
    Review,
    Variant,
    excerpt,
    validate_entity,
)
from connectors.entities import Page as ContentPage
from connectors.errors import RecordError
from connectors.sdk import access

E = EntityType
MAX_OPTIONS = 3  # [shopify.dev/docs/api/admin-graphql/2024-04/input-objects/optioncreateinput]
MAX_VARIANTS = 2048  # [shopify.dev/changelog/the-product-variant-limit-is-now-2048-for-all-merchants]
MAX_DISCOUNT_ITEMS = 250  # input arrays hold at most 250 items [shopify.dev/api/usage/rate-limits, "Input limits"]
NAMESPACE = "cartmigrate"
REVIEW_NAMESPACE = "cartmigrate_reviews"
DEFAULT_OPTION = ("Title", "Default Title")  # the option of a product without variants
GID_TYPES: dict[str, str] = {
    E.PRODUCT: "Product", E.CATEGORY: "Collection", E.CUSTOMER: "Customer", E.ORDER: "Order",
    E.COUPON: "DiscountCodeNode", E.PAGE: "Page", E.BLOG_POST: "Article", E.REVIEW: "Metafield",
    "variants": "ProductVariant",
}

# Shopify order statuses as this connector names them: the financial status, or "fulfilled" when paid and
# fulfilled; a cancelled order reads as "voided" (or "refunded"). The first status per meaning is the
# default for that meaning.
ORDER_STATUSES: dict[str, OrderStatus] = {
    "pending": OrderStatus.PENDING,
    "paid": OrderStatus.PROCESSING,
    "partially_paid": OrderStatus.PROCESSING,
    "authorized": OrderStatus.ON_HOLD,
    "fulfilled": OrderStatus.COMPLETED,
    "partially_refunded": OrderStatus.COMPLETED,
    "voided": OrderStatus.CANCELLED,
    "refunded": OrderStatus.REFUNDED,
    "expired": OrderStatus.FAILED,
}
# What orderCreate is told for each status: (financialStatus, fulfilled?).
ORDER_STATUS_OUT: dict[str, tuple[str, bool]] = {
    "pending": ("PENDING", False), "paid": ("PAID", False), "partially_paid": ("PARTIALLY_PAID", False),
    "authorized": ("AUTHORIZED", False), "fulfilled": ("PAID", True),
    "partially_refunded": ("PARTIALLY_REFUNDED", True), "voided": ("VOIDED", False),
    "refunded": ("REFUNDED", False), "expired": ("EXPIRED", False),
}
PAID_STATUSES = frozenset({"paid", "fulfilled", "partially_refunded", "refunded", "partially_paid"})


# --- small helpers -----------------------------------------------------------------------------------
def gid(kind: str, record_id: str | int) -> str:
    value = str(record_id)
    return value if value.startswith("gid://") else f"gid://shopify/{GID_TYPES.get(kind, kind)}/{value}"


def legacy(global_id: Any) -> str:
    """'gid://shopify/Product/123' -> '123' (the canonical id); '' for None."""
    if not global_id:
        return ""
    return str(global_id).rsplit("/", 1)[-1].split("?", 1)[0]


def money(value: Any) -> Decimal | None:
    if value in (None, ""):
        return None
    if isinstance(value, dict):
        value = (value.get("shopMoney") or value).get("amount")
    try:
        return Decimal(str(value))
    except InvalidOperation:
        raise ValueError(f"{value!r} is not an amount") from None


def money_or_zero(value: Any) -> Decimal:
    return money(value) or Decimal("0")


def money_str(amount: Decimal | None) -> str:
    return f"{(amount or Decimal(0)).quantize(Decimal('0.01'))}"


def money_bag(amount: Decimal | None, currency: str) -> dict[str, Any]:
    return {"shopMoney": {"amount": money_str(amount), "currencyCode": currency}}


def parse_time(value: Any) -> datetime | None:
    if not value:
        return None
    moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def format_time(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


_nodes = access.items_of  # items of a connection ({nodes} or {edges: [{node}]}) or of a plain list


def _metafield(node: dict[str, Any], key: str) -> Any:
    """The decoded value of the `cartmigrate.<key>` metafield selected under alias `cm_<key>`."""
    field = node.get(f"cm_{key}")
    if not isinstance(field, dict) or field.get("value") in (None, ""):
        return None
    if field.get("type") == "json" or str(field.get("value")).startswith(("{", "[")):
        try:
            return json.loads(field["value"])
        except ValueError:
            return None
    return field["value"]


def _common(node: dict[str, Any]) -> dict[str, Any]:
    return {"source_id": legacy(node.get("id")), "updated_at": parse_time(node.get("updatedAt")),
            "created_at": parse_time(node.get("createdAt"))}


def _translations(node: dict[str, Any], keys: dict[str, str]) -> dict[str, dict[str, str]]:
    """{locale: {canonical field: value}} from the `tr_<locale>` aliases of `translations(locale:)`."""
    out: dict[str, dict[str, str]] = {}
    for alias, values in node.items():
        if not alias.startswith("tr_") or not isinstance(values, list):
            continue
        locale = alias[3:].replace("_", "-")
        fields = {keys[t["key"]]: t.get("value") or "" for t in values if t.get("key") in keys}
        if fields:
            out[locale] = fields
    return out


def translation_inputs(fields: dict[str, str], key_map: dict[str, str], locale: str,
                       digests: dict[str, str]) -> list[dict[str, Any]]:
    """TranslationInput entries for one locale: canonical field -> Shopify key, with the content digest."""
    out = []
    for canonical_field, value in fields.items():
        key = key_map.get(canonical_field)
        if key and value and key in digests:
            out.append({"key": key, "locale": locale, "value": value, "translatableContentDigest": digests[key]})
    return out


PRODUCT_TRANSLATION_KEYS = {"name": "title", "description": "body_html", "slug": "handle"}
COLLECTION_TRANSLATION_KEYS = {"name": "title", "description": "body_html", "slug": "handle"}
PAGE_TRANSLATION_KEYS = {"title": "title", "content": "body_html", "slug": "handle"}
ARTICLE_TRANSLATION_KEYS = {"title": "title", "content": "body_html", "excerpt": "summary_html", "slug": "handle"}


# --- addresses -------------------------------------------------------------------------------------
def address_in(value: Any, *, email: str = "") -> dict[str, str]:
    if not isinstance(value, dict):
        return {}
    out = {
        "first_name": value.get("firstName") or "", "last_name": value.get("lastName") or "",
        "company": value.get("company") or "", "address1": value.get("address1") or "",
        "address2": value.get("address2") or "", "city": value.get("city") or "",
        "state": value.get("provinceCode") or "", "postcode": value.get("zip") or "",
        "country": value.get("countryCodeV2") or value.get("countryCode") or "", "phone": value.get("phone") or "",
    }
    if email and any(out.values()):
        out["email"] = email
    return out


def address_out(address: Any) -> dict[str, Any] | None:
    if address is None or address.is_empty() or not any(
            getattr(address, f) for f in type(address).model_fields if f != "email"):
        return None
    out = {"firstName": address.first_name, "lastName": address.last_name, "company": address.company,
           "address1": address.address1, "address2": address.address2, "city": address.city,
           "zip": address.postcode, "phone": address.phone}
    if address.country:
        out["countryCode"] = address.country.upper()
    if address.state:
        out["provinceCode"] = address.state
    return {k: v for k, v in out.items() if v not in (None, "")}


# --- products --------------------------------------------------------------------------------------
def _variant_stock(node: dict[str, Any]) -> dict[str, Any]:
    tracked = bool((node.get("inventoryItem") or {}).get("tracked"))
    quantity = node.get("inventoryQuantity")
    status = "in_stock"
    if tracked and (quantity or 0) <= 0:
        status = "backorder" if node.get("inventoryPolicy") == "CONTINUE" else "out_of_stock"
    return {"manage_stock": tracked, "stock_quantity": int(quantity or 0) if tracked else None,
            "stock_status": status}


def variant_from_shopify(node: dict[str, Any]) -> dict[str, Any]:
    weight = ((node.get("inventoryItem") or {}).get("measurement") or {}).get("weight") or {}
    grams = {"GRAMS": Decimal("0.001"), "KILOGRAMS": Decimal(1), "OUNCES": Decimal("0.0283495"),
             "POUNDS": Decimal("0.453592")}
    kilos = None
    if weight.get("value"):
        kilos = (Decimal(str(weight["value"])) * grams.get(weight.get("unit") or "KILOGRAMS", Decimal(1))
                 ).quantize(Decimal("0.001")).normalize()
    image = node.get("image") or {}
    return {
        "source_id": legacy(node.get("id")),
        "sku": node.get("sku") or "",
        "price": money(node.get("price")),
        "compare_at_price": money(node.get("compareAtPrice")),
        **_variant_stock(node),
        "weight": kilos,
        "option_values": {o["name"]: o["value"] for o in node.get("selectedOptions") or []},
        "image": {"url": image["url"], "alt": image.get("altText") or ""} if image.get("url") else None,
        "extra": {"shopify": {"inventory_item_id": legacy((node.get("inventoryItem") or {}).get("id"))}},
    }


def _derived_product_fields(variants: list[dict[str, Any]], simple: bool) -> dict[str, Any]:
    """The product-level fields Shopify derives from its variants."""
    if simple and variants:
        only = variants[0]
        return {"sku": only["sku"], "manage_stock": only["manage_stock"], "stock_quantity": only["stock_quantity"],
                "stock_status": only["stock_status"]}
    in_stock = any(v["stock_status"] != "out_of_stock" for v in variants) if variants else True
    return {"sku": "", "manage_stock": False, "stock_quantity": None,
            "stock_status": "in_stock" if in_stock else "out_of_stock"}


OVERRIDE_FIELDS = ("sku", "manage_stock", "stock_quantity", "stock_status")


def product_from_shopify(node: dict[str, Any]) -> dict[str, Any]:
    options = [o for o in node.get("options") or [] if isinstance(o, dict)]
    simple = bool(node.get("hasOnlyDefaultVariant")) or (
        len(options) == 1 and options[0].get("name") == DEFAULT_OPTION[0]
        and options[0].get("values") == [DEFAULT_OPTION[1]])
    variants = [variant_from_shopify(v) for v in _nodes(node.get("variants"))]
    derived = _derived_product_fields(variants, simple)
    overrides = _metafield(node, "product") or {}
    fields = {**derived, **{k: overrides[k] for k in OVERRIDE_FIELDS if k in overrides}}
    prices = [v["price"] for v in variants if v["price"] is not None]
    seo = node.get("seo") or {}
    return {
        **_common(node),
        "name": node.get("title") or "",
        "slug": node.get("handle") or "",
        "type": "simple" if simple else "variable",
        "status": str(node.get("status") or "ACTIVE").lower(),
        "description": node.get("descriptionHtml") or "",
        "price": (variants[0]["price"] if simple and variants else (min(prices) if prices else None)),
        "compare_at_price": variants[0]["compare_at_price"] if simple and variants else None,
        **fields,
        "weight": variants[0]["weight"] if simple and variants else None,
        "category_ids": [legacy(c.get("id")) for c in _nodes(node.get("collections"))],
        "tags": list(node.get("tags") or []),
        "images": [
            {"url": (m.get("image") or {}).get("url") or "", "alt": m.get("alt") or "", "position": i}
            for i, m in enumerate(_nodes(node.get("media"))) if (m.get("image") or {}).get("url")
        ],
        "options": [] if simple else [
            {"name": o["name"], "values": list(o.get("values") or []), "position": int(o.get("position") or i + 1) - 1}
            for i, o in enumerate(options)
        ],
        "variants": [] if simple else variants,
        "seo": {"title": seo.get("title") or "", "description": seo.get("description") or "",
                "url_key": node.get("handle") or ""},
        "translations": _translations(node, {v: k for k, v in PRODUCT_TRANSLATION_KEYS.items()}),
        "extra": {"shopify": {k: v for k, v in {
            "vendor": node.get("vendor"), "product_type": node.get("productType"),
            "default_variant_id": variants[0]["source_id"] if simple and variants else None,
            "url": f"/products/{node.get('handle')}" if node.get("handle") else None,
        }.items() if v}},
    }


def check_product_limits(item: Product) -> None:
    """Shopify's limits: at most 3 options and 2048 variants per product. Raises RecordError."""
    if len(item.options) > MAX_OPTIONS:
        raise RecordError(
            f"Shopify allows at most {MAX_OPTIONS} options per product; this one has {len(item.options)} "
            f"({', '.join(o.name for o in item.options)}). Merge options or split the product before migrating.",
            source_id=item.source_id)
    if len(item.variants) > MAX_VARIANTS:
        raise RecordError(
            f"Shopify allows at most {MAX_VARIANTS} variants per product; this one has {len(item.variants):,}. "
            "Split the product before migrating.", source_id=item.source_id)


def _variant_input(variant: Variant | None, product: Product, options: list[tuple[str, list[str]]],
                   location_id: str | None, migrate_images: bool = True) -> dict[str, Any]:
    source: Any = variant or product
    if variant is None:
        option_values = [{"optionName": DEFAULT_OPTION[0], "name": DEFAULT_OPTION[1]}]
    else:
        option_values = []
        for name, _ in options:
            value = variant.option_values.get(name)
            if not value:
                raise RecordError(f"Variant {variant.sku or variant.source_id} has no value for option {name!r}; "
                                  "Shopify needs one value per option on every variant.", source_id=product.source_id)
            option_values.append({"optionName": name, "name": value})
    out: dict[str, Any] = {
        "optionValues": option_values,
        "price": money_str(source.price),
        "inventoryPolicy": "CONTINUE" if source.stock_status == "backorder" else "DENY",
        "inventoryItem": {"tracked": bool(source.manage_stock)},
    }
    if source.sku:
        out["sku"] = source.sku
    if source.compare_at_price is not None:
        out["compareAtPrice"] = money_str(source.compare_at_price)
    if source.weight is not None:
        out["inventoryItem"]["measurement"] = {"weight": {"unit": "KILOGRAMS", "value": float(source.weight)}}
    if source.manage_stock and location_id:
        out["inventoryQuantities"] = [{"locationId": location_id, "name": "available",
                                       "quantity": int(source.stock_quantity or 0)}]
    if migrate_images and variant is not None and variant.image and variant.image.url:
        # Shopify: a variant's file must also be one of the product's `files` (product_set_input adds it).
        out["file"] = {"originalSource": variant.image.url, "alt": variant.image.alt, "contentType": "IMAGE"}
    return out


def product_options(item: Product) -> list[tuple[str, list[str]]]:
    """(name, values) per option, values completed with those only the variants name."""
    options = [(o.name, list(o.values)) for o in sorted(item.options, key=lambda o: o.position)]
    names = {name for name, _ in options}
    for variant in item.variants:
        for name, value in variant.option_values.items():
            if name not in names:
                options.append((name, []))
                names.add(name)
            values = next(v for n, v in options if n == name)
            if value not in values:
                values.append(value)
    return options


def product_overrides(item: Product) -> dict[str, Any]:
    """Product-level values the variants would not give back (kept in `cartmigrate.product`)."""
    simple = item.type == "simple" or not item.variants
    if simple:
        variants = [{"sku": item.sku, "manage_stock": item.manage_stock,
                     "stock_quantity": item.stock_quantity if item.manage_stock else None,
                     "stock_status": _implied_status(item)}]
    else:
        variants = [{"sku": v.sku, "manage_stock": v.manage_stock,
                     "stock_quantity": v.stock_quantity if v.manage_stock else None,
                     "stock_status": _implied_status(v)} for v in item.variants]
    derived = _derived_product_fields(variants, simple)
    wanted = {"sku": item.sku, "manage_stock": item.manage_stock,
              "stock_quantity": item.stock_quantity if item.manage_stock else None, "stock_status": item.stock_status}
    return {k: v for k, v in wanted.items() if derived.get(k) != v}


def _implied_status(source: Any) -> str:
    """The stock status Shopify will report for what we write (tracked quantity and policy)."""
    if source.manage_stock and (source.stock_quantity or 0) <= 0:
        return "backorder" if source.stock_status == "backorder" else "out_of_stock"
    return "in_stock"


def product_set_input(item: Product, *, location_id: str | None, migrate_images: bool = True,
                      target_id: str | None = None, collection_ids: list[str] | None = None) -> dict[str, Any]:
    """The ProductSetInput for a whole product. Raises RecordError over Shopify's limits."""
    check_product_limits(item)
    simple = item.type == "simple" or not item.variants
    options = [] if simple else product_options(item)
    if len(options) > MAX_OPTIONS:
        raise RecordError(f"Shopify allows at most {MAX_OPTIONS} options per product; its variants use "
                          f"{len(options)} ({', '.join(n for n, _ in options)}).", source_id=item.source_id)
    out: dict[str, Any] = {
        "title": item.name,
        "descriptionHtml": item.description,
        "status": item.status.upper(),
        "tags": item.tags,
        "productOptions": [
            {"name": DEFAULT_OPTION[0], "position": 1, "values": [{"name": DEFAULT_OPTION[1]}]}
        ] if simple else [
            {"name": name, "position": i + 1, "values": [{"name": v} for v in values]}
            for i, (name, values) in enumerate(options)
        ],
        "variants": [_variant_input(None, item, options, location_id)] if simple else [
            _variant_input(v, item, options, location_id, migrate_images) for v in item.variants],
        "collections": [gid(E.CATEGORY, c) for c in (collection_ids if collection_ids is not None
                                                     else item.category_ids)],
        "metafields": [{"namespace": NAMESPACE, "key": "product", "type": "json",
                        "value": json.dumps(product_overrides(item), sort_keys=True)}],
    }
    handle = item.seo.url_key or item.slug
    if handle:
        out["handle"] = handle
    if item.seo.title or item.seo.description:
        out["seo"] = {"title": item.seo.title or None, "description": item.seo.description or None}
    vendor = (item.extra.get("shopify") or {}).get("vendor") if isinstance(item.extra.get("shopify"), dict) else None
    if vendor:
        out["vendor"] = vendor
    if migrate_images:
        files = [{"originalSource": img.url, "alt": img.alt, "contentType": "IMAGE"}
                 for img in sorted(item.images, key=lambda i: i.position)]
        known = {f["originalSource"] for f in files}
        for variant in out["variants"]:
            file = variant.get("file")
            if file and file["originalSource"] not in known:
                files.append(dict(file))
                known.add(file["originalSource"])
        if files:
            out["files"] = files
    if target_id:
        out["id"] = gid(E.PRODUCT, target_id)
    return out


# --- collections -----------------------------------------------------------------------------------
def category_from_shopify(node: dict[str, Any]) -> dict[str, Any]:
    seo = node.get("seo") or {}
    image = node.get("image") or {}
    parent = node.get("cm_parent") or {}
    return {
        **_common(node),
        "name": node.get("title") or "",
        "slug": node.get("handle") or "",
        "parent_id": legacy(parent.get("value")) or None,
        "description": node.get("descriptionHtml") or "",
        "image": {"url": image["url"], "alt": image.get("altText") or ""} if image.get("url") else None,
        "seo": {"title": seo.get("title") or "", "description": seo.get("description") or "",
                "url_key": node.get("handle") or ""},
        "translations": _translations(node, {v: k for k, v in COLLECTION_TRANSLATION_KEYS.items()}),
        "extra": {"shopify": {"url": f"/collections/{node['handle']}"}} if node.get("handle") else {},
    }


def collection_input(item: Category, *, migrate_images: bool = True) -> dict[str, Any]:
    out: dict[str, Any] = {"title": item.name, "descriptionHtml": item.description}
    handle = item.seo.url_key or item.slug
    if handle:
        out["handle"] = handle
    if item.seo.title or item.seo.description:
        out["seo"] = {"title": item.seo.title or None, "description": item.seo.description or None}
    if migrate_images and item.image:
        out["image"] = {"src": item.image.url, "altText": item.image.alt}
    if item.parent_id:
        out["metafields"] = [parent_metafield(item.parent_id)]
    return out


def parent_metafield(parent_id: str) -> dict[str, Any]:
    return {"namespace": NAMESPACE, "key": "parent", "type": "collection_reference",
            "value": gid(E.CATEGORY, parent_id)}


# --- customers -------------------------------------------------------------------------------------
def customer_from_shopify(node: dict[str, Any]) -> dict[str, Any]:
    email = node.get("email") or (node.get("defaultEmailAddress") or {}).get("emailAddress") or ""
    addresses = [a for a in node.get("addresses") or [] if isinstance(a, dict)]
    consent = (node.get("emailMarketingConsent") or {}).get("marketingState")
    tags = list(node.get("tags") or [])
    billing = address_in(addresses[0], email=email) if addresses else {}
    if billing and not billing.get("phone") and node.get("phone"):
        billing["phone"] = node["phone"]  # the customer's phone is the billing contact where addresses have none
    return {
        **_common(node),
        "email": email,
        "first_name": node.get("firstName") or "",
        "last_name": node.get("lastName") or "",
        "phone": node.get("phone") or "",
        "group": tags[0] if tags else "",
        "accepts_marketing": consent == "SUBSCRIBED",
        "billing": billing,
        "shipping": address_in(addresses[1]) if len(addresses) > 1 else {},
        "extra": {"shopify": {"tags": tags[1:]}} if len(tags) > 1 else {},
    }


def customer_input(item: Customer, *, with_phone: bool = True) -> dict[str, Any]:
    out: dict[str, Any] = {"email": item.email, "firstName": item.first_name, "lastName": item.last_name}
    if item.phone and with_phone:
        out["phone"] = item.phone
    extra_tags = (item.extra.get("shopify") or {}).get("tags", []) if isinstance(item.extra.get("shopify"), dict) \
        else []
    tags = ([item.group] if item.group else []) + [t for t in extra_tags if t != item.group]
    if tags:
        out["tags"] = tags
    out["addresses"] = customer_addresses(item)
    if item.accepts_marketing:
        out["emailMarketingConsent"] = {"marketingState": "SUBSCRIBED", "marketingOptInLevel": "SINGLE_OPT_IN",
                                        "consentUpdatedAt": format_time(item.created_at or item.updated_at)}
    return out


def customer_addresses(item: Customer) -> list[dict[str, Any]]:
    """[billing, shipping]: the first is the default address; the shipping one only when it is given."""
    billing, shipping = address_out(item.billing), address_out(item.shipping)
    if shipping and not billing:
        billing = {}
    return [a for a in (billing, shipping) if a is not None]


# --- orders ----------------------------------------------------------------------------------------
def order_status_of(node: dict[str, Any]) -> str:
    financial = str(node.get("displayFinancialStatus") or "PENDING").lower()
    if node.get("cancelledAt"):  # a cancelled order is voided or refunded; orderCreate cannot cancel
        return "refunded" if financial in ("refunded", "partially_refunded") else "voided"
    shipped = node.get("displayFulfillmentStatus") == "FULFILLED"
    if financial == "paid" and shipped:
        return "fulfilled"
    if financial == "partially_refunded" and node.get("displayFulfillmentStatus") is not None:
        # A part given back: where the order holds refunds (Order.refunds say what), its status is where it
        # stands, shipped or not; a shipped order without refund records was imported as partially refunded.
        if not shipped:
            return "paid"
        if node.get("refunds") or node.get("refundDetails"):
            return "fulfilled"
    return financial if financial in ORDER_STATUSES else "pending"


def _carried(fulfillment: dict[str, Any], positions: dict[Any, int]) -> list[dict[str, Any]]:
    """What a fulfillment carried, as positions of the order's line items (read for orders fulfilled in parts,
    `fulfillmentLineItems`); [] when not read or not all of its lines are known."""
    items = _nodes(fulfillment.get("fulfillmentLineItems"))
    carried = [{"line": positions.get((item.get("lineItem") or {}).get("id")),
                "quantity": int(item.get("quantity") or 0)} for item in items]
    if not carried or any(c["line"] is None for c in carried):
        return []
    return [c for c in carried if c["quantity"] > 0]


def order_from_shopify(node: dict[str, Any]) -> dict[str, Any]:
    """`node["refundDetails"]`: the order's refunds as `payments.REFUND_FIELDS` selects them (the stream reads
    them for orders that have any)."""
    from . import payments  # it builds on this module's helpers
    currency = node.get("currencyCode") or ""
    lines = []
    for line in _nodes(node.get("lineItems")):
        variant = line.get("variant") or {}
        product = (variant.get("product") or line.get("product") or {})
        quantity = int(line.get("quantity") or 0)
        unit = money_or_zero(line.get("originalUnitPriceSet"))
        tax = sum((money_or_zero(t.get("priceSet")) for t in line.get("taxLines") or []), Decimal(0))
        lines.append({
            "source_id": legacy(line.get("id")),
            "product_id": legacy(product.get("id")) or None,
            "variant_id": None if product.get("hasOnlyDefaultVariant") else (legacy(variant.get("id")) or None),
            "sku": line.get("sku") or "",
            "name": line.get("name") or line.get("title") or "Item",
            "quantity": quantity,
            "price": unit,
            "subtotal": money_or_zero(line.get("originalTotalSet")) or unit * quantity,
            "total": money_or_zero(line.get("discountedTotalSet")),
            "tax": tax,
        })
    shipments = []
    positions = {line.get("id"): n for n, line in enumerate(_nodes(node.get("lineItems")))}
    for fulfillment in node.get("fulfillments") or []:
        carried = _carried(fulfillment, positions)
        for tracking in fulfillment.get("trackingInfo") or []:
            if tracking.get("number"):
                shipments.append({"tracking_number": tracking["number"], "carrier": tracking.get("company") or "",
                                  "tracking_url": tracking.get("url") or "",
                                  "shipped_at": parse_time(fulfillment.get("createdAt")), "lines": carried})
                carried = []  # the fulfillment's other tracking numbers: the same parcel
    transactions = [t for t in node.get("transactions") or [] if t.get("status") == "SUCCESS"
                    and t.get("kind") in ("SALE", "CAPTURE")]
    email = (node.get("email") or "").strip()
    customer = node.get("customer") or {}
    return {
        **_common(node),
        "created_at": parse_time(node.get("processedAt")) or parse_time(node.get("createdAt")),
        "number": (node.get("name") or "").lstrip("#") or legacy(node.get("id")),
        "status": order_status_of(node),
        "currency": currency,
        "customer_id": legacy(customer.get("id")) or None,
        "email": email,
        "billing": address_in(node.get("billingAddress"), email=email),
        "shipping": address_in(node.get("shippingAddress")),
        "lines": lines,
        "shipping_lines": [{"method": s.get("code") or "", "title": s.get("title") or "",
                            "total": money_or_zero(s.get("originalPriceSet"))}
                           for s in _nodes(node.get("shippingLines"))],
        "tax_lines": [{"label": t.get("title") or "",
                       "rate": (Decimal(str(t["rate"])) * 100).quantize(Decimal("0.0001")).normalize()
                       if t.get("rate") is not None else None,
                       "total": money_or_zero(t.get("priceSet"))} for t in node.get("taxLines") or []],
        "discounts": [{"code": code, "amount": money_or_zero(node.get("totalDiscountsSet")) if i == 0 else Decimal(0)}
                      for i, code in enumerate(node.get("discountCodes") or [])],
        "subtotal": money_or_zero(node.get("subtotalPriceSet")),
        "shipping_total": money_or_zero(node.get("totalShippingPriceSet")),
        "tax_total": money_or_zero(node.get("totalTaxSet")),
        "discount_total": money_or_zero(node.get("totalDiscountsSet")),
        "total": money_or_zero(node.get("totalPriceSet")),
        "payment_method": transactions[0].get("gateway") or "" if transactions else "",
        "transaction_id": transactions[0].get("authorizationCode") or "" if transactions else "",
        "paid_at": parse_time(transactions[0].get("processedAt")) if transactions else None,
        "customer_note": node.get("note") or "",
        "shipments": shipments,
        "transactions": payments.transactions_from_shopify(node.get("transactions") or []),
        "refunds": payments.refunds_from_shopify(node.get("refundDetails") or [],
                                                 [legacy(line.get("id")) for line in _nodes(node.get("lineItems"))]),
    }


def order_create_input(item: Order, *, currency: str, location_id: str | None,
                       default_variants: dict[str, str]) -> tuple[dict[str, Any], list[str]]:
    """(OrderCreateOrderInput, warnings) for a historical order: `name` keeps the source number,
    `processedAt` the source date; the order's own totals, taxes, discounts and shipping as given."""
    from . import payments  # it builds on this module's helpers
    warnings: list[str] = []
    currency = (item.currency or currency or "USD").upper()
    financial, fulfilled = ORDER_STATUS_OUT.get(item.status, ("PENDING", False))
    lines = []
    for line in item.lines:
        entry: dict[str, Any] = {"quantity": line.quantity, "title": line.name,
                                 "priceSet": money_bag(line.price if line.price else (
                                     line.subtotal / line.quantity if line.quantity else line.subtotal), currency)}
        variant = line.variant_id or (default_variants.get(line.product_id) if line.product_id else None)
        if variant:
            entry["variantId"] = gid("variants", variant)
        if line.sku:
            entry["sku"] = line.sku
        lines.append(entry)
    out: dict[str, Any] = {
        "name": item.number if item.number.startswith("#") else f"#{item.number}",
        "processedAt": format_time(item.created_at or item.updated_at),
        "currency": currency,
        "financialStatus": financial,
        "lineItems": lines,
        "sourceIdentifier": item.number,
    }
    if item.email:
        out["email"] = item.email
    if item.customer_id:
        out["customer"] = {"toAssociate": {"id": gid(E.CUSTOMER, item.customer_id)}}
    billing, shipping = address_out(item.billing), address_out(item.shipping)
    if billing:
        out["billingAddress"] = billing
    if shipping:
        out["shippingAddress"] = shipping
    if item.customer_note:
        out["note"] = item.customer_note
    if item.shipping_lines:
        out["shippingLines"] = [{"title": s.title or s.method or "Shipping", "code": s.method or None,
                                 "priceSet": money_bag(s.total, currency)} for s in item.shipping_lines]
    elif item.shipping_total:
        out["shippingLines"] = [{"title": "Shipping", "priceSet": money_bag(item.shipping_total, currency)}]
    if item.tax_total:
        label = item.tax_lines[0].label if item.tax_lines else "Tax"
        rate = item.tax_lines[0].rate if item.tax_lines and item.tax_lines[0].rate is not None else Decimal(0)
        out["taxLines"] = [{"title": label or "Tax", "rate": str((rate / 100).normalize()),
                            "priceSet": money_bag(item.tax_total, currency)}]
    if item.discount_total:
        codes = [d.code for d in item.discounts if d.code]
        if len(codes) > 1:
            warnings.append(f"Shopify keeps one discount code per order: {', '.join(codes[1:])} merged into "
                            f"{codes[0]}.")
        out["discountCode"] = {"itemFixedDiscountCode": {"code": codes[0] if codes else "DISCOUNT",
                                                         "amountSet": money_bag(item.discount_total, currency)}}
    if item.refunds and financial in ("REFUNDED", "PARTIALLY_REFUNDED"):
        # paid first: the refunds written right after (refundCreate) make it refunded, with their lines
        out["financialStatus"] = "PAID"
    if item.transactions:
        out["transactions"] = payments.order_transactions_input(item, currency)
    elif item.status in PAID_STATUSES:
        transaction: dict[str, Any] = {"kind": "SALE", "status": "SUCCESS",
                                       "amountSet": money_bag(item.total, currency),
                                       "gateway": item.payment_method or "manual",
                                       "processedAt": format_time(item.paid_at or item.created_at)}
        if item.transaction_id:
            transaction["authorizationCode"] = item.transaction_id
        out["transactions"] = [transaction]
    if fulfilled:
        out["fulfillmentStatus"] = "FULFILLED"
        if item.shipments:
            first = item.shipments[0]
            # orderCreate takes one tracking number; the connector adds the others to that fulfillment.
            out["fulfillment"] = {"locationId": location_id, "trackingNumber": first.tracking_number,
                                  "trackingCompany": first.carrier or None, "notifyCustomer": False}
    elif item.shipments and not all(shipment.lines for shipment in item.shipments):
        # (shipments that say what they carried are fulfilled line by line right after: the stream does it)
        warnings.append("Tracking numbers of an order that is not fulfilled are added when it ships "
                        "(Shopify attaches them to a fulfillment).")
    return out, warnings


# --- reviews ---------------------------------------------------------------------------------------
def review_key(item: Review) -> str:
    """The metafield key of a review: stable for one source review, so writing it again overwrites it."""
    digest = hashlib.sha1(f"{item.source_id}|{item.reviewer_email.lower()}|{item.content}".encode(  # noqa: S324
        "utf-8", "surrogateescape")).hexdigest()[:24]
    return f"r{digest}"


def review_metafield(item: Review) -> dict[str, Any]:
    value = {"rating": item.rating, "content": item.content, "reviewer": item.reviewer,
             "reviewer_email": item.reviewer_email, "status": item.status, "verified": item.verified,
             "customer_id": item.customer_id, "created_at": format_time(item.created_at)}
    return {"ownerId": gid(E.PRODUCT, item.product_id), "namespace": REVIEW_NAMESPACE, "key": review_key(item),
            "type": "json", "value": json.dumps(value, sort_keys=True)}


def review_from_metafield(node: dict[str, Any], product_id: str) -> dict[str, Any]:
    value = json.loads(node.get("value") or "{}")
    return {
        "source_id": legacy(node.get("id")),
        "updated_at": parse_time(node.get("updatedAt")),
        "created_at": parse_time(value.get("created_at")) or parse_time(node.get("createdAt")),
        "product_id": product_id,
        "customer_id": value.get("customer_id") or None,
        "reviewer": value.get("reviewer") or "",
        "reviewer_email": value.get("reviewer_email") or "",
        "rating": int(value.get("rating") or 0),
        "content": value.get("content") or "",
        "status": value.get("status") or "approved",
        "verified": bool(value.get("verified")),
    }


# --- discounts, pages, articles ----------------------------------------------------------------------
def coupon_from_shopify(node: dict[str, Any]) -> dict[str, Any]:
    discount = node.get("codeDiscount") or {}
    gets = (discount.get("customerGets") or {}).get("value") or {}
    codes = _nodes(discount.get("codes"))
    minimum = discount.get("minimumRequirement") or {}
    free_shipping = discount.get("__typename") == "DiscountCodeFreeShipping"
    if free_shipping:  # the shipping off, nothing off the items
        kind, amount = "fixed_cart", Decimal(0)
    elif "percentage" in gets:
        kind, amount = "percent", (Decimal(str(gets["percentage"])) * 100).quantize(Decimal("0.01")).normalize()
    else:
        kind = "fixed_product" if gets.get("appliesOnEachItem") else "fixed_cart"
        amount = money_or_zero(gets.get("amount"))
    items = (discount.get("customerGets") or {}).get("items") or {}
    product_ids = [legacy(n.get("id")) for n in _nodes(items.get("products"))]
    for variant in _nodes(items.get("productVariants")):  # a variant entitlement reads as its product
        product_id = legacy((variant.get("product") or {}).get("id"))
        if product_id and product_id not in product_ids:
            product_ids.append(product_id)
    return {
        "source_id": legacy(node.get("id")),
        "updated_at": parse_time(discount.get("updatedAt")),
        "created_at": parse_time(discount.get("createdAt")),
        "code": codes[0]["code"] if codes else discount.get("title") or "",
        "description": discount.get("title") or "",
        "discount_type": kind,
        "amount": amount,
        "free_shipping": free_shipping,
        "expires_at": parse_time(discount.get("endsAt")),
        "usage_limit": discount.get("usageLimit"),
        "usage_limit_per_user": 1 if discount.get("appliesOncePerCustomer") else None,
        "usage_count": int(discount.get("asyncUsageCount") or 0),
        "minimum_amount": money(minimum.get("greaterThanOrEqualToSubtotal")),
        "product_ids": [i for i in product_ids if i],
        "category_ids": [legacy(n.get("id")) for n in _nodes(items.get("collections")) if n.get("id")],
    }


def _discount_items(item: Coupon, warnings: list[str]) -> dict[str, Any]:
    """`DiscountItemsInput` of a coupon: its products, else its categories (collections), else all items.
    A discount applies to products or to collections, not both
    [shopify.dev/docs/api/admin-graphql/latest/unions/DiscountItems]; input lists hold at most 250 ids."""
    products = list(dict.fromkeys(gid(E.PRODUCT, i) for i in item.product_ids))
    collections = list(dict.fromkeys(gid(E.CATEGORY, i) for i in item.category_ids))
    if products and collections:
        dropped = ", ".join(legacy(c) for c in collections)
        warnings.append("A Shopify discount applies to products or to collections, not both: it keeps its "
                        f"{len(products)} product(s); its categories (collections {dropped}) were dropped.")
    chosen, kind = (products, "product") if products else (collections, "category")
    if len(chosen) > MAX_DISCOUNT_ITEMS:
        warnings.append(f"Shopify takes {MAX_DISCOUNT_ITEMS} {kind} ids in a discount: "
                        f"{', '.join(legacy(c) for c in chosen[MAX_DISCOUNT_ITEMS:])} were dropped.")
        chosen = chosen[:MAX_DISCOUNT_ITEMS]
    if products:
        return {"products": {"productsToAdd": chosen}}
    if collections:
        return {"collections": {"add": chosen}}
    return {"all": True}


def is_free_shipping_only(item: Coupon) -> bool:
    return item.free_shipping and not item.amount


def _code_discount_input(item: Coupon) -> dict[str, Any]:
    """What every code discount input holds: title, code, dates, limits, minimum subtotal."""
    out: dict[str, Any] = {
        "title": item.description or item.code, "code": item.code,
        "startsAt": format_time(item.created_at) or "2000-01-01T00:00:00Z",
        "customerSelection": {"all": True},
        "appliesOncePerCustomer": item.usage_limit_per_user == 1,
    }
    if item.expires_at:
        out["endsAt"] = format_time(item.expires_at)
    if item.usage_limit:
        out["usageLimit"] = item.usage_limit
    if item.minimum_amount:
        out["minimumRequirement"] = {"subtotal": {"greaterThanOrEqualToSubtotal": money_str(item.minimum_amount)}}
    return out


def free_shipping_input(item: Coupon) -> tuple[dict[str, Any], list[str]]:
    """`DiscountCodeFreeShippingInput` of a coupon that only takes the shipping off, to every country (a
    free-shipping discount applies to the whole order: the coupon's products or categories are not kept)."""
    warnings = []
    if item.product_ids or item.category_ids or item.excluded_product_ids or item.excluded_category_ids:
        warnings.append("A free-shipping discount on Shopify applies to the whole order: the coupon's products "
                        "and categories were not kept.")
    return {**_code_discount_input(item), "destination": {"all": True}}, warnings


def coupon_input(item: Coupon) -> tuple[dict[str, Any], list[str]]:
    """`DiscountCodeBasicInput` of a coupon whose references are this store's ids, and the warnings
    about what Shopify cannot hold (both products and categories, exclusions, free shipping)."""
    warnings: list[str] = []
    if item.discount_type == "percent":
        value: dict[str, Any] = {"percentage": float(min(item.amount, Decimal(100)) / 100)}
    else:
        value = {"discountAmount": {"amount": money_str(item.amount),
                                    "appliesOnEachItem": item.discount_type == "fixed_product"}}
    out = {**_code_discount_input(item), "customerGets": {"value": value, "items": _discount_items(item, warnings)}}
    excluded = [f"product {i}" for i in item.excluded_product_ids] + [
        f"category {i}" for i in item.excluded_category_ids]
    if excluded:
        warnings.append(f"Shopify discounts have no exclusions: excluding {', '.join(excluded)} was not kept.")
    if item.free_shipping:
        warnings.append("Free shipping is a separate discount type on Shopify: a coupon that also takes an amount "
                        "off keeps the amount, not the free shipping.")
    return out, warnings


def page_from_shopify(node: dict[str, Any]) -> dict[str, Any]:
    return {**_common(node), "title": node.get("title") or "", "slug": node.get("handle") or "",
            "content": node.get("body") or "", "status": "published" if node.get("isPublished") else "draft",
            "seo": {"url_key": node.get("handle") or ""},
            "translations": _translations(node, {v: k for k, v in PAGE_TRANSLATION_KEYS.items()})}


def page_input(item: ContentPage) -> dict[str, Any]:
    out = {"title": item.title, "body": item.content, "isPublished": item.status == "published"}
    if item.seo.url_key or item.slug:
        out["handle"] = item.seo.url_key or item.slug
    return out


def article_from_shopify(node: dict[str, Any]) -> dict[str, Any]:
    return {**_common(node), "title": node.get("title") or "", "slug": node.get("handle") or "",
            "content": node.get("body") or "", "excerpt": node.get("summary") or "",
            "author": (node.get("author") or {}).get("name") or "", "tags": list(node.get("tags") or []),
            "status": "published" if node.get("isPublished") else "draft",
            "published_at": parse_time(node.get("publishedAt")),
            "translations": _translations(node, {v: k for k, v in ARTICLE_TRANSLATION_KEYS.items()})}


def article_input(item: BlogPost, blog_id: str) -> dict[str, Any]:
    out: dict[str, Any] = {"blogId": blog_id, "title": item.title, "author": {"name": item.author or "Staff"},
                           "body": item.content, "tags": item.tags, "isPublished": item.status == "published"}
    if item.excerpt:
        out["summary"] = item.excerpt
    if item.slug:
        out["handle"] = item.slug
    if item.published_at:
        out["publishDate"] = format_time(item.published_at)
    return out


# --- dispatch --------------------------------------------------------------------------------------
READERS: dict[EntityType, Callable[[dict[str, Any]], dict[str, Any]]] = {
    E.PRODUCT: product_from_shopify, E.CATEGORY: category_from_shopify, E.CUSTOMER: customer_from_shopify,
    E.ORDER: order_from_shopify, E.COUPON: coupon_from_shopify, E.PAGE: page_from_shopify,
    E.BLOG_POST: article_from_shopify,
}


def to_canonical(entity: EntityType, node: dict[str, Any], **context: Any) -> Canonical:
    """A canonical entity from one Shopify node; anything malformed becomes a RecordError."""
    try:
        data = review_from_metafield(node, context["product_id"]) if entity == E.REVIEW else READERS[entity](node)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise RecordError(f"Unreadable {entity.label.lower()[:-1]} from Shopify: {exc}",
                          source_id=legacy(node.get("id")) if isinstance(node, dict) else "",
                          excerpt=excerpt(node)) from None
    return validate_entity(entity, data)
