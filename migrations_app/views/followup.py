"""After the full migration, on the migration page: Re-migrate, Recent data and Smart Update, each with
its form, the quote and the rule that applies (computed by the same plan as the run), and the smart
update's schedule. Thin adapters over services/plans.py, services/runs.py and services/smart_update.py."""
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from ..enums import RunKind
from ..errors import ApplicationError, ValidationFailed
from ..forms import RecentForm, RemigrationForm, SmartUpdateForm, add_service_errors
from ..selectors import migration_get
from ..services.confirm import Confirmation, run_recap
from ..services.runs import run_for_request_key, run_start
from ..services.smart_update import (
    FIELD_LABELS,
    catalog,
    migration_mark_live,
    smart_update_config_get,
    smart_update_configure,
    smart_update_pause,
)
from .common import organization_of
from .confirm import confirm_errors, confirmation_of, hidden_fields, render_confirm
from .detail import followup_quote, migration_detail_response

FORMS = {RunKind.REMIGRATION: RemigrationForm, RunKind.RECENT: RecentForm}


def _bound_form(request, migration, kind):
    cls = FORMS.get(kind)
    if cls is None:
        raise Http404
    return cls(request.POST, migration=migration)


@login_required
@require_POST
def migration_quote(request, migration_id):
    """htmx: the quote and its rule for the form as it is filled in (nothing is saved)."""
    migration = migration_get(organization=organization_of(request), migration_id=migration_id)
    kind = request.POST.get("kind", "")
    form = _bound_form(request, migration, kind)
    context = {"kind": kind}
    if form.is_valid():
        context.update(followup_quote(migration, kind, form.params()))
    else:
        context.update({"quote": None, "error": "Choose at least one entity to see the price."})
    return render(request, "migrations/_quote.html", context)


@login_required
@require_POST
def migration_followup_start(request, migration_id):
    """Start a re-migration or recent-data run from its form; errors go next to the fields."""
    migration = migration_get(organization=organization_of(request), migration_id=migration_id)
    kind = request.POST.get("kind", "")
    form = _bound_form(request, migration, kind)
    key = request.POST.get("request_key", "")[:64]
    earlier = run_for_request_key(migration=migration, request_key=key)
    if earlier:
        return redirect("run-detail", run_id=earlier.pk)
    if form.is_valid():
        params = {**form.params(), **({"request_key": key} if key else {})}
        confirm = confirmation_of(request.POST)
        try:
            if confirm is None:
                recap = run_recap(migration=migration, kind=kind, params=form.params())
                if recap.needs_confirmation:  # a price or a clear: the recap first, nothing starts yet
                    return render_confirm(request, recap, action=request.path, hidden=hidden_fields(request.POST))
            run = run_start(migration=migration, kind=kind, user=request.user, params=params,
                            confirm=confirm or Confirmation())
        except ValidationFailed as exc:
            errors = confirm_errors(exc)
            if errors is not None:
                return render_confirm(request, run_recap(migration=migration, kind=kind, params=form.params()),
                                      action=request.path, hidden=hidden_fields(request.POST), errors=errors)
            add_service_errors(form, exc)
        except ApplicationError as exc:
            if exc.extra.get("run_id"):
                messages.error(request, exc.message)
                return redirect("run-detail", run_id=exc.extra["run_id"])
            form.add_error(None, exc.message)
        else:
            return redirect("run-detail", run_id=run.pk)
    name = "remigration" if kind == RunKind.REMIGRATION else "recent"
    return migration_detail_response(request, migration, bound={name: form})


@login_required
@require_POST
def migration_smart_update(request, migration_id):
    """Smart Update: save the selection and schedule, preview, run now, pause/resume, mark the store live."""
    migration = migration_get(organization=organization_of(request), migration_id=migration_id)
    action = request.POST.get("action", "save")
    try:
        if action in ("pause", "resume"):
            smart_update_pause(migration=migration, paused=action == "pause")
            messages.success(request, "Scheduled smart updates are paused." if action == "pause"
                             else "Scheduled smart updates are on again.")
            return redirect("migration-detail", migration_id=migration.pk)
        if action == "live":
            migration_mark_live(migration=migration)
            messages.success(request, "Marked as live: scheduled smart updates have stopped.")
            return redirect("migration-detail", migration_id=migration.pk)
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect("migration-detail", migration_id=migration.pk)

    config = smart_update_config_get(migration=migration)
    form = SmartUpdateForm(request.POST, migration=migration, config=config, catalog=catalog(migration=migration),
                           labels=FIELD_LABELS)
    if form.is_valid():
        try:
            smart_update_configure(migration=migration, **form.service_kwargs())
            if action in ("preview", "run"):
                key = request.POST.get("request_key", "")[:64]
                earlier = run_for_request_key(migration=migration, request_key=key)
                if earlier:
                    return redirect("run-detail", run_id=earlier.pk)
                # The page shows a smart update as included (free, writes no deletion): confirmed as such.
                run = run_start(migration=migration, kind=RunKind.SMART_UPDATE, user=request.user,
                                params={"preview": action == "preview", **({"request_key": key} if key else {})},
                                confirm=Confirmation(amount_cents=0))
                return redirect("run-detail", run_id=run.pk)
        except ValidationFailed as exc:
            add_service_errors(form, exc, field_map={"interval_seconds": "interval_minutes",
                                                     "fields": form.entity_names[0] if form.entity_names else None})
        except ApplicationError as exc:
            if exc.extra.get("run_id"):
                messages.error(request, exc.message)
                return redirect("run-detail", run_id=exc.extra["run_id"])
            form.add_error(None, exc.message)
        else:
            messages.success(request, "Smart update settings saved.")
            return redirect("migration-detail", migration_id=migration.pk)
    return migration_detail_response(request, migration, bound={"smart": form})
