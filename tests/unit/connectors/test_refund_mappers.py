"""Refunds and transactions through the WooCommerce and Shopify mappers: canonical -> the platform's request ->
what the platform stores and answers -> canonical again (Hypothesis), plus the fixed points (statuses to
create with, parents of refund transactions). Pure functions: no HTTP, no database (the WooCommerce refund
lines are built by the sandbox's own `refund_line`, the one WooCommerce's wc_create_refund copies)."""
from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from connectors.entities import Order, OrderLine, Refund, RefundLine, Shipment, Transaction
from connectors.shopify import mappers as shopify_mappers
from connectors.shopify import payments as shopify_payments
from connectors.woocommerce import mappers as wc
from connectors.woocommerce import payments as wc_payments
from sandbox.woocommerce.refunds import refund_line

CENTS = st.integers(min_value=1, max_value=50_000).map(lambda c: Decimal(c) / 100)
WHEN = st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2026, 1, 1)).map(
    lambda d: d.replace(microsecond=0, tzinfo=UTC))
REASON = st.sampled_from(["", "Broken", "Wrong size", "Customer changed their mind"])


@st.composite
def orders_with_refunds(draw) -> Order:
    count = draw(st.integers(min_value=1, max_value=4))
    lines = [OrderLine(source_id=str(100 + i), name=f"Item {i}", quantity=draw(st.integers(1, 5)),
                       price=draw(CENTS)) for i in range(count)]
    for line in lines:
        line.subtotal = line.total = line.price * line.quantity
    refunds = []
    for n in range(draw(st.integers(min_value=0, max_value=3))):
        chosen = draw(st.lists(st.integers(0, count - 1), unique=True, max_size=count))
        refund_lines = [RefundLine(line_index=i, quantity=draw(st.integers(1, lines[i].quantity)), amount=draw(CENTS))
                        for i in chosen]
        shipping = draw(st.sampled_from([Decimal(0), Decimal("1.50")]))
        amount = sum((rl.amount for rl in refund_lines), shipping) + draw(st.sampled_from([Decimal(0), Decimal(2)]))
        when = draw(WHEN)
        refunds.append(Refund(source_id=str(900 + n), amount=amount or Decimal(1), reason=draw(REASON),
                              created_at=when, lines=refund_lines, shipping=shipping))
    paid = draw(WHEN)
    return Order(source_id="1", number="1001", status="completed", total=sum((li.total for li in lines), Decimal(5)),
                 payment_method="stripe", transaction_id="ch_1", paid_at=paid, lines=lines, refunds=refunds,
                 transactions=[Transaction(kind="sale", amount=Decimal(1), gateway="stripe", authorization="ch_1",
                                           processed_at=paid)])


def _woo_order_json(order: Order) -> dict:
    """The target order as WooCommerce answers it: line and shipping line ids of its own."""
    return {"id": 55, "total": str(order.total), "payment_method": "stripe", "transaction_id": "ch_1",
            "line_items": [{"id": 7000 + i, "name": li.name, "product_id": 0, "variation_id": 0,
                            "quantity": li.quantity, "total": str(li.total), "total_tax": "0.00", "taxes": []}
                           for i, li in enumerate(order.lines)],
            "shipping_lines": [{"id": 8000, "method_id": "flat_rate", "method_title": "Flat", "total": "5.00"}]}


def _woo_stores(body: dict, order_json: dict, refund_id: int) -> dict:
    """A refund as `orders/{id}/refunds` answers it after `POST` of `body` (wc_create_refund's lines)."""
    by_id = {li["id"]: ("line_items", li) for li in order_json["line_items"]}
    by_id.update({s["id"]: ("shipping_lines", s) for s in order_json["shipping_lines"]})
    stored = {"id": refund_id, "amount": body["amount"], "reason": body["reason"], "meta_data": body["meta_data"],
              "date_created_gmt": "2030-01-01T00:00:00", "line_items": [], "shipping_lines": []}
    for n, asked in enumerate(body["line_items"]):
        kind, item = by_id[asked["id"]]
        request = {"qty": asked.get("quantity", 0), "refund_total": asked["refund_total"], "refund_tax": {}}
        stored[kind].append(refund_line(kind, item, request, meta_id=n, line_id=9000 + n))
    return stored


