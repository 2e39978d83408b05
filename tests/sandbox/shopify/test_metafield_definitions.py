"""Metafield definitions and custom IDs (shopify.dev/docs/apps/build/custom-data/metafields/working-with-custom-ids):
an `id` definition has unique values, which productByIdentifier's customId lookup needs."""
import pytest

pytestmark = pytest.mark.django_db(transaction=True)

CREATE = """mutation($d: MetafieldDefinitionInput!) { metafieldDefinitionCreate(definition: $d) {
  createdDefinition { id namespace key type { name } capabilities { uniqueValues { enabled } } }
  userErrors { field message code } } }"""
PRODUCT_SET = """mutation($i: ProductSetInput!) { productSet(input: $i, synchronous: true) { product { id }
  userErrors { field message code } } }"""
BY_CUSTOM_ID = """query($v: String!) { productByIdentifier(identifier: {customId: {namespace: "erp", key: "code",
  value: $v}}) { id title } }"""


def _definition(kind="id", key="code", **extra):
    return {"d": {"name": "ERP code", "namespace": "erp", "key": key, "type": kind, "ownerType": "PRODUCT", **extra}}


def _product(shop, title, code):
    return shop.data(PRODUCT_SET, {"i": {"title": title, "metafields": [
        {"namespace": "erp", "key": "code", "type": "id", "value": code}]}})["productSet"]


def test_custom_id_lookup_needs_a_unique_definition_and_values_stay_unique(shop):
    _product(shop, "Before", "A-1")
    refused = shop("query { productByIdentifier(identifier: {customId: {namespace: \"erp\", key: \"code\", "
                   "value: \"A-1\"}}) { id } }")
    assert "No metafield definition with unique values" in refused["errors"][0]["message"]
    # Unique values only on a definition without metafields yet: this key already has one.
    late = shop.data(CREATE, _definition())["metafieldDefinitionCreate"]
    assert late["createdDefinition"] is None and late["userErrors"][0]["code"] == "INVALID_CAPABILITY"

    made = shop.data(CREATE, _definition(key="sku"))["metafieldDefinitionCreate"]
    assert made["userErrors"] == [] and made["createdDefinition"]["capabilities"]["uniqueValues"]["enabled"]
    again = shop.data(CREATE, _definition(key="sku"))["metafieldDefinitionCreate"]
    assert again["userErrors"][0]["code"] == "TAKEN"
    text = shop.data(CREATE, _definition(kind="multi_line_text_field", key="notes",
                                         capabilities={"uniqueValues": {"enabled": True}}))
    assert text["metafieldDefinitionCreate"]["userErrors"][0]["code"] == "INVALID_CAPABILITY"
    listed = shop.data('query { metafieldDefinitions(first: 5, ownerType: PRODUCT, namespace: "erp") '
                       '{ nodes { key type { name } } } }')["metafieldDefinitions"]["nodes"]
    assert listed == [{"key": "sku", "type": {"name": "id"}}]


def test_id_values_are_unique_and_found_by_custom_id(shop):
    assert shop.data(CREATE, _definition())["metafieldDefinitionCreate"]["userErrors"] == []
    first = _product(shop, "First", "A-1")
    assert first["userErrors"] == []
    second = _product(shop, "Second", "A-1")
    assert second["product"] is None and second["userErrors"][0]["code"] == "INVALID_METAFIELD"
    assert "unique" in second["userErrors"][0]["message"]
    found = shop.data(BY_CUSTOM_ID, {"v": "A-1"})["productByIdentifier"]
    assert found == {"id": first["product"]["id"], "title": "First"}
    assert shop.data(BY_CUSTOM_ID, {"v": "B-2"})["productByIdentifier"] is None
    # The same value written again on its own product is not a conflict.
    same = shop.data(PRODUCT_SET, {"i": {"id": first["product"]["id"], "metafields": [
        {"namespace": "erp", "key": "code", "type": "id", "value": "A-1"}]}})["productSet"]
    assert same["userErrors"] == []
