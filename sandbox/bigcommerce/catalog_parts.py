"""Catalog v3 product children: variants (at most 600 SKUs per product), options and their values,
images, custom fields and reviews (reference/catalog/product-variants_catalog.v3.yml and siblings)."""
from ..records import ids_allocate
from . import engine
from .responses import ApiError, body_json, empty_response, invalid, ok
from .specs import CUSTOM_FIELDS, IMAGES, METAFIELDS, OPTIONS, PRODUCTS, REVIEWS, VARIANTS

MAX_VARIANTS = 600  # "600 SKUs per product" (product-variants_catalog.v3.yml)


def variant_render(product, record) -> dict:
    item = engine.render(VARIANTS, record)
    item["sku_id"] = record.record_id
    price = item["price"] if item["price"] is not None else product.data.get("price")
    item["calculated_price"] = item["sale_price"] or price
    item["calculated_weight"] = item["weight"] if item["weight"] is not None else product.data.get("weight")
    return item


def option_render(record) -> dict:
    return {**engine.render(OPTIONS, record), "name": record.data["display_name"]}


def image_render(record) -> dict:
    item = engine.render(IMAGES, record)
    url = item["image_url"]
    item.update({"url_zoom": url, "url_standard": url, "url_thumbnail": url, "url_tiny": url,
                 "date_modified": engine.v3_date(record.date_modified_gmt)})
    return item


def _option_resolve(store, product_id: int, value: dict, *, create: bool, prefix: str) -> dict:
    """An option value reference `{option_id, id}` or `{option_display_name, label}` (the latter may create
    the option and the value, as product creation with inline variants does)."""
    options = engine.records(store, OPTIONS, product_id)
    if "option_id" in value and "id" in value:
        option = options.filter(record_id=value["option_id"]).first()
        match = next((v for v in (option.data["option_values"] if option else []) if v["id"] == value["id"]), None)
        if match is None:
            raise invalid({f"{prefix}option_values": "error.option_value.notfound"},
                          "The option value does not exist on this product.")
        return {"id": match["id"], "label": match["label"], "option_id": option.record_id,
                "option_display_name": option.data["display_name"]}
    name, label = value.get("option_display_name"), value.get("label")
    if not isinstance(name, str) or not isinstance(label, str) or not create:
        raise invalid({f"{prefix}option_values": "error.path.missing"})
    option = options.filter(lookup=name).first() or engine.create(
        store, OPTIONS, {"display_name": name, "type": "rectangles", "option_values": []}, parent_id=product_id)
    match = next((v for v in option.data["option_values"] if v["label"] == label), None)
    if match is None:
        match = {"id": ids_allocate(store, "option_values")[0], "label": label,
                 "sort_order": len(option.data["option_values"]), "value_data": {}, "is_default": False}
        engine.update(store, OPTIONS, option, {"option_values": [*option.data["option_values"], match]})
    return {"id": match["id"], "label": label, "option_id": option.record_id, "option_display_name": name}


def variant_write(store, product, body, record=None, *, create_options: bool = False, prefix: str = ""):
    clean = engine.validate(VARIANTS, body, partial=record is not None, prefix=prefix)
    if record is None and engine.records(store, VARIANTS, product.record_id).count() >= MAX_VARIANTS:
        raise invalid({f"{prefix}sku": "error.maxItems"}, f"A product can have at most {MAX_VARIANTS} variants.")
    if "option_values" in clean:
        clean["option_values"] = [_option_resolve(store, product.record_id, v, create=create_options, prefix=prefix)
                                  for v in clean["option_values"] if isinstance(v, dict)]
        key = sorted(v["id"] for v in clean["option_values"])
        siblings = engine.records(store, VARIANTS, product.record_id)
        if record is not None:
            siblings = siblings.exclude(record_id=record.record_id)
        if any(sorted(v["id"] for v in s.data.get("option_values", [])) == key for s in siblings):
            raise ApiError(409, "Variant with the same option values set exists")
    sku = clean.get("sku")
    if sku:
        taken = engine.records(store, VARIANTS).filter(lookup=sku)
        if record is not None:
            taken = taken.exclude(record_id=record.record_id)
        if taken.exists() or engine.records(store, PRODUCTS).filter(lookup=sku).exclude(
                record_id=product.record_id).exists():
            raise ApiError(409, "The product SKU is a duplicate", {"sku": "The product SKU is a duplicate"})
    if record is None:
        return engine.create(store, VARIANTS, clean, parent_id=product.record_id)
    return engine.update(store, VARIANTS, record, clean)


