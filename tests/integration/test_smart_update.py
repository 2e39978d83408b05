"""After a full WooCommerce -> WooCommerce migration over real HTTP, through a real Celery worker: the
still-live source changes, the owner edits the new store, and smart updates carry over exactly the
selected changes (preview first, a conflict, new records), on demand and on a schedule; re-migrations
rewrite in place or clear and start over without duplicates."""
import time
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from accounts.services import user_create
from connectors.entities import EntityType, Order, OrderLine, Product, Shipment
from migrations_app.enums import IdMapState, RunKind, RunStatus
from migrations_app.models import ChangeRecord, EntityProgress, IdMap, MigrationRun
from migrations_app.services.connections import connector_for
from migrations_app.services.runs import run_start
from migrations_app.services.smart_update import catalog, smart_update_configure, smart_update_pause

from ..fixtures.worker import wait_for
from .helpers import all_records, counts, make_migration, wait_finished

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.worker]
P, ORD = EntityType.PRODUCT, EntityType.ORDER
ENTITIES = ["categories", "products", "customers", "orders"]
OVERLAP = 2  # seconds; the seeded data is older than the full run by far more


@pytest.fixture
def owner():
    return user_create(email="owner@smart.example", password="a-long-password-1")


def _ids(migration, entity):
    return dict(IdMap.objects.filter(migration=migration, entity=entity, state=IdMapState.DONE)
                .values_list("source_id", "target_id"))


def _run(migration, worker, owner=None, **params):
    run = run_start(migration=migration, kind=RunKind.SMART_UPDATE, user=owner, params=params)
    wait_finished(run, timeout=300, workers=[worker])
    assert run.status == RunStatus.COMPLETED, (run.error_message, list(run.record_errors.all()[:5]))
    return run


def _migrate(owner, source, target, start_worker):
    migration = make_migration(owner, source, target, entities=ENTITIES)
    worker = start_worker("smart", MIGRATOR_SMART_UPDATE_OVERLAP_SECONDS=str(OVERLAP), beat=True)
    full = run_start(migration=migration, kind="full", user=owner)
    wait_finished(full, timeout=600, workers=[worker])
    assert full.status == RunStatus.COMPLETED, full.error_message
    time.sleep(OVERLAP + 1)  # source edits below are clearly after the mark minus the overlap
    migration.refresh_from_db()
    return migration, worker


@pytest.fixture
def migrated(owner, woo_store_factory, start_worker):
    source = woo_store_factory("smart-source", products=40, customers=10, orders=30, seed=11)
    return _migrate(owner, source, woo_store_factory("smart-target"), start_worker)


def _tracking(order) -> set[str]:
    return {s.tracking_number for s in order.shipments}


