PRODUCT_SET = """mutation($input: ProductSetInput!, $identifier: ProductSetIdentifiers) {
  productSet(input: $input, synchronous: true, identifier: $identifier) {
    product {
      id title handle status tags vendor
      options { name values }
      variants(first: 100) { nodes { id title sku price compareAtPrice selectedOptions { name value }
        inventoryQuantity inventoryItem { id tracked } metafield(namespace: "custom", key: "fit") { value } } }
      metafields(first: 10) { nodes { namespace key type value } }
      collections(first: 5) { nodes { id } }
      media(first: 5) { nodes { ... on MediaImage { id alt image { url } } } }
    }
    userErrors { field message code }
  }
}"""
LOCATION = "{ locations(first: 1) { nodes { id } } }"


def _location(client):
    return client.data(LOCATION)["locations"]["nodes"][0]["id"]


def _shirt(location, **extra):
    return {
        "title": "Linen Shirt", "handle": "linen-shirt", "vendor": "Acme", "status": "ACTIVE",
        "tags": ["summer", "new"],
        "productOptions": [{"name": "Color", "values": [{"name": "White"}, {"name": "Blue"}]},
                           {"name": "Size", "values": [{"name": "M"}, {"name": "L"}]}],
        "variants": [
            {"optionValues": [{"optionName": "Color", "name": color}, {"optionName": "Size", "name": size}],
             "sku": f"LS-{color[0]}{size}", "price": "49.00", "compareAtPrice": "59.00",
             "inventoryQuantities": [{"locationId": location, "name": "available", "quantity": 7}],
             "metafields": [{"namespace": "custom", "key": "fit", "type": "single_line_text_field", "value": "slim"}]}
            for color in ("White", "Blue") for size in ("M", "L")
        ],
        "metafields": [{"namespace": "custom", "key": "material", "type": "single_line_text_field", "value": "Linen"}],
        "files": [{"originalSource": "https://picsum.photos/seed/shirt/800/800", "alt": "Front",
                   "contentType": "IMAGE"}],
        **extra,
    }


def test_product_set_creates_a_whole_product(shop):
    location = _location(shop)
    collection = shop.data('mutation { collectionCreate(input: {title: "Shirts"}) { collection { id } '
                           'userErrors { message } } }')["collectionCreate"]["collection"]["id"]
    payload = shop.data(PRODUCT_SET, {"input": _shirt(location, collections=[collection])})["productSet"]
    assert payload["userErrors"] == []
    product = payload["product"]
    assert product["id"].startswith("gid://shopify/Product/") and product["handle"] == "linen-shirt"
    assert product["options"] == [{"name": "Color", "values": ["White", "Blue"]},
                                  {"name": "Size", "values": ["M", "L"]}]
    variants = product["variants"]["nodes"]
    assert [v["title"] for v in variants] == ["White / M", "White / L", "Blue / M", "Blue / L"]
    assert {v["price"] for v in variants} == {"49.00"} and variants[0]["compareAtPrice"] == "59.00"
    assert all(v["inventoryQuantity"] == 7 and v["metafield"]["value"] == "slim" for v in variants)
    assert product["metafields"]["nodes"] == [{"namespace": "custom", "key": "material",
                                              "type": "single_line_text_field", "value": "Linen"}]
    assert product["collections"]["nodes"] == [{"id": collection}]
    assert product["media"]["nodes"][0]["alt"] == "Front"
    assert shop.data('{ productByHandle(handle: "linen-shirt") { id } }')["productByHandle"]["id"] == product["id"]
    by_identifier = shop.data('{ productByIdentifier(identifier: {handle: "linen-shirt"}) { id } }')
    assert by_identifier["productByIdentifier"]["id"] == product["id"]


