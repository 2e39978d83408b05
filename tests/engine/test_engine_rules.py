"""The engine's own rules, pinned with an in-memory connector and an in-process queue."""
import pytest
from django.core import mail
from django.utils import timezone

from connectors.entities import VARIANTS, EntityType, validate_entity
from migrations_app.enums import EntityStatus, IdMapState, MigrationState, RunStatus
from migrations_app.models import EntityProgress, IdMap, MigrationRun, RecordError
from migrations_app.services import engine
from migrations_app.services.notify import run_notify_owner
from migrations_app.services.runs import run_cancel, run_start
from migrations_app.services.wizard import migration_create

from .conftest import make_store, seed_memory
from .memory import BAD, STORES

ALL = ["categories", "products", "customers", "orders"]


def _migration(owner, entities=ALL, **kw):
    source = make_store(owner, "http://source.test")
    target = make_store(owner, "http://target.test")
    seed_memory(source.url)
    return migration_create(organization=source.organization, user=owner, source_store=source,
                            target_store=target, entities=entities, **kw)


def _start(queue, migration, kind="full"):
    run = run_start(migration=migration, kind=kind, user=migration.created_by)
    queue("run_advance_task", str(run.pk))  # on_commit does not fire inside the test transaction
    return run


def _worker_died_then_reaper_runs(run, queue):
    """The dead worker's messages are gone and its lease expires; the reaper puts the run back to work."""
    EntityProgress.objects.filter(run=run).update(lease_until=timezone.now() - timezone.timedelta(seconds=1),
                                                  lease_owner="dead")
    MigrationRun.objects.filter(pk=run.pk).update(heartbeat_at=timezone.now() - timezone.timedelta(hours=1))
    queue.jobs.clear()
    assert engine.runs_reap() == 1
    queue.drain()


def test_engine_full_run_migrates_everything_with_references(db, queue, owner):
    migration = _migration(owner)
    run = _start(queue, migration)
    queue.drain()
    run.refresh_from_db()
    assert run.status == RunStatus.COMPLETED, run.error_message
    src, tgt = STORES["http://source.test"], STORES["http://target.test"]
    for entity in ALL:
        assert len(tgt[EntityType(entity)]) == len(src[EntityType(entity)])
    ids = {(r.entity, r.source_id): r.target_id for r in IdMap.objects.filter(migration=migration)}
    # Category parent written after its child was fixed at the end of the entity.
    child = tgt[EntityType.CATEGORY][ids[("categories", "1")]]
    assert child.parent_id == ids[("categories", "3")]
    for sid, order in src[EntityType.ORDER].items():
        written = tgt[EntityType.ORDER][ids[("orders", sid)]]
        assert written.lines[0].product_id == ids[("products", order.lines[0].product_id)]
        assert written.lines[0].variant_id == ids[(VARIANTS, order.lines[0].variant_id)]
        assert written.customer_id == (ids[("customers", order.customer_id)] if order.customer_id else None)
        assert written.status == order.status  # same platform: statuses map to themselves
    product = tgt[EntityType.PRODUCT][ids[("products", "101")]]
    assert sorted(product.category_ids) == sorted([ids[("categories", "1")], ids[("categories", "3")]])
    assert migration.__class__.objects.get(pk=migration.pk).state == MigrationState.FULL_COMPLETED
    assert run.verification["mismatches"] == 0
    assert run.verification["entities"]["orders"]["migrated"] == 15


def test_engine_second_full_run_creates_nothing_twice(db, queue, owner):
    migration = _migration(owner)
    _start(queue, migration)
    queue.drain()
    before = {e: len(v) for e, v in STORES["http://target.test"].items()}
    run2 = _start(queue, migration)
    queue.drain()
    run2.refresh_from_db()
    assert run2.status == RunStatus.COMPLETED
    assert {e: len(v) for e, v in STORES["http://target.test"].items()} == before
    assert sum(run2.progress.values_list("created", flat=True)) == 0
    assert sum(run2.progress.values_list("done", flat=True)) == sum(before.values())


