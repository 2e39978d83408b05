"""What a run of each kind will do and cost, computed the same way for the quote the owner sees before
starting and for the run that starts (`run_start` stores the plan's params and quote on the run).

- demo / full: the migration's entities; the demo is free, the full run priced by tiers.
- remigration: the entities, options (incl. "clear current data on target") and language mapping the
  owner picks again; free in the window within 110 % of the full run's total (rules.quote_remigration).
- recent: records created on the source since the entity's high-water mark; free in the window under
  10 % of the full run's total (rules.quote_recent), estimated from the source's counts.
- smart_update: the selected fields per entity (the migration's SmartUpdateConfig unless given), plus
  the entities new records depend on; included (rules.quote_smart_update).
"""
from __future__ import annotations

from dataclasses import replace

from django.conf import settings
from django.db.models import Count
from django.utils import timezone

from connectors.entities import ENTITY_ORDER, EntityType
from connectors.registry import get_connector_class

from ..enums import IdMapState, MigrationState, RunKind
from ..errors import ApplicationError, ValidationFailed
from ..models import IdMap, StoreMigration
from .pricing import full_written, window_end
from .rules import (
    Quote,
    quote_recent,
    quote_remigration,
    quote_run,
    quote_smart_update,
)
from .runplan import RunPlan
from .smart_update import smart_update_config_get, validate_fields
from .wizard import REQUIRED_DEPENDENCIES, options_clean

AFTER_FULL = (RunKind.REMIGRATION, RunKind.RECENT, RunKind.SMART_UPDATE)


def _source_counts(migration: StoreMigration) -> dict[str, int]:
    counts = (migration.source_store.last_check_info or {}).get("counts", {})
    return {e: int(counts.get(e, 0)) for e in migration.entities}


def _entities(migration: StoreMigration, wanted) -> list[str]:
    if wanted is None or wanted == []:
        return list(migration.entities)
    if not isinstance(wanted, list) or not all(isinstance(e, str) for e in wanted):
        raise ValidationFailed({"entities": ['Expected a list of entity types, e.g. ["products", "orders"].']})
    unknown = [e for e in wanted if e not in migration.entities]
    if unknown:
        raise ValidationFailed({"entities": [f"{', '.join(map(str, unknown))} not part of this migration "
                                             f"(it migrates {', '.join(migration.entities)})."]})
    chosen = [e for e in migration.entities if e in wanted]
    missing = {d for e in chosen for d in REQUIRED_DEPENDENCIES.get(EntityType(e), ())
               if str(d) in migration.entities and str(d) not in chosen}
    if missing:
        # Re-created orders need their products and customers in the id map: fine if migrated before.
        have = set(IdMap.objects.filter(migration=migration, entity__in=[str(m) for m in missing],
                                        state=IdMapState.DONE).values_list("entity", flat=True).distinct())
        if set(map(str, missing)) - have:
            raise ValidationFailed({"entities": [
                f"Select {' and '.join(sorted(str(m) for m in missing))} too: they were never migrated."]})
    return chosen


def run_plan(*, migration: StoreMigration, kind: str, params: dict | None = None) -> RunPlan:
    """Validate a run's parameters for its kind and price it. Raises ApplicationError/ValidationFailed."""
    params = dict(params or {})
    counts = _source_counts(migration)
    if kind in (RunKind.DEMO, RunKind.FULL):
        if kind == RunKind.DEMO:
            counts = {e: min(c, settings.MIGRATOR_DEMO_LIMIT) for e, c in counts.items()}
        plan = _plan(kind, params, entities=list(migration.entities), quote=quote_run(kind=kind, entity_counts=counts))
        return _refuse_clear_when_live(migration, plan)
    if kind not in AFTER_FULL:
        raise ApplicationError(f"Run kind {kind!r} does not exist.", field="kind")
    if migration.full_completed_at is None:
        raise ApplicationError("Available once the full migration has completed.", field="kind")
    today = timezone.localdate()
    base = full_written(migration=migration)

    if kind == RunKind.REMIGRATION:
        entities = _entities(migration, params.get("entities"))
        errors: dict[str, list[str]] = {}
        target_cls = get_connector_class(migration.target_store.platform)
        options = options_clean(target_cls=target_cls, options=params.get("options"), errors=errors,
                                base=migration.options)
        language_mapping = params.get("language_mapping")
        if language_mapping is None:
            language_mapping = migration.language_mapping
        if not isinstance(language_mapping, dict):
            errors["language_mapping"] = ["Map source language codes to target language codes."]
        if errors:
            raise ValidationFailed(errors)
        quote = quote_remigration(entity_counts={e: counts[e] for e in entities}, full_total=base,
                                  window_end=window_end(migration=migration), today=today)
        plan = _plan(kind, {**params, "options": options, "language_mapping": language_mapping},
                     entities=entities, quote=quote)
        return _refuse_clear_when_live(migration, plan)

    if kind == RunKind.RECENT:
        entities = _entities(migration, params.get("entities"))
        migrated = dict(IdMap.objects.filter(migration=migration, state=IdMapState.DONE, entity__in=entities)
                        .order_by().values("entity").annotate(n=Count("pk")).values_list("entity", "n"))
        estimate = {e: max(0, counts[e] - int(migrated.get(e, 0))) for e in entities}
        quote = quote_recent(entity_counts=estimate, full_total=base, window_end=window_end(migration=migration),
                             today=today)
        return _plan(kind, params, entities=entities, quote=quote)

    # Smart update
    config = smart_update_config_get(migration=migration)
    fields = params.get("fields")
    fields = validate_fields(migration=migration, fields=fields if fields is not None else config.fields)
    policy = params.get("conflict_policy") or config.conflict_policy
    deletions = params.get("deletions") or config.deletions
    if policy not in ("source", "target"):
        raise ValidationFailed({"conflict_policy": ["Choose source or target."]})
    if deletions not in ("ignore", "archive"):
        raise ValidationFailed({"deletions": ["Choose ignore or archive."]})
    # New records are created with their dependencies: those entities run too (creating only).
    wanted = set(fields)
    for entity in list(wanted):
        wanted |= {str(d) for d in REQUIRED_DEPENDENCIES.get(EntityType(entity), ()) if str(d) in migration.entities}
    entities = [str(e) for e in ENTITY_ORDER if str(e) in wanted]
    quote = quote_smart_update(entity_counts={e: 0 for e in entities})
    return _plan(kind, {**params, "fields": fields, "conflict_policy": policy, "deletions": deletions},
                 entities=entities, quote=quote)


def _refuse_clear_when_live(migration: StoreMigration, plan: RunPlan) -> RunPlan:
    """Once the owner marked the new store live it sells on its own data: no run may clear it."""
    if migration.state == MigrationState.LIVE and plan.clear_scope(migration):
        raise ValidationFailed({"options": [
            "The new store is marked live: clearing its data is no longer possible. Untick \"clear current "
            "data on target\"; records are then rewritten in place."]})
    return plan


def _plan(kind: str, params: dict, *, entities: list[str], quote: Quote) -> RunPlan:
    plan = RunPlan.from_params(kind, {**params, "entities": entities})
    return replace(plan, quote=quote)
