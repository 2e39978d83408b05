"""Shopify connector over real HTTP against Shopify sandbox stores (pytest-django live_server).

References are rewritten by hand in `rewrite`, as the engine does through its id map."""
from __future__ import annotations

from decimal import Decimal

import pytest
import requests

from connectors.entities import VARIANTS, Canonical, Coupon, EntityType, Product, Variant
from connectors.errors import AuthenticationError
from connectors.http import HttpClient
from connectors.ratelimit import LocalRateLimiter
from connectors.shopify import ShopifyConnector

E = EntityType
WRITE_ORDER = (E.CATEGORY, E.PRODUCT, E.CUSTOMER, E.ORDER, E.REVIEW, E.COUPON, E.PAGE, E.BLOG_POST)

pytestmark = pytest.mark.django_db(transaction=True)


def connect(store: dict, *, options=None, limiter=None, **overrides) -> ShopifyConnector:
    return ShopifyConnector(
        base_url=store["base_url"], credentials=overrides.get("credentials", store["credentials"]),
        http=HttpClient(max_retries=2, backoff_cap=0.2, limiter=limiter, limiter_key=store["store"]),
        options=options or {},
    )


def generous(name: str) -> None:
    from sandbox.models import SandboxStore
    from sandbox.services import sandbox_store_set_throttle

    sandbox_store_set_throttle(SandboxStore.objects.get(platform="shopify", name=name), restore_rate=100000,
                               bucket_size=200000)


def owner_call(store: dict, query: str, variables: dict) -> dict:
    """A call the store's owner makes (not the connector): left out of the schema guard's documents."""
    response = requests.post(f"{store['base_url']}/admin/api/2026-01/graphql.json", timeout=30,
                             json={"query": query, "variables": variables},
                             headers={"X-Shopify-Access-Token": store["credentials"]["access_token"]})
    body = response.json()
    assert "errors" not in body, body["errors"]
    return body["data"]


def read_all(connector, entity, **kwargs):
    items, errors = [], []
    for page in connector.read(entity, **kwargs):
        items.extend(page.items)
        errors.extend(page.errors)
    return items, errors


def rewrite(item: Canonical, maps: dict[str, dict[str, str]]) -> Canonical:
    data = item.model_dump()

    def target(entity, value):
        return maps[str(entity)].get(str(value), value) if value not in (None, "") else value

    for path, entity in type(item).REFS.items():
        if "[]." in path:
            list_name, field = path.split("[].")
            for element in data[list_name]:
                element[field] = target(entity, element[field])
        elif path.endswith("[]"):
            data[path[:-2]] = [target(entity, v) for v in data[path[:-2]]]
        else:
            data[path] = target(entity, data[path])
    return type(item).model_validate(data)


def test_shopify_to_shopify_round_trip_keeps_every_entity_and_reference(shopify_store_factory):
    source_desc = shopify_store_factory("src", products=8, customers=6, orders=10, languages=["en", "fr"], seed=4,
                                        pages=3, articles=3)
    target_desc = shopify_store_factory("dst", languages=["en", "fr"])
    generous("src")
    generous("dst")
    source, target = connect(source_desc), connect(target_desc, options={"create_redirects": True})
    info = source.check_connection()
    assert info.languages == ["en", "fr"] and info.counts["products"] == 8 and info.counts["orders"] == 10
    maps: dict[str, dict[str, str]] = {str(e): {} for e in WRITE_ORDER}
    maps[VARIANTS] = {}
    read: dict[EntityType, list[Canonical]] = {}
    for entity in WRITE_ORDER:
        items, errors = read_all(source, entity)
        assert errors == [], (entity, errors)
        read[entity] = items
        if not items:
            continue
        results = target.create(entity, [rewrite(i, maps) for i in items])
        assert all(r.ok for r in results), (entity, [r.error for r in results if not r.ok][:3])
        for item, result in zip(items, results, strict=True):
            maps[str(entity)][item.source_id] = result.target_id
            maps[VARIANTS].update(result.children)
    assert read[E.PRODUCT] and read[E.ORDER] and read[E.COUPON] and read[E.PAGE] and read[E.BLOG_POST]
    for entity in (E.PRODUCT, E.CUSTOMER, E.ORDER, E.CATEGORY, E.COUPON, E.PAGE, E.BLOG_POST):
        assert target.count(entity) == len(read[entity]), entity
    written = {p.source_id: p for p in read_all(target, E.PRODUCT)[0]}
    for product in read[E.PRODUCT]:
        copy = written[maps["products"][product.source_id]]
        assert (copy.name, copy.type, copy.price, copy.stock_quantity) == (
            product.name, product.type, product.price, product.stock_quantity)
        assert sorted(v.sku for v in copy.variants) == sorted(v.sku for v in product.variants)
        assert sorted(copy.category_ids) == sorted(maps["categories"][c] for c in product.category_ids)
        assert copy.translations.get("fr", {}).get("name") == product.translations.get("fr", {}).get("name")
    orders = {o.source_id: o for o in read_all(target, E.ORDER)[0]}
    for order in read[E.ORDER]:
        copy = orders[maps["orders"][order.source_id]]
        assert (copy.number, copy.total, copy.created_at) == (order.number, order.total, order.created_at)
        # orderCreate cannot make a cancelled order: it arrives voided, which means the same
        assert ShopifyConnector.order_statuses[copy.status] == ShopifyConnector.order_statuses[order.status]
        assert copy.customer_id == (maps["customers"][order.customer_id] if order.customer_id else None)
        assert [s.tracking_number for s in copy.shipments] == [s.tracking_number for s in order.shipments]
        assert [(li.sku, li.quantity) for li in copy.lines] == [(li.sku, li.quantity) for li in order.lines]
        # Sandbox seed quirk: an order's coupon discount is put on its first line only (it can make that
        # line negative); Shopify spreads it across the lines, as the copy shows. The sums agree.
        assert sum(li.total for li in copy.lines) == sum(li.total for li in order.lines)
        if not order.discounts:
            assert [li.total for li in copy.lines] == [li.total for li in order.lines]
    # seeded discounts restricted to products or to collections keep them, through the id map
    coupons = {c.source_id: c for c in read_all(target, E.COUPON)[0]}
    assert any(c.product_ids for c in read[E.COUPON]) and any(c.category_ids for c in read[E.COUPON])
    for coupon in read[E.COUPON]:
        copy = coupons[maps["coupons"][coupon.source_id]]
        assert copy.product_ids == [maps["products"][p] for p in coupon.product_ids]
        assert copy.category_ids == [maps["categories"][c] for c in coupon.category_ids]
    # natural keys find what was written; a second write of the same review overwrites it
    product = read[E.PRODUCT][0]
    assert target.find_by_natural_key(E.PRODUCT, product.natural_key()) == maps["products"][product.source_id]
    order = read[E.ORDER][0]
    assert target.find_by_natural_key(E.ORDER, order.number) == maps["orders"][order.source_id]
    customer = read[E.CUSTOMER][0]
    assert target.find_by_natural_key(E.CUSTOMER, customer.email) == maps["customers"][customer.source_id]


