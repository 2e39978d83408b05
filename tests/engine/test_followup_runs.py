"""After the full migration: smart update (changes only, field-level patches, conflicts, preview,
deletions), re-migration (in place, or cleared) and recent data, pinned with the in-memory connector."""
from decimal import Decimal

import pytest
from django.utils import timezone

from connectors.entities import EntityType, Shipment
from migrations_app.models import ChangeRecord, IdMap, MigrationRun
from migrations_app.services.runs import run_start
from migrations_app.services.smart_update import smart_update_configure

from .conftest import make_store, run, seed_memory
from .memory import STORES, MemoryConnector

ALL = ["categories", "products", "customers", "orders"]
SRC, TGT = "http://source.test", "http://target.test"
P, ORD = EntityType.PRODUCT, EntityType.ORDER


def target_of(migration, entity, source_id):
    row = IdMap.objects.get(migration=migration, entity=entity, source_id=source_id)
    return STORES[TGT][EntityType(entity)][row.target_id]


def touch(entity, source_id, **changes):
    """Change a record on the source, as the live store would (its updated_at moves)."""
    store = STORES[SRC][entity]
    store[source_id] = store[source_id].model_copy(update={**changes, "updated_at": timezone.now()})


def edit_target(migration, entity, source_id, **changes):
    row = IdMap.objects.get(migration=migration, entity=entity, source_id=source_id)
    store = STORES[TGT][entity]
    store[row.target_id] = store[row.target_id].model_copy(update=changes)


def add_source_product(source_id):
    from connectors.entities import validate_entity

    STORES[SRC][P][source_id] = validate_entity("products", {
        "source_id": source_id, "name": f"New {source_id}", "sku": f"NEW-{source_id}", "price": "5.00",
        "stock_quantity": 3, "updated_at": timezone.now().isoformat()})


def test_smart_update_carries_changes_only_and_keeps_target_edits(migrated, queue):
    smart_update_configure(migration=migrated, fields={"products": ["stock_quantity", "stock_status"],
                                                       "orders": ["status", "shipments"]})
    for sid in ("101", "102", "103"):
        touch(P, sid, stock_quantity=7, stock_status="in_stock")
    touch(ORD, "901", status="shipped", shipments=[Shipment(tracking_number="TRK-1", carrier="UPS")])
    add_source_product("199")
    edit_target(migrated, P, "101", description="Written on the new store")
    edit_target(migrated, P, "104", description="Also edited on the target")
    creates_before = len(STORES[TGT][P])
    MemoryConnector.reads.clear()

    smart = run(queue, migrated, "smart_update")

    assert MemoryConnector.reads["products"] == 4  # three changed and one new, not the whole store
    assert MemoryConnector.reads["orders"] == 1
    for sid in ("101", "102", "103"):
        assert target_of(migrated, P, sid).stock_quantity == 7
    assert target_of(migrated, P, "101").description == "Written on the new store"  # not selected: kept
    assert target_of(migrated, P, "104").description == "Also edited on the target"
    order = target_of(migrated, ORD, "901")
    assert order.status == "shipped" and order.shipments[0].tracking_number == "TRK-1"
    assert len(STORES[TGT][P]) == creates_before + 1
    assert target_of(migrated, P, "199").name == "New 199"
    changes = ChangeRecord.objects.filter(run=smart)
    assert set(changes.filter(entity="products", kind="update").values_list("source_id", flat=True)) == {
        "101", "102", "103"}
    assert changes.filter(entity="products", kind="create", source_id="199", applied=True).exists()
    assert changes.filter(entity="orders", field="shipments", applied=True).count() == 1
    assert not changes.filter(kind="conflict").exists()

    # Nothing changed since: the next smart update reads only the overlap and writes nothing.
    MemoryConnector.reads.clear()
    again = run(queue, migrated, "smart_update")
    assert not ChangeRecord.objects.filter(run=again).exclude(kind="create").exists()
    assert not ChangeRecord.objects.filter(run=again, kind="create").exists()
    assert len(STORES[TGT][P]) == creates_before + 1


