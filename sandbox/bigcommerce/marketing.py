"""Coupons v2, 301 redirects v3 (`/storefront/redirects`: PUT upserts by site and `from_path`), inventory
adjustments v3 (`/inventory/adjustments/absolute` and `relative`, one default location), channels v3 and
the store locale settings (reference/marketing.v2.yml, redirects.v3.yml, inventory.v3.yml, channels.v3.yml,
settings.v3.yml)."""
import uuid

from . import engine
from .responses import ApiError, body_json, empty_response, invalid, ok, raw, v2_date
from .specs import PRODUCTS, VARIANTS

COUPON_TYPES = ("per_item_discount", "percentage_discount", "per_total_discount", "shipping_discount",
                "free_shipping", "promotion")
COUPONS = engine.Resource(
    "coupons", fields={"name": str, "code": str, "type": str, "amount": str, "min_purchase": str, "expires": str,
                       "enabled": bool, "applies_to": dict, "max_uses": int, "max_uses_per_customer": int,
                       "restricted_to": dict, "shipping_methods": list},
    required=("name", "code", "type", "amount", "applies_to"),
    defaults={"min_purchase": "0.0000", "expires": "", "enabled": True, "max_uses": 0, "max_uses_per_customer": 0,
              "restricted_to": {}, "shipping_methods": None, "num_uses": 0},
    unique=(("code", "The coupon code is a duplicate"), ("name", "The coupon name is a duplicate")), lookup="code")
REDIRECTS = engine.Resource("redirects", fields={}, dates=False)
REDIRECT_TYPES = ("product", "brand", "category", "page", "post", "url")
LOCATION_ID = 1
CHANNELS = engine.Resource("channels", fields={})


def _v2_validate(spec, body, *, partial: bool) -> dict:
    """v2 answers validation errors as `[{"status": 400, "message": "The field 'x' is invalid."}]`."""
    try:
        return engine.validate(spec, body, partial=partial)
    except ApiError as error:
        name, key = next(iter(error.errors.items()))
        verb = "was not supplied" if key == "error.path.missing" else "is invalid"
        raise ApiError(400, f"The {'required ' if verb[0] == 'w' else ''}field '{name}' {verb}.") from None


def coupon_render(record) -> dict:
    return {"id": record.record_id, **record.data, "date_created": v2_date(record.date_created_gmt)}


def _coupon_clean(body, partial):
    clean = _v2_validate(COUPONS, body, partial=partial)
    if "type" in clean and clean["type"] not in COUPON_TYPES:
        raise ApiError(400, "The field 'type' is invalid.")
    return clean


def coupons_list(ctx):
    page, limit = engine.page_params(ctx.params)
    qs = engine.records(ctx.store, COUPONS).order_by("record_id")
    if ctx.params.get("code"):
        qs = qs.filter(lookup=ctx.params["code"])
    return raw([coupon_render(r) for r in qs[(page - 1) * limit: page * limit]])


def coupon_create(ctx):
    return raw(coupon_render(engine.create(ctx.store, COUPONS, _coupon_clean(body_json(ctx.request), False))), 201)


def coupon_get(ctx, coupon_id):
    return raw(coupon_render(engine.record_get(ctx.store, COUPONS, coupon_id)))


def coupon_update(ctx, coupon_id):
    record = engine.record_get(ctx.store, COUPONS, coupon_id)
    return raw(coupon_render(engine.update(ctx.store, COUPONS, record, _coupon_clean(body_json(ctx.request), True))))


def coupon_delete(ctx, coupon_id):
    engine.record_get(ctx.store, COUPONS, coupon_id).delete()
    return empty_response()


def coupons_count(ctx):
    return raw({"count": engine.records(ctx.store, COUPONS).count()})


def redirect_render(ctx, record, wanted) -> dict:
    item = {"id": record.record_id, "site_id": record.data["site_id"], "from_path": record.data["from_path"],
            "to": record.data["to"]}
    if "to_url" in wanted:
        target = record.data["to"]
        path = target.get("url", "")
        if target["type"] == "product":
            product = engine.records(ctx.store, PRODUCTS).filter(record_id=target.get("entity_id") or 0).first()
            path = (product.data.get("custom_url") or {}).get("url") if product else ""
            path = path or (f"/{engine.slug(product.data['name'])}/" if product else "")
        item["to_url"] = path if path.startswith("http") else f"https://{ctx.store.name}.example.com{path}"
    return item


def redirects_list(ctx):
    qs = engine.records(ctx.store, REDIRECTS)
    if ctx.params.get("id:in"):
        qs = qs.filter(record_id__in=engine.ids_param(ctx.params))
    if ctx.params.get("site_id"):
        qs = qs.filter(data__site_id=int(ctx.params["site_id"]) if ctx.params["site_id"].isdigit() else -1)
    if ctx.params.get("keyword"):
        qs = qs.filter(lookup__icontains=ctx.params["keyword"])
    records, meta = engine.paginate(qs, ctx.params)
    wanted = engine.includes(ctx.params)
    return ok([redirect_render(ctx, r, wanted) for r in records], meta)


