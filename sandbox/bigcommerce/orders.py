"""Orders v2: `/orders` (page/limit, `min_id`, `status_id`, `min_date_created`, `min_date_modified`, ...;
an empty list is a 204), `/orders/count`, `/orders/{id}` (PUT moves `status_id`), its `products`,
`shipping_addresses` and `shipments` (POST with `order_address_id`, `items`, `tracking_number`: the
order becomes Shipped or Partially Shipped), `/order_statuses`, `/store` and `/time`
(reference/orders.v2.oas2.yml, store_information.v2.yml). Money is rendered as v2 does: strings with
four decimals. Dates are RFC 2822."""
import time
from decimal import Decimal, InvalidOperation

from ..records import now_utc
from . import engine
from .responses import ApiError, body_json, empty_response, not_found, parse_date, raw, v2_date

# (id, name) of BigCommerce's fixed order statuses (GET /v2/order_statuses).
STATUSES = {0: "Incomplete", 1: "Pending", 2: "Shipped", 3: "Partially Shipped", 4: "Refunded", 5: "Cancelled",
            6: "Declined", 7: "Awaiting Payment", 8: "Awaiting Pickup", 9: "Awaiting Shipment", 10: "Completed",
            11: "Awaiting Fulfillment", 12: "Manual Verification Required", 13: "Disputed", 14: "Partially Refunded"}
ORDERS = engine.Resource("orders", fields={})
LINES = engine.Resource("order_products", fields={}, dates=False)
ADDRESSES = engine.Resource("order_addresses", fields={}, dates=False)
SHIPMENTS = engine.Resource("shipments", fields={})
TRACKING = {"ups": "https://www.ups.com/track?tracknum={}", "usps": "https://tools.usps.com/go/TrackConfirmAction?tLabels={}",
            "fedex": "https://www.fedex.com/fedextrack/?trknbr={}"}
SORTS = {"id": "record_id", "date_created": "date_created_gmt", "date_modified": "date_modified_gmt",
         "status_id": "status"}


def money(value) -> str:
    try:
        return f"{Decimal(str(value or 0)):.4f}"
    except InvalidOperation:
        raise ApiError(400, f"The field value '{value}' is not a valid amount.") from None


def _order(ctx, order_id):
    record = engine.records(ctx.store, ORDERS).filter(record_id=int(order_id)).first()
    if record is None:
        raise not_found()
    return record


def _consignments(ctx, record) -> list:
    """`include=consignments.line_items`: the order's shipping addresses, each with its lines, in one answer
    (orders.v2.oas2.yml `order_includes`; as `consignment_structure=array` answers it)."""
    lines = list(engine.records(ctx.store, LINES, record.record_id).order_by("record_id"))
    shipping = []
    for address in engine.records(ctx.store, ADDRESSES, record.record_id).order_by("record_id"):
        shipping.append({"id": address.record_id, "order_id": record.record_id, **address.data,
                         "line_items": [{"id": r.record_id, "order_id": record.record_id, **r.data}
                                        for r in lines if r.data.get("order_address_id") == address.record_id]})
    return [{"pickups": [], "shipping": shipping, "downloads": [], "email": {"gift_certificates": []}}]


def order_render(ctx, record) -> dict:
    base = ctx.request.build_absolute_uri(ctx.request.path.split("/v2/")[0] + "/v2")
    status_id = int(record.status or 0)
    sub = {name: {"url": f"{base}/orders/{record.record_id}/{name}", "resource": f"/orders/{record.record_id}/{name}"}
           for name in ("products", "shipping_addresses", "coupons")}
    shipped = record.data.get("date_shipped")
    if "consignments" in {i.split(".")[0] for i in engine.includes(ctx.params)}:
        sub["consignments"] = _consignments(ctx, record)
    return {"id": record.record_id, **record.data, "date_created": v2_date(record.date_created_gmt),
            "date_modified": v2_date(record.date_modified_gmt),
            "date_shipped": v2_date(parse_date(shipped)) if shipped else "",
            "status_id": status_id, "status": STATUSES.get(status_id, ""), "custom_status": STATUSES.get(status_id, ""),
            **sub}


def _int_param(params, name):
    try:
        return int(params[name])
    except (TypeError, ValueError):
        raise ApiError(400, f"The filter '{name}' is invalid.") from None