def test_product_set_update_replaces_lists_and_keeps_ids(shop):
    location = _location(shop)
    created = shop.data(PRODUCT_SET, {"input": _shirt(location)})["productSet"]["product"]
    keep = created["variants"]["nodes"][0]
    update = {"id": created["id"], "title": "Linen Shirt II",
              "productOptions": [{"name": "Color", "values": [{"name": "White"}]},
                                 {"name": "Size", "values": [{"name": "M"}]}],
              "variants": [{"id": keep["id"], "price": "45.00",
                            "optionValues": [{"optionName": "Color", "name": "White"},
                                             {"optionName": "Size", "name": "M"}]}],
              "metafields": []}
    product = shop.data(PRODUCT_SET, {"input": update})["productSet"]["product"]
    assert product["id"] == created["id"] and product["title"] == "Linen Shirt II"
    assert [(v["id"], v["price"], v["sku"]) for v in product["variants"]["nodes"]] == [(keep["id"], "45.00", "LS-WM")]
    assert product["metafields"]["nodes"] == []
    again = shop.data(PRODUCT_SET, {"input": {"title": "Linen Shirt III"}, "identifier": {"id": created["id"]}})
    assert again["productSet"]["product"]["title"] == "Linen Shirt III"


def test_product_set_user_errors_and_limits(shop):
    location = _location(shop)
    four = shop.data(PRODUCT_SET, {"input": _shirt(location, productOptions=[
        {"name": n, "values": [{"name": "x"}]} for n in ("A", "B", "C", "D")])})["productSet"]
    assert four["product"] is None
    assert four["userErrors"][0]["code"] == "OPTIONS_OVER_LIMIT"
    assert four["userErrors"][0]["field"] == ["input", "productOptions"]
    blank = shop.data(PRODUCT_SET, {"input": {"title": ""}})["productSet"]
    assert blank["userErrors"][0]["field"] == ["input", "title"]
    missing = shop.data(PRODUCT_SET, {"input": {"id": "gid://shopify/Product/1", "title": "x"}})["productSet"]
    assert missing["userErrors"][0]["code"] == "PRODUCT_DOES_NOT_EXIST"
    shop.data(PRODUCT_SET, {"input": _shirt(location)})
    taken = shop.data(PRODUCT_SET, {"input": _shirt(location)})["productSet"]
    assert taken["userErrors"][0]["code"] == "HANDLE_NOT_UNIQUE"
    bad_value = shop.data(PRODUCT_SET, {"input": {
        "title": "Odd", "productOptions": [{"name": "Color", "values": [{"name": "Red"}]}],
        "variants": [{"optionValues": [{"optionName": "Color", "name": "Purple"}]}]}})["productSet"]
    assert bad_value["userErrors"][0]["code"] == "OPTION_VALUE_DOES_NOT_EXIST"
    assert bad_value["userErrors"][0]["field"] == ["input", "variants", "0", "optionValues", "0"]
    assert shop.data("{ productsCount { count } }")["productsCount"]["count"] == 1


def test_product_set_2048_variant_limit(shop):
    values = [{"name": f"V{i}"} for i in range(2049)]
    variants = [{"optionValues": [{"optionName": "Size", "name": f"V{i}"}]} for i in range(2049)]
    body = shop(PRODUCT_SET, {"input": {"title": "Huge", "productOptions": [{"name": "Size", "values": values}],
                                        "variants": variants}})
    assert body["data"]["productSet"]["product"] is None
    assert body["data"]["productSet"]["userErrors"][0]["code"] == "VARIANTS_OVER_LIMIT"


def test_input_arrays_over_250_are_refused_as_shopify_does(shop):
    body = shop("""mutation($p: ProductCreateInput) { productCreate(product: $p) { product { id } } }""",
                {"p": {"title": "Tags", "tags": [f"t{i}" for i in range(251)]}})
    assert body["data"] == {"productCreate": None}
    error = body["errors"][0]
    assert error["message"] == "The input array size of 251 is greater than the maximum allowed of 250."
    assert error["extensions"] == {"code": "MAX_INPUT_SIZE_EXCEEDED"}
    assert error["path"] == ["productCreate", "product", "tags"]


