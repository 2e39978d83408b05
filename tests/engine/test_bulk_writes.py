"""The engine's rules for targets that create records with asynchronous bulk operations (`create_bulk`),
pinned with an in-memory connector whose bulk operation ends on its second poll:

- only full runs and re-migrations of entities with at least `bulk_min` records use it, with pages of up to the
  target's bulk size; demos, smart updates, retries and small entities write by requests;
- a step never waits for an operation: it leaves it running with its note in the checkpoint and is queued
  again; the next step reads the same page, follows the same operation and commits its results;
- a crash at any point (before the operation's state was saved, after it ended but before the commit) resumes
  the same operation: no page is started twice, no record created twice."""
import dataclasses
from collections import defaultdict

import pytest

from connectors.base import BulkWrite
from connectors.entities import EntityType
from migrations_app.enums import IdMapState, RunStatus
from migrations_app.models import EntityProgress, IdMap
from migrations_app.services import connections, engine

from .memory import STORES, MemoryConnector
from .test_engine_rules import _migration, _start, _worker_died_then_reaper_runs

E = EntityType
OPERATIONS: dict[str, dict] = {}  # the target's bulk operations, by the page key they were started for
STARTS: list[str] = []
CALLS: dict[str, int] = defaultdict(int)


class BulkMemoryConnector(MemoryConnector):
    capabilities = dataclasses.replace(MemoryConnector.capabilities, bulk_sizes={E.PRODUCT: 20}, bulk_min=3)

    def create_bulk(self, entity, items, *, key, state, until):
        CALLS[key] += 1
        operation = OPERATIONS.get(key)  # what Shopify's list of operations finds by the page's key
        if operation is None:
            assert state is None or "id" not in state, "an operation in the state must exist"
            operation = OPERATIONS[key] = {"id": len(OPERATIONS) + 1, "polls": 0, "size": len(items)}
            STARTS.append(key)
            return BulkWrite(state={"id": operation["id"]}, results=None)
        assert len(items) == operation["size"]  # the same lines, in the same order
        operation["polls"] += 1
        if operation["polls"] < 2:
            return BulkWrite(state={"id": operation["id"]}, results=None)
        if "results" not in operation:  # it ran: the records exist on the target from now on
            operation["results"] = self.create(entity, [item for item in items if item is not None])
        by_source = {r.source_id: r for r in operation["results"]}
        return BulkWrite(state={"id": operation["id"]},
                         results=[by_source.get(item.source_id) if item else None for item in items])


@pytest.fixture
def bulk_queue(queue, monkeypatch):
    OPERATIONS.clear()
    STARTS.clear()
    CALLS.clear()
    monkeypatch.setattr(connections, "get_connector_class", lambda platform: BulkMemoryConnector)
    for module in ("wizard", "smart_update", "plans"):
        monkeypatch.setattr(f"migrations_app.services.{module}.get_connector_class",
                            lambda platform: BulkMemoryConnector)
    return queue


def _products(url="http://target.test"):
    return list(STORES[url][E.PRODUCT].values())


def _assert_each_product_once(migration, count=12):
    skus = [p.sku for p in _products()]
    assert len(skus) == len(set(skus)) == count
    rows = IdMap.objects.filter(migration=migration, entity="products")
    assert rows.filter(state=IdMapState.DONE).count() == count and not rows.filter(state=IdMapState.PENDING).exists()
    assert IdMap.objects.filter(migration=migration, entity="variants").count() == 2 * count


def test_bulk_full_run_writes_pages_through_bulk_operations_polled_across_steps(db, bulk_queue, owner, monkeypatch):
    migration = _migration(owner, entities=["categories", "products"])
    run = _start(bulk_queue, migration)
    outcomes = []
    real_step = engine.entity_step
    monkeypatch.setattr(engine, "entity_step", lambda **kwargs: outcomes.append(real_step(**kwargs)))
    bulk_queue.drain()
    run.refresh_from_db()
    assert run.status == RunStatus.COMPLETED, run.error_message
    _assert_each_product_once(migration)
    # 12 products, pages of 5 (the source's page size): 5 + 5 in bulk, the last 2 (< bulk_min 3) by requests.
    assert len(STARTS) == len(set(STARTS)) == 2
    assert all(CALLS[key] == 3 for key in STARTS)  # start, a poll while it runs, the poll that ends it
    assert outcomes.count("waiting") == 4  # the steps never waited for an operation
    progress = EntityProgress.objects.get(run=run, entity="products")
    assert (progress.created, progress.done, progress.failed) == (12, 12, 0)
    assert "_bulk" not in (progress.checkpoint or {})


