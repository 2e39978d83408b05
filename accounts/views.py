"""The account page (profile, organization, members and invitations, API tokens) and the invitation link page.

Views adapt: they resolve the organization, validate a form, call one service and redirect (POST-redirect-GET);
owner-only actions by a member are a 403, another organization's objects a 404."""
import smtplib

from allauth.account.adapter import get_adapter
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.views.decorators.debug import sensitive_variables
from django.views.decorators.http import require_http_methods, require_POST

from . import selectors, services
from .errors import AccountError, InvitationNotForUser, NotAllowed
from .forms import ApiTokenForm, InviteForm, OrganizationForm, OrganizationSwitchForm, ProfileForm
from .models import Membership
from .session import INVITATION_SESSION_KEY, active_organization_set, pending_invitation_remember


def _organization(request):
    organization = request.organization
    if not organization:
        # Users made outside sign-up (createsuperuser) have no organization yet: every user gets a personal one.
        organization = services.organization_create_personal(user=request.user)
    return organization


def _require_owner(request, organization) -> None:
    membership = selectors.membership_get(organization=organization, user=request.user)
    if membership is None or membership.role != Membership.Role.OWNER:
        raise PermissionDenied("Only an owner of the organization can do this.")


def _form_error(form, exc: AccountError) -> None:
    form.add_error(exc.field if exc.field in form.fields else None, exc.message)


def _back(anchor: str = ""):
    return redirect(reverse("account-home") + (f"#{anchor}" if anchor else ""))


def _account_page(request, **forms):
    """Render the account page; `forms` replaces the blank forms with bound ones that carry errors."""
    user = request.user
    organization = _organization(request)
    membership = selectors.membership_get(organization=organization, user=user)
    is_owner = membership is not None and membership.role == Membership.Role.OWNER
    context = {
        "nav": "account",
        "organization": organization,
        "membership": membership,
        "is_owner": is_owner,
        "organizations": list(selectors.organization_list_for_user(user=user)),
        "members": selectors.membership_list(organization=organization),
        "invitations": list(selectors.invitation_list_open(organization=organization)) if is_owner else [],
        "tokens": list(selectors.api_token_list(organization=organization, user=user)),
        "new_token": None,
        "profile_form": ProfileForm(initial={"first_name": user.first_name, "last_name": user.last_name,
                                             "time_zone": selectors.user_time_zone(user=user)}),
        "organization_form": OrganizationForm(initial={"name": organization.name}),
        "invite_form": InviteForm(),
        "token_form": ApiTokenForm(),
        **forms,
    }
    return render(request, "accounts/home.html", context)


@login_required
def account_home(request):
    return _account_page(request)


@login_required
@require_POST
def profile_update(request):
    form = ProfileForm(request.POST)
    if not form.is_valid():
        return _account_page(request, profile_form=form)
    services.user_profile_update(user=request.user, **form.cleaned_data)
    messages.success(request, "Your profile is saved.")
    return _back("profile")


@login_required
@require_POST
def organization_update(request):
    organization = _organization(request)
    _require_owner(request, organization)
    form = OrganizationForm(request.POST)
    if form.is_valid():
        try:
            services.organization_rename(organization=organization, actor=request.user, name=form.cleaned_data["name"])
        except NotAllowed as exc:
            raise PermissionDenied(exc.message) from exc
        except AccountError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, "The organization name is saved.")
            return _back("organization")
    return _account_page(request, organization_form=form)


@login_required
@require_POST
def organization_switch(request):
    form = OrganizationSwitchForm(request.POST)
    if not form.is_valid():
        raise Http404("No such organization.")
    organization = selectors.organization_get_for_user(user=request.user,
                                                       organization_id=form.cleaned_data["organization"])
    active_organization_set(request, organization=organization)
    messages.success(request, f"You are now working in {organization.name}.")
    return _back("organization")


@login_required
@require_POST
def member_remove(request, membership_id: int):
    organization = _organization(request)
    try:
        membership = services.membership_remove(organization=organization, actor=request.user,
                                                membership_id=membership_id)
    except NotAllowed as exc:
        raise PermissionDenied(exc.message) from exc
    except AccountError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"{membership.user.email} is no longer a member of {organization.name}.")
    return _back("members")


