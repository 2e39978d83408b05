import json
import time
from urllib.parse import parse_qsl, urlsplit

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

STAGED = """mutation($input: [StagedUploadInput!]!) { stagedUploadsCreate(input: $input) {
  stagedTargets { url resourceUrl parameters { name value } } userErrors { field message } } }"""
POLL = """query { currentBulkOperation(type: %s) { id status errorCode objectCount rootObjectCount fileSize url
  type query } }"""


def test_bulk_mutation_round_trip_through_a_staged_upload(shop):
    staged = shop.data(STAGED, {"input": [{"resource": "BULK_MUTATION_VARIABLES", "filename": "vars.jsonl",
                                           "mimeType": "text/jsonl", "httpMethod": "POST"}]})["stagedUploadsCreate"]
    target = staged["stagedTargets"][0]
    params = {p["name"]: p["value"] for p in target["parameters"]}
    assert target["resourceUrl"] is None and params["key"].endswith("/vars.jsonl")
    lines = [{"input": {"title": f"Bulk {i}", "productOptions": [{"name": "Size", "values": [{"name": "M"}]}],
                        "variants": [{"optionValues": [{"optionName": "Size", "name": "M"}], "price": "9.99",
                                      "sku": f"BULK-{i}"}]}} for i in range(3)]
    lines.append({"input": {"title": ""}})
    body = "\n".join(json.dumps(line) for line in lines) + "\n"
    upload = requests.post(target["url"], data=params, files={"file": ("vars.jsonl", body.encode())}, timeout=10)
    assert upload.status_code == 201 and "<Key>" in upload.text
    run = shop.data("""mutation($m: String!, $path: String!) { bulkOperationRunMutation(mutation: $m,
        stagedUploadPath: $path) { bulkOperation { id status type } userErrors { field message code } } }""", {
        "m": "mutation call($input: ProductSetInput!) { productSet(input: $input) { product { id title } "
             "userErrors { field message code } } }",
        "path": params["key"]})["bulkOperationRunMutation"]
    assert run["userErrors"] == [] and run["bulkOperation"]["status"] == "CREATED"
    assert run["bulkOperation"]["type"] == "MUTATION"
    polled = shop.data(POLL % "MUTATION")["currentBulkOperation"]
    for _ in range(50):  # it runs on its own, as its status is read (bulk_mutation.py)
        if polled["status"] == "COMPLETED":
            break
        time.sleep(0.1)
        polled = shop.data(POLL % "MUTATION")["currentBulkOperation"]
    assert polled["id"] == run["bulkOperation"]["id"] and polled["status"] == "COMPLETED"
    assert polled["objectCount"] == "4" and int(polled["fileSize"]) > 0
    result = [json.loads(line) for line in requests.get(polled["url"], timeout=10).text.splitlines()]
    assert [r["__lineNumber"] for r in result] == [0, 1, 2, 3]
    assert [r["data"]["productSet"]["product"]["title"] for r in result[:3]] == ["Bulk 0", "Bulk 1", "Bulk 2"]
    assert result[3]["data"]["productSet"]["userErrors"][0]["field"] == ["input", "title"]
    assert shop.data("{ productsCount { count } }")["productsCount"]["count"] == 3
    node = shop.data("query($id: ID!) { node(id: $id) { ... on BulkOperation { status } } }",
                     {"id": polled["id"]})["node"]
    assert node == {"status": "COMPLETED"}


def test_bulk_mutation_user_errors(shop):
    run = """mutation($m: String!, $path: String!) { bulkOperationRunMutation(mutation: $m, stagedUploadPath: $path) {
      bulkOperation { id } userErrors { field message code } } }"""
    missing = shop.data(run, {"m": "mutation m($input: CustomerInput!) { customerCreate(input: $input) { "
                              "customer { id } } }", "path": "tmp/1/bulk/nothing/vars.jsonl"})
    assert missing["bulkOperationRunMutation"]["userErrors"][0]["code"] == "NO_SUCH_FILE"
    invalid = shop.data(run, {"m": "query { shop { name } }", "path": "x"})
    assert invalid["bulkOperationRunMutation"]["userErrors"][0]["code"] == "INVALID_MUTATION"


