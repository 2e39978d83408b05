import threading

import requests

from sandbox.models import SandboxStore
from sandbox.records import ids_allocate


def test_live_server_store_over_http(woo_store_factory):
    store = woo_store_factory("live", products=4, customers=2, orders=3)
    creds = store["credentials"]
    auth = (creds["consumer_key"], creds["consumer_secret"])
    base = store["base_url"] + "/wp-json/wc/v3/"
    response = requests.get(base + "orders", auth=auth, params={"per_page": 2}, timeout=10)
    assert response.status_code == 200
    assert response.headers["X-WP-Total"] == "3"
    assert len(response.json()) == 2 and 'rel="next"' in response.headers["Link"]
    status = requests.get(base + "system_status", auth=auth, timeout=10).json()
    assert status["environment"]["site_url"] == store["base_url"]
    index = requests.get(store["base_url"] + "/wp-json/", timeout=10).json()
    assert "wc/v3" in index["namespaces"]
    created = requests.post(base + "customers", json={"email": "live@example.com"}, auth=auth, timeout=10)
    assert created.status_code == 201
    denied = requests.get(base + "orders", auth=("ck_x", "cs_x"), timeout=10)
    assert denied.status_code == 401


def test_ids_allocate_is_unique_under_concurrent_writers(woo_store_factory):
    woo_store_factory("concurrent")
    store = SandboxStore.objects.get(name="concurrent")
    got: list[int] = []
    lock = threading.Lock()

    def worker():
        from django.db import connection

        try:
            for _ in range(20):
                ids = ids_allocate(store, "posts", 3)
                with lock:
                    got.extend(ids)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(got) == len(set(got)) == 240
