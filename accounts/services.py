"""Writes on users, organizations, memberships, invitations and API tokens.

Owner-only actions raise `NotAllowed`; input a user can fix raises `AccountError` (with the form field it is
about); another organization's object is a 404."""
import zoneinfo
from datetime import timedelta

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from .errors import AccountError, InvitationNotForUser, NotAllowed
from .keys import key_generate, key_hash
from .models import ApiToken, Invitation, Membership, Organization, Profile

# A second invitation to the same address within this interval is taken for a double submit: nothing is re-sent,
# so the link of the email just sent stays the valid one.
INVITATION_RESEND_INTERVAL = timedelta(seconds=60)
# last_used_at is written at most this often per token, not on every API call.
API_TOKEN_TOUCH_INTERVAL = timedelta(seconds=60)


@transaction.atomic
def organization_create_personal(*, user) -> Organization:
    """Create the personal organization of a newly signed-up user, with the user as owner.

    Idempotent: a user who already owns an organization gets that one back."""
    existing = Organization.objects.filter(memberships__user=user, memberships__role=Membership.Role.OWNER).first()
    if existing:
        return existing
    label = (user.get_full_name() or user.email or user.get_username()).strip()
    org = Organization.objects.create(name=f"{label}'s store" if label else "My organization")
    Membership.objects.create(organization=org, user=user, role=Membership.Role.OWNER)
    return org


def user_create(*, email: str, password: str, **extra):
    """Create a user (username = email) with a personal organization; used by commands and tests."""
    User = get_user_model()
    user = User.objects.create_user(username=email, email=email, password=password, **extra)
    organization_create_personal(user=user)
    return user


def user_profile_update(*, user, first_name: str, last_name: str, time_zone: str | None = None):
    """Change the user's name (the email is changed through the email pages, which verify it) and, when
    given, the time zone times are shown in ("" = the browser's); an unknown zone raises ApplicationError."""
    user.first_name = first_name.strip()
    user.last_name = last_name.strip()
    user.save(update_fields=["first_name", "last_name"])
    if time_zone is not None:
        if time_zone and time_zone not in zoneinfo.available_timezones():
            raise AccountError(f"{time_zone} is not a time zone; choose one from the list.", field="time_zone")
        Profile.objects.update_or_create(user=user, defaults={"time_zone": time_zone})
    return user


def _require_owner(*, organization: Organization, user) -> None:
    if not Membership.objects.filter(organization=organization, user=user, role=Membership.Role.OWNER).exists():
        raise NotAllowed("Only an owner of the organization can do this.")


def organization_rename(*, organization: Organization, actor, name: str) -> Organization:
    """Rename the organization; owners only."""
    _require_owner(organization=organization, user=actor)
    name = name.strip()
    if not name:
        raise AccountError("Give the organization a name.", field="name")
    organization.name = name
    organization.save(update_fields=["name"])
    return organization


