"""Retrying a run's failed records (services.runs.run_retry_failed), driven through the engine in process."""
import pytest
from django.utils import timezone

from connectors.base import WriteResult
from connectors.entities import EntityType, validate_entity
from migrations_app.enums import EntityStatus, IdMapState, RunKind, RunStatus
from migrations_app.errors import ApplicationError
from migrations_app.models import EntityProgress, IdMap, MigrationRun, RecordError
from migrations_app.services import engine
from migrations_app.services.runs import run_cancel, run_retry_failed, run_start
from migrations_app.services.wizard import migration_create

from .conftest import make_store, seed_memory
from .memory import STORES, MemoryConnector

SOURCE, TARGET = "http://source.test", "http://target.test"


@pytest.fixture
def source_reads(monkeypatch, settings):
    """What the engine reads from the source store: ("read", entity) per page read, ("get", entity, id).
    Verification's random sample is turned off: it reads the source too, by design."""
    settings.MIGRATOR_VERIFY_SAMPLE = 0
    log = []
    real_read, real_get = MemoryConnector.read, MemoryConnector.get

    def read(self, entity, **kwargs):
        for page in real_read(self, entity, **kwargs):
            if self.base_url == SOURCE:
                log.append(("read", str(entity)))
            yield page

    def get(self, entity, record_id):
        if self.base_url == SOURCE:
            log.append(("get", str(entity), str(record_id)))
        return real_get(self, entity, record_id)

    monkeypatch.setattr(MemoryConnector, "read", read)
    monkeypatch.setattr(MemoryConnector, "get", get)
    return log


@pytest.fixture
def refuse(monkeypatch):
    """Source ids the target refuses to create (a failure that goes away once the set is cleared)."""
    refused: set[str] = set()
    real_create = MemoryConnector.create

    def create(self, entity, items):
        results = real_create(self, entity, [i for i in items if i.source_id not in refused])
        by_id = {r.source_id: r for r in results}
        return [by_id.get(i.source_id) or WriteResult(source_id=i.source_id, error="Injected refusal.")
                for i in items]

    monkeypatch.setattr(MemoryConnector, "create", create)
    return refused


def _migration(owner, entities, **kw):
    source = make_store(owner, SOURCE)
    target = make_store(owner, TARGET)
    seed_memory(source.url)
    return migration_create(organization=source.organization, user=owner, source_store=source,
                            target_store=target, entities=entities, **kw)


def _run(queue, run):
    queue("run_advance_task", str(run.pk))  # on_commit does not fire inside the test transaction
    queue.drain()
    run.refresh_from_db()
    return run


def _error_pairs(run):
    return sorted(RecordError.objects.filter(run=run).values_list("entity", "source_id"))