def test_smart_update_preview_lists_the_same_changes_and_writes_nothing(migrated, queue):
    smart_update_configure(migration=migrated, fields={"products": ["stock_quantity"]})
    touch(P, "105", stock_quantity=42)
    add_source_product("198")
    before = {k: v.model_copy() for k, v in STORES[TGT][P].items()}
    MemoryConnector.reads.clear()

    preview = run(queue, migrated, "smart_update", preview=True)

    assert MemoryConnector.reads["products"] == 2  # from the update's sync point, as the update reads: not all
    assert STORES[TGT][P] == before
    rows = ChangeRecord.objects.filter(run=preview)
    assert rows.filter(kind="update", source_id="105", field="stock_quantity", new__product=42,
                       applied=False).exists()
    assert rows.filter(kind="create", source_id="198", applied=False).exists()
    assert migrated.__class__.objects.get(pk=migrated.pk).high_water.get("products") is not None
    assert preview.verification == {"preview": True}

    real = run(queue, migrated, "smart_update")  # the preview did not move the mark: same changes
    assert set(ChangeRecord.objects.filter(run=real).values_list("source_id", "kind")) == {
        ("105", "update"), ("198", "create")}
    assert target_of(migrated, P, "105").stock_quantity == 42


@pytest.mark.parametrize("policy", ["source", "target"])
def test_smart_update_conflict_is_reported_and_policy_applies(migrated, queue, policy):
    smart_update_configure(migration=migrated, fields={"products": ["price"]}, conflict_policy=policy)
    touch(P, "106", price=Decimal("12.00"))
    edit_target(migrated, P, "106", price=Decimal("11.00"))  # the owner changed it on the new store too

    smart = run(queue, migrated, "smart_update")

    conflict = ChangeRecord.objects.get(run=smart, kind="conflict", source_id="106")
    assert conflict.field == "price" and conflict.applied == (policy == "source")
    assert target_of(migrated, P, "106").price == (Decimal("12.00") if policy == "source" else Decimal("11.00"))


def test_smart_update_archives_products_deleted_on_the_source(migrated, queue):
    smart_update_configure(migration=migrated, fields={"products": ["stock_quantity"]}, deletions="archive")
    del STORES[SRC][P]["107"]
    smart = run(queue, migrated, "smart_update")
    assert target_of(migrated, P, "107").status == "archived"
    assert ChangeRecord.objects.filter(run=smart, kind="archive", source_id="107", applied=True).exists()
    again = run(queue, migrated, "smart_update")
    assert not ChangeRecord.objects.filter(run=again, kind="archive").exists()  # once


def test_remigration_without_clear_rewrites_in_place(migrated, queue):
    counts = {e: len(STORES[TGT][e]) for e in (P, ORD)}
    touch(P, "101", name="Renamed on the source")
    edit_target(migrated, P, "102", name="Edited on target")
    remig = run(queue, migrated, "remigration", entities=["products"])
    assert {e: len(STORES[TGT][e]) for e in (P, ORD)} == counts  # nothing duplicated
    assert target_of(migrated, P, "101").name == "Renamed on the source"
    assert target_of(migrated, P, "102").name == "Product 2"  # a re-migration rewrites the whole record
    assert remig.quote["amount_cents"] == 0  # within the window and the cap


def test_remigration_with_clear_keeps_exactly_one_copy(migrated, queue):
    ids_before = set(IdMap.objects.filter(migration=migrated, entity="products").values_list("target_id", flat=True))
    run(queue, migrated, "remigration", entities=["products", "orders"],
        options={"clear_target": True, "clear_scope": "created"})
    assert len(STORES[TGT][P]) == len(STORES[SRC][P])
    assert len(STORES[TGT][ORD]) == len(STORES[SRC][ORD])
    ids_after = set(IdMap.objects.filter(migration=migrated, entity="products").values_list("target_id", flat=True))
    assert ids_after.isdisjoint(ids_before)  # deleted, migrated again, id map rebuilt
    assert set(STORES[TGT][P]) == ids_after


def test_recent_data_creates_only_what_is_new(migrated, queue):
    touch(P, "101", name="Changed but not new")
    add_source_product("197")
    MemoryConnector.reads.clear()
    recent = run(queue, migrated, "recent", entities=["products"])
    assert target_of(migrated, P, "197").name == "New 197"
    assert target_of(migrated, P, "101").name == "Product 1"  # recent data does not update
    assert MemoryConnector.reads["products"] == 2
    assert MigrationRun.objects.get(pk=recent.pk).quote["amount_cents"] == 0


def test_followup_kinds_need_a_completed_full_migration(db, queue, owner):
    from migrations_app.errors import ApplicationError
    from migrations_app.services.wizard import migration_create

    source, target = make_store(owner, SRC), make_store(owner, TGT)
    seed_memory(source.url)
    migration = migration_create(organization=source.organization, user=owner, source_store=source,
                                 target_store=target, entities=ALL)
    for kind in ("remigration", "recent", "smart_update"):
        with pytest.raises(ApplicationError, match="once the full migration has completed"):
            run_start(migration=migration, kind=kind)