def product_children_create(store, product, body: dict, *, creating: bool) -> None:
    """Inline `variants`, `images` and `custom_fields` of a product document; a product created without
    variants gets its base variant (no option values), as every BigCommerce product has one."""
    variants = body.get("variants") if isinstance(body.get("variants"), list) else []
    if len(variants) > MAX_VARIANTS:
        raise invalid({"variants": "error.maxItems"}, f"A product can have at most {MAX_VARIANTS} variants.")
    for index, variant in enumerate(variants):
        existing = engine.records(store, VARIANTS, product.record_id).filter(
            record_id=variant.get("id") or 0).first() if isinstance(variant, dict) else None
        variant_write(store, product, variant, existing, create_options=True, prefix=f"variants.{index}.")
    if creating and not variants:
        engine.create(store, VARIANTS, {"sku": product.data.get("sku", ""), "price": None,
                                        "inventory_level": product.data.get("inventory_level", 0)},
                      parent_id=product.record_id)
    for spec, key in ((IMAGES, "images"), (CUSTOM_FIELDS, "custom_fields")):
        for index, item in enumerate(body.get(key) or []):
            engine.create(store, spec, engine.validate(spec, item, partial=False, prefix=f"{key}.{index}."),
                          parent_id=product.record_id)


def _product(ctx, product_id):
    return engine.record_get(ctx.store, PRODUCTS, product_id)


def _child_views(spec, render, write=None):
    """list / create / get / update / delete views of one product child collection."""

    def do_write(store, product, body, record=None):
        if write:
            return write(store, product, body, record)
        clean = engine.validate(spec, body, partial=record is not None)
        if record is None:
            return engine.create(store, spec, clean, parent_id=product.record_id)
        return engine.update(store, spec, record, clean)

    def listing(ctx, product_id):
        product = _product(ctx, product_id)
        qs = engine.filter_v3(engine.records(ctx.store, spec, product.record_id), spec, ctx.params)
        records, meta = engine.paginate(qs, ctx.params)
        return ok([engine.select_fields(render(product, r), ctx.params) for r in records], meta)

    def create(ctx, product_id):
        product = _product(ctx, product_id)
        return ok(render(product, do_write(ctx.store, product, body_json(ctx.request))))

    def get(ctx, product_id, item_id):
        product = _product(ctx, product_id)
        return ok(render(product, engine.record_get(ctx.store, spec, item_id, product.record_id)))

    def put(ctx, product_id, item_id):
        product = _product(ctx, product_id)
        record = engine.record_get(ctx.store, spec, item_id, product.record_id)
        return ok(render(product, do_write(ctx.store, product, body_json(ctx.request), record)))

    def delete(ctx, product_id, item_id):
        product = _product(ctx, product_id)
        engine.record_get(ctx.store, spec, item_id, product.record_id).delete()
        return empty_response()

    return {"GET": listing, "POST": create}, {"GET": get, "PUT": put, "DELETE": delete}


def _option_write(store, product, body, record=None):
    clean = engine.validate(OPTIONS, body, partial=record is not None)
    if "option_values" in clean:
        values = []
        for index, value in enumerate(clean["option_values"]):
            if not isinstance(value, dict) or not isinstance(value.get("label"), str):
                raise invalid({f"option_values.{index}.label": "error.path.missing"})
            values.append({"id": value.get("id") or ids_allocate(store, "option_values")[0], "label": value["label"],
                           "sort_order": value.get("sort_order", index), "value_data": value.get("value_data") or {},
                           "is_default": bool(value.get("is_default"))})
        clean["option_values"] = values
    if record is None:
        if engine.records(store, OPTIONS, product.record_id).filter(lookup=clean["display_name"]).exists():
            raise ApiError(409, f"The display name '{clean['display_name']}' has already been used on this product.")
        return engine.create(store, OPTIONS, clean, parent_id=product.record_id)
    return engine.update(store, OPTIONS, record, clean)


