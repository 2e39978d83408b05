"""The migration engine, driven by Celery tasks (tasks.py only adapts).

A run moves through phases: `clear` (optional, delete target data in reverse dependency order) ->
`migrate` (one chain of bounded steps per entity, started as soon as its dependencies are done, so
independent chains run in parallel) -> `verify` (counts and a field-by-field sample) -> finished.

Guarantees, and what gives them:
- One worker per (run, entity) at a time: a lease on EntityProgress claimed by a conditional UPDATE.
  The lease is short (MIGRATOR_LEASE_SECONDS) and kept alive by the holder's heartbeat, a thread of the
  worker process that renews it every MIGRATOR_LEASE_RENEW_SECONDS while the step works, however slow
  its pages are. A holder whose heartbeat stops (the process died) loses it within the lease; a holder
  that comes back after losing it stops before its next page and its commit raises LeaseLost.
- Nothing created twice: an IdMap row is committed `pending` (with its natural key) before the target
  write and becomes `done` in the same transaction as the progress counters and the new checkpoint.
  After a crash the page is read again from the old checkpoint; its `pending` rows are reconciled with
  `find_by_natural_key` before anything is written.
- A bad record never fails the run: it becomes a RecordError and the run ends `completed_with_errors`.
  A retry run (runs.run_retry_failed) reads only the failed ids (`params["only"]`) with `get`, through
  the same page path, and writes those the target already has again in place (`params["retry_ids"]`).
- A dead worker is noticed by the heartbeat: the reaper (runs_reap, every MIGRATOR_REAPER_INTERVAL_SECONDS)
  puts an entity whose lease lapsed back on the queue at once, and a run whose heartbeat went stale
  (work lost between steps) back to work (docs/runs.md, "Recovery").
"""
from __future__ import annotations

import hashlib
import itertools
import logging
import os
import socket
import threading
import time
import uuid
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import connections, transaction
from django.db.models import F, Q
from django.utils import timezone

from accounts.models import Organization
from connectors.base import Connector, Page, WriteResult
from connectors.entities import DEPENDENCIES, MODELS, VARIANTS, Canonical, EntityType, excerpt
from connectors.errors import ConfigError, ConnectorError
from connectors.errors import RecordError as ConnectorRecordError

from ..enums import ACTIVE_RUN_STATUSES, EntityStatus, IdMapState, MigrationState, RunKind, RunStatus
from ..models import ChangeRecord, EntityProgress, IdMap, MigrationRun, RecordError, StoreMigration
from . import priority, queue
from .connections import connector_for
from .idmap import DoneRow, idmap_mark_done
from .mappings import status_map
from .notify import run_notify_owner
from .pricing import run_charge
from .runplan import RunPlan
from .values import NO_CONFLICT_CHECK, baseline, field_value, fingerprint, iter_ref_values
from .verify import run_verify

logger = logging.getLogger(__name__)

TERMINAL_ENTITY = (EntityStatus.DONE, EntityStatus.FAILED, EntityStatus.CANCELLED)


# --- enqueueing ---------------------------------------------------------------------------------------
def _enqueue(task_name: str, *args: Any, countdown: float | None = None) -> None:
    """After the current transaction commits (queue.enqueue); tests replace this with an in-process queue."""
    queue.enqueue(task_name, *args, countdown=countdown)


def _now():
    return timezone.now()


def _lease_delta() -> timedelta:
    return timedelta(seconds=settings.MIGRATOR_LEASE_SECONDS)


def run_options(run: MigrationRun) -> dict:
    """The target options this run works with: the migration's, with a re-migration's own choices on top."""
    return RunPlan.from_run(run).target_options(run.migration)


def run_entities(run: MigrationRun) -> list[str]:
    """The entities this run works on (a re-migration or smart update may take a subset)."""
    return list(EntityProgress.objects.filter(run=run).order_by("position").values_list("entity", flat=True))


# --- run level ---------------------------------------------------------------------------------------
def run_advance(*, run_id) -> None:
    """Claim a queued run, then start every entity chain whose dependencies are done; finish when all are."""
    with transaction.atomic():
        run = MigrationRun.objects.select_for_update().filter(pk=run_id).first()
        if run is None or run.status not in ACTIVE_RUN_STATUSES:
            return
        now = _now()
        if run.status == RunStatus.QUEUED:
            run.status = RunStatus.RUNNING
            run.started_at = run.started_at or now
            scope = _clear_scope(run) if run.phase == "migrate" else None
            if scope:
                run.phase = "clear"
                run.params = {**run.params, "clear_scope": scope}
        run.heartbeat_at = now
        run.save(update_fields=["status", "started_at", "phase", "params", "heartbeat_at"])
        if run.phase == "clear":
            _enqueue("run_clear_task", str(run.pk))
            return
        if run.phase == "verify":
            _enqueue("run_finalize_task", str(run.pk))
            return
        rows = list(EntityProgress.objects.select_for_update().filter(run=run).order_by("position"))
        selected = {p.entity for p in rows}
        finished = {p.entity for p in rows if p.status == EntityStatus.DONE}
        for p in rows:
            deps = [str(d) for d in DEPENDENCIES[EntityType(p.entity)] if str(d) in selected]
            if p.status == EntityStatus.PENDING and all(d in finished for d in deps):
                p.status = EntityStatus.RUNNING
                p.started_at = now
                p.save(update_fields=["status", "started_at"])
                _enqueue("entity_step_task", str(run.pk), p.entity)
        if all(p.status in TERMINAL_ENTITY for p in rows):
            MigrationRun.objects.filter(pk=run.pk, phase="migrate").update(phase="verify")
            _enqueue("run_finalize_task", str(run.pk))


def run_fail(*, run_id, message: str) -> None:
    """Stop a run for a reason the owner must act on; everything not finished is cancelled."""
    now = _now()
    with transaction.atomic():
        updated = MigrationRun.objects.filter(pk=run_id, status__in=ACTIVE_RUN_STATUSES).update(
            status=RunStatus.FAILED, error_message=message[:2000], finished_at=now, charge_cents=0
        )
        EntityProgress.objects.filter(run_id=run_id).exclude(status__in=TERMINAL_ENTITY).update(
            status=EntityStatus.CANCELLED, finished_at=now, lease_owner="", lease_until=None
        )
    if updated:
        logger.warning("run %s failed: %s", run_id, message)
        run_notify_owner(run_id=run_id)


def run_finalize(*, run_id) -> None:
    """Verify (counts and a sample, stored on the run), settle the status, and email the owner once."""
    run = MigrationRun.objects.select_related("migration").filter(pk=run_id).first()
    if run is None or run.status != RunStatus.RUNNING or run.phase != "verify":
        return
    plan = RunPlan.from_run(run)
    MigrationRun.objects.filter(pk=run.pk).update(heartbeat_at=_now())
    if plan.preview:
        verification = {"preview": True}  # nothing was written: there is nothing to check
    else:
        if queue.is_interactive(run.kind):
            priority.interactive_mark(run.pk)
        try:
            with Heartbeat(run_id=run.pk):  # a long verification is not a dead worker
                verification = run_verify(run=run)
        except ConnectorError as exc:
            verification = {"error": f"Verification could not finish: {exc}"}
    priority.interactive_done(run.pk)
    had_errors = RecordError.objects.filter(run=run).exists()
    status = RunStatus.COMPLETED_WITH_ERRORS if had_errors else RunStatus.COMPLETED
    now = _now()
    with transaction.atomic():
        updated = MigrationRun.objects.filter(pk=run.pk, status=RunStatus.RUNNING).update(
            status=status, verification=verification, finished_at=now, heartbeat_at=now,
            charge_cents=run_charge(run=run),
        )
        if updated and not plan.is_retry:  # a retry leaves the migration's state as it was
            migration = run.migration
            if run.kind == RunKind.DEMO and migration.state in (MigrationState.READY, MigrationState.DRAFT):
                migration.state = MigrationState.DEMO_COMPLETED
                migration.save(update_fields=["state", "updated_at"])
            elif run.kind == RunKind.FULL:
                migration.state = MigrationState.FULL_COMPLETED
                migration.full_completed_at = migration.full_completed_at or now
                migration.save(update_fields=["state", "full_completed_at", "updated_at"])
    if updated:
        logger.info("run %s finished: %s", run.pk, status)
    if plan.preview or (plan.scheduled and status == RunStatus.COMPLETED):
        return  # the owner is looking at the preview; a scheduled sync that went fine is not news
    run_notify_owner(run_id=run.pk)


