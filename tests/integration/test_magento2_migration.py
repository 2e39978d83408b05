"""Magento 2 -> WooCommerce and Magento 2 -> Shopify over real HTTP (sandbox stores on the live server), through
a real Celery worker on Redis, on PostgreSQL: a seeded two-view store (en, fr) arrives with equal counts per
language, an equal field-by-field sample and intact references (redirects on Shopify), a rerun creates nothing,
and a smart update carries a stock change and an order's new status and tracking number.

Size: E2E_M2_PRODUCTS catalog products (half configurable, each with 4-6 children), E2E_M2_CUSTOMERS,
E2E_M2_ORDERS; `make test` runs the issue's size, 200 / 200 / 500 (smaller values make a quick local loop)."""
import os
import time

import pytest
import requests

from accounts.services import user_create
from migrations_app.enums import IdMapState, RunKind, RunStatus
from migrations_app.models import ChangeRecord, EntityProgress, IdMap, RecordError
from migrations_app.services.runs import run_start
from migrations_app.services.smart_update import smart_update_configure

from .helpers import all_records, counts, make_migration, mismatches, wait_finished

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.worker]
SIZE = {"products": int(os.environ.get("E2E_M2_PRODUCTS", 200)),
        "customers": int(os.environ.get("E2E_M2_CUSTOMERS", 200)),
        "orders": int(os.environ.get("E2E_M2_ORDERS", 500))}
OVERLAP = 2  # seconds of smart-update overlap


@pytest.fixture
def owner():
    return user_create(email="owner@magento.example", password="a-long-password-1")


def _idmap(migration, entity):
    return dict(IdMap.objects.filter(migration=migration, entity=entity, state=IdMapState.DONE)
                .values_list("source_id", "target_id"))


def _generous(described: dict) -> None:
    from sandbox.models import SandboxStore
    from sandbox.services import sandbox_store_set_throttle

    sandbox_store_set_throttle(SandboxStore.objects.get(platform="shopify", name=described["store"]),
                               restore_rate=100000, bucket_size=200000)


# Shopify keeps a refunded or cancelled order unfulfilled, so the tracking numbers of a Magento order shipped
# before it was closed or cancelled wait for a fulfillment: a warning of the Shopify target, not a failure.
UNFULFILLED = "Partly migrated: Tracking numbers of an order that is not fulfilled"


# Shopify keeps a phone number on one customer only: a number two Magento customers share is kept on the
# second one's addresses (a warning of the Shopify target).
SHARED_PHONE = "Partly migrated: Phone {} was refused by Shopify; kept on the addresses."


def _shared_phones(store) -> set[str]:
    if store.platform != "magento2":
        return set()
    phones = [c.phone for c in all_records(store, "customers") if c.phone]
    return {p for p in phones if phones.count(p) > 1}


def _full_run(migration, owner, worker, timeout=900):
    """The run, and the source ids of the orders whose tracking the target could not attach (warnings)."""
    run = run_start(migration=migration, kind="full", user=owner)
    wait_finished(run, timeout=timeout, workers=[worker])
    errors = list(RecordError.objects.filter(run=run).values_list("entity", "source_id", "message"))
    unfulfilled = {sid for entity, sid, message in errors if entity == "orders" and message.startswith(UNFULFILLED)}
    shared = _shared_phones(migration.source_store)
    failures = [e for e in errors if (e[1] not in unfulfilled or e[0] != "orders") and not (
        e[0] == "customers" and any(e[2] == SHARED_PHONE.format(phone) for phone in shared))]
    assert failures == [] and run.status in (RunStatus.COMPLETED, RunStatus.COMPLETED_WITH_ERRORS), (
        run.error_message, failures[:5])
    run.unfulfilled = unfulfilled
    return run


def _known_findings(report: dict, target_platform: str) -> dict[str, dict]:
    """Check Result's findings that are facts of the WooCommerce target, not of the migration: its three
    built-in tax classes (Standard, Reduced rate, Zero rate) are counted beside the one migrated."""
    known: dict[str, dict] = {}
    if target_platform != "woocommerce":
        return known
    tax = report["entities"]["tax_classes"]
    if tax["target_count"] == tax["source_count"] + 3:
        known["tax_classes"] = {"count_check": tax["count_check"]}
    return known