def test_products_over_shopify_limits_become_record_errors(shopify_store_factory):
    desc = shopify_store_factory("limits")
    generous("limits")
    connector = connect(desc)
    options = [{"name": n, "values": ["a"]} for n in ("A", "B", "C", "D")]
    four = Product(source_id="1", name="Four options", type="variable", options=options,
                   variants=[Variant(source_id="v1", sku="F-1", price=Decimal(1),
                                     option_values={n: "a" for n in "ABCD"})])
    many = Product(source_id="2", name="Too many", type="variable",
                   options=[{"name": "N", "values": [str(i) for i in range(2049)]}],
                   variants=[Variant(source_id=f"v{i}", price=Decimal(1), option_values={"N": str(i)})
                             for i in range(2049)])
    fine = Product(source_id="3", name="Fine", sku="FINE-1", price=Decimal("9.50"), manage_stock=True,
                   stock_quantity=4)
    results = connector.create(E.PRODUCT, [four, many, fine])
    assert "at most 3 options" in results[0].error
    assert "at most 2048 variants" in results[1].error
    assert results[2].ok
    assert connector.get(E.PRODUCT, results[2].target_id).stock_quantity == 4


def test_an_order_shipped_in_several_parcels_keeps_every_tracking_number(shopify_store_factory):
    from connectors.entities import Order, OrderLine, Shipment

    desc = shopify_store_factory("parcels")
    generous("parcels")
    connector = connect(desc)
    (product,) = connector.create(E.PRODUCT, [Product(source_id="1", name="Boxed", sku="BOX-1", price=Decimal(4))])
    parcels = [Shipment(tracking_number=f"1Z{k}", carrier="UPS", tracking_url=f"https://ups.example/1Z{k}")
               for k in range(3)]
    line = OrderLine(product_id=product.target_id, name="Boxed", quantity=3, price=Decimal(4), subtotal=Decimal(12),
                     total=Decimal(12))
    orders = [Order(source_id="1", number="5001", status="fulfilled", total=Decimal(12), lines=[line],
                    shipments=parcels),
              Order(source_id="2", number="5002", status="fulfilled", total=Decimal(12), lines=[line],
                    shipments=parcels[:1])]
    results = connector.create(E.ORDER, orders)
    assert all(r.ok and not r.warnings for r in results), [(r.error, r.warnings) for r in results]
    several, one = (connector.get(E.ORDER, r.target_id) for r in results)
    assert [(s.tracking_number, s.carrier, s.tracking_url) for s in several.shipments] == [
        (p.tracking_number, p.carrier, p.tracking_url) for p in parcels]
    assert [s.tracking_number for s in one.shipments] == ["1Z0"]
    assert several.status == "fulfilled"


