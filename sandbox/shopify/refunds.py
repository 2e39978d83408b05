"""Order transactions and refunds of the Shopify sandbox: the stored shape, the GraphQL objects
(`OrderTransaction`, `Refund`, `RefundLineItem`, `RefundShippingLine`; `Order.transactions` / `Order.refunds`)
and what `refundCreate` records for its line items.

Stored on the order document:
- `transactions`: [{id, kind, status, gateway, amount, authorizationCode, processedAt, test, parentId?}];
- `refunds`: [{id, note, createdAt, processedAt, amount, transactionIds, lineItems: [{id, lineItemId, quantity,
  restockType, subtotal, tax}], shipping: {amount}}]. A REFUND transaction recorded without a refund (the
  seed's, an orderCancel that refunds) shows as a refund of its own, as Shopify shows one for it.

[shopify.dev/docs/api/admin-graphql/latest/objects/OrderTransaction, .../objects/Refund,
.../objects/RefundLineItem, .../mutations/refundCreate]
"""
from decimal import Decimal

from ..models import SandboxRecord
from .common import Ctx, gid, gid_id, iso, money, money_bag, money_v2, parse_when, user_error
from .data import new_ids, paginate_list

RESTOCKED_TYPES = frozenset({"RETURN", "CANCEL", "LEGACY_RESTOCK"})
CENT = Decimal("0.01")


def parent_id(t: dict, transactions: list[dict]) -> int | None:
    """The stored parent, else the one Shopify links: a capture or void to the authorization, a refund to
    the first successful sale or capture."""
    if t.get("parentId"):
        return t["parentId"]
    if t.get("kind") in ("REFUND", "CAPTURE", "VOID"):
        kinds = ("AUTHORIZATION",) if t["kind"] in ("CAPTURE", "VOID") else ("SALE", "CAPTURE")
        parent = next((p for p in transactions if p.get("kind") in kinds and p.get("status", "SUCCESS") == "SUCCESS"),
                      None)
        return parent["id"] if parent else None
    return None


def refunds_of(d: dict) -> list[dict]:
    """The order's refunds, oldest first: those recorded, and one per REFUND transaction that none covers."""
    stored = list(d.get("refunds") or [])
    covered = {tid for r in stored for tid in r.get("transactionIds") or []}
    stored += [{"id": t["id"], "note": None, "createdAt": t.get("processedAt"), "amount": t.get("amount"),
                "transactionIds": [t["id"]], "lineItems": []}
               for t in d.get("transactions") or [] if t.get("kind") == "REFUND" and t["id"] not in covered]
    return sorted(stored, key=lambda r: (r.get("processedAt") or r.get("createdAt") or "", r["id"]))


def transaction(ctx: Ctx, record: SandboxRecord, t: dict) -> dict:
    from . import render

    d = record.data
    currency = d.get("currencyCode") or ctx.currency
    presentment = d.get("presentmentCurrencyCode") or currency
    transactions = d.get("transactions") or []
    amount = t.get("amount", "0")
    parent = parent_id(t, transactions)
    by_id = {x["id"]: x for x in transactions}
    return {
        "__typename": "OrderTransaction", "id": gid("OrderTransaction", t["id"]), "kind": t.get("kind", "SALE"),
        "status": t.get("status", "SUCCESS"), "gateway": t.get("gateway"),
        "formattedGateway": (t.get("gateway") or "").replace("_", " ").title() or None,
        "amount": money(amount), "amountV2": money_v2(amount, currency),
        "amountSet": money_bag(amount, currency, presentment), "amountRoundingSet": None,
        "authorizationCode": t.get("authorizationCode"), "authorizationExpiresAt": None,
        "processedAt": t.get("processedAt"), "createdAt": t.get("processedAt") or iso(record.date_created_gmt),
        "test": bool(t.get("test")), "accountNumber": None, "errorCode": None, "fees": [],
        "manualPaymentGateway": (t.get("gateway") or "manual") == "manual",
        "manuallyCapturable": t.get("kind") == "AUTHORIZATION" and t.get("status", "SUCCESS") == "SUCCESS" and not any(
            x.get("kind") == "CAPTURE" and parent_id(x, transactions) == t["id"] for x in transactions),
        "multiCapturable": False, "maximumRefundable": None, "maximumRefundableV2": None,
        "paymentDetails": None, "paymentId": f"#{d.get('number', '')}.{t['id']}", "receiptJson": "{}",
        "settlementCurrency": None, "settlementCurrencyRate": None, "shopifyPaymentsSet": None,
        "totalUnsettled": None, "totalUnsettledSet": None, "totalUnsettledV2": None,
        "order": lambda info=None, **_: render.order(ctx, record),
        "parentTransaction": lambda info=None, **_: transaction(ctx, record, by_id[parent]) if parent in by_id
        else None,
    }


