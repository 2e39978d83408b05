"""Smart update: after the full migration, carry over only what changed on the still-live source store.

- The catalog of fields an owner can keep in sync is what the target connector declares it can patch
  (`Capabilities.updatable_fields`) for entities both sides migrate.
- A field's value is compared through a fingerprint of its normalized form (decimals, unordered lists,
  variant-level values of variable products), so "changed" means changed in substance.
- The fingerprint of every catalog field is stored on the id map row when the engine writes a record
  (`IdMap.synced`): the baseline that tells a source change from a target edit (a conflict).
- The configuration (selection, conflict policy, deletions, schedule) is one `SmartUpdateConfig` per
  migration; a schedule is a django-celery-beat PeriodicTask that starts a run through `run_start`.
"""
from __future__ import annotations

import json
import logging
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_celery_beat.models import CrontabSchedule, IntervalSchedule, PeriodicTask

from connectors.entities import FIELD_LABELS, EntityType  # noqa: F401 (FIELD_LABELS re-exported for the forms)
from connectors.registry import get_connector_class

from ..enums import MigrationState
from ..errors import ApplicationError, ValidationFailed
from ..models import SmartUpdateConfig, StoreMigration
from .values import NO_CONFLICT_CHECK, VARIANT_LEVEL, baseline, field_value, fingerprint  # noqa: F401 (re-exported)

logger = logging.getLogger(__name__)

SCHEDULED_TASK = "migrations.smart_update_scheduled"

# What a first smart update suggests: the fields store owners keep in sync most.
DEFAULT_FIELDS: dict[str, tuple[str, ...]] = {
    "products": ("stock_quantity", "stock_status", "price", "compare_at_price"),
    "orders": ("status", "shipments", "status_history"),
    "customers": (),
}


def catalog(*, migration: StoreMigration) -> dict[str, list[str]]:
    """entity -> fields that can be kept in sync for this migration (in the target's declared order)."""
    source = get_connector_class(migration.source_store.platform)
    target = get_connector_class(migration.target_store.platform)
    out: dict[str, list[str]] = {}
    for entity in migration.entities:
        e = EntityType(entity)
        fields = target.capabilities.updatable_fields.get(e, ())
        if e in source.capabilities.read and fields:
            out[entity] = list(fields)
    return out


# --- configuration and schedule --------------------------------------------------------------------
def smart_update_config_get(*, migration: StoreMigration) -> SmartUpdateConfig:
    """The migration's configuration; an unsaved default (the usual fields) when there is none yet."""
    config = SmartUpdateConfig.objects.filter(migration=migration).first()
    if config is not None:
        return config
    available = catalog(migration=migration)
    fields = {e: [f for f in DEFAULT_FIELDS.get(e, ()) if f in available[e]] for e in available}
    return SmartUpdateConfig(organization_id=migration.organization_id, migration=migration,
                             fields={e: f for e, f in fields.items() if f})


def validate_fields(*, migration: StoreMigration, fields: dict) -> dict[str, list[str]]:
    """Keep the owner's selection in the catalog's terms; unknown entities or fields are field errors."""
    available = catalog(migration=migration)
    errors: list[str] = []
    clean: dict[str, list[str]] = {}
    if not isinstance(fields, dict):
        raise ValidationFailed({"fields": ["Expected an object: entity -> list of fields."]})
    for entity, names in fields.items():
        if entity not in available:
            errors.append(f"{entity!r} cannot be kept in sync for this migration "
                          f"(choose among {', '.join(available) or 'nothing'}).")
            continue
        if not isinstance(names, list):
            errors.append(f"{entity}: expected a list of fields.")
            continue
        unknown = [n for n in names if n not in available[entity]]
        if unknown:
            errors.append(f"{EntityType(entity).label}: {', '.join(map(str, unknown))} cannot be updated on the "
                          f"target (choose among {', '.join(available[entity])}).")
        chosen = [n for n in available[entity] if n in names]
        if chosen:
            clean[entity] = chosen
    if errors:
        raise ValidationFailed({"fields": errors})
    if not clean:
        raise ValidationFailed({"fields": ["Select at least one field to keep in sync."]})
    return clean


def _require_full(migration: StoreMigration) -> None:
    if migration.full_completed_at is None:
        raise ApplicationError("Smart updates are available once the full migration has completed.")


