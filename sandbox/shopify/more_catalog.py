"""Product, Media, Customer and MailingAddress fields beyond what render.py fills (schema_more_catalog.graphql).

Each answers from the store's data; where the store keeps nothing of the kind the answer is what Shopify
answers for a shop without it (no bundles, no subscriptions, no media errors on ready media, an address
never geocoded nor validated), as documented on the field: never an invented value."""
from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal

from graphql import GraphQLSchema

from .binding import bind_fields, source_record
from .common import Ctx, money_v2
from .data import records

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$")
MINUTES_IN_YEAR = 525600


def time_in_words(start: datetime, end: datetime) -> str:
    """Rails' `distance_of_time_in_words` (Shopify's `lifetimeDuration`, e.g. "about 12 years")."""
    if start > end:
        start, end = end, start
    minutes = round((end - start).total_seconds() / 60)
    if minutes <= 1:
        return "less than a minute" if minutes == 0 else "1 minute"
    if minutes < 45:
        return f"{minutes} minutes"
    if minutes < 90:
        return "about 1 hour"
    if minutes < 1440:
        return f"about {round(minutes / 60)} hours"
    if minutes < 2520:
        return "1 day"
    if minutes < 43200:
        return f"{round(minutes / 1440)} days"
    if minutes < 86400:
        return "about 1 month"
    if minutes < MINUTES_IN_YEAR:
        return f"{round(minutes / 43200)} months"
    first_year = start.year + (1 if start.month >= 3 else 0)
    last_year = end.year - (1 if end.month < 3 else 0)
    leap_years = sum(1 for y in range(first_year, last_year + 1) if y % 4 == 0 and (y % 100 != 0 or y % 400 == 0))
    minutes -= leap_years * 1440
    years, remainder = divmod(minutes, MINUTES_IN_YEAR)
    if remainder < 131400:
        return f"about {years} year{'s' if years != 1 else ''}"
    if remainder < 394200:
        return f"over {years} year{'s' if years != 1 else ''}"
    return f"almost {years + 1} years"


# ---------------------------------------------------------------- products and media


def _product_compare_at_range(ctx: Ctx, source: dict, **_):
    from .render import product_variants

    record = source_record(ctx, source, "products")
    prices = [Decimal(v.data["compareAtPrice"]) for v in product_variants(ctx, record.record_id)
              if v.data.get("compareAtPrice") not in (None, "")] if record else []
    if not prices:
        return None  # no variant has a compare-at price
    return {"minVariantCompareAtPrice": money_v2(min(prices), ctx.currency),
            "maxVariantCompareAtPrice": money_v2(max(prices), ctx.currency)}


def _product_category(ctx: Ctx, source: dict, **_):
    record = source_record(ctx, source, "products")
    category = (record.data.get("category") if record else None) or None
    return {"id": category} if category else None  # a product without a taxonomy category


def _product_data(key: str):
    def resolve(ctx: Ctx, source: dict, **_):
        record = source_record(ctx, source, "products")
        return record.data.get(key) if record else None

    return resolve


# ---------------------------------------------------------------- customers and addresses


def _customer(ctx: Ctx, source: dict):
    return source_record(ctx, source, "customers")


def _customer_last_order(ctx: Ctx, source: dict, **_):
    from .render import order

    record = _customer(ctx, source)
    last = records(ctx, "orders").filter(parent_id=record.record_id).order_by(
        "-date_created_gmt", "-record_id").first() if record else None
    return order(ctx, last) if last else None


def _customer_sms_consent(ctx: Ctx, source: dict, **_):
    record = _customer(ctx, source)
    if record is None or not record.data.get("phone"):
        return None  # "If the customer does not have a phone number, then this property is null."
    return record.data.get("smsMarketingConsent") or {
        "marketingState": "NOT_SUBSCRIBED", "marketingOptInLevel": "SINGLE_OPT_IN", "consentUpdatedAt": None,
        "consentCollectedFrom": None}


def _customer_lifetime(ctx: Ctx, source: dict, **_):
    record = _customer(ctx, source)
    return time_in_words(record.date_created_gmt, ctx.now)


def _customer_data(key: str, default=None):
    def resolve(ctx: Ctx, source: dict, **_):
        record = _customer(ctx, source)
        value = record.data.get(key) if record else None
        return default if value is None else value

    return resolve


def _formatted_area(ctx: Ctx, source: dict, **_):
    parts = [source.get("city"), source.get("province"), source.get("country")]
    return ", ".join(p for p in parts if p) or None


def bind(schema: GraphQLSchema) -> None:
    bind_fields(schema, "Product", {
        "category": _product_category, "compareAtPriceRange": _product_compare_at_range,
        "giftCardTemplateSuffix": _product_data("giftCardTemplateSuffix"),
        # no bundles in the sandbox (as ProductVariant.requiresComponents)
        "hasVariantsThatRequiresComponents": lambda ctx, source, **_: False,
    })
    no_problems = {"mediaErrors": lambda ctx, source, **_: [], "mediaWarnings": lambda ctx, source, **_: []}
    for type_name in ("MediaImage", "ExternalVideo", "Model3d", "Video"):
        bind_fields(schema, type_name, no_problems)  # stored media are READY: nothing failed, nothing to warn
    bind_fields(schema, "Customer", {
        "dataSaleOptOut": _customer_data("dataSaleOptOut", False), "lastOrder": _customer_last_order,
        "lifetimeDuration": _customer_lifetime, "multipassIdentifier": _customer_data("multipassIdentifier"),
        "productSubscriberStatus": lambda ctx, source, **_: "NEVER_SUBSCRIBED",  # no subscription contracts
        "smsMarketingConsent": _customer_sms_consent, "taxExemptions": _customer_data("taxExemptions", []),
        "validEmailAddress": lambda ctx, source, **_: bool(EMAIL.match(source.get("email") or "")),
    })
    bind_fields(schema, "MailingAddress", {
        # the store never geocodes nor validates addresses, nor keeps their time zone
        "coordinatesValidated": lambda ctx, source, **_: False, "latitude": lambda ctx, source, **_: None,
        "longitude": lambda ctx, source, **_: None, "timeZone": lambda ctx, source, **_: None,
        "validationResultSummary": lambda ctx, source, **_: None, "formattedArea": _formatted_area,
    })
