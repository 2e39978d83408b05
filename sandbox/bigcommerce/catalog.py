"""Catalog v3 products: list (filters, `include`, sort), get, create (with inline variants, images and
custom fields), update, delete (one, or by `id:in`), and the batch `PUT /catalog/products` of at most 10
products answering 207 when only some succeed (reference/catalog/products_catalog.v3.yml)."""
from django.db import transaction
from django.db.models import Q

from ..models import SandboxRecord
from . import engine
from .catalog_parts import image_render, option_render, product_children_create, variant_render
from .responses import ERROR_TYPE, ApiError, body_json, empty_response, invalid, json_response, ok
from .specs import CUSTOM_FIELDS, IMAGES, OPTIONS, PRODUCTS, VARIANTS

BATCH_LIMIT = 10
SORTS = {"id": "record_id", "name": "data__name", "sku": "lookup", "price": "data__price",
         "date_modified": "date_modified_gmt", "date_last_imported": "date_modified_gmt",
         "inventory_level": "data__inventory_level", "is_visible": "data__is_visible",
         "total_sold": "data__total_sold"}


def _keyword(qs, op, values):
    word = values[0]
    return qs.filter(Q(data__name__icontains=word) | Q(lookup__icontains=word) | Q(data__description__icontains=word))


def _categories(qs, op, values):
    ids = [int(v) for v in values if v.lstrip("-").isdigit()]
    condition = Q()
    for category_id in ids:
        condition |= Q(data__categories__contains=[category_id])
    return qs.filter(condition) if ids else qs


def product_render(store, record, wanted: set[str]) -> dict:
    item = engine.render(PRODUCTS, record)
    item["date_last_imported"] = None
    variants = list(engine.records(store, VARIANTS, record.record_id).order_by("record_id"))
    base = next((v for v in variants if not v.data.get("option_values")), None)
    item["base_variant_id"] = base.record_id if base else None
    if item["inventory_tracking"] == "variant":
        item["inventory_level"] = sum(int(v.data.get("inventory_level") or 0) for v in variants)
    item["calculated_price"] = item["sale_price"] or item["price"]
    item.setdefault("custom_url", {"url": f"/{engine.slug(item['name'])}/", "is_customized": False})
    if "variants" in wanted:
        item["variants"] = [variant_render(record, v) for v in variants]
    if "images" in wanted or "primary_image" in wanted:
        images = [image_render(i) for i in engine.records(store, IMAGES, record.record_id).order_by("data__sort_order",
                                                                                                 "record_id")]
        if "images" in wanted:
            item["images"] = images
        if "primary_image" in wanted:
            item["primary_image"] = next((i for i in images if i["is_thumbnail"]), images[0] if images else None)
    if "custom_fields" in wanted:
        item["custom_fields"] = [{"id": c.record_id, "name": c.data["name"], "value": c.data["value"]}
                                 for c in engine.records(store, CUSTOM_FIELDS, record.record_id).order_by("record_id")]
    if "options" in wanted:
        item["options"] = [option_render(o) for o in engine.records(store, OPTIONS, record.record_id)]
    for empty in ("modifiers", "bulk_pricing_rules", "videos"):
        if empty in wanted:
            item[empty] = []
    return item


def products_list(ctx):
    params = ctx.params
    qs = engine.filter_v3(engine.records(ctx.store, PRODUCTS), PRODUCTS, params,
                          extra={"keyword": _keyword, "categories": _categories})
    order = SORTS.get(params.get("sort", "id"), "record_id")
    if params.get("direction") == "desc":
        order = "-" + order
    records, meta = engine.paginate(qs, params, order)
    wanted = engine.includes(params)
    data = [engine.select_fields(product_render(ctx.store, r, wanted), params) for r in records]
    return ok(data, meta)


def product_get(ctx, product_id):
    record = engine.record_get(ctx.store, PRODUCTS, product_id)
    return ok(engine.select_fields(product_render(ctx.store, record, engine.includes(ctx.params)), ctx.params))


def _sku_taken(store, sku: str, exclude_product: int | None = None) -> bool:
    if not sku:
        return False
    products = engine.records(store, PRODUCTS).filter(lookup=sku)
    variants = engine.records(store, VARIANTS).filter(lookup=sku)
    if exclude_product is not None:
        products = products.exclude(record_id=exclude_product)
        variants = variants.exclude(parent_id=exclude_product)
    return products.exists() or variants.exists()


