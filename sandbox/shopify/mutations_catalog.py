"""Catalog mutations: productSet, productCreate, productUpdate, productDelete, productVariantsBulkCreate,
productVariantsBulkUpdate, inventorySetQuantities, collectionCreate, collectionAddProducts,
collectionDelete. Invalid input answers `userErrors` and writes nothing (each mutation is one transaction
and validates before it writes)."""
from decimal import Decimal, InvalidOperation

from ..models import SandboxRecord
from . import render
from .common import MAX_OPTIONS, MAX_VARIANTS, Ctx, gid, gid_id, iso, money, user_error
from .data import new_ids, record_create, record_get, record_save, records
from .mutate import (
    handle_taken,
    handle_unique,
    metafield_errors,
    metafields_write,
    mutation,
    unique_value_errors,
)

DEFAULT_OPTION = "Title"
DEFAULT_VALUE = "Default Title"
INVENTORY_REASONS = {
    "correction", "cycle_count_available", "damaged", "movement_created", "movement_updated", "movement_received",
    "movement_canceled", "other", "promotion", "quality_control", "received", "reservation_created",
    "reservation_deleted", "reservation_updated", "restock", "safety_stock", "shrinkage",
}


def _price_problem(value) -> str | None:
    if value in (None, ""):
        return None
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return "Price is invalid"
    return "Price must be greater than or equal to 0" if number < 0 else None


def _location_ids(ctx: Ctx) -> set[int]:
    return {loc.record_id for loc in render.locations_all(ctx)}


def _apply_product_fields(ctx: Ctx, data: dict, fields: dict) -> None:
    for key in ("title", "descriptionHtml", "vendor", "productType", "templateSuffix"):
        if key in fields and fields[key] is not None:
            data[key] = fields[key]
    if fields.get("tags") is not None:
        data["tags"] = sorted({t.strip() for t in fields["tags"] if t and t.strip()}, key=str.lower)
    if fields.get("seo") is not None:
        data["seo"] = {"title": fields["seo"].get("title"), "description": fields["seo"].get("description")}
    for key in ("giftCard", "requiresSellingPlan"):
        if fields.get(key) is not None:
            data[key] = bool(fields[key])


def _product_create_record(ctx: Ctx, data: dict, handle: str, status: str) -> SandboxRecord:
    data.setdefault("publishedAt", iso(ctx.now) if status == "ACTIVE" else None)
    return record_create(ctx, "products", data, lookup=handle, status=status)


def _inventory_for(ctx: Ctx, quantities: dict | None = None) -> dict:
    """Stocked at the primary location by default, at 0."""
    out = {str(render.primary_location(ctx).record_id): {"available": 0, "on_hand": 0}}
    for loc_id, qty in (quantities or {}).items():
        out[str(loc_id)] = qty
    return out


def _variant_record(ctx: Ctx, product_id: int, data: dict, ids: tuple[int, int]) -> SandboxRecord:
    return SandboxRecord(
        store=ctx.store, resource="variants", record_id=ids[0], group_id=ids[1], parent_id=product_id,
        lookup=data.get("sku") or "", data=data, date_created_gmt=ctx.now, date_modified_gmt=ctx.now,
    )


def _default_variant(ctx: Ctx, position: int = 1) -> dict:
    return {"title": DEFAULT_VALUE, "price": "0.00", "compareAtPrice": None, "sku": None, "barcode": None,
            "position": position, "taxable": True, "inventoryPolicy": "DENY",
            "selectedOptions": [{"name": DEFAULT_OPTION, "value": DEFAULT_VALUE}],
            "inventoryItem": {"tracked": False, "requiresShipping": True}, "inventory": _inventory_for(ctx)}


def _new_option(ctx: Ctx, name: str, position: int, values: list[str]) -> dict:
    ids = new_ids(ctx, 1 + len(values))
    return {"id": ids[0], "name": name, "position": position,
            "values": [{"id": vid, "name": value} for vid, value in zip(ids[1:], values, strict=True)]}


def _option_add_value(ctx: Ctx, option: dict, value: str) -> None:
    if not any(v["name"] == value for v in option["values"]):
        option["values"].append({"id": new_ids(ctx)[0], "name": value})


def _variant_title(selected: list[dict]) -> str:
    return " / ".join(o["value"] for o in selected) or DEFAULT_VALUE


def _selected_options(options: list[dict], values_input: list[dict], path: list, errors: list, codes: dict,
                      ctx: Ctx, *, create_values: bool) -> list[dict]:
    """Resolve VariantOptionValueInput entries against the product's options (by id or name)."""
    by_name = {o["name"].lower(): o for o in options}
    by_id = {o["id"]: o for o in options}
    chosen: dict = {}
    for j, value in enumerate(values_input or []):
        option = by_id.get(gid_id(value.get("optionId"), "ProductOption")) if value.get("optionId") else \
            by_name.get((value.get("optionName") or "").lower())
        if option is None:
            errors.append(user_error([*path, "optionValues", j], "Option does not exist", codes["no_option"]))
            continue
        name = value.get("name")
        if value.get("id"):
            match = next((v for v in option["values"] if v["id"] == gid_id(value["id"], "ProductOptionValue")), None)
            name = match["name"] if match else None
        if not name:
            errors.append(user_error([*path, "optionValues", j], "Option value does not exist", codes["no_value"]))
            continue
        if not any(v["name"] == name for v in option["values"]):
            if not create_values:
                errors.append(user_error([*path, "optionValues", j], "Option value does not exist",
                                         codes["no_value"]))
                continue
            _option_add_value(ctx, option, name)
        chosen[option["id"]] = name
    missing = [o["name"] for o in options if o["id"] not in chosen]
    if missing and not errors:
        errors.append(user_error([*path, "optionValues"], f"You need to add option values for {', '.join(missing)}",
                                 codes["missing"]))
    return [{"name": o["name"], "value": chosen[o["id"]]} for o in sorted(options, key=lambda o: o["position"])
            if o["id"] in chosen]


