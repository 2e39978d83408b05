"""The confirmation step before a run that costs money or deletes data: a recap (price and the rule behind
it, source → target, entities, what will be cleared) from services/confirm.run_recap, the plan the run is
charged with. The start views render it instead of starting when the owner has not confirmed yet; the
recap's form posts back to the same start view with the confirmation."""
import uuid

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse

from ..enums import RunKind
from ..errors import ApplicationError, ValidationFailed
from ..selectors import migration_get
from ..services.confirm import Confirmation, RunRecap, run_recap
from .common import organization_of

CONFIRM_FIELDS = ("confirmed", "confirm_amount_cents", "confirm_target_host", "csrfmiddlewaretoken", "request_key")


def confirmation_of(post) -> Confirmation | None:
    """The owner's confirmation sent with a start form, or None when the form did not come from the recap."""
    if not post.get("confirmed"):
        return None
    try:
        amount = int(post.get("confirm_amount_cents", ""))
    except ValueError:
        amount = None
    return Confirmation(amount_cents=amount, target_host=post.get("confirm_target_host", "")[:300])


def confirm_errors(exc: ValidationFailed) -> list[str] | None:
    """The messages of a refused confirmation, or None when `exc` is about something else."""
    if not any(k.startswith("confirm.") for k in exc.errors):
        return None
    return [m for k, msgs in exc.errors.items() for m in msgs]


def render_confirm(request, recap: RunRecap, *, action: str, hidden: list[tuple[str, str]] | None = None,
                   errors: list[str] | None = None, back: str | None = None):
    """The recap page: its form re-sends `hidden` (the start form's own fields) with the confirmation."""
    migration = recap.migration
    return render(request, "migrations/confirm.html", {
        "nav": "migrations", "migration": migration, "recap": recap, "action": action,
        "hidden": hidden or [], "errors": errors or [], "request_key": uuid.uuid4().hex,
        "back": back or reverse("migration-detail", args=[migration.pk]),
    }, status=400 if errors else 200)


def hidden_fields(post) -> list[tuple[str, str]]:
    """A submitted form's fields, to send again from the recap (without the confirmation's own)."""
    return [(name, value) for name, values in post.lists() if name not in CONFIRM_FIELDS for value in values]


@login_required
def migration_run_confirm(request, migration_id):
    """GET ?kind=full: the recap of a run started with the migration's own settings (the full migration);
    "Start full migration" and "Looks good? Start the full migration" lead here."""
    migration = migration_get(organization=organization_of(request), migration_id=migration_id)
    kind = request.GET.get("kind", RunKind.FULL)
    if kind not in (RunKind.FULL, RunKind.DEMO):
        raise Http404
    try:
        recap = run_recap(migration=migration, kind=kind)
    except ValidationFailed as exc:
        errors = [m for msgs in exc.errors.values() for m in msgs]
        return render(request, "migrations/confirm.html", {"nav": "migrations", "migration": migration,
                                                           "recap": None, "errors": errors}, status=400)
    except ApplicationError as exc:
        return render(request, "migrations/confirm.html", {"nav": "migrations", "migration": migration,
                                                           "recap": None, "errors": [exc.message]}, status=400)
    return render_confirm(request, recap, action=reverse("migration-run-start", args=[migration.pk]),
                          hidden=[("kind", kind)])