def test_retry_failed_writes_only_the_failed_records_once(db, queue, owner, refuse, source_reads):
    migration = _migration(owner, ["categories", "products", "customers", "orders", "reviews"])
    src = STORES[SOURCE]
    src[EntityType.CATEGORY]["2"] = src[EntityType.CATEGORY]["2"].model_copy(update={"name": "warn me"})
    for review_id, product_id in (("701", "101"), ("702", "102"), ("703", "103")):
        src[EntityType.REVIEW][review_id] = validate_entity("reviews", {
            "source_id": review_id, "product_id": product_id, "rating": 5, "content": f"Review {review_id}"})
    refuse.update({"102", "503", "505"})
    first = _run(queue, run_start(migration=migration, kind="full", user=owner))
    assert first.status == RunStatus.COMPLETED_WITH_ERRORS
    assert _error_pairs(first) == [("categories", "2"), ("customers", "503"), ("customers", "505"),
                                   ("products", "102"), ("reviews", "702")]
    ids_before = dict(IdMap.objects.filter(migration=migration, entity="categories").values_list("source_id",
                                                                                                  "target_id"))
    state_before = migration.__class__.objects.values_list("state", "full_completed_at").get(pk=migration.pk)

    refuse.clear()  # what made them fail is gone ...
    src[EntityType.CATEGORY]["2"] = src[EntityType.CATEGORY]["2"].model_copy(update={"name": "Solo again"})
    del src[EntityType.CUSTOMER]["505"]  # ... and one record was deleted on the source meanwhile
    source_reads.clear()
    retry = _run(queue, run_retry_failed(run=first, user=owner))

    assert retry.kind == RunKind.FULL and retry.params["retry_of"] == str(first.pk)
    assert retry.status == RunStatus.COMPLETED_WITH_ERRORS
    assert [(e.entity, e.source_id, e.message) for e in RecordError.objects.filter(run=retry)] == [
        ("customers", "505", "It no longer exists on the source store.")]
    # Only the failed records were read, one by one; nothing else.
    assert sorted(source_reads) == [("get", "categories", "2"), ("get", "customers", "503"),
                                    ("get", "customers", "505"), ("get", "products", "102"),
                                    ("get", "reviews", "702")]
    # Every source record exists once on the target; the partly migrated category was rewritten in place.
    tgt = STORES[TARGET]
    for entity in ("categories", "products", "customers", "orders", "reviews"):
        rows = IdMap.objects.filter(migration=migration, entity=entity)
        assert rows.count() == len(src[EntityType(entity)]) == len(tgt[EntityType(entity)]), entity
        assert not rows.exclude(state=IdMapState.DONE).exists()
    assert sorted(p.sku for p in tgt[EntityType.PRODUCT].values()) == sorted(
        p.sku for p in src[EntityType.PRODUCT].values())
    assert len({c.email for c in tgt[EntityType.CUSTOMER].values()}) == 7
    ids = dict(IdMap.objects.filter(migration=migration).values_list("source_id", "target_id"))
    assert ids["2"] == ids_before["2"] and tgt[EntityType.CATEGORY][ids["2"]].name == "Solo again"
    assert tgt[EntityType.REVIEW][ids["702"]].product_id == ids["102"]  # its product came first
    progress = {p.entity: p for p in retry.progress.all()}
    assert (progress["orders"].status, progress["orders"].total, progress["orders"].done) == (
        EntityStatus.DONE, 0, 0)
    assert (progress["categories"].updated, progress["categories"].created) == (1, 0)
    assert (progress["customers"].total, progress["customers"].created, progress["customers"].failed) == (2, 1, 1)
    assert (progress["products"].created, progress["reviews"].created) == (1, 1)
    assert (retry.charge_cents, retry.quote["amount_cents"]) == (0, 0)
    assert migration.__class__.objects.values_list("state", "full_completed_at").get(pk=migration.pk) == state_before


def test_retry_failed_reads_an_entity_whole_when_an_error_has_no_source_id(db, queue, owner, refuse, source_reads):
    migration = _migration(owner, ["categories", "customers"])
    refuse.add("503")
    first = _run(queue, run_start(migration=migration, kind="full", user=owner))
    RecordError.objects.create(organization=first.organization, run=first, entity="customers", source_id="",
                               message="A page of customers could not be read.")
    refuse.clear()
    source_reads.clear()

    retry = _run(queue, run_retry_failed(run=first))

    assert retry.params["only"] == {} and retry.params["retry_ids"] == {"customers": ["503"]}
    assert retry.status == RunStatus.COMPLETED
    assert {r[:2] for r in source_reads} == {("read", "customers")}  # a full read; categories not read
    emails = [c.email for c in STORES[TARGET][EntityType.CUSTOMER].values()]
    assert len(emails) == len(set(emails)) == 8
    customers = retry.progress.get(entity="customers")
    assert (customers.created, customers.unchanged, customers.skipped, customers.failed) == (1, 7, 0, 0)