def _assert_migrated(migration, run, size, target_platform):
    """Counts per entity and per language, the compared sample, references; answers the source counts."""
    report = run.verification
    unfulfilled = [m for m in mismatches(report) if (m[0], m[2]) == ("orders", "shipments") and m[1] in run.unfulfilled]
    found = [m for m in mismatches(report) if m not in unfulfilled]
    assert found == [], "\n".join(map(str, found))
    known = _known_findings(report, target_platform)
    if unfulfilled:  # each is one sampled difference of its order, and the only ones of orders
        assert report["entities"]["orders"]["problems"] == len(unfulfilled)
        known["orders"] = {"unfulfilled": unfulfilled}
    findings = [f"{e}: {k}={v}" for e, r in report["entities"].items() if r["problems"] and e not in known
                for k, v in r.items() if k != "sample"]
    assert not findings, "\n".join(findings)
    assert report["problems"] == sum(report["entities"][e]["problems"] for e in known), report["problems"]
    for entity in ("products", "categories"):
        languages = report["entities"][entity]["languages"]
        assert set(languages) == {"en", "fr"} and all(row["equal"] for row in languages.values()), languages
        assert languages["fr"]["source"] > 0
    entities = [e for e in migration.entities if "count_check" not in known.get(e, {})]
    source_counts = counts(migration.source_store, entities)
    assert counts(migration.target_store, entities) == source_counts
    assert (source_counts["products"], source_counts["customers"], source_counts["orders"]) == (
        size["products"], size["customers"], size["orders"])
    source_products = {p.source_id: p for p in all_records(migration.source_store, "products")}
    configurable = [p for p in source_products.values() if p.type == "variable" and len(p.variants) >= 4]
    assert len(configurable) >= size["products"] // 2

    products, customers, variants = (_idmap(migration, e) for e in ("products", "customers", "variants"))
    categories = _idmap(migration, "categories")
    target_products = {p.source_id: p for p in all_records(migration.target_store, "products")}
    for product in configurable[:20]:
        written = target_products[products[product.source_id]]
        assert sorted(written.category_ids) == sorted(categories[c] for c in product.category_ids)
        assert sorted(v.sku for v in written.variants) == sorted(v.sku for v in product.variants)
        assert written.translations["fr"]["name"] == product.translations["fr"]["name"]
    target_categories = {c.source_id: c for c in all_records(migration.target_store, "categories")}
    nested = [c for c in all_records(migration.source_store, "categories") if c.parent_id]
    assert nested and all(target_categories[categories[c.source_id]].parent_id == categories[c.parent_id]
                          for c in nested)
    orders_map = _idmap(migration, "orders")
    target_orders = {o.source_id: o for o in all_records(migration.target_store, "orders")}
    tracked = 0
    for order in all_records(migration.source_store, "orders"):
        written = target_orders[orders_map[order.source_id]]
        assert written.customer_id == (customers[order.customer_id] if order.customer_id else None)
        assert [(line.product_id, line.variant_id, line.quantity) for line in written.lines] == [
            (products[line.product_id], variants.get(line.variant_id) if line.variant_id else None, line.quantity)
            for line in order.lines]
        assert written.total == order.total
        if order.source_id in run.unfulfilled:
            assert order.status in ("closed", "canceled") and order.shipments and not written.shipments
            continue
        assert [s.tracking_number for s in written.shipments] == [s.tracking_number for s in order.shipments]
        tracked += bool(order.shipments)
    assert tracked > 0
    return source_counts


def _rerun_creates_nothing(migration, owner, worker, source_counts):
    run2 = _full_run(migration, owner, worker, timeout=600)
    assert counts(migration.target_store, list(source_counts)) == source_counts
    assert sum(EntityProgress.objects.filter(run=run2).values_list("created", flat=True)) == 0
    return run2


def _seconds(run) -> float:
    return (run.finished_at - run.started_at).total_seconds()


def _magento(described: dict, method: str, path: str, **kwargs) -> object:
    response = requests.request(method, f"{described['base_url']}/rest/all/V1/{path}", timeout=30, headers={
        "Authorization": f"Bearer {described['credentials']['access_token']}"}, **kwargs)
    assert response.status_code == 200, response.text
    return response.json()