def _inventory_item_data(base: dict, item: dict | None, sku=None) -> dict:
    data = dict(base or {"tracked": True, "requiresShipping": True})
    item = item or {}
    for key in ("tracked", "requiresShipping", "countryCodeOfOrigin", "provinceCodeOfOrigin", "harmonizedSystemCode"):
        if item.get(key) is not None:
            data[key] = item[key]
    if item.get("cost") is not None:
        data["cost"] = money(item["cost"])
    weight = (item.get("measurement") or {}).get("weight")
    if weight:
        data["weight"] = {"unit": weight["unit"], "value": float(weight["value"])}
    return data


def _variant_fields(ctx: Ctx, data: dict, v: dict) -> None:
    for key in ("barcode", "taxable", "taxCode", "inventoryPolicy", "position"):
        if v.get(key) is not None:
            data[key] = v[key]
    if v.get("price") is not None:
        data["price"] = money(v["price"])
    if "compareAtPrice" in v:
        data["compareAtPrice"] = money(v["compareAtPrice"]) if v["compareAtPrice"] not in (None, "") else None
    sku = v.get("sku") if v.get("sku") is not None else (v.get("inventoryItem") or {}).get("sku")
    if sku is not None:
        data["sku"] = sku or None
    data["inventoryItem"] = _inventory_item_data(data.get("inventoryItem"), v.get("inventoryItem"))


def _set_inventory(data: dict, location_id: int, name: str, quantity: int) -> None:
    levels = data.setdefault("inventory", {})
    level = levels.setdefault(str(location_id), {"available": 0, "on_hand": 0})
    committed = int(level.get("committed", 0))
    if name == "on_hand":
        level["on_hand"] = quantity
        level["available"] = quantity - committed
    else:
        level["available"] = quantity
        level["on_hand"] = quantity + committed


def _files_to_media(ctx: Ctx, current: list[dict], files: list[dict]) -> list[dict]:
    by_id = {m["id"]: m for m in current}
    by_source = {m.get("url"): m for m in current}
    out = []
    for f in files:
        existing = by_id.get(gid_id(f.get("id"), ("MediaImage", "ProductImage"))) or \
            by_source.get(f.get("originalSource"))
        if existing:
            item = dict(existing)
            if f.get("alt") is not None:
                item["alt"] = f["alt"]
        else:
            item = {"id": new_ids(ctx)[0], "url": f.get("originalSource"), "alt": f.get("alt"), "width": None,
                    "height": None, "createdAt": iso(ctx.now)}
        out.append(item)
    return out


def _collections_set(ctx: Ctx, product_id: int, collection_ids: list[int], *, replace: bool) -> None:
    existing = set(records(ctx, "collects").filter(group_id=product_id).values_list("parent_id", flat=True))
    wanted = set(collection_ids)
    if replace:
        records(ctx, "collects").filter(group_id=product_id).exclude(parent_id__in=wanted).delete()
    for cid in collection_ids:
        if cid not in existing:
            _collect_add(ctx, cid, product_id)


def _collect_add(ctx: Ctx, collection_id: int, product_id: int) -> None:
    position = records(ctx, "collects").filter(parent_id=collection_id).count() + 1
    record_create(ctx, "collects", {"position": position}, parent_id=collection_id, group_id=product_id)


def _missing_collections(ctx: Ctx, values: list | None) -> list[int]:
    ids = [gid_id(v, "Collection") for v in values or []]
    found = set(records(ctx, "collections").filter(record_id__in=[i for i in ids if i]).values_list("record_id",
                                                                                                   flat=True))
    return [index for index, cid in enumerate(ids) if cid not in found]


# ---------------------------------------------------------------- productSet

SET_CODES = {"no_option": "OPTION_DOES_NOT_EXIST", "no_value": "OPTION_VALUE_DOES_NOT_EXIST",
             "missing": "INVALID_VARIANT"}


def _find_set_target(ctx: Ctx, product_input: dict, identifier: dict | None, errors: list):
    if identifier:
        if product_input.get("id"):
            errors.append(user_error(["input", "id"], "The id field is not allowed if identifier is provided.",
                                     "ID_NOT_ALLOWED"))
            return None, None
        if identifier.get("id"):
            record = record_get(ctx, "products", gid_id(identifier["id"], "Product"))
            if record is None:
                errors.append(user_error(["identifier", "id"], "Resource matching the identifier was not found.",
                                         "NOT_FOUND"))
            return record, None
        if identifier.get("handle"):
            if product_input.get("handle") and product_input["handle"] != identifier["handle"]:
                errors.append(user_error(["input", "handle"], "The identifier value does not match the value of "
                                         "the corresponding field in the input.", "INPUT_MISMATCH"))
            return records(ctx, "products").filter(lookup=identifier["handle"]).first(), identifier["handle"]
        if identifier.get("customId"):
            custom = identifier["customId"]
            field = records(ctx, "metafields").filter(
                lookup=f"{custom.get('namespace') or 'custom'}.{custom['key']}", data__value=custom["value"]).first()
            return (record_get(ctx, "products", field.parent_id) if field else None), None
        return None, None
    if product_input.get("id"):
        record = record_get(ctx, "products", gid_id(product_input["id"], "Product"))
        if record is None:
            errors.append(user_error(["input", "id"], "Product does not exist", "PRODUCT_DOES_NOT_EXIST"))
        return record, None
    return None, None


