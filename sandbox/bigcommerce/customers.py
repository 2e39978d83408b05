"""Customers v3 (`/customers`, batch-only: POST and PUT take arrays of at most 10, DELETE takes `id:in`;
`include=addresses`), customer addresses v3 and customer groups v2 (reference/customers.v3.yml,
customers.v2.yml). There is no `/v3/customers/{id}`: a customer is read with `id:in`."""
from . import engine
from .responses import ApiError, body_json, empty_response, invalid, ok, raw
from .specs import ADDRESSES, CUSTOMERS

BATCH_LIMIT = 10
GROUPS = engine.Resource("customer_groups", fields={"name": str, "is_default": bool, "category_access": dict,
                                                    "discount_rules": list, "is_group_for_guests": bool},
                         required=("name",), defaults={"is_default": False, "category_access": {"type": "all"},
                                                       "discount_rules": [], "is_group_for_guests": False},
                         unique=(("name", "The customer group name is a duplicate"),), lookup="name", dates=False)


def _array(request, what: str) -> list:
    body = body_json(request)
    if not isinstance(body, list):
        raise invalid({"body": "error.expected.jsarray"})
    if len(body) > BATCH_LIMIT:
        raise ApiError(413, f"The request cannot contain more than {BATCH_LIMIT} {what}.")
    return body


def address_render(record) -> dict:
    return {**engine.render(ADDRESSES, record), "country": record.data.get("country_code", "")}


def customer_render(store, record, wanted: set[str]) -> dict:
    item = engine.render(CUSTOMERS, record)
    item.pop("addresses", None)
    item.pop("authentication", None)
    item.setdefault("authentication", {"force_password_reset": False})
    addresses = engine.records(store, ADDRESSES, record.record_id)
    item["address_count"] = addresses.count()
    if "addresses" in wanted:
        item["addresses"] = [address_render(a) for a in addresses.order_by("record_id")]
    for empty in ("attributes", "formfields", "storecredit", "shopper_profile_id", "segment_ids"):
        if empty in wanted:
            item[empty] = [] if empty != "storecredit" else item["store_credit_amounts"]
    return item


def _email_taken(store, email: str, exclude: int | None = None) -> bool:
    qs = engine.records(store, CUSTOMERS).filter(lookup__iexact=email)
    return qs.exclude(record_id=exclude).exists() if exclude else qs.exists()


def customers_list(ctx):
    def name_filter(qs, op, values):
        from django.db.models import Q

        word = values[0]
        return qs.filter(Q(data__first_name__icontains=word) | Q(data__last_name__icontains=word))

    qs = engine.filter_v3(engine.records(ctx.store, CUSTOMERS), CUSTOMERS, ctx.params, extra={"name": name_filter})
    records, meta = engine.paginate(qs, ctx.params)
    wanted = engine.includes(ctx.params)
    return ok([engine.select_fields(customer_render(ctx.store, r, wanted), ctx.params) for r in records], meta)


def customers_create(ctx):
    body = _array(ctx.request, "customers")
    cleaned = []
    for index, item in enumerate(body):
        clean = engine.validate(CUSTOMERS, item, partial=False, prefix=f"{index}.")
        if _email_taken(ctx.store, clean["email"]) or clean["email"].lower() in [c["email"].lower() for c in cleaned]:
            raise invalid({f".customer_create.{index}": f"Error creating customer '{clean['email']}'. The email "
                                                       f"address {clean['email']} is already in use."},
                          "Error creating customers")
        cleaned.append(clean)
    created = []
    for clean in cleaned:
        addresses = clean.pop("addresses", None) or []
        clean.pop("authentication", None)
        record = engine.create(ctx.store, CUSTOMERS, clean)
        for index, address in enumerate(addresses):
            data = engine.validate(ADDRESSES, {**address, "customer_id": record.record_id}, partial=False,
                                   prefix=f"addresses.{index}.")
            data.pop("customer_id")
            engine.create(ctx.store, ADDRESSES, data, parent_id=record.record_id)
        created.append(customer_render(ctx.store, record, {"addresses"}))
    return ok(created, {})