def runs_reap(*, now=None) -> int:
    """Put back to work what dead workers left (docs/runs.md, "Recovery"). Returns how many runs it touched.

    - An entity whose lease lapsed (its holder's heartbeat stopped for MIGRATOR_LEASE_SECONDS: the worker
      died) is released and its step queued again at once. The holder, should it come back, finds the
      lease gone: its heartbeat or its next commit raises LeaseLost before it writes any progress.
    - A run whose heartbeat is older than MIGRATOR_HEARTBEAT_STALE_SECONDS (no task of it ran for that
      long: a message lost between two steps, a killed run_advance, clear or finalize) is advanced again
      and its entities without a lease are queued again (a duplicate step finds the lease taken and stops).
    A step that is slow but alive keeps its lease: its heartbeat renews it, however long a page takes."""
    now = now or _now()
    stale = now - timedelta(seconds=settings.MIGRATOR_HEARTBEAT_STALE_SECONDS)
    lapsed = (EntityProgress.objects.filter(status=EntityStatus.RUNNING, run__status=RunStatus.RUNNING)
              .exclude(lease_owner="").filter(Q(lease_until__isnull=True) | Q(lease_until__lt=now)))
    stale_runs = MigrationRun.objects.filter(
        Q(status=RunStatus.RUNNING, heartbeat_at__lt=stale)
        | Q(status=RunStatus.RUNNING, heartbeat_at__isnull=True)
        | Q(status=RunStatus.QUEUED, created_at__lt=stale)
    )
    run_ids = set(stale_runs.values_list("pk", flat=True)) | set(lapsed.values_list("run_id", flat=True))
    count = 0
    for run in MigrationRun.objects.filter(pk__in=run_ids).order_by("created_at"):
        is_stale = (run.created_at < stale) if run.status == RunStatus.QUEUED else \
            (run.heartbeat_at is None or run.heartbeat_at < stale)
        requeued: list[str] = []
        with transaction.atomic():
            if run.status == RunStatus.RUNNING and run.phase == "migrate":
                for p in EntityProgress.objects.filter(run=run, status=EntityStatus.RUNNING):
                    if p.lease_owner and (p.lease_until is None or p.lease_until < now):
                        released = EntityProgress.objects.filter(
                            Q(lease_until__isnull=True) | Q(lease_until__lt=now), pk=p.pk, lease_owner=p.lease_owner,
                        ).update(lease_owner="", lease_until=None)
                        if released:  # else its holder renewed it (or someone claimed it) meanwhile
                            logger.warning("run %s %s: the heartbeat of %s stopped; step queued again",
                                           run.pk, p.entity, p.lease_owner)
                            requeued.append(p.entity)
                    elif is_stale and not p.lease_owner:
                        requeued.append(p.entity)
                for entity in requeued:
                    _enqueue("entity_step_task", str(run.pk), entity)
            if is_stale:
                _enqueue("run_advance_task", str(run.pk))
                MigrationRun.objects.filter(pk=run.pk).update(heartbeat_at=now)
        if is_stale or requeued:
            count += 1
        if is_stale:
            logger.warning("run %s had a stale heartbeat; resumed", run.pk)
    return count


# --- clearing ----------------------------------------------------------------------------------------
def _clear_scope(run: MigrationRun) -> str | None:
    """What the clear phase deletes: the owner's choice with "clear current data on target" ("created":
    what this migration wrote; "all": every record of the selected types), on a full run or a
    re-migration. A full run after a demo clears nothing: it writes the demo's records again in place
    (docs/runs.md)."""
    return RunPlan.from_run(run).clear_scope(run.migration)  # the same rule the confirmation step shows


def run_clear(*, run_id) -> None:
    """Delete target records (reverse dependency order) in bounded batches: every record of the selected
    types ("all") or those this migration wrote ("created"), translations with them.

    A record the target refuses to delete is skipped, not a failure (docs/runs.md, "Clearing"): it is
    counted on the run's warnings with the target's reason, its id map row stays, and the migrate phase
    writes it again in place. Only a ConfigError (store unreachable, credentials refused) fails the run."""
    run = MigrationRun.objects.select_related("migration__target_store").filter(pk=run_id).first()
    if run is None or run.status != RunStatus.RUNNING or run.phase != "clear":
        return
    migration = run.migration
    scope = run.params.get("clear_scope", "created")
    target = connector_for(store=migration.target_store, options=run_options(run))
    deadline = time.monotonic() + settings.MIGRATOR_BATCH_SECONDS
    done = set(run.params.get("cleared", []))
    selected = run_entities(run)
    try:
        for entity in reversed([e for e in MODELS if str(e) in selected]):
            if str(entity) in done:
                continue
            refused: dict[str, str] = dict(run.params.get("clear_refused") or {})  # target id -> reason
            deleted_any = False
            while time.monotonic() < deadline:
                if scope == "all":
                    ids = list(itertools.islice((i for i in target.list_ids(entity) if i not in refused), 100))
                else:
                    ids = list(IdMap.objects.filter(migration=migration, entity=entity).exclude(target_id="")
                               .exclude(target_id__in=list(refused)).order_by("pk")
                               .values_list("target_id", flat=True)[:100])
                if not ids:
                    break
                results = target.delete(entity, ids)
                gone = [r.source_id for r in results if r.error is None]
                refused.update({r.source_id: r.error for r in results if r.error is not None})
                if gone:
                    deleted_any = True
                    IdMap.objects.filter(migration=migration, entity=entity, target_id__in=gone).delete()
                run.params["clear_refused"] = refused
                MigrationRun.objects.filter(pk=run.pk).update(heartbeat_at=_now(), params=run.params)
            else:
                _enqueue("run_clear_task", str(run.pk))
                return
            children = MODELS[EntityType(entity)].CHILD_MAPS
            if children and not refused and (deleted_any or scope == "created"):
                # Children's rows (variations) belong to the deleted records (a refused one keeps its own).
                IdMap.objects.filter(migration=migration, entity__in=children).delete()
            if refused:
                _add_clear_warning(run, entity, refused)
            done.add(str(entity))
            run.params["cleared"] = sorted(done)
            run.params.pop("clear_refused", None)
            MigrationRun.objects.filter(pk=run.pk).update(params=run.params)
    except ConfigError as exc:
        run_fail(run_id=run.pk, message=f"Clearing the target failed: {exc}")
        return
    finally:
        target.http.close()
    with transaction.atomic():
        MigrationRun.objects.filter(pk=run.pk, phase="clear").update(phase="migrate")
        _enqueue("run_advance_task", str(run.pk))


def _add_clear_warning(run: MigrationRun, entity: EntityType, refused: dict[str, str]) -> None:
    reasons = sorted(set(refused.values()))
    message = (f"{len(refused)} {entity.label.lower()} could not be cleared on the target and were kept "
               f"(they are written again in place, not duplicated): {'; '.join(reasons[:3])}")
    with transaction.atomic():
        locked = MigrationRun.objects.select_for_update().get(pk=run.pk)
        warnings = [w for w in locked.warnings or [] if w.get("entity") != str(entity) or w.get("kind") != "clear"]
        warnings.append({"kind": "clear", "entity": str(entity), "count": len(refused), "message": message,
                         "target_ids": sorted(refused)[:20]})
        MigrationRun.objects.filter(pk=run.pk).update(warnings=warnings)
    logger.warning("run %s: %s", run.pk, message)


