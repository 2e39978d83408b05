"""BigCommerce -> Shopify and WooCommerce -> BigCommerce over real HTTP (sandbox stores on the live server),
through a real Celery worker on Redis, on PostgreSQL. The BigCommerce stores keep the Standard plan's quota
(150 requests per 30 s, shared by every worker and by the test's own reads); the 429s a store answered are
counted by the sandbox.

Each direction is one migration shared by its assertions: counts equal, a clean field sample, references intact,
at most one 429, a second full run that creates nothing; BigCommerce -> Shopify then runs the smart-update
scenario (stock, order status and tracking from BigCommerce). The default size keeps `make test` short; the
issue's size is E2E_BC_PRODUCTS=200 E2E_BC_CUSTOMERS=200 E2E_BC_ORDERS=500 (timings in the test's output)."""
import os
import time

import pytest

from accounts.services import user_create
from connectors.bigcommerce import BigCommerceConnector
from connectors.shopify import ShopifyConnector
from migrations_app.enums import IdMapState, RunStatus
from migrations_app.models import EntityProgress, IdMap, RecordError
from migrations_app.services.runs import run_start
from migrations_app.services.smart_update import catalog
from sandbox.bigcommerce.quota import quota_usage
from sandbox.models import SandboxStore

from .helpers import all_records, counts, make_migration, mismatches, wait_finished
from .test_smart_update import OVERLAP, _scenario

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.worker]
SIZE = {"products": int(os.environ.get("E2E_BC_PRODUCTS", 40)),
        "customers": int(os.environ.get("E2E_BC_CUSTOMERS", 12)),
        "orders": int(os.environ.get("E2E_BC_ORDERS", 45))}
# What a Shopify discount or a BigCommerce coupon cannot hold ("Partly migrated: ..."), and a product name
# another product has (names are unique on BigCommerce: the SKU is added): warnings, not failures.
WARNINGS = ("Partly migrated", "names are unique there")


@pytest.fixture
def owner():
    return user_create(email="owner@bc.example", password="a-long-password-1")


def _idmap(migration, entity):
    return dict(IdMap.objects.filter(migration=migration, entity=entity, state=IdMapState.DONE)
                .values_list("source_id", "target_id"))


def refused(described) -> int:
    return quota_usage(SandboxStore.objects.get(platform="bigcommerce", name=described["store"]))["refused"]


def _errors(run):
    return [(e, m) for e, m in RecordError.objects.filter(run=run).values_list("entity", "message")
            if not any(w in m for w in WARNINGS)]


def assert_references(migration, *, variants_too: bool = True, source_orders=None) -> None:
    """Order lines point at the migrated products (and variants), orders at their customers, totals and
    tracking numbers arrive. `source_orders`: the source's orders when the test read them already (a read of a
    BigCommerce store's orders costs a request per order that shipped, out of the store's quota)."""
    products, customers = _idmap(migration, "products"), _idmap(migration, "customers")
    variants, orders_map = _idmap(migration, "variants"), _idmap(migration, "orders")
    target_orders = {o.source_id: o for o in all_records(migration.target_store, "orders")}
    for order in source_orders if source_orders is not None else all_records(migration.source_store, "orders"):
        written = target_orders[orders_map[order.source_id]]
        assert written.number == order.number
        assert written.customer_id == (customers[order.customer_id] if order.customer_id else None)
        assert [(line.product_id, line.quantity) for line in written.lines] == [
            (products[line.product_id] if line.product_id else None, line.quantity) for line in order.lines]
        if variants_too:  # (a Shopify line names the default variant of a product without options: not compared)
            assert [w.variant_id for w, line in zip(written.lines, order.lines, strict=True) if line.variant_id] == [
                variants.get(line.variant_id) for line in order.lines if line.variant_id]
        assert written.total == order.total, order.number
        assert sorted(s.tracking_number for s in written.shipments) == sorted(
            s.tracking_number for s in order.shipments), order.number


