"""Sequences of runs (docs/runs.md), pinned with the in-memory connector: each test is a sequence a store
owner ran that once went wrong, and the rule that now holds."""
import pytest

from connectors.entities import EntityType, Shipment
from migrations_app.enums import RunStatus
from migrations_app.models import ChangeRecord, EntityProgress, IdMap, MigrationRun, StoreMigration
from migrations_app.services.runs import run_start
from migrations_app.services.smart_update import smart_update_configure

from .conftest import run
from .memory import STORES, UNDELETABLE
from .test_followup_runs import ALL, ORD, SRC, TGT, P, add_source_product, edit_target, target_of, touch


@pytest.fixture(autouse=True)
def _no_overlap(settings):
    # Marks are compared with record times to the microsecond here; the overlap only re-reads more.
    settings.MIGRATOR_SMART_UPDATE_OVERLAP_SECONDS = 0


def test_recent_data_does_not_swallow_stock_changes_for_a_later_smart_update(migrated, queue):
    """Finding 3: after a full run, stock changed on the source; Recent data ran (and brought a new
    record); a Smart Update of stock then carried over nothing. Recent data moves only its own mark."""
    for source_id in ("101", "102", "103"):
        touch(P, source_id, stock_quantity=77)
    touch(ORD, list(STORES[SRC][ORD])[0], status="shipped")
    add_source_product("198")
    recent = run(queue, migrated, "recent", entities=["products"])
    assert EntityProgress.objects.get(run=recent, entity="products").created == 1
    assert all(target_of(migrated, P, s).stock_quantity != 77 for s in ("101", "102", "103"))

    smart_update_configure(migration=migrated, fields={"products": ["stock_quantity"], "orders": ["status"]})
    smart = run(queue, migrated, "smart_update")
    assert [target_of(migrated, P, s).stock_quantity for s in ("101", "102", "103")] == [77, 77, 77]
    first_order = list(STORES[SRC][ORD])[0]
    assert target_of(migrated, ORD, first_order).status == "shipped"
    assert EntityProgress.objects.get(run=smart, entity="products").updated == 3


def test_smart_update_of_one_field_then_another_loses_neither(migrated, queue):
    """A smart update of stock only, then one of prices: the price change made before the first one
    still arrives (each field has its own mark)."""
    touch(P, "104", stock_quantity=5, price="99.00")
    smart_update_configure(migration=migrated, fields={"products": ["stock_quantity"]})
    run(queue, migrated, "smart_update")
    assert target_of(migrated, P, "104").stock_quantity == 5
    assert str(target_of(migrated, P, "104").price) == "10.00"
    smart_update_configure(migration=migrated, fields={"products": ["price"]})
    run(queue, migrated, "smart_update")
    assert str(target_of(migrated, P, "104").price) == "99.00"


def test_a_failed_record_keeps_the_mark_so_the_next_smart_update_reads_it_again(migrated, queue, monkeypatch):
    from .memory import MemoryConnector

    touch(P, "105", stock_quantity=9)
    smart_update_configure(migration=migrated, fields={"products": ["stock_quantity"]})
    original = MemoryConnector.update

    def refuse(self, entity, target_id, item, fields=None):
        from connectors.base import WriteResult

        if fields:
            return WriteResult(source_id=item.source_id, error="The store was read-only for a moment.")
        return original(self, entity, target_id, item, fields)

    monkeypatch.setattr(MemoryConnector, "update", refuse)
    before = StoreMigration.objects.get(pk=migrated.pk).high_water["products"]
    failed = run(queue, migrated, "smart_update")
    assert failed.status == RunStatus.COMPLETED_WITH_ERRORS
    assert StoreMigration.objects.get(pk=migrated.pk).high_water["products"] == before
    monkeypatch.setattr(MemoryConnector, "update", original)
    run(queue, migrated, "smart_update")
    assert target_of(migrated, P, "105").stock_quantity == 9


@pytest.mark.parametrize("policy", ["source", "target"])
def test_preview_decides_exactly_what_the_smart_update_then_writes(migrated, queue, policy):
    """Finding 5: Preview said "target value kept" for a conflict and the run then wrote the source value.
    The preview's decision per change (will_apply) is the run's (applied), and the page says the same."""
    touch(P, "101", price="20.00", stock_quantity=4)
    edit_target(migrated, P, "101", price="15.00")  # the owner's edit on the new store: a conflict
    touch(ORD, list(STORES[SRC][ORD])[1], shipments=[Shipment(tracking_number="1Z9", carrier="UPS")])
    smart_update_configure(migration=migrated, fields={"products": ["price", "stock_quantity"],
                                                       "orders": ["shipments"]}, conflict_policy=policy)
    preview = run(queue, migrated, "smart_update", preview=True)
    planned = {(c.source_id, c.field, c.kind): c.will_apply for c in ChangeRecord.objects.filter(run=preview)}
    assert not ChangeRecord.objects.filter(run=preview, applied=True).exists()
    assert planned[("101", "price", "conflict")] is (policy == "source")
    smart = run(queue, migrated, "smart_update")
    done = {(c.source_id, c.field, c.kind): c.applied for c in ChangeRecord.objects.filter(run=smart)}
    assert done == planned
    assert str(target_of(migrated, P, "101").price) == ("20.00" if policy == "source" else "15.00")


