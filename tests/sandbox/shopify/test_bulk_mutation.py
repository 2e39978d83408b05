"""The sandbox's bulk mutations as Shopify documents them (shopify.dev/docs/api/usage/bulk-operations/imports):
staged JSONL, an operation that runs on its own after the request that created it (a thread of the server, and
reads of its status), at its own pace, one line of results per input line with `__lineNumber`, and the shop's
limit of concurrent bulk mutations."""
import json
import time

import pytest
import requests

from .conftest import ShopifyClient

pytestmark = pytest.mark.django_db(transaction=True)

STAGED = """mutation($input: [StagedUploadInput!]!) { stagedUploadsCreate(input: $input) {
  stagedTargets { url parameters { name value } } userErrors { field message } } }"""
RUN = """mutation($m: String!, $path: String!) { bulkOperationRunMutation(mutation: $m, stagedUploadPath: $path) {
  bulkOperation { id status type } userErrors { field message code } } }"""
POLL = """query($id: ID!) { node(id: $id) { ... on BulkOperation { id status objectCount rootObjectCount url
  completedAt } } }"""
CANCEL = """mutation($id: ID!) { bulkOperationCancel(id: $id) { bulkOperation { status } userErrors { message } } }"""
PRODUCT_SET = ("mutation call($input: ProductSetInput!) { productSet(input: $input) { product { id title } "
               "userErrors { field message code } } }")


def stage(shop: ShopifyClient, lines: list[dict]) -> str:
    target = shop.data(STAGED, {"input": [{"resource": "BULK_MUTATION_VARIABLES", "filename": "vars.jsonl",
                                           "mimeType": "text/jsonl", "httpMethod": "POST"}]})
    target = target["stagedUploadsCreate"]["stagedTargets"][0]
    params = {p["name"]: p["value"] for p in target["parameters"]}
    body = "".join(json.dumps(line) + "\n" for line in lines).encode()
    assert requests.post(target["url"], data=params, files={"file": ("vars.jsonl", body)}, timeout=10).status_code \
        == 201
    return params["key"]


def product_lines(count: int, prefix: str = "P") -> list[dict]:
    return [{"input": {"title": f"{prefix} {i}", "productOptions": [{"name": "Size", "values": [{"name": "M"}]}],
                       "variants": [{"optionValues": [{"optionName": "Size", "name": "M"}], "price": "5.00",
                                     "sku": f"{prefix}-{i}"}]}} for i in range(count)]


def pace(name: str, lines_per_second: float | None) -> None:
    from sandbox.models import SandboxStore

    store = SandboxStore.objects.get(platform="shopify", name=name)
    store.settings = {**store.settings, "bulk_mutation_lines_per_second": lines_per_second}
    store.save(update_fields=["settings"])


def count_products(shop: ShopifyClient) -> int:
    return shop.data("{ productsCount { count } }")["productsCount"]["count"]


def test_a_bulk_mutation_runs_after_its_request_at_its_own_pace(shop):
    """The answer is CREATED with nothing written; the lines then run on their own, no faster than the store's
    pace; the file has one line per input line."""
    pace("shop", 20)
    lines = product_lines(12)
    lines[5] = {"input": {"title": ""}}  # refused by productSet: its userErrors stay on its own line
    started = time.monotonic()
    run = shop.data(RUN, {"m": PRODUCT_SET, "path": stage(shop, lines)})["bulkOperationRunMutation"]
    assert run["userErrors"] == [] and run["bulkOperation"]["status"] == "CREATED"
    assert count_products(shop) == 0  # nothing ran inside the request that created it
    seen = []
    while True:
        polled = shop.data(POLL, {"id": run["bulkOperation"]["id"]})["node"]
        seen.append((polled["status"], int(polled["objectCount"])))
        if polled["status"] == "COMPLETED":
            break
        assert time.monotonic() - started < 30, seen
        time.sleep(0.1)
    elapsed = time.monotonic() - started
    assert elapsed >= 12 / 20 * 0.9  # its own pace: 20 lines a second
    assert any(status == "RUNNING" and 0 < done < 12 for status, done in seen), seen  # seen half-way
    assert [done for _, done in seen] == sorted(done for _, done in seen)
    assert polled["objectCount"] == polled["rootObjectCount"] == "12" and polled["completedAt"]
    result = [json.loads(line) for line in requests.get(polled["url"], timeout=10).text.splitlines()]
    assert [r["__lineNumber"] for r in result] == list(range(12))
    assert result[5]["data"]["productSet"]["product"] is None
    assert result[5]["data"]["productSet"]["userErrors"][0]["field"] == ["input", "title"]
    assert [r["data"]["productSet"]["product"]["title"] for r in result if r["__lineNumber"] != 5] == \
        [f"P {i}" for i in range(12) if i != 5]
    assert count_products(shop) == 11
    ranged = requests.get(polled["url"], headers={"Range": "bytes=0-9"}, timeout=10)
    assert ranged.status_code == 206 and len(ranged.content) == 10


