from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render

from connectors.entities import EntityType

from ..selectors import run_errors, run_get, run_progress, run_totals


@login_required
def run_detail(request, run_id):
    if request.organization is None:
        raise Http404
    run = run_get(organization=request.organization, run_id=run_id)
    progress = [
        {"label": EntityType(p.entity).label, "p": p,
         "percent": int(100 * (p.done + p.failed) / p.total) if p.total else (100 if p.status == "done" else 0)}
        for p in run_progress(run=run)
    ]
    return render(request, "runs/detail.html", {
        "run": run, "migration": run.migration, "progress": progress, "totals": run_totals(run=run),
        "errors": run_errors(run=run)[:100], "verification": run.verification or {},
    })
