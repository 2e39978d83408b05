"""Products by SKU: simple and configurable (options, child links), custom attributes, category links,
stock, media gallery, and store-view values with Magento's fallback (a view's own value, else the admin
value). https://developer.adobe.com/commerce/webapi/rest/tutorials/configurable-product/
"""
import base64
import hashlib

from django.utils.text import slugify

from ..models import SandboxRecord
from .common import Ctx, as_int, body_member, mdate, search_rows
from .errors import MagentoError, product_not_found, required
from .store import DEFAULT_ATTRIBUTE_SET_ID

# attributes with store-view scope; everything else is global (price scope is global by default)
SCOPED = ("name", "description", "short_description", "url_key", "meta_title", "meta_keyword", "meta_description")
TOP_LEVEL = ("name", "attribute_set_id", "price", "status", "visibility", "type_id", "weight")
PRODUCT_TYPES = ("simple", "configurable", "virtual", "bundle", "grouped", "downloadable")


def product_row(ctx: Ctx, sku: str) -> SandboxRecord:
    row = ctx.rows("products").filter(lookup__iexact=sku).first()  # SKUs compare case-insensitively in MySQL
    if row is None:
        raise product_not_found()
    return row


def _value(ctx: Ctx, data: dict, name: str):
    own = (data.get("store_values") or {}).get(ctx.code, {}) if ctx.view else {}
    if name in own:
        return own[name]
    return data.get(name) if name in TOP_LEVEL else (data.get("custom") or {}).get(name)


def stock_item(row: SandboxRecord) -> dict:
    stock = row.data.get("stock") or {}
    return {
        "item_id": row.record_id, "product_id": row.record_id, "stock_id": 1, "qty": stock.get("qty", 0),
        "is_in_stock": bool(stock.get("is_in_stock", False)), "is_qty_decimal": False,
        "show_default_notification_message": False, "use_config_min_qty": True, "min_qty": 0,
        "use_config_min_sale_qty": 1, "min_sale_qty": 1, "use_config_max_sale_qty": True, "max_sale_qty": 10000,
        "use_config_backorders": True, "backorders": 0, "use_config_notify_stock_qty": True,
        "notify_stock_qty": 1, "use_config_qty_increments": True, "qty_increments": 0,
        "use_config_enable_qty_inc": True, "enable_qty_increments": False, "use_config_manage_stock": True,
        "manage_stock": True, "low_stock_date": None, "is_decimal_divided": False, "stock_status_changed_auto": 0,
    }


def product_render(ctx: Ctx, row: SandboxRecord) -> dict:
    data = row.data
    custom = dict(data.get("custom") or {})
    for name in SCOPED:
        if name != "name" and _value(ctx, data, name) is not None:
            custom[name] = _value(ctx, data, name)
    links = data.get("category_links") or []
    custom["category_ids"] = [str(link["category_id"]) for link in links]
    extension = {"website_ids": [1], "category_links": links, "stock_item": stock_item(row)}
    if data.get("type_id") == "configurable":
        extension["configurable_product_options"] = [
            {**option, "product_id": row.record_id} for option in data.get("configurable_options") or []]
        extension["configurable_product_links"] = list(data.get("links") or [])
    return {
        "id": row.record_id, "sku": row.lookup, "name": _value(ctx, data, "name"),
        "attribute_set_id": data.get("attribute_set_id", DEFAULT_ATTRIBUTE_SET_ID), "price": data.get("price", 0),
        "status": data.get("status", 1), "visibility": data.get("visibility", 4), "type_id": data.get("type_id"),
        "created_at": mdate(row.date_created_gmt), "updated_at": mdate(row.date_modified_gmt),
        "weight": data.get("weight"), "extension_attributes": extension, "product_links": [], "options": [],
        "media_gallery_entries": data.get("media") or [], "tier_prices": [],
        "custom_attributes": [{"attribute_code": k, "value": v} for k, v in custom.items() if v is not None],
    }


def _column(item: dict, name: str):
    """Product filters reach EAV attributes (custom_attributes) as Magento's collection joins them, and the
    entity table's key `entity_id` (answered as `id`)."""
    if name == "entity_id":
        return item.get("id")
    if name in item:
        return item[name]
    for attribute in item.get("custom_attributes") or []:
        if attribute["attribute_code"] == name:
            return attribute["value"]
    return None


def product_list(ctx: Ctx, body) -> dict:
    return search_rows(ctx, ctx.rows("products"), lambda row: product_render(ctx, row), column=_column,
                       keys={"id": "record_id", "entity_id": "record_id"})