def test_engine_crash_between_write_and_commit_reconciles_without_duplicates(db, queue, owner, monkeypatch):
    migration = _migration(owner, entities=["customers"])
    run = _start(queue, migration)
    real_commit = engine._commit_page
    calls = {"n": 0}

    def crash_once(ctx, progress, page, out):
        calls["n"] += 1
        if calls["n"] == 2:  # the second page was written to the target, then the worker died
            raise KeyboardInterrupt("worker killed")
        return real_commit(ctx, progress, page, out)

    monkeypatch.setattr(engine, "_commit_page", crash_once)
    with pytest.raises(KeyboardInterrupt):
        queue.drain()
    assert IdMap.objects.filter(migration=migration, state=IdMapState.PENDING).count() == 3
    _worker_died_then_reaper_runs(run, queue)
    run.refresh_from_db()
    assert run.status == RunStatus.COMPLETED
    target = STORES["http://target.test"][EntityType.CUSTOMER]
    emails = [c.email for c in target.values()]
    assert len(emails) == len(set(emails)) == 8
    assert not IdMap.objects.filter(migration=migration, state=IdMapState.PENDING).exists()


def test_engine_bad_records_become_errors_and_the_run_goes_on(db, queue, owner):
    migration = _migration(owner, entities=["customers"])
    BAD["http://source.test"][EntityType.CUSTOMER].append({"source_id": "777", "email": "not-an-email"})
    STORES["http://source.test"][EntityType.CUSTOMER]["778"] = STORES["http://source.test"][EntityType.CUSTOMER][
        "501"].model_copy(update={"source_id": "778", "email": "x@example.com", "first_name": "refuse me"})
    run = _start(queue, migration)
    queue.drain()
    run.refresh_from_db()
    assert run.status == RunStatus.COMPLETED_WITH_ERRORS
    errors = {e.source_id: e.message for e in RecordError.objects.filter(run=run)}
    assert "not-an-email" in errors["777"]
    assert len(STORES["http://target.test"][EntityType.CUSTOMER]) == 9
    progress = run.progress.get()
    assert (progress.done, progress.failed, progress.total) == (9, 1, 10)


def test_engine_refused_write_is_a_record_error(db, queue, owner):
    migration = _migration(owner, entities=["categories"])
    STORES["http://source.test"][EntityType.CATEGORY]["2"] = STORES["http://source.test"][EntityType.CATEGORY][
        "2"].model_copy(update={"name": "refuse me"})
    run = _start(queue, migration)
    queue.drain()
    error = RecordError.objects.get(run=run)
    assert (error.source_id, error.message) == ("2", "Refused by the store.")
    assert not IdMap.objects.filter(migration=migration, entity="categories", source_id="2").exists()


def test_engine_demo_moves_exactly_the_limit_per_entity_and_emails_once(db, queue, owner, settings):
    settings.MIGRATOR_DEMO_LIMIT = 3
    migration = _migration(owner)
    run = _start(queue, migration, kind="demo")
    queue.drain()
    run.refresh_from_db()
    assert run.status == RunStatus.COMPLETED
    for entity in ALL:
        assert len(STORES["http://target.test"][EntityType(entity)]) == 3
    assert [m.to for m in mail.outbox] == [["owner@example.com"]]
    assert "3 of 3" in mail.outbox[0].body
    assert run_notify_owner(run_id=run.pk) is False  # a redelivered finalize does not email again
    assert len(mail.outbox) == 1
    assert migration.__class__.objects.get(pk=migration.pk).state == MigrationState.DEMO_COMPLETED


def test_engine_cancel_stops_the_chain_after_the_current_step(db, queue, owner, settings):
    settings.MIGRATOR_BATCH_PAGES = 1
    migration = _migration(owner, entities=["customers"])
    run = _start(queue, migration)
    queue.drain(limit=2)  # the run is claimed and the first step writes one page of 5
    run_cancel(run=run)
    queue.drain()
    run.refresh_from_db()
    assert run.status == RunStatus.CANCELLED
    assert len(STORES["http://target.test"][EntityType.CUSTOMER]) == 5
    assert run.progress.get().status == EntityStatus.CANCELLED


