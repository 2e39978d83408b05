"""Catalog v3 categories (parent_id 0 = top level; a name is unique under its parent), the category trees
of the current docs (`/catalog/trees`, `/catalog/trees/categories`, `/catalog/trees/{tree_id}/categories`)
and brands (reference/catalog/categories_catalog.v3.yml, category-trees_catalog.v3.yml, brands_catalog.v3.yml).
The store has one tree (id 1) attached to its storefront channel 1."""
from . import engine
from .responses import ApiError, body_json, empty_response, invalid, ok
from .specs import BRANDS, CATEGORIES

TREE_ID = 1


def category_render(record) -> dict:
    item = engine.render(CATEGORIES, record)
    item["parent_id"] = record.parent_id or 0
    item.setdefault("custom_url", {"url": f"/{engine.slug(item['name'])}/", "is_customized": False})
    return item


def category_write(store, body, record=None, prefix: str = ""):
    clean = engine.validate(CATEGORIES, body, partial=record is not None, prefix=prefix)
    parent = clean.pop("parent_id", record.parent_id if record else 0) or 0
    if parent and not engine.records(store, CATEGORIES).filter(record_id=parent).exists():
        raise invalid({f"{prefix}parent_id": "error.category.notfound"}, "The parent category does not exist.")
    name = clean.get("name", record.data.get("name") if record else "")
    siblings = engine.records(store, CATEGORIES).filter(parent_id=parent, lookup=name)
    if record is not None:
        siblings = siblings.exclude(record_id=record.record_id)
    if siblings.exists():
        raise ApiError(409, "Category name is a duplicate", {"name": "Category name is a duplicate"})
    if record is None:
        return engine.create(store, CATEGORIES, clean, parent_id=parent)
    record.parent_id = parent
    return engine.update(store, CATEGORIES, record, clean)


def categories_list(ctx):
    qs = engine.filter_v3(engine.records(ctx.store, CATEGORIES), CATEGORIES, ctx.params)
    records, meta = engine.paginate(qs, ctx.params)
    return ok([engine.select_fields(category_render(r), ctx.params) for r in records], meta)


def category_create(ctx):
    return ok(category_render(category_write(ctx.store, body_json(ctx.request))))


def category_get(ctx, category_id):
    return ok(category_render(engine.record_get(ctx.store, CATEGORIES, category_id)))


def category_update(ctx, category_id):
    record = engine.record_get(ctx.store, CATEGORIES, category_id)
    return ok(category_render(category_write(ctx.store, body_json(ctx.request), record)))


def category_delete(ctx, category_id):
    record = engine.record_get(ctx.store, CATEGORIES, category_id)
    if engine.records(ctx.store, CATEGORIES).filter(parent_id=record.record_id).exists():
        raise ApiError(409, "The category has subcategories; delete them first.")
    record.delete()
    return empty_response()


def trees_list(ctx):
    title = ctx.store.settings.get("title", "")
    return ok([{"id": TREE_ID, "name": title, "channels": [1]}], {})


def tree_categories_list(ctx):
    """The flat list of the tree's categories (`tree_id:in`, `category_id:in`, `parent_id:in` filters)."""
    qs = engine.records(ctx.store, CATEGORIES)
    for name, column in (("category_id:in", "record_id__in"), ("parent_id:in", "parent_id__in")):
        if ctx.params.get(name):
            qs = qs.filter(**{column: engine.ids_param(ctx.params, name)})
    if ctx.params.get("tree_id:in") and TREE_ID not in engine.ids_param(ctx.params, "tree_id:in"):
        qs = qs.none()
    records, meta = engine.paginate(qs, ctx.params)
    data = []
    for record in records:
        item = category_render(record)
        item["category_id"] = item.pop("id")
        item["tree_id"] = TREE_ID
        item["url"] = {"path": item.pop("custom_url")["url"], "is_customized": False}
        data.append(item)
    return ok(data, meta)


def tree_view(ctx, tree_id):
    """`GET /catalog/trees/{tree_id}/categories`: the nested tree (`children`, `depth`, `path`)."""
    if int(tree_id) != TREE_ID:
        raise ApiError(404, "Tree not found")
    by_parent = {}
    for record in engine.records(ctx.store, CATEGORIES).order_by("data__sort_order", "record_id"):
        by_parent.setdefault(record.parent_id or 0, []).append(record)

    def node(record, depth, path):
        return {"id": record.record_id, "parent_id": record.parent_id or 0, "depth": depth, "path": path,
                "name": record.data["name"], "is_visible": record.data.get("is_visible", True),
                "url": f"/{engine.slug(record.data['name'])}/",
                "children": [node(child, depth + 1, [*path, record.record_id])
                             for child in by_parent.get(record.record_id, [])]}

    return ok([node(r, 1, []) for r in by_parent.get(0, [])], {})


def brands_list(ctx):
    qs = engine.filter_v3(engine.records(ctx.store, BRANDS), BRANDS, ctx.params)
    records, meta = engine.paginate(qs, ctx.params)
    return ok([engine.select_fields(brand_render(r), ctx.params) for r in records], meta)


def brand_render(record) -> dict:
    item = engine.render(BRANDS, record)
    item.setdefault("custom_url", {"url": f"/brands/{engine.slug(item['name'])}/", "is_customized": False})
    return item


def brand_create(ctx):
    clean = engine.validate(BRANDS, body_json(ctx.request), partial=False)
    return ok(brand_render(engine.create(ctx.store, BRANDS, clean)))


def brand_get(ctx, brand_id):
    return ok(brand_render(engine.record_get(ctx.store, BRANDS, brand_id)))


def brand_update(ctx, brand_id):
    record = engine.record_get(ctx.store, BRANDS, brand_id)
    clean = engine.validate(BRANDS, body_json(ctx.request), partial=True)
    return ok(brand_render(engine.update(ctx.store, BRANDS, record, clean)))


def brand_delete(ctx, brand_id):
    engine.record_get(ctx.store, BRANDS, brand_id).delete()
    return empty_response()


ROUTES = [
    ("v3", r"catalog/categories", {"GET": categories_list, "POST": category_create}),
    ("v3", r"catalog/categories/(?P<category_id>\d+)", {"GET": category_get, "PUT": category_update,
                                                        "DELETE": category_delete}),
    ("v3", r"catalog/trees", {"GET": trees_list}),
    ("v3", r"catalog/trees/categories", {"GET": tree_categories_list}),
    ("v3", r"catalog/trees/(?P<tree_id>\d+)/categories", {"GET": tree_view}),
    ("v3", r"catalog/brands", {"GET": brands_list, "POST": brand_create}),
    ("v3", r"catalog/brands/(?P<brand_id>\d+)", {"GET": brand_get, "PUT": brand_update, "DELETE": brand_delete}),
]