def test_each_line_runs_once_whatever_the_concurrent_reads(shop):
    """Status reads racing each other never run a line twice (the operation row is locked while its lines run)."""
    from concurrent.futures import ThreadPoolExecutor

    lines = product_lines(30, "R")
    run = shop.data(RUN, {"m": PRODUCT_SET, "path": stage(shop, lines)})["bulkOperationRunMutation"]
    operation = run["bulkOperation"]["id"]

    def poll(_):
        client = ShopifyClient(shop.described)
        for _ in range(200):
            if client.data(POLL, {"id": operation})["node"]["status"] == "COMPLETED":
                return

    with ThreadPoolExecutor(4) as pool:
        list(pool.map(poll, range(4)))
    assert count_products(shop) == 30
    skus = shop.data('{ products(first: 50) { nodes { variants(first: 1) { nodes { sku } } } } }')
    assert sorted(n["variants"]["nodes"][0]["sku"] for n in skus["products"]["nodes"]) == \
        sorted(f"R-{i}" for i in range(30))


def test_the_shop_runs_a_limited_number_of_bulk_mutations_at_once(shopify_store_factory):
    """Five at a time from API version 2026-01 (LIMIT_REACHED), one before (OPERATION_IN_PROGRESS, naming it)."""
    from sandbox.models import SandboxStore
    from sandbox.services import sandbox_store_set_throttle

    described = shopify_store_factory("busy-shop")
    sandbox_store_set_throttle(SandboxStore.objects.get(platform="shopify", name="busy-shop"),
                               restore_rate=100000, bucket_size=200000)
    pace("busy-shop", 0.001)  # they stay running
    shop = ShopifyClient(described)
    runs = [shop.data(RUN, {"m": PRODUCT_SET, "path": stage(shop, product_lines(2, f"B{k}"))})
            ["bulkOperationRunMutation"] for k in range(6)]
    assert all(r["userErrors"] == [] for r in runs[:5])
    assert runs[5]["bulkOperation"] is None and runs[5]["userErrors"][0]["code"] == "LIMIT_REACHED"
    old = ShopifyClient(described, version="2025-10")
    refused = old.data(RUN, {"m": PRODUCT_SET, "path": stage(old, product_lines(1, "O"))})["bulkOperationRunMutation"]
    assert refused["userErrors"][0]["code"] == "OPERATION_IN_PROGRESS"
    assert "gid://shopify/BulkOperation/" in refused["userErrors"][0]["message"]
    for r in runs[:5]:  # a cancelled one frees its place
        shop.data(CANCEL, {"id": r["bulkOperation"]["id"]})
        assert shop.data(POLL, {"id": r["bulkOperation"]["id"]})["node"]["status"] == "CANCELED"
    again = shop.data(RUN, {"m": PRODUCT_SET, "path": stage(shop, product_lines(1, "A"))})["bulkOperationRunMutation"]
    assert again["userErrors"] == []


def test_a_cancelled_bulk_mutation_keeps_what_it_wrote(shop):
    pace("shop", 10)
    run = shop.data(RUN, {"m": PRODUCT_SET, "path": stage(shop, product_lines(40, "C"))})["bulkOperationRunMutation"]
    operation = run["bulkOperation"]["id"]
    while int(shop.data(POLL, {"id": operation})["node"]["objectCount"]) < 3:
        time.sleep(0.1)
    assert shop.data(CANCEL, {"id": operation})["bulkOperationCancel"]["bulkOperation"]["status"] == "CANCELING"
    polled = shop.data(POLL, {"id": operation})["node"]
    assert polled["status"] == "CANCELED" and polled["url"] is None
    done = int(polled["objectCount"])
    assert 3 <= done < 40 and count_products(shop) == done
    time.sleep(0.3)
    assert int(shop.data(POLL, {"id": operation})["node"]["objectCount"]) == done == count_products(shop)


def test_bulk_mutation_refusals(shop):
    path = stage(shop, product_lines(1))
    invalid = shop.data(RUN, {"m": "mutation m($input: ProductSetInput!) { productSet(input: $input) { nope } }",
                              "path": path})["bulkOperationRunMutation"]
    assert invalid["bulkOperation"] is None and invalid["userErrors"][0]["code"] == "INVALID_MUTATION"
    target = shop.data(STAGED, {"input": [{"resource": "BULK_MUTATION_VARIABLES", "filename": "bad.jsonl",
                                           "mimeType": "text/jsonl", "httpMethod": "POST"}]})
    target = target["stagedUploadsCreate"]["stagedTargets"][0]
    params = {p["name"]: p["value"] for p in target["parameters"]}
    requests.post(target["url"], data=params, files={"file": ("bad.jsonl", b"{not json\n")}, timeout=10)
    bad = shop.data(RUN, {"m": PRODUCT_SET, "path": params["key"]})["bulkOperationRunMutation"]
    assert bad["userErrors"][0]["code"] == "INVALID_STAGED_UPLOAD_FILE"