def test_engine_second_step_with_live_lease_is_refused(db, queue, owner):
    migration = _migration(owner, entities=["customers"])
    run = _start(queue, migration)
    queue.drain(limit=1)
    assert engine._claim(run.pk, "customers", "worker-a")
    assert engine.entity_step(run_id=run.pk, entity="customers", owner="worker-b") == "busy"


def test_engine_clear_created_data_then_migrate_again(db, queue, owner):
    migration = _migration(owner, entities=["customers"])
    _start(queue, migration)
    queue.drain()
    first_ids = set(STORES["http://target.test"][EntityType.CUSTOMER])
    migration.options = {**migration.options, "clear_target": True, "clear_scope": "created"}
    migration.save()
    run = _start(queue, migration)
    queue.drain()
    run.refresh_from_db()
    assert run.status == RunStatus.COMPLETED
    second_ids = set(STORES["http://target.test"][EntityType.CUSTOMER])
    assert len(second_ids) == 8 and not (first_ids & second_ids)


def test_engine_partial_write_warnings_are_shown_as_record_errors(db, queue, owner):
    migration = _migration(owner, entities=["categories"])
    STORES["http://source.test"][EntityType.CATEGORY]["2"] = STORES["http://source.test"][EntityType.CATEGORY][
        "2"].model_copy(update={"name": "warn me"})
    run = _start(queue, migration)
    queue.drain()
    run.refresh_from_db()
    assert run.status == RunStatus.COMPLETED_WITH_ERRORS
    error = RecordError.objects.get(run=run)
    assert error.source_id == "2" and error.message.startswith("Partly migrated: Variation X was refused")
    assert run.progress.get().done == 4  # the record itself was written


def test_engine_crash_after_product_write_recovers_variant_ids(db, queue, owner, monkeypatch):
    migration = _migration(owner, entities=["categories", "products"])
    run = _start(queue, migration)
    real_commit = engine._commit_page
    state = {"crashed": False}

    def crash_on_products(ctx, progress, page, out):
        if ctx.entity == EntityType.PRODUCT and not state["crashed"]:
            state["crashed"] = True
            raise KeyboardInterrupt("worker killed after writing products")
        return real_commit(ctx, progress, page, out)

    monkeypatch.setattr(engine, "_commit_page", crash_on_products)
    with pytest.raises(KeyboardInterrupt):
        queue.drain()
    _worker_died_then_reaper_runs(run, queue)
    run.refresh_from_db()
    assert run.status == RunStatus.COMPLETED
    assert len(STORES["http://target.test"][EntityType.PRODUCT]) == 12
    variant_rows = dict(IdMap.objects.filter(migration=migration, entity=VARIANTS).values_list("source_id",
                                                                                                "target_id"))
    assert len(variant_rows) == 24
    for product in STORES["http://target.test"][EntityType.PRODUCT].values():
        assert {v.source_id for v in product.variants} <= set(variant_rows.values())


def test_engine_full_run_after_demo_rewrites_the_demo_records_whole(db, queue, owner, settings):
    settings.MIGRATOR_DEMO_LIMIT = 2
    migration = _migration(owner, entities=["categories", "products"])
    _start(queue, migration, kind="demo")
    queue.drain()
    ids = dict(IdMap.objects.filter(migration=migration, entity="products").values_list("source_id", "target_id"))
    demo_copy = STORES["http://target.test"][EntityType.PRODUCT][ids["101"]]
    assert len(demo_copy.category_ids) == 1  # category 3 was not part of the demo
    run = _start(queue, migration)
    queue.drain()
    run.refresh_from_db()
    assert run.status == RunStatus.COMPLETED, run.error_message
    assert len(STORES["http://target.test"][EntityType.PRODUCT]) == 12
    ids = dict(IdMap.objects.filter(migration=migration).values_list("source_id", "target_id"))
    product = STORES["http://target.test"][EntityType.PRODUCT][ids["101"]]
    assert sorted(product.category_ids) == sorted([ids["1"], ids["3"]])
    assert run.verification["mismatches"] == 0


