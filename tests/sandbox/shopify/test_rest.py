"""The REST Admin API of the Shopify sandbox over real HTTP: shapes from the same data as GraphQL, cursor
pagination through `Link`, filters, `fields=`, counts, errors, the 40-request leaky bucket, and Shopify's own
Python client (ShopifyAPI) unchanged against it."""
import re
import threading
import time
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlparse

import pytest
import requests
import shopify
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sandbox.models import SandboxStore

from .conftest import ShopifyClient

VERSION = "2026-01"
LINK = re.compile(r'<([^>]+)>; rel="(next|previous)"')


class Rest:
    """A plain REST reader: `X-Shopify-Access-Token` and `.json` paths under `/admin/api/<version>/`."""

    def __init__(self, described: dict, token: str | None = None, version: str = VERSION):
        self.base = f"{described['base_url']}/admin/api/{version}"
        self.token = token or described["credentials"]["access_token"]
        self.session = requests.Session()

    def get(self, path: str, method: str = "GET", **params) -> requests.Response:
        url = path if path.startswith("http") else f"{self.base}/{path}"
        return self.session.request(method, url, params=params, headers={"X-Shopify-Access-Token": self.token},
                                    timeout=30)

    def ok(self, path: str, **params) -> dict:
        response = self.get(path, **params)
        assert response.status_code == 200, response.text
        return response.json()

    def walk(self, path: str, key: str, **params) -> tuple[list[dict], list[str]]:
        """Every item of a list by following `rel="next"`; answers the items and the Link headers seen."""
        items, links, url = [], [], path
        while url:
            response = self.get(url, **params)
            assert response.status_code == 200, response.text
            items += response.json()[key]
            links.append(response.headers.get("Link") or "")
            url, params = dict((rel, u) for u, rel in LINK.findall(links[-1])).get("next"), {}
        return items, links


def _roomy(name: str) -> None:
    store = SandboxStore.objects.get(platform="shopify", name=name)
    store.settings = {**store.settings, "rest_throttle": {"bucket_size": 100000, "leak_rate": 100000}}
    store.save(update_fields=["settings"])


@pytest.fixture
def rest_shop(shopify_store_factory):
    described = shopify_store_factory("rest-shop", products=7, customers=5, orders=14, seed=5)
    _roomy("rest-shop")
    return described


@pytest.fixture
def rest(rest_shop):
    return Rest(rest_shop)


def _graphql(described: dict) -> ShopifyClient:
    store = SandboxStore.objects.get(platform="shopify", name=described["store"])
    store.settings = {**store.settings, "throttle": {"restore_rate": 100000, "bucket_size": 200000}}
    store.save(update_fields=["settings"])
    return ShopifyClient(described)


def test_rest_shop_json_answers_the_shop_with_the_bucket_header(rest_shop):
    reader = Rest(rest_shop)
    response = reader.get("shop.json")
    assert response.status_code == 200, response.text[:2000]
    shop = response.json()["shop"]
    graph = _graphql(rest_shop).data("{ shop { id name email myshopifyDomain currencyCode } }")["shop"]
    assert f"gid://shopify/Shop/{shop['id']}" == graph["id"]
    assert (shop["name"], shop["email"], shop["myshopify_domain"], shop["currency"]) == (
        graph["name"], graph["email"], graph["myshopifyDomain"], graph["currencyCode"])
    for key in ("domain", "iana_timezone", "money_format", "plan_name", "primary_location_id", "created_at",
                "enabled_presentment_currencies", "country_code", "weight_unit", "taxes_included"):
        assert key in shop
    assert response.headers["X-Shopify-API-Version"] == VERSION
    assert re.fullmatch(r"\d+/100000", response.headers["X-Shopify-Shop-Api-Call-Limit"])
    scopes = reader.ok("access_scopes.json")["access_scopes"]
    oauth = reader.get(f"{rest_shop['base_url']}/admin/oauth/access_scopes.json").json()["access_scopes"]
    assert scopes == oauth and {"handle": "read_products"} in scopes


