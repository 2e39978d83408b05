"""`sandbox_seed --platform magento2`: the counts it reports are what the API lists; --malformed records."""
import json

from django.core.management import call_command

from .conftest import MagentoClient

LISTS = {"products": "products", "categories": "categories/list", "customers": "customers/search",
         "orders": "orders", "invoices": "invoices", "shipments": "shipments", "creditmemos": "creditmemos",
         "cms_pages": "cmsPage/search", "cms_blocks": "cmsBlock/search", "sales_rules": "salesRules/search",
         "coupons": "coupons/search"}


def test_sandbox_seed_command_counts_equal_the_api_lists(live_server, capsys):
    call_command("sandbox_seed", "--platform", "magento2", "--store", "m2-cmd", "--products", "10",
                 "--customers", "5", "--orders", "12", "--languages", "en,fr,de", "--seed", "3",
                 "--site-url", live_server.url)
    described = json.loads(capsys.readouterr().out)
    counts = described["counts"]
    client = MagentoClient(described)
    for key, path in LISTS.items():
        assert client.search(path, {"pageSize": 1})["total_count"] == counts[key], key
    assert counts["configurable_products"] == 5 and counts["store_views"] == 3
    assert set(counts["orders_by_status"]) == {"pending", "processing", "complete", "canceled", "closed", "holded"}
    assert [c["locale"] for c in client.ok("GET", "store/storeConfigs")] == ["en_US", "fr_FR", "de_DE"]
    assert described["store_codes"] == ["default", "fr", "de"]


def test_malformed_records_are_served_as_a_broken_store_would(magento2_store_factory):
    described = magento2_store_factory("m2-bad", products=2, customers=1, orders=1, malformed=True)
    client = MagentoClient(described)
    raw = client.call("GET", "products/MALFORMED-NAME")
    assert raw.status_code == 200 and b"\xff\xfe" in raw.content
    config = client.ok("GET", "products/MALFORMED-CONFIG")
    assert config["extension_attributes"]["configurable_product_links"] == [999999]
    assert client.ok("GET", "configurable-products/MALFORMED-CONFIG/children") == []
    emails = [c["email"] for c in client.all_items("customers/search")]
    assert "not-an-email" in emails
    orphan = next(c for c in client.all_items("categories/list") if c["name"] == "Orphan")
    assert orphan["parent_id"] == 999999
    assert described["counts"]["products"] == client.search("products")["total_count"]