def _scenario(migration, worker, owner, *, fields, orders_changed, target_status=lambda status: status,
              orders_read=None):
    """The issue's scenario: on the source 10 quantities, 10 orders (`orders_changed` picks them and says
    how to change them; each gets a new tracking number unless its change says `"tracked": False`), 5 new
    products and 5 new orders; on the target 3 descriptions rewritten and one selected field edited (a
    conflict). Preview, then the smart update, then one that finds nothing. `target_status` names a source
    order status on the target; `orders_read`: the source's orders when the caller read them since the full run
    (each read of a BigCommerce store's orders spends a request per order that shipped)."""
    src, tgt = connector_for(store=migration.source_store), connector_for(store=migration.target_store)
    products, orders = _ids(migration, "products"), _ids(migration, "orders")
    simple = [p for p in all_records(migration.source_store, "products") if p.type == "simple"][:10]
    assert len(simple) == 10
    for i, product in enumerate(simple):
        src.update(P, product.source_id, product.model_copy(update={"manage_stock": True, "stock_quantity": 500 + i}),
                   fields=["stock_quantity"])
    source_orders = orders_changed(orders_read if orders_read is not None
                                   else all_records(migration.source_store, "orders"))
    assert len(source_orders) == 10
    tracked = {order.source_id for order, change in source_orders if change.get("tracked", True)}
    source_orders = [(order, {k: v for k, v in change.items() if k != "tracked"}) for order, change in source_orders]
    for i, (order, change) in enumerate(source_orders):
        shipments = [Shipment(tracking_number=f"1Z{i:06d}", carrier="UPS")] if order.source_id in tracked else []
        src.update(ORD, order.source_id, order.model_copy(update={**change, "shipments": [*order.shipments,
                                                                                         *shipments]}),
                   fields=[*change, "shipments"])
    new_products = src.create(P, [Product(source_id=f"n{i}", name=f"Fresh {i}", sku=f"FRESH-{i}", price=Decimal("9.90"),
                                          manage_stock=True, stock_quantity=4) for i in range(5)])
    assert all(r.ok for r in new_products)
    customer = next(iter(all_records(migration.source_store, "customers")))
    new_orders = src.create(ORD, [Order(source_id=f"o{i}", number=f"NEW-{i}", status="processing", email=customer.email,
                                        customer_id=customer.source_id, total=Decimal("9.90"),
                                        lines=[OrderLine(product_id=new_products[i].target_id, name=f"Fresh {i}",
                                                         quantity=1, price=Decimal("9.90"), subtotal=Decimal("9.90"),
                                                         total=Decimal("9.90"))])
                                  for i in range(5)])
    assert all(r.ok for r in new_orders)
    # On the target: the owner rewrites 3 descriptions, and changes one quantity we also change (a conflict).
    edited = simple[:3]
    for product in edited:
        current = tgt.get(P, products[product.source_id])
        rewritten = current.model_copy(update={"description": "Written for the new store"})
        result = tgt.update(P, current.source_id, rewritten, fields=["description"])
        assert result.ok, result.error
    conflicted = simple[3]
    current = tgt.get(P, products[conflicted.source_id])
    result = tgt.update(P, current.source_id, current.model_copy(update={"manage_stock": True, "stock_quantity": 1}),
                        fields=["stock_quantity"])
    assert result.ok, result.error
    assert tgt.get(P, products[conflicted.source_id]).stock_quantity == 1
    target_before = counts(migration.target_store, ENTITIES)

    smart_update_configure(migration=migration, fields=fields)
    # Preview: the same computation, nothing written.
    preview = _run(migration, worker, owner, preview=True)
    assert counts(migration.target_store, ENTITIES) == target_before
    assert tgt.get(P, products[simple[5].source_id]).stock_quantity != 505
    planned = set(ChangeRecord.objects.filter(run=preview).values_list("entity", "source_id", "field", "kind"))
    assert not ChangeRecord.objects.filter(run=preview, applied=True).exists()

    smart = _run(migration, worker, owner)
    done = set(ChangeRecord.objects.filter(run=smart).values_list("entity", "source_id", "field", "kind"))
    assert planned == done  # the preview listed exactly what the run then did
    assert len([c for c in done if c[3] == "create" and c[0] == "products"]) == 5, done
    assert len([c for c in done if c[3] == "create" and c[0] == "orders"]) == 5, done
    assert not smart.record_errors.exists(), list(smart.record_errors.values_list("source_id", "message"))

    # Exactly the changes, and the new records.
    for i, product in enumerate(simple):
        assert tgt.get(P, products[product.source_id]).stock_quantity == 500 + i
    for product in edited:
        assert tgt.get(P, products[product.source_id]).description == "Written for the new store"
    for i, (order, change) in enumerate(source_orders):
        written = tgt.get(ORD, orders[order.source_id])
        if "status" in change:
            assert written.status == target_status(change["status"]), (order.source_id, order.status, change)
        if order.source_id in tracked:
            assert _tracking(written) == _tracking(src.get(ORD, order.source_id)) | _tracking(order), order.source_id
            assert f"1Z{i:06d}" in _tracking(written)
    after = counts(migration.target_store, ENTITIES)
    assert after["products"] == target_before["products"] + 5 and after["orders"] == target_before["orders"] + 5
    conflict = ChangeRecord.objects.get(run=smart, kind="conflict")
    assert (conflict.entity, conflict.source_id, conflict.field, conflict.applied) == (
        "products", conflicted.source_id, "stock_quantity", True)  # source wins by default
    # Reads proportional to the change, not to the store: the records modified on the source since the
    # full run started (ours, plus products whose stock the sandbox moved when orders were completed).
    full = MigrationRun.objects.get(migration=migration, kind=RunKind.FULL)
    since = full.started_at - timedelta(seconds=OVERLAP)
    changed = {e: sum(1 for r in all_records(migration.source_store, e) if r.updated_at and r.updated_at >= since)
               for e in ("products", "orders")}
    read = {p.entity: p.done + p.failed for p in EntityProgress.objects.filter(run=smart)}
    # Completing 10 orders may move the stock (and the modification date, on the product or one of its
    # variations) of the products on their lines: those are source changes too.
    moved = len({line.product_id for o, _ in source_orders for line in o.lines if line.product_id})
    assert read["products"] <= 15 + moved < 40 and read["orders"] <= changed["orders"] == 15, (read, changed, moved)

    # Nothing changed since: the next run finds nothing to do.
    again = _run(migration, worker, owner)
    assert not ChangeRecord.objects.filter(run=again).exists()
    assert counts(migration.target_store, ENTITIES) == after
    src.http.close()
    tgt.http.close()


def test_smart_update_carries_exactly_the_selected_changes(migrated, owner):
    migration, worker = migrated
    _scenario(migration, worker, owner, fields={"products": ["stock_quantity", "stock_status"],
                                                "orders": ["status", "shipments"]},
              orders_changed=lambda orders: [(o, {"status": "completed"}) for o in orders
                                             if o.status != "completed"][:10])