def test_rest_products_render_the_graphql_store_data(rest, rest_shop):
    products = rest.ok("products.json", limit=250)["products"]
    graph = _graphql(rest_shop).data("""{ products(first: 10) { nodes { legacyResourceId title handle status
        tags variants(first: 30) { nodes { legacyResourceId sku price inventoryQuantity
        inventoryItem { legacyResourceId } } } media(first: 5) { nodes { id } } } } }""")["products"]["nodes"]
    assert [p["id"] for p in products] == sorted(int(g["legacyResourceId"]) for g in graph)
    by_id = {int(g["legacyResourceId"]): g for g in graph}
    for product in products:
        g = by_id[product["id"]]
        assert (product["title"], product["handle"], product["status"]) == (g["title"], g["handle"],
                                                                             g["status"].lower())
        assert product["tags"] == ", ".join(g["tags"])
        assert product["admin_graphql_api_id"] == f"gid://shopify/Product/{product['id']}"
        assert len(product["images"]) == len(g["media"]["nodes"])
        assert product["image"] == (product["images"][0] if product["images"] else None)
        variants = {int(v["legacyResourceId"]): v for v in g["variants"]["nodes"]}
        assert sorted(v["id"] for v in product["variants"]) == sorted(variants)
        for variant in product["variants"]:
            gv = variants[variant["id"]]
            assert (variant["sku"], variant["price"], variant["inventory_quantity"]) == (
                gv["sku"], gv["price"], gv["inventoryQuantity"])
            assert variant["inventory_item_id"] == int(gv["inventoryItem"]["legacyResourceId"])
            assert variant["product_id"] == product["id"]
            assert variant["option1"] is not None
    one = products[0]
    assert rest.ok(f"products/{one['id']}.json")["product"] == one
    assert rest.ok(f"products/{one['id']}/variants.json")["variants"] == one["variants"]
    assert rest.ok(f"variants/{one['variants'][0]['id']}.json")["variant"] == one["variants"][0]
    assert rest.ok(f"products/{one['id']}/variants/count.json")["count"] == len(one["variants"])
    assert rest.ok(f"products/{one['id']}/images.json")["images"] == one["images"]
    image = one["images"][0]
    assert rest.ok(f"products/{one['id']}/images/{image['id']}.json")["image"] == image
    assert rest.ok("products/count.json")["count"] == len(products) == 7


def test_rest_limit_and_link_pagination_forward_back_and_filters(rest):
    everything = [p["id"] for p in rest.ok("products.json", limit=250)["products"]]
    walked, links = rest.walk("products.json", "products", limit=2)
    assert [p["id"] for p in walked] == everything
    assert len(links) == 4 and 'rel="previous"' not in links[0] and 'rel="next"' not in links[-1]
    assert all('rel="previous"' in link and 'rel="next"' in link for link in links[1:-1])
    # back from the last page by rel="previous"
    url = dict((rel, u) for u, rel in LINK.findall(links[-1]))["previous"]
    assert set(parse_qs(urlparse(url).query)) == {"limit", "page_info"}
    back = []
    while url:
        response = rest.get(url)
        assert response.status_code == 200
        back = [p["id"] for p in response.json()["products"]] + back
        url = dict((rel, u) for u, rel in LINK.findall(response.headers.get("Link", ""))).get("previous")
    assert back == everything[:6]
    # one page: no Link at all
    assert "Link" not in rest.get("products.json", limit=250).headers
    # a page_info carries the first request's filters; with it, only limit and fields may be sent
    orders_any = [o["id"] for o in rest.ok("orders.json", status="any", limit=250)["orders"]]
    walked, _ = rest.walk("orders.json", "orders", status="any", limit=3)
    assert [o["id"] for o in walked] == orders_any
    first = rest.get("orders.json", status="any", limit=3)
    next_url = dict((rel, u) for u, rel in LINK.findall(first.headers["Link"]))["next"]
    refused = rest.get(next_url + "&status=any")
    assert refused.status_code == 400
    assert refused.json() == {"errors": {"status": "status cannot be passed when page_info is present. See https:"
                                                   "//shopify.dev/api/usage/pagination-rest for more information."}}
    assert rest.get("orders.json", page_info="not-a-cursor").json() == {"errors": {"page_info":
                                                                                   "Invalid value."}}
    assert rest.get("products.json", limit=251).status_code == 400
    assert rest.get("products.json", limit=0).status_code == 400
    assert rest.get("products.json", limit="x").json() == {"errors": {"limit": "Invalid value."}}
    assert len(rest.ok("products.json", limit=250)["products"]) == 7
    assert len(rest.ok("customers.json", limit=3)["customers"]) == 3


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(limit=st.integers(1, 9), start=st.integers(0, 13), status=st.sampled_from(["any", "open", "closed"]),
       order=st.sampled_from(["", "id desc", "updated_at asc", "updated_at desc", "created_at desc"]))