def redirects_upsert(ctx):
    """`PUT /storefront/redirects`: create or update by (`site_id`, `from_path`); at most 100 per call."""
    body = body_json(ctx.request)
    if not isinstance(body, list):
        raise invalid({"body": "error.expected.jsarray"})
    if len(body) > 100:
        raise ApiError(413, "The request cannot contain more than 100 redirects.")
    done = []
    for index, item in enumerate(body):
        target = item.get("to") if isinstance(item, dict) else None
        path = item.get("from_path") if isinstance(item, dict) else None
        if not isinstance(path, str) or not path.startswith("/"):
            raise invalid({f"{index}.from_path": "error.path.missing"})
        if not isinstance(target, dict) or target.get("type") not in REDIRECT_TYPES:
            raise invalid({f"{index}.to.type": "error.expected.validenumvalue"})
        if (target["type"] == "url") != isinstance(target.get("url"), str):
            raise invalid({f"{index}.to.url": "error.path.missing"})
        data = {"site_id": int(item.get("site_id") or 1), "from_path": path,
                "to": {"type": target["type"], "entity_id": target.get("entity_id", 0) or 0,
                       "url": target.get("url", "")}}
        existing = engine.records(ctx.store, REDIRECTS).filter(lookup=path, data__site_id=data["site_id"]).first()
        if existing:
            record = engine.update(ctx.store, REDIRECTS, existing, data)
        else:
            record = engine.create(ctx.store, REDIRECTS, data)
            record.lookup = path
            record.save(update_fields=["lookup"])
        done.append(redirect_render(ctx, record, set()))
    return ok(done, {})


def redirects_delete(ctx):
    ids = engine.ids_param(ctx.params)
    if not ids:
        raise invalid({"id:in": "error.path.missing"}, "The id:in filter is required.")
    engine.records(ctx.store, REDIRECTS).filter(record_id__in=ids).delete()
    return empty_response()


def _adjust(ctx, relative: bool):
    body = body_json(ctx.request)
    items = body.get("items") if isinstance(body, dict) else None
    if not isinstance(items, list) or not items:
        raise invalid({"items": "error.path.missing"})
    targets = []
    for index, item in enumerate(items):
        if not isinstance(item, dict) or not isinstance(item.get("quantity"), int):
            raise invalid({f"items.{index}.quantity": "error.expected.jsnumber"})
        if item.get("location_id", LOCATION_ID) != LOCATION_ID:
            raise invalid({f"items.{index}.location_id": "error.location.notfound"}, "The location does not exist.")
        variants = engine.records(ctx.store, VARIANTS)
        if item.get("variant_id"):
            variant = variants.filter(record_id=item["variant_id"]).first()
        elif item.get("sku"):
            variant = variants.filter(lookup=item["sku"]).first()
        elif item.get("product_id"):
            variant = variants.filter(parent_id=item["product_id"], data__option_values=[]).first()
        else:
            variant = None
        if variant is None:
            raise invalid({f"items.{index}": "error.item.notfound"}, "The inventory item does not exist.")
        targets.append((variant, item["quantity"]))
    for variant, quantity in targets:
        level = int(variant.data.get("inventory_level") or 0) + quantity if relative else quantity
        engine.update(ctx.store, VARIANTS, variant, {"inventory_level": level})
        product = engine.records(ctx.store, PRODUCTS).filter(record_id=variant.parent_id).first()
        if product is not None and not variant.data.get("option_values"):
            engine.update(ctx.store, PRODUCTS, product, {"inventory_level": level})
        elif product is not None:
            engine.update(ctx.store, PRODUCTS, product, {})  # a variant's stock changes the product's date_modified
    return ok({"transaction_id": str(uuid.uuid4())}, {})


def locations_list(ctx):
    return ok([{"id": LOCATION_ID, "code": "BC-LOCATION-1", "label": "Default location", "type_id": "PHYSICAL",
                "enabled": True, "managed_by_external_source": False, "storefront_visibility": True}],
              {"pagination": {"total": 1, "count": 1, "per_page": 50, "current_page": 1, "total_pages": 1,
                              "links": {"current": "?page=1&limit=50"}}})


def channel_render(record) -> dict:
    return {"id": record.record_id, **record.data, "date_created": engine.v3_date(record.date_created_gmt),
            "date_modified": engine.v3_date(record.date_modified_gmt)}


def channels_list(ctx):
    records, meta = engine.paginate(engine.records(ctx.store, CHANNELS), ctx.params)
    return ok([channel_render(r) for r in records], meta)


def channel_get(ctx, channel_id):
    return ok(channel_render(engine.record_get(ctx.store, CHANNELS, channel_id)))


def locale_get(ctx):
    """`GET /settings/store/locale` (optionally `channel_id`): the storefront's shopper language."""
    languages = ctx.store.languages
    return ok({"default_shopper_language": ctx.store.default_language,
               "shopper_language_selection_method": "browser" if len(languages) > 1 else "default_shopper_language",
               "store_country": "United States"}, {})


ROUTES = [
    ("v2", r"coupons", {"GET": coupons_list, "POST": coupon_create}),
    ("v2", r"coupons/count", {"GET": coupons_count}),
    ("v2", r"coupons/(?P<coupon_id>\d+)", {"GET": coupon_get, "PUT": coupon_update, "DELETE": coupon_delete}),
    ("v3", r"storefront/redirects", {"GET": redirects_list, "PUT": redirects_upsert, "DELETE": redirects_delete}),
    ("v3", r"inventory/adjustments/absolute", {"POST": lambda ctx: _adjust(ctx, False)}),
    ("v3", r"inventory/adjustments/relative", {"POST": lambda ctx: _adjust(ctx, True)}),
    ("v3", r"inventory/locations", {"GET": locations_list}),
    ("v3", r"channels", {"GET": channels_list}),
    ("v3", r"channels/(?P<channel_id>\d+)", {"GET": channel_get}),
    ("v3", r"settings/store/locale", {"GET": locale_get}),
]
