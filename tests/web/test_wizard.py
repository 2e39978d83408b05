"""The setup wizard through the Django test client, against WooCommerce sandbox stores over real HTTP."""
import re

import pytest

from migrations_app.enums import MigrationState, RunKind
from migrations_app.models import MigrationRun, Store, StoreMigration
from tests.factories import PASSWORD, UserFactory, organization_of

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def pair(woo_store_factory):
    source = woo_store_factory("old-shop", title="Old shop", products=6, customers=4, orders=5, languages=["en", "de"])
    target = woo_store_factory("new-shop", title="New shop", languages=["en", "fr"])
    return source, target


def side_post(side: str, store: dict, key: str, **override) -> dict:
    data = {
        "side": side, "wizard_key": key,
        f"{side}-platform": "woocommerce", f"{side}-url": store["base_url"],
        f"{side}-cred_consumer_key": store["credentials"]["consumer_key"],
        f"{side}-cred_consumer_secret": store["credentials"]["consumer_secret"],
    }
    data.update({f"{side}-{k}": v for k, v in override.items()})
    return data


def wizard_key_of(html: str) -> str:
    return re.search(r'name="wizard_key" value="([0-9a-f]+)"', html).group(1)


def test_wizard_setup_configure_review_start(client_in, owner, pair):
    source, target = pair
    page = client_in.get("/migrations/new/")
    assert page.status_code == 200
    key = wizard_key_of(page.content.decode())

    # A double submit of the first check lands on one draft.
    for _ in range(2):
        response = client_in.post("/migrations/new/", side_post("source", source, key))
        assert response.status_code == 302
    drafts = StoreMigration.objects.filter(organization=organization_of(owner))
    assert drafts.count() == 1
    migration = drafts.get()
    assert migration.state == MigrationState.DRAFT and migration.source_store.last_check_ok
    assert response["Location"] == f"/migrations/{migration.pk}/setup/"

    # Configure is refused until the target passes its check too.
    assert client_in.get(f"/migrations/{migration.pk}/configure/")["Location"].endswith("/setup/")
    response = client_in.post(f"/migrations/{migration.pk}/setup/", side_post("target", target, key))
    assert response.status_code == 302
    setup = client_in.get(f"/migrations/{migration.pk}/setup/").content.decode()
    assert "Connected to New shop" in setup and "Connected to Old shop" in setup
    assert target["credentials"]["consumer_secret"] not in setup  # secrets never come back

    configure = client_in.get(f"/migrations/{migration.pk}/configure/")
    html = configure.content.decode()
    assert configure.status_code == 200
    assert 'value="products"' in html and "Language mapping" in html and "Order status mapping" in html

    # Orders without products and customers: the error is shown next to the entities.
    response = client_in.post(f"/migrations/{migration.pk}/configure/", {"entities": ["orders"]})
    assert response.status_code == 200
    assert 'id="entities-errors"' in response.content.decode()
    assert "need products and customers" in response.content.decode()

    response = client_in.post(f"/migrations/{migration.pk}/configure/", {
        "entities": ["categories", "products", "customers", "orders"],
        "opt_clear_target": "on", "opt_clear_scope": "created", "opt_migrate_images": "on",
        "lang_en": "en", "lang_de": "", "status_processing": "on-hold",
    })
    assert response.status_code == 302 and response["Location"].endswith("/review/")
    migration.refresh_from_db()
    assert migration.state == MigrationState.READY
    assert migration.entities == ["categories", "products", "customers", "orders"]
    assert migration.options["clear_target"] is True and migration.options["clear_scope"] == "created"
    assert migration.language_mapping == {"en": "en", "de": ""}
    assert migration.status_mapping["processing"] == "on-hold"

    review = client_in.get(f"/migrations/{migration.pk}/review/").content.decode()
    assert "Start free demo" in review and "Start full migration" in review
    request_key = re.search(r'name="request_key" value="([0-9a-f]+demo)"', review).group(1)

    # Two submits of the same start form: one run.
    first = client_in.post(f"/migrations/{migration.pk}/start/", {"kind": "demo", "request_key": request_key})
    second = client_in.post(f"/migrations/{migration.pk}/start/", {"kind": "demo", "request_key": request_key})
    runs = MigrationRun.objects.filter(migration=migration)
    assert runs.count() == 1 and runs.get().kind == RunKind.DEMO
    assert first["Location"] == second["Location"] == f"/runs/{runs.get().pk}/"


