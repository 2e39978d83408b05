import base64
import json

import pytest
from django.test import Client

from sandbox.services import sandbox_seed, sandbox_store_create


class WooApi:
    """Django test client speaking to one sandbox store's wc/v3 API with its keys."""

    def __init__(self, store, *, read_only: bool = False):
        self.store = store
        self.client = Client()
        key, secret = (
            (store.read_only_consumer_key, store.read_only_consumer_secret)
            if read_only
            else (store.consumer_key, store.consumer_secret)
        )
        self.auth = "Basic " + base64.b64encode(f"{key}:{secret}".encode()).decode()
        self.base = f"/sandbox/woocommerce/{store.name}/wp-json/wc/v3/"

    def request(self, method: str, path: str, data=None, params=None, auth=True):
        headers = {"HTTP_AUTHORIZATION": self.auth} if auth else {}
        url = self.base + path
        if params:
            from urllib.parse import urlencode

            url += "?" + urlencode(params, doseq=True)
        body = json.dumps(data) if data is not None else ""
        return getattr(self.client, method.lower())(url, body, content_type="application/json", **headers)

    def get(self, path, **params):
        return self.client.get(self.base + path, params, HTTP_AUTHORIZATION=self.auth)

    def post(self, path, data=None, **params):
        return self.request("POST", path, data, params)

    def put(self, path, data=None, **params):
        return self.request("PUT", path, data, params)

    def delete(self, path, **params):
        return self.request("DELETE", path, None, params)


@pytest.fixture
def woo_store(db):
    return sandbox_store_create(platform="woocommerce", name="unit-store")


@pytest.fixture
def woo(woo_store):
    return WooApi(woo_store)


@pytest.fixture
def seeded_store(db):
    store = sandbox_store_create(platform="woocommerce", name="seeded")
    counts = sandbox_seed(store, products=20, customers=10, orders=30, reviews=15, coupons=6, seed=7)
    store.counts = counts
    return store


@pytest.fixture
def seeded(seeded_store):
    return WooApi(seeded_store)