# --- entity chains -----------------------------------------------------------------------------------
@dataclass
class StepContext:
    """One step of one entity chain: the run's plan (read once, here) and what follows from it."""

    run: MigrationRun
    plan: RunPlan
    entity: EntityType
    source: Connector
    target: Connector
    owner: str
    limit: int | None  # a demo's records per entity
    mappings: dict[str, dict[str, str]] = field(default_factory=dict)  # Canonical.MAPPED_FIELDS' tables
    options: dict = field(default_factory=dict)
    language_mapping: dict = field(default_factory=dict)
    # Recent data and smart update read only what changed on the source since this moment.
    since: datetime | None = None
    heartbeat: Heartbeat | None = None  # the lease holder's liveness (checked before each page)
    # Bulk creates (the target's `create_bulk`): whether this step writes its new records in bulk, the
    # progress row that keeps the bulk note, and the step's deadline (a bulk call never waits past it).
    bulk: bool = False
    progress: EntityProgress | None = None
    deadline: float = 0.0

    @property
    def rewrite(self) -> frozenset[str]:
        """A retry's source ids written again in place when the target already has them."""
        return frozenset(self.plan.retry_ids.get(str(self.entity), ()))

    @property
    def rewrite_others(self) -> bool:
        return self.plan.rewrites_others

    @property
    def smart(self) -> bool:
        return self.plan.smart

    @property
    def smart_fields(self) -> tuple[str, ...]:
        """Smart update: the fields kept in sync for this entity (empty: only new records are created)."""
        return self.plan.fields.get(str(self.entity), ())

    @property
    def policy(self) -> str:
        return self.plan.conflict_policy

    @property
    def preview(self) -> bool:
        return self.plan.preview


@dataclass
class PageOutcome:
    created: int = 0
    updated: int = 0
    unchanged: int = 0  # read, nothing to write (already migrated, nothing selected changed, a preview)
    skipped: int = 0  # demo only: a required dependency is not part of the demo
    failed: int = 0
    errors: list[tuple[str, str, str]] = field(default_factory=list)  # (source_id, message, excerpt)
    deferred: list[dict] = field(default_factory=list)
    results: list[tuple[tuple[Canonical, Canonical], WriteResult]] = field(default_factory=list)
    # Smart update: field-level changes found (written or, in a preview, only reported), and the new
    # baselines of the id map rows it patched.
    changes: list[dict] = field(default_factory=list)
    synced: dict[str, dict[str, str]] = field(default_factory=dict)
    waiting: bool = False  # a bulk create of the page still runs: nothing to commit yet

    @property
    def counted(self) -> int:
        """Records that count as processed (toward a demo's limit and the progress bar)."""
        return self.created + self.updated + self.unchanged + self.failed


class LeaseLost(Exception):
    """Another worker took over this entity; this one must stop without writing progress."""


def lease_owner_id(task_id: str | None = None) -> str:
    """Who holds a lease: the task (its Celery id, else a random id) and the process running it
    (`<task>@<host>:<pid>`, at most 64 characters), so a lease names the worker it belongs to."""
    task = (task_id or uuid.uuid4().hex)[:36]
    return f"{task}@{socket.gethostname()[:16]}:{os.getpid()}"[:64]


class Heartbeat:
    """A task's liveness: a daemon thread of the worker process that, every MIGRATOR_LEASE_RENEW_SECONDS,
    moves the step's lease MIGRATOR_LEASE_SECONDS ahead and the run's heartbeat to now, while the task
    works (a slow page included). It lives exactly as long as the process: when the worker dies nothing
    renews the lease, and the reaper queues the entity again once it lapsed (runs_reap).

    `check()` is the holder's own fence, called before each page: it raises LeaseLost when the lease went to
    someone else, or when it could not be renewed for half its length (the database is unreachable: the
    reaper may hand it over soon). Without `entity` it only keeps the run's heartbeat (run_finalize)."""

    def __init__(self, *, run_id, entity: str | None = None, owner: str = ""):
        self.run_id, self.entity, self.owner = run_id, entity, owner
        self.interval = float(settings.MIGRATOR_LEASE_RENEW_SECONDS)
        self.lost = False
        self._renewed = time.monotonic()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def __enter__(self) -> Heartbeat:
        if self.interval > 0:
            self._thread = threading.Thread(target=self._loop, daemon=True,
                                            name=f"heartbeat-{self.run_id}-{self.entity or 'run'}")
            self._thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=max(5.0, self.interval))

    def check(self) -> None:
        if self.entity is None:
            return
        silent = time.monotonic() - self._renewed
        if self.lost or (self._thread is not None and silent > settings.MIGRATOR_LEASE_SECONDS / 2):
            raise LeaseLost()

    def _loop(self) -> None:
        try:
            while not self._stop.wait(self.interval):
                try:
                    self.beat()
                except Exception:  # a database hiccup: the next beat tries again; check() fences if it lasts
                    logger.warning("run %s %s: heartbeat failed", self.run_id, self.entity or "", exc_info=True)
                    connections.close_all()
                if self.lost:
                    return
        finally:
            connections.close_all()  # this thread's own connections

    def beat(self) -> None:
        """One renewal (the thread calls it; tests may too)."""
        now = _now()
        if self.entity is not None:
            renewed = EntityProgress.objects.filter(run_id=self.run_id, entity=self.entity,
                                                    lease_owner=self.owner).update(lease_until=now + _lease_delta())
            if not renewed:
                holder = (EntityProgress.objects.filter(run_id=self.run_id, entity=self.entity)
                          .values_list("lease_owner", flat=True).first())
                if holder is not None:  # None: the row is not visible here yet (created in an open transaction)
                    self.lost = True
                    logger.warning("run %s %s: lease of %s was taken over (now %r); the step stops",
                                   self.run_id, self.entity, self.owner, holder)
                    return
        MigrationRun.objects.filter(pk=self.run_id).update(heartbeat_at=now)
        self._renewed = time.monotonic()


def _claim(run_id, entity: str, owner: str) -> bool:
    now = _now()
    return bool(
        EntityProgress.objects.filter(run_id=run_id, entity=entity, status=EntityStatus.RUNNING)
        .filter(Q(lease_until__isnull=True) | Q(lease_until__lt=now) | Q(lease_owner=owner))
        .update(lease_owner=owner, lease_until=now + _lease_delta())
    )


def _release(run_id, entity: str, owner: str) -> None:
    EntityProgress.objects.filter(run_id=run_id, entity=entity, lease_owner=owner).update(
        lease_owner="", lease_until=None
    )


def _claim_within_cap(run_id, entity: str, owner: str) -> str:
    """Claim the entity's lease, unless the run's organization already has MIGRATOR_ORG_MAX_STEPS steps of
    its long runs working (fair sharing: one organization's migrations never take every worker). Claims of
    one organization are serialized on its row, so the cap holds under concurrency. Interactive runs
    (queue.INTERACTIVE_KINDS) are neither capped nor counted: they have their own lane.
    Answers "claimed", "busy" (someone holds the lease) or "deferred" (over the cap)."""
    cap = settings.MIGRATOR_ORG_MAX_STEPS
    run = MigrationRun.objects.filter(pk=run_id).values("organization_id", "kind").first()
    if run is None or cap <= 0 or queue.is_interactive(run["kind"]):
        return "claimed" if _claim(run_id, entity, owner) else "busy"
    long_kinds = [kind for kind in RunKind.values if not queue.is_interactive(kind)]
    with transaction.atomic():
        Organization.objects.select_for_update().filter(pk=run["organization_id"]).values_list("pk").first()
        working = (EntityProgress.objects
                   .filter(run__organization_id=run["organization_id"], run__kind__in=long_kinds,
                           status=EntityStatus.RUNNING, lease_until__gt=_now())
                   .exclude(lease_owner="").exclude(run_id=run_id, entity=entity).count())
        if working >= cap:
            # Keep the run's heartbeat fresh: a run whose every step waits is not a dead run.
            MigrationRun.objects.filter(pk=run_id).update(heartbeat_at=_now())
            return "deferred"
        return "claimed" if _claim(run_id, entity, owner) else "busy"


