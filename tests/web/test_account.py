"""The account page: profile, organization, members and invitations, API tokens, the active organization."""
import importlib
import re
from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from django.apps import apps as django_apps
from django.conf import settings
from django.contrib.sessions.models import Session
from django.core import mail
from django.core.cache import cache
from django.utils import timezone
from django.utils.html import escape
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from accounts.errors import AccountError
from accounts.keys import key_hash
from accounts.models import ApiToken, Invitation, Membership
from accounts.selectors import ACTIVE_ORGANIZATION_SESSION_KEY, organization_for_user
from accounts.services import (
    api_token_create,
    api_token_get_or_create,
    invitation_accept,
    invitation_create,
    membership_remove,
)
from accounts.session import INVITATION_SESSION_KEY
from tests.factories import PASSWORD, OrganizationFactory, StoreFactory, UserFactory, organization_of

pytestmark = pytest.mark.django_db

ACCOUNT = "/account/"
INVITE_LINK = re.compile(r"https?://[^\s\"<>]+/account/invitations/([A-Za-z0-9_-]+)/")


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    """allauth rate-limits emails per address and IP in the cache, which outlives a test."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def owner():
    return UserFactory(email="owner@shop.example", first_name="Olive", last_name="Owner")


@pytest.fixture
def owner_client(client, owner):
    client.force_login(owner)
    return client


def member_of(organization, *, email=None, role=Membership.Role.MEMBER):
    """A user (with a personal organization, as after sign-up) who is also a member of `organization`."""
    user = UserFactory(**({"email": email} if email else {}))
    Membership.objects.create(organization=organization, user=user, role=role)
    return user


def verified_user(email):
    """A user who verified `email` (allauth's EmailAddress), as after a confirmed sign-up."""
    user = UserFactory(email=email)
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    return user


def act_in(client, organization):
    session = client.session
    session[ACTIVE_ORGANIZATION_SESSION_KEY] = str(organization.pk)
    session.save()


def invite_link(message) -> tuple[str, str]:
    """The invitation URL and token of an email, checked to be the same in the text and HTML versions."""
    html = message.alternatives[0][0]
    text_match, html_match = INVITE_LINK.search(message.body), INVITE_LINK.search(html)
    assert text_match and html_match and text_match.group(0) == html_match.group(0)
    return text_match.group(0), text_match.group(1)


def path_of(url: str) -> str:
    assert url.startswith(settings.MIGRATOR_SITE_URL)
    return url[len(settings.MIGRATOR_SITE_URL):]


# --- the page ------------------------------------------------------------------------------------------------


def test_account_page_needs_login(client):
    response = client.get(ACCOUNT)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_account_page_shows_profile_organization_members_and_tokens(owner_client, owner, org):
    member_of(org, email="colleague@shop.example")
    api_token_create(user=owner, organization=org, name="CI")

    response = owner_client.get(ACCOUNT)

    assert response.status_code == 200
    assert response.context["nav"] == "account"
    body = response.content.decode()
    assert 'class="site-header"' in body and 'aria-current="page">Account' in body
    for text in ("owner@shop.example", "Olive", "Owner", escape(org.name), "colleague@shop.example", "CI",
                 "Send invitation"):
        assert text in body
    # Every table scrolls inside its wrapper on a narrow screen.
    assert body.count("<table") == len(re.findall(r'<div class="table-wrap">\s*<table', body)) >= 2
    assert "css/accounts.css" in body


def test_profile_update_saves_the_name(owner_client, owner):
    response = owner_client.post("/account/profile/", {"first_name": " Ada ", "last_name": "Lovelace"})

    assert response.status_code == 302
    owner.refresh_from_db()
    assert (owner.first_name, owner.last_name) == ("Ada", "Lovelace")
    assert "Your profile is saved." in owner_client.get(ACCOUNT).content.decode()


def test_profile_update_shows_errors_under_the_field(owner_client, owner):
    response = owner_client.post("/account/profile/", {"first_name": "x" * 151, "last_name": ""})

    assert response.status_code == 200
    body = response.content.decode()
    field = body[body.index('<div class="field has-error">'):]
    assert field.index('name="first_name"') < field.index('class="errorlist"') < field.index('name="last_name"')
    owner.refresh_from_db()
    assert owner.first_name == "Olive"


def test_organization_rename_by_owner(owner_client, org):
    assert owner_client.post("/account/organization/", {"name": "Acme Shops"}).status_code == 302
    org.refresh_from_db()
    assert org.name == "Acme Shops"


def test_organization_rename_needs_a_name(owner_client, org):
    response = owner_client.post("/account/organization/", {"name": "  "})
    assert response.status_code == 200
    assert response.context["organization_form"].errors["name"]
    assert 'class="field has-error"' in response.content.decode()


def test_organization_rename_by_member_is_403(client, org):
    member = member_of(org)
    client.force_login(member)
    act_in(client, org)
    name = org.name

    page = client.get(ACCOUNT).content.decode()
    assert 'action="/account/organization/"' not in page and "Send invitation" not in page

    assert client.post("/account/organization/", {"name": "Mine now"}).status_code == 403
    org.refresh_from_db()
    assert org.name == name


# --- members ---------------------------------------------------------------------------------------------------


def test_owner_removes_a_member_and_the_members_tokens_stop_working(owner_client, owner, org):
    member = member_of(org)
    token, key = api_token_create(user=member, organization=org, name="script")
    membership = Membership.objects.get(organization=org, user=member)

    response = owner_client.post(f"/account/members/{membership.pk}/remove/")

    assert response.status_code == 302
    assert not Membership.objects.filter(organization=org, user=member).exists()
    token.refresh_from_db()
    assert token.revoked_at is not None
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert api.get("/api/v1/stores/").status_code == 401


def test_owner_cannot_remove_themselves(owner_client, owner, org):
    membership = Membership.objects.get(organization=org, user=owner)

    response = owner_client.post(f"/account/members/{membership.pk}/remove/", follow=True)

    assert Membership.objects.filter(pk=membership.pk).exists()
    assert "cannot remove yourself" in response.content.decode()


def test_an_owner_can_remove_another_owner_but_the_last_owner_stays(owner, org):
    second = member_of(org, role=Membership.Role.OWNER)
    first_membership = Membership.objects.get(user=owner, organization=org)

    membership_remove(organization=org, actor=second, membership_id=first_membership.pk)

    assert list(Membership.objects.filter(organization=org).values_list("user", flat=True)) == [second.pk]
    with pytest.raises(AccountError):
        membership_remove(organization=org, actor=second,
                          membership_id=Membership.objects.get(user=second, organization=org).pk)
    assert Membership.objects.filter(organization=org, user=second).exists()


def test_member_cannot_remove_members(client, owner, org):
    member = member_of(org)
    client.force_login(member)
    act_in(client, org)
    owner_membership = Membership.objects.get(organization=org, user=owner)

    assert client.post(f"/account/members/{owner_membership.pk}/remove/").status_code == 403
    assert Membership.objects.filter(pk=owner_membership.pk).exists()


def test_removing_a_member_of_another_organization_is_404(owner_client):
    other_org = OrganizationFactory()
    other_membership = Membership.objects.get(organization=other_org)

    assert owner_client.post(f"/account/members/{other_membership.pk}/remove/").status_code == 404
    assert Membership.objects.filter(pk=other_membership.pk).exists()


# --- invitations -----------------------------------------------------------------------------------------------


def test_invite_sends_an_html_and_text_email_with_a_working_link(owner_client, org):
    response = owner_client.post("/account/invitations/", {"email": "New.Person@Example.com"})

    assert response.status_code == 302
    invitation = Invitation.objects.get(organization=org)
    assert invitation.email == "new.person@example.com"
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["new.person@example.com"]
    assert org.name in message.subject
    assert message.alternatives[0][1] == "text/html"
    url, token = invite_link(message)
    assert url == f"{settings.MIGRATOR_SITE_URL}/account/invitations/{token}/"
    assert invitation.token_hash == key_hash(token) and token not in invitation.token_hash
    assert "Olive Owner" in message.body and escape(org.name) in message.alternatives[0][0]
    page = owner_client.get(ACCOUNT).content.decode()
    assert "Pending invitations" in page and "new.person@example.com" in page


def test_inviting_a_member_is_an_error_on_the_email_field(owner_client, org):
    member_of(org, email="already@shop.example")

    response = owner_client.post("/account/invitations/", {"email": "ALREADY@shop.example"})

    assert response.status_code == 200
    assert "already a member" in response.context["invite_form"].errors["email"][0]
    assert 'class="field has-error"' in response.content.decode()
    assert not Invitation.objects.exists() and not mail.outbox


def test_inviting_an_invalid_address_is_a_field_error(owner_client):
    response = owner_client.post("/account/invitations/", {"email": "not an email"})
    assert response.status_code == 200 and response.context["invite_form"].errors["email"]
    assert not Invitation.objects.exists()


def test_inviting_twice_does_not_duplicate_and_re_inviting_later_resends_a_new_link(owner_client, org, client):
    owner_client.post("/account/invitations/", {"email": "twice@example.com"})
    owner_client.post("/account/invitations/", {"email": "twice@example.com"})  # double submit

    assert Invitation.objects.filter(organization=org).count() == 1
    assert len(mail.outbox) == 1
    _url, first_token = invite_link(mail.outbox[0])

    Invitation.objects.update(sent_at=timezone.now() - timedelta(days=3))
    owner_client.post("/account/invitations/", {"email": "twice@example.com"})

    assert Invitation.objects.filter(organization=org).count() == 1
    assert len(mail.outbox) == 2
    url, second_token = invite_link(mail.outbox[1])
    assert second_token != first_token
    assert Invitation.objects.get().sent_at > timezone.now() - timedelta(minutes=1)
    anonymous = client.__class__()
    assert anonymous.get(f"/account/invitations/{first_token}/").status_code == 404
    assert anonymous.get(path_of(url)).status_code == 200


def test_member_cannot_invite(client, org):
    member = member_of(org)
    client.force_login(member)
    act_in(client, org)

    assert client.post("/account/invitations/", {"email": "x@example.com"}).status_code == 403
    assert not Invitation.objects.exists()


def test_owner_revokes_an_invitation_and_its_link_stops_working(owner_client, owner, org, client):
    invitation_create(organization=org, invited_by=owner, email="later@example.com")
    url, _token = invite_link(mail.outbox[0])
    invitation = Invitation.objects.get()

    assert owner_client.post(f"/account/invitations/{invitation.pk}/revoke/").status_code == 302
    assert owner_client.post(f"/account/invitations/{invitation.pk}/revoke/").status_code == 302  # double submit

    invitation.refresh_from_db()
    assert invitation.revoked_at is not None
    assert list(owner_client.get(ACCOUNT).context["invitations"]) == []
    response = client.__class__().get(path_of(url))
    assert response.status_code == 404 and 'class="site-header"' in response.content.decode()


def test_invitation_of_another_organization_cannot_be_seen_or_revoked(client, owner, org):
    invitation_create(organization=org, invited_by=owner, email="secret@example.com")
    invitation = Invitation.objects.get()
    stranger = UserFactory()
    client.force_login(stranger)

    assert "secret@example.com" not in client.get(ACCOUNT).content.decode()
    assert client.post(f"/account/invitations/{invitation.pk}/revoke/").status_code == 404
    invitation.refresh_from_db()
    assert invitation.revoked_at is None


def test_member_cannot_revoke_invitations(client, owner, org):
    invitation_create(organization=org, invited_by=owner, email="someone@example.com")
    member = member_of(org)
    client.force_login(member)
    act_in(client, org)

    assert "someone@example.com" not in client.get(ACCOUNT).content.decode()
    assert client.post(f"/account/invitations/{Invitation.objects.get().pk}/revoke/").status_code == 403


def test_logged_in_invitee_joins_by_opening_the_link_and_acts_in_the_new_organization(client, owner, org):
    invitee = verified_user("invitee@example.com")
    invitation_create(organization=org, invited_by=owner, email="Invitee@Example.com")
    url, _token = invite_link(mail.outbox[0])
    client.force_login(invitee)

    response = client.get(path_of(url))

    assert response.status_code == 302 and response["Location"] == ACCOUNT
    membership = Membership.objects.get(organization=org, user=invitee)
    assert membership.role == Membership.Role.MEMBER
    assert client.session[ACTIVE_ORGANIZATION_SESSION_KEY] == str(org.pk)
    page = client.get(ACCOUNT)
    assert page.context["organization"] == org
    assert escape(f"You are now a member of {org.name}.") in page.content.decode()
    invitation = Invitation.objects.get()
    assert invitation.accepted_by == invitee and invitation.accepted_at is not None
    # Opening the link again just brings the member to the organization.
    assert client.get(path_of(url)).status_code == 302
    assert Membership.objects.filter(organization=org, user=invitee).count() == 1


def test_logged_in_user_with_another_address_is_refused_with_a_clear_page(client, owner, org):
    invitation_create(organization=org, invited_by=owner, email="work@example.com")
    url, _token = invite_link(mail.outbox[0])
    user = verified_user("personal@example.com")
    client.force_login(user)

    for response in (client.get(path_of(url)), client.post(path_of(url))):
        assert response.status_code == 403
        body = response.content.decode()
        assert "This invitation was sent to w…@example.com; sign in with that address" in body
        assert "work@example.com" not in body  # the address is not disclosed to another account
    assert not Membership.objects.filter(organization=org, user=user).exists()
    assert Invitation.objects.get().accepted_at is None


def test_unverified_account_with_the_invited_address_is_asked_to_verify_it(client, owner, org):
    invitation_create(organization=org, invited_by=owner, email="work@example.com")
    url, token = invite_link(mail.outbox[0])
    user = UserFactory(email="Work@Example.com")
    EmailAddress.objects.create(user=user, email="Work@Example.com", verified=False, primary=True)
    client.force_login(user)

    for response in (client.get(path_of(url)), client.post(path_of(url))):
        assert response.status_code == 403
        assert "which you have not verified yet" in response.content.decode()
    assert not Membership.objects.filter(organization=org, user=user).exists()
    with pytest.raises(AccountError):
        invitation_accept(token=token, user=user)

    EmailAddress.objects.filter(user=user).update(verified=True)
    assert client.get(path_of(url)).status_code == 302
    assert Membership.objects.filter(organization=org, user=user).exists()


def test_invitation_service_refuses_an_account_without_the_invited_address(owner, org):
    invitation_create(organization=org, invited_by=owner, email="work@example.com")
    _url, token = invite_link(mail.outbox[0])
    stranger = verified_user("stranger@example.com")
    UserFactory(email="nobody@example.com")  # the invited address on no account is no key either

    with pytest.raises(AccountError, match="sign in with that address"):
        invitation_accept(token=token, user=stranger)

    assert not Membership.objects.filter(organization=org, user=stranger).exists()
    invitee = verified_user("WORK@example.com")
    assert invitation_accept(token=token, user=invitee).organization == org


def test_anonymous_invitee_signs_up_with_the_invited_address_and_joins(client, owner, org, settings):
    settings.ACCOUNT_EMAIL_VERIFICATION = "mandatory"
    invitation_create(organization=org, invited_by=owner, email="fresh@example.com")
    url, token = invite_link(mail.outbox[0])

    page = client.get(path_of(url))

    assert page.status_code == 200
    body = page.content.decode()
    assert "/accounts/signup/?email=fresh%40example.com" in body
    assert client.session[INVITATION_SESSION_KEY] == token

    response = client.post(f"/accounts/signup/?next={path_of(url)}", {
        "email": "fresh@example.com", "password1": "a-Long-pass-42", "password2": "a-Long-pass-42",
    }, follow=True)

    assert response.status_code == 200
    user = response.context["user"]
    assert user.is_authenticated and user.email == "fresh@example.com"
    # The link proved the address: no separate verification email, and the invitation is accepted.
    assert len(mail.outbox) == 1
    assert Membership.objects.get(organization=org, user=user).role == Membership.Role.MEMBER
    assert Membership.objects.filter(user=user, role=Membership.Role.OWNER).exists()  # the personal organization
    assert response.context["organization"] == org
    assert INVITATION_SESSION_KEY not in client.session


def test_anonymous_invitee_logs_in_and_joins_when_the_address_matches(client, owner, org):
    invitee = verified_user("known@example.com")
    invitation_create(organization=org, invited_by=owner, email="KNOWN@example.com")
    url, _token = invite_link(mail.outbox[0])

    page = client.get(path_of(url))
    assert page.context["has_account"] is True
    response = client.post("/accounts/login/", {"login": "known@example.com", "password": PASSWORD})

    assert response.status_code == 302
    assert Membership.objects.filter(organization=org, user=invitee).exists()
    assert client.session[ACTIVE_ORGANIZATION_SESSION_KEY] == str(org.pk)


def test_invitation_is_not_accepted_automatically_for_another_address(client, owner, org):
    invitation_create(organization=org, invited_by=owner, email="intended@example.com")
    url, _token = invite_link(mail.outbox[0])
    other = UserFactory(email="other@example.com")

    client.get(path_of(url))
    client.post("/accounts/login/", {"login": "other@example.com", "password": PASSWORD})

    assert not Membership.objects.filter(organization=org, user=other).exists()
    assert Invitation.objects.get().accepted_at is None
    assert INVITATION_SESSION_KEY not in client.session


def test_invitation_expires_after_14_days(client, owner, org):
    invitation_create(organization=org, invited_by=owner, email="slow@example.com")
    url, _token = invite_link(mail.outbox[0])
    Invitation.objects.update(sent_at=timezone.now() - timedelta(days=14, minutes=1))
    user = UserFactory(email="slow@example.com")
    client.force_login(user)

    response = client.get(path_of(url))

    assert response.status_code == 410 and "expired" in response.content.decode()
    assert not Membership.objects.filter(organization=org, user=user).exists()
    assert client.post(path_of(url)).status_code == 410


def test_unknown_invitation_link_is_404(client):
    assert client.get("/account/invitations/not-a-token/").status_code == 404


# --- active organization ---------------------------------------------------------------------------------------


def test_organization_for_user_prefers_the_active_one_if_the_user_is_a_member(owner, org):
    second = OrganizationFactory()
    Membership.objects.create(organization=second, user=owner)
    stranger_org = OrganizationFactory()

    assert organization_for_user(user=owner) == org
    assert organization_for_user(user=owner, organization_id=second.pk) == second
    assert organization_for_user(user=owner, organization_id=str(stranger_org.pk)) == org
    assert organization_for_user(user=owner, organization_id="garbage") == org


def test_switch_organization(owner_client, owner, org):
    assert 'name="organization"' not in owner_client.get(ACCOUNT).content.decode()  # one organization: no switcher
    second = OrganizationFactory(name="Second Shop")
    Membership.objects.create(organization=second, user=owner)
    assert 'id="id_switch_organization"' in owner_client.get(ACCOUNT).content.decode()

    response = owner_client.post("/account/organization/switch/", {"organization": str(second.pk)})

    assert response.status_code == 302
    assert owner_client.get(ACCOUNT).context["organization"] == second


def test_switching_to_an_organization_of_which_the_user_is_not_a_member_is_404(owner_client, org):
    other = OrganizationFactory()
    assert owner_client.post("/account/organization/switch/", {"organization": str(other.pk)}).status_code == 404
    assert owner_client.post("/account/organization/switch/", {"organization": "nope"}).status_code == 404
    assert owner_client.get(ACCOUNT).context["organization"] == org


def test_removed_member_falls_back_to_their_first_organization(client, owner, org):
    member = member_of(org)
    client.force_login(member)
    act_in(client, org)
    assert client.get(ACCOUNT).context["organization"] == org

    Membership.objects.filter(organization=org, user=member).delete()

    assert client.get(ACCOUNT).context["organization"] == organization_of(member)


# --- API tokens ------------------------------------------------------------------------------------------------


def test_token_key_is_shown_once_and_only_its_hash_is_stored(owner_client, owner, org):
    response = owner_client.post("/account/tokens/", {"name": "ERP sync"})

    # The key is in the answer to the POST itself, which no cache keeps.
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    token = ApiToken.objects.get(user=owner)
    first = response.content.decode()
    key = re.search(r'id="new-token-key"[^>]*value="([^"]+)"', first).group(1)
    assert "it will not be shown again" in first
    assert token.key_hash == key_hash(key) and token.prefix == key[:8] and token.organization == org
    second = owner_client.get(ACCOUNT).content.decode()
    assert key not in second and f"{token.prefix}…" in second and "ERP sync" in second


def test_new_token_key_is_never_stored_in_the_session(owner_client, owner):
    owner_client.post("/account/tokens/", {"name": "ERP sync"})
    token = ApiToken.objects.get(user=owner)

    # Every session row, decoded, as the database holds it once the key was created: no key of that token in it.
    stored = " ".join(str(session.get_decoded()) for session in Session.objects.all())
    assert stored and not any(key_hash(word) == token.key_hash for word in re.findall(r"[A-Za-z0-9_-]{40,}", stored))


def test_token_with_a_taken_name_is_a_field_error_so_a_double_submit_creates_one(owner_client, owner):
    owner_client.post("/account/tokens/", {"name": "CI"})
    response = owner_client.post("/account/tokens/", {"name": "CI"})

    assert response.status_code == 200
    assert "already have a token" in response.context["token_form"].errors["name"][0]
    assert ApiToken.objects.filter(user=owner).count() == 1
    # The key was shown by the first answer only: it is kept nowhere to be shown again.
    assert response.context["new_token"] is None


def test_empty_token_name_is_a_field_error(owner_client, owner):
    response = owner_client.post("/account/tokens/", {"name": ""})
    assert response.status_code == 200 and response.context["token_form"].errors["name"]
    assert not ApiToken.objects.exists()


def test_token_authenticates_the_api_in_its_own_organization(owner, org):
    second = OrganizationFactory()
    Membership.objects.create(organization=second, user=owner)
    mine, theirs = StoreFactory(organization=second), StoreFactory(organization=org)
    token, key = api_token_create(user=owner, organization=second, name="second")
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")

    response = api.get("/api/v1/stores/")

    assert response.status_code == 200
    ids = {row["id"] for row in response.json()["results"]}
    assert str(mine.pk) in ids and str(theirs.pk) not in ids
    token.refresh_from_db()
    assert token.last_used_at is not None
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    assert api.get("/api/v1/stores/").status_code == 200


def test_revoked_token_is_401(owner_client, owner, org):
    token, key = api_token_create(user=owner, organization=org, name="old")
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert api.get("/api/v1/stores/").status_code == 200

    assert owner_client.post(f"/account/tokens/{token.pk}/revoke/").status_code == 302
    assert owner_client.post(f"/account/tokens/{token.pk}/revoke/").status_code == 302  # double submit

    response = api.get("/api/v1/stores/")
    assert response.status_code == 401 and response["WWW-Authenticate"] == "Token"
    assert "old" not in [t.name for t in owner_client.get(ACCOUNT).context["tokens"]]


def test_tokens_of_another_organization_or_user_cannot_be_seen_or_revoked(client, owner, org):
    token, _key = api_token_create(user=owner, organization=org, name="owner-secret-token")
    colleague = member_of(org)
    stranger = UserFactory()

    for user, organization in ((stranger, None), (colleague, org)):
        client.force_login(user)
        if organization:
            act_in(client, organization)
        assert "owner-secret-token" not in client.get(ACCOUNT).content.decode()
        assert client.post(f"/account/tokens/{token.pk}/revoke/").status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


def test_members_of_another_organization_are_not_listed(client, owner, org):
    client.force_login(UserFactory())
    assert "owner@shop.example" not in client.get(ACCOUNT).content.decode()


def test_api_token_get_or_create_returns_a_working_key_and_replaces_the_previous_default(owner):
    first = api_token_get_or_create(user=owner)
    second = api_token_get_or_create(user=owner)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {second}")
    assert api.get("/api/v1/stores/").status_code == 200
    api.credentials(HTTP_AUTHORIZATION=f"Token {first}")
    assert api.get("/api/v1/stores/").status_code == 401
    assert ApiToken.objects.filter(user=owner, name="default", revoked_at__isnull=True).count() == 1


def test_posts_need_a_csrf_token(owner):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(owner)
    assert client.post("/account/tokens/", {"name": "x"}).status_code == 403
    assert not ApiToken.objects.exists()


def test_drf_authtoken_keys_are_carried_over_hashed(owner, org):
    migration = importlib.import_module("accounts.migrations.0003_api_tokens_from_authtoken")
    legacy = Token.objects.create(user=owner)
    key = legacy.key

    migration.forwards(django_apps, None)

    token = ApiToken.objects.get(user=owner)
    assert token.key_hash == key_hash(key) and token.organization == org and token.name == "default"
    assert not Token.objects.exists()
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert api.get("/api/v1/stores/").status_code == 200


def test_user_made_outside_sign_up_gets_a_personal_organization_on_the_account_page(client, django_user_model):
    user = django_user_model.objects.create_user(username="staff@example.com", email="staff@example.com")
    client.force_login(user)

    response = client.get(ACCOUNT)

    assert response.status_code == 200
    assert Membership.objects.get(user=user).role == Membership.Role.OWNER


def test_admin_revokes_tokens_and_never_shows_keys(admin_client, owner, org):
    token, key = api_token_create(user=owner, organization=org, name="leaked")

    page = admin_client.get("/admin/accounts/apitoken/")
    assert page.status_code == 200 and key not in page.content.decode() and token.key_hash not in page.content.decode()
    admin_client.post("/admin/accounts/apitoken/", {"action": "revoke", "_selected_action": [token.pk]})

    token.refresh_from_db()
    assert token.revoked_at is not None
