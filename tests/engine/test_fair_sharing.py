"""Fair sharing (README, "Fair sharing"): one organization's long runs hold at most MIGRATOR_ORG_MAX_STEPS
entity steps at once; a step over the cap queues itself again a little later and keeps its run's heartbeat.
Other organizations, and the same organization's interactive runs (demo, smart update), are not held back."""
import pytest
from django.utils import timezone
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from accounts.services import user_create
from migrations_app.models import EntityProgress, MigrationRun
from migrations_app.services import engine
from migrations_app.services import queue as lanes
from migrations_app.services.runs import run_start
from migrations_app.services.wizard import migration_create

from .conftest import make_store, seed_memory


def _queued_step(owner, queue, name: str, kind: str = "full") -> MigrationRun:
    """A run of the memory customers advanced until its entity step is queued (the step itself not run)."""
    source = make_store(owner, f"http://{name}-source.test")
    target = make_store(owner, f"http://{name}-target.test")
    seed_memory(source.url)
    migration = migration_create(organization=source.organization, user=owner, source_store=source,
                                 target_store=target, entities=["customers"])
    run = run_start(migration=migration, kind=kind, user=owner)
    queue.jobs.clear()
    engine.run_advance(run_id=run.pk)
    assert queue.jobs == [("entity_step_task", (str(run.pk), "customers"))]
    queue.jobs.clear()
    return run


@pytest.fixture
def cap(settings):
    settings.MIGRATOR_ORG_MAX_STEPS = 2
    return 2


def test_fair_sharing_defers_a_step_over_the_organizations_cap(db, queue, owner, cap):
    busy = [_queued_step(owner, queue, f"busy{i}") for i in range(cap)]
    for i, run in enumerate(busy):
        assert engine._claim(run.pk, "customers", f"worker-{i}")
    waiting = _queued_step(owner, queue, "waiting")
    MigrationRun.objects.filter(pk=waiting.pk).update(heartbeat_at=timezone.now() - timezone.timedelta(minutes=2))

    assert engine.entity_step(run_id=waiting.pk, entity="customers") == "deferred"
    assert queue.jobs == [("entity_step_task", (str(waiting.pk), "customers"))]
    assert EntityProgress.objects.get(run=waiting).lease_owner == ""
    waiting.refresh_from_db()
    assert timezone.now() - waiting.heartbeat_at < timezone.timedelta(seconds=30)  # not taken for a dead run

    engine._release(busy[0].pk, "customers", "worker-0")  # one step of the organization ends
    queue.jobs.clear()
    assert engine.entity_step(run_id=waiting.pk, entity="customers") != "deferred"
    queue.drain()
    waiting.refresh_from_db()
    assert waiting.status == "completed", waiting.error_message


def test_fair_sharing_does_not_hold_back_another_organization_or_a_demo(db, queue, owner, cap):
    for i in range(cap):
        assert engine._claim(_queued_step(owner, queue, f"busy{i}").pk, "customers", f"worker-{i}")
    demo = _queued_step(owner, queue, "demo", kind="demo")
    assert engine.entity_step(run_id=demo.pk, entity="customers") != "deferred"

    other = user_create(email="other@example.com", password="pw-123456789")
    theirs = _queued_step(other, queue, "theirs")
    assert engine.entity_step(run_id=theirs.pk, entity="customers") != "deferred"


def test_fair_sharing_lapsed_leases_do_not_count(db, queue, owner, cap):
    """A dead worker's lease (past lease_until) does not hold a place: the reaper frees it anyway."""
    for i in range(cap):
        run = _queued_step(owner, queue, f"dead{i}")
        assert engine._claim(run.pk, "customers", f"dead-{i}")
        EntityProgress.objects.filter(run=run).update(lease_until=timezone.now() - timezone.timedelta(seconds=1))
    assert engine.entity_step(run_id=_queued_step(owner, queue, "next").pk, entity="customers") != "deferred"


@hsettings(max_examples=30, deadline=None)
@given(kind=st.sampled_from(["demo", "full", "remigration", "recent", "smart_update"]))
def test_fair_sharing_lanes_interactive_runs_get_their_own_queue(kind):
    expected = "interactive" if kind in ("demo", "smart_update") else "celery"
    assert lanes.queue_for(kind) == expected
    assert lanes.is_interactive(kind) == (expected == "interactive")


def test_a_long_runs_step_steps_aside_between_pages_while_a_demo_works(db, queue, owner, settings, monkeypatch):
    from migrations_app.services import priority

    settings.MIGRATOR_ORG_MAX_STEPS = 0
    settings.MIGRATOR_BATCH_PAGES = 100
    long_run = _queued_step(owner, queue, "long")
    demo = _queued_step(owner, queue, "demo", kind="demo")
    pages = []
    monkeypatch.setattr(engine, "_commit_page", lambda ctx, progress, page, out, real=engine._commit_page: (
        pages.append((str(ctx.run.pk), priority.waiting_for())), real(ctx, progress, page, out))[1])
    naps = []

    def nap(seconds):  # the demo's next page comes while the long run waits; then the demo ends
        naps.append(seconds)
        if len(naps) == 3:
            engine.entity_step(run_id=demo.pk, entity="customers")
            priority.interactive_done(demo.pk)

    monkeypatch.setattr(priority.time, "sleep", nap)
    priority.interactive_mark(demo.pk)
    engine.entity_step(run_id=long_run.pk, entity="customers")

    assert len(naps) == 3  # waited while the demo was marked, went on once it was done
    assert [run for run, _ in pages if run == str(demo.pk)]  # the demo worked meanwhile
    assert priority.waiting_for() == 0
