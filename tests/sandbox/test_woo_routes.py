"""Contract tests, over real HTTP, for the WooCommerce sandbox routes that store readers call besides the
catalog and orders: system status (+ tools), payment gateways, shipping methods and zones, shipping
classes, tax rates, the REST indexes, the legacy wc/v1 and wc/v2 namespaces, WordPress's `_fields`, and
WooCommerce's own Python client on all three namespaces. Shapes follow woocommerce-rest-api-docs."""
import pytest
import requests
from woocommerce import API

from connectors.errors import AuthenticationError
from connectors.http import HttpClient
from connectors.woocommerce import WooCommerceConnector

pytestmark = pytest.mark.django_db(transaction=True)
NO_ROUTE = {"code": "rest_no_route", "message": "No route was found matching the URL and request method.",
            "data": {"status": 404}}


class Http:
    """requests against one store's wc/<version> namespace with its read/write key over Basic auth."""

    def __init__(self, store: dict, version: str = "v3", *, read_only: bool = False):
        creds = store["read_only_credentials" if read_only else "credentials"]
        self.auth = (creds["consumer_key"], creds["consumer_secret"])
        self.base = f"{store['base_url']}/wp-json/wc/{version}/"

    def __call__(self, method: str, path: str, **kw) -> requests.Response:
        return requests.request(method, self.base + path, auth=self.auth, timeout=15, **kw)


@pytest.fixture
def shop(woo_store_factory):
    return woo_store_factory("routes", products=4, customers=2, orders=12, seed=5)


def test_store_configuration_routes_answer_like_woocommerce(shop):
    api = Http(shop)
    tools = api("GET", "system_status/tools")
    assert tools.status_code == 200 and "X-WP-Total" not in tools.headers
    assert {"clear_transients", "recount_terms"} <= {t["id"] for t in tools.json()}
    assert set(tools.json()[0]) == {"id", "name", "action", "description"}
    ran = api("PUT", "system_status/tools/clear_transients", json={"confirm": True}).json()
    assert ran["success"] is True and ran["message"]
    assert api("GET", "system_status/tools/nope").json()["code"] == "woocommerce_rest_system_status_tool_invalid_id"

    gateways = api("GET", "payment_gateways").json()
    assert [g["id"] for g in gateways][:4] == ["bacs", "cheque", "cod", "paypal"]
    assert set(gateways[0]) == {"id", "title", "description", "order", "enabled", "method_title",
                                "method_description", "method_supports", "settings"}
    assert set(gateways[0]["settings"]["title"]) >= {"id", "label", "description", "type", "value", "default"}
    updated = api("PUT", "payment_gateways/cheque", json={"enabled": True, "title": "Cheque"}).json()
    assert updated["enabled"] is True and updated["settings"]["title"]["value"] == "Cheque"
    assert api("GET", "payment_gateways/cheque").json()["title"] == "Cheque"
    missing = api("GET", "payment_gateways/nope")
    assert missing.status_code == 404 and missing.json()["code"] == "woocommerce_rest_payment_gateway_invalid"
    read_only = Http(shop, read_only=True)("PUT", "payment_gateways/bacs", json={"enabled": False})
    assert read_only.status_code == 401

    assert {m["id"] for m in api("GET", "shipping_methods").json()} == {"flat_rate", "free_shipping", "local_pickup"}
    assert api("GET", "shipping_methods/flat_rate").json()["title"] == "Flat rate"
    zones = api("GET", "shipping/zones").json()
    assert zones[0] == {"id": 0, "name": "Locations not covered by your other zones", "order": 0}
    us = next(z for z in zones if z["name"] == "United States (US)")
    assert api("GET", f"shipping/zones/{us['id']}/locations").json() == [{"code": "US", "type": "country"}]
    methods = api("GET", f"shipping/zones/{us['id']}/methods").json()
    assert [m["method_id"] for m in methods] == ["flat_rate", "free_shipping"]
    assert methods[0]["instance_id"] == methods[0]["id"] and methods[0]["settings"]["cost"]["value"] == "8"
    assert api("GET", "shipping/zones/0/locations").json() == []


