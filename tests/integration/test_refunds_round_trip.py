"""Refunds and transactions survive WooCommerce -> Shopify -> WooCommerce (issue 14), over real HTTP through a
real Celery worker: seeded refunded and partially refunded orders (refunds with lines, shipping and reasons,
"Order fully refunded." remainders), written again by a second full run and by a smart update that carries a
new refund, without a refund twice anywhere."""
from decimal import Decimal

import pytest
import requests

from accounts.services import user_create
from migrations_app.enums import IdMapState, RunKind, RunStatus
from migrations_app.models import EntityProgress, IdMap, RecordError
from migrations_app.services.runs import run_start
from migrations_app.services.smart_update import smart_update_configure

from .helpers import all_records, make_migration, wait_finished
from .test_shopify_migration import generous

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.worker]
ENTITIES = ["categories", "products", "customers", "orders"]


@pytest.fixture
def owner():
    return user_create(email="owner@refunds.example", password="a-long-password-1")


def money_of(order) -> dict:
    """What must survive of an order's money: its payments, and each refund (amount, reason, date, shipping)
    with its lines (position, quantity, amount before tax) and transactions. Not a refunded line's own tax:
    the connector gives Shopify an order's taxes at order level, so Shopify knows no tax per refunded line (the
    refund's amount, tax included, survives)."""
    def tx(t):
        return (t.kind, t.status, t.amount, t.gateway, t.authorization, t.processed_at)

    return {
        "transactions": [tx(t) for t in order.transactions],
        "refunds": [(r.amount, r.reason, r.created_at, r.shipping,
                     [(line.line_index, line.quantity, line.amount) for line in r.lines],
                     [tx(t) for t in r.transactions]) for r in order.refunds],
    }


def by_id(store) -> dict:
    return {o.source_id: o for o in all_records(store, "orders")}


def _orders_map(migration) -> dict:
    return dict(IdMap.objects.filter(migration=migration, entity="orders", state=IdMapState.DONE)
                .values_list("source_id", "target_id"))


def _full(migration, owner, worker):
    run = run_start(migration=migration, kind="full", user=owner)
    wait_finished(run, timeout=600, workers=[worker])
    errors = list(RecordError.objects.filter(run=run).values_list("entity", "message")[:5])
    assert run.status == RunStatus.COMPLETED, (run.error_message, errors)
    return run


def _smart(migration, owner, worker):
    run = run_start(migration=migration, kind=RunKind.SMART_UPDATE, user=owner, params={})
    wait_finished(run, timeout=300, workers=[worker])
    assert run.status == RunStatus.COMPLETED, (run.error_message, list(run.record_errors.all()[:5]))
    return run


def _woo(described: dict):
    auth = (described["credentials"]["consumer_key"], described["credentials"]["consumer_secret"])
    base = f"{described['base_url']}/wp-json/wc/v3/"
    return lambda method, path, **kw: requests.request(method, base + path, auth=auth, timeout=15, **kw)


def test_refunds_and_transactions_survive_woocommerce_to_shopify_to_woocommerce(
        owner, woo_store_factory, shopify_store_factory, start_worker):
    source = woo_store_factory("refunds-src", products=6, customers=3, orders=40, seed=7)
    middle = shopify_store_factory("refunds-mid")
    generous(middle)
    back = woo_store_factory("refunds-back")
    woo = _woo(source)
    # A partial refund of one unit and of the shipping, with a reason, on a completed order without refunds.
    completed = next(o for o in woo("GET", "orders", params={"status": "completed", "per_page": 100}).json()
                     if not o["refunds"] and o["shipping_lines"] and Decimal(o["shipping_total"]))
    line = completed["line_items"][0]
    unit = Decimal(line["total"]) / line["quantity"]
    made = woo("POST", f"orders/{completed['id']}/refunds", json={
        "reason": "Late delivery", "api_refund": False, "amount": f"{unit + Decimal('1.00'):.2f}", "line_items": [
            {"id": line["id"], "quantity": 1, "refund_total": f"{unit:.2f}"},
            {"id": completed["shipping_lines"][0]["id"], "refund_total": "1.00"}]})
    assert made.status_code == 201, made.text

    there = make_migration(owner, source, middle, entities=ENTITIES)
    home = make_migration(owner, middle, back, entities=ENTITIES)
    worker = start_worker("refunds")
    _full(there, owner, worker)
    _full(home, owner, worker)

    original = by_id(there.source_store)
    refunded = {n: o for n, o in original.items() if o.refunds}
    assert any(o.status == "refunded" for o in refunded.values())
    assert any(o.status != "refunded" for o in refunded.values())  # partially refunded
    assert any(r.lines for o in refunded.values() for r in o.refunds)
    assert any(r.shipping for o in refunded.values() for r in o.refunds)
    assert sum(1 for o in original.values() if o.transactions) > len(refunded)

    def check() -> None:
        on_shopify, at_home = by_id(there.target_store), by_id(home.target_store)
        first, second = _orders_map(there), _orders_map(home)
        assert len(on_shopify) == len(at_home) == len(original)
        for source_id, order in original.items():
            copy, back_home = on_shopify[first[source_id]], at_home[second[first[source_id]]]
            assert money_of(copy) == money_of(order), order.number
            assert money_of(back_home) == money_of(order), order.number
            assert back_home.status == order.status, order.number
            assert sum(r.amount for r in back_home.refunds) <= back_home.total

    check()
    # A second full run of both writes every order again in place: no refund twice.
    for migration in (there, home):
        run = _full(migration, owner, worker)
        assert sum(EntityProgress.objects.filter(run=run).values_list("created", flat=True)) == 0
    check()

    # The source refunds another order; a smart update carries the refund there and back, once.
    there.refresh_from_db()
    home.refresh_from_db()
    smart_update_configure(migration=there, fields={"orders": ["refunds", "status"]})
    smart_update_configure(migration=home, fields={"orders": ["refunds", "status"]})
    later = next(o for o in woo("GET", "orders", params={"status": "processing", "per_page": 100}).json()
                 if not o["refunds"])
    assert woo("POST", f"orders/{later['id']}/refunds", json={
        "reason": "Goodwill", "api_refund": False, "amount": "2.50"}).status_code == 201
    _smart(there, owner, worker)
    _smart(home, owner, worker)
    original = by_id(there.source_store)
    assert [r.reason for r in original[str(later["id"])].refunds] == ["Goodwill"]
    check()
    _smart(there, owner, worker)  # nothing changed since: nothing written twice
    _smart(home, owner, worker)
    check()
