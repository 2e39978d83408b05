"""The setup wizard: Setup (stores and connection checks) → Configure → Review. Each step is a page;
the connection checks and the credential fields of a chosen platform are swapped in by htmx, and
every form also works without JavaScript."""
import uuid

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.debug import sensitive_post_parameters

from connectors.entities import EntityType
from connectors.registry import all_connectors

from ..errors import ApplicationError, ValidationFailed
from ..forms import ConfigureForm, StoreSideForm, add_service_errors
from ..labels import entity_label
from ..selectors import migration_get
from ..services.confirm import run_recap
from ..services.wizard import SIDES, migration_configure, migration_setup_ready, migration_setup_side
from .common import options_display, organization_of

STEPS = ("setup", "configure", "review")


def _steps(current: str, migration=None) -> list[dict]:
    reached = {"setup"}
    if migration is not None:
        try:
            migration_setup_ready(migration=migration)
            reached.add("configure")
        except ValidationFailed:
            pass
        if not migration.is_draft and migration.entities:
            reached.add("review")
    out = []
    for i, step in enumerate(STEPS):
        url = None
        if migration is not None and step in reached:
            url = reverse(f"wizard-{step}", args=[migration.pk])
        out.append({"key": step, "label": step.title(), "current": step == current,
                    "done": STEPS.index(current) > i, "url": url})
    return out


def _side_context(side: str, form: StoreSideForm, store, migration) -> dict:
    info = (store.last_check_info or {}) if store else {}
    return {"side": side, "form": form, "store": store, "info": info, "migration": migration,
            "title": "Source store" if side == "source" else "Target store",
            "counts": sorted(((entity_label(k), v) for k, v in (info.get("counts") or {}).items()))}


def _continue_context(migration) -> dict:
    ready, reasons = False, []
    if migration is not None:
        try:
            migration_setup_ready(migration=migration)
            ready = True
        except ValidationFailed as exc:
            reasons = [m for msgs in exc.errors.values() for m in msgs]
    return {"migration": migration, "ready": ready, "reasons": reasons}


@login_required
@sensitive_post_parameters()  # the credential fields of either side
def wizard_setup(request, migration_id=None):
    organization = organization_of(request)
    migration = migration_get(organization=organization, migration_id=migration_id) if migration_id else None
    wizard_key = (migration.wizard_key if migration and migration.wizard_key else None) or \
        request.POST.get("wizard_key") or uuid.uuid4().hex
    forms_by_side = {}
    for side in SIDES:
        store = getattr(migration, f"{side}_store") if migration else None
        forms_by_side[side] = StoreSideForm(side=side, store=store)

    if request.method == "POST":
        side = request.POST.get("side")
        if side not in SIDES:
            raise Http404
        store = getattr(migration, f"{side}_store") if migration else None
        form = StoreSideForm(request.POST, side=side, store=store)
        forms_by_side[side] = form
        if form.is_valid():
            try:
                migration, store = migration_setup_side(
                    organization=organization, user=request.user, migration=migration, wizard_key=wizard_key,
                    side=side, platform=form.cleaned_data["platform"], url=form.cleaned_data["url"],
                    credentials=form.credentials(),
                )
            except ValidationFailed as exc:
                add_service_errors(form, exc, field_map=form.field_map())
            except ApplicationError as exc:
                form.add_error(None, exc.message)
            else:
                setup_url = reverse("wizard-setup", args=[migration.pk])
                if not request.htmx:
                    return redirect(setup_url)
                response = render(request, "wizard/_side_response.html", {
                    **_side_context(side, StoreSideForm(side=side, store=store), store, migration),
                    "wizard_key": wizard_key, "continue": _continue_context(migration),
                })
                response["HX-Replace-Url"] = setup_url
                return response
        if request.htmx:
            store = getattr(migration, f"{side}_store") if migration else None
            return render(request, "wizard/_side.html",
                          {**_side_context(side, form, store, migration), "wizard_key": wizard_key})

    sides = [
        _side_context(side, forms_by_side[side], getattr(migration, f"{side}_store") if migration else None,
                      migration)
        for side in SIDES
    ]
    return render(request, "wizard/setup.html", {
        "nav": "migrations", "migration": migration, "sides": sides, "wizard_key": wizard_key,
        "steps": _steps("setup", migration), "continue": _continue_context(migration),
    })


@login_required
def wizard_fields(request):
    """htmx: the credential fields of the platform just chosen on one side."""
    organization_of(request)
    side = request.GET.get("side")
    if side not in SIDES:
        raise Http404
    platform = request.GET.get(f"{side}-platform", "")
    form = StoreSideForm(side=side, platform=platform)
    return render(request, "wizard/_credential_fields.html", {"form": form, "side": side})


@login_required
def wizard_configure(request, migration_id):
    organization = organization_of(request)
    migration = migration_get(organization=organization, migration_id=migration_id)
    try:
        migration_setup_ready(migration=migration)
    except ValidationFailed as exc:
        for msgs in exc.errors.values():
            for m in msgs:
                messages.warning(request, m)
        return redirect("wizard-setup", migration_id=migration.pk)
    section_errors: dict[str, list[str]] = {}
    if request.method == "POST":
        form = ConfigureForm(request.POST, migration=migration)
        if form.is_valid():
            try:
                migration_configure(migration=migration, **form.service_kwargs())
            except ValidationFailed as exc:
                section_errors = exc.errors
                if "entities" in exc.errors:
                    for m in exc.errors["entities"]:
                        form.add_error("entities", m)
            except ApplicationError as exc:
                form.add_error(None, exc.message)
            else:
                return redirect("wizard-review", migration_id=migration.pk)
    else:
        form = ConfigureForm(migration=migration)
    chosen = set(form["entities"].value() or [])
    return render(request, "wizard/configure.html", {
        "nav": "migrations", "migration": migration, "form": form, "steps": _steps("configure", migration),
        "section_errors": section_errors, "chosen": chosen,
        "source_label": form.source_cls.label, "target_label": form.target_cls.label,
    })


@login_required
def wizard_review(request, migration_id):
    organization = organization_of(request)
    migration = migration_get(organization=organization, migration_id=migration_id)
    if migration.is_draft or not migration.entities:
        return redirect("wizard-configure", migration_id=migration.pk)
    connectors = all_connectors()
    target_cls = connectors[migration.target_store.platform]
    counts = (migration.source_store.last_check_info or {}).get("counts", {})
    entity_counts = {e: int(counts.get(e, 0)) for e in migration.entities}
    demo_counts = {e: min(c, settings.MIGRATOR_DEMO_LIMIT) for e, c in entity_counts.items()}
    try:
        full_quote = run_recap(migration=migration, kind="full").quote  # the plan the full run is charged with
    except ApplicationError as exc:
        full_quote = None
        messages.warning(request, exc.message if not isinstance(exc, ValidationFailed)
                         else " ".join(m for msgs in exc.errors.values() for m in msgs))
    rows = [{"label": EntityType(e).label, "count": entity_counts[e], "demo": demo_counts[e]}
            for e in migration.entities]
    options = options_display(migration)
    return render(request, "wizard/review.html", {
        "nav": "migrations", "migration": migration, "steps": _steps("review", migration), "rows": rows,
        "full_quote": full_quote, "options": options, "demo_limit": settings.MIGRATOR_DEMO_LIMIT,
        "source_label": connectors[migration.source_store.platform].label, "target_label": target_cls.label,
        "request_key": uuid.uuid4().hex, "back": reverse("wizard-review", args=[migration.pk]),
    })