def test_zone_writes_and_their_errors(shop):
    api = Http(shop)
    made = api("POST", "shipping/zones", json={"name": "Brazil"})
    assert made.status_code == 201 and made.json()["name"] == "Brazil"
    zid = made.json()["id"]
    assert api("PUT", f"shipping/zones/{zid}/locations", json=[{"code": "BR"}]).json() == [
        {"code": "BR", "type": "country"}]
    method = api("POST", f"shipping/zones/{zid}/methods", json={"method_id": "flat_rate",
                                                                 "settings": {"cost": "20"}}).json()
    assert method["settings"]["cost"]["value"] == "20"
    assert api("GET", f"shipping/zones/{zid}/methods/{method['instance_id']}").json()["method_id"] == "flat_rate"
    rest_of_world = api("PUT", "shipping/zones/0", json={"name": "Mine"})
    assert rest_of_world.status_code == 403
    assert rest_of_world.json()["code"] == "woocommerce_rest_shipping_zone_invalid_zone"
    trash = api("DELETE", f"shipping/zones/{zid}")
    assert trash.status_code == 501 and trash.json()["code"] == "woocommerce_rest_trash_not_supported"
    assert api("DELETE", f"shipping/zones/{zid}", params={"force": "true"}).json()["id"] == zid
    gone = api("GET", f"shipping/zones/{zid}")
    assert gone.status_code == 404 and gone.json() == {
        "code": "woocommerce_rest_shipping_zone_invalid", "message": "Resource does not exist.",
        "data": {"status": 404}}
    missing = api("POST", "shipping/zones", json={})
    assert missing.status_code == 400 and missing.json()["code"] == "rest_missing_callback_param"


def test_taxes_and_shipping_classes_paginate_with_wordpress_headers(shop):
    api = Http(shop)
    for rate in ("20", "5.5"):
        made = api("POST", "taxes", json={"country": "fr", "rate": rate, "name": "TVA", "postcodes": ["75001"]})
        assert made.status_code == 201
        assert made.json()["rate"] == f"{float(rate):.4f}" and made.json()["country"] == "FR"
        assert made.json()["postcode"] == "75001" and "date_created" not in made.json()
    first = api("GET", "taxes", params={"per_page": 2})
    assert first.headers["X-WP-Total"] == "3" and first.headers["X-WP-TotalPages"] == "2"
    assert 'rel="next"' in first.headers["Link"] and "page=2" in first.headers["Link"]
    assert first.json()[0] == {
        "id": 1, "country": "", "state": "", "postcode": "", "city": "", "postcodes": [], "cities": [],
        "rate": "10.0000", "name": "Tax", "priority": 1, "compound": False, "shipping": True, "order": 0,
        "class": "standard"}
    last = api("GET", "taxes", params={"per_page": 2, "page": 2})
    assert len(last.json()) == 1 and 'rel="prev"' in last.headers["Link"]
    assert api("DELETE", "taxes/1").status_code == 501
    assert api("GET", "taxes/999").json()["code"] == "woocommerce_rest_invalid_id"

    classes = api("GET", "products/shipping_classes", params={"per_page": 1})
    assert classes.headers["X-WP-Total"] == "2" and 'rel="next"' in classes.headers["Link"]
    assert set(classes.json()[0]) == {"id", "name", "slug", "description", "count"}
    made = api("POST", "products/shipping_classes", json={"name": "Fragile goods"}).json()
    assert made["slug"] == "fragile-goods"
    duplicate = api("POST", "products/shipping_classes", json={"name": "Fragile goods"})
    assert duplicate.status_code == 400 and duplicate.json()["code"] == "term_exists"