def test_bigcommerce_to_shopify_full_migration_then_smart_update(owner, bigcommerce_store_factory,
                                                                 shopify_store_factory, start_worker):
    started = time.monotonic()
    source = bigcommerce_store_factory("bc-src", products=SIZE["products"], customers=SIZE["customers"],
                                       orders=SIZE["orders"], seed=7)
    target = shopify_store_factory("bc-shop-dst")
    migration = make_migration(owner, source, target, options={"create_redirects": True})
    assert {"manufacturers", "products", "categories", "customers", "orders", "reviews", "coupons"} - set(
        migration.entities) == {"manufacturers"}  # Shopify has no brands to write
    worker = start_worker("bc-to-shopify", MIGRATOR_SMART_UPDATE_OVERLAP_SECONDS=str(OVERLAP), beat=True)
    run = run_start(migration=migration, kind="full", user=owner)
    wait_finished(run, timeout=1800, workers=[worker])
    first = time.monotonic() - started
    assert run.status in (RunStatus.COMPLETED, RunStatus.COMPLETED_WITH_ERRORS), run.error_message
    assert _errors(run) == []
    # (a Partially Shipped order's shipment says what it carried: Shopify fulfills those lines with its tracking)
    source_orders = all_records(migration.source_store, "orders")
    assert any(o.status == "partially_shipped" and o.shipments and o.shipments[0].lines for o in source_orders)
    found = mismatches(run.verification)
    assert found == [], "\n".join(map(str, found))
    entities = migration.entities
    source_counts = counts(migration.source_store, entities)
    assert counts(migration.target_store, entities) == source_counts
    assert (source_counts["products"], source_counts["orders"]) == (SIZE["products"], SIZE["orders"])
    variable = [p for p in all_records(migration.source_store, "products") if p.type == "variable"]
    assert len(variable) >= SIZE["products"] // 2 and all(len(p.variants) == 4 for p in variable)
    assert_references(migration, source_orders=source_orders)
    assert refused(source) <= 1
    # Redirects on Shopify from the BigCommerce products' addresses (their custom URLs).
    from sandbox.models import SandboxRecord

    shop = SandboxStore.objects.get(platform="shopify", name=target["store"])
    paths = {r.data["path"] for r in SandboxRecord.objects.filter(store=shop, resource="url_redirects")}
    assert {p.extra["bigcommerce"]["url"].rstrip("/") for p in variable} <= {p.rstrip("/") for p in paths}

    time.sleep(OVERLAP + 1)  # source edits below are clearly after the mark minus the overlap
    migration.refresh_from_db()
    assert set(catalog(migration=migration)["orders"]) >= {"status", "shipments"}

    def orders_changed(orders):
        unpaid = [o for o in orders if o.status in ("pending", "awaiting_payment")][:2]
        paid = [o for o in orders if o.status in ("awaiting_fulfillment", "awaiting_shipment")]
        shipped = [o for o in orders if o.status == "completed"][:1]
        pickup = [o for o in orders if o.status == "awaiting_pickup"][:1]
        assert len(unpaid) == 2 and len(paid) >= 6 and shipped and pickup, sorted(o.status for o in orders)
        # BigCommerce ships only what is left to ship: new tracking numbers go to orders with something left
        return ([(o, {"status": "awaiting_fulfillment", "tracked": False}) for o in unpaid]
                + [(o, {"status": "completed"}) for o in paid[:3]]
                + [(o, {"status": "cancelled", "tracked": False}) for o in paid[3:5]]
                + [(paid[5], {"status": "refunded", "tracked": False})]
                + [(shipped[0], {"status": "refunded", "tracked": False}), (pickup[0], {"status": "completed"})])

    def target_status(status):
        return ShopifyConnector.default_status_for(BigCommerceConnector.order_statuses[status])

    _scenario(migration, worker, owner, fields={"products": ["stock_quantity", "stock_status"],
                                                "orders": ["status", "shipments"]},
              orders_changed=orders_changed, target_status=target_status, orders_read=source_orders)
    assert refused(source) <= 1

    rerun = run_start(migration=migration, kind="full", user=owner)
    wait_finished(rerun, timeout=900, workers=[worker])
    assert rerun.status == RunStatus.COMPLETED, rerun.error_message
    assert sum(EntityProgress.objects.filter(run=rerun).values_list("created", flat=True)) == 0
    assert counts(migration.target_store, entities) == counts(migration.source_store, entities)
    assert refused(source) <= 1
    print(f"\nBigCommerce -> Shopify ({SIZE}): full run {(run.finished_at - run.started_at).total_seconds():.0f} s "
          f"(with seeding {first:.0f} s), rerun {(rerun.finished_at - rerun.started_at).total_seconds():.0f} s, "
          f"whole test {time.monotonic() - started:.0f} s, 429s {refused(source)}")


