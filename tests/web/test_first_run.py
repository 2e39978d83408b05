"""The first minutes: a new account tries the product on sample stores with one click (local and test settings),
and the landing page lists the platforms of the registry, nothing planned."""
from urllib.parse import urlsplit

import pytest

from connectors.registry import all_connectors
from migrations_app.enums import MigrationState
from migrations_app.models import StoreMigration
from sandbox.models import SandboxStore
from tests.factories import UserFactory, organization_of

# The live server checks the sample stores a test creates: they must be committed.
pytestmark = pytest.mark.django_db(transaction=True)


def test_a_new_account_tries_sample_stores_with_one_click(client, live_server):
    host = urlsplit(live_server.url).netloc  # the view checks the stores at the address it is served on
    owner, other = UserFactory(), UserFactory()
    client.force_login(owner)
    assert 'data-test="try-samples"' in client.get("/migrations/").content.decode()

    response = client.post("/migrations/samples/", HTTP_HOST=host)

    migration = StoreMigration.objects.get(organization=organization_of(owner))
    assert response.status_code == 302 and response["Location"] == f"/migrations/{migration.pk}/configure/"
    assert migration.state == MigrationState.DRAFT
    for store in (migration.source_store, migration.target_store):
        assert store.last_check_ok, store.last_check_error
    assert migration.source_store.last_check_info["counts"]["products"] > 0  # a seeded source
    assert migration.target_store.last_check_info["counts"].get("products", 0) == 0  # an empty target

    client.force_login(other)
    client.post("/migrations/samples/", HTTP_HOST=host)
    theirs = StoreMigration.objects.get(organization=organization_of(other))
    # The source is shared (only read); each account writes into a target of its own.
    assert theirs.source_store.url == migration.source_store.url
    assert theirs.target_store.url != migration.target_store.url
    assert SandboxStore.objects.filter(name__endswith=organization_of(other).pk.hex[:8]).count() == 1


def test_sample_stores_are_not_offered_without_the_sandbox(client, settings):
    settings.SANDBOX_ENABLED = False
    client.force_login(UserFactory())

    assert 'data-test="try-samples"' not in client.get("/migrations/").content.decode()
    assert client.post("/migrations/samples/").status_code == 404


def test_landing_page_lists_the_platforms_of_the_registry_only(client):
    html = client.get("/").content.decode()

    for cls in all_connectors().values():
        assert cls.label in html
    for planned in ("Magento", "PrestaShop", "CSV"):
        if not any(planned in cls.label for cls in all_connectors().values()):
            assert planned not in html
