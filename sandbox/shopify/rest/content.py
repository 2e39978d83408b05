"""REST renderers of the shop, online store content (pages, blogs, articles) and metafields
(https://shopify.dev/docs/api/admin-rest/latest/resources/shop and the pages next to it)."""
from ...models import SandboxRecord
from ..common import Ctx
from ..render import primary_location, store_domain
from .shapes import admin_id, created, rest_time, tags_text, updated

COMMENT_POLICY = {"MODERATED": "moderate", "CLOSED": "no", "AUTO_PUBLISHED": "yes"}
OWNER_RESOURCES = {"PRODUCT": "product", "PRODUCTVARIANT": "variant", "COLLECTION": "collection",
                   "CUSTOMER": "customer", "ORDER": "order", "PAGE": "page", "BLOG": "blog", "ARTICLE": "article",
                   "SHOP": "shop", "LOCATION": "location", "DISCOUNT": "discount"}


def shop(ctx: Ctx) -> dict:
    s = ctx.store.settings
    currency = ctx.currency
    domain = store_domain(ctx)
    when = rest_time(ctx.store.created_at)
    location = primary_location(ctx)
    return {
        "id": s.get("shop_id", ctx.store.pk), "name": s.get("title") or ctx.store.name, "email": s.get("email", ""),
        "domain": domain, "province": "Ontario", "country": "CA", "address1": "150 Elgin St", "zip": "K2P 1L4",
        "city": "Ottawa", "source": None, "phone": "", "latitude": 45.4215296, "longitude": -75.6971931,
        "primary_locale": ctx.store.default_language, "address2": "", "created_at": when, "updated_at": when,
        "country_code": "CA", "country_name": "Canada", "currency": currency, "customer_email": s.get("email", ""),
        "timezone": "(GMT+00:00) UTC", "iana_timezone": "Etc/UTC", "shop_owner": s.get("title") or ctx.store.name,
        "money_format": "${{amount}}", "money_with_currency_format": f"${{{{amount}}}} {currency}",
        "weight_unit": "kg", "province_code": "ON", "taxes_included": False, "auto_configure_tax_inclusivity": None,
        "tax_shipping": None, "county_taxes": True, "plan_display_name": "Basic", "plan_name": "basic",
        "has_discounts": True, "has_gift_cards": False, "myshopify_domain": domain, "google_apps_domain": None,
        "google_apps_login_enabled": None, "money_in_emails_format": "${{amount}}",
        "money_with_currency_in_emails_format": f"${{{{amount}}}} {currency}", "eligible_for_payments": True,
        "requires_extra_payments_agreement": False, "password_enabled": False, "has_storefront": True,
        "finances": True, "primary_location_id": location.record_id if location else None,
        "checkout_api_supported": True, "multi_location_enabled": True, "setup_required": False,
        "pre_launch_enabled": False, "enabled_presentment_currencies": [currency],
        "transactional_sms_disabled": False, "marketing_sms_consent_enabled_at_checkout": False,
    }


def page(ctx: Ctx, record: SandboxRecord) -> dict:
    d = record.data
    return {
        "id": record.record_id, "title": d.get("title", ""), "shop_id": ctx.store.settings.get("shop_id"),
        "handle": record.lookup, "body_html": d.get("body") or "", "author": d.get("author") or "Shopify API",
        "created_at": created(record), "updated_at": updated(record),
        "published_at": rest_time(d.get("publishedAt")) if d.get("isPublished", True) else None,
        "template_suffix": d.get("templateSuffix"),
        "admin_graphql_api_id": admin_id("OnlineStorePage", record.record_id),
    }


def blog(ctx: Ctx, record: SandboxRecord) -> dict:
    d = record.data
    return {
        "id": record.record_id, "handle": record.lookup, "title": d.get("title", ""), "updated_at": updated(record),
        "commentable": COMMENT_POLICY.get(d.get("commentPolicy") or "MODERATED", "moderate"), "feedburner": None,
        "feedburner_location": None, "created_at": created(record), "template_suffix": d.get("templateSuffix"),
        "tags": "", "admin_graphql_api_id": admin_id("OnlineStoreBlog", record.record_id),
    }


def article(ctx: Ctx, record: SandboxRecord) -> dict:
    d = record.data
    image = d.get("image") or {}
    return {
        "id": record.record_id, "title": d.get("title", ""), "created_at": created(record),
        "body_html": d.get("body") or "", "blog_id": record.parent_id,
        "author": (d.get("author") or {}).get("name") or "", "user_id": None,
        "published_at": rest_time(d.get("publishedAt")) if d.get("isPublished", True) else None,
        "updated_at": updated(record), "summary_html": d.get("summary"), "template_suffix": d.get("templateSuffix"),
        "handle": record.lookup, "tags": tags_text(d.get("tags")),
        "admin_graphql_api_id": admin_id("OnlineStoreArticle", record.record_id),
        **({"image": {"created_at": created(record), "alt": image.get("altText"), "width": image.get("width"),
                      "height": image.get("height"), "src": image.get("url")}} if image.get("url") else {}),
    }


def _metafield_value(kind: str, value: str):
    # REST answers integers and booleans as JSON numbers and booleans, everything else as the stored string.
    if kind == "number_integer":
        try:
            return int(value)
        except ValueError:
            return value
    if kind == "boolean":
        return value == "true"
    return value


def metafield(ctx: Ctx, record: SandboxRecord) -> dict:
    d = record.data
    owner_type = (d.get("ownerType") or "PRODUCT").upper()
    return {
        "id": record.record_id, "namespace": d.get("namespace"), "key": d.get("key"),
        "value": _metafield_value(d.get("type") or "", d.get("value") or ""), "description": d.get("description"),
        "owner_id": record.parent_id, "created_at": created(record), "updated_at": updated(record),
        "owner_resource": OWNER_RESOURCES.get(owner_type, owner_type.lower()), "type": d.get("type"),
        "admin_graphql_api_id": admin_id("Metafield", record.record_id),
    }
