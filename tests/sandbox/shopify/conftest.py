import pytest
import requests

VERSION = "2026-01"


class ShopifyClient:
    """A minimal Admin GraphQL client over real HTTP (what a connector would do)."""

    def __init__(self, described: dict, token: str | None = None, version: str = VERSION):
        self.described = described
        self.url = f"{described['base_url']}/admin/api/{version}/graphql.json"
        self.token = token or described["credentials"]["access_token"]
        self.session = requests.Session()

    def post(self, query: str, variables: dict | None = None, **kw) -> requests.Response:
        return self.session.post(self.url, json={"query": query, "variables": variables or {}},
                                 headers={"X-Shopify-Access-Token": self.token}, timeout=30, **kw)

    def __call__(self, query: str, variables: dict | None = None) -> dict:
        response = self.post(query, variables)
        assert response.status_code == 200, response.text
        return response.json()

    def data(self, query: str, variables: dict | None = None) -> dict:
        body = self(query, variables)
        assert "errors" not in body, body["errors"]
        return body["data"]


@pytest.fixture
def shop(shopify_store_factory):
    """An empty Shopify sandbox store with a generous bucket, and its client."""
    from sandbox.models import SandboxStore
    from sandbox.services import sandbox_store_set_throttle

    described = shopify_store_factory("shop")
    sandbox_store_set_throttle(SandboxStore.objects.get(platform="shopify", name="shop"),
                               restore_rate=100000, bucket_size=200000)
    return ShopifyClient(described)


@pytest.fixture
def seeded_shop(shopify_store_factory):
    from sandbox.models import SandboxStore
    from sandbox.services import sandbox_store_set_throttle

    described = shopify_store_factory("seeded-shop", products=12, customers=6, orders=15, languages=["en", "fr"],
                                      seed=3)
    sandbox_store_set_throttle(SandboxStore.objects.get(platform="shopify", name="seeded-shop"),
                               restore_rate=100000, bucket_size=200000)
    return ShopifyClient(described)
