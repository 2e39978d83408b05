"""Starting, cancelling and resuming runs: the one place every caller (API, admin, wizard) goes through."""
import logging

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from connectors.entities import ENTITY_ORDER

from ..enums import ACTIVE_RUN_STATUSES, EntityStatus, MigrationState, RunKind, RunStatus
from ..errors import ApplicationError
from ..models import EntityProgress, MigrationRun, RecordError, SmartUpdateConfig, StoreMigration
from . import queue
from .confirm import Confirmation, confirmation_check
from .plans import run_plan
from .rules import Quote

logger = logging.getLogger(__name__)

AVAILABLE_KINDS = tuple(RunKind)


def _enqueue_advance(run_id) -> None:
    queue.enqueue("run_advance_task", str(run_id))


def run_start(*, migration: StoreMigration, kind: str, user=None, params: dict | None = None,
              confirm: Confirmation | None = None) -> MigrationRun:
    """Queue a run of `migration` (kinds and their params: services/plans.py, which also prices it). At
    most one run per migration is active: a second start while one is queued or running raises
    ApplicationError carrying the active run's id (double submits are harmless).

    The owner's pages and the API pass `confirm`: a run that costs money or clears the target then starts
    only when it matches the plan priced here (services/confirm.py), else ValidationFailed on
    `confirm.*`. Internal callers (schedules, support actions, retries) pass None."""
    if kind not in AVAILABLE_KINDS:
        raise ApplicationError(f"Run kind {kind!r} does not exist; choose one of {', '.join(AVAILABLE_KINDS)}.",
                               field="kind")
    if migration.is_draft or migration.source_store is None or migration.target_store is None:
        raise ApplicationError("Finish setting up this migration (stores and entities) before starting it.",
                               field="kind")
    for role, store in (("source", migration.source_store), ("target", migration.target_store)):
        if not store.last_check_ok:
            raise ApplicationError(
                f"Check the connection to the {role} store ({store.url}) before starting a migration.", field="kind"
            )
    plan = run_plan(migration=migration, kind=kind, params=params)
    if confirm is not None:
        confirmation_check(migration=migration, plan=plan, confirm=confirm)
    try:
        with transaction.atomic():
            StoreMigration.objects.select_for_update().filter(pk=migration.pk).first()
            active = MigrationRun.objects.filter(migration=migration, status__in=ACTIVE_RUN_STATUSES).first()
            if active:
                raise ApplicationError(
                    "A run of this migration is already in progress.", field="kind", extra={"run_id": str(active.pk)}
                )
            quote = plan.quote.as_dict()
            run = MigrationRun.objects.create(
                organization_id=migration.organization_id,
                migration=migration,
                kind=kind,
                params=plan.to_params(),
                quote=quote,
                charge_cents=quote["amount_cents"],
                requested_by=user if getattr(user, "is_authenticated", False) else None,
            )
            order = {str(e): i for i, e in enumerate(ENTITY_ORDER)}
            EntityProgress.objects.bulk_create(
                EntityProgress(organization_id=migration.organization_id, run=run, entity=e, position=order[e])
                for e in sorted(plan.entities, key=lambda e: order[e])
            )
            _enqueue_advance(run.pk)
    except IntegrityError:
        active = MigrationRun.objects.filter(migration=migration, status__in=ACTIVE_RUN_STATUSES).first()
        raise ApplicationError("A run of this migration is already in progress.", field="kind",
                               extra={"run_id": str(active.pk) if active else None}) from None
    logger.info("run %s (%s) queued for migration %s", run.pk, kind, migration.pk)
    return run


def run_for_request_key(*, migration: StoreMigration, request_key: str) -> MigrationRun | None:
    """The run a form with this one-time key already started (a second submit of the same form finds it
    instead of starting another)."""
    if not request_key:
        return None
    return MigrationRun.objects.filter(migration=migration, params__request_key=request_key[:64]).first()


def run_cancel(*, run: MigrationRun) -> MigrationRun:
    """Ask a run to stop. A queued run stops at once; a running one stops after its current page."""
    if not run.is_active:
        raise ApplicationError(f"This run is already {run.get_status_display().lower()}.")
    now = timezone.now()
    with transaction.atomic():
        MigrationRun.objects.filter(pk=run.pk).update(cancel_requested=True)
        stopped = MigrationRun.objects.filter(pk=run.pk, status__in=ACTIVE_RUN_STATUSES).update(
            status=RunStatus.CANCELLED, finished_at=now, charge_cents=0  # a stopped run is never priced
        )
        if stopped:
            EntityProgress.objects.filter(run=run, status__in=[EntityStatus.PENDING, EntityStatus.RUNNING]).update(
                status=EntityStatus.CANCELLED, finished_at=now
            )
    run.refresh_from_db()
    return run


