"""Order refunds in the WooCommerce sandbox, over real HTTP: `orders/{id}/refunds` (list, get, create,
delete) as wc_create_refund and WC_REST_Order_Refunds_Controller behave, the order's `refunds` summary,
the status semantics (an order refunded in full becomes `refunded`; an order set to `refunded` refunds
what remains), and the seed's invariants over several seeds."""
from decimal import Decimal

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sandbox.models import SandboxRecord
from sandbox.services import sandbox_seed, sandbox_store_create

REFUND_KEYS = ["id", "date_created", "date_created_gmt", "amount", "reason", "refunded_by", "refunded_payment",
               "meta_data", "line_items", "shipping_lines", "tax_lines", "fee_lines"]


class Http:
    def __init__(self, store: dict, version: str = "v3"):
        creds = store["credentials"]
        self.auth = (creds["consumer_key"], creds["consumer_secret"])
        self.base = f"{store['base_url']}/wp-json/wc/{version}/"

    def __call__(self, method: str, path: str, **kw) -> requests.Response:
        return requests.request(method, self.base + path, auth=self.auth, timeout=15, **kw)


def _order(api: Http, payment_method: str = "bacs", quantity: int = 3) -> tuple[dict, dict]:
    product = api("POST", "products", json={"name": "Mug", "regular_price": "12.50", "manage_stock": True,
                                            "stock_quantity": 10}).json()
    order = api("POST", "orders", json={
        "payment_method": payment_method, "set_paid": True, "status": "completed",
        "line_items": [{"product_id": product["id"], "quantity": quantity}],
        "shipping_lines": [{"method_id": "flat_rate", "method_title": "Flat rate", "total": "5.00"}],
    })
    assert order.status_code == 201, order.text
    return order.json(), product


@pytest.mark.django_db(transaction=True)
def test_refund_lines_amounts_restock_and_order_status(woo_store_factory):
    api = Http(woo_store_factory("refunds"))
    order, product = _order(api)
    assert order["total"] == "42.50" and api("GET", f"products/{product['id']}").json()["stock_quantity"] == 7
    line = order["line_items"][0]

    made = api("POST", f"orders/{order['id']}/refunds", json={
        "reason": "Broken", "api_refund": False,
        "line_items": [{"id": line["id"], "quantity": 1, "refund_total": 12.5}],
    })
    assert made.status_code == 201, made.text
    refund = made.json()
    assert list(refund) == REFUND_KEYS
    assert refund["amount"] == "12.50" and refund["refunded_payment"] is False and refund["reason"] == "Broken"
    [refunded_line] = refund["line_items"]
    assert refunded_line["quantity"] == -1 and refunded_line["total"] == "-12.50"
    assert refunded_line["product_id"] == product["id"]
    assert refunded_line["meta_data"][0]["key"] == "_refunded_item_id"
    assert refunded_line["meta_data"][0]["value"] == str(line["id"])
    assert api("GET", f"products/{product['id']}").json()["stock_quantity"] == 8  # api_restock defaults to true

    partly = api("GET", f"orders/{order['id']}").json()
    assert partly["status"] == "completed" and partly["total"] == "42.50"
    assert partly["refunds"] == [{"id": refund["id"], "reason": "Broken", "total": "-12.50"}]

    too_much = api("POST", f"orders/{order['id']}/refunds", json={"amount": "30.01", "api_refund": False})
    assert too_much.status_code == 500 and too_much.json() == {
        "code": "woocommerce_rest_cannot_create_order_refund", "message": "Invalid refund amount.",
        "data": {"status": 500}}
    negative = api("POST", f"orders/{order['id']}/refunds", json={"amount": "-1"})
    assert negative.status_code == 400 and negative.json()["code"] == "woocommerce_rest_invalid_order_refund"
    gateway = api("POST", f"orders/{order['id']}/refunds", json={"amount": "1"})  # api_refund defaults to true
    assert gateway.status_code == 500
    assert gateway.json()["message"] == "The payment gateway for this order does not support automatic refunds."

    rest = api("POST", f"orders/{order['id']}/refunds", json={"amount": "30.00", "api_refund": False,
                                                             "api_restock": False})
    assert rest.status_code == 201 and rest.json()["line_items"] == []
    full = api("GET", f"orders/{order['id']}").json()
    assert full["status"] == "refunded"
    assert [r["total"] for r in full["refunds"]] == ["-30.00", "-12.50"]  # newest first
    notes = [n["note"] for n in api("GET", f"orders/{order['id']}/notes").json()]
    assert "Order status changed from Completed to Refunded." in notes

    listed = api("GET", f"orders/{order['id']}/refunds", params={"per_page": 1})
    assert listed.headers["X-WP-Total"] == "2" and listed.headers["X-WP-TotalPages"] == "2"
    assert 'rel="next"' in listed.headers["Link"]
    everywhere = api("GET", "refunds").json()  # wc/v3 `refunds` (WooCommerce 9.0+)
    assert {r["id"] for r in everywhere} == {r["id"] for r in full["refunds"]}

    deleted = api("DELETE", f"orders/{order['id']}/refunds/{rest.json()['id']}")  # force defaults to true
    assert deleted.status_code == 200 and deleted.json()["amount"] == "30.00"
    after = api("GET", f"orders/{order['id']}").json()
    assert after["refunds"] == partly["refunds"] and after["status"] == "refunded"


