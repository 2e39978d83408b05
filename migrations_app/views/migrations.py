"""My Migrations, the migration page and starting runs: thin adapters over selectors and services."""
import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from connectors.base import CLEAR_SCOPE, CLEAR_TARGET
from connectors.registry import all_connectors

from ..enums import ACTIVE_RUN_STATUSES, RunKind, RunStatus
from ..errors import ApplicationError
from ..forms import MigrationFilterForm
from ..models import MigrationRun
from ..selectors import migration_get, migration_list_filtered, run_active_progress, run_list
from ..services.runs import run_start


def organization_of(request):
    """The tenant of this request; a signed-in user without an organization sees nothing (404)."""
    if not request.organization:  # a lazy object: falsy when the user has no organization
        raise Http404
    return request.organization


def wizard_step_url(migration) -> str:
    """Where a draft resumes: Setup until both checks pass, then Configure."""
    ready = all(s is not None and s.last_check_ok for s in (migration.source_store, migration.target_store))
    return reverse("wizard-configure" if ready else "wizard-setup", args=[migration.pk])


def options_display(migration) -> list[dict]:
    """The target's options as label and readable value, for the review and migration pages."""
    cls = all_connectors().get(migration.target_store.platform)
    out = []
    for option in (cls.option_fields if cls else ()):
        value = (migration.options or {}).get(option.key, option.default)
        if option.key == CLEAR_SCOPE.key and not (migration.options or {}).get(CLEAR_TARGET.key):
            continue
        shown = dict(option.choices).get(value, value) if option.type == "choice" else ("yes" if value else "no")
        out.append({"key": option.key, "label": option.label, "value": shown})
    return out


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
    progress = run_active_progress(run_ids=active_ids)
    connectors = all_connectors()
    for m in rows:
        m.resume_url = wizard_step_url(m) if m.is_draft else None
        m.last_run_label = (f"{RunKind(m.last_run_kind).label}: {RunStatus(m.last_run_status).label}"
                            if m.last_run_kind else "")
        processed, total = progress.get(m.last_run_id, (0, 0))
        m.run_percent = min(100, int(100 * processed / total)) if total else 0
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


def migration_detail_response(request, migration, *, bound: dict | None = None):
    """The migration page; `bound` carries forms submitted with errors, shown next to their fields."""
    from .followup import followup_context

    runs = list(run_list(organization=migration.organization, migration=migration).order_by("-created_at"))
    active = next((r for r in runs if r.is_active), None)
    connectors = all_connectors()
    return render(request, "migrations/detail.html", {
        "nav": "migrations", "migration": migration, "runs": runs, "active_run": active,
        "has_demo": any(r.kind == RunKind.DEMO for r in runs),
        "has_full": any(r.kind == RunKind.FULL for r in runs),
        "source_cls": connectors.get(migration.source_store.platform),
        "target_cls": connectors.get(migration.target_store.platform),
        "request_key": uuid.uuid4().hex, "options": options_display(migration),
        **followup_context(migration, bound=bound),
    })


@login_required
@require_POST
def migration_run_start(request, migration_id):
    """Start a demo or full run. A repeated submit of the same form (same request key) or a start while
    a run is active lands on that run instead of starting another."""
    organization = organization_of(request)
    migration = migration_get(organization=organization, migration_id=migration_id)
    kind = request.POST.get("kind", "")
    key = request.POST.get("request_key", "")[:64]
    if key:
        earlier = MigrationRun.objects.filter(organization=organization, migration=migration,
                                              params__request_key=key).first()
        if earlier:
            return redirect("run-detail", run_id=earlier.pk)
    try:
        run = run_start(migration=migration, kind=kind, user=request.user,
                        params={"request_key": key} if key else None)
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
