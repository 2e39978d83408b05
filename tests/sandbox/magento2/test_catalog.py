"""Products by SKU (simple and configurable), attributes and options, categories, media, and store-view
values with Magento's fallback, over real HTTP."""
import base64
import re

from .conftest import MagentoClient

NOT_FOUND = "The product that was requested doesn't exist. Verify the product and try again."


def _custom(product: dict) -> dict:
    return {a["attribute_code"]: a["value"] for a in product["custom_attributes"]}


def _configurable_products_have_options_children_and_real_attribute_options(m2_seeded):
    client = m2_seeded
    parents = client.search("products", {"filter_groups": [{"filters": [
        {"field": "type_id", "value": "configurable", "condition_type": "eq"}]}]})["items"]
    assert len(parents) == 6
    colors = {o["value"]: o["label"] for o in client.ok("GET", "products/attributes/color/options") if o["value"]}
    sizes = {o["value"]: o["label"] for o in client.ok("GET", "products/attributes/size/options") if o["value"]}
    color_id = client.ok("GET", "products/attributes/color")["attribute_id"]
    size_id = client.ok("GET", "products/attributes/size")["attribute_id"]
    for parent in parents:
        extension = parent["extension_attributes"]
        children = client.ok("GET", f"configurable-products/{parent['sku']}/children")
        assert sorted(c["id"] for c in children) == sorted(extension["configurable_product_links"])
        options = client.ok("GET", f"configurable-products/{parent['sku']}/options/all")
        assert options == extension["configurable_product_options"]
        assert {o["attribute_id"] for o in options} == {str(color_id), str(size_id)}
        allowed = {o["label"]: {v["value_index"] for v in o["values"]} for o in options}
        for child in children:
            custom = _custom(child)
            assert custom["color"] in colors and custom["size"] in sizes
            assert int(custom["color"]) in allowed["Color"] and int(custom["size"]) in allowed["Size"]
            assert child["visibility"] == 1 and child["type_id"] == "simple"
            assert child["sku"].startswith(parent["sku"] + "-")
        custom = _custom(parent)
        assert custom["url_key"] and custom["description"].startswith("<p>")
        manufacturers = {o["value"] for o in client.ok("GET", "products/attributes/manufacturer/options")}
        assert custom["manufacturer"] in manufacturers
        assert extension["category_links"] and extension["stock_item"]["is_in_stock"] is True
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}", parent["updated_at"])
        image = parent["media_gallery_entries"][0]["file"]
        media_url = client.ok("GET", "store/storeConfigs")[0]["base_media_url"] + "catalog/product" + image
        fetched = client.session.get(media_url, timeout=30)
        assert fetched.status_code == 200 and fetched.content.startswith(b"\x89PNG")
        assert client.session.get(media_url + ".missing", timeout=30).status_code == 404


def _store_view_values_fall_back_to_the_admin_value(m2_seeded):
    client = m2_seeded
    sku = client.search("products", {"pageSize": 1})["items"][0]["sku"]
    default, french, admin = (client.ok("GET", f"products/{sku}", code=code) for code in ("default", "fr", "all"))
    assert default["name"] == admin["name"] != french["name"]
    assert _custom(french)["url_key"] != _custom(default)["url_key"]
    assert client.ok("GET", "products/attributes/color/options", code="fr")[1]["label"] != \
        client.ok("GET", "products/attributes/color/options")[1]["label"]
    # an update under the default view is that view's own value; the admin value and fr stay
    client.ok("PUT", f"products/{sku}", json={"product": {"name": "Default view name", "price": 12.5}})
    assert client.ok("GET", f"products/{sku}")["name"] == "Default view name"
    assert client.ok("GET", f"products/{sku}", code="all")["name"] == admin["name"]
    assert client.ok("GET", f"products/{sku}", code="fr")["name"] == french["name"]
    assert client.ok("GET", f"products/{sku}", code="fr")["price"] == 12.5  # price is global
    # writing under `all` changes the admin value every view without its own value falls back to
    client.ok("PUT", f"products/{sku}", code="all", json={"product": {"custom_attributes": [
        {"attribute_code": "description", "value": "<p>Admin text</p>"}]}})
    assert _custom(client.ok("GET", f"products/{sku}"))["description"] == "<p>Admin text</p>"
    assert _custom(client.ok("GET", f"products/{sku}", code="fr"))["description"] != "<p>Admin text</p>"


def _product_create_update_delete_by_sku(m2):
    client = m2
    image = base64.b64encode(b"\xff\xd8\xff fake jpeg").decode()
    created = client.ok("POST", "products", json={"product": {
        "sku": "NEW-1", "name": "New tee", "price": 20, "type_id": "simple", "attribute_set_id": 4,
        "extension_attributes": {"category_links": [{"position": 0, "category_id": "2"}],
                                 "stock_item": {"qty": 7, "is_in_stock": True}},
        "custom_attributes": [{"attribute_code": "url_key", "value": "new-tee"}],
        "media_gallery_entries": [{"media_type": "image", "label": "Front", "position": 1, "disabled": False,
                                   "types": ["image"], "content": {"base64_encoded_data": image,
                                                                   "type": "image/jpeg", "name": "front.jpg"}}]}})
    assert created["sku"] == "NEW-1" and created["extension_attributes"]["stock_item"]["qty"] == 7
    assert re.fullmatch(r"/f/r/front_[0-9a-f]{6}\.jpg", created["media_gallery_entries"][0]["file"])
    assert client.ok("GET", "products/new-1")["id"] == created["id"]  # SKUs compare case-insensitively
    clash = client.call("POST", "products", json={"product": {
        "sku": "NEW-2", "name": "Other", "custom_attributes": [{"attribute_code": "url_key", "value": "new-tee"}]}})
    assert clash.status_code == 400 and clash.json()["message"] == "URL key for specified store already exists."
    assert client.ok("GET", "categories")["product_count"] == 1
    assert len(client.ok("GET", "products/NEW-1/media")) == 1
    assert client.ok("DELETE", "products/NEW-1") is True
    missing = client.get("products/NEW-1")
    assert missing.status_code == 404 and missing.json() == {"message": NOT_FOUND}