def _set_options(ctx: Ctx, current: list[dict], options_input: list[dict], errors: list) -> list[dict]:
    if len(options_input) > MAX_OPTIONS:
        errors.append(user_error(["input", "productOptions"], "Can only specify a maximum of 3 options",
                                 "OPTIONS_OVER_LIMIT"))
        return current
    by_id = {o["id"]: o for o in current}
    by_name = {o["name"].lower(): o for o in current}
    seen = set()
    out = []
    for i, option_input in enumerate(options_input):
        path = ["input", "productOptions", str(i)]
        existing = by_id.get(gid_id(option_input.get("id"), "ProductOption")) if option_input.get("id") else None
        name = (option_input.get("name") or (existing or {}).get("name") or "").strip()
        if option_input.get("id") and existing is None:
            errors.append(user_error([*path, "id"], "Option does not exist", "OPTION_DOES_NOT_EXIST"))
            continue
        if not name:
            errors.append(user_error([*path, "name"], "Option name can't be blank", "INVALID_INPUT"))
            continue
        if name.lower() in seen:
            errors.append(user_error([*path, "name"], f"Duplicated option name '{name}'", "DUPLICATED_OPTION_NAME"))
            continue
        seen.add(name.lower())
        values = option_input.get("values") or []
        if not values:
            errors.append(user_error([*path, "values"], "Each option must have at least one option value specified.",
                                     "OPTION_VALUES_MISSING"))
            continue
        existing = existing or by_name.get(name.lower())
        old_values = {v["id"]: v for v in (existing or {}).get("values", [])}
        old_by_name = {v["name"]: v for v in old_values.values()}
        option = {"id": existing["id"] if existing else None, "name": name,
                  "position": option_input.get("position") or i + 1, "values": []}
        value_names = set()
        for j, value in enumerate(values):
            old = old_values.get(gid_id(value.get("id"), "ProductOptionValue")) if value.get("id") else None
            value_name = (value.get("name") or (old or {}).get("name") or "").strip()
            if not value_name:
                errors.append(user_error([*path, "values", str(j), "name"], "Option value name can't be blank",
                                         "INVALID_INPUT"))
                continue
            if value_name in value_names:
                errors.append(user_error([*path, "values", str(j), "name"], f"Duplicated option value '{value_name}'",
                                         "DUPLICATED_OPTION_VALUE"))
                continue
            value_names.add(value_name)
            same = old or old_by_name.get(value_name)
            option["values"].append({"id": same["id"] if same else None, "name": value_name})
        out.append(option)
    # ids for new options and values, allocated in one go
    missing = [o for o in out if o["id"] is None] + [v for o in out for v in o["values"] if v["id"] is None]
    for item, new_id in zip(missing, new_ids(ctx, len(missing)) if missing else [], strict=True):
        item["id"] = new_id
    return sorted(out, key=lambda o: o["position"])


