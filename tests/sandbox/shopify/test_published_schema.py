"""Shopify's published Admin schemas (npm @shopify/dev-mcp, sandbox/shopify/published/): the loader, the schema
guard of the connector's documents, and the sandbox answering validation errors as Shopify does, per version.

Facts about the published schemas these tests lean on (checked in the files themselves):
`QueryRoot.deliverySettings` and `InventorySetQuantitiesInput.ignoreCompareQuantity` exist in 2026-01 and are
gone from 2026-04; `QueryRoot.bulkOperations` appears in 2026-01 (not in 2025-10); `Shop.draftOrders` is in
2025-10 only; `QueryRoot.inventoryItems` is in every version."""
import time
from datetime import UTC, datetime

import pytest
from graphql import GraphQLSchema

from connectors.http import HttpClient
from connectors.shopify import ShopifyConnector
from connectors.shopify.api import API_VERSION
from sandbox.shopify import published_schema as published
from sandbox.shopify.published_schema import (
    PublishedSchemaMissing,
    documents_check,
    published_schema,
    published_version_for,
    published_versions,
)
from sandbox.shopify.record import graphql_recorded
from tests.fixtures.shopify_schema_guard import guard_run, supported_versions

from .conftest import ShopifyClient

REMOVED_IN_2026_04 = "{ deliverySettings { legacyModeProfiles } }"


# --- the loader -------------------------------------------------------------------------------------------
def test_published_versions_are_the_installed_admin_schemas():
    versions = published_versions()
    assert {"2025-10", "2026-01", "2026-04", "2026-07", "2026-10", "unstable"} <= set(versions)
    assert versions[-1] == "unstable" and versions[:-1] == sorted(versions[:-1])


def test_published_schema_is_built_once_per_process_and_is_shopifys():
    started = time.monotonic()
    schema = published_schema("2026-01")
    assert isinstance(schema, GraphQLSchema)
    assert published_schema("2026-01") is schema
    assert time.monotonic() - started < 10
    assert schema.query_type.name == "QueryRoot"
    product = schema.type_map["Product"].fields
    assert product["bodyHtml"].deprecation_reason and "descriptionHtml" in product


def test_published_schema_names_what_is_missing(monkeypatch, tmp_path):
    with pytest.raises(PublishedSchemaMissing, match="No published Admin schema for version '2024-01'"):
        published_schema("2024-01")
    monkeypatch.setattr(published, "DATA_DIR", tmp_path / "not-installed")
    with pytest.raises(PublishedSchemaMissing, match=r"npm ci --ignore-scripts"):
        published_schema("2024-04")
    assert published_versions() == [] and published_version_for("2026-01") is None


def test_a_version_without_its_own_file_uses_the_nearest_later_one():
    assert published_version_for("2026-04") == "2026-04"
    assert published_version_for("2027-01") == "unstable"  # a release candidate newer than every file


# --- the guard --------------------------------------------------------------------------------------------
def test_supported_versions_run_from_the_connectors_to_the_current_quarter():
    versions = ["2025-10", "2026-01", "2026-04", "2026-07", "2026-10", "unstable"]
    assert supported_versions("2026-01", versions, datetime(2026, 12, 5, tzinfo=UTC)) == [
        "2026-01", "2026-04", "2026-07", "2026-10"]
    assert supported_versions("2026-01", versions, datetime(2026, 5, 1, tzinfo=UTC)) == ["2026-01", "2026-04"]
    assert API_VERSION in supported_versions(API_VERSION, published_versions())


def test_guard_fails_a_field_removed_between_versions():
    invalid = documents_check([{"query": REMOVED_IN_2026_04}], ["2026-01", "2026-04", "2026-10"])
    assert [i.version for i in invalid] == ["2026-04", "2026-10"]
    assert "Cannot query field 'deliverySettings' on type 'QueryRoot'" in invalid[0].problems[0]
    assert "[2026-04]" in invalid[0].describe()


