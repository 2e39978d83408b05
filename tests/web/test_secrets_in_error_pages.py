"""Store credentials stay out of error reports: with DEBUG on, Django's 500 page lists every frame's local
variables and the POST data; none of them may show a store's secret (issue 13, finding 6)."""
import pytest
from django.test import Client

from connectors.woocommerce.connector import WooCommerceConnector
from migrations_app.services import stores
from migrations_app.services.crypto import credentials_decrypt, credentials_encrypt
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

KEY = "ck_debugpage_key_0123456789abcdef"
SECRET = "cs_debugpage_secret_fedcba9876543210"


@pytest.fixture
def debug_client(settings):
    settings.DEBUG = True
    client = Client(raise_request_exception=False)
    client.force_login(UserFactory())
    return client


def _assert_debug_page_without_secrets(response):
    body = response.content.decode()
    assert response.status_code == 500
    assert "Traceback" in body and "Local vars" in body  # the technical 500 page, with its frames
    assert SECRET not in body and KEY not in body


def test_debug_500_page_of_the_wizard_check_shows_no_credentials(debug_client, monkeypatch):
    def crash(self):
        key, secret = self._auth()  # the connector holds the credentials in its frame when it fails
        raise RuntimeError(f"unexpected failure after reading {len(key) + len(secret)} characters")

    monkeypatch.setattr(WooCommerceConnector, "check_connection", crash)

    response = debug_client.post("/migrations/new/", {
        "side": "source", "wizard_key": "debug-page", "source-platform": "woocommerce",
        "source-url": "http://127.0.0.1:9/", "source-cred_consumer_key": KEY, "source-cred_consumer_secret": SECRET,
    })

    _assert_debug_page_without_secrets(response)


def test_debug_500_page_of_the_store_api_shows_no_credentials(debug_client, monkeypatch):
    def crash(cls, clean):
        raise RuntimeError("unexpected failure while saving the store")

    monkeypatch.setattr(stores, "_hint", crash)

    response = debug_client.post("/api/v1/stores/", {
        "platform": "woocommerce", "url": "http://127.0.0.1:9/",
        "credentials": {"consumer_key": KEY, "consumer_secret": SECRET},
    }, content_type="application/json")

    _assert_debug_page_without_secrets(response)


def test_decrypted_credentials_print_without_their_values():
    credentials = credentials_decrypt(credentials_encrypt({"consumer_key": KEY, "consumer_secret": SECRET}))

    assert credentials["consumer_secret"] == SECRET and dict(credentials) == {"consumer_key": KEY,
                                                                              "consumer_secret": SECRET}
    for shown in (repr(credentials), str(credentials), f"{credentials}", repr([credentials])):
        assert SECRET not in shown and KEY not in shown
    assert "consumer_secret" in repr(credentials)
