"""Product attributes with their options, attribute sets, and the category tree."""
from django.utils.text import slugify

from ..models import SandboxRecord
from .common import Ctx, body_member, mdate, search_answer
from .errors import MagentoError, no_such_entity
from .store import DEFAULT_ATTRIBUTE_SET_ID, DEFAULT_CATEGORY_ID, ROOT_CATEGORY_ID

ATTRIBUTE_SETS = ({"attribute_set_id": DEFAULT_ATTRIBUTE_SET_ID, "attribute_set_name": "Default", "sort_order": 1,
                   "entity_type_id": 4},)
SCOPED_CATEGORY = ("name", "description", "url_key", "meta_title", "meta_description", "meta_keywords")


# ------------------------------------------------------------------ attributes


def attribute_row(ctx: Ctx, code: str) -> SandboxRecord:
    row = ctx.rows("attributes").filter(lookup=code).first()
    if row is None:
        raise MagentoError('The attribute with a "%1" attributeCode doesn\'t exist. Verify the attribute and try '
                           'again.', [code], 404)
    return row


def option_label(ctx: Ctx, option: dict) -> str:
    """An option's label in the request's store view (its store label there, else the admin label)."""
    for entry in option.get("store_labels") or []:
        if ctx.view and entry.get("store_id") == ctx.store_id and entry.get("label"):
            return entry["label"]
    return option["label"]


def attribute_options(ctx: Ctx, row: SandboxRecord) -> list[dict]:
    # select attributes start with the empty option, as Magento's source models do
    return [{"label": " ", "value": ""}] + [
        {"label": option_label(ctx, option), "value": str(option["value"])} for option in row.data.get("options", [])]


def attribute_render(ctx: Ctx, row: SandboxRecord) -> dict:
    data = row.data
    label = data.get("default_frontend_label")
    for entry in data.get("frontend_labels") or []:
        if ctx.view and entry.get("store_id") == ctx.store_id:
            label = entry["label"]
    return {
        "is_wysiwyg_enabled": False, "is_html_allowed_on_front": True, "used_for_sort_by": False,
        "is_filterable": True, "is_filterable_in_search": True, "is_used_in_grid": True, "is_visible_in_grid": False,
        "is_filterable_in_grid": True, "position": 0, "apply_to": [], "is_searchable": "1",
        "is_visible_in_advanced_search": "1", "is_comparable": "1", "is_used_for_promo_rules": "0",
        "is_visible_on_front": "0", "used_in_product_listing": "0", "is_visible": True, "scope": "global",
        "attribute_id": row.record_id, "attribute_code": row.lookup, "frontend_input": data.get("frontend_input"),
        "entity_type_id": "4", "is_required": False, "options": attribute_options(ctx, row),
        "is_user_defined": data.get("is_user_defined", True), "default_frontend_label": label,
        "frontend_labels": data.get("frontend_labels") or [], "backend_type": "int", "is_unique": "0",
        "validation_rules": [],
    }


def attribute_get(ctx: Ctx, body, code: str) -> dict:
    return attribute_render(ctx, attribute_row(ctx, code))


def attribute_list(ctx: Ctx, body) -> dict:
    rows = ctx.rows("attributes").order_by("record_id")
    return search_answer(ctx, [attribute_render(ctx, r) for r in rows], id_field="attribute_id")


def attribute_options_get(ctx: Ctx, body, code: str) -> list[dict]:
    return attribute_options(ctx, attribute_row(ctx, code))


def attribute_option_add(ctx: Ctx, body, code: str) -> str:
    """`POST /V1/products/attributes/{code}/options` {"option": {label, store_labels, sort_order}} -> the
    new option id as a string; a label the attribute already has answers 400."""
    row = attribute_row(ctx, code)
    option = body_member(body, "option")
    label = str(option.get("label") or "").strip()
    if not label:
        raise MagentoError("The attribute option label is empty. Enter the value and try again.")
    if any(o["label"].casefold() == label.casefold() for o in row.data.get("options", [])):
        raise MagentoError("Admin store attribute option label '%1' is already exists.", [label])
    value = ctx.new_id("attribute_options")
    row.data.setdefault("options", []).append({
        "value": value, "label": label, "sort_order": int(option.get("sort_order") or 0),
        "store_labels": [{"store_id": int(e.get("store_id", 0)), "label": str(e.get("label", ""))}
                         for e in option.get("store_labels") or [] if isinstance(e, dict)]})
    ctx.touch(row)
    return str(value)


