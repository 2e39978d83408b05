"""What accounts keep in the browser session: the active organization and an invitation awaiting sign-up/log-in."""
from django.contrib import messages

from .errors import AccountError
from .models import Organization
from .selectors import ACTIVE_ORGANIZATION_SESSION_KEY
from .services import invitation_accept

INVITATION_SESSION_KEY = "accounts_invitation_token"


def active_organization_set(request, *, organization: Organization) -> None:
    """Act in `organization` from the next request on (the caller checked the user is a member)."""
    request.session[ACTIVE_ORGANIZATION_SESSION_KEY] = str(organization.pk)


def pending_invitation_remember(request, *, token: str) -> None:
    request.session[INVITATION_SESSION_KEY] = token


def pending_invitation_accept(request, *, user) -> None:
    """After a sign-up or log-in: accept the invitation remembered in the session if it was sent to a verified
    address of the user, and switch to its organization. Either way the session forgets it."""
    token = request.session.pop(INVITATION_SESSION_KEY, None)
    if not token:
        return
    try:
        membership = invitation_accept(token=token, user=user)
    except AccountError as exc:
        messages.warning(request, exc.message)
        return
    active_organization_set(request, organization=membership.organization)
    messages.success(request, f"You are now a member of {membership.organization.name}.")
