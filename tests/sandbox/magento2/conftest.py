"""Fixtures for the Magento 2 sandbox tests: stores reachable over real HTTP (live_server) and a small
REST client that speaks to them as a connector would (Bearer token, store code in the path)."""
import pytest
import requests

from sandbox.services import sandbox_seed, sandbox_store_create, sandbox_store_describe


class MagentoClient:
    """`client.get("products", params, code="fr")` -> requests.Response for /rest/fr/V1/products."""

    def __init__(self, described: dict, token: str | None = None):
        self.described = described
        self.rest = described["base_url"] + "/rest"
        self.token = described["credentials"]["access_token"] if token is None else token
        self.session = requests.Session()

    def url(self, path: str, code: str | None = "default", prefix: str = "V1") -> str:
        return "/".join(part for part in (self.rest, code, prefix, path) if part)

    def call(self, method: str, path: str, *, code: str | None = "default", prefix: str = "V1", token=None,
             headers=None, **kw) -> requests.Response:
        token = self.token if token is None else token
        headers = {**({"Authorization": f"Bearer {token}"} if token else {}), **(headers or {})}
        return self.session.request(method, self.url(path, code, prefix), headers=headers, timeout=30, **kw)

    def get(self, path: str, params=None, **kw) -> requests.Response:
        return self.call("GET", path, params=params, **kw)

    def ok(self, method: str, path: str, **kw):
        response = self.call(method, path, **kw)
        assert response.status_code == 200, (response.status_code, response.text)
        return response.json()

    def search(self, path: str, criteria: dict | None = None, **kw) -> dict:
        """GET a list endpoint with `searchCriteria` built from a nested dict."""
        params = dict(flatten("searchCriteria", criteria or {"pageSize": 0}))
        return self.ok("GET", path, params=params, **kw)

    def all_items(self, path: str, **kw) -> list[dict]:
        return self.search(path, {"currentPage": 1}, **kw)["items"]


def flatten(prefix: str, value):
    if isinstance(value, dict):
        for key, item in value.items():
            yield from flatten(f"{prefix}[{key}]", item)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from flatten(f"{prefix}[{index}]", item)
    else:
        yield prefix, value


@pytest.fixture
def magento2_store_factory(live_server):
    """Create (and seed) Magento 2 sandbox stores at live_server.url; answers the description + counts."""

    def make(name, products=0, customers=0, orders=0, languages=("en", "fr"), malformed=False, seed=0, **kw) -> dict:
        store = sandbox_store_create(platform="magento2", name=name, languages=tuple(languages))
        counts = {}
        if products or customers or orders or malformed:
            counts = sandbox_seed(store, products=products, customers=customers, orders=orders,
                                  languages=list(languages), malformed=malformed, seed=seed, **kw)
        return {**sandbox_store_describe(store, live_server.url), "counts": counts}

    return make


@pytest.fixture
def m2(magento2_store_factory) -> MagentoClient:
    """An empty two-view store (default = en_US, fr = fr_FR) and its full-ACL integration client."""
    return MagentoClient(magento2_store_factory("m2-empty"))


@pytest.fixture
def m2_seeded(magento2_store_factory) -> MagentoClient:
    """A small seeded two-view store: 12 catalog products (6 configurable), 6 customers, 14 orders."""
    return MagentoClient(magento2_store_factory("m2-seeded", products=12, customers=6, orders=14, seed=5))
