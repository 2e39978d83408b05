"""What the page tests share: an owner (a verified user with an organization of their own), that
organization, and a browser client logged in as the owner. A test file may define its own `owner`."""
import pytest

from tests.factories import PASSWORD, UserFactory, organization_of


@pytest.fixture
def owner():
    return UserFactory()


@pytest.fixture
def org(owner):
    return organization_of(owner)


@pytest.fixture
def client_in(client, owner):
    client.login(username=owner.email, password=PASSWORD)
    return client
