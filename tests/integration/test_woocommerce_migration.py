"""WooCommerce -> WooCommerce over real HTTP (sandbox stores on the live server), through real Celery
workers on Redis, on PostgreSQL."""
import os

import pytest

from accounts.services import user_create
from migrations_app.enums import IdMapState, RunStatus
from migrations_app.models import EntityProgress, IdMap, RecordError
from migrations_app.services.runs import run_start

from ..fixtures.worker import wait_for
from .helpers import all_records, counts, make_migration, mismatches, wait_finished

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.worker]
# The size; E2E_PRODUCTS / E2E_ORDERS shrink it for a quick local loop (the assertions follow).
SIZE = {"products": int(os.environ.get("E2E_PRODUCTS", 200)), "orders": int(os.environ.get("E2E_ORDERS", 500))}


@pytest.fixture
def owner():
    return user_create(email="owner@shop.example", password="a-long-password-1")


def _idmap(migration, entity):
    return dict(IdMap.objects.filter(migration=migration, entity=entity, state=IdMapState.DONE)
                .values_list("source_id", "target_id"))


def test_full_migration_moves_every_entity_with_references_and_twice_creates_nothing(
        owner, woo_store_factory, start_worker, smtp_sink):
    source = woo_store_factory("big-source", products=SIZE["products"], customers=200, orders=SIZE["orders"], seed=7)
    target = woo_store_factory("big-target")
    migration = make_migration(owner, source, target)
    worker = start_worker("full")
    run = run_start(migration=migration, kind="full", user=owner)
    wait_finished(run, timeout=900, workers=[worker])
    assert run.status == RunStatus.COMPLETED, (run.error_message, list(RecordError.objects.filter(run=run)[:5]))

    found = mismatches(run.verification)
    assert found == [], "\n".join(map(str, found))
    entities = migration.entities
    source_counts = counts(migration.source_store, entities)
    assert counts(migration.target_store, entities) == source_counts
    assert (source_counts["products"], source_counts["customers"], source_counts["orders"]) == (
        SIZE["products"], 200, SIZE["orders"])
    assert source_counts["reviews"] > 0 and source_counts["coupons"] > 0

    # References intact: order lines point at the migrated products/variations, orders at customers.
    products, customers = _idmap(migration, "products"), _idmap(migration, "customers")
    variants = _idmap(migration, "variants")
    target_orders = {o.source_id: o for o in all_records(migration.target_store, "orders")}
    orders_map = _idmap(migration, "orders")
    for order in all_records(migration.source_store, "orders"):
        written = target_orders[orders_map[order.source_id]]
        assert written.customer_id == (customers[order.customer_id] if order.customer_id else None)
        assert [(line.product_id, line.variant_id, line.quantity) for line in written.lines] == [
            (products[line.product_id], variants.get(line.variant_id) if line.variant_id else None, line.quantity)
            for line in order.lines
        ]
        assert written.total == order.total
    assert run.verification["sampled"] >= len(entities)

    # The owner got one email with the totals.
    wait_for(lambda: smtp_sink.messages, timeout=30, message="the end-of-run email")
    body = smtp_sink.messages[0].get_payload()[0].get_payload(decode=True).decode()
    assert str(migration.pk) in body and "200 of 200" in body and f"{SIZE['orders']} of {SIZE['orders']}" in body

    # Running the same full migration again creates nothing twice.
    run2 = run_start(migration=migration, kind="full", user=owner)
    wait_finished(run2, timeout=600, workers=[worker])
    assert run2.status == RunStatus.COMPLETED
    assert counts(migration.target_store, entities) == source_counts
    assert sum(EntityProgress.objects.filter(run=run2).values_list("created", flat=True)) == 0


def test_worker_sigkill_mid_run_then_new_worker_resumes_without_gaps_or_duplicates(
        owner, woo_store_factory, start_worker):
    source = woo_store_factory("kill-source", products=60, customers=60, orders=120, seed=3)
    target = woo_store_factory("kill-target")
    migration = make_migration(owner, source, target, entities=["categories", "products", "customers", "orders"])
    fast = {"MIGRATOR_BATCH_SECONDS": "1", "MIGRATOR_BATCH_PAGES": "1", "CELERY_TASK_SOFT_TIME_LIMIT": "30",
            "CELERY_TASK_TIME_LIMIT": "35", "MIGRATOR_LEASE_SECONDS": "40", "MIGRATOR_HEARTBEAT_STALE_SECONDS": "3",
            "MIGRATOR_REAPER_INTERVAL_SECONDS": "2"}
    first = start_worker("doomed", **fast)
    run = run_start(migration=migration, kind="full", user=owner)

    def well_underway():
        done = sum(EntityProgress.objects.filter(run=run).values_list("done", flat=True))
        return done >= 40 and not run.__class__.objects.get(pk=run.pk).finished_at
    wait_for(well_underway, timeout=300, message="the run to be under way", workers=[first])
    first.kill()
    assert first.proc.returncode == -9

    second = start_worker("rescuer", beat=True, **fast)  # the periodic reaper runs in its beat
    wait_finished(run, timeout=600, workers=[second])
    assert run.status == RunStatus.COMPLETED, run.error_message

    for entity in ("categories", "products", "customers", "orders"):
        source_items = all_records(migration.source_store, entity)
        target_items = all_records(migration.target_store, entity)
        assert len(target_items) == len(source_items), entity
        assert IdMap.objects.filter(migration=migration, entity=entity, state=IdMapState.DONE).count() == len(
            source_items)
    skus = [p.sku for p in all_records(migration.target_store, "products")]
    assert len(skus) == len(set(skus))
    emails = [c.email for c in all_records(migration.target_store, "customers")]
    assert len(emails) == len(set(emails))
    numbers = [o.number for o in all_records(migration.target_store, "orders")]
    assert len(numbers) == len(set(numbers))


