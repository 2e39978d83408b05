"""Celery tasks: ids in, one service call, a retry policy. Nothing else lives here.

Every task that works for a run or a migration is a `TenantTask`: before it runs, the organization, the
migration and the run it works for are bound to every log line it writes (logcontext). Tasks are queued
by services/queue.py after the transaction commits."""
import logging
import random

from celery import Task, shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db import OperationalError

from connectors.errors import RateLimited, TransientError

from . import logcontext
from .models import MigrationRun, StoreMigration
from .services import engine, queue, runs

logger = logging.getLogger(__name__)

MAX_STEP_RETRIES = 8


class TenantTask(Task):
    """Binds the organization, migration and run of its first argument (a run id, or a migration id for
    `migration_task`s) to every log line of the task (as pretix binds the event)."""

    binds = "run"

    def __call__(self, *args, **kwargs):
        key = args[0] if args else kwargs.get(f"{self.binds}_id")
        token = logcontext.bind(**self._ids(key))
        try:
            return super().__call__(*args, **kwargs)
        finally:
            logcontext.reset(token)

    def _ids(self, key) -> dict:
        if key is None:
            return {}
        if self.binds == "migration":
            row = StoreMigration.objects.filter(pk=key).values("organization_id").first() or {}
            return {"organization_id": row.get("organization_id"), "migration_id": key}
        row = MigrationRun.objects.filter(pk=key).values("organization_id", "migration_id").first() or {}
        return {"organization_id": row.get("organization_id"), "migration_id": row.get("migration_id"),
                "run_id": key}


class MigrationTask(TenantTask):
    binds = "migration"


# Delivery (docs/runs.md, "Recovery"). The engine's tasks are idempotent (status claims, the entity lease, the
# id map), so they are acknowledged late: `acks_late` acknowledges a message when the task returns, not when
# it starts, and `reject_on_worker_lost` puts it back on the queue at once when the pool process running it
# dies while the worker itself lives on (the hard time limit, the OOM killer). A worker killed whole (SIGKILL,
# a lost machine) leaves the message unacknowledged: Redis hands it out again only after the visibility
# timeout (CELERY_VISIBILITY_TIMEOUT, 600 s); the filesystem broker of `make run` deleted it when it was
# fetched, so it is simply gone. Recovery therefore never waits for redelivery: the step's lease lapses
# when its heartbeat stops and the reaper queues the entity again (a redelivered copy finds the lease
# taken, or the entity done, and does nothing).

@shared_task(base=TenantTask, name="migrations.run_advance", acks_late=True, reject_on_worker_lost=True)
def run_advance_task(run_id: str) -> None:
    engine.run_advance(run_id=run_id)


@shared_task(base=TenantTask, name="migrations.entity_step", bind=True, acks_late=True, reject_on_worker_lost=True,
             max_retries=MAX_STEP_RETRIES)
def entity_step_task(self, run_id: str, entity: str) -> str:
    try:
        # The lease names this task and the worker process running it (<task id>@<host>:<pid>).
        return engine.entity_step(run_id=run_id, entity=entity, owner=engine.lease_owner_id(self.request.id))
    except SoftTimeLimitExceeded:
        # The lease was released; continue in a fresh task from the last committed checkpoint.
        entity_step_task.apply_async(args=[run_id, entity], countdown=1, queue=queue.queue_for_run(run_id))
        return "time-limit"
    except (TransientError, OperationalError) as exc:
        # OperationalError: a lost database connection, a serialization failure or deadlock: worth a retry.
        if self.request.retries >= MAX_STEP_RETRIES:
            source = "store" if isinstance(exc, TransientError) else "database"
            engine.run_fail(run_id=run_id, message=f"The {source} kept failing: {exc}")
            return "failed"
        if isinstance(exc, RateLimited):
            countdown = exc.retry_after
        else:
            countdown = random.uniform(0, min(settings.MIGRATOR_HTTP_BACKOFF_CAP * 10, 2 ** self.request.retries * 5))
        logger.warning("run %s %s: %s; retrying in %.0f s", run_id, entity, exc, countdown)
        raise self.retry(countdown=countdown, exc=exc) from None
    except Exception as exc:
        # A bug must not leave the run hanging: stop it with a message support can act on (and resume).
        logger.exception("run %s %s: unexpected error", run_id, entity)
        engine.run_fail(run_id=run_id, message=f"Internal error while migrating {entity} ({type(exc).__name__}). "
                                               "The error was logged; support can resume the run.")
        return "failed"


@shared_task(base=TenantTask, name="migrations.run_clear", acks_late=True, reject_on_worker_lost=True)
def run_clear_task(run_id: str) -> None:
    engine.run_clear(run_id=run_id)


@shared_task(base=TenantTask, name="migrations.run_finalize", acks_late=True, reject_on_worker_lost=True)
def run_finalize_task(run_id: str) -> None:
    engine.run_finalize(run_id=run_id)


@shared_task(name="migrations.runs_reap")
def runs_reap_task() -> int:
    """Beat, every MIGRATOR_REAPER_INTERVAL_SECONDS: queue again the entities of dead workers, resume stale runs."""
    return engine.runs_reap()


@shared_task(base=MigrationTask, name="migrations.smart_update_scheduled")
def smart_update_scheduled_task(migration_id: str) -> str | None:
    """A smart update schedule fired (django-celery-beat); skipped when paused, live or busy."""
    run = runs.smart_update_scheduled_run(migration_id=migration_id)
    return str(run.pk) if run else None