def test_indexes_fields_and_legacy_namespaces(shop):
    site = shop["base_url"]
    index = requests.get(site + "/wp-json/", timeout=15).json()
    assert {"wc/v1", "wc/v2", "wc/v3"} <= set(index["namespaces"])
    v3 = requests.get(site + "/wp-json/wc/v3", timeout=15).json()
    assert v3["namespace"] == "wc/v3" and "/wc/v3/orders" in v3["routes"] and "/wc/v3/refunds" in v3["routes"]

    v3api, v2api, v1api = Http(shop), Http(shop, "v2"), Http(shop, "v1")
    fields = v3api("GET", "system_status", params={"_fields": "environment.version,settings.currency"}).json()
    assert fields == {"environment": {"version": fields["environment"]["version"]}, "settings": {"currency": "USD"}}
    assert set(v3api("GET", "orders", params={"_fields": "id,total"}).json()[0]) == {"id", "total"}

    for path in ("system_status", "payment_gateways", "shipping/zones", "shipping_methods", "products/1/variations"):
        missing = v1api("GET", path)
        assert (missing.status_code, missing.json()) == (404, NO_ROUTE), path
    for path in ("products/reviews", "refunds"):
        assert v2api("GET", path).json() == NO_ROUTE, path
    assert v2api("GET", "system_status").status_code == 200
    assert v1api("GET", "products/reviews").status_code == 404  # v1/v2 read reviews per product

    order = v3api("GET", "orders", params={"per_page": 1, "orderby": "id", "order": "asc"}).json()[0]
    legacy = v1api("GET", f"orders/{order['id']}").json()
    assert "meta_data" not in legacy and "date_created_gmt" not in legacy and "currency_symbol" not in legacy
    assert legacy["total"] == order["total"] and legacy["number"] == order["number"]
    line = legacy["line_items"][0]
    assert "meta" in line and "meta_data" not in line and "image" not in line and isinstance(line["price"], str)
    assert v2api("GET", f"orders/{order['id']}").json()["date_created_gmt"] == order["date_created_gmt"]
    product = v3api("GET", "products", params={"per_page": 1}).json()[0]
    old_product = v1api("GET", f"products/{product['id']}").json()
    assert old_product["in_stock"] == (product["stock_status"] != "outofstock")
    assert "stock_status" not in old_product and "meta_data" not in old_product

    reviewed = v3api("GET", "products/reviews", params={"per_page": 1}).json()
    assert reviewed, "the seed reviews products"
    pid = reviewed[0]["product_id"]
    v2_reviews = v2api("GET", f"products/{pid}/reviews").json()
    assert set(v2_reviews[0]) == {"id", "date_created", "date_created_gmt", "review", "rating", "name", "email",
                                  "verified"}
    assert v2_reviews[0]["name"] == reviewed[0]["reviewer"]
    assert "date_created_gmt" not in v1api("GET", f"products/{pid}/reviews").json()[0]
    assert v2api("POST", f"products/{pid}/reviews", json={"review": "x"}).json() == NO_ROUTE


@pytest.mark.parametrize("version", ["wc/v1", "wc/v2", "wc/v3"])
def test_the_official_client_works_unchanged_on_every_namespace(shop, version):
    """`woocommerce` on PyPI signs with OAuth 1.0a over plain HTTP; its URLs name the namespace."""
    creds = shop["credentials"]
    api = API(url=shop["base_url"], consumer_key=creds["consumer_key"], consumer_secret=creds["consumer_secret"],
              version=version, timeout=15)
    orders = api.get("orders", params={"per_page": 5})
    assert orders.status_code == 200 and orders.headers["X-WP-Total"] == "12"
    refunded = [o for o in api.get("orders", params={"per_page": 100}).json() if o["refunds"]]
    assert refunded, "the seed refunds some orders"
    refunds = api.get(f"orders/{refunded[0]['id']}/refunds")
    assert refunds.status_code == 200 and {r["id"] for r in refunds.json()} == {r["id"] for r in refunded[0]["refunds"]}
    assert api.get("taxes").json()[0]["rate"] == "10.0000"
    assert api.get("customers", params={"per_page": 1}).status_code == 200


def test_connection_check_reads_what_real_stores_expose(shop):
    """The check asks system_status for the sections it reads (`_fields`) and works with a read-only key."""
    connector = WooCommerceConnector(base_url=shop["base_url"], credentials=shop["read_only_credentials"],
                                     http=HttpClient(max_retries=1, backoff_cap=0.1))
    info = connector.check_connection()
    assert info.currency == "USD" and info.platform_version.startswith("WooCommerce ")
    assert info.counts["orders"] == 12 and info.default_language == "en"
    stripped = requests.get(shop["base_url"] + "/wp-json/wc/v3/system_status", timeout=15)
    error = connector._error(stripped, stripped.json(), "system_status")  # what a host that drops the header gets
    assert isinstance(error, AuthenticationError) and "Authorization header" in error.message