def product_get(ctx: Ctx, body, sku: str) -> dict:
    return product_render(ctx, product_row(ctx, sku))


def _media(ctx: Ctx, entries, existing: list) -> list:
    out = []
    for position, entry in enumerate(entries or [], start=1):
        if not isinstance(entry, dict):
            continue
        content = entry.get("content") or {}
        file_name = entry.get("file")
        if content.get("base64_encoded_data"):
            try:
                raw = base64.b64decode(content["base64_encoded_data"], validate=True)
            except ValueError:
                raise MagentoError("The image content must be valid base64 encoded data.") from None
            name = slugify(str(content.get("name") or "image").rsplit(".", 1)[0]) or "image"
            extension = "png" if "png" in str(content.get("type") or content.get("name") or "") else "jpg"
            digest = hashlib.sha256(raw).hexdigest()[:6]
            file_name = f"/{name[0]}/{name[1:2] or name[0]}/{name}_{digest}.{extension}"
        if not file_name:
            raise MagentoError("The image content is invalid. Verify the content and try again.")
        entry_id = entry.get("id") or ctx.new_id("media_gallery")
        out.append({"id": int(entry_id), "media_type": entry.get("media_type", "image"), "label": entry.get("label"),
                    "position": int(entry.get("position") or position), "disabled": bool(entry.get("disabled")),
                    "types": list(entry.get("types") or []), "file": file_name})
    return out


def product_save(ctx: Ctx, body, sku: str | None = None) -> dict:
    """`POST /V1/products` and `PUT /V1/products/{sku}` {"product": {...}}: both create or update by SKU
    (ProductRepository::save). Updating under a store view code stores the scoped attributes as that
    view's own values; creating, or writing under `all`, sets the admin (global) values."""
    data = body_member(body, "product")
    sku = sku or data.get("sku")
    if not sku:
        raise required("sku")
    row = ctx.rows("products").filter(lookup__iexact=sku).first()
    custom = {a["attribute_code"]: a.get("value") for a in data.get("custom_attributes") or []
              if isinstance(a, dict) and a.get("attribute_code")}
    custom.pop("category_ids", None)
    extension = data.get("extension_attributes") or {}
    if row is None:
        type_id = data.get("type_id") or "simple"
        if type_id not in PRODUCT_TYPES:
            raise MagentoError('Invalid value of "%value" provided for the %fieldName field.',
                               {"fieldName": "type_id", "value": type_id})
        name = data.get("name") or sku
        stored = {"name": name, "attribute_set_id": as_int(data.get("attribute_set_id") or DEFAULT_ATTRIBUTE_SET_ID,
                                                           "attribute_set_id"),
                  "price": data.get("price", 0), "status": data.get("status", 1),
                  "visibility": data.get("visibility", 4), "type_id": type_id, "weight": data.get("weight"),
                  "custom": {"url_key": slugify(str(name)) or slugify(sku), "tax_class_id": "2"},
                  "category_links": [], "stock": {"qty": 0, "is_in_stock": False}, "media": [], "store_values": {}}
        row = SandboxRecord(store=ctx.store, resource="products", record_id=ctx.new_id("products"), lookup=sku,
                            data=stored, date_created_gmt=ctx.now, date_modified_gmt=ctx.now)
        scoped = False
        ctx_values = {}
    else:
        scoped = ctx.view is not None
        ctx_values = row.data.setdefault("store_values", {}).setdefault(ctx.code, {}) if scoped else {}
    stored = row.data
    for name in TOP_LEVEL:
        if name in data and name != "type_id":
            if scoped and name in SCOPED:
                ctx_values[name] = data[name]
            else:
                stored[name] = data[name]
    if "type_id" in data and row.pk and data["type_id"] in PRODUCT_TYPES:
        stored["type_id"] = data["type_id"]
    for name, value in custom.items():
        if scoped and name in SCOPED:
            ctx_values[name] = value
        else:
            stored.setdefault("custom", {})[name] = value
    _url_key_unique(ctx, row, ctx_values.get("url_key") or stored["custom"].get("url_key"))
    if isinstance(extension.get("category_links"), list):
        stored["category_links"] = [{"position": int(link.get("position") or 0),
                                     "category_id": str(link.get("category_id"))}
                                    for link in extension["category_links"] if isinstance(link, dict)]
    stock = extension.get("stock_item")
    if isinstance(stock, dict):
        current = stored.setdefault("stock", {"qty": 0, "is_in_stock": False})
        if "qty" in stock:
            current["qty"] = stock["qty"]
        if "is_in_stock" in stock:
            current["is_in_stock"] = bool(stock["is_in_stock"])
    if "media_gallery_entries" in data:
        stored["media"] = _media(ctx, data["media_gallery_entries"], stored.get("media") or [])
    if isinstance(extension.get("configurable_product_options"), list):
        stored["configurable_options"] = [_option(ctx, o) for o in extension["configurable_product_options"]]
    if isinstance(extension.get("configurable_product_links"), list):
        stored["links"] = [int(i) for i in extension["configurable_product_links"]]
    row.date_modified_gmt = ctx.now
    row.save()
    return product_render(ctx, row)