def orders_query(ctx):
    params, qs = ctx.params, engine.records(ctx.store, ORDERS)
    for name, lookup in (("min_id", "record_id__gte"), ("max_id", "record_id__lte"),
                         ("customer_id", "data__customer_id"), ("status_id", "status")):
        if params.get(name, "") != "":
            value = _int_param(params, name)
            qs = qs.filter(**{lookup: str(value) if name == "status_id" else value})
    for name, lookup in (("min_date_created", "date_created_gmt__gte"), ("max_date_created", "date_created_gmt__lte"),
                         ("min_date_modified", "date_modified_gmt__gte"),
                         ("max_date_modified", "date_modified_gmt__lte")):
        if params.get(name):
            parsed = parse_date(params[name])
            if parsed is None:
                raise ApiError(400, f"The filter '{name}' is not a valid date.")
            qs = qs.filter(**{lookup: parsed})
    if params.get("email"):
        qs = qs.filter(data__billing_address__email__iexact=params["email"])
    if params.get("external_order_id"):
        qs = qs.filter(data__external_order_id=params["external_order_id"])
    return qs


def orders_list(ctx):
    page, limit = engine.page_params(ctx.params)
    field, _, direction = ctx.params.get("sort", "id:asc").partition(":")
    order = ("-" if direction == "desc" else "") + SORTS.get(field, "record_id")
    records = orders_query(ctx).order_by(order, "record_id")[(page - 1) * limit: page * limit]
    return raw([order_render(ctx, r) for r in records])


def orders_count(ctx):
    qs = orders_query(ctx)
    statuses = [{"id": sid, "name": name, "system_label": name, "custom_label": name, "system_description": "",
                 "count": qs.filter(status=str(sid)).count(), "sort_order": sid} for sid, name in STATUSES.items()]
    return raw({"statuses": statuses, "count": qs.count()})


def order_get(ctx, order_id):
    return raw(order_render(ctx, _order(ctx, order_id)))


def _status(value) -> str:
    if not isinstance(value, int) or value not in STATUSES:
        raise ApiError(400, "The field 'status_id' is invalid.")
    return str(value)


def _options_of(variant) -> list:
    """The `product_options` of a line of a variant with option values (as the order shows the shopper's
    choice); [] for a product's base variant."""
    return [{"product_option_id": v.get("option_id"), "display_name": v.get("option_display_name", ""),
             "display_value": v.get("label", ""), "value": str(v.get("id", ""))}
            for v in ((variant.data.get("option_values") if variant else None) or [])]


