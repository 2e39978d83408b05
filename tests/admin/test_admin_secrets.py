"""What support sees: credentials only masked on every admin page; a run's progress and errors read-only."""
import re

import pytest
from django.urls import reverse

from migrations_app.enums import RunStatus
from migrations_app.models import EntityProgress
from migrations_app.services.stores import store_create
from tests.factories import MigrationFactory, RecordErrorFactory, RunFactory, UserFactory, organization_of

KEY = "ck_live_0123456789abcdef"
SECRET = "cs_live_fedcba9876543210"
MASKED = ("ck_…cdef", "cs_…3210")


@pytest.fixture
def store(db):
    """A store saved the way owners save one (services.stores.store_create), so its hint is the real one."""
    owner = UserFactory(email="owner@shop.example.com")
    return store_create(organization=organization_of(owner), platform="woocommerce",
                        url="https://secret-shop.example.com", credentials={"consumer_key": KEY,
                                                                              "consumer_secret": SECRET})


@pytest.fixture
def run(store):
    migration = MigrationFactory(organization=store.organization, source_store=store)
    return RunFactory(migration=migration, status=RunStatus.COMPLETED_WITH_ERRORS)


def _pages(store, run) -> dict[str, tuple[str, dict, str]]:
    """Page -> (url, query, text that shows the page is about this store or run)."""
    stores = reverse("admin:migrations_app_store_changelist")
    migrations = reverse("admin:migrations_app_storemigration_changelist")
    return {
        "store change": (reverse("admin:migrations_app_store_change", args=[store.pk]), {}, store.url),
        "store history": (reverse("admin:migrations_app_store_history", args=[store.pk]), {}, store.url),
        "store list": (stores, {}, store.url),
        "store search by url": (stores, {"q": "secret-shop"}, store.url),
        "store search by email": (stores, {"q": "owner@shop.example.com"}, store.url),
        "migration change": (reverse("admin:migrations_app_storemigration_change", args=[run.migration_id]), {},
                             store.url),
        "migration search": (migrations, {"q": "secret-shop"}, store.url),
        "run change": (reverse("admin:migrations_app_migrationrun_change", args=[run.pk]), {}, str(run.pk)),
    }


@pytest.mark.parametrize("page", ["store change", "store history", "store list", "store search by url",
                                  "store search by email", "migration change", "migration search", "run change"])
def test_admin_pages_never_show_credentials_in_clear(admin_client, store, run, page):
    url, query, about = _pages(store, run)[page]

    response = admin_client.get(url, query)

    assert response.status_code == 200
    html = response.content.decode()
    assert about in html
    assert KEY not in html and SECRET not in html
    assert store.credentials_encrypted not in html


def test_admin_store_change_shows_the_masked_hint(admin_client, store):
    response = admin_client.get(reverse("admin:migrations_app_store_change", args=[store.pk]))

    html = response.content.decode()
    for masked in MASKED:
        assert f"<code>{masked}</code>" in html


def test_admin_store_search_does_not_match_on_credentials(admin_client, store):
    response = admin_client.get(reverse("admin:migrations_app_store_changelist"), {"q": SECRET})

    assert response.context["cl"].result_count == 0


def test_admin_run_change_shows_progress_and_errors_read_only(admin_client, run):
    EntityProgress.objects.filter(run=run, entity="products").update(total=40, done=37, failed=3)
    RecordErrorFactory(run=run, entity="products", source_id="4242", message="Price is not a number: 'abc'.")

    response = admin_client.get(reverse("admin:migrations_app_migrationrun_change", args=[run.pk]))

    html = response.content.decode()
    assert re.search(r'class="field-done">\s*<p>37</p>', html)
    assert re.search(r'class="field-total">\s*<p>40</p>', html)
    assert re.search(r'class="field-source_id">\s*<p>4242</p>', html)
    assert "Price is not a number: &#x27;abc&#x27;." in html
    # Read-only: no editable field in any inline row (only the hidden ids Django always renders), no "add
    # another", no delete box, no save button.
    assert re.search(r'type="hidden" name="progress-0-id"', html)
    assert not re.search(r'<(input|select|textarea)(?![^>]*type="hidden")[^>]*name="(progress|record_errors)-\d+-',
                         html)
    assert "add-row" not in html and "DELETE" not in html
    assert 'name="_save"' not in html
