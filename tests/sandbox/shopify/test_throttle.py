import threading
import time

from sandbox.models import SandboxStore
from sandbox.services import sandbox_store_set_throttle

from .conftest import ShopifyClient

NESTED = """{ shop { name } products(first: 10) { edges { cursor node { id title
  variants(first: 5) { nodes { id inventoryItem { id } } } } } pageInfo { hasNextPage } } }"""
CUSTOMER = 'mutation { customerCreate(input: {firstName: "T"}) { customer { id } userErrors { message } } }'


def _store(name):
    return SandboxStore.objects.get(platform="shopify", name=name)


def test_cost_of_known_queries_follows_shopifys_rules(seeded_shop):
    sandbox_store_set_throttle(_store("seeded-shop"), restore_rate=50, bucket_size=1000)
    body = seeded_shop(NESTED)
    cost = body["extensions"]["cost"]
    # shop: object 1; products: 2 + 10 x (node 1 + variants (2 + 5 x (variant 1 + inventoryItem 1)))
    assert cost["requestedQueryCost"] == 1 + 2 + 10 * (1 + 2 + 5 * 2)
    products = body["data"]["products"]["edges"]
    expected_actual = 1 + 2 + sum(1 + 2 + 2 * len(p["node"]["variants"]["nodes"]) for p in products)
    assert cost["actualQueryCost"] == expected_actual < cost["requestedQueryCost"]
    status = cost["throttleStatus"]
    assert status["maximumAvailable"] == 1000.0 and status["restoreRate"] == 50.0
    assert 1000 - cost["actualQueryCost"] <= status["currentlyAvailable"] <= 1000
    mutation = seeded_shop(CUSTOMER)["extensions"]["cost"]
    assert mutation["requestedQueryCost"] == mutation["actualQueryCost"] == 10
    scalar_only = seeded_shop("{ shop { name } }")["extensions"]["cost"]
    assert scalar_only["requestedQueryCost"] == scalar_only["actualQueryCost"] == 1
    product_set = seeded_shop("""mutation($i: ProductSetInput!) { productSet(input: $i) { product { id } } }""", {
        "i": {"title": "Cost", "productOptions": [{"name": "S", "values": [{"name": str(n)} for n in range(10)]}],
              "variants": [{"optionValues": [{"optionName": "S", "name": str(n)}]} for n in range(10)],
              "metafields": [{"namespace": "custom", "key": "kk", "type": "single_line_text_field", "value": "v"}]}})
    assert product_set["extensions"]["cost"]["requestedQueryCost"] == 13  # 10 + 10 x 0.2 + 1 x 0.4, rounded up


def test_default_bucket_is_the_standard_plan(shopify_store_factory):
    client = ShopifyClient(shopify_store_factory("standard"))
    status = client("{ shop { name } }")["extensions"]["cost"]["throttleStatus"]
    assert status["maximumAvailable"] == 2000.0 and status["restoreRate"] == 100.0


def test_draining_the_bucket_gives_throttled_with_http_200(shop):
    sandbox_store_set_throttle(_store("shop"), restore_rate=0.5, bucket_size=25)
    assert "errors" not in shop(CUSTOMER)
    second = shop(CUSTOMER)
    assert "errors" not in second
    response = shop.post(CUSTOMER)
    assert response.status_code == 200
    body = response.json()
    assert "data" not in body
    assert body["errors"] == [{"message": "Throttled", "extensions": {
        "code": "THROTTLED", "documentation": "https://shopify.dev/api/usage/rate-limits"}}]
    cost = body["extensions"]["cost"]
    assert cost["requestedQueryCost"] == 10 and cost["actualQueryCost"] is None
    assert cost["throttleStatus"]["maximumAvailable"] == 25.0 and cost["throttleStatus"]["restoreRate"] == 0.5
    assert 5 <= cost["throttleStatus"]["currentlyAvailable"] < 10
    assert shop.data("{ customersCount { count } }")["customersCount"]["count"] == 2


def test_bucket_restores_at_the_restore_rate(shop):
    store = _store("shop")
    sandbox_store_set_throttle(store, restore_rate=20, bucket_size=100)
    SandboxStore.objects.filter(pk=store.pk).update(throttle_available=0.0, throttle_updated=time.time())
    throttled = shop(CUSTOMER)
    assert throttled["errors"][0]["extensions"]["code"] == "THROTTLED"
    before = throttled["extensions"]["cost"]["throttleStatus"]["currentlyAvailable"]
    started = time.time()
    time.sleep(1.0)
    after = shop("{ shop { name } }")["extensions"]["cost"]["throttleStatus"]["currentlyAvailable"]
    elapsed = time.time() - started
    # 20 points per second, minus the query's own cost of 1 (an int floor on each side)
    assert before + 20 * 1.0 - 2 <= after <= before + 20 * elapsed + 1
    assert "errors" not in shop(CUSTOMER)


def test_max_cost_exceeded_above_1000_points(shop):
    body = shop("{ products(first: 250) { nodes { id variants(first: 250) { nodes { id } } } } }")
    assert "data" not in body
    error = body["errors"][0]
    assert error["extensions"] == {"code": "MAX_COST_EXCEEDED", "cost": 63252, "maxCost": 1000,
                                   "documentation": "https://shopify.dev/api/usage/rate-limits"}
    assert error["message"].startswith("Query cost is 63252, which exceeds the single query max cost limit (1000).")
    assert body["extensions"]["cost"]["actualQueryCost"] is None
    just_under = shop("{ products(first: 249) { nodes { id } } }")["extensions"]["cost"]
    assert just_under["requestedQueryCost"] == 251


def test_bucket_is_shared_under_concurrent_requests(shop):
    sandbox_store_set_throttle(_store("shop"), restore_rate=0.001, bucket_size=100)
    results = []
    lock = threading.Lock()
    start = threading.Barrier(20)

    def worker():
        from django.db import connection

        client = ShopifyClient(shop.described)
        try:
            start.wait()
            body = client(CUSTOMER)
            with lock:
                results.append("errors" not in body)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [False] * 10 + [True] * 10
    sandbox_store_set_throttle(_store("shop"), restore_rate=100, bucket_size=2000)
    assert shop.data("{ customersCount { count } }")["customersCount"]["count"] == 10
