"""Pure translations between Vendure Admin API JSON and canonical entities. No I/O.

Readers (`*_from_vendure`) take the decoded JSON of one record as the streams' queries select it (see
`streams/`) plus what the connector knows about the store (default language, money precision,
collection membership) and return a dict of canonical fields; `to_canonical` wraps them so that any
malformed record becomes a readable `RecordError`. Writers (`*_input`) take a canonical entity whose
references the engine already rewrote to this store's ids and return the GraphQL input objects.

Money: Vendure amounts are integers in minor units (1999 = 19.99 with the default precision of 2,
`serverConfig.moneyStrategyPrecision`) [docs.vendure.io/guides/core-concepts/money]; canonical amounts are
Decimal major units.
Languages: Vendure keeps one translation per `LanguageCode` (`en`, `fr`, `pt_BR`); the channel's default
language fills the canonical top-level fields, the others go to `translations`.
Fields are read with the shared accessors (`connectors.sdk.access`: missing, null and "" are no value; a
value of the wrong shape is a ValueError naming the field, hence the record's RecordError).
Custom fields: the names CartmigratePlugin declares (vendure_plugin/cartmigrate-plugin.js); writers add them
only when the connector says the store has them (`custom_fields=True`).
"""
from __future__ import annotations

import json
import math
import re
import unicodedata
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from connectors.entities import (
    Address,
    Canonical,
    Category,
    Customer,
    EntityType,
    Order,
    OrderLine,
    Product,
    Variant,
    excerpt,
    validate_entity,
)
from connectors.errors import RecordError
from connectors.sdk.access import list_of, mapping, text

EXTRA_KEY = "vendure"
TAG_FACET_CODE = "tags"
TAG_FACET_NAME = "Tags"
# Facet codes are unique across channels: a "tags" facet made in another channel of the same server makes the one
# created in this channel "tags-2" (Vendure appends a number), and it is still this connector's Tags facet.
_TAG_FACET = re.compile(r"tags(-\d+)?")


def is_tag_facet(code: str | None) -> bool:
    return bool(code) and _TAG_FACET.fullmatch(code) is not None
PRODUCT_ID_FILTER = "product-id-filter"
BACKORDER_THRESHOLD = -1_000_000  # "allow backorders": sell far below zero (Vendure has no backorder flag)
MAX_INT = 2**31 - 1  # GraphQL Int
STOCK_STATUSES = ("in_stock", "out_of_stock", "backorder")
# The custom fields CartmigratePlugin declares, per Vendure entity (vendure_plugin/cartmigrate-plugin.js).
PLUGIN_FIELDS = {
    "Product": ("productSku", "stockQuantity", "stockStatus"),
    "ProductVariant": ("compareAtPrice",),
    "Order": ("sourceOrderNumber", "sourceOrderDate", "importedShipping", "importedShippingTax"),
    "OrderLine": ("importedUnitPrice", "importedLinePrice", "importedLineTax"),
}


