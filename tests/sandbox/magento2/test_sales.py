"""Customers, orders in every state with their invoices/shipments/credit memos, shipping with tracks,
status comments, MSI source items, CMS, tax classes and sales rules, over real HTTP."""
from collections import Counter

STATUSES = {"pending", "processing", "complete", "canceled", "closed", "holded"}


def _customers_with_addresses_groups_and_errors(m2_seeded):
    client = m2_seeded
    customers = client.all_items("customers/search")
    assert len(customers) == 6
    for customer in customers:
        assert customer["addresses"] and customer["default_billing"] == str(customer["addresses"][0]["id"])
        assert customer["group_id"] in (1, 2, 3) and customer["store_id"] in (1, 2)
        assert client.ok("GET", f"customers/{customer['id']}") == customer
    missing = client.get("customers/999999")
    assert missing.status_code == 404
    assert missing.json() == {"message": "No such entity with %fieldName = %fieldValue",
                              "parameters": {"fieldName": "customerId", "fieldValue": "999999"}}
    assert [g["code"] for g in client.all_items("customerGroups/search")] == ["NOT LOGGED IN", "General", "Wholesale",
                                                                              "Retailer"]
    created = client.ok("POST", "customers", json={"customer": {
        "email": "new@example.com", "firstname": "New", "lastname": "Person",
        "addresses": [{"firstname": "New", "lastname": "Person", "street": ["1 Rue"], "city": "Paris",
                       "country_id": "FR", "postcode": "75001", "telephone": "1", "default_billing": True}]},
        "password": "Password1"})
    assert created["default_billing"] == str(created["addresses"][0]["id"])
    again = client.call("POST", "customers", json={"customer": {"email": "NEW@example.com", "firstname": "A",
                                                                 "lastname": "B"}})
    assert again.status_code == 400
    assert again.json()["message"] == "A customer with the same email address already exists in an associated website."


def _orders_cover_every_state_with_consistent_documents(m2_seeded):
    client = m2_seeded
    orders = client.all_items("orders")
    assert {o["status"] for o in orders} == STATUSES
    invoices = Counter(i["order_id"] for i in client.all_items("invoices"))
    shipments = {s["order_id"]: s for s in client.all_items("shipments")}
    memos = Counter(m["order_id"] for m in client.all_items("creditmemos"))
    for order in orders:
        status, oid = order["status"], order["entity_id"]
        assert order["state"] == {"pending": "new"}.get(status, status)
        assert bool(invoices[oid]) == (status in ("processing", "complete", "closed"))
        assert (oid in shipments) == (status in ("complete", "closed"))
        assert bool(memos[oid]) == (status == "closed")
        assert order["billing_address"]["address_type"] == "billing"
        assignment = order["extension_attributes"]["shipping_assignments"][0]
        assert assignment["shipping"]["address"]["address_type"] == "shipping"
        assert order["payment"]["method"] == "checkmo" and order["status_histories"]
        assert order["status_histories"][0]["status"] == status or status == "pending"
        lines = [i for i in order["items"] if not i.get("parent_item_id")]
        assert order["subtotal"] == round(sum(i["row_total"] for i in lines), 2)
        assert order["grand_total"] == round(order["subtotal"] + order["shipping_amount"], 2)
        if oid in shipments:
            assert shipments[oid]["tracks"][0]["track_number"]
            assert client.ok("GET", f"shipment/{shipments[oid]['entity_id']}") == shipments[oid]
    missing = client.get("orders/999999")
    assert missing.status_code == 404
    assert missing.json() == {"message": "The entity that was requested doesn't exist. Verify the entity and try "
                                         "again."}