def _smart_update(migration, owner, worker, source):
    """On Magento: a simple product's stock, and a processing order shipped with a tracking number (which
    moves it to complete); the smart update carries both, and only them."""
    src_products = [p for p in all_records(migration.source_store, "products") if p.type == "simple"]
    product = src_products[0]
    _magento(source, "PUT", f"products/{product.sku}", json={"product": {
        "sku": product.sku, "extension_attributes": {"stock_item": {"qty": 777, "is_in_stock": True}}}})
    order = next(o for o in all_records(migration.source_store, "orders") if o.status == "processing")
    _magento(source, "POST", f"order/{order.source_id}/ship", json={
        "notify": False, "tracks": [{"track_number": "1ZSMART0001", "title": "UPS", "carrier_code": "ups"}]})
    changed = next(o for o in all_records(migration.source_store, "orders") if o.source_id == order.source_id)
    assert changed.status == "complete"
    smart_update_configure(migration=migration, fields={"products": ["stock_quantity", "stock_status"],
                                                        "orders": ["status", "shipments"]})
    run = run_start(migration=migration, kind=RunKind.SMART_UPDATE, user=owner, params={})
    wait_finished(run, timeout=300, workers=[worker])
    assert run.status == RunStatus.COMPLETED, (run.error_message, list(run.record_errors.all()[:5]))
    assert not run.record_errors.exists()
    applied = set(ChangeRecord.objects.filter(run=run, applied=True).values_list("entity", "source_id", "field"))
    assert ("products", product.source_id, "stock_quantity") in applied
    assert ("orders", order.source_id, "status") in applied and ("orders", order.source_id, "shipments") in applied
    written_product = next(p for p in all_records(migration.target_store, "products")
                           if p.source_id == _idmap(migration, "products")[product.source_id])
    assert written_product.stock_quantity == 777
    written = next(o for o in all_records(migration.target_store, "orders")
                   if o.source_id == _idmap(migration, "orders")[order.source_id])
    assert "1ZSMART0001" in {s.tracking_number for s in written.shipments}
    return written


def _migrate_to_woocommerce(owner, magento2_store_factory, woo_store_factory, start_worker, size, name):
    started = time.monotonic()
    source = magento2_store_factory(f"{name}-src", **size, seed=7)
    target = woo_store_factory(f"{name}-dst", languages=["en", "fr"])
    migration = make_migration(owner, source, target)
    assert {"products", "categories", "customers", "orders", "coupons", "manufacturers",
            "tax_classes"} <= set(migration.entities)
    worker = start_worker(name, MIGRATOR_SMART_UPDATE_OVERLAP_SECONDS=str(OVERLAP))
    run = _full_run(migration, owner, worker)
    seconds = time.monotonic() - started
    source_counts = _assert_migrated(migration, run, size, "woocommerce")
    run2 = _rerun_creates_nothing(migration, owner, worker, source_counts)
    return migration, worker, source, seconds, run2


def test_magento2_to_woocommerce_moves_everything_per_language_and_carries_a_smart_update(
        owner, magento2_store_factory, woo_store_factory, start_worker):
    started = time.monotonic()
    migration, worker, source, first, run2 = _migrate_to_woocommerce(
        owner, magento2_store_factory, woo_store_factory, start_worker, SIZE, "m2woo")
    time.sleep(OVERLAP + 1)  # the edits below are clearly after the full run's mark minus the overlap
    migration.refresh_from_db()
    written = _smart_update(migration, owner, worker, source)
    assert written.status == "completed"  # Magento's complete, mapped
    print(f"\nMagento 2 -> Woo ({SIZE}): seeding + first run {first:.0f} s, rerun "
          f"{_seconds(run2):.0f} s, whole test {time.monotonic() - started:.0f} s")


