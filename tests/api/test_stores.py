import pytest

from migrations_app.models import Store
from tests.factories import WOO_CREDENTIALS, MigrationFactory, StoreFactory

URL = "/api/v1/stores/"
SECRET = "cs_this_is_the_real_secret_1234"
KEY = "ck_this_is_the_real_key_5678"


def _create(client, **overrides):
    payload = {
        "platform": "woocommerce",
        "url": "https://shop.example.com",
        "credentials": {"consumer_key": KEY, "consumer_secret": SECRET},
        **overrides,
    }
    return client.post(URL, payload, format="json")


def test_store_create_never_returns_credentials(api_client, organization):
    response = _create(api_client)

    assert response.status_code == 201, response.content
    body = response.json()
    assert "credentials" not in body
    assert body["credentials_hint"] == {"consumer_key": "ck_…5678", "consumer_secret": "cs_…1234"}
    assert body["platform"] == "woocommerce"
    assert body["url"] == "https://shop.example.com"
    assert body["last_check_ok"] is None
    store = Store.objects.get(pk=body["id"])
    assert store.organization == organization
    assert SECRET not in store.credentials_encrypted
    for path in (URL, f"{URL}{store.pk}/"):
        assert SECRET.encode() not in api_client.get(path).content
        assert KEY.encode() not in api_client.get(path).content
    assert SECRET.encode() not in response.content


def test_store_create_missing_credential_field_is_that_fields_error(api_client):
    response = _create(api_client, credentials={"consumer_key": KEY})

    assert response.status_code == 400
    body = response.json()
    assert list(body["errors"]) == ["credentials.consumer_secret"]
    assert body["detail"]
    assert not Store.objects.exists()


def test_store_create_unknown_platform_is_field_error(api_client):
    response = _create(api_client, platform="oscommerce-1999")

    assert response.status_code == 400
    assert "oscommerce-1999" in response.json()["errors"]["platform"][0]


def test_store_create_malformed_input_is_field_errors(api_client):
    response = api_client.post(URL, {"url": "https://shop.example.com", "credentials": "nope"}, format="json")

    assert response.status_code == 400
    errors = response.json()["errors"]
    assert set(errors) == {"platform", "credentials"}


def test_store_create_nested_credential_errors_use_dotted_field_names(api_client):
    response = _create(api_client, credentials={"consumer_key": None, "consumer_secret": SECRET})

    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["credentials.consumer_key"]


def test_store_list_is_scoped_to_organization(api_client, organization, other_organization):
    mine = StoreFactory(organization=organization)
    StoreFactory(organization=other_organization)

    response = api_client.get(URL)

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1
    assert [s["id"] for s in body["results"]] == [str(mine.pk)]
    assert body["results"][0]["last_check_info"]["counts"]["products"] == 40
    assert WOO_CREDENTIALS["consumer_secret"].encode() not in response.content


def test_store_retrieve_shows_store(api_client, organization):
    store = StoreFactory(organization=organization)

    body = api_client.get(f"{URL}{store.pk}/").json()

    assert set(body) == {
        "id", "platform", "url", "name", "credentials_hint", "last_check_at", "last_check_ok", "last_check_info",
        "last_check_error", "created_at",
    }
    assert body["last_check_ok"] is True


@pytest.mark.parametrize(
    ("method", "suffix"), [("get", ""), ("delete", ""), ("post", "check/")], ids=["retrieve", "delete", "check"]
)
def test_store_of_other_organization_is_404(other_org_client, organization, method, suffix):
    store = StoreFactory(organization=organization)

    response = getattr(other_org_client, method)(f"{URL}{store.pk}/{suffix}")

    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}
    assert Store.objects.filter(pk=store.pk, last_check_ok=True).exists()


def test_store_delete_removes_store(api_client, organization):
    store = StoreFactory(organization=organization)

    response = api_client.delete(f"{URL}{store.pk}/")

    assert response.status_code == 204
    assert not Store.objects.filter(pk=store.pk).exists()


def test_store_delete_used_by_migration_is_409(api_client, organization):
    migration = MigrationFactory(organization=organization)

    response = api_client.delete(f"{URL}{migration.source_store.pk}/")

    assert response.status_code == 409
    assert "migration" in response.json()["detail"]
    assert Store.objects.filter(pk=migration.source_store.pk).exists()


def test_store_check_unreachable_store_says_which_url_failed(api_client, organization, settings):
    settings.MIGRATOR_HTTP_MAX_RETRIES = 0
    store = StoreFactory(organization=organization, url="http://127.0.0.1:9", checked=False)

    response = api_client.post(f"{URL}{store.pk}/check/")

    assert response.status_code == 200
    body = response.json()
    assert body["ok"] is False
    assert "127.0.0.1:9" in body["url"]
    assert "127.0.0.1:9" in body["message"]
    assert body["store"]["last_check_ok"] is False
    store.refresh_from_db()
    assert store.last_check_ok is False
    assert store.last_check_at is not None


def test_store_check_sandbox_woocommerce_store(api_client, woo_store_factory):
    sandbox = woo_store_factory("api-check", products=3, customers=2)
    created = api_client.post(
        URL, {"platform": "woocommerce", "url": sandbox["base_url"], "credentials": sandbox["credentials"]},
        format="json",
    )
    assert created.status_code == 201, created.content

    response = api_client.post(f"{URL}{created.json()['id']}/check/")

    assert response.status_code == 200
    body = response.json()
    assert body["ok"] is True, body
    assert body["name"]
    assert body["counts"]["products"] == 3
    assert body["counts"]["customers"] == 2
    assert body["store"]["last_check_ok"] is True
    assert sandbox["credentials"]["consumer_secret"].encode() not in response.content


def test_store_create_refuses_private_addresses_unless_allowed(api_client, settings):
    settings.MIGRATOR_ALLOW_PRIVATE_URLS = False
    for url in ("http://127.0.0.1:8000", "http://10.1.2.3", "http://169.254.169.254/latest"):
        response = _create(api_client, url=url)
        assert response.status_code == 400, url
        assert "private or local address" in response.json()["errors"]["url"][0]
    assert not Store.objects.exists()


@pytest.mark.parametrize("url", ["http://[::1", "http://a:99999/", "http://127.0.0.1:8102:80/", "http://[::1]:abc/",
                                 "http://" + "a" * 300 + ".example/"])
def test_store_create_with_a_malformed_url_is_a_400_on_the_url_field_and_saves_nothing(api_client, url):
    response = _create(api_client, url=url)
    assert response.status_code == 400, response.content
    assert "not a valid" in " ".join(response.json()["errors"]["url"])
    assert not Store.objects.exists()
