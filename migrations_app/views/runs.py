"""The run page: live progress (htmx polling of one partial), record errors with paging and CSV,
cancel, and the Check Result report once the run has ended."""
import csv

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from connectors.entities import EntityType
from connectors.registry import all_connectors

from ..errors import ApplicationError
from ..selectors import (
    run_changes,
    run_changes_summary,
    run_errors,
    run_get,
    run_numbers,
    run_throughput,
)
from ..services.notify import run_email_recipients
from ..services.runs import run_cancel
from .common import organization_of

ERRORS_PER_PAGE = 25


def _chart(points: list[tuple[float, float]], width: int = 600, height: int = 160) -> dict | None:
    """Server-rendered SVG geometry for the throughput chart (records per minute over time)."""
    if len(points) < 2:
        return None
    pad_left, pad_bottom, pad_top = 40, 18, 8
    max_x = points[-1][0] or 1.0
    max_y = max(p[1] for p in points) or 1.0
    def x(v):
        return pad_left + (width - pad_left - 4) * v / max_x
    def y(v):
        return pad_top + (height - pad_top - pad_bottom) * (1 - v / max_y)
    line = " ".join(f"{x(px):.1f},{y(py):.1f}" for px, py in points)
    base = height - pad_bottom
    area = f"{x(0):.1f},{base} {line} {x(max_x):.1f},{base}"
    minutes = max_x / 60
    return {"width": width, "height": height, "line": line, "area": area, "base": base, "left": pad_left,
            "max_y": round(max_y), "top": pad_top, "end_label": f"{minutes:.1f} min" if minutes >= 1
            else f"{int(max_x)} s", "right": width - 4}


def _live_context(run) -> dict:
    now = timezone.now()
    numbers = run_numbers(run=run, now=now)
    migration = run.migration
    connectors = all_connectors()
    verification = run.verification or {}
    checks = []
    order = list(EntityType)  # jsonb does not keep key order: show entities in dependency order
    for entity, v in sorted((verification.get("entities") or {}).items(), key=lambda kv: order.index(kv[0])):
        mismatched = sum(1 for s in v.get("sample", []) if s.get("missing") or
                         any(not f["equal"] for f in s.get("fields", [])))
        checks.append({"entity": entity, "label": EntityType(entity).label, "v": v, "mismatched": mismatched})
    elapsed = ((run.finished_at or now) - run.started_at).total_seconds() if run.started_at else 0
    return {
        "run": run, "migration": migration, "numbers": numbers, "checks": checks,
        "verification": verification, "chart": _chart(run_throughput(run=run, now=now)),
        "elapsed": int(elapsed),
        "source_label": connectors[migration.source_store.platform].label,
        "target_label": connectors[migration.target_store.platform].label,
        "recipients": run_email_recipients(run=run) if run.is_active else [],
    }


@login_required
def run_detail(request, run_id):
    run = run_get(organization=organization_of(request), run_id=run_id)
    extra = _changes_context(request, run) if run.kind == "smart_update" else {}
    return render(request, "runs/detail.html", {"nav": "migrations", **_live_context(run),
                                                **_errors_context(request, run), **extra})


@login_required
def run_live(request, run_id):
    """The part of the run page that changes while the run works; polled every 2 s by htmx until it ends."""
    run = run_get(organization=organization_of(request), run_id=run_id)
    # The title at the root of the partial: htmx puts it in the tab, so the live progress shows there too.
    response = render(request, "runs/_live_response.html", _live_context(run))
    if not run.is_active and request.GET.get("was_active"):
        # The run just ended: reload once so the errors list and Check Result appear in full.
        response["HX-Refresh"] = "true"
    return response


def _errors_context(request, run) -> dict:
    qs = run_errors(run=run)
    entity = request.GET.get("entity", "")
    if entity:
        qs = qs.filter(entity=entity)
    page = Paginator(qs, ERRORS_PER_PAGE).get_page(request.GET.get("page"))
    return {"errors_page": page, "errors_entity": entity,
            "error_entities": [(e, EntityType(e).label) for e in
                               run_errors(run=run).order_by().values_list("entity", flat=True).distinct()]}


def _changes_context(request, run) -> dict:
    qs = run_changes(run=run)
    kind = request.GET.get("kind", "")
    if kind:
        qs = qs.filter(kind=kind)
    page = Paginator(qs, ERRORS_PER_PAGE).get_page(request.GET.get("cpage"))
    summary = run_changes_summary(run=run)
    return {"changes_page": page, "changes_kind": kind, "changes_summary": summary}


@login_required
def run_changes_page(request, run_id):
    run = run_get(organization=organization_of(request), run_id=run_id)
    return render(request, "runs/_changes.html", {"run": run, **_changes_context(request, run)})


@login_required
def run_errors_page(request, run_id):
    run = run_get(organization=organization_of(request), run_id=run_id)
    return render(request, "runs/_errors.html", {"run": run, **_errors_context(request, run)})


class _Echo:
    def write(self, value):
        return value


@login_required
def run_errors_csv(request, run_id):
    run = run_get(organization=organization_of(request), run_id=run_id)
    writer = csv.writer(_Echo())

    def rows():
        yield writer.writerow(["entity", "source_id", "message", "excerpt", "created_at"])
        for e in run_errors(run=run).iterator(chunk_size=2000):
            yield writer.writerow([e.entity, e.source_id, e.message, e.excerpt, e.created_at.isoformat()])

    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="run-{run.pk}-errors.csv"'
    return response


@login_required
@require_POST
def run_cancel_view(request, run_id):
    run = run_get(organization=organization_of(request), run_id=run_id)
    try:
        run_cancel(run=run)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "The run is stopping. Records migrated so far stay on the target store.")
    return redirect("run-detail", run_id=run.pk)