def test_bulk_query_jsonl_with_parent_ids(seeded_shop):
    query = """{ products(query: "status:active") { edges { node { id title
        variants { edges { node { id sku } } } } } } }"""
    run = seeded_shop.data("""mutation($q: String!) { bulkOperationRunQuery(query: $q) {
        bulkOperation { id status } userErrors { field message } } }""", {"q": query})["bulkOperationRunQuery"]
    assert run["userErrors"] == [] and run["bulkOperation"]["status"] == "CREATED"
    polled = seeded_shop.data(POLL % "QUERY")["currentBulkOperation"]
    assert polled["status"] == "COMPLETED" and polled["query"] == query
    lines = [json.loads(line) for line in requests.get(polled["url"], timeout=10).text.splitlines()]
    products = [line for line in lines if "__parentId" not in line]
    variants = [line for line in lines if "__parentId" in line]
    active = seeded_shop.data('{ productsCount(query: "status:active") { count } productVariantsCount { count } }')
    assert len(products) == active["productsCount"]["count"] == int(polled["rootObjectCount"])
    assert int(polled["objectCount"]) == len(lines)
    product_ids = {p["id"] for p in products}
    assert variants and all(v["__parentId"] in product_ids and v["id"].startswith("gid://shopify/ProductVariant/")
                            for v in variants)
    assert all("variants" not in p for p in products)
    invalid = seeded_shop.data("""mutation { bulkOperationRunQuery(query: "{ shop { name } }") {
        bulkOperation { id } userErrors { field message } } }""")["bulkOperationRunQuery"]
    assert invalid["bulkOperation"] is None and invalid["userErrors"][0]["field"] == ["query"]


def test_staged_upload_rejects_a_bad_signature(shop):
    staged = shop.data(STAGED, {"input": [{"resource": "BULK_MUTATION_VARIABLES", "filename": "v.jsonl",
                                           "mimeType": "text/jsonl", "httpMethod": "POST"}]})["stagedUploadsCreate"]
    target = staged["stagedTargets"][0]
    params = {p["name"]: p["value"] for p in target["parameters"]}
    params["x-goog-signature"] = "0" * 64
    response = requests.post(target["url"], data=params, files={"file": ("v.jsonl", b"{}\n")}, timeout=10)
    assert response.status_code == 403


# --- asynchronous bulk queries ----------------------------------------------------------------------------
RUN_QUERY = """mutation($q: String!) { bulkOperationRunQuery(query: $q, groupObjects: true) {
  bulkOperation { id status objectCount url } userErrors { field message code } } }"""
STATUS = """query($id: ID!) { node(id: $id) { ... on BulkOperation { id status errorCode objectCount
  rootObjectCount fileSize url partialDataUrl completedAt } } }"""
PRODUCTS = "{ products { edges { node { id title variants { edges { node { id sku } } } } } } }"


def _pace(name: str, roots_per_read: int | None) -> None:
    from sandbox.models import SandboxStore

    store = SandboxStore.objects.get(platform="shopify", name=name)
    store.settings["bulk_roots_per_read"] = roots_per_read
    store.save(update_fields=["settings"])


def _start(client, query: str = PRODUCTS) -> dict:
    run = client.data(RUN_QUERY, {"q": query})["bulkOperationRunQuery"]
    assert run["userErrors"] == [], run
    return run["bulkOperation"]


def _until_done(client, operation_id: str) -> dict:
    for _ in range(100):
        status = client.data(STATUS, {"id": operation_id})["node"]
        if status["status"] not in ("CREATED", "RUNNING", "CANCELING"):
            return status
    raise AssertionError("the bulk operation never ended")


