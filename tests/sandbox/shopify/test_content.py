METAFIELDS_SET = """mutation($m: [MetafieldsSetInput!]!) { metafieldsSet(metafields: $m) {
  metafields { id namespace key type value owner { ... on Product { id } } }
  userErrors { field message code elementIndex } } }"""


def _product(shop, title="Lamp"):
    return shop.data(f'mutation {{ productCreate(product: {{title: "{title}", descriptionHtml: "<p>Bright</p>"}}) '
                     '{ product { id } } }')["productCreate"]["product"]["id"]


def test_metafields_set_happy_path_upsert_and_25_limit(shop):
    pid = _product(shop)
    items = [{"ownerId": pid, "namespace": "custom", "key": f"k{i}", "type": "single_line_text_field",
              "value": f"v{i}"} for i in range(25)]
    ok = shop.data(METAFIELDS_SET, {"m": items})["metafieldsSet"]
    assert ok["userErrors"] == [] and len(ok["metafields"]) == 25
    assert ok["metafields"][0]["owner"] == {"id": pid}
    again = shop.data(METAFIELDS_SET, {"m": [dict(items[0], value="changed")]})["metafieldsSet"]
    assert again["metafields"][0]["id"] == ok["metafields"][0]["id"] and again["metafields"][0]["value"] == "changed"
    too_many = shop.data(METAFIELDS_SET, {"m": [*items, dict(items[0], key="k25")]})["metafieldsSet"]
    assert too_many == {"metafields": None, "userErrors": [{
        "field": ["metafields"], "message": "Exceeded the maximum metafields input limit of 25.",
        "code": "LESS_THAN_OR_EQUAL_TO", "elementIndex": None}]}
    bad = shop.data(METAFIELDS_SET, {"m": [
        dict(items[0], key="x"), dict(items[1], type="number_integer", value="abc"),
        dict(items[2], ownerId="gid://shopify/Product/1")]})["metafieldsSet"]
    assert bad["metafields"] is None
    assert [(e["elementIndex"], e["code"]) for e in bad["userErrors"]] == [(0, "INVALID_VALUE"), (1, "INVALID_VALUE"),
                                                                          (2, "INVALID")]
    count = shop.data('query($id: ID!) { product(id: $id) { metafields(first: 50) { nodes { key } } } }', {"id": pid})
    assert len(count["product"]["metafields"]["nodes"]) == 25


def test_translations_register_with_digest_and_shop_locale(shop):
    pid = _product(shop)
    enabled = shop.data('mutation { shopLocaleEnable(locale: "fr") { shopLocale { locale primary published } '
                        'userErrors { message } } }')["shopLocaleEnable"]
    assert enabled == {"shopLocale": {"locale": "fr", "primary": False, "published": True}, "userErrors": []}
    resource = shop.data("""query($id: ID!) { translatableResource(resourceId: $id) { resourceId
        translatableContent { key value digest locale } } }""", {"id": pid})["translatableResource"]
    content = {c["key"]: c for c in resource["translatableContent"]}
    assert content["title"]["value"] == "Lamp" and content["title"]["locale"] == "en"
    register = """mutation($id: ID!, $t: [TranslationInput!]!) { translationsRegister(resourceId: $id, translations: $t)
      { translations { key value locale } userErrors { field message code } } }"""
    ok = shop.data(register, {"id": pid, "t": [
        {"key": "title", "locale": "fr", "value": "Lampe", "translatableContentDigest": content["title"]["digest"]},
        {"key": "body_html", "locale": "fr", "value": "<p>Lumineuse</p>",
         "translatableContentDigest": content["body_html"]["digest"]}]})["translationsRegister"]
    assert ok["userErrors"] == [] and {t["value"] for t in ok["translations"]} == {"Lampe", "<p>Lumineuse</p>"}
    read = shop.data("""query($id: ID!) { product(id: $id) { translations(locale: "fr") { key value outdated } } }""",
                     {"id": pid})["product"]["translations"]
    assert {t["key"]: t["value"] for t in read} == {"title": "Lampe", "body_html": "<p>Lumineuse</p>"}
    listed = shop.data("""{ translatableResources(first: 5, resourceType: PRODUCT) { nodes { resourceId
        translations(locale: "fr") { key } } } }""")["translatableResources"]["nodes"]
    assert listed[0]["resourceId"] == pid and len(listed[0]["translations"]) == 2
    errors = shop.data(register, {"id": pid, "t": [
        {"key": "title", "locale": "de", "value": "Lampe", "translatableContentDigest": content["title"]["digest"]},
        {"key": "title", "locale": "fr", "value": "Lampe", "translatableContentDigest": "stale"},
        {"key": "nope", "locale": "fr", "value": "x", "translatableContentDigest": "x"}]})["translationsRegister"]
    assert [e["code"] for e in errors["userErrors"]] == ["INVALID_LOCALE_FOR_SHOP", "INVALID_TRANSLATABLE_CONTENT",
                                                        "INVALID_KEY_FOR_MODEL"]
    gone = shop.data(register, {"id": "gid://shopify/Product/1", "t": []})["translationsRegister"]
    assert gone["userErrors"][0]["code"] == "RESOURCE_NOT_FOUND"