@login_required
@require_POST
def invitation_create(request):
    organization = _organization(request)
    _require_owner(request, organization)
    form = InviteForm(request.POST)
    if form.is_valid():
        try:
            invitation = services.invitation_create(organization=organization, invited_by=request.user,
                                                    email=form.cleaned_data["email"])
        except NotAllowed as exc:
            raise PermissionDenied(exc.message) from exc
        except AccountError as exc:
            _form_error(form, exc)
        except (smtplib.SMTPException, OSError):
            form.add_error(None, "The invitation email could not be sent; nothing was saved. Try again in a moment.")
        else:
            messages.success(request, f"Invitation sent to {invitation.email}.")
            return _back("members")
    return _account_page(request, invite_form=form)


@login_required
@require_POST
def invitation_revoke(request, invitation_id: int):
    organization = _organization(request)
    try:
        invitation = services.invitation_revoke(organization=organization, actor=request.user,
                                                invitation_id=invitation_id)
    except NotAllowed as exc:
        raise PermissionDenied(exc.message) from exc
    messages.success(request, f"The invitation to {invitation.email} is revoked.")
    return _back("members")


@login_required
@require_POST
@sensitive_variables("key", "response")
def api_token_create(request):
    organization = _organization(request)
    form = ApiTokenForm(request.POST)
    if form.is_valid():
        try:
            token, key = services.api_token_create(user=request.user, organization=organization,
                                                   name=form.cleaned_data["name"])
        except NotAllowed as exc:
            raise PermissionDenied(exc.message) from exc
        except AccountError as exc:
            _form_error(form, exc)
        else:
            # The key is shown once, in the answer to this POST: it is stored nowhere (not in the session
            # either), and the answer is not cached.
            response = _account_page(request, new_token={"id": token.pk, "name": token.name, "key": key})
            add_never_cache_headers(response)
            return response
    return _account_page(request, token_form=form)


@login_required
@require_POST
def api_token_revoke(request, token_id: int):
    token = services.api_token_revoke(organization=_organization(request), user=request.user, token_id=token_id)
    messages.success(request, f"The token “{token.name}” is revoked: it no longer works.")
    return _back("tokens")


@require_http_methods(["GET", "POST"])
def invitation_accept(request, token: str):
    """The link of an invitation email.

    Logged in: the link joins right away if the invitation was sent to a verified address of the user; any other
    account gets a page saying why not (403): the invitation is bound to the invited address, and a forwarded link
    is no proof. Not logged in: the token is remembered in the session and the page sends to sign-up or log-in;
    the adapter accepts it after that if the addresses match (and sign-up with the invited address needs no
    separate verification: the link proved it)."""
    invitation = selectors.invitation_get_by_token(token=token)
    if invitation is None or invitation.revoked_at is not None:
        return render(request, "accounts/invitation.html", {"state": "invalid"}, status=404)
    user = request.user
    member = user.is_authenticated and selectors.membership_get(organization=invitation.organization, user=user)
    if invitation.accepted_at is not None:
        if member:
            active_organization_set(request, organization=invitation.organization)
            return _back()
        return render(request, "accounts/invitation.html", {"state": "used", "invitation": invitation}, status=410)
    if invitation.is_expired:
        return render(request, "accounts/invitation.html", {"state": "expired", "invitation": invitation},
                      status=410)
    if not user.is_authenticated:
        pending_invitation_remember(request, token=token)
        get_adapter(request).stash_verified_email(request, invitation.email)
        return render(request, "accounts/invitation.html", {
            "state": "anonymous", "invitation": invitation, "next": request.path,
            "has_account": selectors.user_exists_with_email(email=invitation.email),
        })
    try:
        membership = services.invitation_accept(token=token, user=user)
    except InvitationNotForUser as exc:
        return render(request, "accounts/invitation.html", {
            "state": "unverified" if exc.unverified else "other_account", "invitation": invitation,
            "message": exc.message, "masked_email": services.email_masked(invitation.email), "next": request.path,
        }, status=403)
    except AccountError as exc:
        messages.error(request, exc.message)
        return _back()
    request.session.pop(INVITATION_SESSION_KEY, None)
    active_organization_set(request, organization=membership.organization)
    messages.success(request, f"You are now a member of {membership.organization.name}.")
    return _back()
