"""Customers with addresses, customer groups, tax classes, CMS pages and blocks, sales rules and coupons."""
from .common import Ctx, body_member, mdate, search_answer, search_rows
from .errors import MagentoError, no_such_entity

# A fresh Magento's customer groups and tax classes (Magento_Customer / Magento_Tax data patches).
CUSTOMER_GROUPS = ((0, "NOT LOGGED IN"), (1, "General"), (2, "Wholesale"), (3, "Retailer"))
TAX_CLASSES = ({"class_id": 2, "class_name": "Taxable Goods", "class_type": "PRODUCT"},
               {"class_id": 3, "class_name": "Retail Customer", "class_type": "CUSTOMER"})


def customer_render(ctx: Ctx, row) -> dict:
    data = row.data
    addresses = [{**address, "customer_id": row.record_id} for address in data.get("addresses") or []]
    out = {"id": row.record_id, "group_id": data.get("group_id", 1),
           "created_at": mdate(row.date_created_gmt), "updated_at": mdate(row.date_modified_gmt),
           "created_in": data.get("created_in", "Default Store View"), "email": row.lookup,
           "firstname": data.get("firstname"), "lastname": data.get("lastname"), "gender": data.get("gender", 0),
           "store_id": data.get("store_id", 1), "website_id": 1, "addresses": addresses,
           "disable_auto_group_change": 0, "extension_attributes": {"is_subscribed": bool(data.get("is_subscribed"))}}
    for name in ("dob", "middlename", "prefix", "suffix", "taxvat"):
        if data.get(name):
            out[name] = data[name]
    for kind in ("default_billing", "default_shipping"):
        chosen = next((a for a in addresses if a.get(kind)), None)
        if chosen:
            out[kind] = str(chosen["id"])
    return out


def customer_search(ctx: Ctx, body) -> dict:
    return search_rows(ctx, ctx.rows("customers"), lambda row: customer_render(ctx, row))


def customer_get(ctx: Ctx, body, customer_id: str) -> dict:
    row = ctx.row("customers", customer_id)
    if row is None:
        raise no_such_entity("customerId", customer_id)
    return customer_render(ctx, row)


def _addresses(ctx: Ctx, addresses) -> list[dict]:
    out = []
    for address in addresses or []:
        if not isinstance(address, dict):
            continue
        clean = {k: v for k, v in address.items() if k != "customer_id"}
        clean["id"] = int(address.get("id") or ctx.new_id("customer_addresses"))
        out.append(clean)
    return out


def customer_save(ctx: Ctx, body, customer_id: str | None = None) -> dict:
    """`POST /V1/customers` {customer, password} creates (an email already used on the website is 400);
    `PUT /V1/customers/{id}` {customer} replaces the given fields (addresses when given)."""
    data = body_member(body, "customer")
    email = str(data.get("email") or "").strip()
    if customer_id is None:
        for name in ("email", "firstname", "lastname"):
            if not data.get(name):
                raise MagentoError('"%fieldName" is required. Enter and try again.', {"fieldName": name})
        if ctx.rows("customers").filter(lookup__iexact=email).exists():
            raise MagentoError("A customer with the same email address already exists in an associated website.")
        stored = {k: v for k, v in data.items() if k not in ("id", "email", "addresses", "created_at", "updated_at")}
        stored["addresses"] = _addresses(ctx, data.get("addresses"))
        stored.setdefault("created_in", ctx.view["name"] if ctx.view else "Admin")
        stored.setdefault("store_id", ctx.store_id or 1)
        return customer_render(ctx, ctx.create("customers", stored, lookup=email))
    row = ctx.row("customers", customer_id)
    if row is None:
        raise no_such_entity("customerId", customer_id)
    if email and email.lower() != row.lookup.lower():
        if ctx.rows("customers").filter(lookup__iexact=email).exclude(pk=row.pk).exists():
            raise MagentoError("A customer with the same email address already exists in an associated website.")
        row.lookup = email
    for key, value in data.items():
        if key not in ("id", "email", "addresses", "created_at", "updated_at"):
            row.data[key] = value
    if "addresses" in data:
        row.data["addresses"] = _addresses(ctx, data["addresses"])
    ctx.touch(row)
    return customer_render(ctx, row)