def test_preview_page_says_what_the_run_will_do_with_a_conflict(migrated, queue, client, monkeypatch):
    from .memory import MemoryConnector

    monkeypatch.setattr("migrations_app.views.runs.all_connectors", lambda: {"memory": MemoryConnector})
    touch(P, "101", price="20.00")
    edit_target(migrated, P, "101", price="15.00")
    smart_update_configure(migration=migrated, fields={"products": ["price"]}, conflict_policy="source")
    preview = run(queue, migrated, "smart_update", preview=True)
    client.force_login(migrated.created_by)
    html = client.get(f"/runs/{preview.pk}/").content.decode()
    assert "source value will be written" in html
    assert "target value kept" not in html


def test_remigration_with_clear_the_target_refuses_completes_and_names_what_stayed(migrated, queue):
    """Finding 2 (the rule): a clear the target refuses is skipped with a warning, never a failed run;
    the refused records are written again in place, not duplicated."""
    UNDELETABLE[TGT].add("orders")
    orders_before = set(STORES[TGT][ORD])
    again = run(queue, migrated, "remigration", options={"clear_target": True, "clear_scope": "created"})
    assert again.status == RunStatus.COMPLETED, again.error_message
    assert set(STORES[TGT][ORD]) == orders_before  # kept, written again in place: no second copy
    assert len(STORES[TGT][P]) == len(STORES[SRC][P])
    [warning] = [w for w in again.warnings if w["entity"] == "orders"]
    assert warning["count"] == len(orders_before) and "could not be cleared" in warning["message"]
    assert IdMap.objects.filter(migration=migrated, entity="orders").count() == len(STORES[SRC][ORD])


def test_clear_all_with_refusals_terminates_and_keeps_one_copy(migrated, queue):
    UNDELETABLE[TGT].add("customers")
    again = run(queue, migrated, "remigration", options={"clear_target": True, "clear_scope": "all"})
    assert again.status == RunStatus.COMPLETED, again.error_message
    assert len(STORES[TGT][EntityType.CUSTOMER]) == len(STORES[SRC][EntityType.CUSTOMER])
    assert {w["entity"] for w in again.warnings} == {"customers"}


def test_demo_then_full_writes_the_demo_records_again_in_place(db, queue, owner, settings):
    """Finding 1 (the rule): the full run after a demo clears nothing and creates nothing twice; it
    rewrites the demo's records and counts them as updated."""
    from migrations_app.services.wizard import migration_create

    from .conftest import make_store, seed_memory

    settings.MIGRATOR_DEMO_LIMIT = 3
    source, target = make_store(owner, SRC), make_store(owner, TGT)
    seed_memory(source.url)
    migration = migration_create(organization=source.organization, user=owner, source_store=source,
                                 target_store=target, entities=ALL)
    run(queue, migration, "demo")
    demo_ids = set(STORES[TGT][P])
    full = run(queue, migration, "full")
    assert demo_ids <= set(STORES[TGT][P])  # the demo's products are still the same target records
    assert len(STORES[TGT][P]) == len(STORES[SRC][P])
    products = EntityProgress.objects.get(run=full, entity="products")
    assert (products.created, products.updated, products.unchanged) == (len(STORES[SRC][P]) - 3, 3, 0)
    assert products.total == products.done == len(STORES[SRC][P])
    assert full.phase != "clear" and not full.params.get("cleared")


def test_failed_and_cancelled_runs_are_not_charged(migrated, queue):
    from migrations_app.services.engine import run_fail
    from migrations_app.services.runs import run_cancel

    again = run_start(migration=migrated, kind="remigration", params={"entities": ["products"]})
    run_fail(run_id=again.pk, message="The target store answered 401.")
    again.refresh_from_db()
    assert again.status == RunStatus.FAILED and again.charge_cents == 0
    queue.jobs.clear()
    full = MigrationRun.objects.create(organization_id=migrated.organization_id, migration=migrated, kind="full",
                                       quote={"amount_cents": 2900}, charge_cents=2900)
    run_cancel(run=full)
    full.refresh_from_db()
    assert full.status == RunStatus.CANCELLED and full.charge_cents == 0
