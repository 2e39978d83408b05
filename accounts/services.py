"""Writes on organizations and memberships."""
from django.contrib.auth import get_user_model
from django.db import transaction
from rest_framework.authtoken.models import Token

from .models import Membership, Organization


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


def api_token_get_or_create(*, user) -> str:
    token, _ = Token.objects.get_or_create(user=user)
    return token.key
