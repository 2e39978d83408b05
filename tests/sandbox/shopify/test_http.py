from datetime import UTC, datetime, timedelta

import requests

from sandbox.models import SandboxStore
from sandbox.services import sandbox_store_describe, sandbox_store_set_access_token
from sandbox.shopify.views import version_served

from .conftest import ShopifyClient


def test_shopify_describe_gives_shop_base_url_and_access_token(shopify_store_factory):
    described = shopify_store_factory("describe-me")
    assert described["base_url"].endswith("/sandbox/shopify/describe-me")
    assert described["credentials"]["access_token"].startswith("shpat_")
    assert set(described["credentials"]) == {"access_token"}


def test_shopify_wrong_token_is_401_as_shopify_answers(shop):
    response = ShopifyClient(shop.described, token="shpat_wrong").post("{ shop { name } }")
    assert response.status_code == 401
    assert response.json() == {"errors": "[API] Invalid API key or access token (unrecognized login or wrong password)"}
    missing = requests.post(shop.url, json={"query": "{ shop { name } }"}, timeout=10)
    assert missing.status_code == 401


def test_shopify_set_access_token_replaces_the_token(shop):
    store = SandboxStore.objects.get(platform="shopify", name="shop")
    sandbox_store_set_access_token(store, "shpat_benchmark_token")
    assert ShopifyClient(shop.described, token="shpat_benchmark_token").data("{ shop { name } }")["shop"]["name"]
    assert shop.post("{ shop { name } }").status_code == 401
    assert sandbox_store_describe(store, "http://x")["credentials"] == {"access_token": "shpat_benchmark_token"}


def test_shopify_versions_supported_fall_forward_or_404(shop):
    assert shop.post("{ shop { name } }").headers["X-Shopify-API-Version"] == "2026-01"
    for bad in ("2026-02", "latest", "2099-01"):
        response = ShopifyClient(shop.described, version=bad).post("{ shop { name } }")
        assert response.status_code == 404, bad
    old = ShopifyClient(shop.described, version="2020-01").post("{ shop { name } }")
    assert old.status_code == 200 and old.headers["X-Shopify-API-Version"] != "2020-01"
    assert ShopifyClient(shop.described, version="unstable").post("{ shop { name } }").status_code == 200
    from datetime import UTC, datetime

    when = datetime(2026, 2, 10, tzinfo=UTC)
    assert version_served("2026-01", when) == "2026-01"
    assert version_served("2026-04", when) == "2026-04"  # the release candidate
    assert version_served("2026-07", when) is None
    assert version_served("2024-10", when) == "2025-01"  # unsupported: falls forward to the oldest supported


def test_shopify_unknown_store_is_404(shop):
    url = shop.url.replace("/shopify/shop/", "/shopify/nope/")
    response = requests.post(url, json={"query": "{ shop { name } }"}, headers={"X-Shopify-Access-Token": shop.token},
                             timeout=10)
    assert response.status_code == 404


def test_shopify_read_only_token_cannot_mutate(shop):
    reader = ShopifyClient(shop.described, token=shop.described["read_only_credentials"]["access_token"])
    assert reader.data("{ shop { name } }")
    body = reader('mutation { customerCreate(input: {email: "a@example.com"}) { customer { id } } }')
    assert body["data"] == {"customerCreate": None}
    assert body["errors"][0]["extensions"]["code"] == "ACCESS_DENIED"
    scopes = requests.get(f"{shop.described['base_url']}/admin/oauth/access_scopes.json",
                          headers={"X-Shopify-Access-Token": reader.token}, timeout=10).json()
    handles = {s["handle"] for s in scopes["access_scopes"]}
    assert "read_products" in handles and "write_products" not in handles


def test_shopify_invalid_query_is_a_graphql_error_not_a_server_error(shop):
    body = shop("{ shop { nope } }")
    assert body["errors"][0]["message"] == "Field 'nope' doesn't exist on type 'Shop'"
    syntax = shop("{ shop { name ")
    assert syntax["errors"] and "data" not in syntax
    missing = requests.post(shop.url, data="not json", headers={"X-Shopify-Access-Token": shop.token,
                                                               "Content-Type": "application/json"}, timeout=10)
    assert missing.status_code == 400


def test_shopify_node_and_nodes_resolve_gids(seeded_shop):
    product = seeded_shop.data("{ products(first: 1) { nodes { id variants(first: 1) { nodes { id } } } } }")
    pid = product["products"]["nodes"][0]["id"]
    vid = product["products"]["nodes"][0]["variants"]["nodes"][0]["id"]
    found = seeded_shop.data("""query($ids: [ID!]!, $id: ID!) {
      node(id: $id) { id ... on Product { title } }
      nodes(ids: $ids) { id __typename }
    }""", {"id": pid, "ids": [pid, vid, "gid://shopify/Product/1"]})
    assert found["node"]["id"] == pid and found["node"]["title"]
    assert [n and n["__typename"] for n in found["nodes"]] == ["Product", "ProductVariant", None]


def test_without_read_all_orders_only_the_last_60_days_of_orders_show(seeded_shop):
    """An app installed without `read_all_orders` sees orders created in the last 60 days only, in lists,
    counts, bulk queries and `order(id:)`; `currentAppInstallation.accessScopes` and the REST scopes
    endpoint say which scopes the token has."""
    from sandbox.models import SandboxStore

    every = seeded_shop.data("{ orders(first: 250) { nodes { id createdAt } } ordersCount { count } "
                             "currentAppInstallation { accessScopes { handle } } }")
    assert "read_all_orders" in {s["handle"] for s in every["currentAppInstallation"]["accessScopes"]}
    store = SandboxStore.objects.get(platform="shopify", name="seeded-shop")
    store.settings = {**store.settings, "withheld_scopes": ["read_all_orders"]}
    store.save(update_fields=["settings"])
    recent = seeded_shop.data("{ orders(first: 250) { nodes { id createdAt } } ordersCount { count } "
                              "currentAppInstallation { accessScopes { handle } } }")
    assert "read_all_orders" not in {s["handle"] for s in recent["currentAppInstallation"]["accessScopes"]}
    scopes = requests.get(f"{seeded_shop.described['base_url']}/admin/oauth/access_scopes.json",
                          headers={"X-Shopify-Access-Token": seeded_shop.token}, timeout=10).json()
    assert "read_all_orders" not in {s["handle"] for s in scopes["access_scopes"]}
    cutoff = (datetime.now(UTC) - timedelta(days=60)).isoformat()
    expected = [o["id"] for o in every["orders"]["nodes"] if o["createdAt"] >= cutoff]
    assert 0 < len(expected) < len(every["orders"]["nodes"]) == every["ordersCount"]["count"]
    assert [o["id"] for o in recent["orders"]["nodes"]] == expected
    assert recent["ordersCount"]["count"] == len(expected)
    hidden = next(o["id"] for o in every["orders"]["nodes"] if o["id"] not in expected)
    assert seeded_shop.data("query($id: ID!) { order(id: $id) { id } node(id: $id) { id } }",
                            {"id": hidden}) == {"order": None, "node": None}
