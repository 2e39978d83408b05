"""My Migrations, the migration page and starting runs: thin adapters over selectors and services."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from connectors.registry import all_connectors

from ..enums import ACTIVE_RUN_STATUSES
from ..errors import ApplicationError, ValidationFailed
from ..forms import MigrationFilterForm
from ..selectors import (
    migration_get,
    migration_list_filtered,
    migrations_numbers,
)
from ..services.confirm import Confirmation, run_recap
from ..services.runs import run_for_request_key, run_start
from .common import organization_of
from .confirm import confirm_errors, confirmation_of, render_confirm
from .detail import migration_detail_response


def wizard_step_url(migration) -> str:
    """Where a draft resumes: Setup until both checks pass, then Configure."""
    ready = all(s is not None and s.last_check_ok for s in (migration.source_store, migration.target_store))
    return reverse("wizard-configure" if ready else "wizard-setup", args=[migration.pk])


@login_required
def migration_list(request):
    organization = organization_of(request)
    form = MigrationFilterForm(request.GET or None)
    status = q = ""
    if form.is_valid():
        status, q = form.cleaned_data["status"], form.cleaned_data["q"]
    qs = migration_list_filtered(organization=organization, status=status, q=q)
    page = Paginator(qs, 25).get_page(request.GET.get("page"))
    rows = list(page.object_list)
    active_ids = [m.last_run_id for m in rows if m.last_run_status in ACTIVE_RUN_STATUSES]
    numbers = migrations_numbers(migrations=rows)
    connectors = all_connectors()
    for m in rows:
        m.resume_url = wizard_step_url(m) if m.is_draft else None
        m.numbers = numbers[m.pk]
        for side in ("source", "target"):
            store = getattr(m, f"{side}_store")
            setattr(m, f"{side}_label", connectors[store.platform].label if store and store.platform in connectors
                    else (store.platform if store else ""))
    has_any = bool(rows) or migration_list_filtered(organization=organization).exists()
    context = {"nav": "migrations", "form": form, "page": page, "rows": rows, "has_any": has_any,
               "filtered": bool(status or q), "any_active": bool(active_ids)}
    template = "migrations/_table.html" if request.htmx and request.GET.get("partial") else "migrations/list.html"
    return render(request, template, context)


@login_required
def migration_detail(request, migration_id):
    organization = organization_of(request)
    migration = migration_get(organization=organization, migration_id=migration_id)
    if migration.is_draft:
        return redirect(wizard_step_url(migration))
    return migration_detail_response(request, migration)


@login_required
@require_POST
def migration_run_start(request, migration_id):
    """Start a demo or full run. A repeated submit of the same form (same request key) or a start while
    a run is active lands on that run instead of starting another."""
    organization = organization_of(request)
    migration = migration_get(organization=organization, migration_id=migration_id)
    kind = request.POST.get("kind", "")
    key = request.POST.get("request_key", "")[:64]
    earlier = run_for_request_key(migration=migration, request_key=key)
    if earlier:
        return redirect("run-detail", run_id=earlier.pk)
    params = {"request_key": key} if key else None
    confirm = confirmation_of(request.POST)
    try:
        if confirm is None:
            recap = run_recap(migration=migration, kind=kind)
            if recap.needs_confirmation:  # nothing that costs or deletes starts without its recap
                return render_confirm(request, recap, action=request.path, hidden=[("kind", kind)])
        run = run_start(migration=migration, kind=kind, user=request.user, params=params,
                        confirm=confirm or Confirmation())
    except ValidationFailed as exc:
        errors = confirm_errors(exc)
        if errors is None:
            messages.error(request, " ".join(m for msgs in exc.errors.values() for m in msgs))
            return redirect("migration-detail", migration_id=migration.pk)
        return render_confirm(request, run_recap(migration=migration, kind=kind), action=request.path,
                              hidden=[("kind", kind)], errors=errors)
    except ApplicationError as exc:
        run_id = exc.extra.get("run_id")
        messages.error(request, exc.message)
        if run_id:
            return redirect("run-detail", run_id=run_id)
        back = request.POST.get("back", "")
        if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
            back = reverse("migration-detail", args=[migration.pk])
        return redirect(back)
    return redirect("run-detail", run_id=run.pk)
