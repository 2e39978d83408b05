from django.db import models


class RunKind(models.TextChoices):
    DEMO = "demo", "Free demo"
    FULL = "full", "Full migration"
    REMIGRATION = "remigration", "Re-migration"
    RECENT = "recent", "Recent data"
    SMART_UPDATE = "smart_update", "Smart update"


class RunStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    COMPLETED = "completed", "Completed"
    COMPLETED_WITH_ERRORS = "completed_with_errors", "Completed with errors"
    FAILED = "failed", "Failed"
    CANCELLED = "cancelled", "Cancelled"


ACTIVE_RUN_STATUSES = (RunStatus.QUEUED, RunStatus.RUNNING)
FINISHED_RUN_STATUSES = (
    RunStatus.COMPLETED,
    RunStatus.COMPLETED_WITH_ERRORS,
    RunStatus.FAILED,
    RunStatus.CANCELLED,
)


class EntityStatus(models.TextChoices):
    PENDING = "pending", "Waiting"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"
    CANCELLED = "cancelled", "Cancelled"


class MigrationState(models.TextChoices):
    DRAFT = "draft", "Draft"
    READY = "ready", "Ready"
    DEMO_COMPLETED = "demo_completed", "Demo completed"
    FULL_COMPLETED = "full_completed", "Full migration completed"
    LIVE = "live", "New store is live"


class IdMapState(models.TextChoices):
    PENDING = "pending", "Pending (write in flight)"
    DONE = "done", "Written"
