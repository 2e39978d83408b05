"""End to end against the real Vendure server of this session: WooCommerce sandbox -> Vendure, then Vendure ->
a fresh WooCommerce sandbox store, each through a real Celery worker on Redis and PostgreSQL, each run twice;
then a stock change made through Vendure's Admin API reaches the WooCommerce store by a smart update.

One test for both directions: the second migration reads what the first wrote (the sandbox stores live in the
test database, which is emptied after each test). The Vendure side is its own channel, so the counts are this
test's records only."""
import time

import pytest

from accounts.services import user_create
from connectors.entities import EntityType
from migrations_app.enums import IdMapState, RunKind, RunStatus
from migrations_app.models import ChangeRecord, EntityProgress, IdMap, RecordError
from migrations_app.services.runs import run_start
from migrations_app.services.smart_update import smart_update_configure
from migrations_app.services.stores import store_check, store_create
from migrations_app.services.wizard import migratable_entities, migration_create

from ..integration.helpers import all_records, counts, mismatches, wait_finished

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.worker]
# The size: at least 100 variable products (seed 7 makes 103 of 145), 100 customers, 200 orders.
SIZE = {"products": 145, "customers": 100, "orders": 200}
ENTITIES = ["categories", "products", "customers", "orders"]


@pytest.fixture
def owner():
    return user_create(email="owner@shop.example", password="a-long-password-1")


def _store(organization, platform: str, described: dict):
    store = store_create(organization=organization, platform=platform, url=described["base_url"],
                         credentials=described["credentials"])
    store = store_check(store=store)
    assert store.last_check_ok, store.last_check_error
    return store


def _migration(owner, source, target):
    organization = owner.organizations.first()
    entities = [str(e) for e in migratable_entities(source=source, target=target)]
    assert entities == ENTITIES
    return migration_create(organization=organization, user=owner, source_store=source, target_store=target,
                            entities=entities)


def _idmap(migration, entity):
    return dict(IdMap.objects.filter(migration=migration, entity=entity, state=IdMapState.DONE)
                .values_list("source_id", "target_id"))


def _finished(run, workers, timings: dict, label: str, started: float, *, first: bool):
    """Wait for `run`. The first run of a migration must complete with a clean verification; a second one must
    complete creating nothing."""
    wait_finished(run, timeout=900, workers=workers)
    timings[label] = round(time.monotonic() - started, 1)
    timings[f"{label} entities"] = {
        p.entity: round((p.finished_at - p.started_at).total_seconds(), 1)
        for p in EntityProgress.objects.filter(run=run) if p.started_at and p.finished_at}
    assert run.status == RunStatus.COMPLETED, (run.error_message, [
        (e.entity, e.source_id, e.message) for e in RecordError.objects.filter(run=run)[:10]])
    if first:
        found = mismatches(run.verification)
        assert found == [], "\n".join(map(str, found))
        assert run.verification["sampled"] >= len(ENTITIES)
    else:
        assert sum(EntityProgress.objects.filter(run=run).values_list("created", flat=True)) == 0


def _references_intact(migration):
    """Order lines point at the migrated products and variants, orders at the migrated customers, categories
    at their migrated parents; every total arrived to the cent."""
    products, customers = _idmap(migration, "products"), _idmap(migration, "customers")
    variants, categories = _idmap(migration, "variants"), _idmap(migration, "categories")
    orders_map = _idmap(migration, "orders")
    target_orders = {o.source_id: o for o in all_records(migration.target_store, "orders")}
    for order in all_records(migration.source_store, "orders"):
        written = target_orders[orders_map[order.source_id]]
        assert written.customer_id == (customers[order.customer_id] if order.customer_id else None)
        expected = [(products[line.product_id], variants[line.variant_id] if line.variant_id else None,
                     line.quantity, line.total) for line in order.lines]
        got = [(line.product_id, line.variant_id, line.quantity, line.total) for line in written.lines]
        assert sorted(got) == sorted(expected), order.number
        assert (written.total, written.shipping_total, written.tax_total) == (
            order.total, order.shipping_total, order.tax_total), order.number
    target_categories = {c.source_id: c for c in all_records(migration.target_store, "categories")}
    for category in all_records(migration.source_store, "categories"):
        written = target_categories[categories[category.source_id]]
        assert written.parent_id == (categories[category.parent_id] if category.parent_id else None)
        assert written.translations.get("fr", {}).get("name") == category.translations.get("fr", {}).get("name")


