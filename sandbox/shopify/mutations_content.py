"""Content mutations: metafieldsSet, metafieldDefinitionCreate, translationsRegister, shopLocaleEnable,
urlRedirectCreate/Delete, pageCreate/Delete, blogCreate/Delete, articleCreate/Delete, discountCodeBasicCreate,
discountCodeFreeShippingCreate, discountCodeDelete."""
from ..services import sandbox_store_languages_set
from . import render
from .common import MAX_METAFIELDS_SET, Ctx, gid, gid_id, iso, money, parse_gid, parse_when, user_error
from .data import new_ids, record_create, record_get, record_save, records
from .mutate import (
    METAFIELD_TYPES,
    UNIQUE_VALUE_TYPES,
    definition_lookup,
    handle_taken,
    handle_unique,
    metafield_errors,
    metafields_write,
    mutation,
    unique_value_errors,
)

OWNER_TYPES = {"Product": ("products", "PRODUCT"), "ProductVariant": ("variants", "PRODUCTVARIANT"),
               "Collection": ("collections", "COLLECTION"), "Customer": ("customers", "CUSTOMER"),
               "Order": ("orders", "ORDER"), "Page": ("pages", "PAGE"), "Blog": ("blogs", "BLOG"),
               "Article": ("articles", "ARTICLE"), "Location": ("locations", "LOCATION"),
               "DiscountCodeNode": ("discounts", "DISCOUNT")}


@mutation("metafieldsSet", "write_products")
def metafields_set(ctx: Ctx, metafields):
    """Atomic: up to 25 metafields, any error writes none. Each error carries `elementIndex`."""
    if len(metafields) > MAX_METAFIELDS_SET:
        return {"metafields": None, "userErrors": [user_error(
            ["metafields"], f"Exceeded the maximum metafields input limit of {MAX_METAFIELDS_SET}.",
            "LESS_THAN_OR_EQUAL_TO", elementIndex=None)]}
    errors = []
    owners = []
    for index, item in enumerate(metafields):
        parsed = parse_gid(item.get("ownerId"))
        owner = None
        if parsed and parsed[0] == "Shop" and parsed[1] == ctx.store.settings.get("shop_id"):
            owner = (parsed[1], "SHOP")
        elif parsed and parsed[0] in OWNER_TYPES:
            resource, owner_type = OWNER_TYPES[parsed[0]]
            if record_get(ctx, resource, parsed[1]):
                owner = (parsed[1], owner_type)
        if owner is None:
            errors.append(user_error(["metafields", str(index), "ownerId"], "Owner does not exist.", "INVALID",
                                     elementIndex=index))
        if not item.get("type"):
            existing = records(ctx, "metafields").filter(
                parent_id=owner[0] if owner else -1,
                lookup=f"{item.get('namespace') or 'custom'}.{item.get('key')}").first()
            if existing is None:
                errors.append(user_error(["metafields", str(index), "type"], "Type can't be blank", "BLANK",
                                         elementIndex=index))
        for problem in metafield_errors([item], ["metafields"], code_blank="BLANK", code_type="INVALID_VALUE"):
            errors.append({**problem, "field": ["metafields", str(index), *problem["field"][2:]],
                           "code": "INVALID_TYPE" if problem["field"][-1] == "type" else problem["code"],
                           "elementIndex": index})
        if owner is not None:
            for problem in unique_value_errors(ctx, owner[1], owner[0], [item], ["metafields"]):
                errors.append({**problem, "field": ["metafields", str(index), "value"], "elementIndex": index})
        owners.append(owner)
    if errors:
        return {"metafields": None, "userErrors": errors}
    written = []
    for item, (owner_id, owner_type) in zip(metafields, owners, strict=True):
        written += metafields_write(ctx, owner_id, owner_type, [{
            "namespace": item.get("namespace") or "custom", "key": item["key"], "value": item["value"],
            "type": item.get("type")}])
    return {"metafields": [render.metafield(ctx, r) for r in written], "userErrors": []}


def _definition_error(field: str, message: str, code: str) -> dict:
    return {"createdDefinition": None, "userErrors": [{"field": ["definition", field], "message": message,
                                                       "code": code}]}