@settings(max_examples=60, deadline=None)
@given(orders_with_refunds())
def test_woocommerce_refunds_round_trip_through_the_refund_api(order):
    order_json = _woo_order_json(order)
    stored = []
    for n, refund in enumerate(order.refunds):
        body = wc_payments.refund_to_wc(order, refund, order_json, wc.format_gmt)
        assert body["api_refund"] is False and body["api_restock"] is False  # recorded, no money nor stock moves
        stored.append(_woo_stores(body, order_json, 500 + n))
    read = wc_payments.refunds_from_wc(order_json, reversed(stored), wc.parse_gmt)  # the API lists newest first
    expected = sorted(order.refunds, key=lambda r: (r.created_at, r.source_id))
    assert [Refund.model_validate(r).model_dump(exclude={"source_id", "transactions"}) for r in read] == [
        r.model_dump(exclude={"source_id", "transactions"}) | {"lines": [
            line | {"source_id": str(7000 + line["line_index"])} for line in r.model_dump()["lines"]]}
        for r in expected]
    # each refund carries its money as one refund transaction through the order's gateway, dated with it
    assert [[(t["kind"], t["amount"], t["gateway"], t["processed_at"]) for t in r["transactions"]] for r in read] == [
        [("refund", r.amount, "stripe", r.created_at)] for r in expected]


def test_woocommerce_payment_and_creation_status():
    paid = datetime(2024, 3, 1, 12, 0, tzinfo=UTC)
    data = {"id": 3, "total": "42.50", "payment_method": "bacs", "transaction_id": "T-9",
            "meta_data": [{"key": wc_payments.PAID_DATE_META, "value": "2023-01-02T03:04:05"}]}
    [sale] = wc_payments.transactions_from_wc(data, paid, wc.parse_gmt)
    assert (sale["kind"], sale["amount"], sale["gateway"], sale["authorization"]) == ("sale", Decimal("42.50"), "bacs",
                                                                                        "T-9")
    assert sale["processed_at"] == datetime(2023, 1, 2, 3, 4, 5, tzinfo=UTC)  # the source's date wins
    assert wc_payments.transactions_from_wc(data, None, wc.parse_gmt) == []  # never paid: no payment
    refund = Refund(amount=Decimal(10))
    assert wc_payments.creation_status(Order(source_id="1", number="1", status="refunded", refunds=[refund])) == (
        "processing")
    assert wc_payments.creation_status(Order(source_id="1", number="1", status="refunded", refunds=[refund],
                                             shipments=[Shipment(tracking_number="1Z")])) == "completed"
    assert wc_payments.creation_status(Order(source_id="1", number="1", status="refunded")) == "refunded"
    body = wc.order_to_wc(Order(source_id="1", number="1", status="refunded", refunds=[refund],
                                transactions=[Transaction(amount=Decimal(10), processed_at=paid)]))
    assert body["status"] == "processing"
    assert {"key": wc_payments.PAID_DATE_META, "value": "2024-03-01T12:00:00"} in body["meta_data"]


def _money(amount: Decimal) -> dict:
    return {"shopMoney": {"amount": f"{amount:.2f}", "currencyCode": "EUR"}}


