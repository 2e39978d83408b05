"""discountCodeBasicCreate with product, variant and collection items, read back through `DiscountItems`."""
CREATE = """mutation($d: DiscountCodeBasicInput!) { discountCodeBasicCreate(basicCodeDiscount: $d) {
  codeDiscountNode { id codeDiscount { ... on DiscountCodeBasic { summary customerGets { items {
    __typename
    ... on AllDiscountItems { allItems }
    ... on DiscountProducts { products(first: 10) { nodes { id } } productVariants(first: 10) { nodes { id } } }
    ... on DiscountCollections { collections(first: 10) { nodes { id } } } } } } } }
  userErrors { field message code } } }"""
READ = """query($id: ID!) { codeDiscountNode(id: $id) { codeDiscount { ... on DiscountCodeBasic {
  customerGets { items { __typename
    ... on DiscountProducts { products(first: 1) { pageInfo { hasNextPage } nodes { id title } } }
    ... on DiscountCollections { collections(first: 5) { nodes { id title } } } } } } } } }"""


def _discount(code: str, items: dict) -> dict:
    return {"title": code, "code": code, "startsAt": "2024-01-01T00:00:00Z",
            "customerGets": {"value": {"percentage": 0.1}, "items": items}, "customerSelection": {"all": True}}


def _product(shop, title: str) -> dict:
    return shop.data(f'mutation {{ productCreate(product: {{title: "{title}"}}) {{ product {{ id '
                     'variants(first: 1) { nodes { id } } } } }')["productCreate"]["product"]


def _collection(shop, title: str) -> str:
    return shop.data(f'mutation {{ collectionCreate(input: {{title: "{title}"}}) {{ collection {{ id }} }} }}'
                     )["collectionCreate"]["collection"]["id"]


def _create(shop, code: str, items: dict) -> dict:
    return shop.data(CREATE, {"d": _discount(code, items)})["discountCodeBasicCreate"]


def test_discount_code_basic_create_with_products_and_variants(shop):
    lamp, desk = _product(shop, "Lamp"), _product(shop, "Desk")
    variant = desk["variants"]["nodes"][0]["id"]
    created = _create(shop, "LAMP10", {"products": {"productsToAdd": [lamp["id"], lamp["id"]],
                                                     "productVariantsToAdd": [variant]}})
    assert created["userErrors"] == []
    basic = created["codeDiscountNode"]["codeDiscount"]
    assert basic["customerGets"]["items"] == {"__typename": "DiscountProducts",
                                              "products": {"nodes": [{"id": lamp["id"]}]},
                                              "productVariants": {"nodes": [{"id": variant}]}}
    assert basic["summary"] == "10% off 2 products"
    read = shop.data(READ, {"id": created["codeDiscountNode"]["id"]})["codeDiscountNode"]["codeDiscount"]
    assert read["customerGets"]["items"] == {"__typename": "DiscountProducts", "products": {
        "pageInfo": {"hasNextPage": False}, "nodes": [{"id": lamp["id"], "title": "Lamp"}]}}


def test_discount_code_basic_create_with_collections_reads_back_through_the_union(shop):
    shirts, hats = _collection(shop, "Shirts"), _collection(shop, "Hats")
    created = _create(shop, "WEAR", {"collections": {"add": [shirts, hats]}})
    assert created["userErrors"] == []
    items = created["codeDiscountNode"]["codeDiscount"]["customerGets"]["items"]
    assert items == {"__typename": "DiscountCollections", "collections": {"nodes": [{"id": shirts}, {"id": hats}]}}
    listed = shop.data("""{ codeDiscountNodes(first: 5) { nodes { codeDiscount { ... on DiscountCodeBasic {
      customerGets { items { ... on DiscountCollections { collections(first: 5) { nodes { title } } } } } } } } } }""")
    assert listed["codeDiscountNodes"]["nodes"][0]["codeDiscount"]["customerGets"]["items"] == {
        "collections": {"nodes": [{"title": "Shirts"}, {"title": "Hats"}]}}
    everything = _create(shop, "ALL", {"all": True})
    assert everything["codeDiscountNode"]["codeDiscount"]["customerGets"]["items"] == {
        "__typename": "AllDiscountItems", "allItems": True}
    assert everything["codeDiscountNode"]["codeDiscount"]["summary"] == "10% off entire order"


