"""`QueryRoot.fulfillmentOrders` and the FulfillmentOrder fields beyond what render.py fills
(schema_fulfillment_orders.graphql).

The sandbox keeps one fulfillment order per order, inside the order record (`data.fulfillmentOrder`, its id
in the record's `group_id`), assigned to a merchant-managed location: so no fulfillment service requests,
holds, merges or international duties; the destination is the order's shipping address and the delivery
method its first shipping line."""
from __future__ import annotations

from django.db.models import F, Q
from graphql import GraphQLSchema

from ..models import SandboxRecord
from .binding import bind_fields
from .common import Ctx, gid, parse_gid
from .data import (
    SORT_UPDATED,
    Sort,
    empty_connection,
    paginate,
    paginate_list,
    readable,
    record_get,
    records,
    search_filter,
    search_parse,
)

CLOSED = ("CLOSED", "CANCELLED")
SORTS = {"ID": Sort(F("group_id")), "UPDATED_AT": SORT_UPDATED}


def _id_condition(term) -> Q:
    value = term.value.rsplit("/", 1)[-1]
    if not value.isdigit():
        return Q(pk__in=[])
    lookup = {":": "", ">": "__gt", ">=": "__gte", "<": "__lt", "<=": "__lte"}[term.op]
    return Q(**{f"group_id{lookup}": int(value)})


def fulfillment_orders_root(root, info, sortKey="ID", query=None, includeClosed=False, **args):  # noqa: N803
    """The shop's fulfillment orders (`id:` filters on the fulfillment order's id, dates on its order's)."""
    from .render import fulfillment_order

    ctx: Ctx = info.context
    qs = readable(ctx, "orders", records(ctx, "orders")).exclude(data__fulfillmentOrder=None).filter(
        group_id__isnull=False)
    terms = search_parse(query)
    for term in [t for t in terms if t.field == "id"]:
        qs = qs.exclude(_id_condition(term)) if term.negated else qs.filter(_id_condition(term))
    qs = search_filter(qs, [t for t in terms if t.field != "id"], {}, ctx)
    if not includeClosed:
        qs = qs.exclude(data__fulfillmentOrder__status__in=CLOSED)
    return paginate(ctx, qs, SORTS.get(sortKey, SORTS["ID"]), args, fulfillment_order)


def fulfillment_root(root, info, id):
    from .render import node_render

    return node_render(info.context, id) if parse_gid(id, "Fulfillment") else None


def _order(ctx: Ctx, source: dict) -> SandboxRecord | None:
    parsed = parse_gid(source.get("orderId"))
    return record_get(ctx, "orders", parsed[1]) if parsed else None


def _status(source: dict) -> str:
    return source.get("status") or "OPEN"


def _destination(ctx: Ctx, source: dict, **_):
    record = _order(ctx, source)
    address = (record.data.get("shippingAddress") if record else None) or None
    if address is None:
        return None  # nothing to ship
    return {"id": gid("FulfillmentOrderDestination", address.get("id", record.record_id)),
            "address1": address.get("address1"), "address2": address.get("address2"), "city": address.get("city"),
            "company": address.get("company"), "countryCode": address.get("countryCode"),
            "email": record.data.get("email"), "firstName": address.get("firstName"),
            "lastName": address.get("lastName"), "location": None, "phone": address.get("phone"),
            "province": address.get("province"), "zip": address.get("zip")}


def _delivery_method(ctx: Ctx, source: dict, **_):
    record = _order(ctx, source)
    lines = (record.data.get("shippingLines") or []) if record else []
    ships = any(li.get("requiresShipping", True) for li in (record.data.get("lineItems") or [])) if record else False
    first = lines[0] if lines else {}
    return {"id": gid("DeliveryMethod", first.get("id", source["id"].rsplit("/", 1)[-1])),
            "methodType": "SHIPPING" if ships else "NONE", "presentedName": first.get("title"),
            "serviceCode": first.get("code"), "sourceReference": None, "minDeliveryDateTime": None,
            "maxDeliveryDateTime": None, "additionalInformation": None, "brandedPromise": None}


def _fulfillments(ctx: Ctx, source: dict, **args):
    from .render import fulfillment

    record = _order(ctx, source)
    found = (record.data.get("fulfillments") or []) if record else []
    return paginate_list(ctx, found, args, lambda f: fulfillment(ctx, record, f))


def _supported_actions(ctx: Ctx, source: dict, **_):
    """What the sandbox can do with it: create a fulfillment while something remains to fulfil."""
    record = _order(ctx, source)
    remaining = any(int(li.get("remainingQuantity") or 0) > 0
                    for li in ((record.data.get("fulfillmentOrder") or {}).get("lineItems") or [])) if record else False
    if _status(source) in ("OPEN", "IN_PROGRESS") and remaining:
        return [{"action": "CREATE_FULFILLMENT", "externalUrl": None}]
    return []


