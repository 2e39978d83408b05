from datetime import timedelta

from sandbox.models import SandboxRecord
from sandbox.records import now_utc

PAGE = """query($first: Int, $after: String, $last: Int, $before: String, $query: String, $sortKey: ProductSortKeys,
               $reverse: Boolean) {
  products(first: $first, after: $after, last: $last, before: $before, query: $query, sortKey: $sortKey,
           reverse: $reverse) {
    edges { cursor node { id title updatedAt } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}"""


def _walk_forward(client, size):
    ids, after = [], None
    while True:
        page = client.data(PAGE, {"first": size, "after": after})["products"]
        ids += [e["node"]["id"] for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            return ids
        after = page["pageInfo"]["endCursor"]


def test_shopify_cursor_pagination_forward_and_backward(seeded_shop):
    forward = _walk_forward(seeded_shop, 5)
    assert len(forward) == len(set(forward)) == 12
    first = seeded_shop.data(PAGE, {"first": 5})["products"]
    assert first["pageInfo"]["hasPreviousPage"] is False and first["pageInfo"]["hasNextPage"] is True
    second = seeded_shop.data(PAGE, {"first": 5, "after": first["pageInfo"]["endCursor"]})["products"]
    assert second["pageInfo"]["hasPreviousPage"] is True
    back = seeded_shop.data(PAGE, {"last": 5, "before": second["pageInfo"]["startCursor"]})["products"]
    assert [e["node"]["id"] for e in back["edges"]] == forward[:5]
    assert back["pageInfo"]["hasNextPage"] is True and back["pageInfo"]["hasPreviousPage"] is False
    tail = seeded_shop.data(PAGE, {"last": 3})["products"]
    assert [e["node"]["id"] for e in tail["edges"]] == forward[-3:]
    reverse = seeded_shop.data(PAGE, {"first": 12, "reverse": True})["products"]
    assert [e["node"]["id"] for e in reverse["edges"]] == forward[::-1]


def test_shopify_page_size_is_capped_at_250(seeded_shop):
    body = seeded_shop(PAGE, {"first": 251})
    assert "data" not in body
    assert body["errors"][0]["message"] == ("Argument 'first' on Field 'products' has an invalid value (251). "
                                            "Expected a page size from 0 to 250.")
    assert len(seeded_shop.data(PAGE, {"first": 250})["products"]["edges"]) == 12
    missing = seeded_shop("{ products { nodes { id } } }")
    assert missing["data"] is None
    assert missing["errors"][0]["message"] == "you must provide one of first or last"
    assert missing["extensions"]["cost"]["requestedQueryCost"] == 2
    both = seeded_shop("{ products(first: 1, last: 1) { nodes { id } } }")
    assert both["errors"][0]["message"] == "providing both first and last is not supported"


def test_shopify_updated_at_search_and_sort_key(seeded_shop):
    rows = list(SandboxRecord.objects.filter(resource="products", store__name="seeded-shop").order_by("record_id"))
    recent = now_utc() - timedelta(hours=1)
    for row in rows[:3]:
        SandboxRecord.objects.filter(pk=row.pk).update(date_modified_gmt=recent)
    old = now_utc() - timedelta(days=3000)
    SandboxRecord.objects.filter(pk__in=[r.pk for r in rows[3:]]).update(date_modified_gmt=old)
    since = (now_utc() - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    page = seeded_shop.data(PAGE, {"first": 50, "query": f"updated_at:>='{since}'", "sortKey": "UPDATED_AT"})
    assert {e["node"]["id"].rsplit("/", 1)[1] for e in page["products"]["edges"]} == \
        {str(r.record_id) for r in rows[:3]}
    everything = seeded_shop.data(PAGE, {"first": 50, "sortKey": "UPDATED_AT"})["products"]["edges"]
    stamps = [e["node"]["updatedAt"] for e in everything]
    assert stamps == sorted(stamps)
    paged = seeded_shop.data(PAGE, {"first": 2, "sortKey": "UPDATED_AT", "query": f"updated_at:>={since}"})
    rest = seeded_shop.data(PAGE, {"first": 2, "sortKey": "UPDATED_AT", "query": f"updated_at:>={since}",
                                   "after": paged["products"]["pageInfo"]["endCursor"]})
    assert len(paged["products"]["edges"]) == 2 and len(rest["products"]["edges"]) == 1
    counted = seeded_shop.data("query($q: String) { productsCount(query: $q) { count precision } }",
                               {"q": f"updated_at:>='{since}'"})
    assert counted["productsCount"] == {"count": 3, "precision": "EXACT"}
    created = seeded_shop.data("query($q: String) { ordersCount(query: $q) { count } }",
                               {"q": "created_at:>=2000-01-01"})
    assert created["ordersCount"]["count"] == 15


def test_shopify_counts_and_lists_of_every_resource(seeded_shop):
    counts = seeded_shop.data("""{
      productsCount { count precision } customersCount { count } ordersCount { count }
      limited: productsCount(limit: 5) { count precision }
      collections(first: 20) { nodes { id title handle productsCount { count } } }
      customers(first: 10) { nodes { id email defaultAddress { city countryCodeV2 } } }
      orders(first: 20, sortKey: PROCESSED_AT) { nodes { name processedAt } }
      pages(first: 10) { nodes { title handle } }
      blogs(first: 5) { nodes { title articles(first: 10) { nodes { title author { name } } } } }
      articles(first: 10) { nodes { id } }
      codeDiscountNodes(first: 20) { nodes { id codeDiscount { ... on DiscountCodeBasic { title codes(first: 1) {
        nodes { code } } } } } }
      urlRedirects(first: 10) { nodes { path target } }
      locations(first: 5) { nodes { id name isActive } }
      shopLocales { locale primary published }
      productVariants(first: 5, query: "sku:SKU-00001*") { nodes { sku } }
    }""")
    assert counts["productsCount"] == {"count": 12, "precision": "EXACT"}
    assert counts["limited"] == {"count": 5, "precision": "AT_LEAST"}
    assert counts["customersCount"]["count"] == 6 and counts["ordersCount"]["count"] == 15
    assert len(counts["collections"]["nodes"]) == 9
    processed = [o["processedAt"] for o in counts["orders"]["nodes"]]
    assert processed == sorted(processed)
    assert len(counts["pages"]["nodes"]) == 5 and len(counts["articles"]["nodes"]) == 6
    assert len(counts["codeDiscountNodes"]["nodes"]) == 10
    assert len(counts["urlRedirects"]["nodes"]) == 5
    assert counts["locations"]["nodes"][0]["name"] == "Shop location"
    assert counts["shopLocales"] == [{"locale": "en", "primary": True, "published": True},
                                     {"locale": "fr", "primary": False, "published": True}]
    assert counts["productVariants"]["nodes"] and all(
        v["sku"].startswith("SKU-00001") for v in counts["productVariants"]["nodes"])