def entity_step(*, run_id, entity: str, owner: str | None = None) -> str:
    """Do one bounded batch of an entity chain (MIGRATOR_BATCH_SECONDS or MIGRATOR_BATCH_PAGES pages),
    then either finish the entity or queue the next step. Returns what happened, for logs and tests.
    A step over its organization's cap (MIGRATOR_ORG_MAX_STEPS) queues itself again a little later.

    Raises connectors.errors.TransientError for the task to retry later (lease released first)."""
    owner = owner or lease_owner_id()
    claimed = _claim_within_cap(run_id, entity, owner)
    if claimed == "deferred":
        _enqueue("entity_step_task", str(run_id), entity, countdown=settings.MIGRATOR_ORG_DEFER_SECONDS)
        return "deferred"
    if claimed == "busy":
        return "busy"
    with Heartbeat(run_id=run_id, entity=entity, owner=owner) as heartbeat:
        return _claimed_step(run_id, entity, owner, heartbeat)


def _claimed_step(run_id, entity: str, owner: str, heartbeat: Heartbeat) -> str:
    run = MigrationRun.objects.select_related("migration__source_store", "migration__target_store").get(pk=run_id)
    if run.status != RunStatus.RUNNING or run.cancel_requested:
        _release(run_id, entity, owner)
        return "inactive"
    migration = run.migration
    plan = RunPlan.from_run(run)
    options = plan.target_options(migration)
    source = connector_for(store=migration.source_store)
    target = connector_for(store=migration.target_store, options=options)
    ctx = StepContext(
        run=run, plan=plan, entity=EntityType(entity), source=source, target=target, owner=owner,
        limit=settings.MIGRATOR_DEMO_LIMIT if run.kind == RunKind.DEMO else None,
        options=options, language_mapping=plan.languages(migration),
        since=_since(run, plan, entity) if plan.reads_changes else None,
        mappings={"status": status_map(migration, source, target), "group": migration.group_mapping or {}},
        heartbeat=heartbeat,
    )
    try:
        return _step(ctx)
    except LeaseLost:
        return "lease-lost"
    except ConfigError as exc:
        run_fail(run_id=run.pk, message=f"{EntityType(entity).label}: {exc}")
        return "failed"
    except BaseException:
        _release(run_id, entity, owner)
        raise
    finally:
        calls = source.http.stats.calls + target.http.stats.calls
        MigrationRun.objects.filter(pk=run.pk).update(api_calls=F("api_calls") + calls)
        source.http.close()
        target.http.close()


def _step(ctx: StepContext) -> str:
    run, entity = ctx.run, ctx.entity
    progress = EntityProgress.objects.get(run=run, entity=entity)
    only = ctx.plan.only_ids(str(entity))  # a retry: just these source ids
    if progress.total is None and (ctx.since is None or only is not None):
        total = len(only) if only is not None else ctx.source.count(entity)
        progress.total = min(total, ctx.limit) if ctx.limit is not None else total
        EntityProgress.objects.filter(pk=progress.pk, lease_owner=ctx.owner).update(total=progress.total)
    deadline = time.monotonic() + settings.MIGRATOR_BATCH_SECONDS
    processed = progress.done + progress.failed
    if ctx.limit is not None and processed >= ctx.limit:
        return _finish_entity(ctx, progress)
    caps = ctx.target.capabilities
    page_size = min(caps.page_sizes.get(entity, caps.batch_size), ctx.source.capabilities.page_sizes.get(
        entity, ctx.source.capabilities.page_size))
    if ctx.limit is not None:
        page_size = min(page_size, ctx.limit)
    ctx.bulk, ctx.progress, ctx.deadline = _writes_in_bulk(ctx, progress, only), progress, deadline
    if ctx.bulk:  # pages as large as one bulk operation takes, as far as the source reads them
        page_size = min(caps.bulk_sizes[entity], ctx.source.capabilities.page_size)
    interactive = queue.is_interactive(run.kind)
    if interactive:
        priority.interactive_mark(run.pk)
    read_from = _read_checkpoint(progress.checkpoint)
    if only is not None:
        pages = _read_only(ctx, only, checkpoint=read_from, page_size=page_size)
    else:
        pages = ctx.source.read(entity, checkpoint=read_from, page_size=page_size, modified_since=ctx.since)
    for pages_done, page in enumerate(pages, start=1):
        if ctx.heartbeat is not None:
            ctx.heartbeat.check()  # a holder that lost its lease writes nothing more
        remaining = None if ctx.limit is None else ctx.limit - processed
        if progress.total is None and page.total is not None:  # a read of changes: its own count
            progress.total = page.total
            EntityProgress.objects.filter(pk=progress.pk, lease_owner=ctx.owner).update(total=page.total)
        outcome = _process_smart_page(ctx, page) if ctx.smart and only is None else \
            _process_page(ctx, page, remaining)
        if outcome.waiting:  # the page's bulk operation runs on: its note is in the checkpoint, ask again
            with transaction.atomic():
                _release(run.pk, entity, ctx.owner)
                _enqueue("entity_step_task", str(run.pk), str(entity), countdown=BULK_POLL_SECONDS)
            return "waiting"
        processed += outcome.counted
        limit_reached = ctx.limit is not None and processed >= ctx.limit
        _commit_page(ctx, progress, page, outcome)
        if page.next_checkpoint is None or limit_reached:
            progress.refresh_from_db()
            return _finish_entity(ctx, progress)
        if _cancel_requested(run.pk):
            _release(run.pk, entity, ctx.owner)
            return "cancelled"
        if interactive:
            priority.interactive_mark(run.pk)
        else:
            priority.step_aside()  # while another owner's demo works (fair sharing)
        if time.monotonic() > deadline or pages_done >= settings.MIGRATOR_BATCH_PAGES:
            with transaction.atomic():
                _release(run.pk, entity, ctx.owner)
                _enqueue("entity_step_task", str(run.pk), str(entity))
            return "continued"
    progress.refresh_from_db()
    return _finish_entity(ctx, progress)


def _read_only(ctx: StepContext, source_ids: list[str], *, checkpoint: dict | None, page_size: int
               ) -> Iterator[Page]:
    """Pages of just these source records, fetched one by one with `get` (a retry of failed records),
    resuming after `checkpoint` {"only_index": n}. A record that is gone or unreadable becomes a page error."""
    index = (checkpoint or {}).get("only_index", 0)
    while index < len(source_ids):
        chunk = source_ids[index: index + page_size]
        index += len(chunk)
        items: list[Canonical] = []
        errors: list[ConnectorRecordError] = []
        for source_id in chunk:
            try:
                item = ctx.source.get(ctx.entity, source_id)
            except ConnectorRecordError as exc:
                errors.append(ConnectorRecordError(exc.message, source_id=exc.source_id or source_id,
                                                   excerpt=exc.excerpt))
                continue
            if item is None:
                errors.append(ConnectorRecordError("It no longer exists on the source store.", source_id=source_id))
            else:
                items.append(item)
        yield Page(items=items, errors=errors, total=len(source_ids),
                   next_checkpoint={"only_index": index} if index < len(source_ids) else None)


def _cancel_requested(run_id) -> bool:
    stop = Q(cancel_requested=True) | ~Q(status=RunStatus.RUNNING)
    return MigrationRun.objects.filter(pk=run_id).filter(stop).exists()


def _finish_entity(ctx: StepContext, progress: EntityProgress) -> str:
    _apply_deferred(ctx, progress)
    if ctx.smart and ctx.plan.deletions == "archive":
        _archive_deleted(ctx, progress)
    now = _now()
    # The read is over: its total is what it read (a demo takes the first N records whose dependencies
    # are in the demo, a read of changes knows its size only at the end, and a store may have changed
    # since it was counted), so "done of total" and the percent agree (docs/runs.md, "Numbers").
    progress.refresh_from_db(fields=["done", "skipped", "failed", "total"])
    total = progress.done + progress.skipped + progress.failed
    with transaction.atomic():
        updated = EntityProgress.objects.filter(pk=progress.pk, lease_owner=ctx.owner).update(
            status=EntityStatus.DONE, finished_at=now, lease_owner="", lease_until=None, deferred=[], total=total
        )
        if not updated:
            raise LeaseLost()
        _enqueue("run_advance_task", str(ctx.run.pk))
    progress.refresh_from_db(fields=["failed"])
    _raise_high_water(ctx, progress)
    return "done"