def test_rest_pages_cover_the_filtered_list_exactly(rest, limit, start, status, order):
    """Whatever the page size, filters and order, the pages walked by `Link` are the filtered list in that
    order, each item once."""
    every = rest.ok("orders.json", status="any", limit=250)["orders"]
    since = sorted(o["id"] for o in every)[start]
    keep = {"any": lambda o: True, "closed": lambda o: o["closed_at"] is not None,
            "open": lambda o: o["closed_at"] is None and o["cancelled_at"] is None}[status]
    wanted = {o["id"] for o in every if o["id"] > since and keep(o)}
    params = {"status": status, "since_id": since, **({"order": order} if order else {})}
    walked, links = rest.walk("orders.json", "orders", limit=limit, **params)
    ids = [o["id"] for o in walked]
    assert len(ids) == len(set(ids)) and set(ids) == wanted
    key = (order or "id asc").split(" ")
    values = [(o[key[0]] if key[0] != "id" else o["id"]) for o in walked]
    assert values == sorted(values, reverse=key[1] == "desc")
    assert len(links) == max(1, -(-len(ids) // limit))
    assert rest.ok("orders/count.json", status=status, since_id=since)["count"] == len(ids)


def test_rest_since_id_updated_at_min_ids_and_fields(rest):
    products = rest.ok("products.json")["products"]
    ids = [p["id"] for p in products]
    assert [p["id"] for p in rest.ok("products.json", since_id=ids[2])["products"]] == ids[3:]
    assert rest.ok("products/count.json", since_id=ids[2])["count"] == 4
    stamps = sorted(p["updated_at"] for p in products)
    middle = stamps[3]
    newer = rest.ok("products.json", updated_at_min=middle)["products"]
    assert sorted(p["id"] for p in newer) == sorted(p["id"] for p in products if p["updated_at"] >= middle)
    assert rest.ok("products/count.json", updated_at_min=middle)["count"] == len(newer)
    born = sorted(p["created_at"] for p in products)[4]
    assert sorted(p["id"] for p in rest.ok("products.json", created_at_min=born)["products"]) == sorted(
        p["id"] for p in products if p["created_at"] >= born)
    older = rest.ok("products.json", updated_at_max=middle)["products"]
    assert {p["id"] for p in older} | {p["id"] for p in newer} == set(ids)
    picked = rest.ok("products.json", ids=f"{ids[0]},{ids[4]}")["products"]
    assert [p["id"] for p in picked] == [ids[0], ids[4]]
    projected = rest.ok("products.json", fields="id,title,handle")["products"]
    assert all(set(p) == {"id", "title", "handle"} for p in projected)
    assert rest.ok(f"products/{ids[0]}.json", fields="id,status")["product"] == {"id": ids[0],
                                                                               "status": products[0]["status"]}
    link = rest.get("products.json", fields="id,title", limit=2).headers["Link"]
    walked, _ = rest.walk("products.json", "products", fields="id,title", limit=2)
    assert all(set(p) == {"id", "title"} for p in walked) and len(walked) == 7
    assert "fields=id%2Ctitle" in link


def test_rest_counts_equal_the_lists(rest):
    for path, key, params in (("products", "products", {}), ("customers", "customers", {}),
                              ("orders", "orders", {"status": "any"}), ("orders", "orders", {}),
                              ("custom_collections", "custom_collections", {}),
                              ("smart_collections", "smart_collections", {}), ("collects", "collects", {}),
                              ("pages", "pages", {}), ("blogs", "blogs", {}), ("price_rules", "price_rules", {}),
                              ("locations", "locations", {})):
        listed = rest.ok(f"{path}.json", limit=250, **params)[key]
        assert rest.ok(f"{path}/count.json", **params)["count"] == len(listed), path
        assert listed, path
    assert rest.ok("smart_collections.json")["smart_collections"][0]["rules"] == [
        {"column": "tag", "relation": "equals", "condition": "sale"}]


def test_rest_orders_and_their_fulfillments_transactions_refunds(rest, rest_shop):
    every = rest.ok("orders.json", status="any", limit=250)["orders"]
    assert len(every) == 14
    open_ids = {o["id"] for o in rest.ok("orders.json", limit=250)["orders"]}
    assert open_ids == {o["id"] for o in every if o["closed_at"] is None and o["cancelled_at"] is None}
    closed = {o["id"] for o in rest.ok("orders.json", status="closed", limit=250)["orders"]}
    assert closed == {o["id"] for o in every if o["closed_at"]}
    paid = rest.ok("orders.json", status="any", financial_status="paid")["orders"]
    assert paid and all(o["financial_status"] == "paid" for o in paid)
    graph = _graphql(rest_shop).data("""{ orders(first: 50) { nodes { legacyResourceId name
        totalPriceSet { shopMoney { amount } } transactions { id kind amountSet { shopMoney { amount } } }
        fulfillments { legacyResourceId trackingInfo { number } } } } }""")["orders"]["nodes"]
    by_id = {int(g["legacyResourceId"]): g for g in graph}
    refunded = fulfilled = 0
    for order in every:
        g = by_id[order["id"]]
        assert (order["name"], order["total_price"]) == (g["name"], g["totalPriceSet"]["shopMoney"]["amount"])
        assert {li["id"] for li in order["line_items"]} and order["admin_graphql_api_id"].endswith(str(order["id"]))
        transactions = rest.ok(f"orders/{order['id']}/transactions.json")["transactions"]
        assert [(t["id"], t["kind"], t["amount"]) for t in transactions] == [
            (int(t["id"].rsplit("/", 1)[1]), t["kind"].lower(), t["amountSet"]["shopMoney"]["amount"])
            for t in g["transactions"]]
        refunds = rest.ok(f"orders/{order['id']}/refunds.json")["refunds"]
        assert refunds == order["refunds"]
        refund_tx = [t for t in transactions if t["kind"] == "refund"]
        assert [t for r in refunds for t in r["transactions"]] == refund_tx  # none only when there are none
        refunded += bool(refunds)
        fulfillments = rest.ok(f"orders/{order['id']}/fulfillments.json")["fulfillments"]
        assert [(f["id"], f["tracking_numbers"]) for f in fulfillments] == [
            (int(f["legacyResourceId"]), [t["number"] for t in f["trackingInfo"]]) for f in g["fulfillments"]]
        assert rest.ok(f"orders/{order['id']}/fulfillments/count.json")["count"] == len(fulfillments)
        fulfilled += bool(fulfillments)
        if fulfillments:
            one = fulfillments[0]
            assert rest.ok(f"orders/{order['id']}/fulfillments/{one['id']}.json")["fulfillment"] == one
            assert order["fulfillment_status"] == "fulfilled"
        if refunds:
            assert rest.ok(f"orders/{order['id']}/refunds/{refunds[0]['id']}.json")["refund"] == refunds[0]
            assert refunds[0]["transactions"][0]["parent_id"] in {t["id"] for t in transactions if t["kind"] == "sale"}
    assert refunded and fulfilled
    assert rest.ok(f"orders/{every[0]['id']}.json")["order"] == every[0]
    # a refund made through GraphQL reads back through REST with its line items and transaction
    target = next(o for o in every if o["financial_status"] == "paid")
    sale = next(t for t in rest.ok(f"orders/{target['id']}/transactions.json")["transactions"] if t["kind"] == "sale")
    line = target["line_items"][0]
    made = _graphql(rest_shop).data("""mutation($input: RefundInput!) { refundCreate(input: $input) {
        refund { id } userErrors { field message } } }""", {"input": {
        "orderId": f"gid://shopify/Order/{target['id']}", "note": "damaged",
        "refundLineItems": [{"lineItemId": f"gid://shopify/LineItem/{line['id']}", "quantity": 1}],
        "transactions": [{"orderId": f"gid://shopify/Order/{target['id']}", "gateway": sale["gateway"],
                          "kind": "REFUND", "amount": "1.00",
                          "parentId": f"gid://shopify/OrderTransaction/{sale['id']}"}]}})["refundCreate"]
    assert made["userErrors"] == []
    (refund,) = rest.ok(f"orders/{target['id']}/refunds.json")["refunds"]
    assert refund["admin_graphql_api_id"] == made["refund"]["id"] and refund["note"] == "damaged"
    assert [(r["line_item_id"], r["quantity"]) for r in refund["refund_line_items"]] == [(line["id"], 1)]
    assert [(t["kind"], t["amount"], t["parent_id"]) for t in refund["transactions"]] == [("refund", "1.00",
                                                                                         sale["id"])]
    assert rest.ok(f"orders/{target['id']}.json")["order"]["financial_status"] == "partially_refunded"


def test_rest_customers_inventory_locations_discounts_content_metafields(rest, rest_shop):
    customers = rest.ok("customers.json")["customers"]
    assert len(customers) == 5
    one = customers[0]
    assert rest.ok(f"customers/{one['id']}/addresses.json")["addresses"] == one["addresses"]
    address = one["addresses"][0]
    assert rest.ok(f"customers/{one['id']}/addresses/{address['id']}.json")["customer_address"] == address
    assert one["default_address"]["default"] is True and one["email"].endswith("@example.com")

    location = rest.ok("locations.json")["locations"][0]
    assert rest.ok(f"locations/{location['id']}.json")["location"] == location
    variants = [v for p in rest.ok("products.json")["products"] for v in p["variants"]]
    item_ids = [v["inventory_item_id"] for v in variants[:3]]
    items = rest.ok("inventory_items.json", ids=",".join(map(str, item_ids)))["inventory_items"]
    assert sorted(i["id"] for i in items) == sorted(item_ids)
    assert rest.ok(f"inventory_items/{item_ids[0]}.json")["inventory_item"]["id"] == item_ids[0]
    levels = rest.ok("inventory_levels.json", inventory_item_ids=",".join(map(str, item_ids)))["inventory_levels"]
    assert {(lvl["inventory_item_id"], lvl["available"]) for lvl in levels} == {
        (v["inventory_item_id"], v["inventory_quantity"]) for v in variants[:3]}
    assert all(set(lvl) == {"inventory_item_id", "location_id", "available", "updated_at", "admin_graphql_api_id"}
               for lvl in levels)
    at_location, _ = rest.walk(f"locations/{location['id']}/inventory_levels.json", "inventory_levels", limit=5)
    assert len(at_location) == len(variants)
    assert rest.get("inventory_levels.json").status_code == 422

    rules = rest.ok("price_rules.json")["price_rules"]
    codes = [rest.ok(f"price_rules/{r['id']}/discount_codes.json")["discount_codes"] for r in rules]
    assert all(len(c) == 1 and c[0]["price_rule_id"] == r["id"] for c, r in zip(codes, rules, strict=True))
    assert {r["value_type"] for r in rules} == {"percentage", "fixed_amount"}
    code = codes[0][0]
    assert rest.ok(f"price_rules/{rules[0]['id']}/discount_codes/{code['id']}.json")["discount_code"] == code

    pages = rest.ok("pages.json")["pages"]
    assert pages and rest.ok(f"pages/{pages[0]['id']}.json")["page"] == pages[0]
    blog = rest.ok("blogs.json")["blogs"][0]
    articles = rest.ok(f"blogs/{blog['id']}/articles.json")["articles"]
    assert len(articles) == rest.ok(f"blogs/{blog['id']}/articles/count.json")["count"] == 6
    assert rest.ok(f"blogs/{blog['id']}/articles/{articles[0]['id']}.json")["article"] == articles[0]

    product = rest.ok("products.json", limit=1)["products"][0]
    fields = rest.ok(f"products/{product['id']}/metafields.json")["metafields"]
    assert {(m["namespace"], m["key"], m["owner_id"], m["owner_resource"]) for m in fields} == {
        ("custom", "material", product["id"], "product"), ("custom", "care_instructions", product["id"], "product")}
    assert rest.ok(f"products/{product['id']}/metafields/count.json")["count"] == 2
    assert rest.ok(f"metafields/{fields[0]['id']}.json")["metafield"] == fields[0]
    assert rest.ok("metafields.json", **{"metafield[owner_id]": product["id"],
                                         "metafield[owner_resource]": "product"})["metafields"] == fields
    assert rest.ok("metafields.json")["metafields"] == []  # the seeded shop has no shop-level metafields


def test_rest_errors_are_shopify_json(rest, rest_shop):
    base = rest_shop["base_url"]
    for url, method in ((f"{rest.base}/nothing.json", "GET"), (f"{rest.base}/products/1.json", "GET"),
                        (f"{base}/admin/nothing", "GET"), (f"{base}/admin/api/{VERSION}/orders/x/y.json", "POST"),
                        (f"{rest.base}/shop.json", "DELETE")):
        response = rest.get(url, method=method)
        assert (response.status_code, response.json()) == (404, {"errors": "Not Found"}), url
        assert response.headers["Content-Type"].startswith("application/json")
    assert rest.get(f"{base}/admin/api/2019-13/shop.json").status_code == 404
    assert rest.get(f"{rest.base}/products").status_code == 406
    unversioned = rest.get(f"{base}/admin/shop.json")
    assert unversioned.status_code == 200 and unversioned.headers["X-Shopify-API-Version"] != VERSION
    old = rest.get(f"{base}/admin/api/2020-01/shop.json")  # versions fall forward to the oldest supported
    assert old.status_code == 200
    assert old.headers["X-Shopify-API-Version"] == unversioned.headers["X-Shopify-API-Version"] > "2020-01"
    bad = Rest(rest_shop, token="shpat_wrong").get("shop.json")
    assert (bad.status_code, bad.json()) == (401, {"errors": "[API] Invalid API key or access token (unrecognized "
                                                             "login or wrong password)"})
    read_only = Rest(rest_shop, token=rest_shop["read_only_credentials"]["access_token"])
    assert len(read_only.ok("orders.json", status="any", limit=250)["orders"]) == 14
    store = SandboxStore.objects.get(platform="shopify", name=rest_shop["store"])
    store.settings = {**store.settings, "withheld_scopes": ["read_all_orders"]}
    store.save(update_fields=["settings"])
    recent = rest.ok("orders.json", status="any", limit=250)["orders"]  # without read_all_orders: 60 days
    cutoff = (datetime.now(UTC) - timedelta(days=60)).strftime("%Y-%m-%dT%H:%M:%S+00:00")
    assert len(recent) < 14 and all(o["created_at"] >= cutoff for o in recent)
    assert rest.ok("orders/count.json", status="any")["count"] == len(recent)
    store.settings = {**store.settings, "withheld_scopes": ["read_orders"]}
    store.save(update_fields=["settings"])
    denied = rest.get("orders.json")
    assert (denied.status_code, denied.json()) == (
        403, {"errors": "[API] This action requires merchant approval for read_orders scope."})
    assert rest.get("products.json").status_code == 200


def test_rest_bucket_holds_40_requests_and_leaks_2_per_second(shopify_store_factory):
    described = shopify_store_factory("rest-bucket", customers=52)
    reader = Rest(described)
    started = time.monotonic()
    first = reader.get("customers.json")  # the default page size is 50
    assert len(first.json()["customers"]) == 50 and 'rel="next"' in first.headers["Link"]
    answers = [first]
    while len(answers) < 200 and (not answers or answers[-1].status_code != 429):
        answers.append(reader.get("shop.json"))
    elapsed = time.monotonic() - started
    codes = [a.status_code for a in answers]
    assert [a.headers["X-Shopify-Shop-Api-Call-Limit"] for a in answers[:3]] == ["1/40", "2/40", "3/40"]
    granted = codes.count(200)
    assert 40 <= granted <= 40 + 2 * elapsed + 1 and codes[:40] == [200] * 40
    throttled = next(a for a in answers if a.status_code == 429)
    assert throttled.json() == {"errors": "Exceeded 2 calls per second for api client. Reduce request rates to "
                                          "resume uninterrupted service."}
    assert throttled.headers["Retry-After"] == "2.0"
    assert throttled.headers["X-Shopify-Shop-Api-Call-Limit"] == "40/40"
    time.sleep(1.1)  # two requests leak out per second
    assert reader.get("shop.json").status_code == 200


def test_rest_bucket_is_shared_by_concurrent_clients(shopify_store_factory):
    described = shopify_store_factory("rest-bucket-shared")
    codes: list[int] = []
    lock = threading.Lock()

    def burst():
        reader = Rest(described)
        for _ in range(10):
            status = reader.get("shop.json").status_code
            with lock:
                codes.append(status)

    started = time.monotonic()
    threads = [threading.Thread(target=burst) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    assert len(codes) == 60 and set(codes) == {200, 429}
    assert 40 <= codes.count(200) <= 40 + 2 * elapsed + 1


@pytest.fixture
def official_rest(rest_shop):
    shopify.ShopifyResource.set_site(f"{rest_shop['base_url']}/admin/api/{VERSION}")
    shopify.ShopifyResource.set_headers({"X-Shopify-Access-Token": rest_shop["credentials"]["access_token"]})
    yield rest_shop
    shopify.ShopifyResource.clear_session()


def test_the_official_rest_client_reads_unchanged(official_rest):
    shop = shopify.Shop.current()
    assert shop.myshopify_domain == f"{official_rest['store']}.myshopify.com"
    page = shopify.Product.find(limit=3)
    seen = [p.id for p in page]
    pages = 1
    while page.has_next_page():
        page = page.next_page()
        seen += [p.id for p in page]
        pages += 1
    assert pages == 3 and len(seen) == len(set(seen)) == 7 == shopify.Product.count()
    assert page.has_previous_page() and [p.id for p in page.previous_page()] == seen[3:6]
    product = shopify.Product.find(seen[0])
    assert product.id == seen[0] and product.variants[0].sku and product.variants[0].inventory_item_id
    orders = shopify.Order.find(status="any", limit=250)
    assert len(orders) == 14 == shopify.Order.count(status="any")
    assert {o.id for o in orders} >= {o.id for o in shopify.Order.find(limit=250)}
    assert shopify.Customer.find(limit=250)[0].addresses[0].customer_id
