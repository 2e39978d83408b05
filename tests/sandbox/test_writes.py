from datetime import timedelta

from sandbox.models import SandboxRecord


def test_product_create_derives_price_stock_status_and_dates(woo):
    response = woo.post("products", {
        "name": "Blue Mug", "regular_price": "12.50", "sale_price": "9.99", "manage_stock": True,
        "stock_quantity": 0, "sku": "MUG-1", "meta_data": [{"key": "origin", "value": "FR"}],
        "price": "1.00", "date_created_gmt": "2020-05-01T10:00:00",
    })
    assert response.status_code == 201
    product = response.json()
    assert isinstance(product["id"], int)
    assert product["price"] == "9.99" and product["on_sale"] is True
    assert product["stock_status"] == "outofstock"
    assert product["slug"] == "blue-mug"
    assert product["permalink"].endswith("/sandbox/woocommerce/unit-store/product/blue-mug/")
    assert product["meta_data"][0]["key"] == "origin" and isinstance(product["meta_data"][0]["id"], int)
    assert product["date_created_gmt"] == "2020-05-01T10:00:00"
    for key in ("date_created", "date_created_gmt", "date_modified", "date_modified_gmt"):
        assert len(product[key]) == 19 and product[key][10] == "T"


def test_update_bumps_date_modified(woo, woo_store):
    product = woo.post("products", {"name": "Lamp", "regular_price": "30"}).json()
    record = SandboxRecord.objects.get(store=woo_store, resource="products", record_id=product["id"])
    record.date_modified_gmt -= timedelta(days=3)
    record.save()
    old = woo.get(f"products/{product['id']}").json()["date_modified_gmt"]
    updated = woo.put(f"products/{product['id']}", {"stock_quantity": 5, "manage_stock": True}).json()
    assert updated["date_modified_gmt"] > old
    assert updated["stock_status"] == "instock" and updated["stock_quantity"] == 5


def test_invalid_id_answers_404_with_type_code(woo):
    response = woo.get("products/99999")
    assert response.status_code == 404
    assert response.json() == {
        "code": "woocommerce_rest_product_invalid_id", "message": "Invalid ID.", "data": {"status": 404}
    }
    assert woo.get("orders/99999").json()["code"] == "woocommerce_rest_shop_order_invalid_id"
    assert woo.get("customers/99999").json()["code"] == "woocommerce_rest_invalid_id"


def test_missing_required_field_is_rest_missing_callback_param(woo):
    response = woo.post("customers", {"first_name": "No email"})
    assert response.status_code == 400
    assert response.json() == {
        "code": "rest_missing_callback_param", "message": "Missing parameter(s): email",
        "data": {"status": 400, "params": ["email"]},
    }
    assert woo.post("coupons", {"amount": "5"}).json()["code"] == "rest_missing_callback_param"
    assert woo.post("products/categories", {}).json()["code"] == "rest_missing_callback_param"


def test_customer_duplicate_email_is_registration_error(woo):
    assert woo.post("customers", {"email": "ann@example.com"}).status_code == 201
    response = woo.post("customers", {"email": "Ann@example.com"})
    assert response.status_code == 400
    assert response.json()["code"] == "registration-error-email-exists"


def test_delete_trash_force_and_trash_not_supported(woo):
    product = woo.post("products", {"name": "Old"}).json()
    trashed = woo.delete(f"products/{product['id']}")
    assert trashed.status_code == 200 and trashed.json()["status"] == "trash"
    assert product["id"] not in [p["id"] for p in woo.get("products").json()]
    assert woo.delete(f"products/{product['id']}").status_code == 410
    assert woo.delete(f"products/{product['id']}", force="true").status_code == 200
    assert woo.get(f"products/{product['id']}").status_code == 404
    customer = woo.post("customers", {"email": "bob@example.com"}).json()
    response = woo.delete(f"customers/{customer['id']}")
    assert response.status_code == 501
    assert response.json()["code"] == "woocommerce_rest_trash_not_supported"