@mutation("metafieldDefinitionCreate", "write_products")
def metafield_definition_create(ctx: Ctx, definition):
    """A definition per (owner type, namespace, key). Type `id` always has unique values; the uniqueValues
    capability is possible for a few types, and only while no metafield of that key exists."""
    namespace, key, kind = definition.get("namespace") or "custom", definition["key"], definition["type"]
    owner_type = definition["ownerType"]
    if not (definition.get("name") or "").strip():
        return _definition_error("name", "Name can't be blank", "BLANK")
    if not 2 <= len(key) <= 64:
        return _definition_error("key", "Key is too short (minimum is 2 characters)" if len(key) < 2
                                 else "Key is too long (maximum is 64 characters)", "TOO_SHORT" if len(key) < 2
                                 else "TOO_LONG")
    if kind not in METAFIELD_TYPES and not (kind.startswith("list.") and kind[5:] in METAFIELD_TYPES):
        return _definition_error("type", f"Type '{kind}' is not a valid metafield type.", "INCLUSION")
    lookup = definition_lookup(owner_type, namespace, key)
    if records(ctx, "metafield_definitions").filter(lookup=lookup).exists():
        return _definition_error("key", f"Key is in use for {owner_type.title()} metafields on the '{namespace}' "
                                 "namespace.", "TAKEN")
    unique = kind == "id" or bool(((definition.get("capabilities") or {}).get("uniqueValues") or {}).get("enabled"))
    if unique and kind not in UNIQUE_VALUE_TYPES:
        return _definition_error("capabilities", f"Unique values are not available for the type {kind}.",
                                 "INVALID_CAPABILITY")
    if unique and records(ctx, "metafields").filter(lookup=f"{namespace}.{key}", data__ownerType=owner_type).exists():
        return _definition_error("capabilities", "Unique values can only be enabled on a definition that has no "
                                 "metafields yet.", "INVALID_CAPABILITY")
    record = record_create(ctx, "metafield_definitions", {
        "name": definition["name"], "namespace": namespace, "key": key, "type": kind, "ownerType": owner_type,
        "description": definition.get("description"), "uniqueValues": unique}, lookup=lookup)
    return {"createdDefinition": render.metafield_definition(ctx, record), "userErrors": []}


@mutation("translationsRegister", "write_translations")
def translations_register(ctx: Ctx, resourceId, translations):
    parsed = parse_gid(resourceId)
    resource = render.NODE_RESOURCES.get(parsed[0]) if parsed else None
    record = record_get(ctx, resource, parsed[1]) if resource in render.RESOURCE_TRANSLATABLE_TYPE else None
    if record is None:
        return {"translations": None, "userErrors": [user_error(
            ["resourceId"], f"Resource {resourceId} does not exist", "RESOURCE_NOT_FOUND")]}
    kind = render.RESOURCE_TRANSLATABLE_TYPE[resource]
    content = {c["key"]: c for c in render.translatable_content(ctx, record, kind)}
    locales = set(ctx.store.languages) - {ctx.store.default_language}
    errors = []
    for i, t in enumerate(translations):
        path = ["translations", str(i)]
        if t["locale"] not in locales:
            errors.append(user_error([*path, "locale"], "Locale is not enabled for this shop.",
                                     "INVALID_LOCALE_FOR_SHOP"))
        elif t["key"] not in content:
            errors.append(user_error([*path, "key"], f"Key {t['key']} is not a valid translatable field",
                                     "INVALID_KEY_FOR_MODEL"))
        elif t["translatableContentDigest"] != content[t["key"]]["digest"]:
            errors.append(user_error([*path, "translatableContentDigest"], "Translatable content hash is invalid",
                                     "INVALID_TRANSLATABLE_CONTENT"))
        elif not (t.get("value") or "").strip():
            errors.append(user_error([*path, "value"], "Value can't be blank", "BLANK"))
    if errors:
        return {"translations": None, "userErrors": errors}
    out = []
    for t in translations:
        row = records(ctx, "translations").filter(parent_id=record.record_id, lang=t["locale"]).first()
        entry = {"value": t["value"], "digest": t["translatableContentDigest"], "updatedAt": iso(ctx.now)}
        if row is None:
            record_create(ctx, "translations", {t["key"]: entry}, parent_id=record.record_id, lang=t["locale"],
                          lookup=resource)
        else:
            row.data = {**row.data, t["key"]: entry}
            record_save(ctx, row)
        out.append({"key": t["key"], "value": t["value"], "locale": t["locale"], "outdated": False,
                    "updatedAt": iso(ctx.now)})
    return {"translations": out, "userErrors": []}