def product_write(store, body, record=None, prefix: str = ""):
    """Create (record None) or update one product from a request document; the children given inline
    (`variants`, `images`, `custom_fields`) are created with it."""
    clean = engine.validate(PRODUCTS, body, partial=record is not None, prefix=prefix)
    if clean.get("type", "physical") not in ("physical", "digital"):
        raise invalid({f"{prefix}type": "error.expected.validenumvalue"})
    if "sku" in clean and _sku_taken(store, clean["sku"], record.record_id if record else None):
        raise ApiError(409, "The product SKU is a duplicate", {"sku": "The product SKU is a duplicate"})
    record = engine.create(store, PRODUCTS, clean) if record is None else engine.update(store, PRODUCTS, record, clean)
    product_children_create(store, record, body, creating=not engine.records(store, VARIANTS,
                                                                              record.record_id).exists())
    return record


def product_create(ctx):
    record = product_write(ctx.store, body_json(ctx.request))
    return ok(product_render(ctx.store, record, {"variants", "images", "custom_fields"}))


def product_update(ctx, product_id):
    record = engine.record_get(ctx.store, PRODUCTS, product_id)
    record = product_write(ctx.store, body_json(ctx.request), record)
    return ok(product_render(ctx.store, record, set()))


def products_batch_update(ctx):
    """`PUT /catalog/products` with at most 10 products, each with its `id`: 200 when all succeed, 207
    with `data`, `errors` and `meta {total, success, failed}` when only some do."""
    body = body_json(ctx.request)
    if not isinstance(body, list):
        raise invalid({"body": "error.expected.jsarray"})
    if len(body) > BATCH_LIMIT:
        raise ApiError(413, f"The request cannot contain more than {BATCH_LIMIT} products.")
    done, errors = [], []
    for index, item in enumerate(body):
        try:
            if not isinstance(item, dict) or not isinstance(item.get("id"), int):
                raise invalid({f"{index}.id": "error.path.missing"})
            with transaction.atomic():  # one item's failure keeps the others
                record = engine.record_get(ctx.store, PRODUCTS, item["id"])
                done.append(product_render(ctx.store, product_write(ctx.store, item, record, f"{index}."), set()))
        except ApiError as error:
            errors.append({"status": error.status, "title": error.title, "type": ERROR_TYPE,
                           "errors": error.errors, "data": {"id": item.get("id") if isinstance(item, dict) else None}})
    if errors and not done:
        first = errors[0]
        raise ApiError(first["status"], first["title"], first["errors"])
    if errors:
        return json_response({"data": done, "errors": errors,
                              "meta": {"total": len(body), "success": len(done), "failed": len(errors)}}, 207)
    return ok(done, {})


def _delete_products(store, ids):
    children = ("variants", "options", "images", "custom_fields", "reviews")
    engine.records(store, PRODUCTS).filter(record_id__in=ids).delete()
    SandboxRecord.objects.filter(store=store, resource__in=children, parent_id__in=ids).delete()


def product_delete(ctx, product_id):
    record = engine.record_get(ctx.store, PRODUCTS, product_id)
    _delete_products(ctx.store, [record.record_id])
    return empty_response()


def products_delete(ctx):
    """`DELETE /catalog/products?id:in=...` (a filter is required, as on BigCommerce)."""
    qs = engine.filter_v3(engine.records(ctx.store, PRODUCTS), PRODUCTS, ctx.params,
                          extra={"keyword": _keyword, "categories": _categories})
    if not any(":" in key or key in PRODUCTS.filters for key in ctx.params):
        raise invalid({"id:in": "error.path.missing"}, "A filter is required to delete products.")
    _delete_products(ctx.store, list(qs.values_list("record_id", flat=True)))
    return empty_response()


def catalog_summary(ctx):
    products = engine.records(ctx.store, PRODUCTS)
    variants = engine.records(ctx.store, VARIANTS)
    return ok({"inventory_count": sum(int(v.data.get("inventory_level") or 0) for v in variants),
               "variant_count": variants.count(), "inventory_value": 0,
               "highest_variant_price": 0, "average_variant_price": 0, "lowest_variant_price": 0,
               "oldest_variant_date": None, "newest_variant_date": None,
               "primary_category_id": None, "primary_category_name": "", "product_count": products.count()})


ROUTES = [
    ("v3", r"catalog/summary", {"GET": catalog_summary}),
    ("v3", r"catalog/products", {"GET": products_list, "POST": product_create, "PUT": products_batch_update,
                                 "DELETE": products_delete}),
    ("v3", r"catalog/products/(?P<product_id>\d+)", {"GET": product_get, "PUT": product_update,
                                                     "DELETE": product_delete}),
]