def test_order_create_computes_lines_totals_and_ignores_read_only_dates(woo, woo_store):
    product = woo.post("products", {"name": "Tee", "type": "variable", "sku": "TEE"}).json()
    variation = woo.post(f"products/{product['id']}/variations", {
        "regular_price": "20.00", "sku": "TEE-RED", "manage_stock": True, "stock_quantity": 10,
        "attributes": [{"id": 0, "name": "Color", "option": "Red"}],
    }).json()
    assert woo.get(f"products/{product['id']}").json()["variations"] == [variation["id"]]
    before = woo.get(f"products/{product['id']}/variations/{variation['id']}").json()["date_modified_gmt"]
    SandboxRecord.objects.filter(store=woo_store, resource="variations").update(
        date_modified_gmt=SandboxRecord.objects.get(store=woo_store, resource="variations").date_modified_gmt
        - timedelta(days=1)
    )
    order = woo.post("orders", {
        "date_created": "2001-01-01T00:00:00", "set_paid": True,
        "billing": {"email": "c@example.com", "first_name": "Cy"},
        "line_items": [{"product_id": product["id"], "variation_id": variation["id"], "quantity": 2}],
        "shipping_lines": [{"method_id": "flat_rate", "method_title": "Flat", "total": "5.00"}],
        "meta_data": [{"key": "_source", "value": "test"}],
    })
    assert order.status_code == 201
    body = order.json()
    assert body["number"] == str(body["id"])
    assert body["status"] == "processing" and body["date_paid"]
    assert not body["date_created"].startswith("2001")
    line = body["line_items"][0]
    assert line["sku"] == "TEE-RED" and line["subtotal"] == "40.00" and line["total"] == "40.00"
    assert line["price"] == 20.0 and isinstance(line["id"], int)
    assert body["shipping_total"] == "5.00" and body["total"] == "45.00"
    reduced = woo.get(f"products/{product['id']}/variations/{variation['id']}").json()
    assert reduced["stock_quantity"] == 8
    assert reduced["date_modified_gmt"] >= before


def test_order_notes_require_note_and_delete_needs_force(woo):
    order = woo.post("orders", {"status": "on-hold"}).json()
    assert woo.post(f"orders/{order['id']}/notes", {}).json()["code"] == "rest_missing_callback_param"
    note = woo.post(f"orders/{order['id']}/notes", {"note": "Tracking number: 1Z999", "customer_note": True})
    assert note.status_code == 201 and note.json()["customer_note"] is True
    notes = woo.get(f"orders/{order['id']}/notes", type="customer").json()
    assert [n["note"] for n in notes] == ["Tracking number: 1Z999"]
    assert woo.delete(f"orders/{order['id']}/notes/{note.json()['id']}").status_code == 501
    assert woo.delete(f"orders/{order['id']}/notes/{note.json()['id']}", force="true").status_code == 200
    assert woo.get("orders/424242/notes").json()["code"] == "woocommerce_rest_shop_order_invalid_id"


def test_tax_classes_create_list_delete(woo):
    created = woo.post("taxes/classes", {"name": "Luxury"})
    assert created.status_code == 201 and created.json() == {"slug": "luxury", "name": "Luxury"}
    slugs = [c["slug"] for c in woo.get("taxes/classes").json()]
    assert slugs == ["standard", "reduced-rate", "zero-rate", "luxury"]
    assert woo.delete("taxes/classes/luxury").status_code == 501
    assert woo.delete("taxes/classes/luxury", force="true").json() == {"slug": "luxury", "name": "Luxury"}


def test_attributes_terms_and_review_flow(woo):
    attribute = woo.post("products/attributes", {"name": "Color"}).json()
    assert attribute["slug"] == "pa_color"
    term = woo.post(f"products/attributes/{attribute['id']}/terms", {"name": "Red"})
    assert term.status_code == 201 and term.json()["slug"] == "red"
    product = woo.post("products", {"name": "Pen"}).json()
    review = woo.post("products/reviews", {
        "product_id": product["id"], "review": "Nice", "reviewer": "Al", "reviewer_email": "al@example.com",
        "rating": 4,
    })
    assert review.status_code == 201 and review.json()["product_name"] == "Pen"
    assert woo.post("products/reviews", {"product_id": product["id"]}).status_code == 400