@mutation("shopLocaleEnable", "write_locales")
def shop_locale_enable(ctx: Ctx, locale, marketWebPresenceIds=None):
    if not locale or len(locale) > 10:
        return {"shopLocale": None, "userErrors": [user_error(["locale"], "Locale is invalid")]}
    if locale not in ctx.store.languages:
        sandbox_store_languages_set(ctx.store, [*ctx.store.languages, locale])
    found = next(entry for entry in render.shop_locales(ctx) if entry["locale"] == locale)
    return {"shopLocale": found, "userErrors": []}


# ---------------------------------------------------------------- redirects


@mutation("urlRedirectCreate", "write_online_store_navigation")
def url_redirect_create(ctx: Ctx, urlRedirect):
    path = (urlRedirect.get("path") or "").strip()
    target = (urlRedirect.get("target") or "").strip()
    errors = []
    if not path:
        errors.append(user_error(["urlRedirect", "path"], "Path can't be blank", "CREATE_FAILED"))
    elif records(ctx, "url_redirects").filter(lookup=path if path.startswith("/") else f"/{path}").exists():
        errors.append(user_error(["urlRedirect", "path"], "Path has already been taken", "CREATE_FAILED"))
    if not target:
        errors.append(user_error(["urlRedirect", "target"], "Target can't be blank", "CREATE_FAILED"))
    elif path and target.rstrip("/") == path.rstrip("/"):
        errors.append(user_error(["urlRedirect", "target"], "Target cannot be the same as path", "CREATE_FAILED"))
    if errors:
        return {"urlRedirect": None, "userErrors": errors}
    path = path if path.startswith("/") else f"/{path}"
    record = record_create(ctx, "url_redirects", {"path": path, "target": target}, lookup=path)
    return {"urlRedirect": render.url_redirect(ctx, record), "userErrors": []}


@mutation("urlRedirectDelete", "write_online_store_navigation")
def url_redirect_delete(ctx: Ctx, id):
    record = record_get(ctx, "url_redirects", gid_id(id, "UrlRedirect"))
    if record is None:
        return {"deletedUrlRedirectId": None,
                "userErrors": [user_error(["id"], "Redirect does not exist", "DOES_NOT_EXIST")]}
    record.delete()
    ctx.cache.pop(("url_redirects", record.record_id), None)
    return {"deletedUrlRedirectId": gid("UrlRedirect", record.record_id), "userErrors": []}


# ---------------------------------------------------------------- pages, blogs, articles


def _publish(ctx: Ctx, values: dict, errors: list, path: list, code: str) -> tuple[bool, str | None]:
    published = values.get("isPublished")
    when = values.get("publishDate")
    if when is not None and parse_when(when) is None:
        errors.append(user_error([*path, "publishDate"], "Publish date is invalid", code))
    if published is None:
        published = True
    published_at = iso(parse_when(when)) if when else (iso(ctx.now) if published else None)
    return bool(published), published_at


def _delete(ctx: Ctx, resource: str, type_name: str, value, key: str, noun: str):
    record = record_get(ctx, resource, gid_id(value, type_name))
    if record is None:
        return {key: None, "userErrors": [user_error(["id"], f"{noun} does not exist", "NOT_FOUND")]}
    records(ctx, "metafields").filter(parent_id=record.record_id).delete()
    records(ctx, "translations").filter(parent_id=record.record_id).delete()
    record.delete()
    ctx.cache.pop((resource, record.record_id), None)
    return {key: gid(type_name, record.record_id), "userErrors": []}