def test_a_bulk_query_answers_created_at_once_and_runs_on_its_own(seeded_shop):
    _pace("seeded-shop", 5)
    created = _start(seeded_shop)
    assert created["status"] == "CREATED" and created["objectCount"] == "0" and created["url"] is None
    total = seeded_shop.data("{ productsCount { count } }")["productsCount"]["count"]
    seen, counts = [], []
    while True:
        status = seeded_shop.data(STATUS, {"id": created["id"]})["node"]
        seen.append(status["status"])
        counts.append(int(status["rootObjectCount"]))
        if status["status"] == "COMPLETED":
            break
        assert status["url"] is None and status["fileSize"] is None and status["completedAt"] is None
        assert len(seen) < 20
    assert seen[0] == "RUNNING" and set(seen[:-1]) == {"RUNNING"}
    assert counts == sorted(counts) and counts[0] == 5 and counts[-1] == total and len(seen) == -(-total // 5)
    current = seeded_shop.data(POLL % "QUERY")["currentBulkOperation"]
    assert current["id"] == created["id"] and current["status"] == "COMPLETED"
    listed = seeded_shop.data('{ bulkOperations(first: 5, query: "status:completed operation_type:query") '
                              "{ nodes { id status } } }")["bulkOperations"]["nodes"]
    assert listed == [{"id": created["id"], "status": "COMPLETED"}]
    body = requests.get(status["url"], timeout=10)
    lines = [json.loads(line) for line in body.text.splitlines()]
    assert len(lines) == int(status["objectCount"]) and len(body.content) == int(status["fileSize"])
    products = [line["id"] for line in lines if "__parentId" not in line]
    assert len(products) == len(set(products)) == total
    parent = None
    for line in lines:  # grouped: each variant right after its product
        if "__parentId" in line:
            assert line["__parentId"] == parent
        else:
            parent = line["id"]


def test_bulk_query_concurrency_limits_depend_on_the_api_version(seeded_shop, shopify_store_factory):
    from tests.sandbox.shopify.conftest import ShopifyClient

    _pace("seeded-shop", 1)
    for _ in range(5):  # 2026-01 and later: five bulk queries at a time per shop
        _start(seeded_shop)
    refused = seeded_shop.data(RUN_QUERY, {"q": PRODUCTS})["bulkOperationRunQuery"]
    assert refused["bulkOperation"] is None and refused["userErrors"][0]["code"] == "LIMIT_REACHED"
    running = seeded_shop.data('{ bulkOperations(first: 10, query: "operation_type:query") { nodes { id status } } }')
    assert len(running["bulkOperations"]["nodes"]) == 5
    older = ShopifyClient(shopify_store_factory("old-shop", products=3, seed=1), version="2025-10")
    _pace("old-shop", 1)
    first = _start(older)
    refused = older.data(RUN_QUERY, {"q": PRODUCTS})["bulkOperationRunQuery"]
    assert refused["userErrors"][0]["code"] == "OPERATION_IN_PROGRESS"
    assert first["id"] in refused["userErrors"][0]["message"]
    assert _until_done(older, first["id"])["status"] == "COMPLETED"
    assert _start(older)["status"] == "CREATED"


def test_a_canceled_bulk_query_stops_and_frees_its_place(seeded_shop):
    _pace("seeded-shop", 2)
    created = _start(seeded_shop)
    assert seeded_shop.data(STATUS, {"id": created["id"]})["node"]["status"] == "RUNNING"
    cancel = """mutation($id: ID!) { bulkOperationCancel(id: $id) { bulkOperation { id status }
      userErrors { field message } } }"""
    canceled = seeded_shop.data(cancel, {"id": created["id"]})["bulkOperationCancel"]
    assert canceled == {"bulkOperation": {"id": created["id"], "status": "CANCELING"}, "userErrors": []}
    status = seeded_shop.data(STATUS, {"id": created["id"]})["node"]
    assert status["status"] == "CANCELED" and status["url"] is None and status["completedAt"]
    assert status["rootObjectCount"] == "2"  # nothing more ran after the cancel
    again = seeded_shop.data(cancel, {"id": created["id"]})["bulkOperationCancel"]
    assert again["userErrors"] and again["bulkOperation"]["status"] == "CANCELED"


@pytest.fixture
def finished(seeded_shop):
    _pace("seeded-shop", None)
    done = _until_done(seeded_shop, _start(seeded_shop)["id"])
    assert done["status"] == "COMPLETED"
    return done, requests.get(done["url"], timeout=10)


def test_bulk_result_urls_look_like_shopifys_signed_storage_urls(finished):
    done, whole = finished
    url = urlsplit(done["url"])
    params = dict(parse_qsl(url.query))
    number = done["id"].rsplit("/", 1)[-1]
    assert url.path.split("/_files/", 1)[1].startswith("bulk-operation-outputs/") and url.path.endswith("-final")
    assert set(params) == {"GoogleAccessId", "Expires", "Signature", "response-content-disposition",
                           "response-content-type"}
    assert params["response-content-disposition"] == \
        f"attachment; filename=\"bulk-{number}.jsonl\"; filename*=UTF-8''bulk-{number}.jsonl"
    assert params["response-content-type"] == "application/jsonl"
    assert int(params["Expires"]) > time.time() + 6 * 86400
    assert whole.status_code == 200 and whole.headers["Content-Type"] == "application/jsonl"
    assert whole.headers["Content-Disposition"] == params["response-content-disposition"]
    assert whole.headers["Accept-Ranges"] == "bytes"
    tampered = done["url"].replace("Signature=", "Signature=x")
    assert requests.get(tampered, timeout=10).status_code == 403


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_bulk_result_files_serve_byte_ranges_like_cloud_storage(finished, data):
    done, whole = finished
    total = len(whole.content)
    first = data.draw(st.integers(0, total + 5))
    last = data.draw(st.one_of(st.none(), st.integers(first, total + 50)))
    part = requests.get(done["url"], headers={"Range": f"bytes={first}-{'' if last is None else last}"}, timeout=10)
    if first >= total:
        assert part.status_code == 416 and part.headers["Content-Range"] == f"bytes */{total}"
        return
    end = total - 1 if last is None else min(last, total - 1)
    assert part.status_code == 206 and part.content == whole.content[first:end + 1]
    assert part.headers["Content-Range"] == f"bytes {first}-{end}/{total}"
    suffix = requests.get(done["url"], headers={"Range": "bytes=-7"}, timeout=10)
    assert suffix.status_code == 206 and suffix.content == whole.content[-7:]