def test_woocommerce_to_vendure_and_back_counts_samples_and_references_equal_and_nothing_twice(
        owner, woo_store_factory, vendure_server, start_worker):
    timings: dict[str, object] = {}
    organization = owner.organizations.first()
    woo_source = _store(organization, "woocommerce", woo_store_factory(
        "vendure-e2e-source", languages=["en", "fr"], seed=7, **SIZE))
    channel_token = vendure_server.channel("e2e")
    vendure = _store(organization, "vendure", vendure_server.describe(channel_token))
    assert vendure.last_check_info["platform_version"] == "Vendure with CartmigratePlugin"
    # Two workers: the second run of one direction overlaps the first run of the other (the CPU is mostly
    # waiting on round trips), which keeps this test about a minute shorter.
    workers = [start_worker("vendure-a"), start_worker("vendure-b")]

    # WooCommerce -> Vendure.
    forward = _migration(owner, woo_source, vendure)
    started = time.monotonic()
    _finished(run_start(migration=forward, kind="full", user=owner), workers, timings, "woocommerce to vendure",
              started, first=True)

    # Vendure -> a fresh WooCommerce store, while WooCommerce -> Vendure runs again.
    woo_target = _store(organization, "woocommerce", woo_store_factory("vendure-e2e-back", languages=["en", "fr"]))
    backward = _migration(owner, vendure, woo_target)
    started = time.monotonic()
    forward_again = run_start(migration=forward, kind="full", user=owner)
    backward_first = run_start(migration=backward, kind="full", user=owner)
    _finished(forward_again, workers, timings, "woocommerce to vendure again", started, first=False)
    _finished(backward_first, workers, timings, "vendure to woocommerce", started, first=True)
    started = time.monotonic()
    backward_again = run_start(migration=backward, kind="full", user=owner)

    source_counts = counts(woo_source, ENTITIES)
    assert (source_counts["products"], source_counts["customers"], source_counts["orders"]) == (
        SIZE["products"], SIZE["customers"], SIZE["orders"])
    assert source_counts["categories"] > 30
    assert counts(vendure, ENTITIES) == source_counts
    _references_intact(forward)
    variable = [p for p in all_records(vendure, EntityType.PRODUCT) if p.type == "variable"]
    assert len(variable) >= 100 and all(p.variants and p.translations.get("fr") for p in variable)

    assert counts(woo_target, ENTITIES) == source_counts  # the second run creates nothing: stable meanwhile
    _references_intact(backward)
    _finished(backward_again, workers, timings, "vendure to woocommerce again", started, first=False)

    # A stock change made in Vendure through its own Admin API arrives by a smart update.
    started = time.monotonic()
    product = next(p for p in all_records(vendure, EntityType.PRODUCT) if p.type == "variable" and p.variants)
    variant = product.variants[-1]
    vendure_server.admin_call(channel_token, """
        mutation($input: [UpdateProductVariantInput!]!) { updateProductVariants(input: $input) { id } }""",
                              input=[{"id": variant.source_id, "stockOnHand": (variant.stock_quantity or 0) + 37}])
    backward.refresh_from_db()
    smart_update_configure(migration=backward, fields={"products": ["stock_quantity"]})
    smart = run_start(migration=backward, kind=RunKind.SMART_UPDATE, user=owner)
    wait_finished(smart, timeout=300, workers=workers)
    timings["smart update"] = round(time.monotonic() - started, 1)
    assert smart.status == RunStatus.COMPLETED, smart.error_message
    changes = list(ChangeRecord.objects.filter(run=smart).values_list("source_id", "field", "kind"))
    assert changes == [(product.source_id, "stock_quantity", "update")], changes
    on_woo = next(c for c in all_records(woo_target, EntityType.PRODUCT)
                  if c.source_id == _idmap(backward, "products")[product.source_id])
    stock = {v.source_id: v.stock_quantity for v in on_woo.variants}
    assert stock[_idmap(backward, "variants")[variant.source_id]] == (variant.stock_quantity or 0) + 37
    print(f"\nVendure e2e timings (s): {timings}; server: {vendure_server.timings}")