@mutation("productSet", "write_products")
def product_set(ctx: Ctx, input, synchronous=True, identifier=None):
    """Create or replace a whole product: scalar fields present are set; list fields (productOptions,
    variants, metafields, collections, files) replace what the product had."""
    errors: list = []
    record, identifier_handle = _find_set_target(ctx, input, identifier, errors)
    if errors:
        return {"product": None, "productSetOperation": None, "userErrors": errors}
    creating = record is None
    data = dict(record.data) if record else {"title": "", "descriptionHtml": "", "vendor": "", "productType": "",
                                             "tags": [], "seo": {"title": None, "description": None}, "media": []}
    if creating and not (input.get("title") or "").strip():
        errors.append(user_error(["input", "title"], "Title can't be blank", "INVALID_PRODUCT"))
    _apply_product_fields(ctx, data, input)
    handle = record.lookup if record else None
    wanted_handle = input.get("handle") or identifier_handle
    if wanted_handle:
        if handle_taken(ctx, "products", wanted_handle, record.record_id if record else None):
            errors.append(user_error(["input", "handle"],
                                     f"Handle '{wanted_handle}' already in use. Please provide a new handle.",
                                     "HANDLE_NOT_UNIQUE"))
        handle = wanted_handle
    options = [dict(o, values=[dict(v) for v in o["values"]]) for o in data.get("options") or []]
    variants_input = input.get("variants")
    options_input = input.get("productOptions")
    if variants_input is not None and len(variants_input) > MAX_VARIANTS:
        errors.append(user_error(["input", "variants"], f"Number of product variants exceeds shop limit of "
                                 f"{MAX_VARIANTS}.", "VARIANTS_OVER_LIMIT"))
        return {"product": None, "productSetOperation": None, "userErrors": errors}
    if options_input is not None:
        options = _set_options(ctx, options, options_input, errors)
        if variants_input is None:
            errors.append(user_error(["input", "variants"], "Must specify variants when updating options.",
                                     "VARIANTS_INPUT_MISSING"))
    elif variants_input is not None and not options:
        errors.append(user_error(["input", "productOptions"], "Must specify product options when updating variants.",
                                 "PRODUCT_OPTIONS_INPUT_MISSING"))
    errors += metafield_errors(input.get("metafields"), ["input", "metafields"], code_blank="INVALID_METAFIELD",
                               code_type="INVALID_METAFIELD")
    errors += unique_value_errors(ctx, "PRODUCT", record.record_id if record else None, input.get("metafields"),
                                  ["input", "metafields"], code="INVALID_METAFIELD")
    for index in _missing_collections(ctx, input.get("collections")):
        errors.append(user_error(["input", "collections", str(index)], "Collection does not exist", "INVALID_INPUT"))
    current_variants = {v.record_id: v for v in records(ctx, "variants").filter(parent_id=record.record_id)} \
        if record else {}
    planned = []  # (existing record or None, data)
    if variants_input is not None and not errors:
        locations = _location_ids(ctx)
        combos = set()
        by_combo = {tuple((o["name"], o["value"]) for o in v.data.get("selectedOptions", [])): v
                    for v in current_variants.values()}
        for i, v in enumerate(variants_input):
            path = ["input", "variants", str(i)]
            existing = None
            if v.get("id"):
                existing = current_variants.get(gid_id(v["id"], "ProductVariant"))
                if existing is None:
                    errors.append(user_error([*path, "id"], "Product variant does not exist",
                                             "PRODUCT_VARIANT_DOES_NOT_EXIST"))
                    continue
            selected = _selected_options(options, v.get("optionValues"), path, errors, SET_CODES, ctx,
                                         create_values=False)
            combo = tuple((o["name"], o["value"]) for o in selected)
            if combo in combos:
                errors.append(user_error([*path, "optionValues"],
                                         f"The variant '{_variant_title(selected)}' already exists.",
                                         "INVALID_VARIANT"))
            combos.add(combo)
            problem = _price_problem(v.get("price")) or _price_problem(v.get("compareAtPrice"))
            if problem:
                errors.append(user_error([*path, "price"], problem, "INVALID_VARIANT"))
            for k, q in enumerate(v.get("inventoryQuantities") or []):
                if gid_id(q.get("locationId"), "Location") not in locations:
                    errors.append(user_error([*path, "inventoryQuantities", str(k), "locationId"],
                                             "The specified location could not be found.", "INVALID_INPUT"))
                if q.get("name") not in ("available", "on_hand"):
                    errors.append(user_error([*path, "inventoryQuantities", str(k), "name"],
                                             "The quantity name must be either 'available' or 'on_hand'.",
                                             "INVALID_INPUT"))
            errors += metafield_errors(v.get("metafields"), [*path, "metafields"], code_blank="INVALID_METAFIELD",
                                       code_type="INVALID_METAFIELD")
            existing = existing or by_combo.get(combo)
            vdata = dict(existing.data) if existing else {"position": i + 1, "inventoryPolicy": "DENY",
                                                          "taxable": True, "price": "0.00",
                                                          "inventory": _inventory_for(ctx)}
            _variant_fields(ctx, vdata, v)
            vdata["position"] = v.get("position") or i + 1
            vdata["selectedOptions"] = selected
            vdata["title"] = _variant_title(selected)
            for q in v.get("inventoryQuantities") or []:
                _set_inventory(vdata, gid_id(q["locationId"], "Location"), q["name"], int(q["quantity"]))
            planned.append((existing, vdata, v))
    if errors:
        return {"product": None, "productSetOperation": None, "userErrors": errors}

    if input.get("files") is not None:
        data["media"] = _files_to_media(ctx, data.get("media") or [], input["files"])
    if not options:
        options = [_new_option(ctx, DEFAULT_OPTION, 1, [DEFAULT_VALUE])]
    data["options"] = options
    status = input.get("status") or (record.status if record else "ACTIVE")
    if record is None:
        record = _product_create_record(ctx, data, handle_unique(ctx, "products", handle, data["title"]), status)
    else:
        record.data = data
        record.lookup = handle or record.lookup
        record.status = status
        record_save(ctx, record)
    pid = record.record_id
    if variants_input is not None:
        _write_variants(ctx, pid, planned, data, current_variants)
    elif creating:
        ids = new_ids(ctx, 2)
        SandboxRecord.objects.bulk_create([_variant_record(ctx, pid, _default_variant(ctx), (ids[0], ids[1]))])
    if input.get("metafields") is not None:
        metafields_write(ctx, pid, "PRODUCT", input["metafields"], replace=True)
    if input.get("collections") is not None:
        _collections_set(ctx, pid, [gid_id(c, "Collection") for c in input["collections"]], replace=True)
    ctx.cache.pop(("variants_of", pid), None)
    product = render.product(ctx, record)
    if synchronous is False:
        operation = {"id": gid("ProductSetOperation", new_ids(ctx)[0]), "status": "COMPLETE", "product": product,
                     "userErrors": []}
        return {"product": None, "productSetOperation": operation, "userErrors": []}
    return {"product": product, "productSetOperation": None, "userErrors": []}


def _write_variants(ctx: Ctx, product_id: int, planned: list, product_data: dict, current: dict) -> None:
    media = product_data.get("media") or []
    keep = set()
    new_rows = []
    fresh = [p for p in planned if p[0] is None]
    ids = new_ids(ctx, 2 * len(fresh)) if fresh else []
    pairs = iter(zip(ids[0::2], ids[1::2], strict=True))
    metafield_jobs = []
    for existing, vdata, v in planned:
        file = v.get("file")
        if file:
            source = file.get("originalSource")
            found = next((m for m in media if m.get("url") == source), None)
            if found is None and source:
                found = {"id": new_ids(ctx)[0], "url": source, "alt": file.get("alt"), "width": None, "height": None,
                         "createdAt": iso(ctx.now)}
                media.append(found)
            vdata["mediaId"] = found["id"] if found else None
        if existing:
            existing.data = vdata
            existing.lookup = vdata.get("sku") or ""
            record_save(ctx, existing)
            keep.add(existing.record_id)
            target = existing.record_id
        else:
            row = _variant_record(ctx, product_id, vdata, next(pairs))
            new_rows.append(row)
            target = row.record_id
        if v.get("metafields"):
            metafield_jobs.append((target, v["metafields"]))
    SandboxRecord.objects.bulk_create(new_rows, batch_size=500)
    stale = [vid for vid in current if vid not in keep]
    if stale:
        records(ctx, "variants").filter(record_id__in=stale).delete()
        records(ctx, "metafields").filter(parent_id__in=stale).delete()
    for target, metafields in metafield_jobs:
        metafields_write(ctx, target, "PRODUCTVARIANT", metafields)
    if media is not product_data.get("media"):
        product_data["media"] = media


# ---------------------------------------------------------------- productCreate / productUpdate / productDelete


def _media_errors(media: list | None) -> list[dict]:
    return [user_error(["media", str(i), "originalSource"], "Original source can't be blank")
            for i, m in enumerate(media or []) if not (m.get("originalSource") or "").strip()]