def _ship_an_order_with_a_track_then_comment_a_status(m2_seeded):
    client = m2_seeded
    order = client.search("orders", {"filter_groups": [{"filters": [
        {"field": "status", "value": "processing", "condition_type": "eq"}]}], "pageSize": 1})["items"][0]
    shipment_id = client.ok("POST", f"order/{order['entity_id']}/ship", json={
        "notify": True, "tracks": [{"track_number": "1Y-9876543210", "title": "United Parcel Service",
                                    "carrier_code": "ups"}]})
    assert isinstance(shipment_id, int)
    shipped = client.ok("GET", f"orders/{order['entity_id']}")
    assert (shipped["status"], shipped["state"]) == ("complete", "complete")
    assert shipped["updated_at"] >= order["updated_at"]
    track = client.ok("POST", "shipment/track", json={"entity": {
        "order_id": order["entity_id"], "parent_id": shipment_id, "track_number": "TRACK-2", "title": "DHL",
        "carrier_code": "dhl"}})
    shipment = client.ok("GET", f"shipment/{shipment_id}")
    assert [t["track_number"] for t in shipment["tracks"]] == ["1Y-9876543210", "TRACK-2"]
    assert track["parent_id"] == shipment_id
    refused = client.call("POST", f"order/{order['entity_id']}/ship", json={})
    assert refused.status_code == 400
    assert client.ok("POST", f"orders/{order['entity_id']}/comments", json={"statusHistory": {
        "comment": "Returned", "is_customer_notified": 0, "is_visible_on_front": 0, "status": "closed"}}) is True
    closed = client.ok("GET", f"orders/{order['entity_id']}")
    assert closed["status"] == "closed" and closed["status_histories"][0]["comment"] == "Returned"
    pending = client.search("orders", {"filter_groups": [{"filters": [
        {"field": "status", "value": "pending", "condition_type": "eq"}]}]})["items"][0]
    invoices_before = client.search("invoices")["total_count"]
    assert client.ok("POST", f"orders/{pending['entity_id']}/hold") is True
    assert client.ok("GET", f"orders/{pending['entity_id']}")["status"] == "holded"
    assert client.ok("POST", f"orders/{pending['entity_id']}/unhold") is True
    assert client.ok("GET", f"orders/{pending['entity_id']}")["status"] == "pending"
    invoice_id = client.ok("POST", f"order/{pending['entity_id']}/invoice", json={"capture": True})
    invoiced = client.ok("GET", f"orders/{pending['entity_id']}")
    assert (invoiced["status"], invoiced["total_paid"]) == ("processing", invoiced["grand_total"])
    assert client.ok("GET", f"invoices/{invoice_id}")["grand_total"] == invoiced["grand_total"]
    assert client.search("invoices")["total_count"] == invoices_before + 1
    assert client.call("POST", f"order/{pending['entity_id']}/invoice", json={}).status_code == 400


def _msi_source_items_and_the_product_stock_agree(m2_seeded):
    client = m2_seeded
    items = client.all_items("inventory/source-items")
    sku = items[0]["sku"]
    assert all(i["source_code"] == "default" for i in items)
    assert client.ok("POST", "inventory/source-items", json={"sourceItems": [
        {"sku": sku, "source_code": "default", "quantity": 42, "status": 1}]}) == []
    stock = client.ok("GET", f"products/{sku}")["extension_attributes"]["stock_item"]
    assert stock["qty"] == 42 and stock["is_in_stock"] is True
    unknown = client.call("POST", "inventory/source-items", json={"sourceItems": [
        {"sku": "NO-SUCH", "source_code": "default", "quantity": 1, "status": 1}]})
    assert unknown.status_code == 404


def _cms_tax_classes_sales_rules_and_coupons(m2_seeded):
    client = m2_seeded
    pages = client.all_items("cmsPage/search")
    assert {"home", "no-route", "about-us"} <= {p["identifier"] for p in pages}
    assert client.ok("GET", f"cmsPage/{pages[0]['id']}")["identifier"] == pages[0]["identifier"]
    assert client.all_items("cmsBlock/search")
    page = client.ok("POST", "cmsPage", json={"page": {"identifier": "new-page", "title": "New", "content": "x"}})
    assert page["identifier"] == "new-page" and page["active"] is True
    assert client.call("POST", "cmsPage", json={"page": {"identifier": "new-page", "title": "Again"}}).status_code \
        == 400
    assert {c["class_type"] for c in client.all_items("taxClasses/search")} == {"PRODUCT", "CUSTOMER"}
    rules = client.all_items("salesRules/search")
    coupons = client.all_items("coupons/search")
    assert len(rules) == len(coupons) == 3
    assert {c["rule_id"] for c in coupons} == {r["rule_id"] for r in rules}


def test_customers_and_content(m2_seeded):
    """Customers, groups, CMS, tax classes and sales rules on one seeded store."""
    _customers_with_addresses_groups_and_errors(m2_seeded)
    _cms_tax_classes_sales_rules_and_coupons(m2_seeded)


def test_orders_shipping_and_stock(m2_seeded):
    """Orders in every state, then shipping, comments and stock on the same store."""
    _orders_cover_every_state_with_consistent_documents(m2_seeded)
    _ship_an_order_with_a_track_then_comment_a_status(m2_seeded)
    _msi_source_items_and_the_product_stock_agree(m2_seeded)
