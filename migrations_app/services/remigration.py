"""The free re-migration window: until when the owner may run the migration again at no charge.

The window normally ends MIGRATOR_REMIGRATION_FREE_DAYS after the full migration completed; support may set a
later end on `StoreMigration.remigration_window_until`."""
import logging
from datetime import date, timedelta

from django.conf import settings
from django.utils import timezone

from ..errors import ApplicationError
from ..models import StoreMigration

logger = logging.getLogger(__name__)


def _window_days() -> int:
    return settings.MIGRATOR_REMIGRATION_FREE_DAYS


def remigration_window_default(*, migration: StoreMigration, today: date | None = None) -> date:
    """The end date to offer when extending the window: the first of the current extended end, the end of
    the free period after the full migration, and today + MIGRATOR_REMIGRATION_FREE_DAYS that is still ahead."""
    today = today or timezone.localdate()
    candidates = [migration.remigration_window_until]
    if migration.full_completed_at:
        completed = timezone.localdate(migration.full_completed_at)
        candidates.append(completed + timedelta(days=_window_days()))
    candidates.append(today + timedelta(days=_window_days()))
    return next(d for d in candidates if d is not None and d > today)


def migration_extend_remigration_window(*, migration: StoreMigration, until: date) -> StoreMigration:
    """Set the last day of `migration`'s free re-migration window to `until`, which must be after today.
    Raises ApplicationError(field="until") otherwise."""
    if until <= timezone.localdate():
        raise ApplicationError("The re-migration window must end on a date in the future.", field="until")
    StoreMigration.objects.filter(pk=migration.pk).update(remigration_window_until=until,
                                                          updated_at=timezone.now())
    migration.refresh_from_db(fields=["remigration_window_until", "updated_at"])
    logger.info("migration %s: free re-migration window now ends on %s", migration.pk, until)
    return migration