def test_guard_checks_bulk_inner_documents_and_removed_input_fields_in_variables():
    bulk = {"query": "mutation($q: String!) { bulkOperationRunQuery(query: $q) { bulkOperation { id } "
                     "userErrors { field message } } }",
            "variables": {"q": "{ shop { draftOrders(first: 5) { edges { node { id } } } } }"}}
    literal = {"query": 'mutation { bulkOperationRunQuery(query: "{ shop { nope } }") { bulkOperation { id } } }'}
    inventory = {"query": "mutation($input: InventorySetQuantitiesInput!) { inventorySetQuantities(input: $input) {"
                          " userErrors { field message } } }",
                 "variables": {"input": {"name": "available", "reason": "correction", "ignoreCompareQuantity": True,
                                         "quantities": [{"inventoryItemId": "gid://shopify/InventoryItem/1",
                                                         "locationId": "gid://shopify/Location/1", "quantity": 3}]}}}
    assert {(i.version, i.document) for i in documents_check([bulk, literal], ["2025-10", "2026-01"])} == {
        ("2026-01", bulk["variables"]["q"]), ("2025-10", "{ shop { nope } }"), ("2026-01", "{ shop { nope } }")}
    refused = documents_check([inventory], ["2026-01", "2026-04"])
    assert [i.version for i in refused] == ["2026-04"]
    assert "ignoreCompareQuantity" in refused[0].problems[0]


def test_guard_records_what_the_connector_sends_and_nothing_a_test_sends(shopify_store_factory, settings, tmp_path):
    """Over real HTTP: the sandbox records the connector's documents (its bulk query included), not ours."""
    settings.SANDBOX_RECORD_GRAPHQL_DIR = str(tmp_path)
    described = shopify_store_factory("guarded", products=3, seed=2)
    ShopifyClient(described).data("{ shop { name } } # sent by the test")
    connector = ShopifyConnector(base_url=described["base_url"], credentials=described["credentials"],
                                 http=HttpClient(max_retries=1, backoff_cap=0.1), options={})
    connector.bulk_read_min = 1
    connector.check_connection()
    from connectors.entities import EntityType

    assert sum(len(page.items) for page in connector.read(EntityType.PRODUCT)) == 3
    recorded = graphql_recorded(tmp_path)
    texts = [r["query"] for r in recorded]
    assert not any("sent by the test" in t for t in texts)
    assert any("currentAppInstallation" in t for t in texts)
    assert any("bulkOperationRunQuery" in t for t in texts)
    failures, _, summary = guard_run(tmp_path)
    assert failures == [], "\n".join(failures)
    assert f"{len(recorded)} distinct requests" in summary
    # A document with a field Shopify removed in 2026-04, sent with the connector's transport: the guard fails it.
    HttpClient(max_retries=0).request("POST", connector.api_url, json={"query": REMOVED_IN_2026_04},
                                      headers={"X-Shopify-Access-Token": described["credentials"]["access_token"]})
    failures, _, _ = guard_run(tmp_path)
    claimed = supported_versions(API_VERSION, published_versions())
    assert [f.split("]")[0] for f in failures] == [f"[{v}" for v in claimed if v >= "2026-04"]
    assert all("deliverySettings" in f for f in failures)


# --- the sandbox answers as Shopify does, per version ------------------------------------------------------
def _errors(shop, query: str, version: str = "2026-01", variables: dict | None = None) -> list[dict]:
    body = ShopifyClient(shop.described, version=version)(query, variables)
    assert "data" not in body or body["data"] is None, body
    return body["errors"]


def test_sandbox_undefined_field_and_argument_carry_shopifys_codes(shop):
    [error] = _errors(shop, "query Shop { shop { name nope } }")
    assert error == {"message": "Field 'nope' doesn't exist on type 'Shop'", "locations": [{"line": 1, "column": 26}],
                     "path": ["query Shop", "shop", "nope"],
                     "extensions": {"code": "undefinedField", "typeName": "Shop", "fieldName": "nope"}}
    [error] = _errors(shop, "{ products(first: 1, size: 2) { nodes { id } } }")
    assert error["extensions"] == {"code": "argumentNotAccepted", "name": "products", "typeName": "Field",
                                   "argumentName": "size"}
    assert error["path"] == ["query", "products", "size"]
    [error] = _errors(shop, "{ product { id } }")
    assert error["extensions"] == {"code": "missingRequiredArguments", "className": "Field", "name": "product",
                                   "arguments": "id"}
    [error] = _errors(shop, "query($id: String!) { product(id: $id) { id } }", variables={"id": "x"})
    assert error["extensions"] == {"code": "variableMismatch", "variableName": "id", "typeName": "String!",
                                   "argumentName": "id", "errorMessage": "Type mismatch"}
    [error] = _errors(shop, "{ products(first: 1) { nodes { ... on Widget { id } } } }")
    assert error["extensions"] == {"code": "undefinedType", "typeName": "Widget"}


