"""Domain model. Every tenant-owned row carries `organization`; reads go through selectors.py."""
import uuid

from django.conf import settings
from django.db import models

from accounts.models import Organization

from .enums import EntityStatus, IdMapState, MigrationState, RunKind, RunStatus


class TenantModel(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")

    class Meta:
        abstract = True


class Store(TenantModel):
    """A store on some platform, with its credentials encrypted at rest (never shown back in full)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    platform = models.CharField(max_length=40, db_index=True)
    url = models.URLField(max_length=500)
    name = models.CharField(max_length=200, blank=True, help_text="From the last connection check.")
    credentials_encrypted = models.TextField(editable=False)
    credentials_hint = models.JSONField(default=dict, blank=True, help_text="Masked credentials for display.")
    last_check_at = models.DateTimeField(null=True, blank=True)
    last_check_ok = models.BooleanField(null=True)
    last_check_info = models.JSONField(default=dict, blank=True)
    last_check_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.platform}: {self.url}"


class StoreMigration(TenantModel):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # Null only while a draft: the wizard saves each side as soon as its connection has been checked.
    source_store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="migrations_as_source",
                                     null=True, blank=True)
    target_store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="migrations_as_target",
                                     null=True, blank=True)
    entities = models.JSONField(default=list)
    options = models.JSONField(default=dict, blank=True)
    language_mapping = models.JSONField(default=dict, blank=True)
    status_mapping = models.JSONField(default=dict, blank=True)
    group_mapping = models.JSONField(default=dict, blank=True)
    state = models.CharField(max_length=20, choices=MigrationState.choices, default=MigrationState.READY)
    quote = models.JSONField(default=dict, blank=True)
    full_completed_at = models.DateTimeField(null=True, blank=True)
    remigration_window_until = models.DateField(
        null=True, blank=True, help_text="Support may extend the free re-migration window up to this date."
    )
    # Smart update / recent data: per entity, the moment up to which source changes have been carried
    # over (ISO 8601). Never later than the start of the run that set it.
    high_water = models.JSONField(default=dict, blank=True)
    # The wizard form's one-time key: a second submit of the same form finds this draft instead of a new one.
    wizard_key = models.CharField(max_length=64, blank=True, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "wizard_key"], condition=~models.Q(wizard_key=""),
                                    name="uniq_migration_wizard_key"),
        ]

    def __str__(self) -> str:
        return f"Migration {self.id}"

    @property
    def is_draft(self) -> bool:
        return self.state == MigrationState.DRAFT


class MigrationRun(TenantModel):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    migration = models.ForeignKey(StoreMigration, on_delete=models.CASCADE, related_name="runs")
    kind = models.CharField(max_length=20, choices=RunKind.choices)
    status = models.CharField(max_length=24, choices=RunStatus.choices, default=RunStatus.QUEUED, db_index=True)
    params = models.JSONField(default=dict, blank=True)
    phase = models.CharField(max_length=16, default="migrate")  # "clear" then "migrate"
    cancel_requested = models.BooleanField(default=False)
    error_message = models.TextField(blank=True)
    verification = models.JSONField(default=dict, blank=True)
    quote = models.JSONField(default=dict, blank=True)
    charge_cents = models.PositiveIntegerField(default=0)
    api_calls = models.PositiveBigIntegerField(default=0, help_text="HTTP requests made to both stores.")
    # Run-level warnings the owner must see with the result, e.g. target records a clear could not delete:
    # [{"entity": ..., "count": n, "message": ...}] (docs/runs.md, "Clearing").
    warnings = models.JSONField(default=list, blank=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    email_sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            # At most one active run per migration: the claim that makes double submits harmless.
            models.UniqueConstraint(
                fields=["migration"],
                condition=models.Q(status__in=["queued", "running"]),
                name="one_active_run_per_migration",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.id} ({self.status})"

    @property
    def is_active(self) -> bool:
        return self.status in (RunStatus.QUEUED, RunStatus.RUNNING)


class EntityProgress(TenantModel):
    run = models.ForeignKey(MigrationRun, on_delete=models.CASCADE, related_name="progress")
    entity = models.CharField(max_length=32)
    position = models.PositiveSmallIntegerField(default=0)
    status = models.CharField(max_length=16, choices=EntityStatus.choices, default=EntityStatus.PENDING)
    total = models.PositiveIntegerField(null=True, blank=True)
    # The numbers of a run (docs/runs.md, "Numbers"): done = created + updated + unchanged; skipped records
    # were read but are not part of this run (a demo's records whose dependencies are outside the demo);
    # failed records have a RecordError. Shown everywhere through selectors.run_numbers.
    done = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    skipped = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0)
    checkpoint = models.JSONField(null=True, blank=True)
    deferred = models.JSONField(default=list, blank=True)  # references to fix once the entity is done
    lease_owner = models.CharField(max_length=64, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["position"]
        constraints = [models.UniqueConstraint(fields=["run", "entity"], name="uniq_progress_entity")]

    def __str__(self) -> str:
        return f"{self.entity}: {self.done}/{self.total}"


class IdMap(TenantModel):
    """Source id -> target id per migration and entity: what makes runs idempotent and resumable.

    A row is written `pending` (with its natural key) before the target write and `done` after it; a
    `pending` row found after a crash is reconciled by natural key, so nothing is created twice."""

    migration = models.ForeignKey(StoreMigration, on_delete=models.CASCADE, related_name="id_map")
    entity = models.CharField(max_length=32)
    source_id = models.CharField(max_length=191)
    target_id = models.CharField(max_length=191, blank=True)
    natural_key = models.CharField(max_length=255, blank=True)
    state = models.CharField(max_length=10, choices=IdMapState.choices, default=IdMapState.PENDING)
    fields_hash = models.CharField(max_length=64, blank=True)
    # Smart update baseline: field -> short hash of the value last written for each field of the
    # target's update catalog, so a later run can tell what changed on the source and on the target.
    synced = models.JSONField(default=dict, blank=True)
    source_updated_at = models.DateTimeField(null=True, blank=True)
    run = models.ForeignKey(MigrationRun, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["migration", "entity", "source_id"], name="uniq_idmap_source")
        ]
        indexes = [models.Index(fields=["migration", "entity", "state"], name="idmap_state_idx")]

    def __str__(self) -> str:
        return f"{self.entity} {self.source_id} -> {self.target_id or '?'}"


class ScannedRow(TenantModel):
    """One record that the check after a run listed on the source or the target store (a
    `connectors.base.ScannedRecord`). The check writes its scans here page by page and computes counts per
    language, duplicates, orphans and missing records in SQL, so a worker's memory does not grow with the
    stores; the rows are deleted when the check ends."""

    run = models.ForeignKey(MigrationRun, on_delete=models.CASCADE, related_name="+")
    side = models.CharField(max_length=6)  # "source" or "target"
    entity = models.CharField(max_length=32)
    record_id = models.CharField(max_length=191)
    # The record's id when it is a number (the oldest record of a group of duplicates comes first).
    id_number = models.BigIntegerField(null=True)
    natural_key = models.TextField(blank=True)
    # A hash (blake2b, 20 bytes) of the case-folded natural key ("" without one): what duplicates are
    # grouped by (a key can be longer than an index entry may be).
    key_hash = models.CharField(max_length=40, blank=True)
    language = models.CharField(max_length=64, blank=True)
    translation_of = models.CharField(max_length=191, null=True)
    translations = models.JSONField(null=True)  # languages held inside the record; null: unknown

    class Meta:
        indexes = [
            models.Index(fields=["run", "side", "entity", "record_id"], name="scanned_record_idx"),
            models.Index(fields=["run", "side", "entity", "translation_of"], name="scanned_translation_idx"),
            models.Index(fields=["run", "side", "entity", "language", "key_hash"], name="scanned_key_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.side} {self.entity} {self.record_id}"


class RecordError(TenantModel):
    run = models.ForeignKey(MigrationRun, on_delete=models.CASCADE, related_name="record_errors")
    entity = models.CharField(max_length=32)
    source_id = models.CharField(max_length=191, blank=True)
    message = models.TextField()
    excerpt = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["run", "entity"], name="recorderror_run_idx")]

    def __str__(self) -> str:
        return f"{self.entity} {self.source_id}: {self.message[:60]}"


class SmartUpdateConfig(TenantModel):
    """What a migration's smart updates carry over and when: the owner's selection of fields per entity,
    the conflict policy, what to do with records deleted on the source, and the schedule."""

    class Policy(models.TextChoices):
        SOURCE = "source", "Source wins (overwrite the target's edit)"
        TARGET = "target", "Keep the target's edit"

    class Deletions(models.TextChoices):
        IGNORE = "ignore", "Leave them on the target"
        ARCHIVE = "archive", "Unpublish / archive them on the target"

    class Schedule(models.TextChoices):
        ONCE = "once", "Only when I start it"
        HOURLY = "hourly", "Every hour"
        DAILY = "daily", "Every day"
        WEEKLY = "weekly", "Every week"
        INTERVAL = "interval", "Every few minutes"

    migration = models.OneToOneField(StoreMigration, on_delete=models.CASCADE, related_name="smart_update")
    fields = models.JSONField(default=dict, blank=True, help_text="entity -> fields kept in sync")
    conflict_policy = models.CharField(max_length=10, choices=Policy.choices, default=Policy.SOURCE)
    deletions = models.CharField(max_length=10, choices=Deletions.choices, default=Deletions.IGNORE)
    schedule = models.CharField(max_length=10, choices=Schedule.choices, default=Schedule.ONCE)
    interval_seconds = models.PositiveIntegerField(default=3600, help_text="For the 'interval' schedule.")
    paused = models.BooleanField(default=False)
    periodic_task = models.OneToOneField("django_celery_beat.PeriodicTask", null=True, blank=True,
                                         on_delete=models.SET_NULL, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Smart update of {self.migration_id} ({self.schedule})"


class ChangeRecord(TenantModel):
    """One field of one record that a smart update (or its preview) found changed: old -> new, and the
    target's own value when the target was edited too (a conflict)."""

    class Kind(models.TextChoices):
        UPDATE = "update", "Updated"
        CONFLICT = "conflict", "Conflict"
        CREATE = "create", "New on the source"
        ARCHIVE = "archive", "Deleted on the source"

    run = models.ForeignKey(MigrationRun, on_delete=models.CASCADE, related_name="changes")
    entity = models.CharField(max_length=32)
    source_id = models.CharField(max_length=191)
    target_id = models.CharField(max_length=191, blank=True)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    field = models.CharField(max_length=64, blank=True)
    old = models.JSONField(null=True, blank=True)
    new = models.JSONField(null=True, blank=True)
    target_value = models.JSONField(null=True, blank=True)
    # What the run decided: write the source's value (a conflict under "source wins", or any update), or
    # keep the target's. A preview decides exactly as the run would, and writes nothing (`applied` false).
    will_apply = models.BooleanField(default=False)
    applied = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["run", "entity"], name="change_run_idx")]

    def __str__(self) -> str:
        return f"{self.entity} {self.source_id} {self.field}: {self.kind}"