def order_create_record(store, body: dict, *, created=None, status_id: int | None = None):
    """Create an order from a v2 document (also used by the seed): billing address and products are
    required; a product line names a catalog `product_id` or is a custom line with `name` and prices."""
    from .specs import PRODUCTS, VARIANTS

    if not isinstance(body, dict):
        raise ApiError(400, "The request body is invalid.")
    for name in ("billing_address", "products"):
        if not body.get(name):
            raise ApiError(400, f"The required field '{name}' was not supplied.")
    lines = []
    for line in body["products"]:
        if not isinstance(line, dict) or not isinstance(line.get("quantity"), int) or line["quantity"] < 1:
            raise ApiError(400, "The field 'products' is invalid.")
        if line.get("product_id"):
            product = engine.records(store, PRODUCTS).filter(record_id=line["product_id"]).first()
            if product is None:
                raise ApiError(400, f"Product ID {line['product_id']} does not exist.")
            variant = engine.records(store, VARIANTS, product.record_id).filter(
                record_id=line.get("variant_id") or 0).first()
            price = line.get("price_inc_tax", (variant and variant.data.get("price")) or product.data["price"])
            lines.append({"product_id": product.record_id, "variant_id": variant.record_id if variant else None,
                          "name": product.data["name"], "sku": (variant.data["sku"] if variant else product.lookup),
                          "quantity": line["quantity"], "price": price, "price_ex": line.get("price_ex_tax", price),
                          "product_options": line.get("product_options") or _options_of(variant)})
        elif line.get("name"):
            lines.append({"product_id": 0, "variant_id": None, "name": line["name"], "sku": line.get("sku", ""),
                          "quantity": line["quantity"], "price": line.get("price_inc_tax", line.get("price_ex_tax", 0)),
                          "price_ex": line.get("price_ex_tax", line.get("price_inc_tax", 0)),
                          "product_options": []})
        else:
            raise ApiError(400, "The field 'products' is invalid.")
    subtotal = sum(Decimal(str(line["price"] or 0)) * line["quantity"] for line in lines)
    subtotal_ex = sum(Decimal(str(line["price_ex"] or 0)) * line["quantity"] for line in lines)
    shipping = Decimal(str(body.get("shipping_cost_inc_tax", 0) or 0))
    shipping_ex = Decimal(str(body.get("shipping_cost_ex_tax", shipping) or 0))
    discount = Decimal(str(body.get("discount_amount", 0) or 0))

    def given(name, default):  # the documented "override value" of a total (order_Post)
        return Decimal(str(body[name])) if body.get(name) not in (None, "") else default

    subtotal_ex, subtotal = given("subtotal_ex_tax", subtotal_ex), given("subtotal_inc_tax", subtotal)
    total = given("total_inc_tax", subtotal + shipping - discount)
    total_ex = given("total_ex_tax", subtotal_ex + shipping_ex - discount)
    items = sum(line["quantity"] for line in lines)
    data = {"customer_id": body.get("customer_id", 0), "billing_address": body["billing_address"],
            "subtotal_ex_tax": money(subtotal_ex), "subtotal_inc_tax": money(subtotal),
            "subtotal_tax": money(subtotal - subtotal_ex),
            "base_shipping_cost": money(shipping_ex), "shipping_cost_ex_tax": money(shipping_ex),
            "shipping_cost_inc_tax": money(shipping), "total_ex_tax": money(total_ex), "total_inc_tax": money(total),
            "total_tax": money(total - total_ex), "items_total": items, "items_shipped": 0,
            "payment_method": body.get("payment_method", "Manual"),
            "payment_status": body.get("payment_status", ""), "refunded_amount": money(body.get("refunded_amount", 0)),
            "currency_code": body.get("currency_code") or "USD", "discount_amount": money(discount),
            "coupon_discount": money(body.get("coupon_discount", 0)),
            "customer_message": body.get("customer_message", ""),
            "staff_notes": body.get("staff_notes", ""), "external_source": body.get("external_source"),
            "external_id": body.get("external_id"), "external_order_id": body.get("external_order_id"),
            "channel_id": body.get("channel_id", 1), "is_deleted": False,
            "order_is_digital": False, "ip_address": body.get("ip_address", ""), "date_shipped": None,
            "order_source": "external" if body.get("external_source") else "manual"}
    status = _status(body.get("status_id", 1) if status_id is None else status_id)
    record = engine.create(store, ORDERS, data, status=status)
    if created is not None or body.get("date_created"):
        record.date_created_gmt = created or parse_date(body["date_created"]) or record.date_created_gmt
        record.date_modified_gmt = max(record.date_created_gmt, record.date_modified_gmt) if created is None \
            else record.date_created_gmt
        record.save(update_fields=["date_created_gmt", "date_modified_gmt"])
    shipping_addresses = body.get("shipping_addresses") or [body["billing_address"]]
    address_ids = []
    for address in shipping_addresses:
        row = engine.create(store, ADDRESSES, {**address, "items_total": items, "items_shipped": 0,
                                               "shipping_method": address.get("shipping_method", "Flat Rate"),
                                               "base_cost": money(shipping), "cost_inc_tax": money(shipping)},
                            parent_id=record.record_id)
        address_ids.append(row.record_id)
    for line in lines:
        price, price_ex = money(line.pop("price")), money(line.pop("price_ex"))
        engine.create(store, LINES, {**line, "order_address_id": address_ids[0], "price_ex_tax": price_ex,
                                     "price_inc_tax": price, "base_price": price_ex,
                                     "total_ex_tax": money(Decimal(price_ex) * line["quantity"]),
                                     "total_inc_tax": money(Decimal(price) * line["quantity"]),
                                     "quantity_shipped": 0, "quantity_refunded": 0, "type": "physical"},
                      parent_id=record.record_id)
    return record


def order_create(ctx):
    return raw(order_render(ctx, order_create_record(ctx.store, body_json(ctx.request))), 201)


