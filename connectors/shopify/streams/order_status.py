"""What moving a Shopify order to a status takes (`status_plan`): orderMarkAsPaid
[shopify.dev/docs/api/admin-graphql/latest/mutations/orderMarkAsPaid], a fulfillment, orderCancel
[.../mutations/orderCancel] (`refundMethod`, nothing restocked, no customer notification; Shopify cancels
only orders with nothing fulfilled) or, for a shipped order refunded, refundCreate [.../mutations/refundCreate]
of what was paid; a status Shopify cannot reach is a warning."""
from __future__ import annotations

from decimal import Decimal
from typing import Any

from .. import mappers


class StatusPlan:
    """What moving a Shopify order to a status takes: orderMarkAsPaid, a fulfillment, orderCancel (with a
    refund or not); `warnings` for the moves Shopify's API cannot make."""

    def __init__(self) -> None:
        self.mark_paid = self.fulfill = self.cancel = self.cancel_refunds = False
        self.refunds: list[tuple[str, str, Decimal]] = []  # refundCreate: (parent transaction, gateway, amount)
        self.warnings: list[str] = []


def status_plan(order: dict[str, Any], wanted: str, *, refunded_on_source: bool = False) -> StatusPlan:
    """`refunded_on_source`: the order carries refunds of its own (written with refundCreate), so a paid or
    fulfilled status is met by a partially refunded order."""
    plan = StatusPlan()
    current = mappers.order_status_of(order)
    if wanted == current or wanted not in mappers.ORDER_STATUSES:
        return plan
    financial = str(order.get("displayFinancialStatus") or "PENDING").lower()
    fulfilled = any(f.get("status") == "SUCCESS" for f in order.get("fulfillments") or [])
    if order.get("cancelledAt"):
        plan.warnings.append(f"Status not changed to {wanted}: the order is cancelled on Shopify ({current}), "
                             "which cannot be undone.")
    elif wanted == "refunded" and fulfilled:
        plan.refunds = refundable(order)  # shipped: refund the money, the order stays (not cancellable)
        if not plan.refunds:
            plan.warnings.append("Status not changed to refunded: nothing paid on the Shopify order is left "
                                 "to refund.")
    elif wanted in ("voided", "refunded"):
        if fulfilled:
            plan.warnings.append(f"Status not changed to {wanted}: Shopify cancels only orders with nothing "
                                 "fulfilled; cancel its fulfillments in the Shopify admin.")
        else:
            plan.cancel = True
            plan.cancel_refunds = wanted == "refunded"
    elif wanted in ("paid", "fulfilled") and financial == "partially_refunded" and refunded_on_source:
        plan.fulfill = wanted == "fulfilled" and order.get("displayFulfillmentStatus") != "FULFILLED"
    elif wanted in ("paid", "fulfilled") and financial in ("refunded", "partially_refunded"):
        plan.warnings.append(f"Status not changed to {wanted}: the order is {financial} on Shopify, and a "
                             "refund cannot be taken back.")
    elif wanted in ("paid", "fulfilled"):
        plan.mark_paid = financial in ("pending", "authorized", "partially_paid", "expired")
        plan.fulfill = wanted == "fulfilled"
        if wanted == "paid" and order.get("displayFulfillmentStatus") == "FULFILLED":
            plan.warnings.append("Status not changed to paid: the order is fulfilled on Shopify, and the "
                                 "connector does not cancel fulfillments.")
        elif not plan.mark_paid and financial not in mappers.PAID_STATUSES:
            plan.warnings.append(f"Status not changed to {wanted}: Shopify cannot mark a {financial} order as paid.")
            plan.fulfill = False
    else:
        plan.warnings.append(f"Status not changed to {wanted}: Shopify's API cannot set an order to {wanted} "
                             f"after it was created (it is {current}).")
    return plan


def refundable(order: dict[str, Any]) -> list[tuple[str, str, Decimal]]:
    """(parent transaction id, gateway, amount) refunds covering what was paid and not yet refunded,
    taken from the successful SALE/CAPTURE transactions in order."""
    def amount(t: dict[str, Any]) -> Decimal:
        return Decimal(str(((t.get("amountSet") or {}).get("shopMoney") or {}).get("amount") or 0))

    done = [t for t in order.get("transactions") or [] if t.get("status") == "SUCCESS"]
    left = sum((amount(t) for t in done if t.get("kind") in ("SALE", "CAPTURE")), Decimal(0)) - sum(
        (amount(t) for t in done if t.get("kind") == "REFUND"), Decimal(0))
    out = []
    for t in done:
        if t.get("kind") in ("SALE", "CAPTURE") and left > 0:
            share = min(amount(t), left)
            out.append((t["id"], t.get("gateway") or "manual", share))
            left -= share
    return out
