def test_shop_query(seeded_shop):
    body = seeded_shop("{ shop { id name currencyCode myshopifyDomain } products(first: 3) { nodes { id title "
                       "variants(first: 5) { nodes { id sku price inventoryItem { id } } } } pageInfo { hasNextPage "
                       "endCursor } } }")
    print(body)
    assert "errors" not in body