def refund(ctx: Ctx, record: SandboxRecord, r: dict) -> dict:
    from . import render

    d = record.data
    currency = d.get("currencyCode") or ctx.currency
    presentment = d.get("presentmentCurrencyCode") or currency
    by_id = {t["id"]: t for t in d.get("transactions") or []}
    mine = [by_id[tid] for tid in r.get("transactionIds") or [] if tid in by_id]
    total = sum((Decimal(t["amount"]) for t in mine if t.get("status", "SUCCESS") == "SUCCESS"), Decimal(0))
    lines = {li["id"]: li for li in d.get("lineItems") or []}
    fulfilled = render._fulfilled_quantities(d)  # noqa: SLF001 - the renderer's own helper, same package
    when = r.get("processedAt") or r.get("createdAt")

    def refund_line(item: dict) -> dict:
        li = lines.get(item.get("lineItemId"), {"id": item.get("lineItemId")})
        quantity = int(item.get("quantity") or 0)
        subtotal = Decimal(item["subtotal"]) if item.get("subtotal") is not None else line_share(li, quantity)[0]
        tax = Decimal(item.get("tax") or 0)
        restock = item.get("restockType") or "NO_RESTOCK"
        price = Decimal(li.get("price") or 0)
        return {"__typename": "RefundLineItem", "id": gid("RefundLineItem", item["id"]) if item.get("id") else None,
                "lineItem": render.line_item(ctx, li, currency, fulfilled), "location": None,
                "price": money(price), "priceSet": money_bag(price, currency, presentment), "quantity": quantity,
                "restockType": restock, "restocked": restock in RESTOCKED_TYPES,
                "subtotal": money(subtotal), "subtotalSet": money_bag(subtotal, currency, presentment),
                "totalTax": money(tax), "totalTaxSet": money_bag(tax, currency, presentment)}

    shipping_amount = Decimal(((r.get("shipping") or {}).get("amount")) or 0)
    shipping_lines = d.get("shippingLines") or []
    shipping = [{"__typename": "RefundShippingLine", "id": gid("RefundShippingLine", r["id"]),
                 "shippingLine": {"id": gid("ShippingLine", shipping_lines[0]["id"]),
                                  "title": shipping_lines[0].get("title", ""), "code": shipping_lines[0].get("code"),
                                  "originalPriceSet": money_bag(shipping_lines[0].get("price"), currency, presentment)},
                 "subtotalAmountSet": money_bag(shipping_amount, currency, presentment),
                 "taxAmountSet": money_bag(0, currency, presentment)}] if shipping_amount and shipping_lines else []
    return {
        "__typename": "Refund", "id": gid("Refund", r["id"]), "legacyResourceId": str(r["id"]), "note": r.get("note"),
        "createdAt": r.get("createdAt") or when, "processedAt": when, "updatedAt": r.get("createdAt") or when,
        "totalRefunded": money_v2(total, currency), "totalRefundedSet": money_bag(total, currency, presentment),
        "refundLineItems": lambda info=None, **args: paginate_list(ctx, r.get("lineItems") or [], args, refund_line),
        "refundShippingLines": lambda info=None, **args: paginate_list(ctx, shipping, args),
        "orderAdjustments": lambda info=None, **args: paginate_list(ctx, [], args),
        "transactions": lambda info=None, **args: paginate_list(ctx, mine, args,
                                                                lambda t: transaction(ctx, record, t)),
        "order": lambda info=None, **_: render.order(ctx, record),
    }