def run_resume(*, run: MigrationRun) -> MigrationRun:
    """Support action: put a failed or cancelled run back to work from its checkpoints."""
    if run.is_active:
        raise ApplicationError("This run is still active.")
    with transaction.atomic():
        if MigrationRun.objects.filter(migration_id=run.migration_id, status__in=ACTIVE_RUN_STATUSES).exists():
            raise ApplicationError("Another run of this migration is active.")
        EntityProgress.objects.filter(run=run).exclude(status=EntityStatus.DONE).update(
            status=EntityStatus.PENDING, lease_owner="", lease_until=None, attempts=0, finished_at=None
        )
        # The phase stays: a run stopped while clearing goes on clearing, run_advance picks up any phase.
        MigrationRun.objects.filter(pk=run.pk).update(
            status=RunStatus.QUEUED, cancel_requested=False, error_message="", finished_at=None,
            email_sent_at=None, charge_cents=(run.quote or {}).get("amount_cents", 0),
        )
        _enqueue_advance(run.pk)
    run.refresh_from_db()
    return run


RETRYABLE_RUN_STATUSES = (RunStatus.COMPLETED_WITH_ERRORS, RunStatus.FAILED, RunStatus.CANCELLED)


def run_retry_failed(*, run: MigrationRun, user=None) -> MigrationRun:
    """Start a new run of `run`'s migration (same kind, through run_start and all its checks: one active
    run per migration, both stores checked) that migrates again only the records `run` has record errors
    for, through the same page path as any run (id map, reconciliation, record errors):

    - an entity whose record errors all name a source id is read record by record, with `Connector.get`
      of those ids (`params["only"]`); a record gone from the source becomes a new record error;
    - an entity with a record error that names no source id (e.g. a page that could not be read) cannot
      be narrowed down, so it is read whole; the id map makes that safe: records already migrated are
      skipped, not written twice;
    - a failed record the target already has (partly migrated, or a reference left empty) is written
      again in place, never created twice (`params["retry_ids"]`);
    - entities without record errors are not read: their progress rows start done with a total of 0.

    The retry is free (its quote says so), never clears the target and leaves the migration's state as
    it was. Records that `run` never reached (it failed or was cancelled half-way) are not part of it:
    resuming that run (run_resume) migrates them. Raises ApplicationError when there is nothing to retry
    or when run_start refuses."""
    if run.is_active:
        raise ApplicationError("This run is still in progress; retry its failed records once it has finished.")
    if run.status not in RETRYABLE_RUN_STATUSES:
        raise ApplicationError("This run completed without errors: there is nothing to retry.")
    migration = run.migration
    failed_ids: dict[str, dict[str, None]] = {}  # entity -> source ids, in the order they failed
    read_whole: set[str] = set()
    errors = RecordError.objects.filter(run=run, entity__in=migration.entities).order_by("id")
    for entity, source_id in errors.values_list("entity", "source_id"):
        if source_id:
            failed_ids.setdefault(entity, {})[source_id] = None
        else:
            read_whole.add(entity)
    retried = set(failed_ids) | read_whole
    if not retried:
        raise ApplicationError("This run has no record errors to retry.")
    retry_ids = {entity: list(ids) for entity, ids in failed_ids.items()}
    only = {entity: ids for entity, ids in retry_ids.items() if entity not in read_whole}
    params = {"retry_of": str(run.pk), "only": only, "retry_ids": retry_ids}
    counts = (migration.source_store.last_check_info or {}).get("counts", {})
    entity_counts = {e: len(only[e]) if e in only else int(counts.get(e, 0)) for e in sorted(retried)}
    quote = Quote(kind=run.kind, entity_counts=entity_counts, billable_entities=0, amount_cents=0,
                  currency=settings.MIGRATOR_CURRENCY, rule=f"Retrying the failed records of run {run.pk} is free.")
    with transaction.atomic():
        retry = run_start(migration=migration, kind=run.kind, user=user, params=params)
        MigrationRun.objects.filter(pk=retry.pk).update(quote=quote.as_dict(), charge_cents=0)
        now = timezone.now()
        EntityProgress.objects.filter(run=retry).exclude(entity__in=retried).update(
            status=EntityStatus.DONE, total=0, started_at=now, finished_at=now
        )
        for entity, ids in only.items():
            EntityProgress.objects.filter(run=retry, entity=entity).update(total=len(ids))
    retry.refresh_from_db()
    logger.info("run %s retries the failed records of run %s (%s)", retry.pk, run.pk, entity_counts)
    return retry


def smart_update_scheduled_run(*, migration_id) -> MigrationRun | None:
    """What a smart-update schedule calls: start a smart update unless paused, live, or a run is already
    going (that tick is skipped; the next one tries again)."""
    config = SmartUpdateConfig.objects.select_related("migration__source_store", "migration__target_store").filter(
        migration_id=migration_id).first()
    if config is None or config.paused or config.migration.state == MigrationState.LIVE:
        return None
    if MigrationRun.objects.filter(migration_id=migration_id, status__in=ACTIVE_RUN_STATUSES).exists():
        logger.info("smart update of %s skipped: a run is in progress", migration_id)
        return None
    try:
        return run_start(migration=config.migration, kind=RunKind.SMART_UPDATE, params={"scheduled": True})
    except ApplicationError as exc:
        logger.warning("scheduled smart update of %s not started: %s", migration_id, exc.message)
        return None
