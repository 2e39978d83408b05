"""WooCommerce's own Python library (`woocommerce` on PyPI) against the sandbox, unchanged: over plain HTTP
it signs every request with OAuth 1.0a (one-legged), as the REST API documents for non-HTTPS stores."""
import pytest
from woocommerce import API

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_official_client_lists_pages_and_writes(woo_store_factory):
    store = woo_store_factory("lib-shop", products=12, customers=3, seed=5)
    api = API(url=store["base_url"], consumer_key=store["credentials"]["consumer_key"],
              consumer_secret=store["credentials"]["consumer_secret"], version="wc/v3", timeout=15)
    first = api.get("products", params={"per_page": 5, "orderby": "id", "order": "asc"})
    assert first.status_code == 200, first.text
    assert len(first.json()) == 5 and first.headers["X-WP-Total"] == "12" and first.headers["X-WP-TotalPages"] == "3"
    made = api.post("products", {"name": "From the library", "type": "simple", "regular_price": "9.50",
                                 "sku": "LIB-1"})
    assert made.status_code == 201, made.text
    assert api.get(f"products/{made.json()['id']}").json()["sku"] == "LIB-1"
    taken = api.post("products", {"name": "Twice", "sku": "LIB-1"})
    assert taken.status_code == 400 and taken.json()["code"] == "product_invalid_sku"
    refused = API(url=store["base_url"], consumer_key=store["credentials"]["consumer_key"],
                  consumer_secret="cs_wrong", version="wc/v3", timeout=15).get("products")
    assert refused.status_code == 401
