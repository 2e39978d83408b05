"""BigCommerce sandbox stores over real HTTP (live_server) and a small client speaking its REST API."""
import pytest
import requests

from sandbox.models import SandboxStore
from sandbox.services import sandbox_seed, sandbox_store_create, sandbox_store_describe, sandbox_store_set_rate_limit

GENEROUS = 100000  # requests per window for tests that are not about the quota


class BigCommerceClient:
    """`X-Auth-Token` requests to `/stores/{store_hash}/v3` and `/v2` (what a connector would send)."""

    def __init__(self, described: dict, token=...):
        creds = described["credentials"]
        self.described = described
        self.root = f"{described['base_url']}/stores/{creds['store_hash']}"
        self.token = creds["access_token"] if token is ... else token  # None: send no header
        self.session = requests.Session()

    def request(self, method: str, path: str, *, version: str = "v3", headers=None, **kw) -> requests.Response:
        sent = {"Accept": "application/json", **({"X-Auth-Token": self.token} if self.token is not None else {}),
                **(headers or {})}
        return self.session.request(method, f"{self.root}/{version}/{path}", headers=sent, timeout=30, **kw)

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, json=None, **kw):
        return self.request("POST", path, json=json, **kw)

    def put(self, path, json=None, **kw):
        return self.request("PUT", path, json=json, **kw)

    def delete(self, path, **kw):
        return self.request("DELETE", path, **kw)

    def data(self, path, **params):
        response = self.get(path, params=params)
        assert response.status_code == 200, response.text
        return response.json()["data"]

    def all(self, path, limit: int = 250, **params) -> list:
        """Every record of a v3 collection, page by page."""
        out, page = [], 1
        while True:
            response = self.get(path, params={**params, "page": page, "limit": limit})
            assert response.status_code == 200, response.text
            body = response.json()
            out += body["data"]
            if page >= body["meta"]["pagination"]["total_pages"]:
                return out
            page += 1


@pytest.fixture
def bigcommerce_store_factory(live_server):
    """`(name, products=0, customers=0, orders=0, quota=GENEROUS, window_ms=None, **seed options) -> dict`:
    a BigCommerce sandbox store at live_server.url, seeded, and its description (with `counts`)."""

    def make(name, products=0, customers=0, orders=0, quota=GENEROUS, window_ms=None, seed=0, **kw) -> dict:
        store = sandbox_store_create(platform="bigcommerce", name=name, languages=tuple(kw.pop("languages", ("en",))))
        sandbox_store_set_rate_limit(store, quota=quota, window_ms=window_ms)
        counts = {}
        if products or customers or orders or kw:
            counts = sandbox_seed(store, products=products, customers=customers, orders=orders, seed=seed, **kw)
        return {**sandbox_store_describe(store, live_server.url), "counts": counts}

    return make


@pytest.fixture
def bc(bigcommerce_store_factory):
    """An empty store and its client."""
    return BigCommerceClient(bigcommerce_store_factory("bc-empty"))


@pytest.fixture
def seeded_bc(bigcommerce_store_factory):
    return BigCommerceClient(bigcommerce_store_factory("bc-seeded", products=6, customers=3, orders=15, seed=5))


def store_row(client: BigCommerceClient) -> SandboxStore:
    return SandboxStore.objects.get(platform="bigcommerce", name=client.described["store"])
