"""Order, LineItem, ShippingLine, TaxLine, Fulfillment and Location fields beyond what render.py fills
(schema_more_orders.graphql).

Amounts come from the order's stored totals, lines and transactions. What the sandbox has no notion of
(duties, additional fees, tips, cash rounding, disputes, returns, order edits, sales channels, Shopify
Protect, customer visits, bundles) is answered as Shopify answers an order without it: empty lists, zero
amounts, null or false, per the field's documentation; never an invented value."""
from __future__ import annotations

import hashlib
from decimal import Decimal

from graphql import GraphQLSchema

from ..models import SandboxRecord
from .binding import bind_fields, source_record, wrap_field
from .common import Ctx, gid, money_bag, money_v2, parse_gid
from .data import record_get, records

ZERO = Decimal(0)
RECEIVED_KINDS = ("SALE", "CAPTURE")


def _order(ctx: Ctx, source: dict) -> SandboxRecord:
    return source_record(ctx, source, "orders")


def _currencies(ctx: Ctx, data: dict) -> tuple[str, str]:
    currency = data.get("currencyCode") or ctx.currency
    return currency, data.get("presentmentCurrencyCode") or currency


def _bag(ctx: Ctx, data: dict, amount) -> dict:
    currency, presentment = _currencies(ctx, data)
    return money_bag(amount, currency, presentment)


def _sum(transactions: list, kinds: tuple) -> Decimal:
    return sum((Decimal(str(t.get("amount") or 0)) for t in transactions
                if t.get("kind") in kinds and t.get("status", "SUCCESS") == "SUCCESS"), ZERO)


def payments(data: dict) -> dict:
    """Received (sales and captures), refunded, and authorized-but-not-captured amounts of an order."""
    transactions = data.get("transactions") or []
    received = _sum(transactions, RECEIVED_KINDS)
    refunded = _sum(transactions, ("REFUND",))
    authorized = _sum(transactions, ("AUTHORIZATION",))
    voided = bool(data.get("cancelledAt")) or _sum(transactions, ("VOID",)) > 0
    capturable = ZERO if voided else max(ZERO, authorized - _sum(transactions, ("CAPTURE",)))
    return {"received": received, "refunded": refunded, "capturable": capturable}


def _total(data: dict, key: str) -> Decimal:
    return Decimal(str((data.get("totals") or {}).get(key) or 0))


def _quantity(data: dict) -> int:
    return sum(int(li.get("quantity") or 0) for li in data.get("lineItems") or [])


def _same_address(a: dict | None, b: dict | None) -> bool:
    def strip(address):
        return {k: v for k, v in (address or {}).items() if k != "id"}

    return strip(a) == strip(b)


def _refunded_shipping(data: dict) -> Decimal:
    total = ZERO
    for refund in data.get("refunds") or []:
        shipping = refund.get("shipping") or {}
        if shipping.get("amount") not in (None, ""):
            total += Decimal(str(shipping["amount"]))
    return total


def _status_page_url(ctx: Ctx, record: SandboxRecord) -> str:
    """The order status page on the shop's domain (`/<shop id>/orders/<token>/authenticate?key=<key>`); the
    token and key are derived from the order so that the URL is stable."""
    from .render import store_domain

    shop_id = ctx.store.settings.get("shop_id", ctx.store.pk)
    token = hashlib.sha256(f"{ctx.store.pk}:{record.record_id}:token".encode()).hexdigest()[:32]
    key = hashlib.sha256(f"{ctx.store.pk}:{record.record_id}:key".encode()).hexdigest()[:32]
    return f"https://{store_domain(ctx)}/{shop_id}/orders/{token}/authenticate?key={key}"


def _business_entity(ctx: Ctx, source: dict, **_) -> dict:
    """The shop itself: the sandbox shop has one business entity, its own name and billing address."""
    from .render import shop

    the_shop = shop(ctx)
    address = the_shop["billingAddress"]
    return {"id": gid("BusinessEntity", ctx.store.settings.get("shop_id", ctx.store.pk)),
            "displayName": the_shop["name"], "companyName": None, "primary": True,
            "address": {"address1": address.get("address1"), "address2": None, "city": address.get("city"),
                        "countryCode": address.get("countryCodeV2"), "province": address.get("province"),
                        "zip": address.get("zip")}}