def test_pages_blogs_articles_redirects_and_discounts(shop):
    page = shop.data("""mutation { pageCreate(page: {title: "About", body: "<p>Us</p>", isPublished: true}) {
        page { id title handle body isPublished } userErrors { field message code } } }""")["pageCreate"]
    assert page["page"]["handle"] == "about" and page["userErrors"] == []
    blank = shop.data('mutation { pageCreate(page: {title: ""}) { page { id } userErrors { field code } } }')
    assert blank["pageCreate"]["userErrors"] == [{"field": ["page", "title"], "code": "BLANK"}]
    article = shop.data("""mutation { articleCreate(blog: {title: "News"}, article: {title: "Hello",
        author: {name: "Ada"}, body: "<p>Hi</p>", tags: ["a"]}) { article { id handle author { name }
        blog { title handle } } userErrors { field code } } }""")["articleCreate"]
    assert article["userErrors"] == [] and article["article"]["blog"] == {"title": "News", "handle": "news"}
    no_blog = shop.data('mutation { articleCreate(article: {title: "x", author: {name: "A"}}) { '
                        'userErrors { code } } }')
    assert no_blog["articleCreate"]["userErrors"] == [{"code": "BLOG_REFERENCE_REQUIRED"}]
    redirect = """mutation($r: UrlRedirectInput!) { urlRedirectCreate(urlRedirect: $r) { urlRedirect { id path target }
      userErrors { field message code } } }"""
    made = shop.data(redirect, {"r": {"path": "/old", "target": "/new"}})["urlRedirectCreate"]
    assert made["urlRedirect"]["path"] == "/old" and made["userErrors"] == []
    dup = shop.data(redirect, {"r": {"path": "/old", "target": "/other"}})["urlRedirectCreate"]
    assert dup["userErrors"] == [{"field": ["urlRedirect", "path"], "message": "Path has already been taken",
                                  "code": "CREATE_FAILED"}]
    discount = """mutation($d: DiscountCodeBasicInput!) { discountCodeBasicCreate(basicCodeDiscount: $d) {
      codeDiscountNode { id codeDiscount { ... on DiscountCodeBasic { title status codes(first: 1) { nodes { code } }
        customerGets { value { ... on DiscountPercentage { percentage } } } } } }
      userErrors { field message code } } }"""
    coupon = {"title": "Ten", "code": "TEN", "startsAt": "2024-01-01T00:00:00Z",
              "customerGets": {"value": {"percentage": 0.1}, "items": {"all": True}},
              "customerSelection": {"all": True}}
    created = shop.data(discount, {"d": coupon})["discountCodeBasicCreate"]
    assert created["userErrors"] == []
    assert created["codeDiscountNode"]["codeDiscount"] == {"title": "Ten", "status": "ACTIVE",
                                                           "codes": {"nodes": [{"code": "TEN"}]},
                                                           "customerGets": {"value": {"percentage": 0.1}}}
    taken = shop.data(discount, {"d": dict(coupon, code="ten")})["discountCodeBasicCreate"]
    assert taken["userErrors"][0]["code"] == "TAKEN"
    by_code = shop.data('{ codeDiscountNodeByCode(code: "TEN") { id } }')["codeDiscountNodeByCode"]
    assert by_code["id"] == created["codeDiscountNode"]["id"]
    for mutation, key, value in (
        ("pageDelete(id: $id) { deletedPageId }", "pageDelete", page["page"]["id"]),
        ("articleDelete(id: $id) { deletedArticleId }", "articleDelete", article["article"]["id"]),
        ("urlRedirectDelete(id: $id) { deletedUrlRedirectId }", "urlRedirectDelete", made["urlRedirect"]["id"]),
        ("discountCodeDelete(id: $id) { deletedCodeDiscountId }", "discountCodeDelete",
         created["codeDiscountNode"]["id"]),
    ):
        deleted = shop.data(f"mutation($id: ID!) {{ {mutation} }}", {"id": value})[key]
        assert list(deleted.values()) == [value]