ALL_CHANNEL = "all"
NEW_CHANNEL = "new"


def run_channels(plan: RunPlan, entity: str) -> tuple[str, ...]:
    """The sync points (docs/runs.md, "Sync points") a run of this kind moves for `entity` (see
    `read_channels`). Demos, previews and retries move nothing."""
    if plan.preview or plan.is_retry:
        return ()
    return read_channels(plan, entity)


def read_channels(plan: RunPlan, entity: str) -> tuple[str, ...]:
    """The sync points a run of this kind reads changes from for `entity`: a full run or re-migration
    applies everything; recent data, the records created on the source; a smart update, those and the fields
    selected for the entity. A preview reads what the run it previews would read."""
    if plan.kind in (RunKind.FULL, RunKind.REMIGRATION):
        return (ALL_CHANNEL,)
    if plan.kind == RunKind.RECENT:
        return (NEW_CHANNEL,)
    if plan.kind == RunKind.SMART_UPDATE:
        return (NEW_CHANNEL, *plan.fields.get(str(entity), ()))
    return ()


def entity_marks(migration: StoreMigration, entity: str) -> dict[str, str]:
    """channel -> ISO moment for one entity. A mark saved before channels existed (one moment per
    entity) counts as the `all` channel."""
    marks = (migration.high_water or {}).get(str(entity))
    if isinstance(marks, str):
        return {ALL_CHANNEL: marks}
    return dict(marks or {})


def channel_mark(marks: dict[str, str], channel: str) -> datetime | None:
    """When `channel` was last brought up to date: its own mark, or the `all` mark, whichever is later."""
    found = [datetime.fromisoformat(m) for m in (marks.get(channel), marks.get(ALL_CHANNEL)) if m]
    return max(found) if found else None


def _since(run: MigrationRun, plan: RunPlan, entity: str) -> datetime | None:
    """Where a read of changes starts: the earliest mark of the channels this run applies, minus the
    safety overlap. None (read everything) when any of them was never set."""
    marks = entity_marks(run.migration, entity)
    moments = [channel_mark(marks, c) for c in read_channels(plan, entity)]
    if not moments or any(m is None for m in moments):
        return None
    return min(moments) - timedelta(seconds=settings.MIGRATOR_SMART_UPDATE_OVERLAP_SECONDS)


def _raise_high_water(ctx: StepContext, progress: EntityProgress) -> None:
    """After an entity finished reading the whole source (full, re-migration) or all its changes (recent,
    smart update) and applied every record it read, every source change of its channels made before this
    run started has been applied: their marks move to the run's start, never later (changes made during
    the run are read again next time) and never backwards. A failed record keeps the marks where they
    were, so the next run reads it again."""
    run = ctx.run
    channels = run_channels(ctx.plan, str(ctx.entity))
    if not channels or run.started_at is None or progress.failed:
        return
    moment = run.started_at
    with transaction.atomic():
        migration = StoreMigration.objects.select_for_update().get(pk=run.migration_id)
        marks = entity_marks(migration, str(ctx.entity))
        if ALL_CHANNEL in channels:
            marks = {c: m for c, m in marks.items() if datetime.fromisoformat(m) > moment}
        for channel in channels:
            current = marks.get(channel)
            if current is None or datetime.fromisoformat(current) < moment:
                marks[channel] = moment.isoformat()
        high_water = {**(migration.high_water or {}), str(ctx.entity): marks}
        StoreMigration.objects.filter(pk=migration.pk).update(high_water=high_water)


def _apply_deferred(ctx: StepContext, progress: EntityProgress) -> None:
    """Fix references to records of the same entity that were written later (e.g. a category's parent):
    read the written record back from the target, set the reference, patch that one field."""
    if not progress.deferred:
        return
    targets = _lookup(ctx.run.migration_id, {str(ctx.entity): {d["ref"] for d in progress.deferred}})
    errors = []
    for d in progress.deferred:
        ref_target = targets.get(str(ctx.entity), {}).get(d["ref"])
        if not ref_target:
            if ctx.limit is None:  # a demo leaves out most records on purpose
                errors.append((d["source_id"], f"Its {d['field']} {d['ref']} was not migrated; left empty.", ""))
            continue
        written = ctx.target.get(ctx.entity, d["target_id"])
        if written is None:
            errors.append((d["source_id"], f"It vanished from the target before its {d['field']} was set.", ""))
            continue
        setattr(written, d["field"], ref_target)
        result = ctx.target.update(ctx.entity, d["target_id"], written, fields=[d["field"]])
        if result.error:
            errors.append((d["source_id"], f"Could not set its {d['field']}: {result.error}", ""))
    if errors:
        _store_errors(ctx, errors)
        EntityProgress.objects.filter(pk=progress.pk).update(failed=F("failed") + len(errors))


# --- one page ----------------------------------------------------------------------------------------
def _lookup(migration_id, wanted: dict[str, set[str]]) -> dict[str, dict[str, str]]:
    """{entity: {source_id: target_id}} for the done IdMap rows asked for (one query per entity)."""
    found: dict[str, dict[str, str]] = {}
    for entity, ids in wanted.items():
        ids = {i for i in ids if i}
        if not ids:
            continue
        rows = IdMap.objects.filter(migration_id=migration_id, entity=entity, source_id__in=ids,
                                    state=IdMapState.DONE).values_list("source_id", "target_id")
        found[entity] = dict(rows)
    return found


# --- bulk creates ------------------------------------------------------------------------------------
BULK_NOTE = "_bulk"  # the checkpoint key of a page whose bulk create is under way
BULK_POLL_SECONDS = 1.0  # a step that left a bulk operation running is queued again this much later


def _read_checkpoint(checkpoint: dict | None) -> dict | None:
    """The source's checkpoint, without the engine's bulk note."""
    if not checkpoint or BULK_NOTE not in checkpoint:
        return checkpoint
    return {k: v for k, v in checkpoint.items() if k != BULK_NOTE} or None


def _bulk_note(ctx: StepContext) -> dict | None:
    return (ctx.progress.checkpoint or {}).get(BULK_NOTE) if ctx.progress is not None else None


def _writes_in_bulk(ctx: StepContext, progress: EntityProgress, only: list[str] | None) -> bool:
    """Whether this step creates its new records with the target's bulk operations (`Connector.create_bulk`):
    the target declares them for the entity (`capabilities.bulk_sizes`), the run writes whole entities (a full
    run or a re-migration: not a demo, a retry, recent data, a smart update or a preview), and the entity holds
    at least `capabilities.bulk_min` records. A page whose bulk create is under way is followed to its end."""
    if BULK_NOTE in (progress.checkpoint or {}):
        return True
    caps = ctx.target.capabilities
    return (ctx.entity in caps.bulk_sizes and ctx.run.kind in (RunKind.FULL, RunKind.REMIGRATION)
            and ctx.limit is None and only is None and not ctx.smart and not ctx.preview
            and not ctx.plan.is_retry and (progress.total or 0) >= caps.bulk_min)


def _bulk_key(ctx: StepContext, source_ids: list[str]) -> str:
    """What names a page's bulk operation on the target: this run, this entity, these records."""
    text = f"{ctx.run.pk}:{ctx.entity}:{','.join(source_ids)}"
    return hashlib.sha256(text.encode()).hexdigest()[:24]


def _save_bulk_note(ctx: StepContext, note: dict) -> None:
    """The page's bulk note in the checkpoint (committed now, under this worker's lease)."""
    assert ctx.progress is not None
    checkpoint = {**(_read_checkpoint(ctx.progress.checkpoint) or {}), BULK_NOTE: note}
    if not EntityProgress.objects.filter(pk=ctx.progress.pk, lease_owner=ctx.owner).update(checkpoint=checkpoint):
        raise LeaseLost()
    ctx.progress.checkpoint = checkpoint


