"""Reads. Every function takes the organization: another tenant's rows are simply not found (404)."""
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from accounts.models import Organization

from .models import EntityProgress, MigrationRun, RecordError, Store, StoreMigration


def store_list(*, organization: Organization) -> QuerySet[Store]:
    return Store.objects.filter(organization=organization)


def store_get(*, organization: Organization, store_id) -> Store:
    return get_object_or_404(Store, organization=organization, pk=store_id)


def migration_list(*, organization: Organization) -> QuerySet[StoreMigration]:
    return StoreMigration.objects.filter(organization=organization).select_related("source_store", "target_store")


def migration_get(*, organization: Organization, migration_id) -> StoreMigration:
    return get_object_or_404(migration_list(organization=organization), pk=migration_id)


def run_list(*, organization: Organization, migration: StoreMigration | None = None) -> QuerySet[MigrationRun]:
    qs = MigrationRun.objects.filter(organization=organization).select_related("migration")
    return qs.filter(migration=migration) if migration is not None else qs


def run_get(*, organization: Organization, run_id) -> MigrationRun:
    return get_object_or_404(run_list(organization=organization), pk=run_id)


def run_progress(*, run: MigrationRun) -> QuerySet[EntityProgress]:
    return EntityProgress.objects.filter(organization=run.organization_id, run=run).order_by("position")


def run_errors(*, run: MigrationRun) -> QuerySet[RecordError]:
    return RecordError.objects.filter(organization=run.organization_id, run=run).order_by("id")


def run_totals(*, run: MigrationRun) -> dict:
    rows = list(run_progress(run=run))
    return {
        "total": sum(p.total or 0 for p in rows),
        "done": sum(p.done for p in rows),
        "failed": sum(p.failed for p in rows),
        "skipped": sum(p.skipped for p in rows),
        "created": sum(p.created for p in rows),
        "updated": sum(p.updated for p in rows),
        "entities": {
            p.entity: {"total": p.total, "done": p.done, "failed": p.failed, "skipped": p.skipped,
                       "status": p.status}
            for p in rows
        },
    }