def test_an_order_shipped_in_parts_gets_one_fulfillment_per_shipment_of_the_lines_it_carried(shopify_store_factory):
    """A paid order with two of its three lines shipped (two parcels, each saying what it carried): Shopify
    gets one fulfillment per parcel with those lines and its tracking number, and the third line stays to
    fulfill; a smart update's new parcel of the last line fulfills only that line."""
    from connectors.entities import Order, OrderLine, Shipment, ShipmentLine

    desc = shopify_store_factory("parts")
    generous("parts")
    connector = connect(desc)
    made = connector.create(E.PRODUCT, [Product(source_id=str(k), name=f"Part {k}", sku=f"PART-{k}",
                                                price=Decimal(5)) for k in range(3)])
    lines = [OrderLine(product_id=p.target_id, name=f"Part {k}", quantity=2, price=Decimal(5), subtotal=Decimal(10),
                       total=Decimal(10)) for k, p in enumerate(made)]
    parcels = [Shipment(tracking_number="1ZA", carrier="UPS", lines=[ShipmentLine(line=0, quantity=2)]),
               Shipment(tracking_number="1ZB", carrier="UPS", tracking_url="https://ups.example/1ZB",
                        lines=[ShipmentLine(line=1, quantity=1)])]
    (result,) = connector.create(E.ORDER, [Order(source_id="1", number="9001", status="paid", total=Decimal(30),
                                                 lines=lines, shipments=parcels)])
    assert result.ok and not result.warnings, (result.error, result.warnings)
    order = owner_call(desc, """query($id: ID!) { order(id: $id) { displayFulfillmentStatus
        lineItems(first: 5) { nodes { unfulfilledQuantity } }
        fulfillments { trackingInfo { number url } fulfillmentLineItems(first: 5) { nodes { quantity
          lineItem { sku } } } } } }""", {"id": f"gid://shopify/Order/{result.target_id}"})["order"]
    assert order["displayFulfillmentStatus"] == "PARTIALLY_FULFILLED"
    assert [n["unfulfilledQuantity"] for n in order["lineItems"]["nodes"]] == [0, 1, 2]
    assert [([t["number"] for t in f["trackingInfo"]], [(n["lineItem"]["sku"], n["quantity"])
                                                       for n in f["fulfillmentLineItems"]["nodes"]])
            for f in order["fulfillments"]] == [(["1ZA"], [("PART-0", 2)]), (["1ZB"], [("PART-1", 1)])]
    read = connector.get(E.ORDER, result.target_id)
    assert read.status == "paid" and [s.tracking_number for s in read.shipments] == ["1ZA", "1ZB"]
    assert [[(p.line, p.quantity) for p in s.lines] for s in read.shipments] == [[(0, 2)], [(1, 1)]]
    (listed,) = [o for o in read_all(connector, E.ORDER)[0] if o.number == "9001"]  # a list page reads them too
    assert [[(p.line, p.quantity) for p in s.lines] for s in listed.shipments] == [[(0, 2)], [(1, 1)]]

    last = Shipment(tracking_number="1ZC", carrier="UPS", lines=[ShipmentLine(line=2, quantity=2)])
    update = connector.update(E.ORDER, result.target_id, read.model_copy(update={"shipments": [*parcels, last]}),
                              fields=["status", "shipments"])
    assert update.ok and not update.warnings, (update.error, update.warnings)
    after = owner_call(desc, """query($id: ID!) { order(id: $id) { displayFulfillmentStatus
        lineItems(first: 5) { nodes { unfulfilledQuantity } } } }""",
                       {"id": f"gid://shopify/Order/{result.target_id}"})["order"]
    assert after["displayFulfillmentStatus"] == "PARTIALLY_FULFILLED"  # line 2 still has one left
    assert [n["unfulfilledQuantity"] for n in after["lineItems"]["nodes"]] == [0, 1, 0]
    assert [s.tracking_number for s in connector.get(E.ORDER, result.target_id).shipments] == ["1ZA", "1ZB", "1ZC"]


def test_a_paginated_read_completes_an_orders_shipping_lines_and_tracking_past_a_list_page(shopify_store_factory):
    """A list page reads 3 shipping lines and 5 tracking numbers of an order; one with more is read again."""
    from connectors.entities import Order, OrderLine, Shipment, ShippingLine
    from connectors.shopify.connector import ORDER_LIST_ITEMS

    desc = shopify_store_factory("long-orders")
    generous("long-orders")
    connector = connect(desc)
    connector.bulk_read_min = 10 ** 9
    (product,) = connector.create(E.PRODUCT, [Product(source_id="1", name="Crate", sku="CRATE", price=Decimal(4))])
    line = OrderLine(product_id=product.target_id, name="Crate", quantity=9, price=Decimal(4), subtotal=Decimal(36),
                     total=Decimal(36))
    parcels = [Shipment(tracking_number=f"1ZP{k}", carrier="UPS") for k in range(ORDER_LIST_ITEMS + 2)]
    shipping = [ShippingLine(method=f"m{k}", title=f"Leg {k}", total=Decimal(1)) for k in range(4)]
    orders = [Order(source_id="big", number="8001", status="fulfilled", total=Decimal(40), lines=[line],
                    shipments=parcels, shipping_lines=shipping, shipping_total=Decimal(4)),
              Order(source_id="small", number="8002", status="fulfilled", total=Decimal(40), lines=[line],
                    shipments=parcels[:1], shipping_lines=shipping[:1], shipping_total=Decimal(1))]
    made = connector.create(E.ORDER, orders)
    assert all(r.ok for r in made), [r.error for r in made]
    read = {o.number: o for o in read_all(connector, E.ORDER)[0]}
    assert [s.tracking_number for s in read["8001"].shipments] == [p.tracking_number for p in parcels]
    assert [s.title for s in read["8001"].shipping_lines] == [s.title for s in shipping]
    assert [s.tracking_number for s in read["8002"].shipments] == ["1ZP0"]


def test_a_product_is_found_again_by_its_source_sku_as_a_custom_id(shopify_store_factory):
    """The parent SKU of a variable product is no variant's SKU, so the SKU search cannot find it: the
    connector keeps it in an `id` metafield whose definition it creates first (unique values), and finds the
    product with productByIdentifier, as after a crash between the write and the id map."""
    from sandbox.models import SandboxRecord

    desc = shopify_store_factory("custom-ids")
    generous("custom-ids")
    connector = connect(desc)
    assert connector.find_by_natural_key(E.PRODUCT, "PARENT-1") is None  # nothing written: no definition made
    assert not SandboxRecord.objects.filter(store__name="custom-ids", resource="metafield_definitions").exists()
    variable = Product(source_id="1", name="Shirt", sku="PARENT-1", type="variable",
                       options=[{"name": "Size", "values": ["S", "M"]}],
                       variants=[Variant(source_id=f"v{s}", sku=f"PARENT-1-{s}", price=Decimal(5),
                                         option_values={"Size": s}) for s in "SM"])
    (written,) = connector.create(E.PRODUCT, [variable])
    assert written.ok, written.error
    (definition,) = SandboxRecord.objects.filter(store__name="custom-ids", resource="metafield_definitions")
    assert (definition.data["type"], definition.data["uniqueValues"]) == ("id", True)
    fresh = connect(desc)  # another worker, after a crash
    assert fresh.find_by_natural_key(E.PRODUCT, "PARENT-1") == written.target_id
    assert fresh.find_by_natural_key(E.PRODUCT, "PARENT-1-M") == written.target_id  # a variant's SKU
    assert fresh.find_by_natural_key(E.PRODUCT, "NOPE") is None
    # A source with two products of one SKU: the second is written without the custom ID, with a warning.
    (twin,) = fresh.create(E.PRODUCT, [variable.model_copy(update={"source_id": "2"})])
    assert twin.ok and twin.target_id != written.target_id, twin.error
    assert twin.warnings == ["SKU PARENT-1 is already the custom ID of another product on Shopify: this one was "
                             "written without it."]
    assert fresh.find_by_natural_key(E.PRODUCT, "PARENT-1") == written.target_id


