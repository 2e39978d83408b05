"""Reads. Every function takes the organization: another tenant's rows are simply not found (404)."""
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.db.models import CharField, Count, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Cast, TruncMinute, TruncSecond
from django.shortcuts import get_object_or_404
from django.utils import timezone

from accounts.models import Organization
from connectors.entities import EntityType

from .enums import EntityStatus, IdMapState, MigrationState, RunKind, RunStatus
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


def migration_list_filtered(*, organization: Organization, status: str = "", q: str = "") -> QuerySet[StoreMigration]:
    """My Migrations: each migration with its last run (id, kind, status), filtered by the last run's
    status ("draft", "not_started" or a run status) and searched by id prefix or either store's URL. Its
    numbers come from `migrations_numbers`."""
    last_run = MigrationRun.objects.filter(migration=OuterRef("pk")).order_by("-created_at")
    # A draft appears once one of its stores passed a connection check: a first check that failed leaves
    # nothing to continue from, so it is no stray entry here (the wizard keeps it for its own page).
    started = ~Q(state=MigrationState.DRAFT) | Q(source_store__last_check_ok=True) | Q(target_store__last_check_ok=True)
    qs = migration_list(organization=organization).filter(started).annotate(
        last_run_id=Subquery(last_run.values("pk")[:1]),
        last_run_status=Subquery(last_run.values("status")[:1]),
        last_run_kind=Subquery(last_run.values("kind")[:1]),
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


# --- numbers (docs/runs.md, "Numbers") ------------------------------------------------------------
#
# Every number a page, the email, the API or the admin shows about a run or a migration comes from here.
# Nothing else adds progress counters up.

NOT_CHARGED_STATUSES = (RunStatus.FAILED, RunStatus.CANCELLED)

_STATUS_PHRASES = {
    RunStatus.QUEUED: "queued", RunStatus.RUNNING: "running", RunStatus.COMPLETED: "completed",
    RunStatus.COMPLETED_WITH_ERRORS: "completed with errors", RunStatus.FAILED: "failed",
    RunStatus.CANCELLED: "cancelled",
}
_HEADLINE_KINDS = {RunKind.DEMO: "Demo", RunKind.FULL: "Full migration"}


def _entity_label(entity: str) -> str:
    try:
        return EntityType(entity).label
    except ValueError:
        return entity.replace("_", " ").capitalize()


def _percent(processed: int, total: int | None, finished: bool) -> int:
    """Whole percent of `processed` out of `total`, never above 100. Without a known total (or with an
    empty one) only a finished count is complete."""
    if not total:
        return 100 if finished else 0
    return min(100, processed * 100 // total)


@dataclass(frozen=True)
class EntityNumbers:
    """One entity of a run. Counts are records; see `RunNumbers` for what each one means."""

    entity: str
    label: str
    status: str
    status_label: str
    total: int | None
    created: int
    updated: int
    unchanged: int
    skipped: int
    failed: int
    errors: int
    per_minute: float | None = None
    eta_seconds: int | None = None

    @property
    def done(self) -> int:
        return self.created + self.updated + self.unchanged

    @property
    def processed(self) -> int:
        return self.done + self.skipped + self.failed

    @property
    def read(self) -> int:
        return self.processed

    @property
    def written(self) -> int:
        return self.created + self.updated

    @property
    def percent(self) -> int:
        return _percent(self.processed, self.total, self.status == EntityStatus.DONE)

    def as_dict(self) -> dict:
        return {
            "entity": self.entity, "status": self.status, "total": self.total, "read": self.read,
            "created": self.created, "updated": self.updated, "unchanged": self.unchanged,
            "skipped": self.skipped, "failed": self.failed, "errors": self.errors, "done": self.done,
            "processed": self.processed, "written": self.written, "percent": self.percent,
        }


@dataclass(frozen=True)
class RunNumbers:
    """The numbers of one run, summed over its entities (docs/runs.md, "Numbers").

    - created / updated: records created on the target / written again in place (smart update: patched);
    - unchanged: records read that needed no write; skipped: records read that are not part of this run;
    - failed: records not written (each has a record error);
    - errors: records with at least one record error (failed, or written with a problem: "Partly
      migrated"), each (entity, source id) once; an error without a source id counts once on its own;
    - done = created + updated + unchanged; processed = read = done + skipped + failed;
      written = created + updated ("records migrated");
    - total: records to read, or None while any entity's total is not known yet; percent: processed out
      of total (without a known total: the mean of the entities' percents, an entity not counted yet 0).
    A failed or cancelled run is never charged, whatever `MigrationRun.charge_cents` holds."""

    run_id: object
    kind: str
    kind_label: str
    status: str
    status_label: str
    entities: tuple[EntityNumbers, ...]
    created: int
    updated: int
    unchanged: int
    skipped: int
    failed: int
    errors: int
    total: int | None
    percent: int
    charged: bool
    charge_cents: int
    currency: str
    warnings: tuple[dict, ...] = ()
    # Overall pace (docs/runs.md, "Numbers"): processed records per minute since the run started, and the
    # seconds left at that rate for the records still to read (an entity not counted yet is estimated
    # by its quoted count); None until a rate is measured, or once the run has ended.
    per_minute: float | None = None
    eta_seconds: int | None = None
    phase: str = ""
    phase_label: str = ""

    @property
    def done(self) -> int:
        return self.created + self.updated + self.unchanged

    @property
    def processed(self) -> int:
        return self.done + self.skipped + self.failed

    @property
    def read(self) -> int:
        return self.processed

    @property
    def written(self) -> int:
        return self.created + self.updated

    @property
    def progress_text(self) -> str:
        """"18 of 40 records processed (45 %)"; without a known total, says so instead of a sum."""
        if self.total is None:
            return f"{self.processed} records processed so far (not every entity is counted yet)"
        return f"{self.processed} of {self.total} records processed ({self.percent} %)"

    @property
    def summary(self) -> str:
        """The one sentence every surface shows: "18 records read: 12 migrated (10 created, 2 updated),
        3 unchanged, 1 skipped, 2 failed; 4 with errors"."""
        return (f"{self.read} record{'' if self.read == 1 else 's'} read: {self.written} migrated "
                f"({self.created} created, {self.updated} updated), {self.unchanged} unchanged, "
                f"{self.skipped} skipped, {self.failed} failed; {self.errors} with errors")

    @property
    def label(self) -> str:
        """"Full migration: Completed with errors": the kind and status as the run page shows them."""
        return f"{self.kind_label}: {self.status_label}"

    @property
    def price_label(self) -> str:
        if not self.charged:
            return "Not charged"
        if not self.charge_cents:
            return "Free"
        return f"{self.currency} {self.charge_cents / 100:,.2f}"

    @property
    def pace_text(self) -> str:
        """"120 records/min · about 3 min left", or what is known of it so far."""
        if self.per_minute is None:
            return ""
        out = f"{self.per_minute:,.0f} records/min"
        if self.eta_seconds is not None:
            out += f" · about {_duration_words(self.eta_seconds)} left"
        return out

    def as_dict(self) -> dict:
        return {
            "total": self.total, "read": self.read, "created": self.created, "updated": self.updated,
            "unchanged": self.unchanged, "skipped": self.skipped, "failed": self.failed, "errors": self.errors,
            "done": self.done, "processed": self.processed, "written": self.written, "percent": self.percent,
            "summary": self.summary, "per_minute": None if self.per_minute is None else round(self.per_minute, 1),
            "eta_seconds": self.eta_seconds, "phase": self.phase, "phase_label": self.phase_label,
        }


def _duration_words(seconds: int) -> str:
    if seconds >= 3600:
        return f"{seconds // 3600} h {seconds % 3600 // 60:02d} min"
    if seconds >= 60:
        return f"{round(seconds / 60)} min"
    return f"{max(seconds, 1)} s"


_PHASE_LABELS = {"queued": "Waiting for a worker", "clear": "Clearing the target store", "migrate": "Migrating",
                 "verify": "Checking the result", "finished": "Finished"}


def _phase(run: MigrationRun) -> str:
    if run.status == RunStatus.QUEUED:
        return "queued"
    if run.status != RunStatus.RUNNING:
        return "finished"
    return run.phase if run.phase in _PHASE_LABELS else "migrate"


def run_is_charged(*, run: MigrationRun) -> bool:
    """A failed or cancelled run is never priced (docs/runs.md)."""
    return run.status not in NOT_CHARGED_STATUSES


def run_charge_cents(*, run: MigrationRun) -> int:
    return run.charge_cents if run_is_charged(run=run) else 0


def run_kind_label(*, run: MigrationRun) -> str:
    label = RunKind(run.kind).label if run.kind in RunKind.values else run.kind
    return f"{label} (preview)" if (run.params or {}).get("preview") else label


def _error_counts(run_ids: list) -> dict:
    """(run id, entity) -> records with a record error: distinct source ids, plus one per error that has
    no source id."""
    rows = (RecordError.objects.filter(run_id__in=run_ids).order_by().values("run_id", "entity")
            .annotate(keyed=Count("source_id", distinct=True, filter=~Q(source_id="")),
                      blank=Count("pk", filter=Q(source_id=""))))
    return {(r["run_id"], r["entity"]): r["keyed"] + r["blank"] for r in rows}


def _processed(p: EntityProgress) -> int:
    return p.created + p.updated + p.unchanged + p.skipped + p.failed


def _to_read(p: EntityProgress, quoted: dict) -> int | None:
    """Records `p` still has to read: of its total, or of its quoted count while it is not counted yet."""
    if p.status not in (EntityStatus.PENDING, EntityStatus.RUNNING):
        return 0
    total = p.total if p.total is not None else quoted.get(p.entity)
    return None if total is None else max(0, int(total) - _processed(p))


def _entity_numbers(p: EntityProgress, errors: int, now: datetime, *, run_rate: float | None,
                    quoted: dict) -> EntityNumbers:
    """`run_rate`: the run's records per second, the pace of an entity that has no rate of its own yet."""
    processed = _processed(p)
    per_minute = eta = None
    rate = run_rate
    if p.started_at and processed:
        elapsed = max(1.0, ((p.finished_at or now) - p.started_at).total_seconds())
        per_minute = processed * 60 / elapsed
        rate = processed / elapsed
    left = _to_read(p, quoted)
    if rate and left is not None and p.status in (EntityStatus.PENDING, EntityStatus.RUNNING):
        eta = int(left / rate)
    return EntityNumbers(
        entity=p.entity, label=_entity_label(p.entity), status=p.status,
        status_label=EntityStatus(p.status).label if p.status in EntityStatus.values else p.status,
        total=p.total, created=p.created, updated=p.updated, unchanged=p.unchanged, skipped=p.skipped,
        failed=p.failed, errors=errors, per_minute=per_minute, eta_seconds=eta,
    )


def _run_numbers(run: MigrationRun, progress: list[EntityProgress], errors: dict, now: datetime) -> RunNumbers:
    # A read of changes (smart update) is quoted with no counts: its entities are unknown until counted.
    quoted = {} if run.kind == RunKind.SMART_UPDATE else {
        str(k): v for k, v in ((run.quote or {}).get("entity_counts") or {}).items() if isinstance(v, int)}
    done_so_far = sum(_processed(p) for p in progress)
    active = run.status == RunStatus.RUNNING
    run_rate = per_minute = eta = None
    if run.started_at and done_so_far:
        elapsed = max(1.0, ((run.finished_at or now) - run.started_at).total_seconds())
        run_rate = done_so_far / elapsed
        per_minute = run_rate * 60
        left = [_to_read(p, quoted) for p in progress]
        if active and None not in left and sum(left):
            eta = int(sum(left) / run_rate)
    rows = tuple(_entity_numbers(p, errors.get((run.pk, p.entity), 0), now, run_rate=run_rate if active else None,
                                 quoted=quoted) for p in progress)
    known = all(e.total is not None for e in rows)
    total = sum(e.total for e in rows) if known else None
    processed = sum(e.processed for e in rows)
    if known:
        percent = _percent(processed, total, bool(rows) and all(e.status == EntityStatus.DONE for e in rows))
    else:
        percent = sum(e.percent for e in rows) // len(rows)
    charged = run_is_charged(run=run)
    return RunNumbers(
        run_id=run.pk, kind=run.kind, kind_label=run_kind_label(run=run), status=run.status,
        status_label=RunStatus(run.status).label if run.status in RunStatus.values else run.status,
        entities=rows,
        created=sum(e.created for e in rows), updated=sum(e.updated for e in rows),
        unchanged=sum(e.unchanged for e in rows), skipped=sum(e.skipped for e in rows),
        failed=sum(e.failed for e in rows),
        # Every record error of the run, also of an entity without a progress row (e.g. met while clearing).
        errors=sum(n for (run_id, _), n in errors.items() if run_id == run.pk),
        total=total, percent=percent, charged=charged, charge_cents=run.charge_cents if charged else 0,
        currency=(run.quote or {}).get("currency") or "USD",
        warnings=tuple(w for w in (run.warnings or []) if isinstance(w, dict)),
        per_minute=per_minute, eta_seconds=eta, phase=_phase(run), phase_label=_PHASE_LABELS[_phase(run)],
    )


def runs_numbers(*, runs: Iterable[MigrationRun], now: datetime | None = None) -> dict:
    """run id -> `RunNumbers`, for many runs in two queries (lists, the admin changelist)."""
    runs = list(runs)
    now = now or timezone.now()
    ids = [r.pk for r in runs]
    progress: dict = {}
    for p in EntityProgress.objects.filter(run_id__in=ids).order_by("run_id", "position"):
        progress.setdefault(p.run_id, []).append(p)
    errors = _error_counts(ids) if ids else {}
    return {r.pk: _run_numbers(r, progress.get(r.pk, []), errors, now) for r in runs}


def run_numbers(*, run: MigrationRun, now: datetime | None = None) -> RunNumbers:
    """The numbers of one run, per entity and in total: what every page, the email, the API and the admin
    show (docs/runs.md, "Numbers")."""
    return runs_numbers(runs=[run], now=now)[run.pk]


@dataclass(frozen=True)
class MigrationNumbers:
    """The numbers of one migration.

    - migrated: records of the migration's entities that are on the target through its id map (`done`
      rows; variations belong to their products and are not counted), per entity in `migrated_by_entity`;
    - headline: the migration's state in words, agreeing with the run that set it ("Full migration
      completed with errors" when that run completed with errors);
    - last_run: the numbers of its newest run (My Migrations' status column)."""

    migration_id: object
    migrated: int
    migrated_by_entity: tuple[tuple[str, int], ...]
    headline: str
    last_run: RunNumbers | None


def _headline(migration: StoreMigration, main_run: MigrationRun | None) -> str:
    if migration.state == MigrationState.DRAFT:
        return "Setup not finished"
    if migration.state == MigrationState.LIVE:
        return MigrationState.LIVE.label
    if main_run is None:
        return MigrationState.FULL_COMPLETED.label if migration.state == MigrationState.FULL_COMPLETED \
            else "Not started"
    kind = _HEADLINE_KINDS.get(main_run.kind, main_run.kind)
    return f"{kind} {_STATUS_PHRASES.get(main_run.status, main_run.status)}"


def migrations_numbers(*, migrations: Iterable[StoreMigration], now: datetime | None = None) -> dict:
    """migration id -> `MigrationNumbers`, for a page of migrations in a few queries."""
    migrations = list(migrations)
    ids = [m.pk for m in migrations]
    if not ids:
        return {}
    migrated: dict = {}
    for row in (IdMap.objects.filter(migration_id__in=ids, state=IdMapState.DONE).order_by()
                .values("migration_id", "entity").annotate(n=Count("pk"))):
        migrated[(row["migration_id"], row["entity"])] = row["n"]
    runs = MigrationRun.objects.filter(migration=OuterRef("pk")).order_by("-created_at")
    main = runs.filter(kind__in=[RunKind.DEMO, RunKind.FULL]).exclude(params__has_key="retry_of")
    picked = StoreMigration.objects.filter(pk__in=ids).annotate(
        last_id=Subquery(runs.values("pk")[:1]),
        main_id=Subquery(main.values("pk")[:1]),
        full_done_id=Subquery(main.filter(kind=RunKind.FULL, status__in=[
            RunStatus.COMPLETED, RunStatus.COMPLETED_WITH_ERRORS]).values("pk")[:1]),
    ).values("pk", "last_id", "main_id", "full_done_id")
    picked = {row["pk"]: row for row in picked}
    run_ids = {v for row in picked.values() for k, v in row.items() if k != "pk" and v is not None}
    run_objs = {r.pk: r for r in MigrationRun.objects.filter(pk__in=run_ids)}
    last_numbers = runs_numbers(runs=[run_objs[row["last_id"]] for row in picked.values() if row["last_id"]],
                                now=now)
    out = {}
    for m in migrations:
        row = picked.get(m.pk, {})
        by_entity = tuple((e, migrated.get((m.pk, e), 0)) for e in (m.entities or []))
        main_id = row.get("full_done_id") if m.state == MigrationState.FULL_COMPLETED else row.get("main_id")
        out[m.pk] = MigrationNumbers(
            migration_id=m.pk, migrated=sum(n for _, n in by_entity), migrated_by_entity=by_entity,
            headline=_headline(m, run_objs.get(main_id)), last_run=last_numbers.get(row.get("last_id")),
        )
    return out


def migration_numbers(*, migration: StoreMigration, now: datetime | None = None) -> MigrationNumbers:
    """The numbers of one migration (docs/runs.md, "Numbers"): what My Migrations, the migration page,
    the API and the admin show."""
    return migrations_numbers(migrations=[migration], now=now)[migration.pk]