@mutation("productCreate", "write_products")
def product_create(ctx: Ctx, product=None, media=None):
    """A product with its options (each option's first value) and one variant, as Shopify creates it."""
    product = product or {}
    errors = []
    if not (product.get("title") or "").strip():
        errors.append(user_error(["title"], "Title can't be blank"))
    options_input = product.get("productOptions") or []
    if len(options_input) > MAX_OPTIONS:
        errors.append(user_error(["productOptions"], "Can only specify a maximum of 3 options"))
    if product.get("handle") and handle_taken(ctx, "products", product["handle"]):
        errors.append(user_error(["handle"], f"Handle '{product['handle']}' already in use. Please provide a new "
                                 "handle."))
    for i, option in enumerate(options_input):
        if not (option.get("name") or "").strip():
            errors.append(user_error(["productOptions", str(i), "name"], "Option name can't be blank"))
        if not option.get("values"):
            errors.append(user_error(["productOptions", str(i), "values"],
                                     "Each option must have at least one option value specified."))
    errors += metafield_errors(product.get("metafields"), ["metafields"])
    errors += _media_errors(media)
    for index in _missing_collections(ctx, product.get("collectionsToJoin")):
        errors.append(user_error(["collectionsToJoin", str(index)], "Collection does not exist"))
    if errors:
        return {"product": None, "shop": render.shop(ctx), "userErrors": errors}
    data = {"title": "", "descriptionHtml": "", "vendor": "", "productType": "", "tags": [],
            "seo": {"title": None, "description": None}, "media": []}
    _apply_product_fields(ctx, data, product)
    if media:
        data["media"] = _files_to_media(ctx, [], [{"originalSource": m["originalSource"], "alt": m.get("alt")}
                                                  for m in media])
    options = [_new_option(ctx, o["name"].strip(), i + 1, [v.get("name") for v in o["values"] if v.get("name")])
               for i, o in enumerate(options_input)] or [_new_option(ctx, DEFAULT_OPTION, 1, [DEFAULT_VALUE])]
    data["options"] = options
    status = product.get("status") or "ACTIVE"
    record = _product_create_record(ctx, data, handle_unique(ctx, "products", product.get("handle"), data["title"]),
                                    status)
    vdata = _default_variant(ctx)
    vdata["selectedOptions"] = [{"name": o["name"], "value": o["values"][0]["name"]} for o in options]
    vdata["title"] = _variant_title(vdata["selectedOptions"])
    ids = new_ids(ctx, 2)
    SandboxRecord.objects.bulk_create([_variant_record(ctx, record.record_id, vdata, (ids[0], ids[1]))])
    metafields_write(ctx, record.record_id, "PRODUCT", product.get("metafields"))
    _collections_set(ctx, record.record_id, [gid_id(c, "Collection") for c in product.get("collectionsToJoin") or []],
                     replace=False)
    return {"product": render.product(ctx, record), "shop": render.shop(ctx), "userErrors": []}


@mutation("productUpdate", "write_products")
def product_update(ctx: Ctx, product=None, media=None):
    product = product or {}
    record = record_get(ctx, "products", gid_id(product.get("id"), "Product"))
    if record is None:
        return {"product": None, "userErrors": [user_error(["id"], "Product does not exist")]}
    errors = []
    if "title" in product and not (product.get("title") or "").strip():
        errors.append(user_error(["title"], "Title can't be blank"))
    if product.get("handle") and handle_taken(ctx, "products", product["handle"], record.record_id):
        errors.append(user_error(["handle"], f"Handle '{product['handle']}' already in use. Please provide a new "
                                 "handle."))
    errors += metafield_errors(product.get("metafields"), ["metafields"])
    errors += _media_errors(media)
    for key in ("collectionsToJoin", "collectionsToLeave"):
        for index in _missing_collections(ctx, product.get(key)):
            errors.append(user_error([key, str(index)], "Collection does not exist"))
    if errors:
        return {"product": None, "userErrors": errors}
    data = dict(record.data)
    _apply_product_fields(ctx, data, product)
    if media:
        data["media"] = (data.get("media") or []) + _files_to_media(
            ctx, [], [{"originalSource": m["originalSource"], "alt": m.get("alt")} for m in media])
    record.data = data
    if product.get("handle"):
        record.lookup = product["handle"]
    if product.get("status"):
        record.status = product["status"]
        if product["status"] == "ACTIVE" and not data.get("publishedAt"):
            data["publishedAt"] = iso(ctx.now)
    record_save(ctx, record)
    metafields_write(ctx, record.record_id, "PRODUCT", product.get("metafields"))
    _collections_set(ctx, record.record_id, [gid_id(c, "Collection") for c in product.get("collectionsToJoin") or []],
                     replace=False)
    leave = [gid_id(c, "Collection") for c in product.get("collectionsToLeave") or []]
    if leave:
        records(ctx, "collects").filter(group_id=record.record_id, parent_id__in=leave).delete()
    return {"product": render.product(ctx, record), "userErrors": []}


@mutation("productDelete", "write_products")
def product_delete(ctx: Ctx, input, synchronous=True):
    record = record_get(ctx, "products", gid_id(input.get("id"), "Product"))
    if record is None:
        return {"deletedProductId": None, "shop": render.shop(ctx),
                "userErrors": [user_error(["id"], "Product does not exist")]}
    variant_ids = list(records(ctx, "variants").filter(parent_id=record.record_id).values_list("record_id", flat=True))
    records(ctx, "metafields").filter(parent_id__in=[record.record_id, *variant_ids]).delete()
    records(ctx, "variants").filter(parent_id=record.record_id).delete()
    records(ctx, "collects").filter(group_id=record.record_id).delete()
    records(ctx, "translations").filter(parent_id=record.record_id).delete()
    record.delete()
    ctx.cache.pop(("products", record.record_id), None)
    return {"deletedProductId": gid("Product", record.record_id), "shop": render.shop(ctx), "userErrors": []}


