"""The owner's side of support: the ticket list, opening a ticket about a migration or run, the thread and
its reply form. Thin adapters: every read is scoped to the request's organization (another's is a 404)."""
import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render

from migrations_app.errors import ApplicationError, ValidationFailed
from migrations_app.selectors import migration_get, run_get
from migrations_app.views.common import organization_of

from ..forms import ReplyForm, TicketForm
from ..selectors import ticket_get, ticket_list, ticket_messages
from ..services import ticket_open, ticket_reply_owner


def _uuid_or_404(value: str | None) -> uuid.UUID | None:
    if not value:
        return None
    try:
        return uuid.UUID(value)
    except ValueError:
        raise Http404 from None


@login_required
def support_ticket_list(request):
    organization = organization_of(request)
    return render(request, "support/list.html", {"nav": "support", "tickets": ticket_list(organization=organization)})


@login_required
def support_ticket_new(request):
    """`?migration=<id>&run=<id>` says what the ticket is about; both are the organization's or a 404."""
    organization = organization_of(request)
    params = request.POST if request.method == "POST" else request.GET
    run_id, migration_id = _uuid_or_404(params.get("run")), _uuid_or_404(params.get("migration"))
    run = run_get(organization=organization, run_id=run_id) if run_id else None
    migration = (migration_get(organization=organization, migration_id=migration_id) if migration_id
                 else (run.migration if run else None))
    if run is not None and run.migration_id != migration.pk:
        raise Http404
    about = (f"run {str(run.pk)[:8]} of migration {str(migration.pk)[:8]}" if run
             else f"migration {str(migration.pk)[:8]}" if migration else "")
    form = TicketForm(request.POST if request.method == "POST" else None,
                      initial={"subject": f"Question about {about}" if about else ""})
    if request.method == "POST" and form.is_valid():
        try:
            ticket = ticket_open(organization=organization, user=request.user, migration=migration, run=run,
                                 **form.cleaned_data)
        except ValidationFailed as exc:
            for field, errors in exc.errors.items():
                for error in errors:
                    form.add_error(field, error)
        else:
            messages.success(request, "Your ticket is open. Support answers here and by email.")
            return redirect("support-ticket", ticket_id=ticket.pk)
    return render(request, "support/new.html", {"nav": "support", "form": form, "migration": migration, "run": run})


@login_required
def support_ticket_detail(request, ticket_id):
    organization = organization_of(request)
    ticket = ticket_get(organization=organization, ticket_id=ticket_id)
    form = ReplyForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            ticket_reply_owner(ticket=ticket, user=request.user, body=form.cleaned_data["body"])
        except ApplicationError as exc:
            form.add_error("body", exc.message)
        else:
            return redirect("support-ticket", ticket_id=ticket.pk)
    return render(request, "support/detail.html", {"nav": "support", "ticket": ticket, "form": form,
                                                   "thread": ticket_messages(ticket=ticket)})