def _create_in_bulk(ctx: StepContext, out: PageOutcome, note: dict,
                    pairs: list[tuple[Canonical, Canonical] | None]) -> list[tuple[Canonical, Canonical]]:
    """One call of the target's bulk create of the page in `note`: `pairs` (source item, transformed) in the
    note's order, None for a record not read again. While the operation runs, the connector's state goes into
    the note and `out.waiting` is set; once it ended, its outcomes are tallied in `out`. Returns the records it
    gave no outcome for (an operation that stopped half-way)."""
    written = ctx.target.create_bulk(ctx.entity, [pair[1] if pair else None for pair in pairs], key=note["key"],
                                     state=note.get("state"), until=ctx.deadline)
    if written.running:
        if written.state != note.get("state"):
            _save_bulk_note(ctx, {**note, "state": written.state})
        out.waiting = True
        return []
    leftovers = []
    for pair, result in zip(pairs, written.results or [], strict=True):
        if pair is None:
            continue  # gone from the source meanwhile: its row stays pending (a later run looks for it by key)
        if result is None:
            leftovers.append(pair)
            continue
        out.results.append((pair, result))
        _tally(out, pair[0], result, created=True)
    return leftovers


def _not_on_target(ctx: StepContext, out: PageOutcome, pairs: list[tuple[Canonical, Canonical]]
                   ) -> list[tuple[Canonical, Canonical]]:
    """Records whose write may or may not have happened: those found on the target by natural key are this
    run's creations (completed in place and tallied in `out`); the others are returned, to be created."""
    keys = {pair[0].source_id: pair[1].natural_key() for pair in pairs}
    found = ctx.target.find_by_natural_keys(ctx.entity, [k for k in keys.values() if k]) if any(keys.values()) \
        else {}
    missing = []
    for item, transformed in pairs:
        target_id = found.get(keys[item.source_id] or "")
        if not target_id:
            missing.append((item, transformed))
            continue
        children = _complete_interrupted(ctx, item, transformed, target_id, out)
        result = WriteResult(source_id=item.source_id, target_id=target_id, children=children)
        out.results.append(((item, transformed), result))
        _tally(out, item, result, created=True)
    return missing


def _process_page(ctx: StepContext, page: Page, remaining: int | None) -> PageOutcome:
    out = PageOutcome()
    migration_id = ctx.run.migration_id
    entity = ctx.entity
    model = MODELS[entity]

    for err in page.errors:
        if remaining is not None and out.counted >= remaining:
            break
        out.failed += 1
        out.errors.append((err.source_id, err.message, err.excerpt))

    # Resolve references of the whole page with one IdMap query per referenced entity.
    items = list(page.items)
    wanted: dict[str, set[str]] = defaultdict(set)
    for item in items:
        data = item.model_dump(mode="python")
        for path, ref_entity in model.REFS.items():
            for _, _, value in iter_ref_values(data, path):
                if value:
                    wanted[str(ref_entity)].add(str(value))
    targets = _lookup(migration_id, wanted)

    existing = {
        row.source_id: row
        for row in IdMap.objects.filter(migration_id=migration_id, entity=entity,
                                        source_id__in=[i.source_id for i in items]).select_related("run")
    }

    to_create: list[tuple[Canonical, Canonical]] = []  # (source item, transformed item)
    suspects: list[tuple[IdMap, str, Canonical, Canonical]] = []  # pending rows: written before a crash?
    rewrites: list[tuple[IdMap, Canonical, Canonical]] = []  # done rows a retry writes again in place
    note = _bulk_note(ctx)  # a bulk create of this page started by an earlier step
    in_bulk: dict[str, tuple[Canonical, Canonical]] = {}  # its records, read again
    for item in items:
        if remaining is not None and out.counted + len(to_create) + len(rewrites) >= remaining:
            break
        row = existing.get(item.source_id)
        done = row is not None and row.state == IdMapState.DONE
        if done and not _writes_again(ctx, row, item):
            out.unchanged += 1
            continue
        try:
            transformed, deferred = _transform(ctx, item, targets)
        except ConnectorRecordError as exc:
            if ctx.limit is not None and exc.detail in ("missing-required-ref", "missing-restricting-ref"):
                # A demo migrates the first N records whose dependencies are in the demo too (a coupon:
                # at least one of the products or categories it is limited to).
                out.skipped += 1
                continue
            out.failed += 1
            out.errors.append((item.source_id, exc.message, excerpt(item.model_dump(mode="json"))))
            continue
        out.deferred.extend(deferred)
        if done:
            rewrites.append((row, item, transformed))
            continue
        key = (row.natural_key or transformed.natural_key()) if row is not None else None
        if note is not None and item.source_id in note["ids"]:
            in_bulk[item.source_id] = (item, transformed)
        elif key:  # pending: the write may have happened before a crash
            suspects.append((row, key, item, transformed))
        else:
            to_create.append((item, transformed))

    if note is not None:
        # Follow the operation (by the connector's note, or found again by the page's key), never start it again.
        pairs = [in_bulk.get(source_id) for source_id in note["ids"]]
        leftovers = _create_in_bulk(ctx, out, note, pairs)
        if out.waiting:
            return out
        to_create.extend(_not_on_target(ctx, out, leftovers))  # no outcome from the operation for these

    if suspects:
        # Found on the target: the write happened before the crash. It is this run's creation like any
        # other (counted, reported as a change, its deferred references resolved), committed with the page.
        found = ctx.target.find_by_natural_keys(entity, [key for _, key, _, _ in suspects])
        for _, key, item, transformed in suspects:
            if key not in found:
                to_create.append((item, transformed))
                continue
            children = _complete_interrupted(ctx, item, transformed, found[key], out)
            result = WriteResult(source_id=item.source_id, target_id=found[key], children=children)
            out.results.append(((item, transformed), result))
            _tally(out, item, result, created=True)

    for row, item, transformed in rewrites:
        result = ctx.target.update(entity, row.target_id, transformed)
        if not result.ok and ctx.target.get(entity, row.target_id) is None:
            # Deleted on the target since it was written: this migration's record is created again.
            IdMap.objects.filter(pk=row.pk).delete()
            to_create.append((item, transformed))
            continue
        out.results.append(((item, transformed), result))
        _tally(out, item, result, created=False)

    if not to_create:
        return out

    # 1. Pending rows with natural keys, committed before the target write (one upsert for the page).
    IdMap.objects.bulk_create(
        [IdMap(migration_id=migration_id, entity=str(entity), source_id=item.source_id,
               organization_id=ctx.run.organization_id, state=IdMapState.PENDING,
               natural_key=(transformed.natural_key() or "")[:255], run=ctx.run,
               source_updated_at=item.updated_at) for item, transformed in to_create],
        update_conflicts=True, unique_fields=["migration", "entity", "source_id"],
        update_fields=["organization", "state", "natural_key", "run", "source_updated_at", "updated_at"],
    )
    if note is None and ctx.bulk and len(to_create) >= ctx.target.capabilities.bulk_min:
        # 2'. The write as one bulk operation: its note (the page's key and records) is committed before it
        # starts, so a crash at any point finds the same operation again instead of starting another.
        ids = [item.source_id for item, _ in to_create]
        note = {"key": _bulk_key(ctx, ids), "ids": ids, "state": None}
        _save_bulk_note(ctx, note)
        leftovers = _create_in_bulk(ctx, out, note, list(to_create))
        if out.waiting or not leftovers:
            return out
        to_create = _not_on_target(ctx, out, leftovers)
        if not to_create:
            return out
    # 2. The write.
    results = ctx.target.create(entity, [t for _, t in to_create])
    # 3. Outcome, committed with progress by _commit_page.
    for (item, transformed), result in zip(to_create, results, strict=True):
        out.results.append(((item, transformed), result))
        _tally(out, item, result, created=True)
    return out