def test_smart_update_to_shopify_carries_stock_status_and_tracking(owner, woo_store_factory, shopify_store_factory,
                                                                   start_worker):
    """WooCommerce -> Shopify. Order statuses move the way Shopify's API allows: paid by orderMarkAsPaid,
    completed by a fulfillment carrying the new tracking, cancelled / refunded by orderCancel (with a
    refund) before shipping, refunded by refundCreate after; fulfilled orders get the new number on the
    fulfillment they have (fulfillmentTrackingInfoUpdate)."""
    from connectors.shopify import ShopifyConnector
    from connectors.woocommerce.connector import WooCommerceConnector
    from sandbox.models import SandboxStore
    from sandbox.services import sandbox_store_set_throttle

    source = woo_store_factory("smart-source-s", products=40, customers=10, orders=45, seed=11)
    target = shopify_store_factory("smart-shop")
    # Throttled pacing is the subject of the Shopify migration tests; here a roomy bucket keeps it short.
    sandbox_store_set_throttle(SandboxStore.objects.get(platform="shopify", name=target["store"]),
                               restore_rate=100000, bucket_size=200000)
    migration, worker = _migrate(owner, source, target, start_worker)
    assert set(catalog(migration=migration)["orders"]) == {"status", "shipments", "email", "customer_note",
                                                          "shipping", "refunds"}

    def orders_changed(orders):
        unpaid = [o for o in orders if o.status in ("on_hold", "pending", "failed")][:2]
        paid = [o for o in orders if o.status == "processing"]
        fulfilled = [o for o in orders if o.status == "completed"][:2]
        assert len(unpaid) == 2 and len(paid) >= 6, sorted(o.status for o in orders)
        return ([(o, {"status": "processing", "tracked": False}) for o in unpaid]
                + [(o, {"status": "completed"}) for o in paid[:3]]
                + [(o, {"status": "cancelled", "tracked": False}) for o in paid[3:5]]
                + [(paid[5], {"status": "refunded", "tracked": False})]
                + [(fulfilled[0], {"status": "refunded"}), (fulfilled[1], {})])

    def target_status(status):  # the wizard's default mapping: the first Shopify status of that meaning
        return ShopifyConnector.default_status_for(WooCommerceConnector.order_statuses[status])

    _scenario(migration, worker, owner, fields={"products": ["stock_quantity", "stock_status"],
                                                "orders": ["status", "shipments"]},
              orders_changed=orders_changed, target_status=target_status)


def test_schedule_runs_until_paused_then_remigrations_keep_one_copy(migrated, owner, settings):
    """One migration for both (each full migration costs a minute of the suite)."""
    migration, worker = migrated
    settings.MIGRATOR_SMART_UPDATE_MIN_INTERVAL_SECONDS = 1
    smart_update_configure(migration=migration, fields={"products": ["stock_quantity"]}, schedule="interval",
                           interval_seconds=3)

    def scheduled_runs():
        return MigrationRun.objects.filter(migration=migration, kind=RunKind.SMART_UPDATE,
                                           params__scheduled=True)

    wait_for(lambda: scheduled_runs().filter(status=RunStatus.COMPLETED).count() >= 2, timeout=120,
             message="two scheduled smart updates", workers=[worker])
    smart_update_pause(migration=migration)
    paused_at = timezone.now()
    time.sleep(10)  # several intervals
    assert not scheduled_runs().filter(created_at__gt=paused_at).exists()
    wait_for(lambda: not MigrationRun.objects.filter(migration=migration, status__in=["queued", "running"]).exists(),
             timeout=60, message="the last scheduled run to end", workers=[worker])

    # Re-migration without "clear": written again in place; with "clear": deleted and written anew.
    before = counts(migration.target_store, ENTITIES)
    ids_before = set(_ids(migration, "products").values())
    in_place = run_start(migration=migration, kind=RunKind.REMIGRATION, user=owner, params={"entities": ["products"]})
    wait_finished(in_place, timeout=300, workers=[worker])
    assert in_place.status == RunStatus.COMPLETED, in_place.error_message
    assert in_place.charge_cents == 0
    assert counts(migration.target_store, ENTITIES) == before
    assert set(_ids(migration, "products").values()) == ids_before

    cleared = run_start(migration=migration, kind=RunKind.REMIGRATION, user=owner, params={
        "entities": ["products", "orders"], "options": {"clear_target": True, "clear_scope": "created"}})
    wait_finished(cleared, timeout=300, workers=[worker])
    assert cleared.status == RunStatus.COMPLETED, cleared.error_message
    assert counts(migration.target_store, ENTITIES) == before
    assert set(_ids(migration, "products").values()).isdisjoint(ids_before)
    assert cleared.verification["mismatches"] == 0
