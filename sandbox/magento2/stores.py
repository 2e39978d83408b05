"""Store discovery: websites, store groups, store views and their configs (locale, currency, base URLs).
https://developer.adobe.com/commerce/webapi/rest/use-rest/anonymous-api-security/ (route list)"""
from .common import Ctx
from .store import DEFAULT_CATEGORY_ID, store_views


def websites(ctx: Ctx, body) -> list[dict]:
    return [{"id": 0, "code": "admin", "name": "Admin", "default_group_id": 0},
            {"id": 1, "code": "base", "name": "Main Website", "default_group_id": 1}]


def store_groups(ctx: Ctx, body) -> list[dict]:
    return [{"id": 0, "website_id": 0, "root_category_id": 0, "default_store_id": 0, "name": "Default",
             "code": "default"},
            {"id": 1, "website_id": 1, "root_category_id": DEFAULT_CATEGORY_ID, "default_store_id": 1,
             "name": "Main Website Store", "code": "main_website_store"}]


def _view(view: dict) -> dict:
    return {key: view[key] for key in ("id", "code", "name", "website_id", "store_group_id", "is_active")}


def views(ctx: Ctx, body) -> list[dict]:
    admin = {"id": 0, "code": "admin", "name": "Admin", "website_id": 0, "store_group_id": 0, "is_active": 1}
    return [admin, *(_view(view) for view in store_views(ctx.store))]


def configs(ctx: Ctx, body) -> list[dict]:
    """`GET /V1/store/storeConfigs[?storeCodes[]=…]`: one entry per view (not admin)."""
    wanted = ctx.query.getlist("storeCodes[]") if hasattr(ctx.query, "getlist") else []
    currency = ctx.store.settings.get("currency", "USD")
    out = []
    for view in store_views(ctx.store):
        if wanted and view["code"] not in wanted:
            continue
        # each view has its own URL (store code in the URL is off by default; views use their own path here)
        base = f"{ctx.base_url}/" if view["id"] == 1 else f"{ctx.base_url}/{view['code']}/"
        out.append({
            "id": view["id"], "code": view["code"], "website_id": 1, "locale": view["locale"],
            "base_currency_code": currency, "default_display_currency_code": currency, "timezone": "UTC",
            "weight_unit": "lbs", "base_url": base, "base_link_url": base,
            "base_static_url": f"{ctx.base_url}/static/version1700000000/",
            "base_media_url": f"{ctx.base_url}/media/", "secure_base_url": base, "secure_base_link_url": base,
            "secure_base_static_url": f"{ctx.base_url}/static/version1700000000/",
            "secure_base_media_url": f"{ctx.base_url}/media/",
        })
    return out