def test_product_create_then_variants_bulk_create_and_update(shop):
    created = shop.data("""mutation { productCreate(product: {title: "Mug", productOptions: [{name: "Color",
        values: [{name: "Red"}]}]}) { product { id options { name values } variants(first: 5) { nodes { id title } } }
        userErrors { field message } } }""")["productCreate"]
    product = created["product"]
    assert created["userErrors"] == [] and product["variants"]["nodes"][0]["title"] == "Red"
    location = _location(shop)
    bulk = shop.data("""mutation($id: ID!, $variants: [ProductVariantsBulkInput!]!) {
      productVariantsBulkCreate(productId: $id, variants: $variants) {
        productVariants { id title sku price inventoryQuantity }
        userErrors { field message code } } }""", {"id": product["id"], "variants": [
        {"optionValues": [{"optionName": "Color", "name": "Blue"}], "price": "12.50",
         "inventoryItem": {"sku": "MUG-B"}, "inventoryQuantities": [{"locationId": location, "availableQuantity": 3}]},
    ]})["productVariantsBulkCreate"]
    assert bulk["userErrors"] == []
    assert bulk["productVariants"] == [{"id": bulk["productVariants"][0]["id"], "title": "Blue", "sku": "MUG-B",
                                        "price": "12.50", "inventoryQuantity": 3}]
    duplicate = shop.data("""mutation($id: ID!) { productVariantsBulkCreate(productId: $id, variants: [
        {optionValues: [{optionName: "Color", name: "Blue"}]}]) { userErrors { field code } } }""",
                          {"id": product["id"]})["productVariantsBulkCreate"]
    assert duplicate["userErrors"][0]["code"] == "VARIANT_ALREADY_EXISTS"
    updated = shop.data("""mutation($id: ID!, $v: ID!) { productVariantsBulkUpdate(productId: $id, variants: [
        {id: $v, price: "13.00"}]) { productVariants { price } userErrors { code } } }""",
                        {"id": product["id"], "v": bulk["productVariants"][0]["id"]})["productVariantsBulkUpdate"]
    assert updated == {"productVariants": [{"price": "13.00"}], "userErrors": []}
    gone = shop.data("""mutation { productVariantsBulkCreate(productId: "gid://shopify/Product/1", variants: []) {
        userErrors { field code } } }""")["productVariantsBulkCreate"]
    assert gone["userErrors"] == [{"field": ["productId"], "code": "PRODUCT_DOES_NOT_EXIST"}]


def test_product_update_and_delete(shop):
    product = shop.data('mutation { productCreate(product: {title: "Cap"}) { product { id } } }')
    pid = product["productCreate"]["product"]["id"]
    updated = shop.data("""mutation($p: ProductUpdateInput) { productUpdate(product: $p) { product { title tags
        descriptionHtml } userErrors { field message } } }""",
                        {"p": {"id": pid, "title": "Cap 2", "tags": ["b", "a"], "descriptionHtml": "<p>Hi</p>"}})
    assert updated["productUpdate"] == {
        "product": {"title": "Cap 2", "tags": ["a", "b"], "descriptionHtml": "<p>Hi</p>"}, "userErrors": []}
    missing = shop.data('mutation { productUpdate(product: {id: "gid://shopify/Product/9", title: "x"}) { '
                        'userErrors { field message } } }')
    assert missing["productUpdate"]["userErrors"] == [{"field": ["id"], "message": "Product does not exist"}]
    deleted = shop.data("mutation($i: ProductDeleteInput!) { productDelete(input: $i) { deletedProductId } }",
                        {"i": {"id": pid}})
    assert deleted["productDelete"]["deletedProductId"] == pid
    assert shop.data("query($id: ID!) { product(id: $id) { id } }", {"id": pid})["product"] is None