def test_woocommerce_to_bigcommerce_moves_everything_with_references_and_twice_creates_nothing(
        owner, woo_store_factory, bigcommerce_store_factory, start_worker):
    started = time.monotonic()
    source = woo_store_factory("woo-bc-src", products=SIZE["products"], customers=SIZE["customers"],
                               orders=SIZE["orders"], seed=9)
    target = bigcommerce_store_factory("bc-dst")
    migration = make_migration(owner, source, target, options={"create_redirects": True})
    assert {"products", "categories", "customers", "orders", "reviews", "coupons"} <= set(migration.entities)
    worker = start_worker("woo-to-bc")
    run = run_start(migration=migration, kind="full", user=owner)
    wait_finished(run, timeout=900, workers=[worker])
    assert run.status in (RunStatus.COMPLETED, RunStatus.COMPLETED_WITH_ERRORS), run.error_message
    assert _errors(run) == []
    renamed = set(RecordError.objects.filter(run=run, entity="products", message__contains=WARNINGS[1])
                  .values_list("source_id", flat=True))
    found = [m for m in mismatches(run.verification) if not (m[0] == "products" and m[1] in renamed
                                                              and m[2] == "name")]
    assert found == [], "\n".join(map(str, found))
    entities = migration.entities
    source_counts = counts(migration.source_store, entities)
    assert counts(migration.target_store, entities) == source_counts
    assert (source_counts["products"], source_counts["orders"]) == (SIZE["products"], SIZE["orders"])
    assert_references(migration)
    products = _idmap(migration, "products")
    target_products = {p.source_id: p for p in all_records(migration.target_store, "products")}
    for original in all_records(migration.source_store, "products"):
        copy = target_products[products[original.source_id]]
        name = f"{original.name} ({original.sku or original.source_id})" if original.source_id in renamed \
            else original.name
        assert (copy.name, copy.sku, len(copy.variants)) == (name, original.sku, len(original.variants))
    from sandbox.models import SandboxRecord

    store = SandboxStore.objects.get(platform="bigcommerce", name=target["store"])
    paths = SandboxRecord.objects.filter(store=store, resource="redirects").count()
    assert paths >= len(products)
    assert refused(target) <= 1

    rerun = run_start(migration=migration, kind="full", user=owner)
    wait_finished(rerun, timeout=900, workers=[worker])
    assert rerun.status == RunStatus.COMPLETED, (rerun.error_message, _errors(rerun))
    assert sum(EntityProgress.objects.filter(run=rerun).values_list("created", flat=True)) == 0
    assert counts(migration.target_store, entities) == source_counts
    assert refused(target) <= 1
    print(f"\nWooCommerce -> BigCommerce ({SIZE}): full run {(run.finished_at - run.started_at).total_seconds():.0f} s,"
          f" rerun {(rerun.finished_at - rerun.started_at).total_seconds():.0f} s, whole test "
          f"{time.monotonic() - started:.0f} s, 429s {refused(target)}")
