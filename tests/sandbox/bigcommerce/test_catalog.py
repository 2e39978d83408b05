"""Catalog v3 over real HTTP: products with variants/images/custom fields, filters, batch updates and
207, duplicates (409) and validation (422), categories and trees, brands, reviews, inventory."""
from datetime import UTC, datetime, timedelta

PRODUCT = {"name": "Trail Shoe", "type": "physical", "weight": 1.2, "price": 89.5, "sku": "SHOE-1",
           "variants": [{"sku": f"SHOE-1-{c}-{s}", "option_values": [{"option_display_name": "Color", "label": c},
                                                                     {"option_display_name": "Size", "label": s}]}
                        for c in ("Red", "Blue") for s in ("42", "43")],
           "images": [{"image_url": "https://cdn.example.com/shoe.jpg", "is_thumbnail": True}],
           "custom_fields": [{"name": "Material", "value": "Mesh"}]}


def test_product_create_with_variants_options_images_and_include(bc):
    created = bc.post("catalog/products", json=PRODUCT)
    assert created.status_code == 200, created.text
    product = created.json()["data"]
    assert len(product["variants"]) == 4 and product["base_variant_id"] is None
    fetched = bc.data(f"catalog/products/{product['id']}", include="variants,images,custom_fields,options,modifiers")
    assert {v["sku"] for v in fetched["variants"]} == {v["sku"] for v in PRODUCT["variants"]}
    assert {o["display_name"]: len(o["option_values"]) for o in fetched["options"]} == {"Color": 2, "Size": 2}
    assert fetched["images"][0]["image_url"].endswith("shoe.jpg") and fetched["modifiers"] == []
    assert fetched["custom_fields"][0]["name"] == "Material"
    by_sku = bc.data("catalog/variants", sku="SHOE-1-Blue-43")
    assert [(v["product_id"], v["sku"]) for v in by_sku] == [(product["id"], "SHOE-1-Blue-43")]
    assert len(bc.data("catalog/variants", **{"product_id:in": str(product["id"])})) == 4
    options = {o["display_name"]: o for o in fetched["options"]}
    red = next(v for v in options["Color"]["option_values"] if v["label"] == "Red")
    size = next(v for v in options["Size"]["option_values"] if v["label"] == "42")
    again = bc.post(f"catalog/products/{product['id']}/variants", json={
        "sku": "SHOE-1-DUP", "option_values": [{"option_id": options["Color"]["id"], "id": red["id"]},
                                               {"option_id": options["Size"]["id"], "id": size["id"]}]})
    assert again.status_code == 409 and again.json()["title"] == "Variant with the same option values set exists"
    simple = bc.post("catalog/products", json={"name": "Sock", "type": "physical", "weight": 0.1, "price": 5}).json()
    assert simple["data"]["base_variant_id"] == simple["data"]["variants"][0]["id"]


def test_duplicates_are_409_and_bad_fields_422(bc):
    assert bc.post("catalog/products", json=PRODUCT).status_code == 200
    same_name = bc.post("catalog/products", json={**PRODUCT, "variants": [], "sku": "OTHER"})
    assert same_name.status_code == 409 and same_name.json()["title"] == "The product name is a duplicate"
    same_sku = bc.post("catalog/products", json={"name": "Other", "type": "physical", "weight": 1, "price": 1,
                                                 "sku": "SHOE-1-Red-42"})
    assert same_sku.status_code == 409
    bad_type = bc.post("catalog/products", json={"name": "X", "type": "spaceship", "weight": 1, "price": 1})
    assert bad_type.status_code == 422 and "type" in bad_type.json()["errors"]
    many = [{"sku": f"M-{n}", "option_values": [{"option_display_name": "N", "label": str(n)}]} for n in range(601)]
    too_many = bc.post("catalog/products", json={"name": "Many", "type": "physical", "weight": 1, "price": 1,
                                                 "variants": many})
    assert too_many.status_code == 422 and "600" in too_many.json()["title"]
    assert [p["name"] for p in bc.data("catalog/products")] == ["Trail Shoe"]  # nothing of the refused product
    assert bc.post("catalog/brands", json={"name": "Acme"}).status_code == 200
    assert bc.post("catalog/brands", json={"name": "Acme"}).status_code == 409


