"""WooCommerce connector transport rules with a scripted transport (no sandbox, no network): error
messages, undecodable bytes, batching limits, missing variations, checkpoints."""
from __future__ import annotations

import json
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from requests.adapters import BaseAdapter

from connectors.entities import EntityType, Product
from connectors.errors import AuthenticationError, ConfigError
from connectors.http import HttpClient
from connectors.woocommerce import WooCommerceConnector
from connectors.woocommerce import mappers as m

BASE = "https://shop.example.com"
CREDENTIALS = {"consumer_key": "ck_test", "consumer_secret": "cs_secret_value"}


class ScriptedAdapter(BaseAdapter):
    """Answers requests with `handler(method, path, query, body) -> (status, body, headers)`."""

    def __init__(self, handler):
        super().__init__()
        self.handler = handler
        self.calls: list[tuple[str, str, dict, object]] = []

    def send(self, request, **kwargs):
        parts = urlsplit(request.url)
        path = parts.path.split("/wp-json/wc/v3/", 1)[-1]
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        body = json.loads(request.body) if request.body else None
        self.calls.append((request.method, path, query, body))
        status, payload, headers = self.handler(request.method, path, query, body)
        response = requests.Response()
        response.status_code = status
        response.url = request.url
        response.request = request
        response.headers.update(headers or {})
        response._content = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        return response

    def close(self):
        pass


def connector_with(handler) -> tuple[WooCommerceConnector, ScriptedAdapter]:
    http = HttpClient(max_retries=0, backoff_cap=0.01)
    adapter = ScriptedAdapter(handler)
    http.session.mount("https://", adapter)
    connector = WooCommerceConnector(base_url=BASE, credentials=CREDENTIALS, http=http)
    connector._store_languages = ("en", ["en"])
    return connector, adapter


def test_401_is_an_authentication_error_naming_the_url_without_the_secret():
    def handler(method, path, query, body):
        return 401, {"code": "woocommerce_rest_authentication_error", "message": "Consumer key is invalid.",
                     "data": {"status": 401}}, {}

    connector, _ = connector_with(handler)
    with pytest.raises(AuthenticationError) as caught:
        connector.check_connection()
    text = str(caught.value)
    assert "https://shop.example.com/wp-json/wc/v3/system_status" in text
    assert "Settings → Advanced → REST API" in text and "Consumer key is invalid." in text
    assert "cs_secret_value" not in text


def test_html_answer_means_no_rest_api():
    def handler(method, path, query, body):
        return 200, b"<!doctype html><html>Home</html>", {"Content-Type": "text/html"}

    connector, _ = connector_with(handler)
    with pytest.raises(ConfigError, match="No WooCommerce REST API at https://shop.example.com/wp-json/wc/v3/.*Plain"):
        connector.check_connection()


def test_invalid_utf8_in_one_record_is_a_record_error_and_the_page_goes_on():
    good = {"id": 1, "email": "a@example.com", "first_name": "Ann"}
    raw = json.dumps([good]).encode()[:-1] + b',{"id":2,"email":"b@example.com","first_name":"B\xff"}]'

    def handler(method, path, query, body):
        return 200, raw, {"X-WP-Total": "2", "X-WP-TotalPages": "1"}

    connector, _ = connector_with(handler)
    page = next(connector.read(EntityType.CUSTOMER))
    assert [c.source_id for c in page.items] == ["1"]
    assert page.errors[0].source_id == "2" and "UTF-8" in page.errors[0].message
    assert page.total == 2 and page.next_checkpoint is None


def test_missing_variation_is_a_record_error_but_the_product_migrates():
    product = {"id": 45, "name": "Tee", "type": "variable", "status": "publish", "variations": [46, 123],
               "attributes": [{"id": 0, "name": "Size", "variation": True, "options": ["S"]}]}
    variation = {"id": 46, "sku": "TEE-S", "regular_price": "10.00", "attributes": [{"name": "Size", "option": "S"}]}

    def handler(method, path, query, body):
        if path == "products":
            return 200, [product], {"X-WP-Total": "1", "X-WP-TotalPages": "1"}
        if path == "products/45/variations":
            return 200, [variation], {"X-WP-Total": "1", "X-WP-TotalPages": "1"}
        raise AssertionError(path)

    connector, _ = connector_with(handler)
    page = next(connector.read(EntityType.PRODUCT))
    assert [v.source_id for v in page.items[0].variants] == ["46"]
    assert [e.message for e in page.errors] == [
        "variation 123 of product 45 could not be read: its parent is missing"]


def test_pages_follow_id_order_and_resume_from_a_checkpoint():
    records = [{"id": i, "code": f"c{i}", "amount": "1.00"} for i in range(1, 8)]

    def handler(method, path, query, body):
        assert query["orderby"] == "id" and query["order"] == "asc"
        page, per_page = int(query["page"]), int(query["per_page"])
        chunk = records[(page - 1) * per_page: page * per_page]
        return 200, chunk, {"X-WP-Total": str(len(records)), "X-WP-TotalPages": str(-(-len(records) // per_page))}

    connector, _ = connector_with(handler)
    pages = connector.read(EntityType.COUPON, page_size=3)
    first = next(pages)
    assert [c.code for c in first.items] == ["c1", "c2", "c3"] and first.next_checkpoint == {"page": 2, "per_page": 3}
    # resume later with another page size: the checkpoint's per_page wins, so nothing is skipped
    resumed = list(connector.read(EntityType.COUPON, checkpoint=first.next_checkpoint, page_size=50))
    assert [c.code for p in resumed for c in p.items] == ["c4", "c5", "c6", "c7"]
    assert resumed[-1].next_checkpoint is None


def test_create_batches_at_most_100_and_reports_item_errors_in_order():
    def handler(method, path, query, body):
        assert path == "customers/batch"
        creates = body["create"]
        assert len(creates) <= 100
        answers = []
        for item in creates:
            if item["email"].startswith("dup"):
                answers.append({"id": 0, "error": {"code": "registration-error-email-exists",
                                                   "message": "An account is already registered.",
                                                   "data": {"status": 400}}})
            else:
                answers.append({"id": 1000 + int(item["first_name"]), **item})
        return 200, {"create": answers}, {}

    connector, adapter = connector_with(handler)
    customers = [m.to_canonical(EntityType.CUSTOMER, {"id": i, "first_name": str(i),
                                                      "email": f"{'dup' if i == 150 else 'c'}{i}@example.com"})
                 for i in range(1, 231)]
    results = connector.create(EntityType.CUSTOMER, customers)
    assert [len(call[3]["create"]) for call in adapter.calls] == [100, 100, 30]
    assert len(results) == 230 and results[0].target_id == "1001" and results[229].target_id == "1230"
    assert results[149].error == "An account is already registered." and results[149].target_id is None


def test_update_with_fields_sends_only_those_fields():
    product = m.to_canonical(EntityType.PRODUCT, {"id": 5, "name": "Mug", "sku": "MUG", "regular_price": "9.00",
                                                  "sale_price": "7.00", "description": "long text"})

    def handler(method, path, query, body):
        return 200, {"id": 77, **(body or {})}, {}

    connector, adapter = connector_with(handler)
    assert isinstance(product, Product)
    result = connector.update(EntityType.PRODUCT, "77", product, fields=["price"])
    assert result.ok and result.target_id == "77"
    method, path, _, body = adapter.calls[-1]
    assert (method, path) == ("PUT", "products/77")
    assert body == {"regular_price": "9.00", "sale_price": "7.00"}
    refused = connector.update(EntityType.PRODUCT, "77", product, fields=["options"])
    assert refused.error and "cannot update options" in refused.error
