"""Reads. Every function takes the organization: another tenant's rows are simply not found (404)."""
from django.db.models import CharField, Count, F, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Cast, Coalesce, TruncMinute, TruncSecond
from django.shortcuts import get_object_or_404
from django.utils import timezone

from accounts.models import Organization
from connectors.entities import EntityType

from .enums import IdMapState, MigrationState
from .models import ChangeRecord, EntityProgress, IdMap, MigrationRun, RecordError, Store, StoreMigration


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


def migration_list_filtered(*, organization: Organization, status: str = "", q: str = "") -> QuerySet[StoreMigration]:
    """My Migrations: each migration with its last run (id, kind, status) and how many records it has
    migrated, filtered by the last run's status ("draft", "not_started" or a run status) and searched by
    id prefix or either store's URL."""
    last_run = MigrationRun.objects.filter(migration=OuterRef("pk")).order_by("-created_at")
    migrated = (
        IdMap.objects.filter(migration=OuterRef("pk"), state=IdMapState.DONE)
        .order_by().values("migration").annotate(n=Count("pk")).values("n")
    )
    qs = migration_list(organization=organization).annotate(
        last_run_id=Subquery(last_run.values("pk")[:1]),
        last_run_status=Subquery(last_run.values("status")[:1]),
        last_run_kind=Subquery(last_run.values("kind")[:1]),
        migrated_count=Coalesce(Subquery(migrated[:1]), 0),
    )
    if status == "draft":
        qs = qs.filter(state=MigrationState.DRAFT)
    elif status == "not_started":
        qs = qs.exclude(state=MigrationState.DRAFT).filter(last_run_status__isnull=True)
    elif status:
        qs = qs.filter(last_run_status=status)
    q = (q or "").strip()
    if q:
        qs = qs.annotate(id_text=Cast("id", CharField())).filter(
            Q(id_text__istartswith=q) | Q(id_text__istartswith=q.replace("-", ""))
            | Q(source_store__url__icontains=q) | Q(target_store__url__icontains=q)
            | Q(source_store__name__icontains=q) | Q(target_store__name__icontains=q)
        )
    return qs


def run_active_progress(*, run_ids: list) -> dict:
    """run id -> (done + failed, total) summed over its entities, for progress bars in lists."""
    rows = (EntityProgress.objects.filter(run_id__in=run_ids).values("run_id")
            .annotate(processed=Sum(F("done") + F("failed")), total=Sum("total")))
    return {r["run_id"]: (r["processed"] or 0, r["total"] or 0) for r in rows}


def run_entity_stats(*, run: MigrationRun, now=None) -> list[dict]:
    """Per entity: counts, percent, items per minute since the entity started and an ETA in seconds."""
    now = now or timezone.now()
    out = []
    for p in run_progress(run=run):
        processed = p.done + p.failed
        percent = min(100, int(100 * processed / p.total)) if p.total else (100 if p.status == "done" else 0)
        per_minute = eta = None
        if p.started_at and processed:
            elapsed = max(1.0, ((p.finished_at or now) - p.started_at).total_seconds())
            per_minute = processed * 60 / elapsed
            if p.total and p.status == "running" and processed < p.total:
                eta = int((p.total - processed) / (processed / elapsed))
        out.append({
            "entity": p.entity, "label": EntityType(p.entity).label, "p": p, "processed": processed,
            "percent": percent, "per_minute": per_minute, "eta_seconds": eta,
        })
    return out


def run_throughput(*, run: MigrationRun, now=None, points: int = 30) -> list[tuple[float, float]]:
    """Records written per minute over the run's life, as (seconds since start, rate) points.

    Counted from the id map rows this run wrote and the record errors it stored, grouped by the
    database by second (short runs) or minute (long ones), then folded into at most `points` buckets."""
    if run.started_at is None:
        return []
    end = run.finished_at or now or timezone.now()
    span = max(1.0, (end - run.started_at).total_seconds())
    trunc = TruncSecond if span <= 900 else TruncMinute
    stamps: dict = {}
    for qs, field in ((IdMap.objects.filter(run=run, state=IdMapState.DONE), "updated_at"),
                      (RecordError.objects.filter(run=run), "created_at")):
        for row in qs.order_by().annotate(t=trunc(field)).values("t").annotate(n=Count("pk")):
            if row["t"] is not None:
                stamps[row["t"]] = stamps.get(row["t"], 0) + row["n"]
    width = max(span / points, 5.0)
    buckets = [0] * (int(span // width) + 1)
    for t, n in stamps.items():
        index = int(max(0.0, (t - run.started_at).total_seconds()) // width)
        buckets[min(index, len(buckets) - 1)] += n
    return [(i * width, n * 60 / width) for i, n in enumerate(buckets)]


def run_changes(*, run: MigrationRun) -> QuerySet[ChangeRecord]:
    """What a smart update (or its preview) found changed, record by record and field by field."""
    return ChangeRecord.objects.filter(organization=run.organization_id, run=run).order_by("id")


def run_changes_summary(*, run: MigrationRun) -> list[dict]:
    """Per entity and kind of change: how many, and how many were written."""
    rows = (run_changes(run=run).order_by().values("entity", "kind")
            .annotate(n=Count("pk"), applied=Count("pk", filter=Q(applied=True))).order_by("entity", "kind"))
    return [{**r, "label": EntityType(r["entity"]).label, "kind_label": ChangeRecord.Kind(r["kind"]).label}
            for r in rows]