def _review_render(product, record):
    return engine.render(REVIEWS, record)


def variants_list(ctx):
    """`GET /catalog/variants`: every product's variants (`id:in`, `sku`, `sku:in`, `product_id:in`), the
    way to find a variant by SKU."""
    qs = engine.filter_v3(engine.records(ctx.store, VARIANTS), VARIANTS, ctx.params)
    records, meta = engine.paginate(qs, ctx.params)
    products = {p.record_id: p for p in engine.records(ctx.store, PRODUCTS).filter(
        record_id__in={r.parent_id for r in records})}
    return ok([engine.select_fields(variant_render(products[r.parent_id], r), ctx.params)
               for r in records if r.parent_id in products], meta)


def metafield_render(record) -> dict:
    return {**engine.render(METAFIELDS, record), "resource_type": "product"}


def metafields_list(ctx):
    """`GET /catalog/products/metafields`: every product's metafields (`namespace`, `key`, `resource_id:in`)."""
    qs = engine.filter_v3(engine.records(ctx.store, METAFIELDS), METAFIELDS, ctx.params)
    records, meta = engine.paginate(qs, ctx.params)
    return ok([metafield_render(r) for r in records], meta)


def metafields_create(ctx):
    """`POST /catalog/products/metafields`: an array of metafields, each naming its product (`resource_id`);
    a key is unique per product and namespace (409)."""
    body = body_json(ctx.request)
    if not isinstance(body, list):
        raise invalid({"body": "error.expected.jsarray"})
    if len(body) > 50:
        raise ApiError(413, "The request cannot contain more than 50 metafields.")
    made = []
    for index, item in enumerate(body):
        clean = engine.validate(METAFIELDS, item, partial=False, prefix=f"{index}.")
        product = engine.records(ctx.store, PRODUCTS).filter(record_id=item.get("resource_id") or 0).first()
        if product is None:
            raise invalid({f"{index}.resource_id": "error.product.notfound"}, "The product does not exist.")
        if engine.records(ctx.store, METAFIELDS, product.record_id).filter(
                data__namespace=clean["namespace"], data__key=clean["key"]).exists():
            raise ApiError(409, "Metafield with the same key and namespace exists")
        made.append(metafield_render(engine.create(ctx.store, METAFIELDS, clean, parent_id=product.record_id)))
    return ok(made, {})


VARIANT_VIEWS = _child_views(VARIANTS, variant_render, variant_write)
OPTION_VIEWS = _child_views(OPTIONS, lambda product, r: option_render(r), _option_write)
IMAGE_VIEWS = _child_views(IMAGES, lambda product, r: image_render(r))
CUSTOM_FIELD_VIEWS = _child_views(CUSTOM_FIELDS, lambda product, r: {"id": r.record_id, **r.data})
REVIEW_VIEWS = _child_views(REVIEWS, _review_render)
P = r"catalog/products/(?P<product_id>\d+)"
METAFIELD_VIEWS = _child_views(METAFIELDS, lambda product, r: metafield_render(r))
ROUTES = [("v3", r"catalog/variants", {"GET": variants_list}),
          ("v3", r"catalog/products/metafields", {"GET": metafields_list, "POST": metafields_create})] + [
    route
    for name, (collection, item) in (("variants", VARIANT_VIEWS), ("options", OPTION_VIEWS), ("images", IMAGE_VIEWS),
                                     ("custom-fields", CUSTOM_FIELD_VIEWS), ("reviews", REVIEW_VIEWS),
                                     ("metafields", METAFIELD_VIEWS))
    for route in (("v3", rf"{P}/{name}", collection), ("v3", rf"{P}/{name}/(?P<item_id>\d+)", item))
]