def _locations_for_move(ctx: Ctx, source: dict, **args):
    """The other active locations: movable while the order is open, every line available where the location
    stocks its variant."""
    from .render import location, locations_all

    record = _order(ctx, source)
    if record is None:
        return empty_connection()
    assigned = (record.data.get("fulfillmentOrder") or {}).get("locationId")
    foli = (record.data.get("fulfillmentOrder") or {}).get("lineItems") or []
    lines = {li["id"]: li for li in record.data.get("lineItems") or []}
    stocked = {row.record_id: row.data.get("inventory") or {} for row in records(ctx, "variants").filter(
        record_id__in=[li.get("variantId") for li in lines.values() if li.get("variantId")])}
    candidates = [loc for loc in locations_all(ctx) if loc.record_id != assigned and loc.data.get("isActive", True)]

    def entry(loc):
        available = [i for i in foli if str(loc.record_id) in stocked.get(lines.get(i["lineItemId"], {}).get(
            "variantId"), {})]
        unavailable = [i for i in foli if i not in available]
        return {"location": location(ctx, loc), "movable": _status(source) == "OPEN" and not unavailable,
                "message": None,
                "availableLineItemsCount": {"count": len(available), "precision": "EXACT"},
                "unavailableLineItemsCount": {"count": len(unavailable), "precision": "EXACT"},
                "availableLineItems": _fo_lines(ctx, record, available),
                "unavailableLineItems": _fo_lines(ctx, record, unavailable)}

    return paginate_list(ctx, candidates, args, entry)


def _fo_lines(ctx: Ctx, record: SandboxRecord, items: list):
    from .render import fulfillment_order

    render_line = fulfillment_order(ctx, record)["lineItems"]
    wanted = {i["id"] for i in items}

    def resolve(info=None, **args):
        every = render_line(info, first=250)["nodes"]
        return paginate_list(ctx, [n for n in every if int(n["id"].rsplit("/", 1)[-1]) in wanted], args)

    return resolve


def _assigned_address(key: str):
    def resolve(ctx: Ctx, source: dict, **_):
        loc = source.get("location") or {}
        address = loc.get("address") or {}
        return address.get("countryCode") if key == "countryCode" else address.get(key)

    return resolve


def _fulfillment_line_total(price_key: str):
    def resolve(ctx: Ctx, source: dict, **_):
        from .common import money_v2

        unit = source["lineItem"][price_key]
        quantity = int(source.get("quantity") or 0)

        def times(money: dict) -> dict:
            from decimal import Decimal

            return money_v2(Decimal(money["amount"]) * quantity, money["currencyCode"])

        return {"shopMoney": times(unit["shopMoney"]), "presentmentMoney": times(unit["presentmentMoney"])}

    return resolve


def bind(schema: GraphQLSchema) -> None:
    schema.query_type.fields["fulfillmentOrders"].resolve = fulfillment_orders_root
    schema.query_type.fields["fulfillment"].resolve = fulfillment_root
    none = lambda ctx, source, **_: None  # noqa: E731
    bind_fields(schema, "FulfillmentOrder", {
        "channelId": none, "deliveryMethod": _delivery_method, "destination": _destination,
        "fulfillAt": none, "fulfillBy": none, "internationalDuties": none,
        "fulfillmentHolds": lambda ctx, source, **_: [],
        "fulfillmentOrdersForMerge": lambda ctx, source, **_: empty_connection(),
        "merchantRequests": lambda ctx, source, **_: empty_connection(),
        "fulfillments": _fulfillments, "locationsForMove": _locations_for_move,
        "orderProcessedAt": lambda ctx, source, **_: (_order(ctx, source).data.get("processedAt")
                                                      or source.get("createdAt")),
        "requestStatus": lambda ctx, source, **_: "UNSUBMITTED",  # merchant-managed: nothing is requested
        "supportedActions": _supported_actions,
    })
    bind_fields(schema, "FulfillmentOrderAssignedLocation", {
        name: _assigned_address(name) for name in ("address1", "address2", "city", "countryCode", "phone",
                                                   "province", "zip")})
    bind_fields(schema, "FulfillmentLineItem", {
        "discountedTotalSet": _fulfillment_line_total("discountedUnitPriceSet"),
        "originalTotalSet": _fulfillment_line_total("originalUnitPriceSet")})
    bind_fields(schema, "Fulfillment", {
        "events": lambda ctx, source, **_: empty_connection(),  # no fulfillment events recorded
        "fulfillmentOrders": lambda ctx, source, **args: paginate_list(
            ctx, [source["order"](None)] if source.get("order") else [], args,
            lambda o: _fulfillment_order_of(ctx, o)),
        "originAddress": lambda ctx, source, **_: None,
    })


def _fulfillment_order_of(ctx: Ctx, rendered_order: dict):
    from .render import fulfillment_order

    record = record_get(ctx, "orders", int(rendered_order["id"].rsplit("/", 1)[-1]))
    return fulfillment_order(ctx, record)