def test_retry_failed_resumes_from_its_checkpoint_after_a_crash(db, queue, owner, refuse, source_reads,
                                                                monkeypatch):
    migration = _migration(owner, ["customers"])
    refuse.update(str(i) for i in range(501, 508))  # 7 of 8 fail: two pages of 5 on retry
    first = _run(queue, run_start(migration=migration, kind="full", user=owner))
    refuse.clear()
    source_reads.clear()
    real_commit = engine._commit_page
    calls = {"n": 0}

    def crash_on_second_page(ctx, progress, page, out):
        calls["n"] += 1
        if calls["n"] == 2:  # the second page was written to the target, then the worker died
            raise KeyboardInterrupt("worker killed")
        return real_commit(ctx, progress, page, out)

    monkeypatch.setattr(engine, "_commit_page", crash_on_second_page)
    retry = run_retry_failed(run=first)
    queue("run_advance_task", str(retry.pk))
    with pytest.raises(KeyboardInterrupt):
        queue.drain()
    assert retry.progress.get().checkpoint == {"only_index": 5}
    EntityProgress.objects.filter(run=retry).update(lease_until=timezone.now() - timezone.timedelta(seconds=1))
    MigrationRun.objects.filter(pk=retry.pk).update(heartbeat_at=timezone.now() - timezone.timedelta(hours=1))
    queue.jobs.clear()
    assert engine.runs_reap() == 1
    queue.drain()

    retry.refresh_from_db()
    assert retry.status == RunStatus.COMPLETED
    emails = [c.email for c in STORES[TARGET][EntityType.CUSTOMER].values()]
    assert len(emails) == len(set(emails)) == 8
    gets = [r[2] for r in source_reads]
    assert sorted(set(gets)) == [str(i) for i in range(501, 508)]
    assert gets.count("501") == 1 and gets.count("506") == 2  # page one not read again, page two re-read


def test_retry_failed_never_clears_the_target(db, queue, owner, refuse):
    migration = _migration(owner, ["customers"], options={"clear_target": True, "clear_scope": "all"})
    refuse.add("503")
    first = _run(queue, run_start(migration=migration, kind="full", user=owner))
    written = set(STORES[TARGET][EntityType.CUSTOMER])
    refuse.clear()

    retry = _run(queue, run_retry_failed(run=first))

    assert retry.status == RunStatus.COMPLETED
    assert written < set(STORES[TARGET][EntityType.CUSTOMER])
    assert len(STORES[TARGET][EntityType.CUSTOMER]) == 8


def test_retry_failed_refuses_what_it_cannot_retry(db, queue, owner, refuse):
    migration = _migration(owner, ["customers"])
    refuse.add("503")
    run = run_start(migration=migration, kind="full", user=owner)
    with pytest.raises(ApplicationError, match="still in progress"):
        run_retry_failed(run=run)
    run = _run(queue, run)

    retry = run_retry_failed(run=run)
    with pytest.raises(ApplicationError, match="already in progress"):
        run_retry_failed(run=run)
    refuse.clear()
    retry = _run(queue, retry)
    assert retry.status == RunStatus.COMPLETED
    with pytest.raises(ApplicationError, match="nothing to retry"):
        run_retry_failed(run=retry)
    cancelled = run_cancel(run=run_start(migration=migration, kind="full", user=owner))
    with pytest.raises(ApplicationError, match="no record errors"):
        run_retry_failed(run=cancelled)
    assert list(MigrationRun.objects.filter(migration=migration, params__retry_of=str(run.pk))) == [retry]


def test_retry_of_a_cancelled_run_does_not_mark_the_migration_completed(db, queue, owner, refuse, settings):
    settings.MIGRATOR_BATCH_PAGES = 1
    migration = _migration(owner, ["customers"])
    refuse.add("502")
    run = run_start(migration=migration, kind="full", user=owner)
    queue("run_advance_task", str(run.pk))
    queue.drain(limit=2)  # the run is claimed and the first step writes one page of 5, 502 refused
    run = run_cancel(run=run)
    queue.drain()
    refuse.clear()

    retry = _run(queue, run_retry_failed(run=run))

    assert retry.status == RunStatus.COMPLETED
    assert len(STORES[TARGET][EntityType.CUSTOMER]) == 5  # the failed record; the rest is run_resume's job
    migration.refresh_from_db()
    assert (migration.state, migration.full_completed_at) == ("ready", None)
