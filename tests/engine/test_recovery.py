"""Recovery after a worker dies (docs/runs.md, "Recovery"): a step's lease lapses when its holder's
heartbeat stops, the reaper queues the entity again without waiting any longer, a slow but living holder
keeps its lease, and a holder presumed dead that comes back writes no progress (LeaseLost)."""
import time
from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.utils import timezone

from connectors.entities import EntityType
from migrations_app.enums import EntityStatus, RunStatus
from migrations_app.models import EntityProgress, MigrationRun
from migrations_app.services import engine, runs
from migrations_app.services.runs import run_start
from migrations_app.services.wizard import migration_create

from .conftest import make_store, seed_memory
from .memory import STORES, MemoryConnector

SOURCE, TARGET = "http://source.test", "http://target.test"


def _customers_run(owner, queue):
    """A full run of the 8 memory customers (pages of 5), advanced until its entity step is queued."""
    source = make_store(owner, SOURCE)
    target = make_store(owner, TARGET)
    seed_memory(source.url)
    migration = migration_create(organization=source.organization, user=owner, source_store=source,
                                 target_store=target, entities=["customers"])
    run = run_start(migration=migration, kind="full", user=owner)
    if not queue.jobs:  # on_commit did not fire (the test's own transaction)
        queue("run_advance_task", str(run.pk))
    queue.drain(limit=1)  # run_advance: the customers step is now queued
    assert queue.jobs == [("entity_step_task", (str(run.pk), "customers"))]
    return run


def _target_emails():
    return sorted(c.email for c in STORES[TARGET][EntityType.CUSTOMER].values())


def test_recovery_defaults_bound_it_under_a_minute():
    """A dead holder's entity is queued again at most lease + reaper interval after its last heartbeat."""
    assert django_settings.MIGRATOR_LEASE_SECONDS + django_settings.MIGRATOR_REAPER_INTERVAL_SECONDS <= 60
    assert django_settings.MIGRATOR_LEASE_RENEW_SECONDS * 3 <= django_settings.MIGRATOR_LEASE_SECONDS


def test_recovery_reaper_requeues_a_step_whose_heartbeat_stopped(db, queue, owner):
    """The worker died right after claiming (nothing renews its lease); the run's heartbeat is fresh. One
    minute later the reaper has released the lease and queued the entity again; the run then completes."""
    run = _customers_run(owner, queue)
    queue.jobs.clear()  # the worker took the message with it
    dead = "dead-task@worker-1:4242"  # what lease_owner_id gives: <task>@<host>:<pid>
    assert engine._claim(run.pk, "customers", dead)
    MigrationRun.objects.filter(pk=run.pk).update(heartbeat_at=timezone.now())

    assert engine.runs_reap(now=timezone.now() + timedelta(seconds=59)) == 1
    assert queue.jobs == [("entity_step_task", (str(run.pk), "customers"))]
    assert EntityProgress.objects.get(run=run).lease_owner == ""
    queue.drain()
    run.refresh_from_db()
    assert run.status == RunStatus.COMPLETED, run.error_message
    assert _target_emails() == sorted(f"c{i}@example.com" for i in range(1, 9))


def test_recovery_reaper_leaves_a_live_lease_and_a_fresh_run_alone(db, queue, owner):
    run = _customers_run(owner, queue)
    queue.jobs.clear()
    assert engine._claim(run.pk, "customers", "alive")
    MigrationRun.objects.filter(pk=run.pk).update(heartbeat_at=timezone.now())
    assert engine.runs_reap() == 0
    assert queue.jobs == []
    assert EntityProgress.objects.get(run=run).lease_owner == "alive"