def test_discount_items_take_one_of_all_products_or_collections(shop):
    lamp = _product(shop, "Lamp")
    shirts = _collection(shop, "Shirts")
    for items in ({"products": {"productsToAdd": [lamp["id"]]}, "collections": {"add": [shirts]}},
                  {"all": True, "collections": {"add": [shirts]}}):
        answer = _create(shop, "BOTH", items)
        assert answer["codeDiscountNode"] is None
        assert answer["userErrors"] == [{"field": ["basicCodeDiscount", "customerGets", "items"],
                                         "message": "Only one of all, products or collections can be specified.",
                                         "code": "CONFLICT"}]
    # `all: false` is not a choice, and an empty selection is blank
    assert _create(shop, "ONE", {"all": False, "collections": {"add": [shirts]}})["userErrors"] == []
    blank = _create(shop, "NONE", {"products": {"productsToAdd": []}})
    assert [e["code"] for e in blank["userErrors"]] == ["BLANK"]
    assert shop.data("{ discountCodesCount { count } }")["discountCodesCount"]["count"] == 1


def test_discount_items_with_unknown_ids_are_user_errors(shop):
    lamp = _product(shop, "Lamp")
    missing = _create(shop, "GONE", {"products": {"productsToAdd": [lamp["id"], "gid://shopify/Product/1"],
                                                  "productVariantsToAdd": ["gid://shopify/ProductVariant/2"]}})
    assert missing["codeDiscountNode"] is None
    assert missing["userErrors"] == [
        {"field": ["basicCodeDiscount", "customerGets", "items", "products", "productsToAdd", "1"],
         "message": "Product with id gid://shopify/Product/1 does not exist.", "code": "INVALID"},
        {"field": ["basicCodeDiscount", "customerGets", "items", "products", "productVariantsToAdd", "0"],
         "message": "Product variant with id gid://shopify/ProductVariant/2 does not exist.", "code": "INVALID"},
    ]
    wrong_type = _create(shop, "TYPE", {"collections": {"add": [lamp["id"]]}})
    assert wrong_type["userErrors"] == [
        {"field": ["basicCodeDiscount", "customerGets", "items", "collections", "add", "0"],
         "message": f"Collection with id {lamp['id']} does not exist.", "code": "INVALID"}]


def test_discount_items_connections_count_in_the_query_cost(shop):
    lamp = _product(shop, "Lamp")
    created = _create(shop, "COST", {"products": {"productsToAdd": [lamp["id"]]}})
    body = shop("""query($id: ID!) { codeDiscountNode(id: $id) { codeDiscount { ... on DiscountCodeBasic {
      customerGets { items { ... on DiscountProducts { products(first: 50) { nodes { id } } } } } } } } }""",
                {"id": created["codeDiscountNode"]["id"]})
    cost = body["extensions"]["cost"]
    # node 1 + codeDiscount 1 + customerGets 1 + items 1 + products connection (2 + 50 x 1)
    assert cost["requestedQueryCost"] == 56
    assert cost["actualQueryCost"] == 7


def test_seeded_discounts_are_restricted_to_products_and_collections(seeded_shop):
    nodes = seeded_shop.data("""{ codeDiscountNodes(first: 10) { nodes { codeDiscount { ... on DiscountCodeBasic {
      customerGets { items { __typename ... on DiscountProducts { products(first: 5) { nodes { id } } }
        ... on DiscountCollections { collections(first: 5) { nodes { id } } } } } } } } } }""")
    items = [n["codeDiscount"]["customerGets"]["items"] for n in nodes["codeDiscountNodes"]["nodes"]]
    kinds = [i["__typename"] for i in items]
    assert kinds.count("DiscountProducts") == 3 and kinds.count("DiscountCollections") == 2
    assert all(len(i["products"]["nodes"]) == 2 for i in items if i["__typename"] == "DiscountProducts")
    assert all(len(i["collections"]["nodes"]) == 1 for i in items if i["__typename"] == "DiscountCollections")