def test_sandbox_names_a_published_field_it_does_not_serve_instead_of_inventing_it(shop):
    [error] = _errors(shop, "{ giftCards(first: 1) { nodes { id } } }")
    assert error["extensions"] == {"code": "notServedBySandbox", "shopifyCode": "undefinedField",
                                   "typeName": "QueryRoot", "fieldName": "giftCards"}
    assert "giftCards" in error["message"] and "2026-01" in error["message"]


def test_sandbox_validates_against_the_schema_of_the_version_asked(shop):
    """2026-04 removed deliverySettings (2026-01: Shopify has it, the sandbox does not serve it); bulkOperations
    came in 2026-01 (older versions fall forward to 2025-10, which lacks it); Shop.draftOrders is 2025-10 only."""
    assert _errors(shop, REMOVED_IN_2026_04)[0]["extensions"]["code"] == "notServedBySandbox"
    assert _errors(shop, REMOVED_IN_2026_04, "2026-04")[0]["extensions"]["code"] == "undefinedField"
    listing = "{ bulkOperations(first: 1) { nodes { id } } }"
    assert "errors" not in ShopifyClient(shop.described, version="2026-01")(listing)
    for old in ("2025-10", "2024-04"):
        assert _errors(shop, listing, old)[0]["extensions"] == {
            "code": "undefinedField", "typeName": "QueryRoot", "fieldName": "bulkOperations"}
    drafts = "{ shop { draftOrders(first: 1) { nodes { id } } } }"
    assert _errors(shop, drafts, "2025-10")[0]["extensions"]["code"] == "notServedBySandbox"
    assert _errors(shop, drafts, "2026-07")[0]["extensions"]["code"] == "undefinedField"


def test_inventory_quantities_follow_the_compare_and_swap_of_each_version(shop):
    """ignoreCompareQuantity (deprecated in 2026-01) is gone from 2026-04, where changeFromQuantity must be given
    (null: no check); what the schema guard made the connector send instead."""
    from .test_products import PRODUCT_SET, _location, _shirt

    location = _location(shop)
    product = shop.data(PRODUCT_SET, {"input": _shirt(location)})["productSet"]["product"]
    item = product["variants"]["nodes"][0]["inventoryItem"]["id"]
    mutation = """mutation($input: InventorySetQuantitiesInput!) { inventorySetQuantities(input: $input) {
      inventoryAdjustmentGroup { changes { quantityAfterChange } } userErrors { field message code } } }"""

    def send(version: str, quantity: dict, **extra) -> dict:
        line = {"inventoryItemId": item, "locationId": location, **quantity}
        return ShopifyClient(shop.described, version=version)(mutation, {"input": {
            "name": "available", "reason": "correction", "quantities": [line], **extra}})

    removed = send("2026-04", {"quantity": 5}, ignoreCompareQuantity=True)
    assert removed["errors"][0]["extensions"]["code"] == "INVALID_VARIABLE"
    assert "ignoreCompareQuantity" in removed["errors"][0]["message"]
    missing = send("2026-04", {"quantity": 5})["data"]["inventorySetQuantities"]["userErrors"]
    assert missing[0]["field"] == ["input", "quantities", "0", "changeFromQuantity"]
    stale = send("2026-01", {"quantity": 5, "changeFromQuantity": 999})["data"]["inventorySetQuantities"]
    assert stale["userErrors"][0]["code"] == "CHANGE_FROM_QUANTITY_STALE"
    for version in ("2026-01", "2026-10"):
        done = send(version, {"quantity": 9, "changeFromQuantity": None})["data"]["inventorySetQuantities"]
        assert done == {"inventoryAdjustmentGroup": {"changes": [{"quantityAfterChange": 9}]}, "userErrors": []}