def order_fields(ctx: Ctx, record: SandboxRecord) -> dict:
    """`Order.transactions` and `Order.refunds` (merged into render.order)."""
    d = record.data

    def transactions(info=None, first=None, capturable=None, manuallyResolvable=None, **_):  # noqa: N803
        items = d.get("transactions") or []
        if capturable:
            items = [t for t in items if t.get("kind") == "AUTHORIZATION" and t.get("status", "SUCCESS") == "SUCCESS"]
        return [transaction(ctx, record, t) for t in items[:first or None]]

    def refunds(info=None, first=None, **_):
        return [refund(ctx, record, r) for r in refunds_of(d)[:first or None]]

    return {"transactions": transactions, "refunds": refunds}


def line_share(li: dict, quantity: int) -> tuple[Decimal, Decimal]:
    """(subtotal after discounts, tax) of `quantity` units of an order line."""
    ordered = int(li.get("quantity") or 0)
    if not ordered:
        return Decimal(0), Decimal(0)
    discounted = Decimal(li.get("price") or 0) * ordered - Decimal(li.get("discount") or 0)
    tax = sum((Decimal(t.get("price") or 0) for t in li.get("taxLines") or []), Decimal(0))
    return ((discounted * quantity / ordered).quantize(CENT), (tax * quantity / ordered).quantize(CENT))


def refund_items_build(ctx: Ctx, d: dict, refund_input: dict) -> tuple[list[dict], list[dict]]:
    """(stored refund line items, userErrors) for refundCreate's `refundLineItems`: each names a line of
    the order, for at most the quantity not refunded yet."""
    lines = {li["id"]: li for li in d.get("lineItems") or []}
    refunded: dict[int, int] = {}
    for r in d.get("refunds") or []:
        for item in r.get("lineItems") or []:
            refunded[item.get("lineItemId")] = refunded.get(item.get("lineItemId"), 0) + int(item.get("quantity") or 0)
    wanted = refund_input.get("refundLineItems") or []
    ids = new_ids(ctx, len(wanted)) if wanted else []
    out, errors = [], []
    for i, item in enumerate(wanted):
        path = ["input", "refundLineItems", str(i)]
        li = lines.get(gid_id(item.get("lineItemId"), "LineItem"))
        if li is None:
            errors.append(user_error([*path, "lineItemId"], "Line item does not exist"))
            continue
        quantity = int(item.get("quantity") or 0)
        left = int(li.get("quantity") or 0) - refunded.get(li["id"], 0)
        if quantity < 1 or quantity > left:
            errors.append(user_error([*path, "quantity"], f"Quantity cannot refund more items than were "
                                                          f"purchased ({left} left to refund)"))
            continue
        refunded[li["id"]] = refunded.get(li["id"], 0) + quantity
        subtotal, tax = line_share(li, quantity)
        out.append({"id": ids[i], "lineItemId": li["id"], "quantity": quantity,
                    "restockType": item.get("restockType") or "NO_RESTOCK", "subtotal": money(subtotal),
                    "tax": money(tax)})
    return out, errors


def refund_when(ctx: Ctx, refund_input: dict) -> tuple[str | None, list[dict]]:
    """RefundInput.processedAt ("if not provided, it will be set to the current time"): never in the future."""
    raw = refund_input.get("processedAt")
    if not raw:
        return iso(ctx.now), []
    when = parse_when(raw)
    if when is None or when > ctx.now:
        return None, [user_error(["input", "processedAt"], "Processed at is invalid")]
    return iso(when), []