def _configurable_product_built_through_the_api(m2):
    client = m2
    option = client.ok("POST", "products/attributes/size/options", json={"option": {
        "label": "M", "store_labels": [{"store_id": 2, "label": "M (fr)"}]}})
    assert option.isdigit()
    client.ok("POST", "products", json={"product": {"sku": "CFG", "name": "Cfg", "type_id": "configurable"}})
    size = [{"attribute_code": "size", "value": option}]
    client.ok("POST", "products", json={"product": {"sku": "CFG-M", "name": "Cfg M", "visibility": 1,
                                                    "custom_attributes": size}})
    size_id = client.ok("GET", "products/attributes/size")["attribute_id"]
    option_id = client.ok("POST", "configurable-products/CFG/options", json={"option": {
        "attribute_id": str(size_id), "label": "Size", "position": 0, "values": [{"value_index": int(option)}]}})
    assert isinstance(option_id, str) and option_id.isdigit()
    assert client.ok("POST", "configurable-products/CFG/child", json={"childSku": "CFG-M"}) is True
    again = client.call("POST", "configurable-products/CFG/child", json={"childSku": "CFG-M"})
    assert again.status_code == 400
    parent = client.ok("GET", "products/CFG")
    child = client.ok("GET", "products/CFG-M")
    assert parent["extension_attributes"]["configurable_product_links"] == [child["id"]]
    assert [c["sku"] for c in client.ok("GET", "configurable-products/CFG/children")] == ["CFG-M"]
    assert client.ok("DELETE", "configurable-products/CFG/children/CFG-M") is True
    assert client.ok("GET", "configurable-products/CFG/children") == []


def _category_tree_list_and_scoped_names(m2_seeded):
    client = m2_seeded
    tree = client.ok("GET", "categories")
    assert tree["id"] == 2 and tree["name"] == "Default Category"
    assert [c["name"] for c in tree["children_data"]] == ["Men", "Women", "Gear"]
    assert all(len(c["children_data"]) == 2 for c in tree["children_data"])
    assert client.ok("GET", "categories", code="fr")["children_data"][0]["name"] == "Hommes"
    assert client.ok("GET", "categories", code="all")["id"] == 1
    listed = client.search("categories/list")
    assert listed["total_count"] == 2 + 3 + 6
    leaf = next(c for c in listed["items"] if c["level"] == 3)
    assert leaf["path"].startswith("1/2/") and leaf["path"].endswith(str(leaf["id"]))
    new = client.ok("POST", "categories", json={"category": {"parent_id": leaf["id"], "name": "Sale"}})
    assert new["level"] == 4 and new["parent_id"] == leaf["id"]
    client.ok("PUT", f"categories/{new['id']}", code="fr", json={"category": {"name": "Soldes"}})
    assert client.ok("GET", f"categories/{new['id']}", code="fr")["name"] == "Soldes"
    assert client.ok("GET", f"categories/{new['id']}")["name"] == "Sale"
    assert client.ok("DELETE", f"categories/{new['id']}") is True
    gone = client.get(f"categories/{new['id']}")
    assert gone.status_code == 404
    assert gone.json() == {"message": "No such entity with %fieldName = %fieldValue",
                           "parameters": {"fieldName": "id", "fieldValue": str(new["id"])}}


def _attribute_sets_and_unknown_attribute(m2):
    sets = m2.search("products/attribute-sets/sets/list")
    assert sets["items"] == [{"attribute_set_id": 4, "attribute_set_name": "Default", "sort_order": 1,
                              "entity_type_id": 4}]
    missing = m2.get("products/attributes/nope")
    assert missing.status_code == 404 and missing.json()["parameters"] == ["nope"]


def _limited_token_can_write_catalog(m2):
    limited = MagentoClient(m2.described, token=m2.described["read_only_credentials"]["access_token"])
    assert limited.ok("POST", "products", json={"product": {"sku": "LIM", "name": "Lim"}})["sku"] == "LIM"


def test_seeded_catalog(m2_seeded):
    """Configurables, the category tree and store-view fallback on one seeded store."""
    _configurable_products_have_options_children_and_real_attribute_options(m2_seeded)
    _category_tree_list_and_scoped_names(m2_seeded)
    _store_view_values_fall_back_to_the_admin_value(m2_seeded)


def test_catalog_writes(m2):
    """Creating, linking and deleting catalog objects on one empty store."""
    _product_create_update_delete_by_sku(m2)
    _configurable_product_built_through_the_api(m2)
    _attribute_sets_and_unknown_attribute(m2)
    _limited_token_can_write_catalog(m2)