def _order_fields() -> dict:
    def field(fn):
        return lambda ctx, source, **args: fn(ctx, _order(ctx, source), _order(ctx, source).data, **args)

    def bag_of(amount_of):
        return field(lambda ctx, record, d, **_: _bag(ctx, d, amount_of(d)))

    def constant(value):
        return lambda ctx, source, **_: value

    def zero_bag(ctx, source, **_):
        return _bag(ctx, _order(ctx, source).data, ZERO)

    def outstanding(d):
        if d.get("cancelledAt"):
            return ZERO
        return max(ZERO, _total(d, "total") - payments(d)["received"])  # refunds leave nothing to collect

    return {
        "additionalFees": constant([]), "app": field(lambda ctx, r, d, **_: d.get("app")),
        "billingAddressMatchesShippingAddress": field(
            lambda ctx, r, d, **_: _same_address(d.get("billingAddress"), d.get("shippingAddress"))),
        # as orderMarkAsPaid decides (mutations_sales.order_mark_as_paid)
        "canMarkAsPaid": field(lambda ctx, r, d, **_: not d.get("cancelledAt") and d.get("financialStatus") not in (
            "PAID", "PARTIALLY_REFUNDED", "REFUNDED", "VOIDED") and _total(d, "total") > payments(d)["received"]),
        "canNotifyCustomer": field(lambda ctx, r, d, **_: bool(d.get("email"))),
        "cancellation": field(lambda ctx, r, d, **_: {"staffNote": d.get("cancelStaffNote")}
                              if d.get("cancelledAt") else None),
        "capturable": field(lambda ctx, r, d, **_: payments(d)["capturable"] > 0),
        "cartDiscountAmountSet": field(lambda ctx, r, d, **_: _bag(ctx, d, _cart_discount(d))
                                       if _cart_discount(d) else None),
        "currentCartDiscountAmountSet": bag_of(_cart_discount),
        "channelInformation": constant(None), "clientIp": field(lambda ctx, r, d, **_: d.get("clientIp")),
        "confirmationNumber": field(lambda ctx, r, d, **_: d.get("confirmationNumber")),
        "currentShippingPriceSet": bag_of(lambda d: _total(d, "shipping")),
        "currentSubtotalLineItemsQuantity": field(lambda ctx, r, d, **_: _quantity(d)),
        "currentSubtotalPriceSet": bag_of(lambda d: _total(d, "subtotal")),
        "currentTotalAdditionalFeesSet": constant(None), "currentTotalDutiesSet": constant(None),
        "currentTotalDiscountsSet": bag_of(lambda d: _total(d, "discounts")),
        "currentTotalTaxSet": bag_of(lambda d: _total(d, "tax")),
        "currentTotalWeight": field(lambda ctx, r, d, **_: str(d.get("totalWeight", 0))),
        "customerAcceptsMarketing": field(lambda ctx, r, d, **_: bool(d.get("customerAcceptsMarketing"))),
        "customerJourneySummary": constant(None),
        "customerLocale": field(lambda ctx, r, d, **_: d.get("customerLocale")),
        "disputes": constant([]), "dutiesIncluded": constant(False), "edited": constant(False),
        "estimatedTaxes": constant(False),
        "fulfillable": field(lambda ctx, r, d, **_: not d.get("cancelledAt") and any(
            int(li.get("remainingQuantity") or 0) > 0 for li in (d.get("fulfillmentOrder") or {}).get(
                "lineItems") or [])),
        "fulfillmentsCount": field(lambda ctx, r, d, **_: {"count": len(d.get("fulfillments") or []),
                                                          "precision": "EXACT"}),
        "hasTimelineComment": constant(False), "merchantBusinessEntity": _business_entity,
        "merchantOfRecordApp": constant(None),
        "netPaymentSet": bag_of(lambda d: payments(d)["received"] - payments(d)["refunded"]),
        "number": field(lambda ctx, r, d, **_: int(d.get("number") or str(r.lookup).lstrip("#") or 0)),
        "originalTotalAdditionalFeesSet": constant(None), "originalTotalDutiesSet": constant(None),
        "originalTotalPriceSet": bag_of(lambda d: _total(d, "total")),
        "paymentGatewayNames": field(lambda ctx, r, d, **_: list(dict.fromkeys(
            t["gateway"] for t in d.get("transactions") or [] if t.get("gateway")))),
        "refundDiscrepancySet": zero_bag,
        "refundable": field(lambda ctx, r, d, **_: payments(d)["received"] - payments(d)["refunded"] > 0),
        "registeredSourceUrl": constant(None),
        "requiresShipping": field(lambda ctx, r, d, **_: any(li.get("requiresShipping", True)
                                                             for li in d.get("lineItems") or [])),
        "restockable": field(lambda ctx, r, d, **_: not d.get("cancelledAt") and any(
            li.get("variantId") for li in d.get("lineItems") or [])),
        "retailLocation": constant(None), "returnStatus": constant("NO_RETURN"), "shopifyProtect": constant(None),
        "statusPageUrl": field(lambda ctx, r, d, **_: _status_page_url(ctx, r)),
        "subtotalLineItemsQuantity": field(lambda ctx, r, d, **_: _quantity(d)),
        "taxExempt": field(lambda ctx, r, d, **_: bool(d.get("taxExempt"))),
        "totalCapturableSet": bag_of(lambda d: payments(d)["capturable"]),
        "totalCashRoundingAdjustment": field(lambda ctx, r, d, **_: {"paymentSet": _bag(ctx, d, ZERO),
                                                                     "refundSet": _bag(ctx, d, ZERO)}),
        "totalOutstandingSet": bag_of(outstanding),
        "totalReceivedSet": bag_of(lambda d: payments(d)["received"]),
        "totalRefundedShippingSet": bag_of(_refunded_shipping),
        "totalTipReceivedSet": zero_bag,
        "transactionsCount": field(lambda ctx, r, d, **_: {"count": len(d.get("transactions") or []),
                                                          "precision": "EXACT"}),
        "unpaid": field(lambda ctx, r, d, **_: payments(d)["received"] == 0),
    }


