"""allauth's pages and emails in the site's layout and style: sign-in, sign-up, sign-out, password reset, email
verification; the real emails in mail.outbox, followed with the test client."""
import re

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.cache import cache

from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

SITE_HEADER = 'class="site-header"'
LINK = re.compile(r"https?://[^\s\"<>]+")


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    """allauth rate-limits emails per address and IP in the cache, which outlives a test."""
    cache.clear()
    yield
    cache.clear()


def assert_site_page(response) -> str:
    assert response.status_code == 200
    body = response.content.decode()
    assert SITE_HEADER in body and "css/accounts.css" in body and "css/site.css" in body
    return body


def links_in(message, fragment: str) -> str:
    """The link containing `fragment`, present in both the text and the HTML version of the email."""
    assert len(message.alternatives) == 1 and message.alternatives[0][1] == "text/html"
    html = message.alternatives[0][0]
    text_links = [link for link in LINK.findall(message.body) if fragment in link]
    html_links = [link for link in LINK.findall(html) if fragment in link]
    assert text_links and html_links and text_links[0] == html_links[0]
    assert "<table" in html and "Cartmigrate" in html
    return text_links[0]


def path_of(url: str) -> str:
    return re.sub(r"^https?://[^/]+", "", url)


@pytest.mark.parametrize("path", [
    "/accounts/login/",
    "/accounts/signup/",
    "/accounts/password/reset/",
    "/accounts/password/reset/done/",
    "/accounts/confirm-email/",
    "/accounts/confirm-email/not-a-real-key/",
])
def test_allauth_page_renders_in_the_site_layout(client, path):
    body = assert_site_page(client.get(path))
    assert "<h1>" in body


def test_login_page_form_uses_the_site_form_style(client):
    body = assert_site_page(client.get("/accounts/login/"))
    assert 'class="auth-form card"' in body and 'class="field' in body and 'class="btn"' in body
    assert 'for="id_login"' in body and 'for="id_password"' in body


def test_logout_confirmation_page(client):
    client.force_login(UserFactory())
    body = assert_site_page(client.get("/accounts/logout/"))
    assert 'action="/accounts/logout/"' in body


def test_password_change_page(client):
    client.force_login(UserFactory())
    assert_site_page(client.get("/accounts/password/change/"))


def test_wrong_password_shows_the_error_above_the_fields(client):
    UserFactory(email="someone@example.com")
    body = assert_site_page(client.post("/accounts/login/", {"login": "someone@example.com", "password": "wrong"}))
    assert 'class="error-box"' in body and "not correct" in body


def test_signup_errors_are_under_their_field(client):
    body = assert_site_page(client.post("/accounts/signup/", {
        "email": "not-an-email", "password1": "a-Long-pass-42", "password2": "a-Long-pass-42",
    }))
    field = body[body.index('<div class="field has-error">'):]
    assert field.index('name="email"') < field.index('class="errorlist"') < field.index('name="password1"')


def test_login_lands_on_my_migrations(client):
    UserFactory(email="owner@example.com")
    response = client.post("/accounts/login/", {"login": "owner@example.com", "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/migrations/"


def test_signup_sends_a_styled_verification_email_whose_link_verifies_the_address(client, settings):
    settings.ACCOUNT_EMAIL_VERIFICATION = "mandatory"

    response = client.post("/accounts/signup/", {
        "email": "verify-me@shop.example", "password1": "a-Long-pass-42", "password2": "a-Long-pass-42",
    }, follow=True)

    assert_site_page(response)  # "verify your email address" page
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["verify-me@shop.example"]
    assert message.subject.startswith("Cartmigrate: ") and "example.com]" not in message.subject
    url = links_in(message, "/accounts/confirm-email/")
    address = EmailAddress.objects.get(email="verify-me@shop.example")
    assert not address.verified

    page = client.get(path_of(url))
    body = assert_site_page(page)
    assert "verify-me@shop.example" in body and 'method="post"' in body
    client.post(path_of(url))

    address.refresh_from_db()
    assert address.verified
    login = client.post("/accounts/login/", {"login": "verify-me@shop.example", "password": "a-Long-pass-42"})
    assert login.status_code == 302 and login["Location"] == "/migrations/"


def test_adding_an_address_sends_the_confirmation_email_in_the_site_style(client):
    user = UserFactory(email="first@example.com")
    client.force_login(user)

    client.post("/accounts/email/", {"email": "second@example.com", "action_add": ""})

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["second@example.com"] and "finish signing up" not in message.subject
    url = links_in(message, "/accounts/confirm-email/")
    client.post(path_of(url))
    assert EmailAddress.objects.get(email="second@example.com").verified


def test_password_reset_email_link_sets_a_new_password(client):
    UserFactory(email="forgetful@example.com")

    response = client.post("/accounts/password/reset/", {"email": "forgetful@example.com"}, follow=True)

    assert_site_page(response)  # the "we have sent you an email" page
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.subject == "Cartmigrate: Reset your password"
    url = links_in(message, "/accounts/password/reset/key/")

    page = client.get(path_of(url), follow=True)
    body = assert_site_page(page)
    assert 'name="password1"' in body
    done = client.post(page.redirect_chain[-1][0] if page.redirect_chain else path_of(url), {
        "password1": "Brand-new-pass-77", "password2": "Brand-new-pass-77",
    }, follow=True)

    assert_site_page(done)
    assert get_user_model().objects.get(email="forgetful@example.com").check_password("Brand-new-pass-77")


def test_password_reset_with_mismatched_passwords_shows_the_error_under_the_field(client):
    UserFactory(email="forgetful@example.com")
    client.post("/accounts/password/reset/", {"email": "forgetful@example.com"})
    page = client.get(path_of(links_in(mail.outbox[0], "/accounts/password/reset/key/")), follow=True)

    response = client.post(page.redirect_chain[-1][0], {"password1": "Brand-new-pass-77", "password2": "other-77"})

    body = assert_site_page(response)
    field = body[body.index('<div class="field has-error">'):]
    assert field.index('name="password2"') < field.index('class="errorlist"')


def test_password_reset_for_an_unknown_address_sends_a_styled_email_without_revealing_it(client):
    response = client.post("/accounts/password/reset/", {"email": "nobody@example.com"}, follow=True)

    assert_site_page(response)
    assert len(mail.outbox) == 1
    links_in(mail.outbox[0], "/accounts/signup/")


def test_signing_up_again_with_a_known_address_sends_a_styled_email(client, settings):
    settings.ACCOUNT_EMAIL_VERIFICATION = "mandatory"
    UserFactory(email="taken@example.com")

    client.post("/accounts/signup/", {
        "email": "taken@example.com", "password1": "a-Long-pass-42", "password2": "a-Long-pass-42",
    })

    assert [m.to for m in mail.outbox] == [["taken@example.com"]]
    assert mail.outbox[0].subject == "Cartmigrate: You already have an account"
    links_in(mail.outbox[0], "/accounts/password/reset/")