@pytest.mark.django_db(transaction=True)
def test_recovery_slow_step_of_a_live_worker_is_not_stolen(transactional_db, queue, owner, monkeypatch, settings):
    """A page that takes three times the lease: the holder's heartbeat thread keeps renewing it, so neither
    the reaper nor a second copy of the step takes the entity over, and the slow step finishes."""
    settings.MIGRATOR_LEASE_SECONDS = 1
    settings.MIGRATOR_LEASE_RENEW_SECONDS = 0.1
    monkeypatch.setattr(runs, "_enqueue_advance", lambda run_id: queue("run_advance_task", str(run_id)))
    run = _customers_run(owner, queue)
    queue.jobs.clear()
    seen = {}
    real_create = MemoryConnector.create

    def slow_create(self, entity, items):
        if not seen:
            time.sleep(3 * settings.MIGRATOR_LEASE_SECONDS)  # a slow store; the heartbeat goes on
            seen["reaped"] = engine.runs_reap()
            seen["second copy"] = engine.entity_step(run_id=run.pk, entity="customers", owner="second-copy")
            seen["lease"] = EntityProgress.objects.filter(run=run).values_list("lease_owner", "lease_until").get()
        return real_create(self, entity, items)

    monkeypatch.setattr(MemoryConnector, "create", slow_create)
    holder = "slow-task@worker-2:4343"
    assert engine.entity_step(run_id=run.pk, entity="customers", owner=holder) == "done"

    assert seen["reaped"] == 0
    assert seen["second copy"] == "busy"
    assert seen["lease"][0] == holder and seen["lease"][1] > timezone.now() - timedelta(seconds=1)
    assert [job for job in queue.jobs if job[0] == "entity_step_task"] == []
    progress = EntityProgress.objects.get(run=run)
    assert (progress.status, progress.done, progress.created) == (EntityStatus.DONE, 8, 8)
    assert _target_emails() == sorted(f"c{i}@example.com" for i in range(1, 9))


def test_recovery_presumed_dead_holder_that_comes_back_cannot_commit(db, queue, owner, monkeypatch, settings):
    """The holder wrote its first page to the target, then stalled so long that its lease lapsed (no
    heartbeat: settings turn the thread off). The reaper gives the entity to a new step, which reconciles
    the stalled page by natural key and finishes. When the old holder comes back, its commit raises
    LeaseLost: nothing is counted twice and nothing is created twice."""
    settings.MIGRATOR_LEASE_RENEW_SECONDS = 0
    run = _customers_run(owner, queue)
    queue.jobs.clear()
    real_create = MemoryConnector.create
    stalled = {}

    def create_then_stall(self, entity, items):
        results = real_create(self, entity, items)
        if not stalled:
            stalled["page"] = len(items)
            EntityProgress.objects.filter(run=run).update(lease_until=timezone.now() - timedelta(seconds=1))
            assert engine.runs_reap() == 1
            queue.drain()  # the new step does the whole entity meanwhile
            stalled["after"] = EntityProgress.objects.filter(run=run).values_list("status", "done").get()
        return results

    monkeypatch.setattr(MemoryConnector, "create", create_then_stall)
    assert engine.entity_step(run_id=run.pk, entity="customers", owner="comes-back") == "lease-lost"

    assert stalled == {"page": 5, "after": (EntityStatus.DONE, 8)}
    progress = EntityProgress.objects.get(run=run)
    assert (progress.status, progress.done, progress.created, progress.lease_owner) == (EntityStatus.DONE, 8, 8, "")
    emails = _target_emails()
    assert emails == sorted(set(emails)) and len(emails) == 8
    queue.drain()
    run.refresh_from_db()
    assert run.status == RunStatus.COMPLETED, run.error_message


def test_recovery_heartbeat_of_a_holder_that_lost_its_lease_stops_it(db, queue, owner):
    """A holder whose lease was handed over learns it at its next heartbeat and stops before its next page."""
    run = _customers_run(owner, queue)
    assert engine._claim(run.pk, "customers", "old-holder")
    EntityProgress.objects.filter(run=run).update(lease_until=timezone.now() - timedelta(seconds=1))
    engine.runs_reap()
    assert engine._claim(run.pk, "customers", "new-holder")

    heartbeat = engine.Heartbeat(run_id=run.pk, entity="customers", owner="old-holder")
    heartbeat.beat()
    assert heartbeat.lost
    with pytest.raises(engine.LeaseLost):
        heartbeat.check()
    assert EntityProgress.objects.get(run=run).lease_owner == "new-holder"


def test_recovery_heartbeat_renews_the_lease_and_the_run(db, queue, owner):
    run = _customers_run(owner, queue)
    assert engine._claim(run.pk, "customers", "holder")
    EntityProgress.objects.filter(run=run).update(lease_until=timezone.now() + timedelta(seconds=1))
    MigrationRun.objects.filter(pk=run.pk).update(heartbeat_at=timezone.now() - timedelta(hours=1))
    heartbeat = engine.Heartbeat(run_id=run.pk, entity="customers", owner="holder")
    heartbeat.beat()
    heartbeat.check()
    lease_until = EntityProgress.objects.get(run=run).lease_until
    assert lease_until > timezone.now() + timedelta(seconds=django_settings.MIGRATOR_LEASE_SECONDS - 5)
    assert MigrationRun.objects.get(pk=run.pk).heartbeat_at > timezone.now() - timedelta(seconds=5)