@transaction.atomic
def membership_remove(*, organization: Organization, actor, membership_id: int) -> Membership:
    """Remove a member from the organization (owners only) and revoke the member's API tokens in it.

    Nobody removes themselves here, and the last owner is never removed. Returns the deleted membership."""
    membership = get_object_or_404(
        Membership.objects.select_for_update(of=("self",)), organization=organization, pk=membership_id
    )
    _require_owner(organization=organization, user=actor)
    if membership.user_id == actor.pk:
        raise AccountError("You cannot remove yourself from the organization.")
    if membership.role == Membership.Role.OWNER:
        owners = Membership.objects.select_for_update().filter(organization=organization, role=Membership.Role.OWNER)
        if owners.count() <= 1:
            raise AccountError("The last owner of an organization cannot be removed.")
    ApiToken.objects.filter(organization=organization, user_id=membership.user_id, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    membership.delete()
    return membership


def invitation_url(token: str) -> str:
    return f"{settings.MIGRATOR_SITE_URL}{reverse('account-invitation', kwargs={'token': token})}"


def _invitation_send(*, invitation: Invitation, token: str) -> None:
    inviter = invitation.invited_by
    context = {
        "invitation": invitation,
        "organization": invitation.organization,
        "inviter_name": (inviter.get_full_name() or inviter.email) if inviter else "",
        "url": invitation_url(token),
        "expires_at": invitation.expires_at,
        "site_url": settings.MIGRATOR_SITE_URL,
    }
    subject = " ".join(render_to_string("emails/invitation_subject.txt", context).split())
    message = EmailMultiAlternatives(
        subject, render_to_string("emails/invitation.txt", context), settings.DEFAULT_FROM_EMAIL, [invitation.email]
    )
    message.attach_alternative(render_to_string("emails/invitation.html", context), "text/html")
    message.send()


@transaction.atomic
def invitation_create(*, organization: Organization, invited_by, email: str) -> Invitation:
    """Invite `email` to join the organization as a member and email the link; owners only.

    There is at most one open invitation per address: inviting an address again re-sends it with a new link (the
    previous link stops working) and restarts its 14 days, except right after a send (a double submit), when
    nothing is sent again. An address that already belongs to a member is an error on the `email` field. The email
    is sent inside the transaction: if it cannot be sent, no invitation is recorded."""
    _require_owner(organization=organization, user=invited_by)
    email = (email or "").strip().lower()
    try:
        validate_email(email)
    except ValidationError as exc:
        raise AccountError("Enter a valid email address.", field="email") from exc
    # Serialises invitations of one organization, so two concurrent submits cannot both create one.
    Organization.objects.select_for_update().filter(pk=organization.pk).first()
    if Membership.objects.filter(organization=organization, user__email__iexact=email).exists():
        raise AccountError(f"{email} is already a member of {organization.name}.", field="email")
    invitation = Invitation.objects.filter(
        organization=organization, email=email, accepted_at__isnull=True, revoked_at__isnull=True
    ).first()
    now = timezone.now()
    if invitation is not None and now - invitation.sent_at < INVITATION_RESEND_INTERVAL:
        return invitation
    token = key_generate()
    if invitation is None:
        invitation = Invitation.objects.create(
            organization=organization, email=email, token_hash=key_hash(token), invited_by=invited_by, sent_at=now
        )
    else:
        invitation.token_hash = key_hash(token)
        invitation.sent_at = now
        invitation.invited_by = invited_by
        invitation.save(update_fields=["token_hash", "sent_at", "invited_by"])
    _invitation_send(invitation=invitation, token=token)
    return invitation


def invitation_revoke(*, organization: Organization, actor, invitation_id: int) -> Invitation:
    """Revoke an open invitation (owners only): its link stops working. Revoking twice is harmless."""
    invitation = get_object_or_404(Invitation, organization=organization, pk=invitation_id)
    _require_owner(organization=organization, user=actor)
    if invitation.accepted_at is None and invitation.revoked_at is None:
        Invitation.objects.filter(pk=invitation.pk, accepted_at__isnull=True, revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )
        invitation.refresh_from_db()
    return invitation


def email_masked(email: str) -> str:
    """Enough of an address to recognise it, not to learn it: 'a…@example.com'."""
    local, _, domain = (email or "").partition("@")
    return f"{local[:1]}…@{domain}" if domain else "…"


def user_has_verified_email(*, user, email: str) -> bool:
    """Whether `email` (any case) is one of the user's verified addresses."""
    return EmailAddress.objects.filter(user=user, email__iexact=email, verified=True).exists()


def _require_invited_address(*, user, invitation: Invitation) -> None:
    """The invitation belongs to whoever proved the invited address: a verified address of `user`."""
    if user_has_verified_email(user=user, email=invitation.email):
        return
    if (user.email or "").lower() == invitation.email.lower() or EmailAddress.objects.filter(
        user=user, email__iexact=invitation.email
    ).exists():
        raise InvitationNotForUser(
            f"This invitation was sent to {invitation.email}: verify that address first, then open the invitation "
            "link again.",
            unverified=True,
        )
    raise InvitationNotForUser(
        f"This invitation was sent to {email_masked(invitation.email)}; sign in with that address to accept it."
    )


@transaction.atomic
def invitation_accept(*, token: str, user) -> Membership:
    """Make `user` a member of the organization the invitation link `token` is for.

    The invitation is bound to the invited address: `user` must have verified it (any case), otherwise
    `InvitationNotForUser` (the link alone is no proof: it can be forwarded). Accepting again by someone who is
    already a member returns the membership (a double submit is harmless); an existing role is kept."""
    invitation = (
        Invitation.objects.select_for_update(of=("self",))
        .select_related("organization")
        .filter(token_hash=key_hash(token))
        .first()
    )
    if invitation is None or invitation.revoked_at is not None:
        raise AccountError("This invitation link is not valid: it was revoked or replaced by a newer email.")
    membership = Membership.objects.filter(organization=invitation.organization, user=user).first()
    if invitation.accepted_at is not None:
        if membership is not None:
            return membership
        raise AccountError("This invitation has already been used.")
    if invitation.is_expired:
        raise AccountError("This invitation has expired: ask the organization's owner to invite you again.")
    _require_invited_address(user=user, invitation=invitation)
    if membership is None:
        membership = Membership.objects.create(organization=invitation.organization, user=user,
                                               role=Membership.Role.MEMBER)
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    return membership


def api_token_create(*, user, organization: Organization, name: str) -> tuple[ApiToken, str]:
    """Create a named API token of `user` acting in `organization`; returns the token and its full key.

    The key is returned only here: only its prefix and sha256 are stored. Names are unique among the user's active
    tokens in the organization (so a double submit does not create two)."""
    if not Membership.objects.filter(organization=organization, user=user).exists():
        raise NotAllowed("You are not a member of this organization.")
    name = (name or "").strip()
    if not name:
        raise AccountError("Give the token a name.", field="name")
    taken = AccountError(f"You already have a token named “{name}”: choose another name or revoke it first.",
                         field="name")
    if ApiToken.objects.filter(user=user, organization=organization, name=name, revoked_at__isnull=True).exists():
        raise taken
    key = key_generate()
    try:
        with transaction.atomic():
            token = ApiToken.objects.create(user=user, organization=organization, name=name,
                                            prefix=key[: ApiToken.PREFIX_LENGTH], key_hash=key_hash(key))
    except IntegrityError as exc:
        raise taken from exc
    return token, key


def api_token_revoke(*, organization: Organization, user, token_id: int) -> ApiToken:
    """Revoke one of the user's tokens in the organization; it fails authentication from now on. Idempotent."""
    token = get_object_or_404(ApiToken, organization=organization, user=user, pk=token_id)
    ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
    token.refresh_from_db()
    return token


def api_token_touch(*, token: ApiToken) -> None:
    """Record that the token was just used (at most once per API_TOKEN_TOUCH_INTERVAL)."""
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at >= API_TOKEN_TOUCH_INTERVAL:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now


def api_token_get_or_create(*, user) -> str:
    """Backward-compatible helper: a fresh key named "default" in the user's first organization.

    Keys are stored hashed, so an existing key cannot be returned: an active "default" token of the user there is
    revoked and replaced. Prefer `api_token_create`."""
    membership = Membership.objects.filter(user=user).select_related("organization").order_by("created_at").first()
    if membership is None:
        raise NotAllowed("This user does not belong to an organization.")
    ApiToken.objects.filter(user=user, organization=membership.organization, name="default",
                            revoked_at__isnull=True).update(revoked_at=timezone.now())
    _token, key = api_token_create(user=user, organization=membership.organization, name="default")
    return key