def customers_update(ctx):
    body = _array(ctx.request, "customers")
    updated = []
    for index, item in enumerate(body):
        if not isinstance(item, dict) or not isinstance(item.get("id"), int):
            raise invalid({f"{index}.id": "error.path.missing"})
        record = engine.record_get(ctx.store, CUSTOMERS, item["id"])
        clean = engine.validate(CUSTOMERS, item, partial=True, prefix=f"{index}.")
        clean.pop("addresses", None)
        clean.pop("authentication", None)
        if "email" in clean and _email_taken(ctx.store, clean["email"], record.record_id):
            raise invalid({f".customer_update.{index}": f"The email address {clean['email']} is already in use."},
                          "Error updating customers")
        updated.append(customer_render(ctx.store, engine.update(ctx.store, CUSTOMERS, record, clean), set()))
    return ok(updated, {})


def customers_delete(ctx):
    ids = engine.ids_param(ctx.params)
    if not ids:
        raise invalid({"id:in": "error.path.missing"}, "The id:in filter is required.")
    engine.records(ctx.store, CUSTOMERS).filter(record_id__in=ids).delete()
    engine.records(ctx.store, ADDRESSES).filter(parent_id__in=ids).delete()
    return empty_response()


def addresses_list(ctx):
    qs = engine.filter_v3(engine.records(ctx.store, ADDRESSES), ADDRESSES, ctx.params)
    records, meta = engine.paginate(qs, ctx.params)
    return ok([engine.select_fields(address_render(r), ctx.params) for r in records], meta)


def addresses_create(ctx):
    created = []
    for index, item in enumerate(_array(ctx.request, "addresses")):
        clean = engine.validate(ADDRESSES, item, partial=False, prefix=f"{index}.")
        customer_id = clean.pop("customer_id")
        if not engine.records(ctx.store, CUSTOMERS).filter(record_id=customer_id).exists():
            raise invalid({f"{index}.customer_id": "error.customer.notfound"}, "The customer does not exist.")
        created.append(address_render(engine.create(ctx.store, ADDRESSES, clean, parent_id=customer_id)))
    return ok(created, {})


def addresses_update(ctx):
    updated = []
    for index, item in enumerate(_array(ctx.request, "addresses")):
        if not isinstance(item, dict) or not isinstance(item.get("id"), int):
            raise invalid({f"{index}.id": "error.path.missing"})
        record = engine.record_get(ctx.store, ADDRESSES, item["id"])
        clean = engine.validate(ADDRESSES, item, partial=True, prefix=f"{index}.")
        clean.pop("customer_id", None)
        updated.append(address_render(engine.update(ctx.store, ADDRESSES, record, clean)))
    return ok(updated, {})


def addresses_delete(ctx):
    ids = engine.ids_param(ctx.params)
    if not ids:
        raise invalid({"id:in": "error.path.missing"}, "The id:in filter is required.")
    engine.records(ctx.store, ADDRESSES).filter(record_id__in=ids).delete()
    return empty_response()


def group_render(record) -> dict:
    return engine.render(GROUPS, record)


def groups_list(ctx):
    page, limit = engine.page_params(ctx.params)
    qs = engine.records(ctx.store, GROUPS).order_by("record_id")
    return raw([group_render(r) for r in qs[(page - 1) * limit: page * limit]])


def group_create(ctx):
    clean = engine.validate(GROUPS, body_json(ctx.request), partial=False)
    return raw(group_render(engine.create(ctx.store, GROUPS, clean)), 201)


def group_get(ctx, group_id):
    return raw(group_render(engine.record_get(ctx.store, GROUPS, group_id)))


def group_update(ctx, group_id):
    record = engine.record_get(ctx.store, GROUPS, group_id)
    clean = engine.validate(GROUPS, body_json(ctx.request), partial=True)
    return raw(group_render(engine.update(ctx.store, GROUPS, record, clean)))


def group_delete(ctx, group_id):
    engine.record_get(ctx.store, GROUPS, group_id).delete()
    return empty_response()


def groups_count(ctx):
    return raw({"count": engine.records(ctx.store, GROUPS).count()})


ROUTES = [
    ("v3", r"customers", {"GET": customers_list, "POST": customers_create, "PUT": customers_update,
                          "DELETE": customers_delete}),
    ("v3", r"customers/addresses", {"GET": addresses_list, "POST": addresses_create, "PUT": addresses_update,
                                    "DELETE": addresses_delete}),
    ("v2", r"customer_groups", {"GET": groups_list, "POST": group_create}),
    ("v2", r"customer_groups/count", {"GET": groups_count}),
    ("v2", r"customer_groups/(?P<group_id>\d+)", {"GET": group_get, "PUT": group_update, "DELETE": group_delete}),
]
