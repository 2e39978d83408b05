"""Shopify's own Python library (ShopifyAPI, PyPI) against the sandbox, unchanged: its GraphQL client
posts documented queries and mutations to the site it is given, as for a private app."""
import json

import pytest
import shopify


@pytest.fixture
def official(seeded_shop):
    shopify.ShopifyResource.set_site(seeded_shop.url.removesuffix("/graphql.json"))
    shopify.ShopifyResource.set_headers({"X-Shopify-Access-Token": seeded_shop.token})
    yield shopify.GraphQL()
    shopify.ShopifyResource.clear_session()


def test_the_official_graphql_client_reads_and_writes(official):
    read = json.loads(official.execute("""query($n: Int!) { shop { name currencyCode }
        products(first: $n, sortKey: TITLE) { nodes { id title variants(first: 5) { nodes { sku price } } }
        pageInfo { hasNextPage endCursor } } productsCount { count } }""", {"n": 5}))
    assert "errors" not in read, read
    assert read["data"]["productsCount"]["count"] == 12
    assert len(read["data"]["products"]["nodes"]) == 5 and read["data"]["products"]["pageInfo"]["hasNextPage"]
    assert read["extensions"]["cost"]["throttleStatus"]["maximumAvailable"] > 0
    made = json.loads(official.execute("""mutation($input: CustomerInput!) { customerCreate(input: $input) {
        customer { id email } userErrors { field message } } }""",
                                       {"input": {"email": "lib@example.com", "firstName": "Lib"}},
                                       operation_name=None))
    assert made["data"]["customerCreate"]["userErrors"] == []
    assert made["data"]["customerCreate"]["customer"]["email"] == "lib@example.com"
    invalid = json.loads(official.execute("""mutation { customerCreate(input: {email: "lib@example.com"}) {
        userErrors { field message } } }"""))
    assert invalid["data"]["customerCreate"]["userErrors"][0]["field"] == ["email"]
