"""Orders v2 (statuses, filters, products, addresses, shipments with tracking), customers v3 with
addresses and groups, coupons v2, redirects v3, channels and locale, over real HTTP."""
from email.utils import parsedate_to_datetime

from .conftest import BigCommerceClient


def _v2_all(client: BigCommerceClient, path: str, **params) -> list:
    out, page = [], 1
    while True:
        response = client.get(path, version="v2", params={**params, "page": page, "limit": 7})
        if response.status_code == 204:
            return out
        assert response.status_code == 200, response.text
        out += response.json()
        page += 1


def test_orders_every_status_shipments_and_filters(seeded_bc):
    orders = _v2_all(seeded_bc, "orders")
    statuses = {s["id"]: s["name"] for s in seeded_bc.get("order_statuses", version="v2").json()}
    assert {o["status_id"] for o in orders} == set(statuses) and all(o["status"] == statuses[o["status_id"]]
                                                                     for o in orders)
    for order in orders:
        shipments = seeded_bc.get(f"orders/{order['id']}/shipments", version="v2")
        lines = seeded_bc.get(f"orders/{order['id']}/products", version="v2").json()
        if order["status_id"] in (2, 3, 10):
            assert shipments.status_code == 200 and all(s["tracking_number"] for s in shipments.json())
            shipped = sum(line["quantity_shipped"] for line in lines)
            assert (shipped == order["items_total"]) == (order["status_id"] != 3) and shipped == order["items_shipped"]
        else:
            assert shipments.status_code == 204 and order["items_shipped"] == 0
    assert seeded_bc.get("orders/count", version="v2").json()["count"] == len(orders)
    # filters and dates
    modified = sorted(parsedate_to_datetime(o["date_modified"]) for o in orders)
    middle = modified[len(modified) // 2]
    newer = _v2_all(seeded_bc, "orders", min_date_modified=middle.isoformat())
    assert {o["id"] for o in newer} == {o["id"] for o in orders if parsedate_to_datetime(o["date_modified"]) >= middle}
    rfc = _v2_all(seeded_bc, "orders", min_date_modified=middle.strftime("%a, %d %b %Y %H:%M:%S +0000"))
    assert {o["id"] for o in rfc} == {o["id"] for o in newer}
    assert {o["status_id"] for o in _v2_all(seeded_bc, "orders", status_id=5)} == {5}
    assert min(o["id"] for o in orders) == 100
    assert [o["id"] for o in _v2_all(seeded_bc, "orders", min_id=110)] == sorted(o["id"] for o in orders
                                                                                  if o["id"] >= 110)


def test_order_create_ship_partially_then_fully(bc):
    product = bc.post("catalog/products", json={"name": "Cup", "type": "physical", "weight": 1, "price": 4}).json()
    billing = {"first_name": "A", "last_name": "B", "street_1": "1 St", "city": "X", "zip": "1", "country": "US",
               "email": "a@example.com"}
    assert bc.post("orders", version="v2", json={"products": []}).status_code == 400
    created = bc.post("orders", version="v2", json={"billing_address": billing, "status_id": 11,
                                                    "products": [{"product_id": product["data"]["id"], "quantity": 3}]})
    assert created.status_code == 201
    order = created.json()
    assert order["total_inc_tax"] == "12.0000" and order["status"] == "Awaiting Fulfillment"
    address = bc.get(f"orders/{order['id']}/shipping_addresses", version="v2").json()[0]
    line = bc.get(f"orders/{order['id']}/products", version="v2").json()[0]
    ship = {"order_address_id": address["id"], "tracking_number": "1Z999", "tracking_carrier": "ups",
            "items": [{"order_product_id": line["id"], "quantity": 1}]}
    first = bc.post(f"orders/{order['id']}/shipments", version="v2", json=ship)
    assert first.status_code == 201 and first.json()["generated_tracking_link"].endswith("1Z999")
    assert bc.get(f"orders/{order['id']}", version="v2").json()["status_id"] == 3
    too_many = bc.post(f"orders/{order['id']}/shipments", version="v2",
                       json={**ship, "items": [{"order_product_id": line["id"], "quantity": 5}]})
    assert too_many.status_code == 400 and too_many.json()[0]["status"] == 400
    bc.post(f"orders/{order['id']}/shipments", version="v2",
            json={**ship, "items": [{"order_product_id": line["id"], "quantity": 2}]})
    assert bc.get(f"orders/{order['id']}", version="v2").json()["status"] == "Shipped"
    moved = bc.put(f"orders/{order['id']}", version="v2", json={"status_id": 10})
    assert moved.status_code == 200 and moved.json()["status"] == "Completed"
    assert bc.put(f"orders/{order['id']}", version="v2", json={"status_id": 99}).status_code == 400


def test_customers_batches_addresses_and_groups(bc):
    group = bc.post("customer_groups", version="v2", json={"name": "Wholesale"})
    assert group.status_code == 201
    people = [{"email": f"p{n}@example.com", "first_name": "P", "last_name": str(n),
               "customer_group_id": group.json()["id"],
               "addresses": [{"first_name": "P", "last_name": str(n), "address1": "1 St", "city": "X",
                              "country_code": "US"}]} for n in range(11)]
    assert bc.post("customers", json=people).status_code == 413
    created = bc.post("customers", json=people[:10])
    assert created.status_code == 200 and len(created.json()["data"]) == 10
    duplicate = bc.post("customers", json=[people[0]])
    assert duplicate.status_code == 422
    listed = bc.data("customers", include="addresses", **{"email:in": "p1@example.com,p2@example.com"})
    assert [c["email"] for c in listed] == ["p1@example.com", "p2@example.com"]
    assert all(len(c["addresses"]) == 1 and c["customer_group_id"] == group.json()["id"] for c in listed)
    updated = bc.put("customers", json=[{"id": listed[0]["id"], "last_name": "Renamed"}])
    assert updated.json()["data"][0]["last_name"] == "Renamed"
    addresses = bc.data("customers/addresses", **{"customer_id:in": str(listed[0]["id"])})
    assert len(addresses) == 1 and addresses[0]["customer_id"] == listed[0]["id"]
    assert bc.delete("customers", params={"id:in": str(listed[0]["id"])}).status_code == 204
    assert bc.data("customers", **{"id:in": str(listed[0]["id"])}) == []
    assert bc.get("customers/1").status_code == 404  # there is no /v3/customers/{id}


def test_coupons_redirects_channels_and_locale(bc):
    made = bc.post("coupons", version="v2", json={"name": "Ten", "code": "TEN", "type": "per_total_discount",
                                                  "amount": "10", "applies_to": {"entity": "categories", "ids": [0]}})
    assert made.status_code == 201
    coupons = bc.get("coupons", version="v2").json()
    assert [c["code"] for c in coupons] == ["TEN"]
    dup = bc.post("coupons", version="v2", json={**{k: coupons[0][k] for k in ("code", "type", "amount",
                                                                                     "applies_to")}, "name": "Other"})
    assert dup.status_code == 409 and dup.json()[0]["status"] == 409
    missing = bc.post("coupons", version="v2", json={"name": "No code"})
    assert missing.status_code == 400
    mug = {"name": "Mug", "type": "physical", "weight": 1, "price": 4, "sku": "MUG-1"}
    product = bc.post("catalog/products", json=mug).json()["data"]
    upsert = [{"from_path": "/legacy/a.html", "site_id": 1, "to": {"type": "product", "entity_id": product["id"]}},
              {"from_path": "/legacy/b.html", "site_id": 1, "to": {"type": "url", "url": "/new-b/"}}]
    assert bc.put("storefront/redirects", json=upsert).status_code == 200
    bc.put("storefront/redirects", json=upsert[:1])  # an upsert, not a second redirect
    redirects = bc.all("storefront/redirects", include="to_url")
    legacy = [r for r in redirects if r["from_path"].startswith("/legacy/")]
    assert len(legacy) == 2 and legacy[0]["to_url"].endswith(product["custom_url"]["url"])
    base = bc.data(f"catalog/products/{product['id']}", include="variants")["variants"][0]
    assert base["sku"] == "MUG-1"
    absolute = {"items": [{"product_id": product["id"], "quantity": 9}]}
    assert bc.post("inventory/adjustments/absolute", json=absolute).status_code == 200
    relative = {"items": [{"sku": "MUG-1", "quantity": -2}]}
    assert bc.post("inventory/adjustments/relative", json=relative).status_code == 200
    assert bc.data(f"catalog/products/{product['id']}")["inventory_level"] == 7
    unknown = bc.post("inventory/adjustments/absolute", json={"items": [{"variant_id": 999999, "quantity": 1}]})
    assert unknown.status_code == 422
    assert bc.data("channels")[0]["type"] == "storefront"
    assert bc.data("settings/store/locale")["default_shopper_language"] == "en"