def _cart_discount(d: dict) -> Decimal:
    """Order-level discounts: the applications that target the whole order (`targetSelection: ALL`)."""
    applications = d.get("discountApplications") or []
    if not any(app.get("targetSelection", "ALL") == "ALL" and app.get("targetType", "LINE_ITEM") == "LINE_ITEM"
               for app in applications):
        return ZERO
    return _total(d, "discounts")


# ---------------------------------------------------------------- line items and shipping lines


def order_of_line(ctx: Ctx, line: dict) -> SandboxRecord | None:
    """The order holding a rendered line item (marked by the connection that listed it, else looked up)."""
    if line.get("_order") is not None:
        return line["_order"]
    parsed = parse_gid(line.get("id"))
    if parsed is None:
        return None
    for row in records(ctx, "orders").iterator():
        if any(li.get("id") == parsed[1] for li in row.data.get("lineItems") or []):
            return row
    return None


def _raw(items: list, object_id) -> dict:
    parsed = parse_gid(object_id)
    return next((i for i in items if parsed and i.get("id") == parsed[1]), {})


def discount_application(ctx: Ctx, data: dict, index: int) -> dict:
    """The order's discount application at `index`, as Order.discountApplications answers it."""
    app = (data.get("discountApplications") or [])[index]
    currency, _ = _currencies(ctx, data)
    value = ({"__typename": "PricingPercentageValue", "percentage": app["percentage"]}
             if app.get("percentage") is not None else {"__typename": "MoneyV2", **money_v2(app.get("amount", 0),
                                                                                           currency)})
    return {"__typename": "DiscountCodeApplication", "code": app.get("code", ""), "index": index,
            "allocationMethod": app.get("allocationMethod", "ACROSS"),
            "targetSelection": app.get("targetSelection", "ALL"), "targetType": app.get("targetType", "LINE_ITEM"),
            "value": value}


