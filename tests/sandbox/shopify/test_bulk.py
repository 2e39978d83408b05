import json

import requests

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