def test_engine_applies_status_language_and_group_mappings(db, queue, owner):
    source = make_store(owner, "http://source.test")
    target = make_store(owner, "http://target.test")
    seed_memory(source.url)
    orders = STORES[source.url][EntityType.ORDER]
    orders["901"] = orders["901"].model_copy(update={"status": "paid"})
    customers = STORES[source.url][EntityType.CUSTOMER]
    customers["501"] = customers["501"].model_copy(update={"group": "VIP"})
    categories = STORES[source.url][EntityType.CATEGORY]
    categories["2"] = categories["2"].model_copy(update={"translations": {"fr": {"name": "Seul"},
                                                                          "es": {"name": "Solo"}}})
    migration = migration_create(
        organization=source.organization, user=owner, source_store=source, target_store=target,
        entities=["categories", "products", "customers", "orders"],
        status_mapping={"paid": "shipped"}, language_mapping={"fr": "fr-ca", "es": ""},
        group_mapping={"VIP": "Gold"},
    )
    _start(queue, migration)
    queue.drain()
    ids = dict(IdMap.objects.filter(migration=migration).values_list("source_id", "target_id"))
    written = STORES[target.url]
    assert written[EntityType.ORDER][ids["901"]].status == "shipped"
    assert written[EntityType.ORDER][ids["902"]].status == "shipped"  # unmapped: same status on the target
    assert written[EntityType.CUSTOMER][ids["501"]].group == "Gold"
    assert written[EntityType.CATEGORY][ids["2"]].translations == {"fr-ca": {"name": "Seul"}}


def test_engine_coupon_limited_to_records_not_migrated_is_a_record_error_not_a_wider_coupon(db, queue, owner):
    """A coupon keeps the restrictions that arrived; one whose products and categories all stayed behind is
    not written (it would apply to the whole store)."""
    migration = _migration(owner, entities=["categories", "products", "coupons"])
    source = STORES["http://source.test"]
    source[EntityType.PRODUCT].pop("112")
    source[EntityType.COUPON]["1"] = validate_entity("coupons", {"source_id": "1", "code": "HALF",
                                                                 "product_ids": ["101", "999"]})
    source[EntityType.COUPON]["2"] = validate_entity("coupons", {"source_id": "2", "code": "GONE",
                                                                 "product_ids": ["998"], "category_ids": ["997"]})
    source[EntityType.COUPON]["3"] = validate_entity("coupons", {"source_id": "3", "code": "ALL"})
    run = _start(queue, migration)
    queue.drain()
    run.refresh_from_db()
    assert run.status == RunStatus.COMPLETED_WITH_ERRORS
    error = RecordError.objects.get(run=run)
    assert (error.source_id, error.message) == ("2", "It is limited to products 998; categories 997, none of "
                                                     "which was migrated: written without them it would apply to "
                                                     "everything, so it was not written.")
    written = {c.code: c for c in STORES["http://target.test"][EntityType.COUPON].values()}
    assert set(written) == {"HALF", "ALL"}
    products = dict(IdMap.objects.filter(migration=migration, entity="products").values_list("source_id",
                                                                                           "target_id"))
    assert written["HALF"].product_ids == [products["101"]] and written["ALL"].product_ids == []


def test_engine_demo_passes_over_a_coupon_limited_to_records_outside_the_demo(db, queue, owner, settings):
    settings.MIGRATOR_DEMO_LIMIT = 2
    migration = _migration(owner, entities=["categories", "products", "coupons"])
    source = STORES["http://source.test"]
    source[EntityType.COUPON]["1"] = validate_entity("coupons", {"source_id": "1", "code": "LATER",
                                                                 "product_ids": ["110"]})
    source[EntityType.COUPON]["2"] = validate_entity("coupons", {"source_id": "2", "code": "FIRST",
                                                                 "product_ids": ["101"]})
    source[EntityType.COUPON]["3"] = validate_entity("coupons", {"source_id": "3", "code": "ALL"})
    run = _start(queue, migration, kind="demo")
    queue.drain()
    run.refresh_from_db()
    assert run.status == RunStatus.COMPLETED and not RecordError.objects.filter(run=run).exists()
    assert {c.code for c in STORES["http://target.test"][EntityType.COUPON].values()} == {"FIRST", "ALL"}