@mutation("pageCreate", "write_online_store_pages")
def page_create(ctx: Ctx, page):
    errors = []
    title = (page.get("title") or "").strip()
    if not title:
        errors.append(user_error(["page", "title"], "Title can't be blank", "BLANK"))
    elif len(title) > 255:
        errors.append(user_error(["page", "title"], "Title is too long (maximum is 255 characters)", "TOO_LONG"))
    if page.get("handle") and handle_taken(ctx, "pages", page["handle"]):
        errors.append(user_error(["page", "handle"], "Handle has already been taken", "TAKEN"))
    published, published_at = _publish(ctx, page, errors, ["page"], "INVALID_PUBLISH_DATE")
    errors += metafield_errors(page.get("metafields"), ["page", "metafields"], code_blank="BLANK", code_type="BLANK")
    if errors:
        return {"page": None, "userErrors": errors}
    record = record_create(ctx, "pages", {"title": title, "body": page.get("body") or "", "isPublished": published,
                                          "publishedAt": published_at, "templateSuffix": page.get("templateSuffix")},
                           lookup=handle_unique(ctx, "pages", page.get("handle"), title, fallback="page"))
    metafields_write(ctx, record.record_id, "PAGE", page.get("metafields"))
    return {"page": render.page(ctx, record), "userErrors": []}


@mutation("pageDelete", "write_online_store_pages")
def page_delete(ctx: Ctx, id):
    return _delete(ctx, "pages", "Page", id, "deletedPageId", "Page")


@mutation("blogCreate", "write_content")
def blog_create(ctx: Ctx, blog):
    errors = []
    title = (blog.get("title") or "").strip()
    if not title:
        errors.append(user_error(["blog", "title"], "Title can't be blank", "BLANK"))
    if blog.get("handle") and handle_taken(ctx, "blogs", blog["handle"]):
        errors.append(user_error(["blog", "handle"], "Handle has already been taken", "TAKEN"))
    errors += metafield_errors(blog.get("metafields"), ["blog", "metafields"], code_blank="BLANK", code_type="INVALID")
    if errors:
        return {"blog": None, "userErrors": errors}
    record = _blog_create(ctx, title, blog.get("handle"), blog.get("commentPolicy"), blog.get("templateSuffix"))
    metafields_write(ctx, record.record_id, "BLOG", blog.get("metafields"))
    return {"blog": render.blog(ctx, record), "userErrors": []}


def _blog_create(ctx: Ctx, title: str, handle=None, policy=None, suffix=None):
    return record_create(ctx, "blogs", {"title": title, "commentPolicy": policy or "MODERATED",
                                        "templateSuffix": suffix},
                         lookup=handle_unique(ctx, "blogs", handle, title, fallback="blog"))


@mutation("blogDelete", "write_content")
def blog_delete(ctx: Ctx, id):
    blog_id = gid_id(id, "Blog")
    if record_get(ctx, "blogs", blog_id):
        records(ctx, "articles").filter(parent_id=blog_id).delete()
    return _delete(ctx, "blogs", "Blog", id, "deletedBlogId", "Blog")


@mutation("articleCreate", "write_content")
def article_create(ctx: Ctx, article, blog=None):
    errors = []
    title = (article.get("title") or "").strip()
    if not title:
        errors.append(user_error(["article", "title"], "Title can't be blank", "BLANK"))
    if not (article.get("author") or {}).get("name") and not (article.get("author") or {}).get("userId"):
        errors.append(user_error(["article", "author"], "Author field is required", "AUTHOR_FIELD_REQUIRED"))
    blog_record = None
    if article.get("blogId") and blog:
        errors.append(user_error(["article"], "Can't create an article with a blog and a blog id",
                                 "AMBIGUOUS_BLOG"))
    elif article.get("blogId"):
        blog_record = record_get(ctx, "blogs", gid_id(article["blogId"], "Blog"))
        if blog_record is None:
            errors.append(user_error(["article", "blogId"], "Blog does not exist", "NOT_FOUND"))
    elif not blog:
        errors.append(user_error(["article"], "Must reference or create a blog when creating an article.",
                                 "BLOG_REFERENCE_REQUIRED"))
    if article.get("handle") and handle_taken(ctx, "articles", article["handle"]):
        errors.append(user_error(["article", "handle"], "Handle has already been taken", "TAKEN"))
    published, published_at = _publish(ctx, article, errors, ["article"], "INVALID_PUBLISH_DATE")
    errors += metafield_errors(article.get("metafields"), ["article", "metafields"], code_blank="BLANK",
                               code_type="INVALID")
    if errors:
        return {"article": None, "userErrors": errors}
    if blog_record is None:
        blog_record = _blog_create(ctx, blog["title"])
    data = {"title": title, "body": article.get("body") or "", "summary": article.get("summary"),
            "author": {"name": article["author"].get("name") or "Staff"},
            "tags": sorted({t.strip() for t in article.get("tags") or [] if t.strip()}),
            "image": {"url": article["image"].get("url"), "altText": article["image"].get("altText")}
            if article.get("image") else None, "isPublished": published, "publishedAt": published_at,
            "templateSuffix": article.get("templateSuffix")}
    record = record_create(ctx, "articles", data, parent_id=blog_record.record_id,
                           lookup=handle_unique(ctx, "articles", article.get("handle"), title, fallback="article"))
    metafields_write(ctx, record.record_id, "ARTICLE", article.get("metafields"))
    return {"article": render.article(ctx, record), "userErrors": []}