def customer_delete(ctx: Ctx, body, customer_id: str) -> bool:
    """`DELETE /V1/customers/{id}` -> true; a missing customer is 404 "No such entity"."""
    row = ctx.row("customers", customer_id)
    if row is None:
        raise no_such_entity("customerId", customer_id)
    row.delete()
    return True


def group_search(ctx: Ctx, body) -> dict:
    items = [{"id": gid, "code": code, "tax_class_id": 3, "tax_class_name": "Retail Customer"}
             for gid, code in CUSTOMER_GROUPS]
    return search_answer(ctx, items)


def tax_class_search(ctx: Ctx, body) -> dict:
    return search_answer(ctx, [dict(c) for c in TAX_CLASSES], id_field="class_id")


# ------------------------------------------------------------------ CMS


def _cms_render(row, kind: str) -> dict:
    out = {"id": row.record_id, "identifier": row.lookup, **row.data,
           "creation_time": mdate(row.date_created_gmt), "update_time": mdate(row.date_modified_gmt)}
    out.setdefault("active", True)
    if kind == "cms_pages":
        for name in ("page_layout", "meta_title", "meta_keywords", "meta_description", "content_heading"):
            out.setdefault(name, "" if name != "page_layout" else "1column")
    return out


def _cms_column(item: dict, name: str):
    """The tables' keys `page_id` / `block_id` filter what the answer calls `id`."""
    return item.get("id") if name in ("page_id", "block_id") else item.get(name)


def cms_search(ctx: Ctx, body, kind: str) -> dict:
    return search_rows(ctx, ctx.rows(kind), lambda row: _cms_render(row, kind), column=_cms_column,
                       keys={"id": "record_id", "page_id": "record_id", "block_id": "record_id"})


def cms_get(ctx: Ctx, body, kind: str, cms_id: str) -> dict:
    row = ctx.row(kind, cms_id)
    if row is None:
        label = "page" if kind == "cms_pages" else "block"
        raise MagentoError(f'The CMS {label} with the "%1" ID doesn\'t exist.', [cms_id], 404)
    return _cms_render(row, kind)


def cms_save(ctx: Ctx, body, kind: str, cms_id: str | None = None) -> dict:
    """`POST /V1/cmsPage` {"page": {...}} / `/V1/cmsBlock` {"block": {...}} (PUT with an id updates);
    an identifier already used answers 400."""
    data = body_member(body, "page" if kind == "cms_pages" else "block")
    identifier = str(data.get("identifier") or "").strip()
    row = ctx.row(kind, cms_id) if cms_id else None
    if cms_id and row is None:
        return cms_get(ctx, body, kind, cms_id)
    if row is None:
        if not identifier or not data.get("title"):
            raise MagentoError('"%fieldName" is required. Enter and try again.',
                               {"fieldName": "identifier" if not identifier else "title"})
        if ctx.rows(kind).filter(lookup=identifier).exists():
            noun = "page" if kind == "cms_pages" else "block"
            raise MagentoError(f"A {noun} URL key for specified store already exists.")
        fields = {k: v for k, v in data.items() if k not in ("id", "identifier", "creation_time", "update_time")}
        return _cms_render(ctx.create(kind, fields, lookup=identifier), kind)
    for key, value in data.items():
        if key not in ("id", "identifier", "creation_time", "update_time"):
            row.data[key] = value
    if identifier:
        row.lookup = identifier
    ctx.touch(row)
    return _cms_render(row, kind)


def cms_delete(ctx: Ctx, body, kind: str, cms_id: str) -> bool:
    row = ctx.row(kind, cms_id)
    if row is None:
        return cms_get(ctx, body, kind, cms_id)  # 404
    row.delete()
    return True


# ------------------------------------------------------------------ sales rules and coupons


def sales_rule_search(ctx: Ctx, body) -> dict:
    rows = ctx.rows("sales_rules").order_by("record_id")
    return search_answer(ctx, [{"rule_id": r.record_id, **r.data} for r in rows], id_field="rule_id")


def coupon_search(ctx: Ctx, body) -> dict:
    rows = ctx.rows("coupons").order_by("record_id")
    items = [{"coupon_id": r.record_id, "rule_id": r.parent_id, "code": r.lookup, **r.data,
              "created_at": mdate(r.date_created_gmt)} for r in rows]
    return search_answer(ctx, items, id_field="coupon_id")
