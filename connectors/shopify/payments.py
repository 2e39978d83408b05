"""An order's transactions and refunds, Shopify GraphQL <-> canonical. No I/O.

Reading: `Order.transactions` gives the payments (a refund's own transactions travel with their refund);
`Order.refunds` the refunds: `note`, `processedAt`, `totalRefundedSet`, `refundLineItems` (line, quantity,
`subtotalSet` after discounts, `totalTaxSet`, `restockType`), `refundShippingLines`, `transactions`.
[shopify.dev/docs/api/admin-graphql/latest/objects/Refund, .../objects/OrderTransaction]

Writing: orderCreate takes the payments in `transactions` [.../mutations/orderCreate:
OrderCreateOrderTransactionInput]; each refund is a `refundCreate` afterwards [.../mutations/refundCreate]:
its lines by position with `restockType: NO_RESTOCK` (a historical refund moves no stock), refunded shipping,
and its money as REFUND transactions whose parent is the order's sale, `processedAt` the source's date.
"""
from __future__ import annotations

from decimal import Decimal
from typing import Any

from connectors.entities import Order, Refund

from .mappers import format_time, legacy, money_or_zero, parse_time

MONEY = "{ shopMoney { amount currencyCode } }"
TRANSACTION_FIELDS = (f"id kind status gateway authorizationCode processedAt amountSet {MONEY} "
                      "parentTransaction { id }")
REFUND_LINES = 10
# One order's refunds with their lines, shipping and transactions (~840 points: under the 1000 maximum).
REFUNDS_FIRST = 8
REFUND_FIELDS = f"""id note createdAt processedAt totalRefundedSet {MONEY}
  refundLineItems(first: {REFUND_LINES}) {{ nodes {{ quantity restockType subtotalSet {MONEY} totalTaxSet {MONEY}
    lineItem {{ id }} }} }}
  refundShippingLines(first: 3) {{ nodes {{ subtotalAmountSet {MONEY} }} }}
  transactions(first: 5) {{ nodes {{ {TRANSACTION_FIELDS} }} }}"""

KINDS_IN = {"SALE": "sale", "AUTHORIZATION": "authorization", "EMV_AUTHORIZATION": "authorization",
            "CAPTURE": "capture", "REFUND": "refund", "VOID": "void"}
STATUS_IN = {"SUCCESS": "success", "PENDING": "pending", "AWAITING_RESPONSE": "pending", "FAILURE": "failure",
             "ERROR": "error", "UNKNOWN": "error"}


def transaction_from_shopify(node: dict[str, Any]) -> dict[str, Any] | None:
    kind = KINDS_IN.get(str(node.get("kind") or ""))
    if kind is None:  # CHANGE, SUGGESTED_REFUND: not money that moved
        return None
    return {"source_id": legacy(node.get("id")), "kind": kind,
            "status": STATUS_IN.get(str(node.get("status") or ""), "error"),
            "amount": money_or_zero(node.get("amountSet")), "gateway": node.get("gateway") or "",
            "authorization": node.get("authorizationCode") or "", "processed_at": parse_time(node.get("processedAt")),
            "extra": {"parent_id": legacy((node.get("parentTransaction") or {}).get("id"))}
            if node.get("parentTransaction") else {}}


