"""API fixtures: a member of one organization with a token client, and a member of another organization."""
import pytest
from rest_framework.test import APIClient

from accounts.services import api_token_create
from tests.factories import UserFactory, organization_of


def token_client(user) -> APIClient:
    """A client sending `Authorization: Token <key>` with a new token of `user` in its first organization."""
    _token, key = api_token_create(user=user, organization=organization_of(user), name="tests")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


@pytest.fixture
def user(db):
    return UserFactory()


@pytest.fixture
def organization(user):
    return organization_of(user)


@pytest.fixture
def api_client(user) -> APIClient:
    """Authenticated with `Authorization: Token <key>` as `user`, acting in `organization`."""
    return token_client(user)


@pytest.fixture
def other_user(db):
    return UserFactory()


@pytest.fixture
def other_organization(other_user):
    return organization_of(other_user)


@pytest.fixture
def other_org_client(other_user) -> APIClient:
    """A member of another organization: everything of `organization` must be a 404 for it."""
    return token_client(other_user)
