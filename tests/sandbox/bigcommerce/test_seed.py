"""`sandbox_seed --platform bigcommerce`: counts equal what the API lists; malformed records as documented."""
import json
from io import StringIO

from django.core.management import call_command

from .conftest import BigCommerceClient


def test_seed_counts_equal_what_the_api_lists(bigcommerce_store_factory):
    described = bigcommerce_store_factory("bc-counted", products=6, customers=4, orders=15, seed=2, malformed=True)
    counts, client = described["counts"], BigCommerceClient(described)
    products = client.all("catalog/products", include="variants,images")
    assert len(products) == counts["products"]
    assert sum(len(p["variants"]) for p in products) == counts["variants"]
    assert sum(len(p["images"]) for p in products) == counts["images"]
    assert sum(1 for p in products if len(p["variants"]) > 1) >= 2  # option products (color x size)
    for name, path in (("categories", "catalog/categories"), ("brands", "catalog/brands"), ("customers", "customers"),
                       ("customer_addresses", "customers/addresses"), ("redirects", "storefront/redirects")):
        assert len(client.all(path)) == counts[name], name
    assert client.get("orders/count", version="v2").json()["count"] == counts["orders"]
    assert len(client.get("coupons", version="v2").json()) == counts["coupons"]
    assert len(client.get("customer_groups", version="v2").json()) == counts["customer_groups"]
    assert len(counts["malformed"]) == 4
    broken = next(p for p in products if p["sku"] == "BC-BROKEN")
    raw = client.get(f"catalog/products/{broken['id']}").content
    assert b"\xe9" in raw  # invalid UTF-8 reaches the client as a broken database would serve it
    assert any(c["email"] == "not-an-email" for c in client.all("customers"))


def test_sandbox_seed_command_sets_the_quota_and_prints_counts(transactional_db):
    out = StringIO()
    call_command("sandbox_seed", "--platform", "bigcommerce", "--store", "bc-cli", "--products", "2",
                 "--customers", "1", "--orders", "2", "--quota", "450", "--quota-window-ms", "1000", stdout=out)
    described = json.loads(out.getvalue())
    assert described["counts"]["products"] == 2 and described["counts"]["orders"] == 2
    assert described["credentials"]["store_hash"] and described["credentials"]["access_token"]
    from sandbox.models import SandboxStore

    row = SandboxStore.objects.get(platform="bigcommerce", name="bc-cli")
    assert row.settings["rate_limit"] == {"quota": 450, "window_ms": 1000}
