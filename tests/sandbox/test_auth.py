import base64
import hashlib
import hmac
import time
from urllib.parse import quote, urlencode

from django.test import Client

from .conftest import WooApi

PATH = "/sandbox/woocommerce/unit-store/wp-json/wc/v3/products"


def test_auth_basic_credentials_list_products(woo):
    response = woo.get("products")
    assert response.status_code == 200
    assert response.json() == []


def test_auth_query_string_credentials_accepted(woo_store):
    response = Client().get(
        PATH, {"consumer_key": woo_store.consumer_key, "consumer_secret": woo_store.consumer_secret}
    )
    assert response.status_code == 200


def test_auth_wrong_key_answers_woocommerce_error_shape(woo_store):
    response = Client().get(PATH, {"consumer_key": "ck_wrong", "consumer_secret": "cs_wrong"})
    assert response.status_code == 401
    assert response.json() == {
        "code": "woocommerce_rest_authentication_error",
        "message": "Consumer key is invalid.",
        "data": {"status": 401},
    }


def test_auth_wrong_secret_is_rejected(woo_store):
    token = base64.b64encode(f"{woo_store.consumer_key}:cs_nope".encode()).decode()
    response = Client().get(PATH, HTTP_AUTHORIZATION=f"Basic {token}")
    assert response.status_code == 401
    assert response.json()["message"] == "Consumer secret is invalid."


def test_auth_missing_credentials_cannot_list(woo_store):
    response = Client().get(PATH)
    assert response.status_code == 401
    assert response.json()["code"] == "woocommerce_rest_cannot_view"


def test_auth_read_only_key_reads_but_cannot_write(woo_store):
    api = WooApi(woo_store, read_only=True)
    assert api.get("products").status_code == 200
    response = api.post("products", {"name": "Nope"})
    assert response.status_code == 401
    assert response.json() == {
        "code": "woocommerce_rest_authentication_error",
        "message": "The API key provided does not have write permissions.",
        "data": {"status": 401},
    }
    assert api.get("products").json() == []


def _oauth_url(url: str, method: str, key: str, secret: str, params: dict) -> str:
    """Sign as the official `woocommerce` Python client does (OAuth 1.0a one-legged, HMAC-SHA256)."""
    params = {**params, "oauth_consumer_key": key, "oauth_timestamp": str(int(time.time())),
              "oauth_nonce": "abc123", "oauth_signature_method": "HMAC-SHA256"}
    pairs = [
        f"{quote(k).replace('%', '%25')}%3D{quote(str(v)).replace('%', '%25')}" for k, v in sorted(params.items())
    ]
    base = f"{method}&{quote(url, safe='')}&{'%26'.join(pairs)}"
    signature = base64.b64encode(hmac.new(f"{secret}&".encode(), base.encode(), hashlib.sha256).digest()).decode()
    return f"{url}?{urlencode({**params, 'oauth_signature': signature})}"


def test_auth_oauth1_signature_accepted_and_bad_signature_rejected(woo_store):
    url = f"http://testserver{PATH}"
    signed = _oauth_url(url, "GET", woo_store.consumer_key, woo_store.consumer_secret, {"per_page": "5"})
    assert Client().get(signed).status_code == 200
    forged = _oauth_url(url, "GET", woo_store.consumer_key, "cs_wrong", {"per_page": "5"})
    response = Client().get(forged)
    assert response.status_code == 401
    assert response.json()["message"] == "Invalid signature - provided signature does not match."
