"""The migration page (My Migrations -> a migration): its runs with their numbers, what can be started, and,
after the full migration, the follow-up forms with their quotes (computed by the same plan as the run)."""
import uuid

from django.shortcuts import render

from connectors.registry import all_connectors

from ..enums import RunKind
from ..errors import ApplicationError, ValidationFailed
from ..forms import RecentForm, RemigrationForm, SmartUpdateForm
from ..models import MigrationRun
from ..selectors import migration_numbers, run_list, runs_numbers
from ..services.plans import run_plan
from ..services.smart_update import FIELD_LABELS, catalog, smart_update_config_get, smart_update_next_run
from .common import options_display


def followup_quote(migration, kind, params):
    try:
        return {"quote": run_plan(migration=migration, kind=kind, params=params).quote, "error": None}
    except ValidationFailed as exc:
        return {"quote": None, "error": " ".join(m for msgs in exc.errors.values() for m in msgs)}
    except ApplicationError as exc:
        return {"quote": None, "error": exc.message}


def followup_context(migration, *, bound: dict | None = None) -> dict:
    """Forms, quotes and the smart update's state for the migration page (after the full migration)."""
    if migration.full_completed_at is None:
        return {"followup": False}
    bound = bound or {}
    config = smart_update_config_get(migration=migration)
    remig = bound.get("remigration") or RemigrationForm(migration=migration)
    recent = bound.get("recent") or RecentForm(migration=migration)
    smart = bound.get("smart") or SmartUpdateForm(migration=migration, config=config,
                                                  catalog=catalog(migration=migration), labels=FIELD_LABELS)
    return {
        "followup": True, "remig_form": remig, "recent_form": recent, "smart_form": smart, "config": config,
        "remig_quote": followup_quote(migration, RunKind.REMIGRATION, {}),
        "recent_quote": followup_quote(migration, RunKind.RECENT, {}),
        "next_run": smart_update_next_run(config=config) if config.pk else None,
        "smart_runs": MigrationRun.objects.filter(migration=migration, kind=RunKind.SMART_UPDATE).order_by(
            "-created_at")[:10],
    }


def migration_detail_response(request, migration, *, bound: dict | None = None):
    """The migration page; `bound` carries forms submitted with errors, shown next to their fields."""
    runs = list(run_list(organization=migration.organization, migration=migration).order_by("-created_at"))
    by_run = runs_numbers(runs=runs)
    for run in runs:
        run.numbers = by_run[run.pk]
    active = next((r for r in runs if r.is_active), None)
    connectors = all_connectors()
    return render(request, "migrations/detail.html", {
        "nav": "migrations", "migration": migration, "runs": runs, "active_run": active,
        "numbers": migration_numbers(migration=migration),
        "has_demo": any(r.kind == RunKind.DEMO for r in runs),
        # A full run that failed or was cancelled leaves the way open: a new one writes what it wrote
        # again in place (docs/runs.md), and only a completed one is charged.
        "has_full": migration.full_completed_at is not None,
        "source_cls": connectors.get(migration.source_store.platform),
        "target_cls": connectors.get(migration.target_store.platform),
        "request_key": uuid.uuid4().hex, "options": options_display(migration),
        **followup_context(migration, bound=bound),
    })