# --- scalar helpers ------------------------------------------------------------------------------
def major(value: Any, precision: int = 2, field: str = "amount") -> Decimal | None:
    """Vendure minor units (int) as canonical major units; None stays None."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise ValueError(f"{field}: {value!r} is not an amount")
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        raise ValueError(f"{field}: {value!r} is not an amount") from None
    if not number.is_finite():
        raise ValueError(f"{field}: {value!r} is not an amount")
    return number.scaleb(-precision)


def major_or_zero(value: Any, precision: int = 2, field: str = "amount") -> Decimal:
    amount = major(value, precision, field)
    return amount if amount is not None else Decimal("0")


def minor(amount: Decimal | None, precision: int = 2, field: str = "amount") -> int | None:
    """Canonical major units as Vendure minor units; half a minor unit rounds up (Vendure's Math.round)."""
    if amount is None:
        return None
    value = int((Decimal(amount).scaleb(precision)).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    if abs(value) > MAX_INT:
        raise ValueError(f"{field}: {amount} is too large for Vendure")
    return value


def ceil_minor(amount: Decimal, quantity: int, precision: int = 2) -> int:
    """The unit price in minor units that, times `quantity`, is not below `amount` (see order_line_input)."""
    total = Decimal(amount).scaleb(precision)
    return int(math.ceil(total / quantity)) if quantity else int(total)


def parse_time(value: Any, field: str = "date") -> datetime | None:
    """Vendure sends ISO 8601 UTC times ("2024-01-02T03:04:05.000Z")."""
    if value in (None, ""):
        return None
    if not isinstance(value, str):
        raise ValueError(f"{field}: {value!r} is not a date")
    try:
        moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"{field}: {value!r} is not a date") from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def format_time(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def latest(*moments: datetime | None) -> datetime | None:
    known = [m for m in moments if m is not None]
    return max(known) if known else None


def slugify(text: str) -> str:
    """A Vendure-style slug: ASCII, lower case, dashes."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


def language_code(lang: str) -> str:
    """A canonical or WPML language code as Vendure's LanguageCode: "pt-br" -> "pt_BR", "fr" -> "fr"."""
    lang = (lang or "").strip().replace("-", "_")
    base, _, region = lang.partition("_")
    if not region:
        return base.lower()
    return f"{base.lower()}_{region.upper() if len(region) == 2 else region.capitalize()}"


def _custom(data: dict[str, Any]) -> dict[str, Any]:
    return mapping(data.get("customFields"), "customFields")


def _extra(**values: Any) -> dict[str, Any]:
    kept = {k: v for k, v in values.items() if v not in (None, "", [], {})}
    return {EXTRA_KEY: kept} if kept else {}


def translations_by_language(data: dict[str, Any]) -> dict[str, dict[str, Any]]:
    translations = (mapping(t, "translations[]") for t in list_of(data, "translations"))
    return {str(t.get("languageCode")): t for t in translations}


def _main_and_translations(data: dict[str, Any], default_language: str, fields: tuple[str, ...]
                           ) -> tuple[dict[str, str], dict[str, dict[str, str]]]:
    """(fields in the default language, {other language: fields}) from a record's `translations`."""
    by_lang = translations_by_language(data)
    main_source = by_lang.get(default_language) or data
    main = {f: text(main_source, f) or text(data, f) for f in fields}
    others = {lang: {f: text(t, f) for f in fields} for lang, t in by_lang.items() if lang != default_language}
    return main, others


# --- names and addresses -------------------------------------------------------------------------
def split_full_name(full_name: str, first_hint: str = "", last_hint: str = "") -> tuple[str, str]:
    """Vendure addresses hold one `fullName`; canonical ones a first and a last name.

    The customer's own names win when they make up the full name; otherwise the last word is the last name
    ("Mary Ann Smith" -> "Mary Ann", "Smith")."""
    full = " ".join((full_name or "").split())
    hint = " ".join(f"{first_hint} {last_hint}".split())
    if full and hint and full == hint:
        return first_hint.strip(), last_hint.strip()
    if " " not in full:
        return full, ""
    first, last = full.rsplit(" ", 1)
    return first, last


def full_name(address: Address) -> str:
    return " ".join(f"{address.first_name} {address.last_name}".split())


def address_from_vendure(data: Any, field: str, *, first_hint: str = "", last_hint: str = "", email: str = ""
                         ) -> dict[str, str]:
    """A Customer `Address` ({country {code}}) or an `OrderAddress` ({countryCode}) as a canonical address."""
    data = mapping(data, field)
    if not data:
        return {}
    first, last = split_full_name(text(data, "fullName"), first_hint, last_hint)
    country = data.get("country")
    code = text(country, "code") if isinstance(country, dict) else ""
    return {
        "first_name": first,
        "last_name": last,
        "company": text(data, "company"),
        "address1": text(data, "streetLine1"),
        "address2": text(data, "streetLine2"),
        "city": text(data, "city"),
        "state": text(data, "province"),
        "postcode": text(data, "postalCode"),
        "country": (text(data, "countryCode") or code).upper(),
        "phone": text(data, "phoneNumber"),
        "email": email,
    }


def address_input(address: Address, **flags: bool) -> dict[str, Any]:
    """A `CreateAddressInput` (customer addresses, and draft order addresses without the flags)."""
    out: dict[str, Any] = {
        "fullName": full_name(address),
        "company": address.company,
        "streetLine1": address.address1,
        "streetLine2": address.address2,
        "city": address.city,
        "province": address.state,
        "postalCode": address.postcode,
        "countryCode": address.country.upper(),
        "phoneNumber": address.phone,
    }
    out.update(flags)
    return out


def _same_place(a: Address, b: Address) -> bool:
    keys = ("first_name", "last_name", "company", "address1", "address2", "city", "state", "postcode", "country",
            "phone")
    return all(getattr(a, k) == getattr(b, k) for k in keys)


# --- categories (collections) --------------------------------------------------------------------
def product_ids_of_filters(filters: Iterable[Any]) -> list[str]:
    """Product ids a collection lists through `product-id-filter` (its `productIds` argument is JSON)."""
    ids: list[str] = []
    for raw in filters or []:
        operation = mapping(raw, "filters[]")
        if operation.get("code") != PRODUCT_ID_FILTER:
            continue
        for arg in operation.get("args") or []:
            if isinstance(arg, dict) and arg.get("name") == "productIds":
                try:
                    values = json.loads(arg.get("value") or "[]")
                except ValueError:
                    values = []
                ids.extend(str(v) for v in values if v not in (None, ""))
    return ids


def product_id_filters(product_ids: Iterable[str]) -> list[dict[str, Any]]:
    """Collection filters listing exactly these products. None at all when the list is empty: Vendure's
    product-id-filter with no id matches every product."""
    ids = sorted({str(i) for i in product_ids}, key=lambda v: (len(v), v))
    if not ids:
        return []
    return [{"code": PRODUCT_ID_FILTER, "arguments": [
        {"name": "productIds", "value": json.dumps(ids)}, {"name": "combineWithAnd", "value": "false"}]}]


def category_from_vendure(data: dict[str, Any], *, default_language: str) -> dict[str, Any]:
    main, others = _main_and_translations(data, default_language, ("name", "slug", "description"))
    breadcrumbs = list_of(data, "breadcrumbs")
    root_id = str(mapping(breadcrumbs[0], "breadcrumbs[]").get("id")) if breadcrumbs else ""
    parent_id = data.get("parentId")
    parent = str(parent_id) if parent_id not in (None, "") and str(parent_id) != root_id else None
    return {
        "source_id": str(data["id"]),
        "created_at": parse_time(data.get("createdAt"), "createdAt"),
        "updated_at": parse_time(data.get("updatedAt"), "updatedAt"),
        "name": main["name"],
        "slug": main["slug"],
        "parent_id": parent,
        "description": main["description"],
        "position": int(data.get("position") or 0),
        "image": _asset_in(data.get("featuredAsset")),
        "seo": {"url_key": main["slug"]},
        "translations": {lang: {k: v for k, v in t.items() if v} for lang, t in others.items()},
        "extra": _extra(private=bool(data.get("isPrivate")) or None),
    }


def _translations_input(item: Canonical, main: dict[str, str], *, default_language: str,
                        languages: Iterable[str], fields: tuple[str, ...]) -> tuple[list[dict[str, Any]], list[str]]:
    """Vendure translations: the default language from `main`, then each canonical translation whose
    language the channel offers. Answers (translations, languages left out)."""
    out = [{"languageCode": default_language, **main}]
    available = set(languages)
    skipped = []
    for lang, values in sorted(item.translations.items()):
        code = language_code(lang)
        if code == default_language:
            continue
        if code not in available:
            skipped.append(lang)
            continue
        translated = {f: values.get(f) or "" for f in fields}
        translated["name"] = translated.get("name") or main["name"]
        if "slug" in fields:
            translated["slug"] = slugify(translated.get("slug") or "") or f"{main['slug']}-{slugify(code)}"
        out.append({"languageCode": code, **translated})
    return out, skipped


def collection_input(item: Category, *, default_language: str, languages: Iterable[str]
                     ) -> tuple[dict[str, Any], list[str]]:
    """`CreateCollectionInput` without filters (products join their collections when they are written) and
    without `inheritFilters`, so a child lists its own products, not only those its parent also lists."""
    slug = slugify(item.seo.url_key or item.slug or item.name) or "category"
    main = {"name": item.name, "slug": slug, "description": item.description}
    translations, skipped = _translations_input(item, main, default_language=default_language, languages=languages,
                                                fields=("name", "slug", "description"))
    out: dict[str, Any] = {"translations": translations, "inheritFilters": False, "filters": [],
                           "isPrivate": bool((item.extra.get(EXTRA_KEY) or {}).get("private", False))}
    if item.parent_id:
        out["parentId"] = item.parent_id
    return out, skipped


# --- products ------------------------------------------------------------------------------------
def _asset_in(value: Any, position: int = 0) -> dict[str, Any] | None:
    asset = mapping(value, "asset")
    url = asset.get("source") or asset.get("preview")
    if not url:
        return None
    return {"url": str(url), "alt": text(asset, "name"), "position": position}


def tracks_inventory(flag: Any, global_track_inventory: bool) -> bool:
    """A variant's `trackInventory` (TRUE / FALSE / INHERIT from the global setting)."""
    return flag == "TRUE" or (flag in ("INHERIT", None) and global_track_inventory)


def variant_stock(data: dict[str, Any], *, global_track_inventory: bool, global_threshold: int = 0
                  ) -> dict[str, Any]:
    """Canonical stock of a variant. `stock_quantity` is what is left to sell, as WooCommerce and Shopify
    count it: stock on hand minus what placed orders allocated (Vendure only takes stock off hand when it is
    shipped)."""
    managed = tracks_inventory(data.get("trackInventory"), global_track_inventory)
    if not managed:
        return {"manage_stock": False, "stock_quantity": None, "stock_status": "in_stock"}
    quantity = int(data.get("stockOnHand") or 0) - int(data.get("stockAllocated") or 0)
    threshold = global_threshold if data.get("useGlobalOutOfStockThreshold", True) else int(
        data.get("outOfStockThreshold") or 0)
    status = "in_stock" if quantity > max(threshold, 0) else "backorder" if threshold < 0 else "out_of_stock"
    return {"manage_stock": True, "stock_quantity": quantity, "stock_status": status}


def _option_values(variant: dict[str, Any], group_names: dict[str, str]) -> dict[str, str]:
    values: dict[str, str] = {}
    for option in list_of(variant, "options"):
        option = mapping(option, "options[]")
        group = mapping(option.get("group"), "options[].group")
        name = text(group, "name") or group_names.get(str(option.get("groupId") or group.get("id")), "")
        if name:
            values[name] = text(option, "name")
    return values


def variant_from_vendure(data: dict[str, Any], *, precision: int, global_track_inventory: bool,
                         group_names: dict[str, str] | None = None, global_threshold: int = 0) -> dict[str, Any]:
    custom = _custom(data)
    return {
        "source_id": str(data["id"]),
        "sku": text(data, "sku"),
        "price": major(data.get("price"), precision, "price"),
        "compare_at_price": major(custom.get("compareAtPrice"), precision, "compareAtPrice"),
        **variant_stock(data, global_track_inventory=global_track_inventory, global_threshold=global_threshold),
        "option_values": _option_values(data, group_names or {}),
        "image": _asset_in(data.get("featuredAsset")),
    }


def product_from_vendure(data: dict[str, Any], *, default_language: str, precision: int = 2,
                         category_ids: Iterable[str] = (), global_track_inventory: bool = True,
                         global_threshold: int = 0) -> dict[str, Any]:
    """A product with one variant and no option groups is canonical "simple" (its variant's SKU, price and
    stock are the product's); any other is "variable" with one canonical variant per Vendure variant."""
    main, others = _main_and_translations(data, default_language, ("name", "slug", "description"))
    custom = _custom(data)
    groups = [mapping(g, "optionGroups[]") for g in list_of(data, "optionGroups")]
    group_names = {str(g.get("id")): text(g, "name") for g in groups}
    raw_variants = [mapping(v, "variants[]") for v in list_of(data, "variants")]
    variants = [variant_from_vendure(v, precision=precision, global_track_inventory=global_track_inventory,
                                     group_names=group_names, global_threshold=global_threshold)
                for v in raw_variants]
    simple = not groups and len(variants) == 1
    fields: dict[str, Any] = {}
    if simple:
        only = variants[0]
        fields = {"sku": only["sku"], "price": only["price"], "compare_at_price": only["compare_at_price"],
                  "manage_stock": only["manage_stock"], "stock_quantity": only["stock_quantity"],
                  "stock_status": only["stock_status"]}
        variants = []
    else:
        prices = [v["price"] for v in variants if v["price"] is not None]
        fields = {"sku": text(custom, "productSku"), "price": min(prices) if prices else None,
                  "compare_at_price": None}
        status = custom.get("stockStatus")
        if status in STOCK_STATUSES:  # what the source's product-level stock was (CartmigratePlugin)
            quantity = custom.get("stockQuantity")
            fields.update(manage_stock=quantity is not None,
                          stock_quantity=int(quantity) if quantity is not None else None, stock_status=status)
        else:  # a product made in Vendure: its stock is its variants'
            fields.update(
                manage_stock=False, stock_quantity=None,
                stock_status="in_stock" if not variants or any(v["stock_status"] != "out_of_stock" for v in variants)
                else "out_of_stock")
    options = []
    for position, group in enumerate(groups):
        options.append({"name": text(group, "name"),
                        "values": [text(mapping(o, "options[]"), "name") for o in list_of(group, "options")],
                        "position": position})
    assets = [a for i, raw in enumerate(list_of(data, "assets")) if (a := _asset_in(raw, i))]
    if not assets and (featured := _asset_in(data.get("featuredAsset"))):
        assets = [featured]
    tags = []
    for value in list_of(data, "facetValues"):
        value = mapping(value, "facetValues[]")
        if is_tag_facet(text(mapping(value.get("facet"), "facet"), "code")):
            tags.append(text(value, "name"))
    updated = latest(parse_time(data.get("updatedAt"), "updatedAt"),
                     *(parse_time(v.get("updatedAt"), "variants[].updatedAt") for v in raw_variants))
    return {
        "source_id": str(data["id"]),
        "created_at": parse_time(data.get("createdAt"), "createdAt"),
        "updated_at": updated,
        "name": main["name"],
        "slug": main["slug"],
        "type": "simple" if simple else "variable",
        "status": "active" if data.get("enabled", True) else "draft",
        "description": main["description"],
        **fields,
        "category_ids": sorted({str(c) for c in category_ids}, key=lambda v: (len(v), v)),
        "tags": tags,
        "images": assets,
        "options": options,
        "variants": variants,
        "seo": {"url_key": main["slug"]},
        "translations": {lang: {k: v for k, v in t.items() if v} for lang, t in others.items()},
    }


def product_input(item: Product, *, default_language: str, languages: Iterable[str], facet_value_ids: list[str],
                  custom_fields: bool) -> tuple[dict[str, Any], list[str]]:
    """`CreateProductInput` / `UpdateProductInput` fields (no id). Answers (input, languages left out)."""
    slug = slugify(item.seo.url_key or item.slug or item.name) or "product"
    main = {"name": item.name, "slug": slug, "description": item.description}
    translations, skipped = _translations_input(item, main, default_language=default_language, languages=languages,
                                                fields=("name", "slug", "description"))
    out: dict[str, Any] = {"enabled": item.status == "active", "translations": translations,
                           "facetValueIds": facet_value_ids}
    if custom_fields:
        variable = item.type == "variable"
        out["customFields"] = {
            "productSku": (item.sku or None) if variable else None,
            "stockQuantity": _stock_int(item.stock_quantity) if variable and item.manage_stock else None,
            "stockStatus": item.stock_status if variable else None,
        }
    return out, skipped


def _stock_int(value: int | None) -> int:
    quantity = int(value or 0)
    if abs(quantity) > MAX_INT:
        raise ValueError(f"stock_quantity: {quantity} is too large for Vendure")
    return quantity


def option_groups_wanted(item: Product) -> list[tuple[str, list[str]]]:
    """[(option name, values in order)] from the product's options, completed by what its variants use."""
    groups: dict[str, list[str]] = {}
    for option in sorted(item.options, key=lambda o: o.position):
        groups.setdefault(option.name, [])
        for value in option.values:
            if value not in groups[option.name]:
                groups[option.name].append(value)
    for variant in item.variants:
        for name, value in variant.option_values.items():
            values = groups.setdefault(name, [])
            if value not in values:
                values.append(value)
    return list(groups.items())


def option_group_input(name: str, values: list[str], *, default_language: str) -> dict[str, Any]:
    seen: set[str] = set()
    options = []
    for value in values:
        code = slugify(value) or f"option-{len(seen) + 1}"
        while code in seen:
            code += "-x"
        seen.add(code)
        options.append({"code": code, "translations": [{"languageCode": default_language, "name": value}]})
    return {"code": slugify(name) or "option", "translations": [{"languageCode": default_language, "name": name}],
            "options": options}


def _stock_input(manage_stock: bool, quantity: int | None, status: str, allocated: int = 0) -> dict[str, Any]:
    """trackInventory / stockOnHand / threshold for a canonical stock. `allocated`: what placed orders hold on
    the target already (stock on hand = left to sell + allocated)."""
    if not manage_stock:
        return {"trackInventory": "FALSE"}
    out: dict[str, Any] = {"trackInventory": "TRUE", "stockOnHand": _stock_int(quantity) + allocated}
    if status == "backorder":
        out.update(useGlobalOutOfStockThreshold=False, outOfStockThreshold=BACKORDER_THRESHOLD)
    else:
        out.update(useGlobalOutOfStockThreshold=True)
    return out


def variant_name(product_name: str, option_values: dict[str, str]) -> str:
    values = " ".join(v for v in option_values.values() if v)
    return f"{product_name} {values}".strip()


def variant_input(variant: Variant, *, product_name: str, option_ids: list[str], default_language: str,
                  precision: int, custom_fields: bool, allocated: int = 0) -> dict[str, Any]:
    """`CreateProductVariantInput` fields (without productId)."""
    out: dict[str, Any] = {
        "sku": variant.sku,
        "price": minor(variant.price, precision, "price") or 0,
        "optionIds": option_ids,
        "translations": [{"languageCode": default_language,
                          "name": variant_name(product_name, variant.option_values)}],
        **_stock_input(variant.manage_stock, variant.stock_quantity, variant.stock_status, allocated),
    }
    if custom_fields:
        out["customFields"] = {"compareAtPrice": minor(variant.compare_at_price, precision, "compare_at_price")}
    return out


def simple_variant(item: Product) -> Variant:
    """The one Vendure variant carrying a simple product's SKU, price and stock."""
    return Variant(source_id=item.source_id, sku=item.sku, price=item.price, compare_at_price=item.compare_at_price,
                   manage_stock=item.manage_stock, stock_quantity=item.stock_quantity,
                   stock_status=item.stock_status, weight=item.weight)


# --- customers -----------------------------------------------------------------------------------
def customer_from_vendure(data: dict[str, Any]) -> dict[str, Any]:
    """A registered customer. The default billing address (else the first one) is the billing address, with
    the customer's email (Vendure addresses have none); the default shipping address (else the billing one)
    is the shipping address."""
    first, last, email = text(data, "firstName"), text(data, "lastName"), text(data, "emailAddress")
    addresses = [mapping(a, "addresses[]") for a in list_of(data, "addresses")]
    billing = next((a for a in addresses if a.get("defaultBillingAddress")), addresses[0] if addresses else None)
    shipping = next((a for a in addresses if a.get("defaultShippingAddress")), billing)
    updated = latest(parse_time(data.get("updatedAt"), "updatedAt"),
                     *(parse_time(a.get("updatedAt"), "addresses[].updatedAt") for a in addresses))
    return {
        "source_id": str(data["id"]),
        "created_at": parse_time(data.get("createdAt"), "createdAt"),
        "updated_at": updated,
        "email": email,
        "first_name": first,
        "last_name": last,
        "phone": text(data, "phoneNumber"),
        "billing": address_from_vendure(billing, "billing", first_hint=first, last_hint=last, email=email),
        "shipping": address_from_vendure(shipping, "shipping", first_hint=first, last_hint=last),
        "extra": _extra(title=text(data, "title")),
    }


def customer_input(item: Customer) -> dict[str, Any]:
    """`CreateCustomerInput`. Passwords are never migrated: the customer sets one with "forgot password"."""
    return {
        "firstName": item.first_name,
        "lastName": item.last_name,
        "emailAddress": item.email,
        "phoneNumber": item.phone or item.billing.phone,
        "title": str((item.extra.get(EXTRA_KEY) or {}).get("title") or ""),
    }


def customer_address_inputs(item: Customer) -> list[dict[str, Any]]:
    """One address when billing and shipping are the same place (flagged default for both), else two."""
    billing, shipping = item.billing, item.shipping
    has_billing = bool(billing.address1 or billing.city or billing.country)
    has_shipping = bool(shipping.address1 or shipping.city or shipping.country)
    if has_billing and (not has_shipping or _same_place(billing, shipping)):
        return [address_input(billing, defaultBillingAddress=True, defaultShippingAddress=True)]
    out = []
    if has_billing:
        out.append(address_input(billing, defaultBillingAddress=True, defaultShippingAddress=False))
    if has_shipping:
        out.append(address_input(shipping, defaultBillingAddress=not has_billing, defaultShippingAddress=True))
    return out


# --- orders --------------------------------------------------------------------------------------
def order_from_vendure(data: dict[str, Any], *, precision: int = 2) -> dict[str, Any]:
    customer = mapping(data.get("customer"), "customer")
    registered = bool(customer.get("user"))
    first, last, email = text(customer, "firstName"), text(customer, "lastName"), text(customer, "emailAddress")
    custom = _custom(data)
    lines, subtotal, line_totals = [], Decimal("0"), Decimal("0")
    for raw in list_of(data, "lines"):
        raw = mapping(raw, "lines[]")
        variant = mapping(raw.get("productVariant"), "lines[].productVariant")
        quantity = int(raw.get("quantity") or 0)
        line_subtotal = major_or_zero(raw.get("linePrice"), precision, "lines[].linePrice")
        line_total = major_or_zero(raw.get("proratedLinePrice"), precision, "lines[].proratedLinePrice")
        with_tax = major_or_zero(raw.get("proratedLinePriceWithTax"), precision, "lines[].proratedLinePriceWithTax")
        subtotal += line_subtotal
        line_totals += line_total
        lines.append({
            "source_id": str(raw.get("id") or ""),
            "product_id": str(variant.get("productId")) if variant.get("productId") else None,
            # A variant without options is a simple product's only variant: canonical lines name no variant.
            "variant_id": str(variant["id"]) if variant.get("id") and list_of(variant, "options") else None,
            "sku": text(variant, "sku"),
            "name": text(variant, "name") or text(variant, "sku") or "Item",
            "quantity": quantity,
            "price": major_or_zero(raw.get("unitPrice"), precision, "lines[].unitPrice"),
            "subtotal": line_subtotal,
            "total": line_total,
            "tax": with_tax - line_total,
        })
    total = major_or_zero(data.get("total"), precision, "total")
    total_with_tax = major_or_zero(data.get("totalWithTax"), precision, "totalWithTax")
    payments = [mapping(p, "payments[]") for p in list_of(data, "payments")]
    settled = [p for p in payments if p.get("state") == "Settled"]
    payment = (settled or payments or [{}])[0]
    metadata = payment.get("metadata") if isinstance(payment.get("metadata"), dict) else {}
    shipments = []
    for raw in list_of(data, "fulfillments"):
        raw = mapping(raw, "fulfillments[]")
        if raw.get("state") == "Cancelled" or not text(raw, "trackingCode"):
            continue
        shipments.append({"tracking_number": text(raw, "trackingCode"), "carrier": text(raw, "method"),
                          "shipped_at": parse_time(raw.get("createdAt"), "fulfillments[].createdAt")})
    codes = list_of(data, "couponCodes")
    notes = [mapping(h, "history[]") for h in list_of(data, "history")]
    customer_note = next((text(mapping(h.get("data"), "history[].data"), "note") for h in notes
                          if h.get("type") == "ORDER_NOTE"), "")
    source_date = parse_time(custom.get("sourceOrderDate"), "customFields.sourceOrderDate")
    return {
        "source_id": str(data["id"]),
        "created_at": source_date or parse_time(data.get("orderPlacedAt"), "orderPlacedAt") or parse_time(
            data.get("createdAt"), "createdAt"),
        "updated_at": parse_time(data.get("updatedAt"), "updatedAt"),
        "number": text(data, "code") or str(data["id"]),
        "status": text(data, "state"),
        "currency": text(data, "currencyCode"),
        "customer_id": str(customer["id"]) if registered and customer.get("id") else None,
        "email": email,
        "billing": address_from_vendure(data.get("billingAddress"), "billingAddress", first_hint=first,
                                        last_hint=last, email=email),
        "shipping": address_from_vendure(data.get("shippingAddress"), "shippingAddress", first_hint=first,
                                         last_hint=last),
        "lines": lines,
        "shipping_lines": [
            {"method": text(mapping(s.get("shippingMethod"), "shippingMethod"), "code"),
             "title": text(mapping(s.get("shippingMethod"), "shippingMethod"), "name"),
             "total": major_or_zero(s.get("discountedPrice", s.get("price")), precision, "shippingLines[].price")}
            for s in (mapping(raw, "shippingLines[]") for raw in list_of(data, "shippingLines"))
        ],
        "tax_lines": [
            {"label": text(t, "description"), "rate": Decimal(str(t["taxRate"])).quantize(Decimal("0.0001"))
             if t.get("taxRate") is not None else None,
             "total": major_or_zero(t.get("taxTotal"), precision, "taxSummary[].taxTotal")}
            for t in (mapping(raw, "taxSummary[]") for raw in list_of(data, "taxSummary"))
        ],
        "discounts": [{"code": str(code), "amount": subtotal - line_totals if len(codes) == 1 else Decimal("0")}
                      for code in codes],
        "subtotal": subtotal,
        "shipping_total": major_or_zero(data.get("shipping"), precision, "shipping"),
        "tax_total": total_with_tax - total,
        "discount_total": subtotal - line_totals,
        "total": total_with_tax,
        "payment_method": text(payment, "method"),
        "payment_method_title": str(metadata.get("title") or ""),
        "transaction_id": text(payment, "transactionId"),
        "paid_at": parse_time(settled[0].get("createdAt"), "payments[].createdAt") if settled else None,
        "customer_note": customer_note,
        "shipments": shipments,
        "extra": _extra(source_number=custom.get("sourceOrderNumber")),
    }


def order_custom_fields(item: Order, *, precision: int) -> tuple[dict[str, Any], list[str]]:
    """Order custom fields of an imported order (CartmigratePlugin). The shipping tax is what the source's
    total holds beyond its lines and shipping, so Vendure's total equals the source's to the cent."""
    warnings = []
    lines_total = sum((line.total + line.tax for line in item.lines), Decimal("0"))
    shipping_tax = item.total - lines_total - item.shipping_total
    if shipping_tax < 0:
        warnings.append(f"Its total {item.total} is less than its lines and shipping ({lines_total} + "
                        f"{item.shipping_total}); the total on Vendure is theirs.")
        shipping_tax = max(item.tax_total - sum((line.tax for line in item.lines), Decimal("0")), Decimal("0"))
    return {
        "sourceOrderNumber": item.number,
        "sourceOrderDate": format_time(item.created_at),
        "importedShipping": minor(item.shipping_total, precision, "shipping_total"),
        "importedShippingTax": minor(shipping_tax, precision, "shipping tax"),
    }, warnings


def order_line_input(line: OrderLine, variant_id: str, *, precision: int) -> dict[str, Any]:
    """`AddItemToDraftOrderInput` of an imported line. The unit price is rounded up to a whole minor unit and
    the historical discount (CartmigratePlugin's promotion action) brings the line to its exact total."""
    subtotal = line.subtotal or line.price * line.quantity
    return {
        "productVariantId": variant_id,
        "quantity": line.quantity,
        "customFields": {
            "importedUnitPrice": ceil_minor(subtotal, line.quantity, precision),
            "importedLinePrice": minor(line.total, precision, "lines[].total"),
            "importedLineTax": minor(line.tax, precision, "lines[].tax"),
        },
    }


def guest_input(item: Order) -> dict[str, Any]:
    """`CreateCustomerInput` for a guest order (Vendure records guests as customers without an account)."""
    address = item.billing if not item.billing.is_empty() else item.shipping
    return {"emailAddress": item.email or address.email, "firstName": address.first_name,
            "lastName": address.last_name, "phoneNumber": address.phone}


# --- dispatch ------------------------------------------------------------------------------------
READERS: dict[EntityType, Callable[..., dict[str, Any]]] = {
    EntityType.CATEGORY: category_from_vendure,
    EntityType.PRODUCT: product_from_vendure,
    EntityType.CUSTOMER: customer_from_vendure,
    EntityType.ORDER: order_from_vendure,
}


def to_canonical(entity: EntityType, data: Any, **context: Any) -> Canonical:
    """One Vendure record as a validated canonical entity; anything wrong becomes a RecordError."""
    entity = EntityType(entity)
    label = entity.label.lower()[:-1]
    if not isinstance(data, dict):
        raise RecordError(f"Vendure returned a {label} that is not a JSON object.", excerpt=excerpt(data))
    source_id = str(data.get("id") or "")
    if not source_id:
        raise RecordError(f"Vendure returned a {label} without an id.", excerpt=excerpt(data))
    try:
        fields = READERS[entity](data, **context)
    except (KeyError, TypeError, ValueError, ArithmeticError, AttributeError) as exc:
        reason = f"missing field {exc}" if isinstance(exc, KeyError) else str(exc)
        raise RecordError(f"Could not read Vendure {label} {source_id}: {reason}", source_id=source_id,
                          excerpt=excerpt(data)) from None
    return validate_entity(entity, fields)
