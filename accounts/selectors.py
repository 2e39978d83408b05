"""Reads on organizations, memberships, invitations and API tokens. Tenant-owned reads take `organization=`."""
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import F, QuerySet
from django.http import Http404

from .keys import key_hash
from .models import ApiToken, Invitation, Membership, Organization, Profile

ACTIVE_ORGANIZATION_SESSION_KEY = "accounts_active_organization_id"


def organization_list_for_user(*, user) -> QuerySet[Organization]:
    """The organizations the user belongs to, in the order they joined them (the personal one first)."""
    return Organization.objects.filter(memberships__user=user).order_by("memberships__created_at")


def organization_for_user(*, user, organization_id=None) -> Organization | None:
    """The organization the user acts in: `organization_id` (the active one chosen in the session) if the user
    is a member of it, else the first organization the user joined; None for anonymous users."""
    if not user or not user.is_authenticated:
        return None
    organizations = organization_list_for_user(user=user)
    if organization_id:
        try:
            chosen = organizations.filter(pk=organization_id).first()
        except (ValidationError, ValueError):
            chosen = None
        if chosen is not None:
            return chosen
    return organizations.first()


def organization_get_for_user(*, user, organization_id) -> Organization:
    """One organization of the user; 404 if the user is not a member of it (or it does not exist)."""
    try:
        organization = organization_list_for_user(user=user).filter(pk=organization_id).first()
    except (ValidationError, ValueError):
        organization = None
    if organization is None:
        raise Http404("No such organization.")
    return organization


def organization_for_request(request) -> Organization | None:
    """The organization a request acts in.

    A request authenticated by an API token acts in the token's organization. Otherwise (browser session,
    including session-authenticated API calls) it is the active organization stored in the session, if the user
    is still a member of it, else the user's first organization. Works with a Django request or a DRF request;
    DRF copies `user` and `auth` onto the Django request when it authenticates."""
    auth = getattr(request, "auth", None)
    if isinstance(auth, ApiToken):
        return auth.organization
    session = getattr(request, "session", None)
    organization_id = session.get(ACTIVE_ORGANIZATION_SESSION_KEY) if session is not None else None
    return organization_for_user(user=getattr(request, "user", None), organization_id=organization_id)


def user_exists_with_email(*, email: str) -> bool:
    return get_user_model().objects.filter(email__iexact=email).exists()


def membership_get(*, organization: Organization, user) -> Membership | None:
    if not user or not user.is_authenticated:
        return None
    return Membership.objects.filter(organization=organization, user=user).first()


def membership_list(*, organization: Organization) -> QuerySet[Membership]:
    return Membership.objects.filter(organization=organization).select_related("user").order_by("created_at", "id")


def invitation_list_open(*, organization: Organization) -> QuerySet[Invitation]:
    """Invitations neither accepted nor revoked, including expired ones (they can be re-sent or revoked)."""
    return (
        Invitation.objects.filter(organization=organization, accepted_at__isnull=True, revoked_at__isnull=True)
        .select_related("invited_by")
        .order_by("-sent_at")
    )


def invitation_get_by_token(*, token: str) -> Invitation | None:
    """The invitation whose link carries `token`, in any state (the page says why it can no longer be used)."""
    return Invitation.objects.select_related("organization", "invited_by").filter(token_hash=key_hash(token)).first()


def api_token_list(*, organization: Organization, user) -> QuerySet[ApiToken]:
    """The user's active API tokens in the organization, newest first."""
    return ApiToken.objects.filter(organization=organization, user=user, revoked_at__isnull=True).order_by(
        "-created_at", "-id"
    )


def api_token_get_by_key(*, key: str) -> ApiToken | None:
    """The active token with this full key, if its user is active and still a member of its organization."""
    return (
        ApiToken.objects.select_related("user", "organization")
        .filter(
            key_hash=key_hash(key),
            revoked_at__isnull=True,
            user__is_active=True,
            organization__memberships__user=F("user"),
        )
        .first()
    )


def user_time_zone(*, user) -> str:
    """The time zone the user chose in their profile ("" when they let the browser decide)."""
    return Profile.objects.filter(user=user).values_list("time_zone", flat=True).first() or ""
