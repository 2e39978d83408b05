"""Starting, cancelling and resuming runs: the one place every caller (API, admin, wizard) goes through."""
import logging

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from connectors.entities import ENTITY_ORDER

from ..enums import ACTIVE_RUN_STATUSES, EntityStatus, RunKind, RunStatus
from ..errors import ApplicationError
from ..models import EntityProgress, MigrationRun, StoreMigration
from .rules import quote_run

logger = logging.getLogger(__name__)

AVAILABLE_KINDS = (RunKind.DEMO, RunKind.FULL)


def _enqueue_advance(run_id) -> None:
    from ..tasks import run_advance_task

    transaction.on_commit(lambda: run_advance_task.delay(str(run_id)))


def run_start(*, migration: StoreMigration, kind: str, user=None, params: dict | None = None) -> MigrationRun:
    """Queue a run of `migration`. At most one run per migration is active: a second start while one is
    queued or running raises ApplicationError carrying the active run's id (double submits are harmless)."""
    if kind not in AVAILABLE_KINDS:
        raise ApplicationError(f"Run kind {kind!r} is not available; choose demo or full.", field="kind")
    for role, store in (("source", migration.source_store), ("target", migration.target_store)):
        if not store.last_check_ok:
            raise ApplicationError(
                f"Check the connection to the {role} store ({store.url}) before starting a migration.", field="kind"
            )
    try:
        with transaction.atomic():
            StoreMigration.objects.select_for_update().filter(pk=migration.pk).first()
            active = MigrationRun.objects.filter(migration=migration, status__in=ACTIVE_RUN_STATUSES).first()
            if active:
                raise ApplicationError(
                    "A run of this migration is already in progress.", field="kind", extra={"run_id": str(active.pk)}
                )
            counts = (migration.source_store.last_check_info or {}).get("counts", {})
            entity_counts = {e: int(counts.get(e, 0)) for e in migration.entities}
            if kind == RunKind.DEMO:
                entity_counts = {e: min(c, settings.MIGRATOR_DEMO_LIMIT) for e, c in entity_counts.items()}
            quote = quote_run(kind=kind, entity_counts=entity_counts).as_dict()
            run = MigrationRun.objects.create(
                organization_id=migration.organization_id,
                migration=migration,
                kind=kind,
                params=params or {},
                quote=quote,
                charge_cents=quote["amount_cents"],
                requested_by=user if getattr(user, "is_authenticated", False) else None,
            )
            order = {str(e): i for i, e in enumerate(ENTITY_ORDER)}
            EntityProgress.objects.bulk_create(
                EntityProgress(organization_id=migration.organization_id, run=run, entity=e, position=order[e])
                for e in sorted(migration.entities, key=lambda e: order[e])
            )
            _enqueue_advance(run.pk)
    except IntegrityError:
        active = MigrationRun.objects.filter(migration=migration, status__in=ACTIVE_RUN_STATUSES).first()
        raise ApplicationError("A run of this migration is already in progress.", field="kind",
                               extra={"run_id": str(active.pk) if active else None}) from None
    logger.info("run %s (%s) queued for migration %s", run.pk, kind, migration.pk)
    return run


def run_cancel(*, run: MigrationRun) -> MigrationRun:
    """Ask a run to stop. A queued run stops at once; a running one stops after its current page."""
    if not run.is_active:
        raise ApplicationError(f"This run is already {run.get_status_display().lower()}.")
    now = timezone.now()
    with transaction.atomic():
        MigrationRun.objects.filter(pk=run.pk).update(cancel_requested=True)
        stopped = MigrationRun.objects.filter(pk=run.pk, status__in=ACTIVE_RUN_STATUSES).update(
            status=RunStatus.CANCELLED, finished_at=now
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
            email_sent_at=None,
        )
        _enqueue_advance(run.pk)
    run.refresh_from_db()
    return run