def _writes_again(ctx: StepContext, row: IdMap, item: Canonical) -> bool:
    """Whether a record this migration already wrote is written again, in place (docs/runs.md): a retry's
    failed records; in a re-migration every record written by another run; in a full run a demo's records
    (written without the links outside the demo) and any other run's records changed on the source since
    they were written (so the full run's marks hold for every record it leaves alone)."""
    if item.source_id in ctx.rewrite:
        return True
    if not ctx.rewrite_others or row.run_id == ctx.run.pk:
        return False
    if ctx.run.kind == RunKind.REMIGRATION or row.run is None or row.run.kind == RunKind.DEMO:
        return True
    overlap = timedelta(seconds=settings.MIGRATOR_SMART_UPDATE_OVERLAP_SECONDS)
    return item.updated_at is None or item.updated_at >= row.updated_at - overlap


def _tally(out: PageOutcome, item: Canonical, result: WriteResult, *, created: bool) -> None:
    """Count one write's outcome: a create or, with `created=False`, an update in place."""
    out.errors.extend((item.source_id, f"Partly migrated: {w}", "") for w in result.warnings)
    if result.ok and created:
        out.created += 1
    elif result.ok:
        out.updated += 1
    else:
        out.failed += 1
        out.errors.append((item.source_id, result.error or "The target refused the record.",
                           excerpt(item.model_dump(mode="json"))))


def _complete_interrupted(ctx: StepContext, item: Canonical, transformed: Canonical, target_id: str,
                          out: PageOutcome) -> dict[str, str]:
    """A record found on the target after an interrupted write may be incomplete (its variations' or notes'
    calls never happened): write it again in place, which the connector does idempotently, and return its
    children's ids."""
    result = ctx.target.update(ctx.entity, target_id, transformed)
    out.errors.extend((item.source_id, f"Partly migrated: {w}", "") for w in result.warnings)
    if result.error:
        out.errors.append((item.source_id, f"Partly migrated: completing it after an interruption failed: "
                                           f"{result.error}", ""))
    return result.children or _written_children(ctx, transformed, target_id)


def _written_children(ctx: StepContext, item: Canonical, target_id: str) -> dict[str, str]:
    """Source variant id -> target variant id of a product found on the target after a crash (its create
    result, which carried them, was lost): matched by SKU, else by option values."""
    variants = getattr(item, "variants", None)
    if not variants:
        return {}
    written = ctx.target.get(ctx.entity, target_id)
    if written is None:
        return {}
    by_sku = {v.sku: v.source_id for v in written.variants if v.sku}
    by_options = {tuple(sorted(v.option_values.items())): v.source_id for v in written.variants}
    matched = {}
    for variant in variants:
        target_variant = by_sku.get(variant.sku) if variant.sku else None
        target_variant = target_variant or by_options.get(tuple(sorted(variant.option_values.items())))
        if target_variant:
            matched[variant.source_id] = target_variant
    return matched


def _save_children(ctx: StepContext, children: dict[str, str]) -> None:
    """Id map rows of written children (variations): one upsert for all of them."""
    if not children:
        return
    IdMap.objects.bulk_create(
        [IdMap(migration_id=ctx.run.migration_id, entity=VARIANTS, source_id=str(child_source),
               organization_id=ctx.run.organization_id, target_id=str(child_target), state=IdMapState.DONE,
               run=ctx.run) for child_source, child_target in children.items()],
        update_conflicts=True, unique_fields=["migration", "entity", "source_id"],
        update_fields=["organization", "target_id", "state", "run", "updated_at"],
    )


def _transform(ctx: StepContext, item: Canonical, targets: dict[str, dict[str, str]]
               ) -> tuple[Canonical, list[dict]]:
    """Apply mappings and rewrite references to target ids. Raises RecordError when a required
    reference was not migrated."""
    model = type(item)
    data = item.model_dump(mode="python")
    deferred: list[dict] = []
    limited_to = {path: list(data.get(path[:-2]) or []) for path in model.RESTRICTING_REFS}
    for path, ref_entity in model.REFS.items():
        for container, key, value in list(iter_ref_values(data, path)):
            if not value:
                continue
            mapped = targets.get(str(ref_entity), {}).get(str(value))
            if mapped:
                container[key] = mapped
                continue
            if path in model.REQUIRED_REFS:
                raise ConnectorRecordError(
                    f"Its {path.replace('_id', '')} {value} was not migrated, so it cannot be linked.",
                    source_id=item.source_id, detail="missing-required-ref",
                )
            if str(ref_entity) == str(ctx.entity) and not path.endswith("[]"):
                deferred.append({"source_id": item.source_id, "field": path, "ref": str(value)})
            container[key] = None
    for path in model.REFS:
        head = path.split(".")[0]
        if head.endswith("[]") and "." not in path:
            data[head[:-2]] = [v for v in data.get(head[:-2]) or [] if v]
    if any(limited_to.values()) and not any(data.get(path[:-2]) for path in limited_to):
        lost = "; ".join(f"{model.REFS[path]} {', '.join(map(str, values))}"
                         for path, values in limited_to.items() if values)
        raise ConnectorRecordError(
            f"It is limited to {lost}, none of which was migrated: written without them it would apply to "
            "everything, so it was not written.", source_id=item.source_id, detail="missing-restricting-ref")

    for name, mapping in model.MAPPED_FIELDS.items():
        if data.get(name):
            data[name] = ctx.mappings.get(mapping, {}).get(data[name], data[name])
    lang_map = ctx.language_mapping or {}
    if lang_map and data.get("translations"):
        data["translations"] = {lang_map[lang]: values for lang, values in data["translations"].items()
                                if lang_map.get(lang)}
    if not ctx.options.get("migrate_images", True):
        data.pop("images", None)
        data.pop("image", None)
    return model.model_validate(data), deferred


def _hash(item: Canonical) -> str:
    return hashlib.sha256(item.model_dump_json(exclude={"updated_at", "extra"}).encode()).hexdigest()


def _store_errors(ctx: StepContext, errors: list[tuple[str, str, str]]) -> None:
    RecordError.objects.bulk_create(
        RecordError(organization_id=ctx.run.organization_id, run=ctx.run, entity=str(ctx.entity),
                    source_id=str(sid)[:191], message=msg, excerpt=exc[:1000])
        for sid, msg, exc in errors
    )


def _commit_page(ctx: StepContext, progress: EntityProgress, page: Page, out: PageOutcome) -> None:
    """IdMap outcomes, record errors, counters and checkpoint: one transaction, and only while this
    worker still holds the lease. Lock order everywhere: run row, then progress rows."""
    now = _now()
    migration_id = ctx.run.migration_id
    with transaction.atomic():
        locked = EntityProgress.objects.select_for_update().filter(pk=progress.pk, lease_owner=ctx.owner).first()
        if locked is None:
            raise LeaseLost()
        catalog = ctx.target.capabilities.updatable_fields.get(ctx.entity, ())
        # One statement each for the page: the written rows, their children, the refused pending rows.
        written = [(item, transformed, result) for (item, transformed), result in out.results if result.ok]
        refused = [item.source_id for (item, _), result in out.results if not result.ok]
        if written:
            idmap_mark_done(  # the last whole write (a smart update's patch does not move updated_at)
                organization_id=ctx.run.organization_id, migration_id=migration_id, entity=str(ctx.entity),
                run_id=ctx.run.pk, now=now,
                rows=[DoneRow(source_id=item.source_id, target_id=str(result.target_id),
                              fields_hash=_hash(transformed), synced=baseline(ctx.entity, transformed, catalog))
                      for item, transformed, result in written])
            _save_children(ctx, {k: v for _, _, result in written for k, v in (result.children or {}).items()})
        if refused:
            IdMap.objects.filter(migration_id=migration_id, entity=str(ctx.entity), source_id__in=refused,
                                 state=IdMapState.PENDING).delete()
        for source_id, synced in out.synced.items():
            IdMap.objects.filter(migration_id=migration_id, entity=str(ctx.entity), source_id=source_id).update(
                synced=synced)
        if out.changes:
            ChangeRecord.objects.bulk_create(
                ChangeRecord(organization_id=ctx.run.organization_id, run=ctx.run, entity=str(ctx.entity), **c)
                for c in out.changes
            )
        if out.errors:
            _store_errors(ctx, out.errors)
        written = {item.source_id: result.target_id for (item, _), result in out.results if result.ok}
        deferred_new = [{**d, "target_id": written[d["source_id"]]} for d in out.deferred if d["source_id"] in written]
        EntityProgress.objects.filter(pk=progress.pk).update(
            done=F("done") + out.created + out.updated + out.unchanged,
            created=F("created") + out.created,
            updated=F("updated") + out.updated,
            unchanged=F("unchanged") + out.unchanged,
            skipped=F("skipped") + out.skipped,
            failed=F("failed") + out.failed,
            checkpoint=page.next_checkpoint if page.next_checkpoint is not None else
            _read_checkpoint(progress.checkpoint),  # without the page's bulk note: the page is written
            deferred=(locked.deferred or []) + deferred_new,
            lease_until=now + _lease_delta(),
        )
    # Outside the transaction: run_advance locks the run row before progress rows, so taking them in the
    # opposite order here would deadlock.
    MigrationRun.objects.filter(pk=ctx.run.pk).update(heartbeat_at=now)
    progress.checkpoint = page.next_checkpoint if page.next_checkpoint is not None else \
        _read_checkpoint(progress.checkpoint)