# ---------------------------------------------------------------- variants in bulk

BULK_CODES = {"no_option": "OPTION_VALUES_FOR_NUMBER_OF_UNKNOWN_OPTIONS", "no_value": "INVALID_INPUT",
              "missing": "NEED_TO_ADD_OPTION_VALUES"}


def _is_standalone(variants: list[SandboxRecord]) -> bool:
    return len(variants) == 1 and variants[0].data.get("title") == DEFAULT_VALUE


@mutation("productVariantsBulkCreate", "write_products")
def product_variants_bulk_create(ctx: Ctx, productId, variants, media=None, strategy="DEFAULT"):
    record = record_get(ctx, "products", gid_id(productId, "Product"))
    if record is None:
        return {"product": None, "productVariants": None,
                "userErrors": [user_error(["productId"], "Product does not exist", "PRODUCT_DOES_NOT_EXIST")]}
    current = list(records(ctx, "variants").filter(parent_id=record.record_id).order_by("record_id"))
    data = dict(record.data)
    options = [dict(o, values=[dict(v) for v in o["values"]]) for o in data.get("options") or []]
    standalone = _is_standalone(current)
    drop_standalone = standalone and strategy in ("DEFAULT", "REMOVE_STANDALONE_VARIANT") and variants
    if drop_standalone and [o["name"] for o in options] == [DEFAULT_OPTION]:
        # A product that only had its default variant takes its options from the new variants.
        names = []
        for v in variants:
            for value in v.get("optionValues") or []:
                if value.get("optionName") and value["optionName"] not in names:
                    names.append(value["optionName"])
        if names:
            options = [_new_option(ctx, name, i + 1, []) for i, name in enumerate(names[:MAX_OPTIONS])]
    errors = []
    remaining = 0 if drop_standalone else len(current)
    if remaining + len(variants) > MAX_VARIANTS:
        errors.append(user_error(["variants"], f"Exceeded maximum number of variants allowed ({MAX_VARIANTS}).",
                                 "INVALID"))
    existing_combos = set() if drop_standalone else {
        tuple((o["name"], o["value"]) for o in v.data.get("selectedOptions", [])) for v in current}
    planned = []
    locations = _location_ids(ctx)
    for i, v in enumerate(variants):
        path = ["variants", str(i)]
        if v.get("id"):
            errors.append(user_error([*path, "id"], "On create, this key cannot be used.", "NO_KEY_ON_CREATE"))
            continue
        selected = _selected_options(options, v.get("optionValues"), path, errors, BULK_CODES, ctx,
                                     create_values=True)
        combo = tuple((o["name"], o["value"]) for o in selected)
        if combo in existing_combos:
            errors.append(user_error([*path, "optionValues"],
                                     f"The variant '{_variant_title(selected)}' already exists.",
                                     "VARIANT_ALREADY_EXISTS"))
        existing_combos.add(combo)
        if _price_problem(v.get("price")):
            errors.append(user_error([*path, "price"], "Price must be greater than or equal to 0",
                                     "GREATER_THAN_OR_EQUAL_TO"))
        for k, q in enumerate(v.get("inventoryQuantities") or []):
            if gid_id(q.get("locationId"), "Location") not in locations:
                errors.append(user_error([*path, "inventoryQuantities", str(k), "locationId"],
                                         "The specified location could not be found.",
                                         "TRACKED_VARIANT_LOCATION_NOT_FOUND"))
        errors += metafield_errors(v.get("metafields"), [*path, "metafields"])
        vdata = {"inventoryPolicy": "DENY", "taxable": True, "price": "0.00", "inventory": _inventory_for(ctx)}
        _variant_fields(ctx, vdata, v)
        vdata["selectedOptions"] = selected
        vdata["title"] = _variant_title(selected)
        for q in v.get("inventoryQuantities") or []:
            _set_inventory(vdata, gid_id(q["locationId"], "Location"), "available", int(q["availableQuantity"]))
        planned.append((None, vdata, v))
    if errors:
        return {"product": None, "productVariants": None, "userErrors": errors}
    if drop_standalone:
        records(ctx, "variants").filter(record_id=current[0].record_id).delete()
        current = []
    for position, (_, vdata, _) in enumerate(planned, start=len(current) + 1):
        vdata["position"] = position
    if media:
        data["media"] = (data.get("media") or []) + _files_to_media(
            ctx, [], [{"originalSource": m["originalSource"], "alt": m.get("alt")} for m in media])
    data["options"] = options
    record.data = data
    record_save(ctx, record)
    before = {v.record_id for v in current}
    _write_variants(ctx, record.record_id, planned, data, {})
    ctx.cache.pop(("variants_of", record.record_id), None)
    created = records(ctx, "variants").filter(parent_id=record.record_id).exclude(record_id__in=before)
    return {"product": render.product(ctx, record),
            "productVariants": [render.variant(ctx, v) for v in created.order_by("record_id")], "userErrors": []}