@pytest.mark.django_db(transaction=True)
def test_refund_errors_gateways_and_status_change(woo_store_factory):
    api = Http(woo_store_factory("refund-rules"))
    assert api("GET", "orders/999999/refunds").json() == []  # WP_Query finds no refunds of a missing order
    missing = api("POST", "orders/999999/refunds", json={"amount": "1"})
    assert missing.status_code == 404 and missing.json() == {
        "code": "woocommerce_rest_invalid_order_id", "message": "Invalid order ID.", "data": {"status": 404}}
    order, _ = _order(api, payment_method="paypal", quantity=1)
    unknown = api("GET", f"orders/{order['id']}/refunds/999999")
    assert unknown.status_code == 404 and unknown.json()["code"] == "woocommerce_rest_shop_order_refund_invalid_id"
    assert api("PUT", f"orders/{order['id']}/refunds/1", json={}).json()["code"] == "rest_no_route"

    paid_back = api("POST", f"orders/{order['id']}/refunds", json={"amount": "2.00"}).json()
    assert paid_back["refunded_payment"] is True  # PayPal supports refunds through its API

    # woocommerce_order_status_refunded -> wc_order_fully_refunded: what remains, without lines
    changed = api("PUT", f"orders/{order['id']}", json={"status": "refunded"}).json()
    assert changed["status"] == "refunded"
    assert changed["refunds"][0]["reason"] == "Order fully refunded."
    assert sum(-Decimal(r["total"]) for r in changed["refunds"]) == Decimal(changed["total"])
    note = ("Order status set to refunded. To return funds to the customer you will need to issue a refund "
            "through your payment gateway.")
    assert note in [n["note"] for n in api("GET", f"orders/{order['id']}/notes").json()]

    created = api("POST", "orders", json={"status": "refunded", "line_items": [
        {"product_id": order["line_items"][0]["product_id"], "quantity": 2}]}).json()
    assert created["refunds"] == [
        {"id": created["refunds"][0]["id"], "reason": "Order fully refunded.", "total": f"-{created['total']}"}]

    other = created["refunds"][0]["id"]
    elsewhere = api("GET", f"orders/{order['id']}/refunds/{other}")
    assert elsewhere.status_code == 404 and elsewhere.json()["code"] == "woocommerce_rest_invalid_order_refund_id"

    legacy = Http({"base_url": api.base.split("/wp-json")[0], "credentials": {
        "consumer_key": api.auth[0], "consumer_secret": api.auth[1]}}, "v1")
    [v1_refund] = legacy("GET", f"orders/{created['id']}/refunds").json()
    assert list(v1_refund) == ["id", "date_created", "amount", "reason", "line_items"]
    assert api("DELETE", f"orders/{created['id']}", params={"force": "true"}).status_code == 200
    assert other not in {r["id"] for r in api("GET", "refunds", params={"per_page": 100}).json()}


def _check_seeded_refunds(store) -> int:
    orders = {r.record_id: r for r in SandboxRecord.objects.filter(store=store, resource="orders")}
    refunds: dict[int, list] = {}
    for refund in SandboxRecord.objects.filter(store=store, resource="refunds"):
        refunds.setdefault(refund.parent_id, []).append(refund)
        for line in refund.data["line_items"]:
            assert line["quantity"] < 0 and Decimal(line["total"]) <= 0
    for order_id, order in orders.items():
        mine = refunds.get(order_id, [])
        refunded = sum((Decimal(r.data["amount"]) for r in mine), Decimal(0))
        summary = order.data["refunds"]
        assert sorted(x["id"] for x in summary) == sorted(r.record_id for r in mine)
        assert sum((-Decimal(x["total"]) for x in summary), Decimal(0)) == refunded
        assert refunded <= Decimal(order.data["total"])
        if order.data["status"] == "refunded":
            assert mine, f"order {order_id} is refunded without refunds"
            assert refunded == Decimal(order.data["total"])
        for refund in mine:
            assert refund.date_created_gmt >= order.date_created_gmt
            lines = sum((Decimal(x["total"]) + Decimal(x["total_tax"]) for kind in ("line_items", "shipping_lines")
                         for x in refund.data[kind]), Decimal(0))
            if lines:
                assert -lines == Decimal(refund.data["amount"])
    return sum(len(v) for v in refunds.values())


@pytest.mark.django_db
@settings(max_examples=4, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(min_value=0, max_value=10_000))
def test_seeded_refunds_match_their_orders(seed):
    store = sandbox_store_create(platform="woocommerce", name=f"refund-seed-{seed}")
    counts = sandbox_seed(store, products=3, customers=2, orders=60, reviews=0, coupons=2, seed=seed)
    assert _check_seeded_refunds(store) == counts["refunds"]
    store.delete()