def option_value_label(options_by_code: dict, code: str, value) -> str | None:
    for option in options_by_code.get(code, []):
        if str(option["value"]) == str(value):
            return option["label"]
    return None


def attribute_set_list(ctx: Ctx, body) -> dict:
    return search_answer(ctx, [dict(s) for s in ATTRIBUTE_SETS], id_field="attribute_set_id")


def attribute_set_get(ctx: Ctx, body, set_id: str) -> dict:
    for item in ATTRIBUTE_SETS:
        if str(item["attribute_set_id"]) == set_id:
            return dict(item)
    raise no_such_entity("id", set_id)


# ------------------------------------------------------------------ categories


def _categories(ctx: Ctx) -> dict[int, SandboxRecord]:
    return {row.record_id: row for row in ctx.rows("categories").order_by("record_id")}


def _path(rows: dict, row: SandboxRecord) -> list[int]:
    out = [row.record_id]
    while row.parent_id and row.parent_id in rows and len(out) < 20:
        row = rows[row.parent_id]
        out.append(row.record_id)
    return list(reversed(out))


def _scoped(ctx: Ctx, row: SandboxRecord, name: str):
    values = (row.data.get("store_values") or {}).get(ctx.code, {}) if ctx.view else {}
    if name in values:
        return values[name]
    return row.data.get("name") if name == "name" else (row.data.get("custom") or {}).get(name)


def category_render(ctx: Ctx, row: SandboxRecord, rows: dict, children: dict) -> dict:
    path = _path(rows, row)
    custom = dict(row.data.get("custom") or {})
    for name in SCOPED_CATEGORY[1:]:
        if _scoped(ctx, row, name) is not None:
            custom[name] = _scoped(ctx, row, name)
    custom.setdefault("children_count", str(len(children.get(row.record_id, []))))
    return {
        "id": row.record_id, "parent_id": row.parent_id or 0, "name": _scoped(ctx, row, "name"),
        "is_active": bool(row.data.get("is_active", True)), "position": row.data.get("position", 0),
        "level": len(path) - 1, "children": ",".join(str(c) for c in children.get(row.record_id, [])),
        "created_at": mdate(row.date_created_gmt), "updated_at": mdate(row.date_modified_gmt),
        "path": "/".join(str(p) for p in path), "available_sort_by": [],
        "include_in_menu": bool(row.data.get("include_in_menu", True)),
        "custom_attributes": [{"attribute_code": k, "value": v} for k, v in custom.items()],
    }


def _children(rows: dict) -> dict[int, list[int]]:
    out: dict[int, list[int]] = {}
    for row in sorted(rows.values(), key=lambda r: (r.data.get("position", 0), r.record_id)):
        if row.parent_id:
            out.setdefault(row.parent_id, []).append(row.record_id)
    return out


def category_tree(ctx: Ctx, body) -> dict:
    """`GET /V1/categories[?rootCategoryId=&depth=]`: the tree from the store's root category (Default
    Category under a view, Root Catalog under `all`), with `product_count` and `children_data`."""
    rows = _categories(ctx)
    children = _children(rows)
    default_root = DEFAULT_CATEGORY_ID if ctx.view else ROOT_CATEGORY_ID
    root_id = ctx.query.get("rootCategoryId") or default_root
    try:
        root = rows[int(root_id)]
    except (KeyError, ValueError):
        raise no_such_entity("id", root_id) from None
    depth = ctx.query.get("depth")
    depth = int(depth) if depth and depth.isdigit() else None
    counts: dict[int, int] = {}
    for data in ctx.rows("products").values_list("data", flat=True):
        for link in data.get("category_links") or []:
            counts[int(link["category_id"])] = counts.get(int(link["category_id"]), 0) + 1

    def node(row, level_left):
        rendered = category_render(ctx, row, rows, children)
        kids = [] if level_left == 0 else [node(rows[c], None if level_left is None else level_left - 1)
                                             for c in children.get(row.record_id, [])]
        return {"id": row.record_id, "parent_id": row.parent_id or 0, "name": rendered["name"],
                "is_active": rendered["is_active"], "position": rendered["position"], "level": rendered["level"],
                "product_count": counts.get(row.record_id, 0), "children_data": kids}

    return node(root, depth)