# --- smart update ------------------------------------------------------------------------------------
_MISSING = "\x00missing"


def _process_smart_page(ctx: StepContext, page: Page) -> PageOutcome:
    """A page of source records changed since the high-water mark.

    - A record the target does not have yet is created like in any run (a preview only reports it).
    - A record already migrated is compared field by field on the selected fields only, against the
      baseline stored when it was last written: an unchanged field is left alone; a changed one is
      read on the target too. If the target's value also moved away from the baseline (an edit made
      on the new store) and differs from the source's, that is a conflict: the policy decides (source
      wins, the default, or keep the target's). The write is a field-level patch of exactly the
      fields that are to change, so every other field edited on the target survives.
    Every change is recorded (old -> new, and the target's value of a conflict)."""
    entity = ctx.entity
    items = list(page.items)
    existing = {
        row.source_id: row
        for row in IdMap.objects.filter(migration_id=ctx.run.migration_id, entity=entity,
                                        source_id__in=[i.source_id for i in items], state=IdMapState.DONE)
    }
    fresh = [i for i in items if i.source_id not in existing]
    if ctx.preview:
        out = PageOutcome()
        out.failed += len(page.errors)
        out.errors.extend((e.source_id, e.message, e.excerpt) for e in page.errors)
        for item in fresh:
            out.changes.append({"source_id": item.source_id, "kind": ChangeRecord.Kind.CREATE,
                                "new": _label_of(item), "will_apply": True, "applied": False})
            out.unchanged += 1
    else:
        out = _process_page(ctx, Page(items=fresh, errors=page.errors, next_checkpoint=page.next_checkpoint), None)
        for (item, _), result in out.results:
            if result.ok:
                out.changes.append({"source_id": item.source_id, "target_id": str(result.target_id),
                                    "kind": ChangeRecord.Kind.CREATE, "new": _label_of(item), "will_apply": True,
                                    "applied": True})
    if not existing or not ctx.smart_fields:
        out.unchanged += len(items) - len(fresh)
        return out

    wanted: dict[str, set[str]] = defaultdict(set)
    for item in items:
        if item.source_id in existing:
            data = item.model_dump(mode="python")
            for path, ref_entity in type(item).REFS.items():
                for _, _, value in iter_ref_values(data, path):
                    if value:
                        wanted[str(ref_entity)].add(str(value))
    targets = _lookup(ctx.run.migration_id, wanted)
    for item in items:
        row = existing.get(item.source_id)
        if row is None:
            continue
        try:
            transformed, _ = _transform(ctx, item, targets)
        except ConnectorRecordError as exc:
            out.failed += 1
            out.errors.append((item.source_id, exc.message, excerpt(item.model_dump(mode="json"))))
            continue
        base = row.synced or {}
        new_values = {f: field_value(entity, transformed, f) for f in ctx.smart_fields}
        moved = [f for f in ctx.smart_fields if fingerprint(new_values[f]) != base.get(f, _MISSING)]
        if not moved:
            out.unchanged += 1
            continue
        current = ctx.target.get(entity, row.target_id)
        if current is None:
            out.failed += 1
            out.errors.append((item.source_id, f"It is gone from the target store (id {row.target_id}); "
                                               "run a re-migration to create it again.", ""))
            continue
        write: list[str] = []
        synced = dict(base)
        for name in moved:
            theirs = field_value(entity, current, name)
            synced[name] = fingerprint(new_values[name])
            if theirs == new_values[name]:
                continue  # the target already says the same
            edited_on_target = (name not in NO_CONFLICT_CHECK and name in base
                                and fingerprint(theirs) != base[name])
            apply = not edited_on_target or ctx.policy == "source"
            out.changes.append({
                "source_id": item.source_id, "target_id": row.target_id, "field": name,
                "kind": ChangeRecord.Kind.CONFLICT if edited_on_target else ChangeRecord.Kind.UPDATE,
                "old": theirs, "new": new_values[name], "target_value": theirs if edited_on_target else None,
                "will_apply": apply, "applied": apply and not ctx.preview,
            })
            if apply:
                write.append(name)
        if ctx.preview:
            out.unchanged += 1
            continue
        if write:
            result = ctx.target.update(entity, row.target_id, transformed, fields=write)
            _tally(out, item, result, created=False)
            if not result.ok:
                for change in out.changes:
                    if change["source_id"] == item.source_id and change.get("field") in write:
                        change["applied"] = False
                continue
        else:
            out.unchanged += 1
        out.synced[item.source_id] = synced
    return out


def _label_of(item: Canonical) -> str:
    for name in ("name", "number", "email", "code", "title", "sku"):
        value = getattr(item, name, None)
        if value:
            return str(value)[:200]
    return item.source_id


def _archive_deleted(ctx: StepContext, progress: EntityProgress) -> None:
    """Records deleted on the source since they were migrated are unpublished / archived on the target
    (status "archived" through a field-level patch), once; a preview only reports them."""
    entity = ctx.entity
    # Entities with a status that means "not for sale any more" (products); others are left alone.
    archived = MODELS[entity].ARCHIVED_STATUS
    if archived is None or "status" not in ctx.target.capabilities.updatable_fields.get(entity, ()):
        return
    alive = set(ctx.source.list_ids(entity))
    rows = (IdMap.objects.filter(migration_id=ctx.run.migration_id, entity=entity, state=IdMapState.DONE)
            .exclude(source_id__in=alive).exclude(synced__has_key="__archived"))
    changes, errors = [], []
    for row in rows.iterator(chunk_size=500):
        current = ctx.target.get(entity, row.target_id)
        if current is None:
            continue
        if not ctx.preview:
            result = ctx.target.update(entity, row.target_id, current.model_copy(update={"status": archived}),
                                       fields=["status"])
            if not result.ok:
                errors.append((row.source_id, f"Could not archive it on the target: {result.error}", ""))
                continue
            IdMap.objects.filter(pk=row.pk).update(synced={**(row.synced or {}), "__archived": "1"})
        changes.append(ChangeRecord(organization_id=ctx.run.organization_id, run=ctx.run, entity=str(entity),
                                    source_id=row.source_id, target_id=row.target_id,
                                    kind=ChangeRecord.Kind.ARCHIVE, field="status",
                                    old=getattr(current, "status", None), new=archived,
                                    will_apply=True, applied=not ctx.preview))
    ChangeRecord.objects.bulk_create(changes)
    if errors:
        _store_errors(ctx, errors)
        EntityProgress.objects.filter(pk=progress.pk).update(failed=F("failed") + len(errors))