def _url_key_unique(ctx: Ctx, row: SandboxRecord, url_key) -> None:
    if not url_key:
        return
    clash = ctx.rows("products").exclude(pk=row.pk).filter(data__custom__url_key=url_key).exists()
    if clash:
        raise MagentoError("URL key for specified store already exists.")


def product_delete(ctx: Ctx, body, sku: str) -> bool:
    row = product_row(ctx, sku)
    for parent in ctx.rows("products").filter(data__links__contains=[row.record_id]):
        parent.data["links"] = [i for i in parent.data.get("links") or [] if i != row.record_id]
        ctx.touch(parent)
    row.delete()
    return True


def media_list(ctx: Ctx, body, sku: str) -> list:
    return product_row(ctx, sku).data.get("media") or []


def media_add(ctx: Ctx, body, sku: str) -> int:
    row = product_row(ctx, sku)
    entry = body_member(body, "entry")
    added = _media(ctx, [entry], [])[0]
    row.data.setdefault("media", []).append(added)
    ctx.touch(row)
    return added["id"]


# ------------------------------------------------------------------ configurable products


def _option(ctx: Ctx, option: dict) -> dict:
    if not isinstance(option, dict) or not option.get("attribute_id"):
        raise required("attribute_id")
    return {"id": int(option.get("id") or ctx.new_id("configurable_options")),
            "attribute_id": str(option["attribute_id"]), "label": option.get("label") or "",
            "position": int(option.get("position") or 0),
            "values": [{"value_index": int(v["value_index"])} for v in option.get("values") or []
                       if isinstance(v, dict) and "value_index" in v]}


def _configurable(ctx: Ctx, sku: str) -> SandboxRecord:
    row = product_row(ctx, sku)
    if row.data.get("type_id") != "configurable":
        raise MagentoError("This is implemented for the \"configurable\" configurable product only.")
    return row


def children_list(ctx: Ctx, body, sku: str) -> list[dict]:
    row = _configurable(ctx, sku)
    ids = row.data.get("links") or []
    children = {r.record_id: r for r in ctx.rows("products").filter(record_id__in=ids)}
    return [product_render(ctx, children[i]) for i in ids if i in children]


def child_add(ctx: Ctx, body, sku: str) -> bool:
    row = _configurable(ctx, sku)
    child_sku = body.get("childSku") if isinstance(body, dict) else None
    if not child_sku:
        raise required("childSku")
    child = product_row(ctx, child_sku)
    if child.record_id in (row.data.get("links") or []):
        raise MagentoError("The product is already attached.")
    row.data.setdefault("links", []).append(child.record_id)
    ctx.touch(row)
    return True


def child_remove(ctx: Ctx, body, sku: str, child_sku: str) -> bool:
    row = _configurable(ctx, sku)
    child = product_row(ctx, child_sku)
    links = row.data.get("links") or []
    if child.record_id not in links:
        raise MagentoError("The option that was requested doesn't exist. Verify the entity and try again.",
                           status=404)
    row.data["links"] = [i for i in links if i != child.record_id]
    ctx.touch(row)
    return True


def options_all(ctx: Ctx, body, sku: str) -> list[dict]:
    row = _configurable(ctx, sku)
    return [{**o, "product_id": row.record_id} for o in row.data.get("configurable_options") or []]


def option_add(ctx: Ctx, body, sku: str) -> str:
    """`POST /V1/configurable-products/{sku}/options` -> the option id as a JSON string (`"335"`)."""
    row = _configurable(ctx, sku)
    option = _option(ctx, body_member(body, "option"))
    if any(o["attribute_id"] == option["attribute_id"] for o in row.data.get("configurable_options") or []):
        raise MagentoError("Something went wrong while saving option.")
    row.data.setdefault("configurable_options", []).append(option)
    ctx.touch(row)
    return str(option["id"])