def order_update(ctx, order_id):
    record = _order(ctx, order_id)
    body = body_json(ctx.request)
    if not isinstance(body, dict):
        raise ApiError(400, "The request body is invalid.")
    status = _status(body["status_id"]) if "status_id" in body else None
    editable = ("customer_message", "staff_notes", "payment_method", "billing_address", "external_id",
                "payment_status", "refunded_amount")
    changes = {k: v for k, v in body.items() if k in editable}
    engine.update(ctx.store, ORDERS, record, changes, status=status)
    return raw(order_render(ctx, record))


def order_delete(ctx, order_id):
    record = _order(ctx, order_id)
    engine.update(ctx.store, ORDERS, record, {"is_deleted": True}, status="0")
    record.delete()
    return empty_response()


def _children(ctx, order_id, spec):
    order = _order(ctx, order_id)
    page, limit = engine.page_params(ctx.params)
    qs = engine.records(ctx.store, spec, order.record_id).order_by("record_id")[(page - 1) * limit: page * limit]
    return order, list(qs)


def lines_list(ctx, order_id):
    order, rows = _children(ctx, order_id, LINES)
    return raw([{"id": r.record_id, "order_id": order.record_id, **r.data} for r in rows])


def addresses_list(ctx, order_id):
    order, rows = _children(ctx, order_id, ADDRESSES)
    return raw([{"id": r.record_id, "order_id": order.record_id, **r.data} for r in rows])


def shipment_render(record) -> dict:
    return {"id": record.record_id, "order_id": record.parent_id, **record.data,
            "date_created": v2_date(record.date_created_gmt)}


def shipments_list(ctx, order_id):
    _, rows = _children(ctx, order_id, SHIPMENTS)
    return raw([shipment_render(r) for r in rows])


def shipment_create(ctx, order_id):
    return raw(shipment_render(shipment_create_record(ctx.store, _order(ctx, order_id), body_json(ctx.request))), 201)


def shipment_create_record(store, order, body):
    """Ship `items` of one shipping address; the order's status follows: Shipped when every item is
    shipped, Partially Shipped otherwise (as the control panel does)."""
    if not isinstance(body, dict):
        raise ApiError(400, "The request body is invalid.")
    for name in ("order_address_id", "items"):
        if not body.get(name):
            raise ApiError(400, f"The required field '{name}' was not supplied.")
    address = engine.records(store, ADDRESSES, order.record_id).filter(record_id=body["order_address_id"]).first()
    if address is None:
        raise ApiError(400, "The field 'order_address_id' is invalid.")
    lines = {r.record_id: r for r in engine.records(store, LINES, order.record_id)}
    items = []
    for item in body["items"]:
        line = lines.get(item.get("order_product_id")) if isinstance(item, dict) else None
        quantity = item.get("quantity") if isinstance(item, dict) else None
        if line is None or not isinstance(quantity, int) or quantity < 1:
            raise ApiError(400, "The field 'items' is invalid.")
        if line.data["quantity_shipped"] + quantity > line.data["quantity"]:
            raise ApiError(400, f"Order product {line.record_id} has only "
                                f"{line.data['quantity'] - line.data['quantity_shipped']} item(s) left to ship.")
        items.append({"order_product_id": line.record_id, "product_id": line.data["product_id"], "quantity": quantity})
    for item in items:
        line = lines[item["order_product_id"]]
        engine.update(store, LINES, line, {"quantity_shipped": line.data["quantity_shipped"] + item["quantity"]})
    number = str(body.get("tracking_number") or "")
    carrier = str(body.get("tracking_carrier") or body.get("shipping_provider") or "")
    record = engine.create(store, SHIPMENTS, {
        "customer_id": order.data.get("customer_id", 0), "order_address_id": address.record_id,
        "tracking_number": number,
        "shipping_method": body.get("shipping_method", address.data.get("shipping_method", "")),
        "shipping_provider": body.get("shipping_provider", ""), "tracking_carrier": body.get("tracking_carrier", ""),
        "tracking_link": body.get("tracking_link", ""), "comments": body.get("comments", ""),
        "generated_tracking_link": TRACKING.get(carrier.lower(), "").format(number) if number else "",
        "billing_address": order.data.get("billing_address"), "shipping_address": address.data, "items": items,
    }, parent_id=order.record_id)
    shipped = sum(r.data["quantity_shipped"] for r in engine.records(store, LINES, order.record_id))
    status = "2" if shipped >= order.data["items_total"] else "3"
    engine.update(store, ORDERS, order, {"items_shipped": shipped, "date_shipped": now_utc().isoformat()},
                  status=status)
    return record