def category_list(ctx: Ctx, body) -> dict:
    rows = _categories(ctx)
    children = _children(rows)
    return search_answer(ctx, [category_render(ctx, r, rows, children) for r in rows.values()])


def category_get(ctx: Ctx, body, category_id: str) -> dict:
    rows = _categories(ctx)
    row = rows.get(int(category_id)) if category_id.isdigit() else None
    if row is None:
        raise no_such_entity("id", category_id)
    return category_render(ctx, row, rows, _children(rows))


def category_save(ctx: Ctx, body, category_id: str | None = None) -> dict:
    """`POST /V1/categories` / `PUT /V1/categories/{id}` {"category": {...}}; under a view code the
    scoped values (name, description, url_key, meta_*) of an existing category are that view's own."""
    data = body_member(body, "category")
    rows = _categories(ctx)
    row = None
    if category_id is not None:
        row = rows.get(int(category_id)) if category_id.isdigit() else None
        if row is None:
            raise no_such_entity("id", category_id)
    elif data.get("id"):
        row = rows.get(int(data["id"]))
    custom = {a["attribute_code"]: a.get("value") for a in data.get("custom_attributes") or []
              if isinstance(a, dict) and a.get("attribute_code")}
    if row is None:
        parent = int(data.get("parent_id") or DEFAULT_CATEGORY_ID)
        if parent not in rows:
            raise no_such_entity("id", parent)
        if not data.get("name"):
            raise MagentoError('The "%1" attribute value is empty. Set the attribute and try again.', ["name"])
        row = ctx.create("categories", {
            "name": data["name"], "is_active": bool(data.get("is_active", True)),
            "position": int(data.get("position") or 0), "include_in_menu": bool(data.get("include_in_menu", True)),
            "custom": {"url_key": custom.pop("url_key", None) or _slug(data["name"]), **custom}, "store_values": {}},
            parent_id=parent, lookup=str(data["name"])[:255])
    else:
        scoped = ctx.view is not None and ctx.code != "all"
        values = row.data.setdefault("store_values", {}).setdefault(ctx.code, {}) if scoped else None
        for name in ("name", *custom):
            value = data.get("name") if name == "name" else custom[name]
            if name == "name" and value is None:
                continue
            if scoped and name in SCOPED_CATEGORY:
                values[name] = value
            elif name == "name":
                row.data["name"] = value
            else:
                row.data.setdefault("custom", {})[name] = value
        for name in ("is_active", "position", "include_in_menu"):
            if name in data:
                row.data[name] = data[name]
        if data.get("parent_id"):
            row.parent_id = int(data["parent_id"])
        ctx.touch(row)
    rows[row.record_id] = row
    return category_render(ctx, row, rows, _children(rows))


def category_delete(ctx: Ctx, body, category_id: str) -> bool:
    rows = _categories(ctx)
    row = rows.get(int(category_id)) if category_id.isdigit() else None
    if row is None:
        raise no_such_entity("id", category_id)
    if row.record_id in (ROOT_CATEGORY_ID, DEFAULT_CATEGORY_ID):
        raise MagentoError("Cannot delete category with id %1", [row.record_id])
    doomed = {row.record_id}
    for other in rows.values():
        if set(_path(rows, other)) & doomed:
            doomed.add(other.record_id)
    ctx.rows("categories").filter(record_id__in=doomed).delete()
    return True


def _slug(text: str) -> str:
    return slugify(text) or "category"
