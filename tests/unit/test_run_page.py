import pytest

from accounts.models import Membership
from tests.factories import RunFactory, UserFactory


@pytest.fixture
def run(db):
    return RunFactory()


def test_run_page_shows_progress_to_its_organization(client, run):
    member = UserFactory()
    Membership.objects.filter(user=member).delete()  # act in the run's organization only
    Membership.objects.create(organization=run.organization, user=member)
    client.force_login(member)
    response = client.get(f"/runs/{run.pk}/")
    assert response.status_code == 200
    body = response.content.decode()
    assert str(run.migration_id) in body and "Products" in body


def test_run_page_is_404_for_another_organization(client, run):
    client.force_login(UserFactory())
    assert client.get(f"/runs/{run.pk}/").status_code == 404


def test_run_page_needs_login(client, run):
    assert client.get(f"/runs/{run.pk}/").status_code == 302