@mutation("articleDelete", "write_content")
def article_delete(ctx: Ctx, id):
    return _delete(ctx, "articles", "Article", id, "deletedArticleId", "Article")


# ---------------------------------------------------------------- discounts

# What a discount's items may name: input key -> (stored key, resource, GID type, name in messages).
DISCOUNT_ITEM_REFS = {
    ("products", "productsToAdd"): ("products", "products", "Product", "Product"),
    ("products", "productVariantsToAdd"): ("variants", "variants", "ProductVariant", "Product variant"),
    ("collections", "add"): ("collections", "collections", "Collection", "Collection"),
}


def _discount_items(ctx: Ctx, items: dict | None, path: list) -> tuple[dict, list]:
    """`DiscountItemsInput` -> the stored items ({"all": True}, {"products": [...], "variants": [...]} or
    {"collections": [...]}) and userErrors. One of all/products/collections; every id must exist (the
    messages and codes are the sandbox's own, see README). `*ToRemove`/`remove` have nothing to remove
    from on create and are ignored."""
    items = items or {}
    chosen = [k for k in ("all", "products", "collections") if (items.get(k) is True if k == "all" else
                                                                 items.get(k) is not None)]
    if len(chosen) > 1:
        return {}, [user_error(path, "Only one of all, products or collections can be specified.", "CONFLICT")]
    if not chosen or chosen == ["all"]:
        return {"all": True}, []
    kind = chosen[0]
    stored: dict = {}
    errors = []
    for (group, key), (stored_key, resource, type_name, label) in DISCOUNT_ITEM_REFS.items():
        if group != kind:
            continue
        ids = []
        for index, value in enumerate(items[kind].get(key) or []):
            record_id = gid_id(value, type_name)
            if record_id is None or record_get(ctx, resource, record_id) is None:
                errors.append(user_error([*path, kind, key, index], f"{label} with id {value} does not exist.",
                                         "INVALID"))
            elif record_id not in ids:
                ids.append(record_id)
        stored[stored_key] = ids
    if not errors and not any(stored.values()):
        errors.append(user_error([*path, kind], "Items can't be blank", "BLANK"))
    return stored, errors


def _code_discount_errors(ctx: Ctx, d: dict, root: str) -> list[dict]:
    """What every code discount input must hold: a title, a unique code, a start before its end."""
    errors = []
    if not (d.get("title") or "").strip():
        errors.append(user_error([root, "title"], "Title can't be blank", "BLANK"))
    code = (d.get("code") or "").strip()
    if not code:
        errors.append(user_error([root, "code"], "Code can't be blank", "BLANK"))
    elif len(code) > 255:
        errors.append(user_error([root, "code"], "Code is too long (maximum is 255 characters)", "TOO_LONG"))
    elif records(ctx, "discounts").filter(lookup=code.lower()).exists():
        errors.append(user_error([root, "code"], "Code must be unique. Please try a different code.", "TAKEN"))
    if not d.get("startsAt"):
        errors.append(user_error([root, "startsAt"], "Starts at can't be blank", "BLANK"))
    starts, ends = parse_when(d.get("startsAt")), parse_when(d.get("endsAt"))
    if starts and ends and ends < starts:
        errors.append(user_error([root, "endsAt"], "Ends at needs to be after starts_at", "INVALID"))
    return errors