def test_malformed_source_records_become_record_errors_and_the_rest_arrives(
        owner, woo_store_factory, start_worker):
    source = woo_store_factory("bad-source", products=20, customers=10, orders=10, malformed=True, seed=5)
    target = woo_store_factory("bad-target")
    migration = make_migration(owner, source, target)
    worker = start_worker("malformed")
    run = run_start(migration=migration, kind="full", user=owner)
    wait_finished(run, timeout=300, workers=[worker])
    assert run.status == RunStatus.COMPLETED_WITH_ERRORS, run.error_message
    messages = [(e.entity, e.message) for e in RecordError.objects.filter(run=run)]
    text = "\n".join(m for _, m in messages)
    assert "not a valid email address" in text
    assert "UTF-8" in text
    assert "characters long" in text  # the 1 MB description
    assert "name" in text  # the product without a name
    assert "parent" in text  # the variation whose parent is missing
    failed = {e: n for e, n in EntityProgress.objects.filter(run=run).values_list("entity", "failed")}
    good_products = len(all_records(migration.source_store, "products"))
    assert len(all_records(migration.target_store, "products")) == good_products
    assert len(all_records(migration.target_store, "customers")) == 10
    assert failed["customers"] == 1


def test_demo_moves_exactly_n_per_entity_and_emails_the_totals(owner, woo_store_factory, start_worker, smtp_sink):
    source = woo_store_factory("demo-source", products=30, customers=30, orders=40, seed=11)
    target = woo_store_factory("demo-target")
    migration = make_migration(owner, source, target, entities=["categories", "products", "customers", "orders",
                                                                "coupons"])
    worker = start_worker("demo")
    run = run_start(migration=migration, kind="demo", user=owner)
    wait_finished(run, timeout=300, workers=[worker])
    assert run.status == RunStatus.COMPLETED, run.error_message
    # A coupon limited to products and categories none of which is in the demo is passed over (written
    # without them it would apply to everything); the demo takes the first 10 of the others.
    in_demo = {e: set(IdMap.objects.filter(migration=migration, entity=e).values_list("source_id", flat=True))
               for e in ("products", "categories")}
    eligible = [c for c in sorted(all_records(migration.source_store, "coupons"), key=lambda c: int(c.source_id))
                if not (c.product_ids or c.category_ids) or set(c.product_ids) & in_demo["products"]
                or set(c.category_ids) & in_demo["categories"]]
    expected = {**{e: 10 for e in migration.entities}, "coupons": min(10, len(eligible))}
    assert expected["coupons"] < 10  # the case is here: a coupon of the seed is limited to later products
    assert counts(migration.target_store, migration.entities) == expected
    wait_for(lambda: smtp_sink.messages, timeout=30, message="the end-of-run email")
    message = smtp_sink.messages[0]
    assert message["To"] == "owner@shop.example"
    assert f"{sum(expected.values())} records migrated" in message["Subject"]
    text = message.get_payload()[0].get_payload(decode=True).decode()
    assert text.count("10 of 10 read: 10 migrated (10 created, 0 updated)") == 4

    # The full migration after the demo rewrites the demo's records whole (their links were left out).
    full = run_start(migration=migration, kind="full", user=owner)
    wait_finished(full, timeout=300, workers=[worker])
    assert full.status == RunStatus.COMPLETED, full.error_message
    assert counts(migration.target_store, migration.entities) == counts(migration.source_store, migration.entities)
    assert mismatches(full.verification) == []


def test_flaky_stores_with_500s_and_429s_lose_nothing_and_duplicate_nothing(owner, woo_store_factory, start_worker):
    from sandbox.models import SandboxStore
    from sandbox.services import sandbox_store_set_faults

    source = woo_store_factory("flaky-source", products=30, customers=30, orders=40, seed=13)
    target = woo_store_factory("flaky-target")
    migration = make_migration(owner, source, target, entities=["categories", "products", "customers", "orders"])
    for name in ("flaky-source", "flaky-target"):
        sandbox_store_set_faults(SandboxStore.objects.get(platform="woocommerce", name=name),
                                 error_rate=0.04, rate_429=0.04, seed=5)
    worker = start_worker("flaky")
    run = run_start(migration=migration, kind="full", user=owner)
    wait_finished(run, timeout=600, workers=[worker])
    for name in ("flaky-source", "flaky-target"):  # read back without faults
        sandbox_store_set_faults(SandboxStore.objects.get(platform="woocommerce", name=name),
                                 error_rate=0, rate_429=0, seed=None)
    assert run.status == RunStatus.COMPLETED, (run.error_message, list(RecordError.objects.filter(run=run)[:5]))
    for entity in migration.entities:
        source_ids = {i.source_id for i in all_records(migration.source_store, entity)}
        target_items = all_records(migration.target_store, entity)
        assert len(target_items) == len(source_ids), entity
    found = mismatches(run.verification)
    assert found == [], "\n".join(map(str, found))
    variants = IdMap.objects.filter(migration=migration, entity="variants").count()
    assert variants == sum(len(p.variants) for p in all_records(migration.source_store, "products"))