@mutation("productVariantsBulkUpdate", "write_products")
def product_variants_bulk_update(ctx: Ctx, productId, variants, media=None, allowPartialUpdates=False):
    record = record_get(ctx, "products", gid_id(productId, "Product"))
    if record is None:
        return {"product": None, "productVariants": None,
                "userErrors": [user_error(["productId"], "Product does not exist", "PRODUCT_DOES_NOT_EXIST")]}
    current = {v.record_id: v for v in records(ctx, "variants").filter(parent_id=record.record_id)}
    data = dict(record.data)
    options = [dict(o, values=[dict(v) for v in o["values"]]) for o in data.get("options") or []]
    errors = []
    updates = []
    for i, v in enumerate(variants):
        path = ["variants", str(i)]
        if not v.get("id"):
            errors.append(user_error([*path, "id"], "Product variant is missing ID attribute",
                                     "PRODUCT_VARIANT_ID_MISSING"))
            continue
        existing = current.get(gid_id(v["id"], "ProductVariant"))
        if existing is None:
            errors.append(user_error([*path, "id"], "Product variant does not exist",
                                     "PRODUCT_VARIANT_DOES_NOT_EXIST"))
            continue
        if v.get("inventoryQuantities"):
            errors.append(user_error([*path, "inventoryQuantities"], "Inventory quantities can only be provided "
                                     "during create. To update inventory for existing variants, use "
                                     "inventorySetQuantities.", "NO_INVENTORY_QUANTITES_ON_VARIANTS_UPDATE"))
        if _price_problem(v.get("price")):
            errors.append(user_error([*path, "price"], "Price must be greater than or equal to 0",
                                     "GREATER_THAN_OR_EQUAL_TO"))
        vdata = dict(existing.data)
        _variant_fields(ctx, vdata, v)
        if v.get("optionValues"):
            codes = {"no_option": "OPTION_VALUES_FOR_NUMBER_OF_UNKNOWN_OPTIONS", "no_value": "INVALID_INPUT",
                     "missing": "NEED_TO_ADD_OPTION_VALUES"}
            vdata["selectedOptions"] = _selected_options(options, v["optionValues"], path, errors, codes, ctx,
                                                         create_values=True)
            vdata["title"] = _variant_title(vdata["selectedOptions"])
        errors += metafield_errors(v.get("metafields"), [*path, "metafields"])
        updates.append((existing, vdata, v))
    if errors:
        return {"product": None, "productVariants": None, "userErrors": errors}
    data["options"] = options
    record.data = data
    record_save(ctx, record)
    for existing, vdata, v in updates:
        existing.data = vdata
        existing.lookup = vdata.get("sku") or ""
        record_save(ctx, existing)
        metafields_write(ctx, existing.record_id, "PRODUCTVARIANT", v.get("metafields"))
    ctx.cache.pop(("variants_of", record.record_id), None)
    return {"product": render.product(ctx, record),
            "productVariants": [render.variant(ctx, existing) for existing, _, _ in updates], "userErrors": []}


# ---------------------------------------------------------------- inventory


@mutation("inventorySetQuantities", "write_inventory")
def inventory_set_quantities(ctx: Ctx, input):
    """Set absolute `available` or `on_hand` quantities; `changeFromQuantity` must match the current value unless
    null; before 2026-04 without it `compareQuantity` must match unless `ignoreCompareQuantity`."""
    errors = []
    name = input.get("name")
    if name not in ("available", "on_hand"):
        errors.append(user_error(["input", "name"], "The quantity name must be either 'available' or 'on_hand'.",
                                 "INVALID_NAME"))
    if input.get("reason") not in INVENTORY_REASONS:
        errors.append(user_error(["input", "reason"], "The specified reason is invalid.", "INVALID_REASON"))
    uri = input.get("referenceDocumentUri")
    if uri is not None and ":" not in uri:
        errors.append(user_error(["input", "referenceDocumentUri"], "The reference document URI is invalid.",
                                 "INVALID_REFERENCE_DOCUMENT"))
    locations = _location_ids(ctx)
    planned = []
    seen = set()
    for i, q in enumerate(input.get("quantities") or []):
        path = ["input", "quantities", str(i)]
        item_id = gid_id(q.get("inventoryItemId"), "InventoryItem")
        loc_id = gid_id(q.get("locationId"), "Location")
        row = records(ctx, "variants").filter(group_id=item_id).first() if item_id else None
        if row is None:
            errors.append(user_error([*path, "inventoryItemId"], "The specified inventory item could not be found.",
                                     "INVALID_INVENTORY_ITEM"))
            continue
        if loc_id not in locations:
            errors.append(user_error([*path, "locationId"], "The specified location could not be found.",
                                     "INVALID_LOCATION"))
            continue
        if (item_id, loc_id) in seen:
            errors.append(user_error(path, "The combination of inventoryItemId and locationId must be unique.",
                                     "NO_DUPLICATE_INVENTORY_ITEM_ID_GROUP_ID_PAIR"))
            continue
        seen.add((item_id, loc_id))
        quantity = int(q["quantity"])
        if quantity > 1_000_000_000:
            errors.append(user_error([*path, "quantity"], "The quantity can't be higher than 1,000,000,000.",
                                     "INVALID_QUANTITY_TOO_HIGH"))
        if quantity < -1_000_000_000:
            errors.append(user_error([*path, "quantity"], "The quantity can't be lower than -1,000,000,000.",
                                     "INVALID_QUANTITY_TOO_LOW"))
        level = (row.data.get("inventory") or {}).get(str(loc_id))
        if level is None:
            errors.append(user_error([*path, "locationId"], "The item is not stocked at the location.",
                                     "ITEM_NOT_STOCKED_AT_LOCATION"))
            continue
        current = int(level.get(name or "available", level.get("available", 0)))
        # changeFromQuantity (2026-01) replaces compareQuantity / ignoreCompareQuantity, removed in 2026-04 (where
        # it must be given, null skipping the check): InventoryQuantityInput in the published schemas.
        if "changeFromQuantity" in q:
            if q["changeFromQuantity"] is not None and int(q["changeFromQuantity"]) != current:
                errors.append(user_error([*path, "changeFromQuantity"], "The changeFromQuantity value does not "
                                         "match persisted value.", "CHANGE_FROM_QUANTITY_STALE"))
        elif ctx.version == "unstable" or ctx.version >= "2026-04":
            errors.append(user_error([*path, "changeFromQuantity"], "The changeFromQuantity argument must be given "
                                     "to each quantity (null skips the check).", "COMPARE_QUANTITY_REQUIRED"))
        elif not input.get("ignoreCompareQuantity"):
            if q.get("compareQuantity") is None:
                errors.append(user_error([*path, "compareQuantity"], "The compareQuantity argument must be given to "
                                         "each quantity or ignored using ignoreCompareQuantity.",
                                         "COMPARE_QUANTITY_REQUIRED"))
            elif int(q["compareQuantity"]) != current:
                errors.append(user_error([*path, "compareQuantity"], "The compareQuantity value does not match the "
                                         "current quantity.", "COMPARE_QUANTITY_STALE"))
        planned.append((row, loc_id, quantity, current))
    if errors:
        return {"inventoryAdjustmentGroup": None, "userErrors": errors}
    changes = []
    for row, loc_id, quantity, current in planned:
        data = dict(row.data)
        data["inventory"] = {k: dict(v) for k, v in (data.get("inventory") or {}).items()}
        _set_inventory(data, loc_id, name, quantity)
        row.data = data
        record_save(ctx, row)
        loc = record_get(ctx, "locations", loc_id)
        changes.append({"name": name, "delta": quantity - current, "quantityAfterChange": quantity,
                        "item": render.inventory_item(ctx, row), "location": render.location(ctx, loc)})
    group = {"id": gid("InventoryAdjustmentGroup", new_ids(ctx)[0]), "createdAt": iso(ctx.now),
             "reason": input["reason"], "referenceDocumentUri": uri,
             "changes": lambda info=None, **_: changes}
    return {"inventoryAdjustmentGroup": group, "userErrors": []}