def test_wizard_failed_check_says_which_url_and_why(client_in, pair):
    source, _ = pair
    page = client_in.get("/migrations/new/").content.decode()
    key = wizard_key_of(page)
    response = client_in.post("/migrations/new/", side_post("source", source, key, cred_consumer_secret="cs_wrong"),
                              HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-test="check-failed-source"' in html
    assert source["base_url"] in html and "HTTP 401" in html
    assert "cs_wrong" not in html
    assert 'data-test="continue-disabled"' in html
    store = Store.objects.get()
    assert store.last_check_ok is False


def test_wizard_bad_fields_are_shown_next_to_them(client_in):
    page = client_in.get("/migrations/new/").content.decode()
    key = wizard_key_of(page)
    response = client_in.post("/migrations/new/", {
        "side": "source", "wizard_key": key, "source-platform": "woocommerce", "source-url": "ftp://nope",
        "source-cred_consumer_key": "", "source-cred_consumer_secret": "",
    })
    html = response.content.decode()
    assert response.status_code == 200
    assert "must start with http:// or https://" in html
    assert "Consumer key is required." in html
    assert StoreMigration.objects.count() == 0 and Store.objects.count() == 0


def test_wizard_platform_fields_partial(client_in):
    response = client_in.get("/migrations/new/fields/?side=target&target-platform=woocommerce")
    assert response.status_code == 200
    assert 'name="target-cred_consumer_key"' in response.content.decode()


def test_other_organization_gets_404_on_wizard_and_migration_pages(client, pair, client_in):
    source, target = pair
    key = wizard_key_of(client_in.get("/migrations/new/").content.decode())
    client_in.post("/migrations/new/", side_post("source", source, key))
    migration = StoreMigration.objects.get()
    stranger = UserFactory()
    client.logout()
    client.login(username=stranger.email, password=PASSWORD)
    for url in (f"/migrations/{migration.pk}/setup/", f"/migrations/{migration.pk}/configure/",
                f"/migrations/{migration.pk}/review/", f"/migrations/{migration.pk}/"):
        assert client.get(url).status_code == 404, url
    assert client.post(f"/migrations/{migration.pk}/setup/", side_post("target", target, key)).status_code == 404
    assert client.post(f"/migrations/{migration.pk}/start/", {"kind": "demo"}).status_code == 404
    assert str(migration.pk) not in client.get("/migrations/").content.decode()


def test_wizard_check_shows_a_connected_stores_warnings(client_in, shopify_store_factory):
    """A Shopify token without read_all_orders connects, and the check says what that costs."""
    from sandbox.models import SandboxStore

    shop = shopify_store_factory("scoped-shop", products=2, orders=6, seed=2)
    store = SandboxStore.objects.get(platform="shopify", name="scoped-shop")
    store.settings = {**store.settings, "withheld_scopes": ["read_all_orders"]}
    store.save(update_fields=["settings"])
    key = wizard_key_of(client_in.get("/migrations/new/").content.decode())
    response = client_in.post("/migrations/new/", {
        "side": "source", "wizard_key": key, "source-platform": "shopify", "source-url": shop["base_url"],
        "source-cred_access_token": shop["credentials"]["access_token"]}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert 'data-test="check-ok-source"' in html
    assert 'data-test="check-warning-source"' in html and "read_all_orders" in html and "60 days" in html