@settings(max_examples=60, deadline=None)
@given(orders_with_refunds())
def test_shopify_refunds_round_trip_through_refund_create(order):
    line_ids = [f"gid://shopify/LineItem/{40 + i}" for i in range(len(order.lines))]
    target = {"id": "gid://shopify/Order/9", "lineItems": {"nodes": [{"id": i} for i in line_ids]},
              "transactions": [{"id": "gid://shopify/OrderTransaction/77", "kind": "SALE", "status": "SUCCESS",
                                "gateway": "stripe"}]}
    nodes = []
    for n, refund in enumerate(order.refunds):
        refund_input, problem = shopify_payments.refund_input(refund, target)
        assert problem is None
        assert all(t["parentId"] == "gid://shopify/OrderTransaction/77" and t["kind"] == "REFUND"
                   for t in refund_input["transactions"])
        assert all(li["restockType"] == "NO_RESTOCK" for li in refund_input["refundLineItems"])
        # What Shopify answers for it: the lines' subtotals (as the source gave them), the money, the note.
        by_line = {rl.line_index: rl for rl in refund.lines}
        nodes.append({
            "id": f"gid://shopify/Refund/{300 + n}", "note": refund_input["note"],
            "processedAt": refund_input["processedAt"], "createdAt": "2030-01-01T00:00:00Z",
            "totalRefundedSet": _money(sum((Decimal(t["amount"]) for t in refund_input["transactions"]), Decimal(0))),
            "refundLineItems": {"nodes": [
                {"quantity": li["quantity"], "restockType": li["restockType"], "lineItem": {"id": li["lineItemId"]},
                 "subtotalSet": _money(by_line[line_ids.index(li["lineItemId"])].amount), "totalTaxSet": _money(0)}
                for li in refund_input["refundLineItems"]]},
            "refundShippingLines": {"nodes": [
                {"subtotalAmountSet": _money(Decimal(refund_input["shipping"]["amount"]))}]
                if refund_input.get("shipping") else []},
            "transactions": {"nodes": [
                {"id": f"gid://shopify/OrderTransaction/{600 + n}", "kind": "REFUND", "status": "SUCCESS",
                 "gateway": t["gateway"], "amountSet": _money(Decimal(t["amount"])),
                 "processedAt": refund_input["processedAt"], "parentTransaction": {"id": t["parentId"]}}
                for t in refund_input["transactions"]]},
        })
    read = shopify_payments.refunds_from_shopify(list(reversed(nodes)), [shopify_mappers.legacy(i) for i in line_ids])
    expected = sorted(order.refunds, key=lambda r: (r.created_at, r.source_id))
    assert [Refund.model_validate(r).model_dump(exclude={"source_id", "transactions"}) for r in read] == [
        r.model_dump(exclude={"source_id", "transactions"}) | {"lines": [
            line | {"source_id": str(40 + line["line_index"])} for line in r.model_dump()["lines"]]}
        for r in expected]
    assert [[(t["kind"], t["amount"], t["gateway"]) for t in r["transactions"]] for r in read] == [
        [("refund", r.amount, "stripe")] for r in expected]


def test_shopify_order_create_takes_the_payments_and_is_paid_before_its_refunds():
    paid = datetime(2024, 3, 1, 12, 0, tzinfo=UTC)
    order = Order(source_id="1", number="1042", status="refunded", total=Decimal("30"),
                  lines=[OrderLine(name="Tee", quantity=1, price=Decimal("30"))],
                  transactions=[Transaction(kind="sale", amount=Decimal("30"), gateway="paypal", authorization="PP-1",
                                            processed_at=paid)],
                  refunds=[Refund(amount=Decimal("30"))])
    payload, _ = shopify_mappers.order_create_input(order, currency="EUR", location_id=None, default_variants={})
    assert payload["financialStatus"] == "PAID"  # refundCreate makes it REFUNDED, with its lines
    assert payload["transactions"] == [{"kind": "SALE", "status": "SUCCESS", "gateway": "paypal",
                                        "amountSet": {"shopMoney": {"amount": "30", "currencyCode": "EUR"}},
                                        "authorizationCode": "PP-1", "processedAt": "2024-03-01T12:00:00Z"}]
    node = {"displayFinancialStatus": "PARTIALLY_REFUNDED", "displayFulfillmentStatus": "UNFULFILLED"}
    assert shopify_mappers.order_status_of(node) == "paid"  # not shipped; the refunds carry the money back
    shipped = {**node, "displayFulfillmentStatus": "FULFILLED"}
    assert shopify_mappers.order_status_of(shipped) == "partially_refunded"  # imported so: no refund records
    assert shopify_mappers.order_status_of({**shipped, "refunds": [{"id": "gid://shopify/Refund/1"}]}) == "fulfilled"
    none_paid, problem = shopify_payments.refund_input(Refund(amount=Decimal(1)), {"id": "x", "transactions": []})
    assert none_paid is None and "no payment" in problem
