"""The store's request quota: headers on every response, 429 when spent, one budget for every client."""
import threading
import time

from sandbox.services import sandbox_store_set_rate_limit

from .conftest import BigCommerceClient, store_row

HEADERS = ("X-Rate-Limit-Time-Window-Ms", "X-Rate-Limit-Time-Reset-Ms", "X-Rate-Limit-Requests-Quota",
           "X-Rate-Limit-Requests-Left")


def test_default_quota_is_the_standard_plans_150_per_30_seconds(bigcommerce_store_factory):
    described = bigcommerce_store_factory("bc-standard")
    sandbox_store_set_rate_limit(store_row(BigCommerceClient(described)), quota=150, window_ms=30000)
    client = BigCommerceClient(described)
    headers = client.get("catalog/products").headers
    assert headers["X-Rate-Limit-Requests-Quota"] == "150" and headers["X-Rate-Limit-Time-Window-Ms"] == "30000"
    assert headers["X-Rate-Limit-Requests-Left"] == "149"
    assert 29000 <= int(headers["X-Rate-Limit-Time-Reset-Ms"]) <= 30000


def test_every_answer_carries_the_headers_and_429_when_spent(bigcommerce_store_factory):
    client = BigCommerceClient(bigcommerce_store_factory("bc-small", quota=4, window_ms=60000))
    answers = [client.get("catalog/products"), client.get("orders", version="v2"),
               client.get("catalog/products/999"), client.post("catalog/brands", json={})]
    assert [a.status_code for a in answers] == [200, 204, 404, 422]
    assert [a.headers["X-Rate-Limit-Requests-Left"] for a in answers] == ["3", "2", "1", "0"]
    for answer in answers:
        assert all(name in answer.headers for name in HEADERS)
    refused = client.get("catalog/products")
    assert refused.status_code == 429 and refused.json()["status"] == 429
    assert refused.headers["X-Rate-Limit-Requests-Left"] == "0"
    assert 0 < int(refused.headers["X-Rate-Limit-Time-Reset-Ms"]) <= 60000
    v2 = client.get("orders", version="v2")
    assert v2.status_code == 429 and v2.json()[0]["status"] == 429


def test_the_quota_refreshes_when_the_window_ends(bigcommerce_store_factory):
    client = BigCommerceClient(bigcommerce_store_factory("bc-window", quota=2, window_ms=400))
    assert [client.get("catalog/brands").status_code for _ in range(3)] == [200, 200, 429]
    time.sleep(0.45)
    again = client.get("catalog/brands")
    assert again.status_code == 200 and again.headers["X-Rate-Limit-Requests-Left"] == "1"


def test_two_clients_and_threads_share_one_budget(bigcommerce_store_factory):
    described = bigcommerce_store_factory("bc-shared", quota=10, window_ms=60000)
    clients = [BigCommerceClient(described), BigCommerceClient(described, token=described["read_only_credentials"]
                                                                                ["access_token"])]
    statuses = []
    lock = threading.Lock()

    def hammer(client):
        for _ in range(8):
            code = client.get("catalog/brands").status_code
            with lock:
                statuses.append(code)

    threads = [threading.Thread(target=hammer, args=(c,)) for c in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [200] * 10 + [429] * 6


def test_plan_and_quota_are_configurable(bigcommerce_store_factory):
    client = BigCommerceClient(bigcommerce_store_factory("bc-pro"))
    sandbox_store_set_rate_limit(store_row(client), plan="pro", window_ms=30000)
    assert client.get("catalog/brands").headers["X-Rate-Limit-Requests-Quota"] == "450"
    assert client.get("store", version="v2").json()["plan_name"] == "Pro"