def test_seeded_catalog_filters_tree_inventory_and_reviews(seeded_bc):
    everything = seeded_bc.all("catalog/products")
    ids = [p["id"] for p in everything]
    assert [p["id"] for p in seeded_bc.data("catalog/products", **{"id:in": f"{ids[0]},{ids[2]}"})] == [ids[0], ids[2]]
    target = everything[3]
    assert [p["id"] for p in seeded_bc.data("catalog/products", sku=target["sku"])] == [target["id"]]
    word = target["name"].split()[1]
    assert {p["id"] for p in seeded_bc.data("catalog/products", keyword=word)} == \
        {p["id"] for p in everything if word.lower() in p["name"].lower()}
    hidden = seeded_bc.data("catalog/products", is_visible="false")
    assert {p["id"] for p in hidden} == {p["id"] for p in everything if not p["is_visible"]}
    future = (datetime.now(UTC) + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%S+00:00")
    assert seeded_bc.data("catalog/products", **{"date_modified:min": future}) == []
    assert len(seeded_bc.data("catalog/products", **{"date_modified:max": future})) == len(everything)

    categories = seeded_bc.all("catalog/categories")
    by_id = {c["id"]: c for c in categories}
    assert all(c["parent_id"] == 0 or c["parent_id"] in by_id for c in categories)
    tree = seeded_bc.data("catalog/trees/1/categories")
    assert max(child["depth"] for top in tree for child in top["children"]) == 2
    assert any(leaf["depth"] == 3 for top in tree for child in top["children"] for leaf in child["children"])
    flat = seeded_bc.data("catalog/trees/categories", **{"tree_id:in": "1", "limit": 250})
    assert {c["category_id"] for c in flat} == set(by_id)
    top = next(c for c in categories if c["parent_id"] == 0)
    assert seeded_bc.post("catalog/categories", json={"parent_id": 0, "name": top["name"]}).status_code == 409
    assert [c["name"] for c in seeded_bc.data("catalog/categories", parent_id=top["id"])] == \
        [c["name"] for c in categories if c["parent_id"] == top["id"]]
    assert len(seeded_bc.data("catalog/brands")) == 5

    product = seeded_bc.data("catalog/products", include="variants", limit=1)[0]
    variant = product["variants"][0]
    adjusted = seeded_bc.post("inventory/adjustments/absolute", json={
        "reason": "recount", "items": [{"location_id": 1, "variant_id": variant["id"], "quantity": 77}]})
    assert adjusted.status_code == 200 and adjusted.json()["data"]["transaction_id"]
    assert seeded_bc.data(f"catalog/products/{product['id']}/variants/{variant['id']}")["inventory_level"] == 77
    assert seeded_bc.data(f"catalog/products/{product['id']}")["date_modified"] >= product["date_modified"]

    review = seeded_bc.post(f"catalog/products/{product['id']}/reviews", json={
        "title": "Great", "rating": 5, "date_reviewed": "2026-01-02T00:00:00+00:00"})
    assert review.status_code == 200 and review.json()["data"]["product_id"] == product["id"]
    missing = seeded_bc.post(f"catalog/products/{product['id']}/reviews", json={"rating": 5})
    assert missing.status_code == 422 and set(missing.json()["errors"]) == {"title", "date_reviewed"}


def test_batch_update_limit_partial_207_and_deletes(seeded_bc):
    ids = [p["id"] for p in seeded_bc.all("catalog/products")]
    too_many = seeded_bc.put("catalog/products", json=[{"id": i, "price": 1.0} for i in range(1, 12)])
    assert too_many.status_code == 413
    all_ok = seeded_bc.put("catalog/products", json=[{"id": ids[0], "price": 11.0}, {"id": ids[1], "price": 12.0}])
    assert all_ok.status_code == 200 and [p["price"] for p in all_ok.json()["data"]] == [11.0, 12.0]
    partial = seeded_bc.put("catalog/products", json=[{"id": ids[0], "price": 13.0}, {"id": 999999, "price": 1.0}])
    body = partial.json()
    assert partial.status_code == 207 and body["meta"] == {"total": 2, "success": 1, "failed": 1}
    assert body["data"][0]["price"] == 13.0 and body["errors"][0]["status"] == 404
    assert seeded_bc.delete(f"catalog/products/{ids[0]}").status_code == 204
    assert seeded_bc.delete("catalog/products", params={"id:in": f"{ids[1]},{ids[2]}"}).status_code == 204
    assert {p["id"] for p in seeded_bc.all("catalog/products")} == set(ids[3:])
    assert seeded_bc.get(f"catalog/products/{ids[0]}/variants").status_code == 404