def test_inventory_set_quantities(shop):
    location = _location(shop)
    product = shop.data(PRODUCT_SET, {"input": _shirt(location)})["productSet"]["product"]
    item = product["variants"]["nodes"][0]["inventoryItem"]["id"]
    mutation = """mutation($input: InventorySetQuantitiesInput!) { inventorySetQuantities(input: $input) {
      inventoryAdjustmentGroup { reason changes { name delta quantityAfterChange } }
      userErrors { field message code } } }"""
    ok = shop.data(mutation, {"input": {"name": "available", "reason": "correction", "ignoreCompareQuantity": True,
                                        "quantities": [{"inventoryItemId": item, "locationId": location,
                                                        "quantity": 42}]}})["inventorySetQuantities"]
    assert ok["userErrors"] == []
    assert ok["inventoryAdjustmentGroup"]["changes"] == [{"name": "available", "delta": 35, "quantityAfterChange": 42}]
    level = shop.data("""query($id: ID!) { inventoryItem(id: $id) { inventoryLevels(first: 5) { nodes {
        quantities(names: ["available", "on_hand"]) { name quantity } } } } }""", {"id": item})
    assert level["inventoryItem"]["inventoryLevels"]["nodes"][0]["quantities"] == [
        {"name": "available", "quantity": 42}, {"name": "on_hand", "quantity": 42}]
    stale = shop.data(mutation, {"input": {"name": "available", "reason": "correction", "quantities": [
        {"inventoryItemId": item, "locationId": location, "quantity": 1, "compareQuantity": 7}]}})
    assert stale["inventorySetQuantities"]["userErrors"][0]["code"] == "COMPARE_QUANTITY_STALE"
    wrong = shop.data(mutation, {"input": {"name": "available", "reason": "nope", "ignoreCompareQuantity": True,
                                           "quantities": [{"inventoryItemId": "gid://shopify/InventoryItem/1",
                                                           "locationId": location, "quantity": 1}]}})
    assert {e["code"] for e in wrong["inventorySetQuantities"]["userErrors"]} == {"INVALID_REASON",
                                                                                   "INVALID_INVENTORY_ITEM"}


def test_collection_create_add_products_and_errors(shop):
    pid = shop.data('mutation { productCreate(product: {title: "Sock"}) { product { id } } }')[
        "productCreate"]["product"]["id"]
    created = shop.data('mutation { collectionCreate(input: {title: "Socks"}) { collection { id handle } '
                        'userErrors { field message } } }')["collectionCreate"]
    assert created["collection"]["handle"] == "socks"
    added = shop.data("""mutation($id: ID!, $p: [ID!]!) { collectionAddProducts(id: $id, productIds: $p) {
        collection { productsCount { count } products(first: 5) { nodes { id } } } userErrors { field message } } }""",
                      {"id": created["collection"]["id"], "p": [pid]})["collectionAddProducts"]
    assert added["collection"]["productsCount"]["count"] == 1 and added["collection"]["products"]["nodes"] == [
        {"id": pid}]
    blank = shop.data('mutation { collectionCreate(input: {title: ""}) { collection { id } '
                      'userErrors { field message } } }')["collectionCreate"]
    assert blank == {"collection": None, "userErrors": [{"field": ["title"], "message": "Title can't be blank"}]}
    unknown = shop.data("""mutation($id: ID!) { collectionAddProducts(id: $id, productIds: ["gid://shopify/Product/5"])
        { userErrors { field message } } }""", {"id": created["collection"]["id"]})["collectionAddProducts"]
    assert unknown["userErrors"] == [{"field": ["productIds", "0"], "message": "Product does not exist"}]
    deleted = shop.data("mutation($id: ID!) { collectionDelete(input: {id: $id}) { deletedCollectionId } }",
                        {"id": created["collection"]["id"]})
    assert deleted["collectionDelete"]["deletedCollectionId"] == created["collection"]["id"]


def test_product_set_accepts_more_than_250_variants_and_pages_through_them(shop):
    values = [{"name": f"S{i:03d}"} for i in range(300)]
    variants = [{"optionValues": [{"optionName": "Size", "name": f"S{i:03d}"}], "sku": f"BIG-{i:03d}",
                 "price": "1.00"} for i in range(300)]
    big = {"title": "Big", "productOptions": [{"name": "Size", "values": values}], "variants": variants}
    created = shop.data("""mutation($i: ProductSetInput!) { productSet(input: $i) {
        product { id variantsCount { count } } userErrors { code } } }""", {"i": big})["productSet"]
    assert created["userErrors"] == [] and created["product"]["variantsCount"]["count"] == 300
    page = """query($id: ID!, $after: String) { product(id: $id) { variants(first: 250, after: $after) {
        nodes { sku } pageInfo { hasNextPage endCursor } } } }"""
    first = shop.data(page, {"id": created["product"]["id"]})["product"]["variants"]
    second = shop.data(page, {"id": created["product"]["id"], "after": first["pageInfo"]["endCursor"]})["product"][
        "variants"]
    skus = [v["sku"] for v in first["nodes"] + second["nodes"]]
    assert skus == [f"BIG-{i:03d}" for i in range(300)]
    assert first["pageInfo"]["hasNextPage"] and not second["pageInfo"]["hasNextPage"]
