import json

import pytest
from django.core.management import call_command

from sandbox.models import SandboxRecord
from sandbox.services import sandbox_seed, sandbox_store_create

from .conftest import WooApi


def _all(api, path, **params):
    out, page = [], 1
    while True:
        response = api.get(path, per_page=100, page=page, **params)
        out.extend(response.json())
        if page >= int(response["X-WP-TotalPages"]):
            return out
        page += 1


def test_seed_counts_match_the_api(seeded):
    counts = seeded.store.counts
    assert counts["products"] == 20 and counts["customers"] == 10 and counts["orders"] == 30
    assert counts["reviews"] == 15 and counts["coupons"] == 6
    assert int(seeded.get("products")["X-WP-Total"]) == 20
    assert int(seeded.get("customers")["X-WP-Total"]) == 10
    assert int(seeded.get("orders")["X-WP-Total"]) == 30
    assert int(seeded.get("coupons")["X-WP-Total"]) == 6
    assert int(seeded.get("products/reviews", status="all")["X-WP-Total"]) == 15
    assert int(seeded.get("products/categories")["X-WP-Total"]) == 50


def test_seed_orders_reference_real_products_variations_and_customers(seeded):
    products = {p["id"]: p for p in _all(seeded, "products")}
    customers = {c["id"] for c in _all(seeded, "customers")}
    for order in _all(seeded, "orders"):
        assert order["customer_id"] == 0 or order["customer_id"] in customers
        assert 1 <= len(order["line_items"]) <= 4
        for line in order["line_items"]:
            product = products[line["product_id"]]
            if line["variation_id"]:
                assert line["variation_id"] in product["variations"]
                variation = seeded.get(f"products/{product['id']}/variations/{line['variation_id']}").json()
                assert variation["sku"] == line["sku"]
            else:
                assert product["sku"] == line["sku"]


def test_seed_variable_products_have_between_2_and_9_variations(seeded):
    variable = _all(seeded, "products", type="variable")
    assert variable
    for product in variable:
        assert 2 <= len(product["variations"]) <= 9
        listed = seeded.get(f"products/{product['id']}/variations", per_page=100).json()
        assert sorted(v["id"] for v in listed) == sorted(product["variations"])


def test_seed_completed_orders_carry_tracking(seeded):
    completed = _all(seeded, "orders", status="completed")
    assert completed
    order = completed[0]
    keys = {m["key"] for m in order["meta_data"]}
    assert {"_wc_shipment_tracking_items", "_tracking_number", "_tracking_provider"} <= keys
    notes = seeded.get(f"orders/{order['id']}/notes", type="customer").json()
    assert any(n["note"].startswith("Tracking number: 1Z") for n in notes)


def test_seed_is_deterministic_for_a_seed(db):
    names = []
    for name in ("det-a", "det-b"):
        store = sandbox_store_create(platform="woocommerce", name=name)
        sandbox_seed(store, products=8, customers=4, orders=5, seed=42)
        names.append(sorted(
            SandboxRecord.objects.filter(store=store, resource__in=["products", "orders"])
            .values_list("record_id", "lookup", "data__name", "data__total")
        ))
    assert names[0] == names[1]


def test_seed_malformed_records(db):
    store = sandbox_store_create(platform="woocommerce", name="bad")
    counts = sandbox_seed(store, products=3, customers=1, orders=0, malformed=True)
    api = WooApi(store)
    customers = _all(api, "customers")
    assert "not-an-email" in [c["email"] for c in customers]
    raw = api.get("products", sku="MALFORMED-BAD-UTF8").content
    assert b"Bad \xff name" in raw
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    nameless = api.get("products", sku="MALFORMED-NO-NAME").json()[0]
    assert nameless["name"] == ""
    huge = api.get("products", sku="MALFORMED-HUGE-DESC").json()[0]
    assert len(huge["description"]) == 1024 * 1024
    orphan_parent = api.get("products", sku="MALFORMED-ORPHAN").json()[0]
    assert counts["orphan_variation_id"] in orphan_parent["variations"]
    listed = [v["id"] for v in api.get(f"products/{orphan_parent['id']}/variations").json()]
    assert len(listed) == 2 and counts["orphan_variation_id"] not in listed
    assert len(orphan_parent["variations"]) == 3


def test_seed_command_prints_description_and_empty_creates_store(db, capsys):
    call_command("sandbox_seed", "--platform", "woocommerce", "--store", "cmd", "--products", "2",
                 "--customers", "1", "--orders", "1", "--site-url", "http://example.test")
    described = json.loads(capsys.readouterr().out)
    assert described["base_url"] == "http://example.test/sandbox/woocommerce/cmd"
    assert described["credentials"]["consumer_key"].startswith("ck_")
    assert described["counts"]["orders"] == 1
    call_command("sandbox_seed", "--platform", "woocommerce", "--store", "target", "--empty")
    empty = json.loads(capsys.readouterr().out)
    assert empty["store"] == "target" and "counts" not in empty