# ---------------------------------------------------------------- collections


@mutation("collectionCreate", "write_products")
def collection_create(ctx: Ctx, input):
    errors = []
    title = (input.get("title") or "").strip()
    if not title:
        errors.append(user_error(["title"], "Title can't be blank"))
    elif len(title) > 255:
        errors.append(user_error(["title"], "Title is too long (maximum is 255 characters)"))
    if input.get("id"):
        errors.append(user_error(["id"], "Cannot specify an id for a new collection"))
    if input.get("handle") and handle_taken(ctx, "collections", input["handle"]):
        errors.append(user_error(["handle"], f"Handle '{input['handle']}' already in use. Please provide a new "
                                 "handle."))
    if input.get("ruleSet") and input.get("products"):
        errors.append(user_error(["products"], "Cannot add products to a smart collection"))
    product_ids = [gid_id(p, "Product") for p in input.get("products") or []]
    known = set(records(ctx, "products").filter(record_id__in=[p for p in product_ids if p])
                .values_list("record_id", flat=True))
    for index, pid in enumerate(product_ids):
        if pid not in known:
            errors.append(user_error(["products", str(index)], "Product does not exist"))
    errors += metafield_errors(input.get("metafields"), ["metafields"])
    if errors:
        return {"collection": None, "userErrors": errors}
    data = {"title": title, "descriptionHtml": input.get("descriptionHtml") or "",
            "sortOrder": input.get("sortOrder") or ("BEST_SELLING" if input.get("ruleSet") else "MANUAL"),
            "templateSuffix": input.get("templateSuffix"),
            "seo": {"title": (input.get("seo") or {}).get("title"),
                    "description": (input.get("seo") or {}).get("description")},
            "image": {"src": input["image"].get("src"), "altText": input["image"].get("altText")}
            if input.get("image") else None,
            "ruleSet": {"appliedDisjunctively": input["ruleSet"]["appliedDisjunctively"],
                        "rules": input["ruleSet"].get("rules") or []} if input.get("ruleSet") else None}
    record = record_create(ctx, "collections", data,
                           lookup=handle_unique(ctx, "collections", input.get("handle"), title, fallback="collection"))
    for pid in product_ids:
        _collect_add(ctx, record.record_id, pid)
    metafields_write(ctx, record.record_id, "COLLECTION", input.get("metafields"))
    return {"collection": render.collection(ctx, record), "userErrors": []}


@mutation("collectionAddProducts", "write_products")
def collection_add_products(ctx: Ctx, id, productIds):
    record = record_get(ctx, "collections", gid_id(id, "Collection"))
    if record is None:
        return {"collection": None, "userErrors": [user_error(["id"], "Collection does not exist")]}
    if record.data.get("ruleSet"):
        return {"collection": None, "userErrors": [user_error(["id"], "Can't manually add products to a smart "
                                                              "collection")]}
    ids = [gid_id(p, "Product") for p in productIds]
    known = set(records(ctx, "products").filter(record_id__in=[p for p in ids if p]).values_list("record_id",
                                                                                                flat=True))
    errors = [user_error(["productIds", str(i)], "Product does not exist") for i, pid in enumerate(ids)
              if pid not in known]
    if errors:
        return {"collection": None, "userErrors": errors}
    members = set(records(ctx, "collects").filter(parent_id=record.record_id).values_list("group_id", flat=True))
    for pid in ids:
        if pid not in members:
            _collect_add(ctx, record.record_id, pid)
            members.add(pid)
    record_save(ctx, record)
    return {"collection": render.collection(ctx, record), "userErrors": []}


@mutation("collectionDelete", "write_products")
def collection_delete(ctx: Ctx, input):
    record = record_get(ctx, "collections", gid_id(input.get("id"), "Collection"))
    if record is None:
        return {"deletedCollectionId": None, "shop": render.shop(ctx),
                "userErrors": [user_error(["id"], "Collection does not exist")]}
    records(ctx, "collects").filter(parent_id=record.record_id).delete()
    records(ctx, "metafields").filter(parent_id=record.record_id).delete()
    records(ctx, "translations").filter(parent_id=record.record_id).delete()
    record.delete()
    ctx.cache.pop(("collections", record.record_id), None)
    return {"deletedCollectionId": gid("Collection", record.record_id), "shop": render.shop(ctx), "userErrors": []}