def test_magento2_to_shopify_moves_everything_per_language_with_redirects(
        owner, magento2_store_factory, shopify_store_factory, start_worker):
    started = time.monotonic()
    source = magento2_store_factory("m2shop-src", **SIZE, seed=9)
    target = shopify_store_factory("m2shop-dst", languages=["en", "fr"])
    _generous(target)  # Shopify's pacing is tested elsewhere; here the Magento side is
    migration = make_migration(owner, source, target, options={"create_redirects": True})
    worker = start_worker("m2shop")
    run = _full_run(migration, owner, worker)
    first = time.monotonic() - started
    source_counts = _assert_migrated(migration, run, SIZE, "shopify")
    from sandbox.models import SandboxRecord

    redirects = {r.data["path"]: r.data["target"] for r in SandboxRecord.objects.filter(
        store__platform="shopify", store__name="m2shop-dst", resource="url_redirects")}
    source_products = all_records(migration.source_store, "products")
    for product in source_products:
        path = "/" + product.extra["magento2"]["url"].split("://", 1)[1].split("/", 1)[1]
        assert redirects.get(path, "").startswith("/products/"), (path, list(redirects.items())[:3])
    assert sum(t.startswith("/collections/") for t in redirects.values()) >= 9
    run2 = _rerun_creates_nothing(migration, owner, worker, source_counts)
    print(f"\nMagento 2 -> Shopify ({SIZE}): seeding + first run {first:.0f} s, rerun "
          f"{_seconds(run2):.0f} s, whole test {time.monotonic() - started:.0f} s")


def test_woocommerce_to_magento2_moves_the_catalog_and_customers(owner, woo_store_factory, magento2_store_factory,
                                                                   start_worker):
    """The target side: categories, manufacturers (brands), simple and variable products (configurables with
    their children and option values), customers (through the asynchronous bulk API); translations to the
    French store view; a rerun creates nothing. Magento's REST API cannot create historical orders (see the
    connector's guide)."""
    started = time.monotonic()
    source = woo_store_factory("woo-m2-src", products=20, customers=45, orders=0, languages=["en", "fr"], seed=4)
    target = magento2_store_factory("woo-m2-dst")
    migration = make_migration(owner, source, target, options={"migrate_images": False})
    assert set(migration.entities) == {"manufacturers", "categories", "products", "customers"}
    worker = start_worker("woo-m2")
    run = _full_run(migration, owner, worker)
    assert not RecordError.objects.filter(run=run).exists()
    entities = migration.entities
    source_counts = counts(migration.source_store, entities)
    assert counts(migration.target_store, entities) == source_counts and source_counts["products"] == 20
    products, categories, variants = (_idmap(migration, e) for e in ("products", "categories", "variants"))
    target_products = {p.source_id: p for p in all_records(migration.target_store, "products")}
    variable = 0
    for product in all_records(migration.source_store, "products"):
        written = target_products[products[product.source_id]]
        assert (written.sku, written.name, written.type, written.price) == (
            product.sku, product.name, product.type, product.price)
        assert sorted(written.category_ids) == sorted(categories[c] for c in product.category_ids)
        if product.translations.get("fr"):
            assert written.translations["fr"]["name"] == product.translations["fr"]["name"]
        if product.type == "variable":
            variable += 1
            assert {variants[v.source_id]: (v.sku, v.option_values, v.stock_quantity) for v in product.variants} == {
                v.source_id: (v.sku, v.option_values, v.stock_quantity) for v in written.variants}
    assert variable > 0
    target_customers = {c.email: c for c in all_records(migration.target_store, "customers")}
    for customer in all_records(migration.source_store, "customers"):
        written = target_customers[customer.email]
        assert (written.first_name, written.last_name, written.billing.city) == (
            customer.first_name, customer.last_name, customer.billing.city)
    # Customers (more than the connector's bulk_min) went through the asynchronous bulk API, all completed.
    from sandbox.models import SandboxRecord

    operations = SandboxRecord.objects.filter(store__platform="magento2", store__name="woo-m2-dst",
                                              resource="bulk_operations")
    assert operations.count() == 45 and {str(s) for s in operations.values_list("status", flat=True)} == {"1"}
    topic = "async.magento.customer.api.accountmanagementinterface.createaccount.post"
    assert {o.data["topic_name"] for o in operations} == {topic}
    run2 = _rerun_creates_nothing(migration, owner, worker, source_counts)
    print(f"\nWoo -> Magento 2: first run {_seconds(run):.0f} s, rerun {_seconds(run2):.0f} s, whole test "
          f"{time.monotonic() - started:.0f} s")