def _line_discount_allocations(ctx: Ctx, source: dict, **_) -> list:
    record = order_of_line(ctx, source)
    if record is None:
        return []
    d = record.data
    raw = _raw(d.get("lineItems") or [], source.get("id"))
    amount = Decimal(str(raw.get("discount") or 0))
    applications = d.get("discountApplications") or []
    if amount <= 0 or not applications:
        return []
    index = int(raw.get("discountApplicationIndex", 0))
    return [{"allocatedAmountSet": _bag(ctx, d, amount), "discountApplication": discount_application(ctx, d, index)}]


def _unfulfilled(price_key: str):
    def resolve(ctx: Ctx, source: dict, **_):
        unit = source[price_key]
        quantity = int(source.get("unfulfilledQuantity") or 0)

        def times(money: dict) -> dict:
            return money_v2(Decimal(money["amount"]) * quantity, money["currencyCode"])

        return {"shopMoney": times(unit["shopMoney"]), "presentmentMoney": times(unit["presentmentMoney"])}

    return resolve


def _shipping_raw(ctx: Ctx, source: dict) -> tuple[dict, dict]:
    record = source.get("_order")
    data = record.data if record is not None else {}
    return _raw(data.get("shippingLines") or [], source.get("id")), data


def _mark_order(ctx: Ctx, source: dict, item: dict) -> None:
    item["_order"] = _order(ctx, source)


def _mark_fulfillment_lines(ctx: Ctx, source: dict, item: dict) -> None:
    from .render import order_of_fulfillment

    parsed = parse_gid(source.get("id"))
    if parsed and isinstance(item.get("lineItem"), dict):
        item["lineItem"]["_order"] = order_of_fulfillment(ctx, parsed[1])


def _mark_fulfillment_order_lines(ctx: Ctx, source: dict, item: dict) -> None:
    parsed = parse_gid(source.get("orderId"))
    if parsed and isinstance(item.get("lineItem"), dict):
        item["lineItem"]["_order"] = record_get(ctx, "orders", parsed[1])


def bind(schema: GraphQLSchema) -> None:
    bind_fields(schema, "Order", _order_fields())
    wrap_field(schema, "Order", "lineItems", _mark_order)
    wrap_field(schema, "Order", "shippingLines", _mark_order)
    wrap_field(schema, "Order", "shippingLine", _mark_order)
    wrap_field(schema, "Fulfillment", "fulfillmentLineItems", _mark_fulfillment_lines)
    wrap_field(schema, "FulfillmentOrder", "lineItems", _mark_fulfillment_order_lines)
    bind_fields(schema, "LineItem", {
        "discountAllocations": _line_discount_allocations, "duties": lambda ctx, source, **_: [],
        "lineItemGroup": lambda ctx, source, **_: None,  # no bundles
        "unfulfilledDiscountedTotalSet": _unfulfilled("discountedUnitPriceSet"),
        "unfulfilledOriginalTotalSet": _unfulfilled("originalUnitPriceSet"),
    })
    bind_fields(schema, "ShippingLine", {
        "currentDiscountedPriceSet": lambda ctx, source, **_: source["discountedPriceSet"],
        "custom": lambda ctx, source, **_: bool(_shipping_raw(ctx, source)[0].get("custom")),
        "deliveryCategory": lambda ctx, source, **_: _shipping_raw(ctx, source)[0].get("deliveryCategory"),
        "discountAllocations": lambda ctx, source, **_: [],  # the store's discounts apply to line items
        "isRemoved": lambda ctx, source, **_: False,  # no order edits
        "phone": lambda ctx, source, **_: (_shipping_raw(ctx, source)[1].get("shippingAddress") or {}).get("phone"),
        "shippingRateHandle": lambda ctx, source, **_: _shipping_raw(ctx, source)[0].get("shippingRateHandle"),
    })
    bind_fields(schema, "TaxLine", {"source": lambda ctx, source, **_: source.get("source")})
    bind_fields(schema, "Fulfillment", {
        "estimatedDeliveryAt": lambda ctx, source, **_: source.get("estimatedDeliveryAt"),
        "service": lambda ctx, source, **_: None,  # fulfilled by the merchant at a shop location
    })
    bind_fields(schema, "Location", {
        "activatable": lambda ctx, source, **_: True,  # below the plan's location limit
        "fulfillmentService": lambda ctx, source, **_: None,  # a merchant-managed location
        "suggestedAddresses": lambda ctx, source, **_: [],
    })
