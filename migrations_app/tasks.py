"""Celery tasks: ids in, one service call, a retry policy. Nothing else lives here."""
import logging
import random

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db import OperationalError

from connectors.errors import RateLimited, TransientError

from .services import engine, smart_update

logger = logging.getLogger(__name__)

MAX_STEP_RETRIES = 8


@shared_task(name="migrations.run_advance", acks_late=True, reject_on_worker_lost=True)
def run_advance_task(run_id: str) -> None:
    engine.run_advance(run_id=run_id)


@shared_task(name="migrations.entity_step", bind=True, acks_late=True, reject_on_worker_lost=True,
             max_retries=MAX_STEP_RETRIES)
def entity_step_task(self, run_id: str, entity: str) -> str:
    try:
        return engine.entity_step(run_id=run_id, entity=entity, owner=self.request.id)
    except SoftTimeLimitExceeded:
        # The lease was released; continue in a fresh task from the last committed checkpoint.
        entity_step_task.apply_async(args=[run_id, entity], countdown=1)
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


@shared_task(name="migrations.run_clear", acks_late=True, reject_on_worker_lost=True)
def run_clear_task(run_id: str) -> None:
    engine.run_clear(run_id=run_id)


@shared_task(name="migrations.run_finalize", acks_late=True, reject_on_worker_lost=True)
def run_finalize_task(run_id: str) -> None:
    engine.run_finalize(run_id=run_id)


@shared_task(name="migrations.runs_reap")
def runs_reap_task() -> int:
    return engine.runs_reap()


@shared_task(name="migrations.smart_update_scheduled")
def smart_update_scheduled_task(migration_id: str) -> str | None:
    """A smart update schedule fired (django-celery-beat); skipped when paused, live or busy."""
    run = smart_update.smart_update_scheduled_run(migration_id=migration_id)
    return str(run.pk) if run else None
