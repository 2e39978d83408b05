def test_batch_create_update_delete(woo):
    existing = woo.post("products", {"name": "A"}).json()
    doomed = woo.post("products", {"name": "B"}).json()
    response = woo.post("products/batch", {
        "create": [{"name": "C", "regular_price": "3"}],
        "update": [{"id": existing["id"], "regular_price": "7.00"}],
        "delete": [doomed["id"]],
    })
    assert response.status_code == 200
    body = response.json()
    assert body["create"][0]["name"] == "C" and body["create"][0]["price"] == "3"
    assert body["update"][0]["price"] == "7.00"
    assert body["delete"][0]["id"] == doomed["id"]
    assert woo.get(f"products/{doomed['id']}").status_code == 404  # batch deletes are forced


def test_batch_over_100_objects_is_413(woo):
    response = woo.post("products/batch", {"create": [{"name": f"P{i}"} for i in range(101)]})
    assert response.status_code == 413
    assert response.json() == {
        "code": "woocommerce_rest_request_entity_too_large",
        "message": "Unable to accept more than 100 items for this request.",
        "data": {"status": 413},
    }
    assert woo.get("products").json() == []


def test_batch_item_errors_keep_http_200(woo):
    response = woo.post("customers/batch", {
        "create": [{"email": "ok@example.com"}, {"first_name": "no email"}],
        "update": [{"id": 987654, "first_name": "Ghost"}],
        "delete": [123456],
    })
    assert response.status_code == 200
    body = response.json()
    assert body["create"][0]["email"] == "ok@example.com"
    assert body["create"][1]["id"] == 0
    assert body["create"][1]["error"]["code"] == "rest_missing_callback_param"
    assert body["update"][0] == {
        "id": 987654,
        "error": {"code": "woocommerce_rest_invalid_id", "message": "Invalid resource ID.", "data": {"status": 404}},
    }
    assert body["delete"][0]["error"]["data"]["status"] == 404