def test_user_errors_become_record_errors_with_shopifys_message(shopify_store_factory):
    desc = shopify_store_factory("errors")
    generous("errors")
    connector = connect(desc)
    customers = read_all(connector, E.CUSTOMER)[0]
    assert customers == []
    from connectors.entities import Customer

    first = connector.create(E.CUSTOMER, [Customer(source_id="1", email="a@example.com", first_name="A")])
    twice = connector.create(E.CUSTOMER, [Customer(source_id="2", email="a@example.com", first_name="B")])
    assert first[0].ok and "Email has already been taken" in twice[0].error


def test_coupon_restrictions_become_discount_items_and_read_back(shopify_store_factory):
    desc = shopify_store_factory("coupons", products=12, seed=3, coupons=0)
    generous("coupons")
    connector = connect(desc)
    products = sorted(p.source_id for p in read_all(connector, E.PRODUCT)[0])
    categories = sorted(c.source_id for c in read_all(connector, E.CATEGORY)[0])
    assert len(products) == 12 and len(categories) >= 2
    coupons = [  # references already rewritten to this store's ids, as the engine does
        Coupon(source_id="1", code="MANY", amount=Decimal(10), discount_type="percent", product_ids=products),
        Coupon(source_id="2", code="WEAR", amount=Decimal(5), category_ids=categories[:2]),
        Coupon(source_id="3", code="BOTH", amount=Decimal(5), product_ids=products[:1],
               category_ids=categories[:1], excluded_product_ids=products[1:2]),
        Coupon(source_id="4", code="EVERY", amount=Decimal(5), excluded_category_ids=categories[:1]),
    ]
    results = connector.create(E.COUPON, coupons)
    assert all(r.ok for r in results), [r.error for r in results]
    assert results[0].warnings == [] and results[1].warnings == []
    dropped, excluded = results[2].warnings
    assert categories[0] in dropped and "products or to collections" in dropped
    assert products[1] in excluded and "exclusions" in excluded
    assert categories[0] in results[3].warnings[0]
    read = {c.code: c for c in read_all(connector, E.COUPON)[0]}
    # more products than a list page selects (10): the rest is fetched per discount
    assert sorted(read["MANY"].product_ids) == products and read["MANY"].category_ids == []
    assert (read["WEAR"].product_ids, sorted(read["WEAR"].category_ids)) == ([], categories[:2])
    assert (read["BOTH"].product_ids, read["BOTH"].category_ids) == (products[:1], [])
    assert (read["EVERY"].product_ids, read["EVERY"].category_ids) == ([], [])
    assert connector.get(E.COUPON, results[0].target_id).product_ids == read["MANY"].product_ids


def test_a_free_shipping_coupon_becomes_a_free_shipping_discount_and_reads_back(shopify_store_factory):
    """A coupon that only takes the shipping off is a free-shipping code discount on Shopify (not a refusal);
    it reads back as such, is found by its code and is listed by the check's scan. A coupon with an amount
    and free shipping keeps its amount, with a warning."""
    desc = shopify_store_factory("shipping-off")
    generous("shipping-off")
    connector = connect(desc)
    coupons = [Coupon(source_id="1", code="SHIPFREE", amount=Decimal(0), free_shipping=True,
                      minimum_amount=Decimal(50), usage_limit=100, description="Free shipping over 50"),
               Coupon(source_id="2", code="TENOFF", amount=Decimal(10), discount_type="percent"),
               Coupon(source_id="3", code="BOTHWAYS", amount=Decimal(5), free_shipping=True)]
    results = connector.create(E.COUPON, coupons)
    assert [r.ok for r in results] == [True, True, True], [r.error for r in results]
    assert results[0].warnings == [] and results[1].warnings == []
    assert "keeps the amount" in results[2].warnings[0]
    read = {c.code: c for c in read_all(connector, E.COUPON)[0]}
    free = read["SHIPFREE"]
    assert (free.free_shipping, free.amount, free.minimum_amount, free.usage_limit, free.description) == (
        True, Decimal(0), Decimal(50), 100, "Free shipping over 50")
    assert (read["TENOFF"].free_shipping, read["TENOFF"].amount) == (False, Decimal(10))
    assert connector.get(E.COUPON, results[0].target_id).free_shipping
    assert connector.find_by_natural_keys(E.COUPON, ["SHIPFREE"]) == {"SHIPFREE": results[0].target_id}
    assert sorted(r.natural_key for r in connector.scan(E.COUPON)) == ["BOTHWAYS", "SHIPFREE", "TENOFF"]


def test_smart_update_patches_only_the_given_fields(shopify_store_factory):
    desc = shopify_store_factory("patch", products=3, seed=2)
    generous("patch")
    connector = connect(desc)
    products = read_all(connector, E.PRODUCT)[0]
    product = next(p for p in products if p.type == "variable" and p.variants[0].manage_stock)
    changed = product.model_copy(deep=True)
    changed.variants[0].price = Decimal("123.45")
    changed.variants[0].stock_quantity = 77
    changed.name = "Not this"
    result = connector.update(E.PRODUCT, product.source_id, changed, fields=["price", "stock_quantity"])
    assert result.ok, result.error
    after = connector.get(E.PRODUCT, product.source_id)
    variant = next(v for v in after.variants if v.source_id == product.variants[0].source_id)
    assert (variant.price, variant.stock_quantity, after.name) == (Decimal("123.45"), 77, product.name)


