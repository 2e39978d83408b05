from datetime import timedelta

from sandbox.models import SandboxRecord
from sandbox.records import now_utc


def test_list_pagination_headers_and_links(seeded):
    response = seeded.get("products", per_page=5, page=2)
    assert response.status_code == 200
    total = seeded.store.counts["products"]
    assert response["X-WP-Total"] == str(total)
    assert response["X-WP-TotalPages"] == str(-(-total // 5))
    assert len(response.json()) == 5
    assert 'rel="prev"' in response["Link"] and 'rel="next"' in response["Link"]
    assert "page=3" in response["Link"] and "page=1" in response["Link"]


def test_list_default_page_size_is_ten_and_pages_do_not_overlap(seeded):
    first = [p["id"] for p in seeded.get("products").json()]
    second = [p["id"] for p in seeded.get("products", page=2).json()]
    assert len(first) == 10
    assert not set(first) & set(second)


def test_list_per_page_out_of_range_is_rest_invalid_param(seeded):
    for value in (0, 101):
        response = seeded.get("products", per_page=value)
        assert response.status_code == 400
        assert response.json() == {
            "code": "rest_invalid_param",
            "message": "Invalid parameter(s): per_page",
            "data": {
                "status": 400,
                "params": {"per_page": "per_page must be between 1 (inclusive) and 100 (inclusive)"},
                "details": {
                    "per_page": {
                        "code": "rest_out_of_bounds",
                        "message": "per_page must be between 1 (inclusive) and 100 (inclusive)",
                        "data": None,
                    }
                },
            },
        }


def test_list_modified_after_filters_on_gmt_modified_date(seeded):
    store = seeded.store
    recent = now_utc() + timedelta(days=1)
    target = SandboxRecord.objects.filter(store=store, resource="orders").order_by("record_id")[:3]
    ids = [r.record_id for r in target]
    SandboxRecord.objects.filter(store=store, resource="orders", record_id__in=ids).update(date_modified_gmt=recent)
    since = (recent - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%S")
    response = seeded.get("orders", modified_after=since, dates_are_gmt="true", orderby="id", order="asc")
    assert [o["id"] for o in response.json()] == ids
    assert all(o["date_modified_gmt"] > since for o in response.json())
    before = seeded.get("orders", modified_before=since, dates_are_gmt="true", per_page=100)
    assert int(before["X-WP-Total"]) == seeded.store.counts["orders"] - 3


def test_list_include_exclude_offset_and_orderby(seeded):
    ids = [p["id"] for p in seeded.get("products", orderby="id", order="asc", per_page=6).json()]
    assert ids == sorted(ids)
    picked = [ids[3], ids[0], ids[5]]
    included = seeded.get("products", include=",".join(map(str, picked)), orderby="include")
    assert [p["id"] for p in included.json()] == picked
    excluded = seeded.get("products", exclude=ids[0], orderby="id", order="asc", per_page=2)
    assert ids[0] not in [p["id"] for p in excluded.json()]
    offset = seeded.get("products", orderby="id", order="asc", offset=2, per_page=2)
    assert [p["id"] for p in offset.json()] == ids[2:4]


def test_list_filters_sku_status_type_and_category(seeded):
    product = seeded.get("products", per_page=1).json()[0]
    by_sku = seeded.get("products", sku=product["sku"]).json()
    assert [p["id"] for p in by_sku] == [product["id"]]
    variable = seeded.get("products", type="variable", per_page=100).json()
    assert variable and all(p["type"] == "variable" and p["variations"] for p in variable)
    category_id = product["categories"][0]["id"]
    in_category = seeded.get("products", category=category_id, per_page=100).json()
    assert product["id"] in [p["id"] for p in in_category]
    assert all(category_id in [c["id"] for c in p["categories"]] for p in in_category)
    completed = seeded.get("orders", status="completed", per_page=100).json()
    assert all(o["status"] == "completed" for o in completed)


def test_list_orders_search_and_customer_filter(seeded):
    order = next(o for o in seeded.get("orders", per_page=100).json() if o["customer_id"])
    email = order["billing"]["email"]
    found = seeded.get("orders", search=email, per_page=100).json()
    assert order["id"] in [o["id"] for o in found]
    by_number = seeded.get("orders", search=order["number"]).json()
    assert order["id"] in [o["id"] for o in by_number]
    mine = seeded.get("orders", customer=order["customer_id"], per_page=100).json()
    assert mine and all(o["customer_id"] == order["customer_id"] for o in mine)


def test_list_customers_email_filter(seeded):
    customer = seeded.get("customers", per_page=1).json()[0]
    found = seeded.get("customers", email=customer["email"].upper()).json()
    assert [c["id"] for c in found] == [customer["id"]]


def test_list_unknown_route_is_rest_no_route(woo):
    response = woo.get("webhooks/nope")
    assert response.status_code == 404
    assert response.json() == {
        "code": "rest_no_route",
        "message": "No route was found matching the URL and request method.",
        "data": {"status": 404},
    }
