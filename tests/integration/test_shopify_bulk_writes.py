"""WooCommerce -> Shopify full runs whose products go through Shopify bulk mutations (Connector.create_bulk),
through real Celery workers on Redis and PostgreSQL, the sandbox stores on the live server.

The Shopify store runs a bulk mutation at a pace of its own (`bulk_mutation_lines_per_second`), slower than a
step's budget, so that a step leaves its operation running (its id in the checkpoint), and a worker can be
SIGKILLed while one runs."""
import pytest

from accounts.services import user_create
from migrations_app.enums import IdMapState, RunStatus
from migrations_app.models import EntityProgress, IdMap
from migrations_app.services.runs import run_start

from ..fixtures.worker import wait_for
from .helpers import all_records, make_migration, wait_finished

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.worker]
PRODUCTS = 150  # two pages of the WooCommerce source (100 a page): two bulk operations (Shopify's bulk_min is 50)


@pytest.fixture
def owner():
    return user_create(email="owner@shop.example", password="a-long-password-1")


def _paced(described: dict, lines_per_second: float) -> None:
    from sandbox.models import SandboxStore
    from sandbox.services import sandbox_store_set_throttle

    store = SandboxStore.objects.get(platform="shopify", name=described["store"])
    sandbox_store_set_throttle(store, restore_rate=100000, bucket_size=200000)
    store.refresh_from_db()
    store.settings = {**store.settings, "bulk_mutation_lines_per_second": lines_per_second}
    store.save(update_fields=["settings"])


def _mutations(described: dict) -> list:
    from sandbox.models import SandboxRecord

    return list(SandboxRecord.objects.filter(store__name=described["store"], store__platform="shopify",
                                             resource="bulk_operations", lookup="MUTATION").order_by("record_id"))


def _assert_every_product_once(migration) -> None:
    source = all_records(migration.source_store, "products")
    target = all_records(migration.target_store, "products")
    assert len(target) == len(source) == PRODUCTS
    keys = [p.natural_key() for p in target]
    assert len(set(keys)) == len(keys)  # nothing created twice
    assert {p.natural_key() for p in source} == set(keys)
    rows = IdMap.objects.filter(migration=migration, entity="products")
    assert rows.filter(state=IdMapState.DONE).count() == PRODUCTS and not rows.exclude(state=IdMapState.DONE).exists()
    assert len(set(rows.values_list("target_id", flat=True))) == PRODUCTS


def test_a_full_run_creates_products_with_bulk_operations_polled_across_steps(
        owner, woo_store_factory, shopify_store_factory, start_worker):
    """Each page of products is one bulk mutation; a step polls it at most its own budget, then leaves it
    running (its id in the checkpoint) and the next step follows it: one operation per page, never two."""
    source = woo_store_factory("bulk-src", products=PRODUCTS, seed=4)
    target = shopify_store_factory("bulk-dst")
    _paced(target, 30)  # 100 lines: over 3 s, longer than a step's budget below
    migration = make_migration(owner, source, target, entities=["categories", "products"])
    worker = start_worker("bulk", MIGRATOR_BATCH_SECONDS="1.5")
    run = run_start(migration=migration, kind="full", user=owner)
    wait_finished(run, timeout=600, workers=[worker])
    assert run.status == RunStatus.COMPLETED, run.error_message
    _assert_every_product_once(migration)
    operations = _mutations(target)
    assert [(o.status, o.data["objectCount"]) for o in operations] == [("COMPLETED", 100), ("COMPLETED", 50)]
    progress = EntityProgress.objects.get(run=run, entity="products")
    assert (progress.created, progress.done, progress.failed) == (PRODUCTS, PRODUCTS, 0)
    assert "_bulk" not in (progress.checkpoint or {})
    assert run.verification.get("missing", 0) == 0, run.verification



def test_a_worker_killed_while_a_bulk_operation_runs_resumes_it_and_creates_nothing_twice(
        owner, woo_store_factory, shopify_store_factory, start_worker):
    """SIGKILL while a step waits for its page's bulk operation (half of its lines run, its id not recorded yet):
    the next worker reads the page again, finds the operation by the page's key kept in the checkpoint, maps what
    it created and starts no second operation for that page."""
    source = woo_store_factory("kill-bulk-src", products=PRODUCTS, seed=6)
    target = shopify_store_factory("kill-bulk-dst")
    _paced(target, 12)  # 100 lines: over 8 s
    migration = make_migration(owner, source, target, entities=["categories", "products"])
    recovery = {"MIGRATOR_LEASE_SECONDS": "4", "MIGRATOR_LEASE_RENEW_SECONDS": "1",
                "MIGRATOR_HEARTBEAT_STALE_SECONDS": "6", "MIGRATOR_REAPER_INTERVAL_SECONDS": "1"}
    doomed = start_worker("doomed-bulk", **recovery)  # a step polls up to 20 s: the kill lands inside it
    run = run_start(migration=migration, kind="full", user=owner)

    def half_way() -> bool:
        operations = _mutations(target)
        return bool(operations) and operations[0].status == "RUNNING" and \
            20 <= int(operations[0].data.get("objectCount") or 0) < 90
    wait_for(half_way, timeout=300, interval=0.1, message="a bulk operation half-way", workers=[doomed])
    products = EntityProgress.objects.get(run=run, entity="products")
    assert products.done == 0 and products.checkpoint["_bulk"]["key"]  # the note was committed before the start
    doomed.kill()
    assert doomed.proc.returncode == -9

    rescuer = start_worker("rescuer-bulk", beat=True, **recovery)  # the reaper runs in its beat
    wait_finished(run, timeout=600, workers=[rescuer])
    assert run.status == RunStatus.COMPLETED, run.error_message
    _assert_every_product_once(migration)
    operations = _mutations(target)
    assert [(o.status, o.data["objectCount"]) for o in operations] == [("COMPLETED", 100), ("COMPLETED", 50)]
    progress = EntityProgress.objects.get(run=run, entity="products")
    assert (progress.created, progress.done, progress.failed) == (PRODUCTS, PRODUCTS, 0)