@pytest.mark.parametrize("fields", [None, ["stock_quantity", "name"]], ids=["rewrite", "patch"])
def test_writing_a_product_again_keeps_its_reviews_and_the_owners_metafields(shopify_store_factory, fields):
    """productSet replaces every list it is given: a rewrite (re-migration) or a stock patch (smart update) that
    sent the product's metafields would delete its reviews and any metafield the owner added on Shopify."""
    from connectors.entities import Review

    desc = shopify_store_factory("keep-metafields", products=3, seed=4)
    generous("keep-metafields")
    connector = connect(desc)
    product = next(p for p in read_all(connector, E.PRODUCT)[0] if p.type == "simple" or p.variants)
    reviews = [Review(source_id=f"r{k}", product_id=product.source_id, reviewer=f"R{k}", reviewer_email=f"r{k}@x.io",
                      rating=1 + k, content=f"Review {k}") for k in range(3)]
    assert all(r.ok for r in connector.create(E.REVIEW, reviews))
    owned = owner_call(desc, """mutation($m: [MetafieldsSetInput!]!) { metafieldsSet(metafields: $m) {
        metafields { id } userErrors { field message } } }""", {"m": [{
        "ownerId": f"gid://shopify/Product/{product.source_id}", "namespace": "custom", "key": "care",
        "type": "single_line_text_field", "value": "Hand wash"}]})
    assert owned["metafieldsSet"]["userErrors"] == []
    changed = product.model_copy(deep=True, update={"name": product.name + " (new)"})
    result = connector.update(E.PRODUCT, product.source_id, changed, fields=fields)
    assert result.ok, result.error
    kept = [r for r in read_all(connector, E.REVIEW)[0] if r.product_id == product.source_id]
    assert sorted(r.content for r in kept) == ["Review 0", "Review 1", "Review 2"]
    care = owner_call(desc, """query($id: ID!) { product(id: $id) { title
        metafield(namespace: "custom", key: "care") { value } } }""",
                              {"id": f"gid://shopify/Product/{product.source_id}"})["product"]
    assert care["metafield"] == {"value": "Hand wash"}
    assert care["title"] == changed.name


def test_throttled_answers_wait_for_the_bucket_and_the_shared_limiter_follows_shopify(shopify_store_factory):
    from sandbox.models import SandboxStore
    from sandbox.services import sandbox_store_set_throttle

    desc = shopify_store_factory("tight", products=6, seed=1)
    sandbox_store_set_throttle(SandboxStore.objects.get(platform="shopify", name="tight"), restore_rate=400,
                               bucket_size=800)
    unpaced = connect(desc)  # no shared limiter: runs into THROTTLED and waits exactly as told
    for _ in range(3):
        assert len(read_all(unpaced, E.PRODUCT)[0]) == 6
    assert unpaced.throttled > 0
    paced = connect(desc, limiter=LocalRateLimiter())
    for _ in range(3):
        assert len(read_all(paced, E.PRODUCT)[0]) == 6
    assert paced.http.policy.rate == 400 and paced.http.policy.capacity == 800
    assert paced.throttled <= 1


def test_a_wrong_token_is_an_authentication_error(shopify_store_factory):
    desc = shopify_store_factory("auth")
    with pytest.raises(AuthenticationError):
        connect(desc, credentials={"access_token": "shpat_wrong"}).check_connection()


# --- bulk query reads -------------------------------------------------------------------------------------
READ_ENTITIES = (E.CATEGORY, E.PRODUCT, E.CUSTOMER, E.ORDER, E.COUPON, E.PAGE, E.BLOG_POST)


BULK_START = """mutation($q: String!) { bulkOperationRunQuery(query: $q) { bulkOperation { id status }
  userErrors { field message code } } }"""


def shopify_data(desc: dict, query: str, variables: dict | None = None) -> dict:
    """One Admin API request of another client of the shop (not the connector)."""
    response = requests.post(f"{desc['base_url']}/admin/api/2026-01/graphql.json",
                             json={"query": query, "variables": variables or {}},
                             headers={"X-Shopify-Access-Token": desc["credentials"]["access_token"]}, timeout=30)
    assert response.status_code == 200 and "errors" not in response.json(), response.text
    return response.json()["data"]


def bulk_operations(store: str) -> list[tuple[str, str]]:
    from sandbox.models import SandboxRecord

    return [(o.lookup, o.status) for o in SandboxRecord.objects.filter(
        store__name=store, resource="bulk_operations").order_by("record_id")]


def dumps(items) -> list[dict]:
    return [item.model_dump(mode="json") for item in items]


def seeded_with_long_lists(shopify_store_factory, name: str) -> dict:
    """A seeded store plus records whose lists are longer than a list page reads (completed by extra
    queries in a paginated read): a product with 40 variants, an order with 14 lines, a discount on 12
    products."""
    from connectors.entities import Order, OrderLine

    desc = shopify_store_factory(name, products=10, customers=8, orders=12, languages=["en", "fr"], seed=9,
                                 pages=3, articles=3)
    generous(name)
    writer = connect(desc)
    writer.bulk_read_min = 10 ** 9
    values = [f"S{i}" for i in range(40)]
    big = Product(source_id="b", name="Many sizes", type="variable", options=[{"name": "Size", "values": values}],
                  variants=[Variant(source_id=f"bv{i}", sku=f"BIG-{i}", price=Decimal(2) + i,
                                    option_values={"Size": v}) for i, v in enumerate(values)],
                  translations={"fr": {"name": "Beaucoup de tailles"}})
    [made] = writer.create(E.PRODUCT, [big])
    assert made.ok, made.error
    products = [p.source_id for p in read_all(writer, E.PRODUCT)[0]]
    lines = [OrderLine(product_id=pid, name=f"Line {k}", quantity=1, price=Decimal(3), subtotal=Decimal(3),
                       total=Decimal(3)) for k, pid in enumerate(products[:11] * 2)][:14]
    [order] = writer.create(E.ORDER, [Order(source_id="o", number="9001", status="completed", total=Decimal(42),
                                            lines=lines)])
    assert order.ok, order.error
    [coupon] = writer.create(E.COUPON, [Coupon(source_id="c", code="TWELVE", amount=Decimal(10),
                                               discount_type="percent", product_ids=products[:12])])
    assert coupon.ok, coupon.error
    return desc