@transaction.atomic
def smart_update_configure(*, migration: StoreMigration, fields: dict, conflict_policy: str = "source",
                           deletions: str = "ignore", schedule: str = "once",
                           interval_seconds: int = 3600) -> SmartUpdateConfig:
    """Save what smart updates carry over and when, and (re)install the schedule. An interval is at
    least MIGRATOR_SMART_UPDATE_MIN_INTERVAL_SECONDS (5 minutes unless configured)."""
    _require_full(migration)
    errors: dict[str, list[str]] = {}
    try:
        clean = validate_fields(migration=migration, fields=fields)
    except ValidationFailed as exc:
        errors.update(exc.errors)
        clean = {}
    if conflict_policy not in SmartUpdateConfig.Policy.values:
        errors["conflict_policy"] = [f"Choose one of {', '.join(SmartUpdateConfig.Policy.values)}."]
    if deletions not in SmartUpdateConfig.Deletions.values:
        errors["deletions"] = [f"Choose one of {', '.join(SmartUpdateConfig.Deletions.values)}."]
    if schedule not in SmartUpdateConfig.Schedule.values:
        errors["schedule"] = [f"Choose one of {', '.join(SmartUpdateConfig.Schedule.values)}."]
    try:
        interval_seconds = int(interval_seconds)
    except (TypeError, ValueError):
        interval_seconds = 0
    shortest = settings.MIGRATOR_SMART_UPDATE_MIN_INTERVAL_SECONDS
    if schedule == SmartUpdateConfig.Schedule.INTERVAL and not shortest <= interval_seconds <= 7 * 24 * 3600:
        errors["interval_seconds"] = [f"Choose an interval between {_human(shortest)} and a week."]
    if errors:
        raise ValidationFailed(errors)
    config, _ = SmartUpdateConfig.objects.select_for_update().get_or_create(
        migration=migration, defaults={"organization_id": migration.organization_id})
    config.fields = clean
    config.conflict_policy = conflict_policy
    config.deletions = deletions
    config.schedule = schedule
    config.interval_seconds = max(1, interval_seconds)
    config.save()
    _install_schedule(config)
    return config


def _human(seconds: int) -> str:
    return f"{seconds // 60} minutes" if seconds >= 120 else f"{seconds} seconds"


def _schedule_for(config: SmartUpdateConfig) -> dict[str, Any]:
    s = SmartUpdateConfig.Schedule
    if config.schedule == s.INTERVAL:
        interval, _ = IntervalSchedule.objects.get_or_create(every=config.interval_seconds,
                                                             period=IntervalSchedule.SECONDS)
        return {"interval": interval, "crontab": None}
    if config.schedule == s.HOURLY:
        interval, _ = IntervalSchedule.objects.get_or_create(every=1, period=IntervalSchedule.HOURS)
        return {"interval": interval, "crontab": None}
    minute = int(config.migration_id.int % 60)  # spread migrations over the hour
    hour = "3" if config.schedule == s.DAILY else "4"
    crontab, _ = CrontabSchedule.objects.get_or_create(
        minute=str(minute), hour=hour, day_of_week="*" if config.schedule == s.DAILY else "1",
        day_of_month="*", month_of_year="*")
    return {"interval": None, "crontab": crontab}


def _install_schedule(config: SmartUpdateConfig) -> None:
    """One PeriodicTask per migration, enabled while scheduled, not paused and the store not live."""
    migration = config.migration
    wanted = (config.schedule != SmartUpdateConfig.Schedule.ONCE and not config.paused
              and migration.state != MigrationState.LIVE)
    task = config.periodic_task
    if config.schedule == SmartUpdateConfig.Schedule.ONCE:
        if task is not None:
            config.periodic_task = None
            config.save(update_fields=["periodic_task"])
            task.delete()
        return
    spec = _schedule_for(config)
    name = f"smart-update {migration.pk}"
    if task is None:
        task = PeriodicTask(name=name, task=SCHEDULED_TASK, args=json.dumps([str(migration.pk)]))
    task.interval, task.crontab = spec["interval"], spec["crontab"]
    task.enabled = wanted
    task.save()
    if config.periodic_task_id != task.pk:
        config.periodic_task = task
        config.save(update_fields=["periodic_task"])


def smart_update_pause(*, migration: StoreMigration, paused: bool = True) -> SmartUpdateConfig:
    """Pause (or resume) the schedule; a run already going finishes."""
    config = SmartUpdateConfig.objects.filter(migration=migration).first()
    if config is None:
        raise ApplicationError("Smart update has not been set up for this migration yet.")
    config.paused = paused
    config.save(update_fields=["paused", "updated_at"])
    _install_schedule(config)
    return config


def migration_mark_live(*, migration: StoreMigration) -> StoreMigration:
    """The new store is live: scheduled smart updates stop for good."""
    _require_full(migration)
    StoreMigration.objects.filter(pk=migration.pk).update(state=MigrationState.LIVE)
    migration.refresh_from_db(fields=["state"])
    config = SmartUpdateConfig.objects.filter(migration=migration).first()
    if config is not None:
        _install_schedule(config)
    return migration


def smart_update_next_run(*, config: SmartUpdateConfig):
    """When the schedule fires next (None when not scheduled or paused)."""
    task = config.periodic_task
    if task is None or not task.enabled:
        return None
    schedule = task.schedule
    last = task.last_run_at or task.date_changed
    remaining = schedule.remaining_estimate(last)
    return timezone.now() + max(remaining, timedelta(0))