def shipment_get(ctx, order_id, shipment_id):
    order = _order(ctx, order_id)
    return raw(shipment_render(engine.record_get(ctx.store, SHIPMENTS, shipment_id, order.record_id)))


def shipment_update(ctx, order_id, shipment_id):
    order = _order(ctx, order_id)
    record = engine.record_get(ctx.store, SHIPMENTS, shipment_id, order.record_id)
    body = body_json(ctx.request)
    editable = ("tracking_number", "shipping_method", "shipping_provider", "tracking_carrier", "comments",
                "tracking_link")
    return raw(shipment_render(engine.update(ctx.store, SHIPMENTS, record,
                                             {k: v for k, v in (body or {}).items() if k in editable})))


def shipment_delete(ctx, order_id, shipment_id):
    order = _order(ctx, order_id)
    engine.record_get(ctx.store, SHIPMENTS, shipment_id, order.record_id).delete()
    return empty_response()


def statuses_list(ctx):
    return raw([{"id": sid, "name": name, "system_label": name, "custom_label": name, "system_description": "",
                 "order": sid} for sid, name in STATUSES.items()])


def store_info(ctx):
    """`GET /v2/store`: the store profile a connection check reads (name, currency, language, plan)."""
    store, settings = ctx.store, ctx.store.settings
    plan = settings.get("plan", "Standard")
    return raw({"id": settings.get("store_hash"), "account_uuid": "", "domain": f"{store.name}.example.com",
                "secure_url": f"https://{store.name}.example.com", "control_panel_base_url": "",
                "status": "live", "name": settings.get("title", store.name), "first_name": "Sandbox",
                "last_name": "Owner",
                "address": "", "country": "United States", "country_code": "US", "phone": "",
                "admin_email": settings.get("email", ""), "order_email": settings.get("email", ""),
                "timezone": {"name": "Etc/UTC", "raw_offset": 0, "dst_offset": 0, "dst_correction": False,
                             "date_format": {"display": "jS M Y", "export": "M jS Y",
                                             "extended_display": "M jS Y @ g:i A"}},
                "language": store.default_language, "currency": settings.get("currency", "USD"),
                "currency_symbol": "$", "decimal_separator": ".", "thousands_separator": ",", "decimal_places": 2,
                "currency_symbol_location": "left", "weight_units": "LBS", "dimension_units": "Inches",
                "dimension_decimal_places": "2", "dimension_decimal_token": ".", "dimension_thousands_token": ",",
                "plan_name": plan, "plan_level": plan, "plan_is_trial": False, "industry": "", "logo": [],
                "is_price_entered_with_tax": False, "store_id": int(settings.get("store_id", 0) or 0),
                "default_site_id": 1, "default_channel_id": 1, "active_comparison_modules": [],
                "features": {"stencil_enabled": True, "sitewidehttps_enabled": True, "facebook_catalog_id": "",
                             "checkout_type": "optimized", "wishlists_enabled": False,
                             "graphql_storefront_api_enabled": True, "shopper_consent_tracking_enabled": False,
                             "multi_storefront_enabled": True,
                             "storefront_limits": {"active": 1, "total_including_inactive": 1},
                             "multi_language_enabled": len(store.languages) > 1}})


def time_view(ctx):
    return raw({"time": int(time.time())})


ORDER = r"orders/(?P<order_id>\d+)"
ROUTES = [
    ("v2", r"store", {"GET": store_info}),
    ("v2", r"time", {"GET": time_view}),
    ("v2", r"order_statuses", {"GET": statuses_list}),
    ("v2", r"orders", {"GET": orders_list, "POST": order_create}),
    ("v2", r"orders/count", {"GET": orders_count}),
    ("v2", ORDER, {"GET": order_get, "PUT": order_update, "DELETE": order_delete}),
    ("v2", rf"{ORDER}/products", {"GET": lines_list}),
    ("v2", rf"{ORDER}/shipping_addresses", {"GET": addresses_list}),
    ("v2", rf"{ORDER}/shipments", {"GET": shipments_list, "POST": shipment_create}),
    ("v2", rf"{ORDER}/shipments/(?P<shipment_id>\d+)", {"GET": shipment_get, "PUT": shipment_update,
                                                    "DELETE": shipment_delete}),
]