def test_bulk_is_for_full_runs_of_large_entities_only(db, bulk_queue, owner):
    migration = _migration(owner, entities=["categories", "products"])
    run = _start(bulk_queue, migration, kind="demo")
    bulk_queue.drain()
    run.refresh_from_db()
    assert run.status == RunStatus.COMPLETED, run.error_message
    assert STARTS == [] and len(_products()) == 10  # the demo's 10 by requests
    customers = _migration(owner, entities=["customers"])  # no bulk declared for customers
    _start(bulk_queue, customers)
    bulk_queue.drain()
    assert STARTS == []


def test_bulk_crash_while_the_operation_runs_resumes_the_same_operation(db, bulk_queue, owner, monkeypatch):
    """The worker dies during its first poll (the operation's state was never saved): the next step finds the
    operation again by the page's key kept in the checkpoint and starts nothing twice."""
    migration = _migration(owner, entities=["categories", "products"])
    run = _start(bulk_queue, migration)
    real = BulkMemoryConnector.create_bulk
    died = {"n": 0}

    def dies_on_first_poll(self, entity, items, *, key, state, until):
        if key in OPERATIONS and not died["n"]:
            died["n"] += 1
            raise KeyboardInterrupt("worker killed while its bulk operation runs")
        return real(self, entity, items, key=key, state=state, until=until)

    monkeypatch.setattr(BulkMemoryConnector, "create_bulk", dies_on_first_poll)
    original_save = engine._save_bulk_note
    monkeypatch.setattr(engine, "_save_bulk_note", lambda ctx, note: original_save(ctx, {**note, "state": None}))
    with pytest.raises(KeyboardInterrupt):
        bulk_queue.drain()
    note = EntityProgress.objects.get(run=run, entity="products").checkpoint["_bulk"]
    assert note["key"] in OPERATIONS and note["state"] is None and len(note["ids"]) == 5
    monkeypatch.setattr(engine, "_save_bulk_note", original_save)
    _worker_died_then_reaper_runs(run, bulk_queue)
    run.refresh_from_db()
    assert run.status == RunStatus.COMPLETED, run.error_message
    _assert_each_product_once(migration)
    assert len(STARTS) == len(set(STARTS)) == 2


def test_bulk_crash_after_the_operation_ended_maps_its_records_without_creating_them_again(
        db, bulk_queue, owner, monkeypatch):
    """The operation ended and its records exist; the worker dies before the page's commit: the next step
    reads the same results again (the operation's file) and maps them; nothing is created twice."""
    migration = _migration(owner, entities=["categories", "products"])
    run = _start(bulk_queue, migration)
    real_commit = engine._commit_page
    died = {"n": 0}

    def crash_once(ctx, progress, page, out):
        if ctx.entity == E.PRODUCT and not died["n"]:
            died["n"] += 1
            raise KeyboardInterrupt("worker killed before the commit")
        return real_commit(ctx, progress, page, out)

    monkeypatch.setattr(engine, "_commit_page", crash_once)
    with pytest.raises(KeyboardInterrupt):
        bulk_queue.drain()
    assert len(_products()) == 5 and IdMap.objects.filter(migration=migration, state=IdMapState.PENDING).count() == 5
    _worker_died_then_reaper_runs(run, bulk_queue)
    run.refresh_from_db()
    assert run.status == RunStatus.COMPLETED, run.error_message
    _assert_each_product_once(migration)
    assert len(STARTS) == len(set(STARTS)) == 2