def _code_discount_data(ctx: Ctx, d: dict) -> dict:
    """The stored fields every code discount has."""
    minimum = d.get("minimumRequirement") or {}
    return {
        "title": d["title"].strip(), "code": d["code"].strip(), "codeId": new_ids(ctx)[0],
        "startsAt": iso(parse_when(d.get("startsAt"))), "endsAt": iso(parse_when(d.get("endsAt"))),
        "usageLimit": d.get("usageLimit"), "appliesOncePerCustomer": bool(d.get("appliesOncePerCustomer")),
        "minimumRequirement": {
            "quantity": (minimum.get("quantity") or {}).get("greaterThanOrEqualToQuantity"),
            "subtotal": money((minimum.get("subtotal") or {})["greaterThanOrEqualToSubtotal"])
            if (minimum.get("subtotal") or {}).get("greaterThanOrEqualToSubtotal") else None,
        },
        "combinesWith": d.get("combinesWith") or {}, "asyncUsageCount": 0,
    }


@mutation("discountCodeBasicCreate", "write_discounts")
def discount_code_basic_create(ctx: Ctx, basicCodeDiscount):
    d = basicCodeDiscount
    root = "basicCodeDiscount"
    errors = _code_discount_errors(ctx, d, root)
    gets = d.get("customerGets") or {}
    value = gets.get("value") or {}
    if not value:
        errors.append(user_error([root, "customerGets"], "Customer gets can't be blank", "BLANK"))
    elif value.get("percentage") is not None and not 0 < float(value["percentage"]) <= 1:
        errors.append(user_error([root, "customerGets", "value", "percentage"], "Value must be between 0.0 and 1.0",
                                 "VALUE_OUTSIDE_RANGE"))
    elif value.get("discountAmount") and float(value["discountAmount"].get("amount") or 0) <= 0:
        errors.append(user_error([root, "customerGets", "value", "discountAmount", "amount"],
                                 "Value must be greater than 0", "VALUE_OUTSIDE_RANGE"))
    items, item_errors = _discount_items(ctx, gets.get("items"), [root, "customerGets", "items"])
    errors += item_errors
    if errors:
        return {"codeDiscountNode": None, "userErrors": errors}
    stored_value = ({"percentage": float(value["percentage"])} if value.get("percentage") is not None else
                    {"amount": money(value["discountAmount"]["amount"]),
                     "appliesOnEachItem": bool(value["discountAmount"].get("appliesOnEachItem"))})
    data = {**_code_discount_data(ctx, d), "value": stored_value, "items": items}
    record = record_create(ctx, "discounts", data, lookup=data["code"].lower())
    return {"codeDiscountNode": render.discount_node(ctx, record), "userErrors": []}


@mutation("discountCodeFreeShippingCreate", "write_discounts")
def discount_code_free_shipping_create(ctx: Ctx, freeShippingCodeDiscount):
    """A code discount that takes the shipping off (to every country unless `destination` names some),
    up to `maximumShippingPrice` when given."""
    d = freeShippingCodeDiscount
    root = "freeShippingCodeDiscount"
    errors = _code_discount_errors(ctx, d, root)
    destination = d.get("destination") or {"all": True}
    countries = (destination.get("countries") or {}).get("add") or []
    if not destination.get("all") and not countries:
        errors.append(user_error([root, "destination"], "Destination can't be blank", "BLANK"))
    maximum = d.get("maximumShippingPrice")
    if maximum is not None and float(maximum) < 0:
        errors.append(user_error([root, "maximumShippingPrice"], "Maximum shipping price must be greater than or "
                                 "equal to 0", "GREATER_THAN_OR_EQUAL_TO"))
    if errors:
        return {"codeDiscountNode": None, "userErrors": errors}
    data = {**_code_discount_data(ctx, d), "kind": "free_shipping",
            "countries": [] if destination.get("all") else sorted(set(countries)),
            "maximumShippingPrice": money(maximum) if maximum is not None else None}
    record = record_create(ctx, "discounts", data, lookup=data["code"].lower())
    return {"codeDiscountNode": render.discount_node(ctx, record), "userErrors": []}


@mutation("discountCodeDelete", "write_discounts")
def discount_code_delete(ctx: Ctx, id):
    record = record_get(ctx, "discounts", gid_id(id, "DiscountCodeNode"))
    if record is None:
        return {"deletedCodeDiscountId": None,
                "userErrors": [user_error(["id"], "Discount does not exist", "INVALID")]}
    record.delete()
    ctx.cache.pop(("discounts", record.record_id), None)
    return {"deletedCodeDiscountId": gid("DiscountCodeNode", record.record_id), "userErrors": []}
