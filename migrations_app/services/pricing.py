"""Prices that depend on what runs did (the numbers rules.py prices by come from the database here)."""
from __future__ import annotations

from datetime import date

from django.db.models import Sum
from django.utils import timezone

from ..enums import RunKind, RunStatus
from ..models import EntityProgress, MigrationRun, StoreMigration
from .rules import Quote, quote_recent, quote_remigration, remigration_window_end


def window_end(*, migration: StoreMigration) -> date | None:
    """The last day of the migration's free re-migration window (None before the full migration)."""
    return remigration_window_end(full_completed_at=migration.full_completed_at,
                                  extended_until=migration.remigration_window_until)


def full_written(*, migration: StoreMigration) -> int:
    """Records the completed full migration put on the target (created + updated + unchanged, per its
    progress): the base of the re-migration and recent-data caps."""
    run = (MigrationRun.objects.filter(migration=migration, kind=RunKind.FULL,
                                       status__in=[RunStatus.COMPLETED, RunStatus.COMPLETED_WITH_ERRORS])
           .order_by("-finished_at").first())
    if run is None:
        return 0
    return EntityProgress.objects.filter(run=run).aggregate(n=Sum("done"))["n"] or 0


def quote_written(*, run: MigrationRun) -> Quote:
    """The quote of a finished re-migration or recent-data run recomputed on what it wrote (created +
    updated per entity), by the same rules as the quote shown before it started."""
    migration = run.migration
    written = {p.entity: p.created + p.updated for p in EntityProgress.objects.filter(run=run)}
    rule = quote_remigration if run.kind == RunKind.REMIGRATION else quote_recent
    return rule(entity_counts=written, full_total=full_written(migration=migration),
                window_end=window_end(migration=migration), today=timezone.localdate(run.created_at))


def run_charge(*, run: MigrationRun) -> int:
    """What a finished run costs: its quote, except that a re-migration or a recent-data run is priced on
    what it actually wrote, never more than it was quoted. Failed and cancelled runs cost nothing (their
    status change sets 0)."""
    quoted = int((run.quote or {}).get("amount_cents", run.charge_cents) or 0)
    if run.kind not in (RunKind.REMIGRATION, RunKind.RECENT) or not quoted:
        return quoted
    return min(quoted, quote_written(run=run).amount_cents)
