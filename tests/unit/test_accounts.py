from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from accounts.keys import key_hash
from accounts.models import ApiToken, Membership
from accounts.selectors import organization_for_user
from accounts.services import user_create


def test_signup_creates_a_personal_organization_with_the_user_as_owner(client, db):
    response = client.post("/accounts/signup/", {"email": "new@shop.example", "password1": "a-Long-pass-42",
                                                 "password2": "a-Long-pass-42"})
    assert response.status_code == 302
    user = get_user_model().objects.get(email="new@shop.example")
    membership = Membership.objects.get(user=user)
    assert membership.role == Membership.Role.OWNER
    assert organization_for_user(user=user) == membership.organization


def test_api_token_command_creates_a_token_and_prints_its_key_once(db):
    user = user_create(email="tok@shop.example", password="x-123456789")
    out = StringIO()
    call_command("api_token", "TOK@shop.example", "--name", "ci", stdout=out)
    key = out.getvalue().strip()
    token = ApiToken.objects.get(user=user)
    assert token.name == "ci" and token.key_hash == key_hash(key) and token.prefix == key[:8]
    assert token.organization == organization_for_user(user=user)
    assert not ApiToken.objects.filter(key_hash=key).exists()  # the key itself is stored nowhere
    with pytest.raises(CommandError, match="already have a token"):
        call_command("api_token", "tok@shop.example", "--name", "ci")
    with pytest.raises(CommandError, match="No user"):
        call_command("api_token", "nobody@shop.example")


def test_email_verification_is_mandatory_in_production_settings():
    import importlib
    import os

    env = {"DJANGO_SECRET_KEY": "prod-secret", "MIGRATOR_ENCRYPTION_KEY": "k", "DJANGO_ALLOWED_HOSTS": "a.example"}
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        production = importlib.import_module("migrator.settings.production")
        production = importlib.reload(production)
        assert production.ACCOUNT_EMAIL_VERIFICATION == "mandatory"
        assert production.DEBUG is False and production.SESSION_COOKIE_SECURE
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