def transactions_from_shopify(nodes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The order's payments: every transaction but refunds (those are read with their refund)."""
    mapped = (transaction_from_shopify(t) for t in nodes if isinstance(t, dict) and t.get("kind") != "REFUND")
    return [t for t in mapped if t is not None]


def _nodes(value: Any) -> list[dict[str, Any]]:
    if isinstance(value, dict):
        value = value.get("nodes") or [e.get("node") for e in value.get("edges") or []]
    return [v for v in value or [] if isinstance(v, dict)]


def refunds_from_shopify(refunds: list[dict[str, Any]], line_ids: list[str]) -> list[dict[str, Any]]:
    """Refunds, oldest first; a refunded line by its position among the order's `line_ids`."""
    positions = {line_id: i for i, line_id in enumerate(line_ids)}
    out = []
    for node in refunds:
        lines = []
        for item in _nodes(node.get("refundLineItems")):
            line_id = legacy((item.get("lineItem") or {}).get("id"))
            if line_id not in positions:
                continue
            lines.append({"source_id": line_id, "line_index": positions[line_id],
                          "quantity": int(item.get("quantity") or 0), "amount": money_or_zero(item.get("subtotalSet")),
                          "tax": money_or_zero(item.get("totalTaxSet"))})
        mapped = (transaction_from_shopify(t) for t in _nodes(node.get("transactions")))
        items = _nodes(node.get("refundLineItems"))
        shipping = _nodes(node.get("refundShippingLines"))
        out.append({
            "source_id": legacy(node.get("id")), "amount": money_or_zero(node.get("totalRefundedSet")),
            "reason": node.get("note") or "",
            "created_at": parse_time(node.get("processedAt")) or parse_time(node.get("createdAt")),
            "lines": lines,
            "shipping": sum((money_or_zero(s.get("subtotalAmountSet")) for s in shipping), Decimal(0)),
            "restock": any(i.get("restockType") not in (None, "NO_RESTOCK") for i in items),
            "transactions": [t for t in mapped if t is not None],
        })
    out.sort(key=lambda r: (r["created_at"] is None, r["created_at"] or 0, r["source_id"]))
    return out


def order_transactions_input(item: Order, currency: str) -> list[dict[str, Any]]:
    """orderCreate's `transactions`: the order's payments as they happened."""
    out = []
    for t in item.transactions:
        if t.kind == "refund":
            continue
        entry: dict[str, Any] = {"kind": t.kind.upper(), "status": t.status.upper(),
                                 "amountSet": {"shopMoney": {"amount": str(t.amount), "currencyCode": currency}},
                                 "gateway": t.gateway or "manual",
                                 "processedAt": format_time(t.processed_at or item.paid_at or item.created_at)}
        if t.authorization:
            entry["authorizationCode"] = t.authorization
        out.append(entry)
    return out


def refund_key(amount: Decimal, note: str) -> str:
    """What recognises a refund written before: its amount and note (the source's reason)."""
    return f"{Decimal(amount):.2f}|{(note or '').strip()}"


def refund_input(refund: Refund, order: dict[str, Any]) -> tuple[dict[str, Any] | None, str | None]:
    """(RefundInput, None) for `refund` on the Shopify order `order` (its line items and transactions as
    read), or (None, why not)."""
    line_ids = [n["id"] for n in _nodes(order.get("lineItems"))]
    parents = [t for t in order.get("transactions") or [] if t.get("kind") in ("SALE", "CAPTURE")
               and t.get("status") == "SUCCESS"]
    if not parents:
        return None, "the Shopify order has no payment to refund"
    lines = [{"lineItemId": line_ids[line.line_index], "quantity": line.quantity, "restockType": "NO_RESTOCK"}
             for line in refund.lines if line.line_index < len(line_ids) and line.quantity > 0]
    money = [t for t in refund.transactions if t.kind == "refund" and t.status == "success"] or None
    amounts = [(t.amount, t.gateway) for t in money] if money else [(refund.amount, "")]
    transactions = []
    for amount, gateway in amounts:
        if amount <= 0:
            continue
        parent = next((p for p in parents if not gateway or p.get("gateway") == gateway), parents[0])
        transactions.append({"orderId": order["id"], "parentId": parent["id"], "kind": "REFUND",
                             "gateway": gateway or parent.get("gateway") or "manual", "amount": str(amount)})
    if not transactions:
        return None, "a refund without money cannot be recorded on Shopify"
    out: dict[str, Any] = {"orderId": order["id"], "notify": False, "note": refund.reason or None,
                           "refundLineItems": lines, "transactions": transactions}
    if refund.created_at:
        out["processedAt"] = format_time(refund.created_at)
    if refund.shipping:
        out["shipping"] = {"amount": str(refund.shipping)}
    return out, None
