import json

from django.core.management import call_command

from sandbox.models import SandboxRecord
from sandbox.services import sandbox_seed, sandbox_store_create


def test_shopify_seed_counts_match_the_api(seeded_shop):
    counts = seeded_shop.described["counts"]
    assert counts["products"] == 12 and counts["customers"] == 6 and counts["orders"] == 15
    assert counts["collections"] == 9 and counts["coupons"] == 10 and counts["languages"] == ["en", "fr"]
    api = seeded_shop.data("""{ productsCount { count } customersCount { count } ordersCount { count }
      productVariantsCount { count } collectionsCount { count } discountCodesCount { count } pagesCount { count }
      urlRedirectsCount { count } }""")
    assert api["productsCount"]["count"] == 12 and api["customersCount"]["count"] == 6
    assert api["ordersCount"]["count"] == 15 and api["collectionsCount"]["count"] == 9
    assert api["productVariantsCount"]["count"] == counts["variants"]
    assert api["discountCodesCount"]["count"] == 10 and api["pagesCount"]["count"] == 5
    assert api["urlRedirectsCount"]["count"] == 5


def test_shopify_seed_products_have_options_images_metafields_and_translations(seeded_shop):
    products = seeded_shop.data("""{ products(first: 12) { nodes { id handle options { name values }
      variants(first: 10) { nodes { sku selectedOptions { name } inventoryQuantity } }
      media(first: 3) { nodes { ... on MediaImage { image { url } } } }
      metafields(first: 3) { nodes { namespace key } } translations(locale: "fr") { key value } } } }""")
    nodes = products["products"]["nodes"]
    assert any(len(p["options"]) >= 2 for p in nodes)
    for product in nodes:
        assert 1 <= len(product["media"]["nodes"]) <= 3
        assert {m["key"] for m in product["metafields"]["nodes"]} == {"material", "care_instructions"}
        assert {t["key"] for t in product["translations"]} == {"title", "body_html"}
        option_names = [o["name"] for o in product["options"]]
        for variant in product["variants"]["nodes"]:
            assert [o["name"] for o in variant["selectedOptions"]] == option_names
            assert variant["sku"].startswith("SKU-")


def test_shopify_seed_orders_are_historical_with_tracking(seeded_shop):
    orders = seeded_shop.data("""{ orders(first: 15) { nodes { name processedAt createdAt displayFinancialStatus
      displayFulfillmentStatus customer { id } lineItems(first: 4) { nodes { variant { id } } }
      fulfillments { trackingInfo { company number url } } } } }""")["orders"]["nodes"]
    assert sorted(o["name"] for o in orders) == [f"#{1001 + n}" for n in range(15)]
    fulfilled = [o for o in orders if o["displayFulfillmentStatus"] == "FULFILLED"]
    assert fulfilled
    for order in fulfilled:
        tracking = order["fulfillments"][0]["trackingInfo"][0]
        assert tracking["number"].startswith("1Z") and tracking["company"] and tracking["url"]
    assert all(li["variant"] for o in orders for li in o["lineItems"]["nodes"])
    next_order = seeded_shop.data("""mutation { orderCreate(order: {lineItems: [{title: "x", quantity: 1,
        priceSet: {shopMoney: {amount: "1.00", currencyCode: USD}}}]}) { order { name } } }""")
    assert next_order["orderCreate"]["order"]["name"] == "#1016"


def test_shopify_seed_is_deterministic_for_a_seed(db):
    snapshots = []
    for name in ("det-a", "det-b"):
        store = sandbox_store_create(platform="shopify", name=name)
        sandbox_seed(store, products=6, customers=3, orders=4, seed=42)
        rows = SandboxRecord.objects.filter(store=store, resource__in=["products", "variants", "orders"])
        first_id = SandboxRecord.objects.filter(store=store).order_by("record_id").first().record_id
        snapshots.append(sorted((r.resource, r.record_id - first_id, r.lookup, r.data.get("title"),
                                 r.data.get("price")) for r in rows))
    assert snapshots[0] == snapshots[1]


def test_shopify_seed_refuses_a_store_with_data(db):
    store = sandbox_store_create(platform="shopify", name="twice")
    sandbox_seed(store, customers=1)
    try:
        sandbox_seed(store, customers=1)
    except ValueError as exc:
        assert "already has data" in str(exc)
    else:
        raise AssertionError("seeding twice must fail")


def test_sandbox_seed_command_for_shopify(db, capsys):
    call_command("sandbox_seed", "--platform", "shopify", "--store", "cmd-shop", "--products", "3", "--customers",
                 "2", "--orders", "2", "--site-url", "http://example.test", "--access-token", "shpat_cmd",
                 "--restore-rate", "50", "--bucket-size", "1000")
    described = json.loads(capsys.readouterr().out)
    assert described["base_url"] == "http://example.test/sandbox/shopify/cmd-shop"
    assert described["credentials"] == {"access_token": "shpat_cmd"}
    assert described["languages"] == ["en", "fr"] and described["counts"]["orders"] == 2
    store = SandboxRecord.objects.filter(store__name="cmd-shop").first().store
    assert store.settings["throttle"] == {"restore_rate": 50.0, "bucket_size": 1000.0}
    call_command("sandbox_seed", "--platform", "shopify", "--store", "empty-shop", "--empty")
    empty = json.loads(capsys.readouterr().out)
    assert "counts" not in empty and empty["credentials"]["access_token"].startswith("shpat_")
