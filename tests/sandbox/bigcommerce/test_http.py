"""Auth, routes, envelopes, paging and error shapes of the BigCommerce sandbox, over real HTTP."""
import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from .conftest import BigCommerceClient


def test_describe_gives_store_hash_and_token(bigcommerce_store_factory):
    described = bigcommerce_store_factory("bc-describe")
    creds = described["credentials"]
    assert described["base_url"].endswith("/sandbox/bigcommerce/bc-describe")
    assert len(creds["store_hash"]) == 10 and len(creds["access_token"]) == 31
    store = BigCommerceClient(described).get("store", version="v2")
    assert store.status_code == 200
    body = store.json()
    assert body["id"] == creds["store_hash"] and body["currency"] == "USD" and body["plan_name"] == "Standard"


def test_auth_failures_have_bigcommerces_shapes(bc):
    missing = BigCommerceClient(bc.described, token=None).get("catalog/products")
    assert (missing.status_code, missing.text) == (401, "X-Auth-Token header is required")
    assert missing.headers["Content-Type"].startswith("text/plain")
    empty = BigCommerceClient(bc.described, token="").get("catalog/products")
    assert (empty.status_code, empty.text) == (401, "X-Auth-Token header should have correct format")
    wrong = BigCommerceClient(bc.described, token="x" * 31).get("catalog/products")
    assert wrong.status_code == 401 and wrong.json()["title"] == "Unauthorized"
    assert "X-Rate-Limit-Requests-Left" not in wrong.headers
    latin = BigCommerceClient(bc.described, token="t\u00e9st".encode().decode("latin-1")).get("catalog/products")
    assert latin.status_code == 401
    wrong_hash = {**bc.described["credentials"], "store_hash": "abc"}
    other_hash = BigCommerceClient({**bc.described, "credentials": wrong_hash})
    assert other_hash.get("catalog/products").status_code == 403


def test_a_token_only_opens_its_own_store(bigcommerce_store_factory):
    first = BigCommerceClient(bigcommerce_store_factory("bc-one"))
    second = bigcommerce_store_factory("bc-two")
    crossed = BigCommerceClient(second, token=first.token)
    assert crossed.get("catalog/products").status_code == 403


def test_read_only_token_reads_but_cannot_write(bc):
    read_only = BigCommerceClient(bc.described, token=bc.described["read_only_credentials"]["access_token"])
    assert read_only.get("catalog/products").status_code == 200
    refused = read_only.post("catalog/brands", json={"name": "Nope"})
    assert refused.status_code == 403 and refused.json()["status"] == 403


def test_unknown_route_and_method_are_route_404s_before_auth(bc):
    for response in (BigCommerceClient(bc.described, token=None).get("catalog/nothing"),
                     bc.request("PATCH", "catalog/products"), bc.get("orders", version="v3")):
        assert (response.status_code, response.text) == (404, "The route is not found, check the URL")
    unknown_store = requests.get(bc.root.replace("/bc-empty/", "/bc-missing/") + "/v3/catalog/products",
                                 headers={"X-Auth-Token": bc.token}, timeout=10)
    assert unknown_store.status_code == 404


def test_seeded_store_envelopes_paging_limits_fields_and_v2(seeded_bc):
    body = seeded_bc.get("catalog/products", params={"limit": 4, "page": 2}).json()
    assert body["meta"]["pagination"] == {"total": 6, "count": 2, "per_page": 4, "current_page": 2, "total_pages": 2,
                                          "links": {"previous": "?page=1&limit=4", "current": "?page=2&limit=4"}}
    first = seeded_bc.get("catalog/products", params={"limit": 2}).json()["meta"]["pagination"]
    assert first["links"] == {"current": "?page=1&limit=2", "next": "?page=2&limit=2"}
    assert [p["id"] for p in body["data"]] == sorted(p["id"] for p in body["data"])
    too_big = seeded_bc.get("catalog/products", params={"limit": 251})
    assert too_big.status_code == 413
    assert set(too_big.json()) == {"status", "title", "type", "errors"} and too_big.json()["status"] == 413
    assert seeded_bc.get("catalog/products", params={"limit": 250}).status_code == 200
    item = seeded_bc.data("catalog/products", include_fields="name,price", limit=1)[0]
    assert set(item) == {"id", "name", "price"}
    item = seeded_bc.data("catalog/products", exclude_fields="description", limit=1)[0]
    assert "description" not in item and "name" in item
    orders = seeded_bc.get("orders", version="v2", params={"limit": 3})
    assert orders.status_code == 200 and isinstance(orders.json(), list) and len(orders.json()) == 3
    missing = seeded_bc.get("orders/99999", version="v2")
    assert missing.status_code == 404 and missing.json() == [{"status": 404, "message": missing.json()[0]["message"]}]


def test_v2_empty_list_is_204_without_body(bc):
    empty = bc.get("orders", version="v2")
    assert (empty.status_code, empty.content) == (204, b"")


def test_v3_404_and_422_envelopes(bc):
    missing = bc.get("catalog/products/12345")
    assert missing.status_code == 404 and missing.json()["status"] == 404 and "type" in missing.json()
    invalid = bc.post("catalog/products", json={"name": "No price", "type": "physical", "weight": "heavy"})
    body = invalid.json()
    assert invalid.status_code == 422 and body["title"] == "JSON data is missing or invalid"
    assert body["errors"] == {"price": "error.path.missing", "weight": "error.expected.jsnumber"}


@pytest.fixture
def paged(bigcommerce_store_factory):
    return BigCommerceClient(bigcommerce_store_factory("bc-paged", customers=23))


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(limit=st.integers(min_value=1, max_value=250))
def test_paging_with_any_limit_covers_every_record_once(paged, limit):
    expected = {c["id"] for c in paged.data("customers", limit=250)}
    assert len(expected) == 23
    seen = [c["id"] for c in paged.all("customers", limit=limit)]
    assert len(seen) == len(set(seen)) and set(seen) == expected