def test_a_bulk_read_returns_what_a_paginated_read_returns_with_one_bulk_query_per_entity(shopify_store_factory):
    desc = seeded_with_long_lists(shopify_store_factory, "bulk-reads")
    paginated, bulky = connect(desc), connect(desc)
    paginated.bulk_read_min = 10 ** 9
    bulky.bulk_read_min = 1
    queries = 0
    for entity in READ_ENTITIES:
        expected, expected_errors = read_all(paginated, entity, page_size=7)
        assert expected and expected_errors == [], entity
        assert bulk_operations("bulk-reads") == [("QUERY", "COMPLETED")] * queries
        pages = list(bulky.read(entity, page_size=7))
        # Coupons are read page by page: with free-shipping discounts their selection holds six connections, one
        # more than a bulk query takes (the read says so and falls back).
        queries += entity != E.COUPON
        assert bulk_operations("bulk-reads") == [("QUERY", "COMPLETED")] * queries, entity
        assert dumps(item for page in pages for item in page.items) == dumps(expected), entity
        assert all(len(p.items) == 7 for p in pages[:-1]) and 0 < len(pages[-1].items) <= 7, entity
        assert entity == E.COUPON or all(p.next_checkpoint and set(p.next_checkpoint) == {"bulk", "offset", "byte"}
                                         for p in pages[:-1])
        assert pages[-1].next_checkpoint is None
    products = {p.sku or p.name: p for p in read_all(bulky, E.PRODUCT)[0]}
    assert len(products["Many sizes"].variants) == 40 and products["Many sizes"].translations["fr"]["name"]
    assert max(len(o.lines) for o in read_all(bulky, E.ORDER)[0]) == 14
    assert any(o.shipments for o in read_all(bulky, E.ORDER)[0])
    # changes since a moment: the same `query:` filter, in a bulk query too
    since = sorted(p.updated_at for p in products.values())[len(products) // 2]
    assert dumps(read_all(bulky, E.PRODUCT, modified_since=since)[0]) == dumps(
        read_all(paginated, E.PRODUCT, modified_since=since)[0])
    # Fewer changes than make a bulk query pay off (counted with the same filter): read by pages.
    changed = read_all(paginated, E.PRODUCT, modified_since=since)[0]
    assert 0 < len(changed) < len(products)
    bulky.bulk_read_min = len(changed) + 1
    before = len(bulk_operations("bulk-reads"))
    assert dumps(read_all(bulky, E.PRODUCT, modified_since=since)[0]) == dumps(changed)
    assert len(bulk_operations("bulk-reads")) == before
    read_all(bulky, E.PRODUCT)
    assert len(bulk_operations("bulk-reads")) == before + 1


def test_a_paginated_read_completes_a_products_collections_and_images_past_a_list_page(shopify_store_factory):
    from connectors.entities import Category, Image
    from connectors.shopify.connector import PRODUCT_LIST_ITEMS

    desc = shopify_store_factory("long-lists")
    generous("long-lists")
    connector = connect(desc)
    connector.bulk_read_min = 10 ** 9
    many = PRODUCT_LIST_ITEMS + 3
    categories = connector.create(E.CATEGORY, [Category(source_id=str(k), name=f"Shelf {k}") for k in range(many)])
    assert all(c.ok for c in categories)
    images = [Image(url=f"https://img.example/{k}.jpg", alt=f"View {k}", position=k) for k in range(many)]
    (made,) = connector.create(E.PRODUCT, [Product(source_id="p", name="Everywhere", sku="EVERY-1", price=Decimal(3),
                                                   category_ids=[c.target_id for c in categories], images=images)])
    assert made.ok, made.error
    (read,), errors = read_all(connector, E.PRODUCT)
    assert errors == []
    assert sorted(read.category_ids) == sorted(c.target_id for c in categories)
    assert [i.url for i in read.images] == [i.url for i in images]
    assert connector.get(E.PRODUCT, made.target_id).images == read.images


def test_reviews_of_a_large_store_come_from_one_bulk_query_over_the_products(shopify_store_factory):
    """Reviews are product metafields: with at least `bulk_read_min` products, one bulk query reads every
    product's reviews; the same reviews as the product-by-product read, and the same "changed since"."""
    from connectors.entities import Review

    desc = shopify_store_factory("bulk-reviews", products=6, seed=3)
    generous("bulk-reviews")
    paginated, bulky = connect(desc), connect(desc)
    paginated.bulk_read_min, bulky.bulk_read_min = 10 ** 9, 5
    products = sorted(p.source_id for p in read_all(paginated, E.PRODUCT)[0])
    reviews = [Review(source_id=f"r{k}", product_id=products[k % 4], reviewer=f"R{k}", reviewer_email=f"r{k}@x.io",
                      rating=1 + k % 5, content=f"Review {k}") for k in range(9)]
    assert all(r.ok for r in paginated.create(E.REVIEW, reviews))

    def key(review):
        return review.source_id

    expected, errors = read_all(paginated, E.REVIEW)
    assert len(expected) == 9 and errors == []
    assert bulk_operations("bulk-reviews") == []
    got, errors = read_all(bulky, E.REVIEW)
    assert errors == [] and dumps(sorted(got, key=key)) == dumps(sorted(expected, key=key))
    assert bulk_operations("bulk-reviews") == [("QUERY", "COMPLETED")]
    since = sorted(r.updated_at for r in expected)[4]
    assert dumps(sorted(read_all(bulky, E.REVIEW, modified_since=since)[0], key=key)) == dumps(
        sorted(read_all(paginated, E.REVIEW, modified_since=since)[0], key=key))
    bulky.bulk_read_min = 7  # fewer products than that: product by product, no bulk query
    assert len(read_all(bulky, E.REVIEW)[0]) == 9 and len(bulk_operations("bulk-reviews")) == 2


def test_a_bulk_read_resumes_mid_file_and_reports_a_broken_line_as_a_record_error(shopify_store_factory):
    from sandbox.models import SandboxRecord

    desc = shopify_store_factory("bulk-resume", products=30, seed=2)
    generous("bulk-resume")
    connector = connect(desc)
    connector.bulk_read_min = 1
    whole = dumps(read_all(connector, E.PRODUCT)[0])
    pages = connector.read(E.PRODUCT, page_size=4)
    first, second = next(pages), next(pages)
    pages.close()  # the run stops here (worker killed)
    assert second.next_checkpoint["offset"] == 8
    resumed = connect(desc)
    resumed.bulk_read_min = 1
    rest, errors = read_all(resumed, E.PRODUCT, checkpoint=second.next_checkpoint, page_size=4)
    assert errors == [] and dumps(first.items + second.items + rest) == whole
    assert len(bulk_operations("bulk-resume")) == 2  # the resume re-read the second file, started nothing
    # A line of the file that is not JSON: the record it sits in becomes a record error, the others are read.
    operation = SandboxRecord.objects.filter(store__name="bulk-resume", resource="bulk_operations").latest(
        "record_id")
    [stored] = SandboxRecord.objects.filter(store__name="bulk-resume", resource="bulk_parts",
                                            parent_id=operation.record_id)  # the store is small: one part
    lines = stored.data["content"].splitlines()
    roots = [i for i, line in enumerate(lines) if "__parentId" not in line]
    lines.insert(roots[10] + 1, '{"id": "gid://shopify/ProductVariant/1", "sku": ')
    stored.data = {**stored.data, "content": "\n".join(lines) + "\n"}
    stored.save()
    operation.data = {**operation.data, "bytes": len(stored.data["content"].encode())}
    operation.save()
    rest, errors = read_all(resumed, E.PRODUCT, checkpoint=second.next_checkpoint, page_size=4)
    assert [e.source_id for e in errors] == [whole[10]["source_id"]]
    assert dumps(rest) == [p for k, p in enumerate(whole) if k >= 8 and k != 10]


def test_a_bulk_read_falls_back_to_pages_when_shopify_will_not_run_or_finish_it(shopify_store_factory):
    from sandbox.models import SandboxRecord, SandboxStore

    desc = shopify_store_factory("bulk-busy", customers=12, seed=1)
    generous("bulk-busy")
    connector = connect(desc)
    connector.bulk_read_min = 1
    expected = dumps(read_all(connector, E.CUSTOMER)[0])
    assert bulk_operations("bulk-busy") == [("QUERY", "COMPLETED")]
    # The first operation's file has expired: a resume starts a new bulk query.
    SandboxRecord.objects.filter(store__name="bulk-busy", resource="bulk_operations").update(status="EXPIRED")
    old = "gid://shopify/BulkOperation/" + str(SandboxRecord.objects.get(
        store__name="bulk-busy", resource="bulk_operations").record_id)
    assert dumps(read_all(connector, E.CUSTOMER, checkpoint={"bulk": old, "offset": 5})[0]) == expected
    assert bulk_operations("bulk-busy") == [("QUERY", "EXPIRED"), ("QUERY", "COMPLETED")]
    # As many bulk queries as Shopify allows at once are running (another app's): a paginated read.
    store = SandboxStore.objects.get(platform="shopify", name="bulk-busy")
    store.settings["bulk_roots_per_read"] = 1  # they run slowly: one customer at each look at them
    store.save(update_fields=["settings"])
    for k in range(5):
        started = shopify_data(desc, BULK_START, {"q": f"{{ c{k}: customers {{ nodes {{ id }} }} }}"})
        assert started["bulkOperationRunQuery"]["userErrors"] == []
    assert dumps(read_all(connector, E.CUSTOMER)[0]) == expected
    assert len(bulk_operations("bulk-busy")) == 7
    # Paginated checkpoints keep working.
    pages = connector.read(E.CUSTOMER, page_size=5)
    first = next(pages)
    pages.close()
    assert set(first.next_checkpoint) == {"after"}
    rest = read_all(connector, E.CUSTOMER, checkpoint=first.next_checkpoint, page_size=5)[0]
    assert dumps(first.items + rest) == expected


def test_variant_images_reach_shopify_as_product_media_linked_to_their_variants(shopify_store_factory):
    """A variant's image is written as the variant's `file`, and (as Shopify requires) among the product's
    `files`, once per URL; reading the product back gives each variant its image."""
    from connectors.entities import Image, ProductOption

    desc = shopify_store_factory("variant-images")
    generous("variant-images")
    connector = connect(desc)
    shared = Image(url="https://img.example/shirt.jpg", alt="Shirt", position=0)
    red = Image(url="https://img.example/shirt-red.jpg", alt="Red shirt")
    variants = [Variant(source_id=f"v{k}", sku=f"SHIRT-{color}-{size}", price=Decimal(10),
                        option_values={"Color": color, "Size": size}, image=image)
                for k, (color, size, image) in enumerate([("Red", "S", red), ("Red", "M", red),
                                                          ("Blue", "S", shared), ("Blue", "M", None)])]
    (made,) = connector.create(E.PRODUCT, [Product(
        source_id="shirt", name="Shirt", type="variable", images=[shared], variants=variants,
        options=[ProductOption(name="Color", values=["Red", "Blue"]), ProductOption(name="Size", values=["S", "M"])],
    )])
    assert made.ok, made.error
    read = connector.get(E.PRODUCT, made.target_id)
    assert [i.url for i in read.images] == [shared.url, red.url]
    by_sku = {v.sku: v.image.url if v.image else None for v in read.variants}
    assert by_sku == {"SHIRT-Red-S": red.url, "SHIRT-Red-M": red.url, "SHIRT-Blue-S": shared.url, "SHIRT-Blue-M": None}


def test_order_status_updates_mark_paid_fulfil_cancel_and_refund_or_say_why_not(shopify_store_factory):
    """A smart update's order status on Shopify: pending -> paid (orderMarkAsPaid), -> fulfilled (paid and
    one fulfillment, with the new tracking), -> voided / refunded (orderCancel, with a refund or not), a
    fulfilled order -> refunded (refundCreate of what was paid). What Shopify's API cannot do (a fulfilled
    order cancelled, a paid one set back to pending) is a warning and nothing is written."""
    from connectors.entities import Order, OrderLine, Shipment

    desc = shopify_store_factory("statuses")
    generous("statuses")
    connector = connect(desc)
    (product,) = connector.create(E.PRODUCT, [Product(source_id="1", name="Mug", sku="MUG-1", price=Decimal(8))])
    line = OrderLine(product_id=product.target_id, name="Mug", quantity=1, price=Decimal(8), subtotal=Decimal(8),
                     total=Decimal(8))
    starts = ["pending", "pending", "authorized", "paid", "fulfilled", "paid"]
    made = connector.create(E.ORDER, [Order(source_id=str(k), number=f"70{k}", status=status, total=Decimal(8),
                                            lines=[line]) for k, status in enumerate(starts)])
    assert all(r.ok for r in made), [r.error for r in made]
    ids = [r.target_id for r in made]

    def move(k, status, shipments=()):
        current = connector.get(E.ORDER, ids[k])
        return connector.update(E.ORDER, ids[k], current.model_copy(update={"status": status,
                                                                            "shipments": list(shipments)}),
                                fields=["status", "shipments"])

    assert move(0, "paid").ok and connector.get(E.ORDER, ids[0]).status == "paid"
    shipped = move(1, "fulfilled", [Shipment(tracking_number="1ZNEW", carrier="UPS")])
    assert shipped.ok and not shipped.warnings, (shipped.error, shipped.warnings)
    read = connector.get(E.ORDER, ids[1])
    assert read.status == "fulfilled" and [s.tracking_number for s in read.shipments] == ["1ZNEW"]
    assert move(2, "voided").ok and connector.get(E.ORDER, ids[2]).status == "voided"
    assert move(3, "refunded").ok and connector.get(E.ORDER, ids[3]).status == "refunded"

    refused = move(4, "voided")
    assert refused.ok and refused.warnings == [
        "Status not changed to voided: Shopify cancels only orders with nothing fulfilled; cancel its "
        "fulfillments in the Shopify admin."]
    assert connector.get(E.ORDER, ids[4]).status == "fulfilled"
    refunded = move(4, "refunded")  # shipped: the money is refunded (refundCreate), the order stays
    assert refunded.ok and not refunded.warnings, (refunded.error, refunded.warnings)
    assert connector.get(E.ORDER, ids[4]).status == "refunded"
    assert move(4, "refunded").warnings == []  # already there: nothing to do
    assert move(4, "fulfilled").warnings == ["Status not changed to fulfilled: the order is refunded on Shopify, "
                                             "and a refund cannot be taken back."]
    back = move(5, "pending")
    assert back.ok and back.warnings == ["Status not changed to pending: Shopify's API cannot set an order to "
                                         "pending after it was created (it is paid)."]
    assert connector.get(E.ORDER, ids[5]).status == "paid"
    again = move(3, "paid")
    assert again.warnings == ["Status not changed to paid: the order is cancelled on Shopify (refunded), which "
                              "cannot be undone."]


def test_the_connection_check_warns_about_missing_access_scopes(shopify_store_factory):
    """Connected, but the token's scopes leave something out: above all read_all_orders, without which
    Shopify shows only the last 60 days of orders (counted and read) and older ones would stay behind."""
    from sandbox.models import SandboxStore

    desc = shopify_store_factory("scopes", products=4, customers=3, orders=15, seed=3)
    generous("scopes")
    full = connect(desc).check_connection()
    assert full.warnings == [] and full.counts["orders"] == 15
    reader = connect(desc, credentials=desc["read_only_credentials"]).check_connection()
    assert [w.split(";")[0] for w in reader.warnings] == [
        "As the target, the access token lacks write_products, write_inventory, write_customers, write_orders, "
        "write_discounts, write_content, write_online_store_navigation, write_translations, write_locales"]
    store = SandboxStore.objects.get(platform="shopify", name="scopes")
    store.settings = {**store.settings, "withheld_scopes": ["read_all_orders", "write_translations"]}
    store.save(update_fields=["settings"])
    limited = connect(desc)
    info = limited.check_connection()
    assert info.warnings[0].startswith("The access token lacks read_all_orders: Shopify shows this app only the "
                                       "orders of the last 60 days")
    assert info.warnings[1].startswith("As the target, the access token lacks write_translations;")
    assert len(info.warnings) == 2  # write_translations implies read_translations
    assert 0 < info.counts["orders"] < 15
    assert len(read_all(limited, E.ORDER)[0]) == info.counts["orders"]
