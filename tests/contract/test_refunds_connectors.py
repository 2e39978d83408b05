"""Refunds and transactions written and read by the WooCommerce and Shopify connectors over real HTTP against
their sandboxes: an order created with its payment and refunds reads back with the same money, a partially
refunded order stays open and a fully refunded one ends `refunded`; written again whole or as a `refunds`
field patch, the refunds it has are not written twice and a new one is added."""
from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from connectors.entities import EntityType, Order, OrderLine, Refund, RefundLine, ShippingLine, Transaction
from connectors.http import HttpClient
from connectors.shopify import ShopifyConnector
from connectors.woocommerce import WooCommerceConnector

pytestmark = pytest.mark.django_db(transaction=True)
ORDER = EntityType.ORDER
PAID = datetime(2024, 5, 2, 9, 30, tzinfo=UTC)


def _connect(cls, store: dict):
    return cls(base_url=store["base_url"], credentials=store["credentials"],
               http=HttpClient(max_retries=2, backoff_cap=0.2), options={})


def _order(number: str, status: str, refunds: list[Refund], gateway: str = "stripe") -> Order:
    lines = [OrderLine(name="Mug", quantity=3, price=Decimal("12.00"), subtotal=Decimal("36.00"),
                       total=Decimal("36.00")),
             OrderLine(name="Tee", quantity=1, price=Decimal("20.00"), subtotal=Decimal("20.00"),
                       total=Decimal("20.00"))]
    return Order(source_id=number, number=number, status=status, currency="EUR", email="ann@example.com",
                 lines=lines, shipping_lines=[ShippingLine(method="flat_rate", title="Flat", total=Decimal("5.00"))],
                 subtotal=Decimal("56.00"), shipping_total=Decimal("5.00"), total=Decimal("61.00"),
                 payment_method=gateway, transaction_id="ch_42", paid_at=PAID, created_at=PAID,
                 transactions=[Transaction(kind="sale", amount=Decimal("61.00"), gateway=gateway,
                                           authorization="ch_42", processed_at=PAID)],
                 refunds=refunds)


def _refund(amount: str, reason: str, day: int, lines=(), shipping="0", gateway="stripe") -> Refund:
    when = datetime(2024, 5, day, 8, 0, tzinfo=UTC)
    return Refund(amount=Decimal(amount), reason=reason, created_at=when, shipping=Decimal(shipping),
                  lines=[RefundLine(line_index=i, quantity=q, amount=Decimal(a)) for i, q, a in lines],
                  transactions=[Transaction(kind="refund", amount=Decimal(amount), gateway=gateway,
                                            processed_at=when)])


def money(order: Order) -> list:
    return [[(t.kind, t.amount, t.gateway, t.authorization, t.processed_at) for t in order.transactions],
            [(r.amount, r.reason, r.created_at, r.shipping,
              [(x.line_index, x.quantity, x.amount) for x in r.lines],
              [(t.kind, t.amount, t.gateway, t.processed_at) for t in r.transactions]) for r in order.refunds]]


@pytest.mark.parametrize("platform", ["woocommerce", "shopify"])
def test_refunds_and_transactions_write_read_and_write_again_once(platform, woo_store_factory,
                                                                  shopify_store_factory):
    if platform == "woocommerce":
        connector = _connect(WooCommerceConnector, woo_store_factory("refund-target"))
        open_status, read_status = "completed", "completed"
    else:
        from sandbox.models import SandboxStore
        from sandbox.services import sandbox_store_set_throttle

        store = shopify_store_factory("refund-target")
        sandbox_store_set_throttle(SandboxStore.objects.get(platform="shopify", name="refund-target"),
                                   restore_rate=100000, bucket_size=200000)
        connector = _connect(ShopifyConnector, store)
        open_status, read_status = "fulfilled", "fulfilled"  # shipped, partly refunded: the refunds say so
    partial = _order("2001", open_status, [_refund("17.00", "Late delivery", 5, [(0, 1, "12.00")], shipping="5.00")])
    full = _order("2002", "refunded", [_refund("20.00", "Wrong size", 6, [(1, 1, "20.00")]),
                                        _refund("41.00", "", 9)])
    results = connector.create(ORDER, [partial, full])
    assert [r.error for r in results] == [None, None] and all(not r.warnings for r in results), results
    ids = [r.target_id for r in results]
    read = [connector.get(ORDER, i) for i in ids]
    assert money(read[0]) == money(partial) and money(read[1]) == money(full)
    assert read[1].status == "refunded" and read[0].status == read_status

    # written again whole: nothing twice; then a new refund on the source, as a field patch: added once
    for target_id, item in zip(ids, (partial, full), strict=True):
        assert connector.update(ORDER, target_id, item).error is None
    assert [money(connector.get(ORDER, i)) for i in ids] == [money(partial), money(full)]
    later = partial.model_copy(update={"refunds": [*partial.refunds, _refund("2.50", "Goodwill", 12)]})
    for _ in range(2):
        result = connector.update(ORDER, ids[0], later, ["refunds"])
        assert result.error is None and result.warnings == []
    assert money(connector.get(ORDER, ids[0])) == money(later)


def test_a_refunded_order_whose_refunds_fall_short_ends_refunded_on_woocommerce(woo_store_factory):
    """WooCommerce agrees with `refunded` only when the refunds cover the total: the status is set after the
    refunds, which refunds what remains as WooCommerce does ("Order fully refunded.")."""
    connector = _connect(WooCommerceConnector, woo_store_factory("refund-short"))
    short = _order("3001", "refunded", [_refund("20.00", "Wrong size", 6, [(1, 1, "20.00")])], gateway="bacs")
    [result] = connector.create(ORDER, [short])
    assert result.error is None
    read = connector.get(ORDER, result.target_id)
    assert read.status == "refunded"
    assert [(r.amount, r.reason) for r in read.refunds] == [(Decimal("20.00"), "Wrong size"),
                                                           (Decimal("41.00"), "Order fully refunded.")]
