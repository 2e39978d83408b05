"""The BigCommerce connector against its sandbox store over real HTTP: the connection check and its errors, reads
of every entity (variants, order lines, addresses, shipments), writes of every entity found again by natural key,
redirects, smart-update patches, and the shared request quota (several workers, one budget, no 429 after the
first answer)."""
import threading
import time
from datetime import UTC, datetime
from decimal import Decimal

import pytest
import requests
from django.conf import settings

from connectors.bigcommerce import BigCommerceConnector
from connectors.bigcommerce.connector import LANGUAGE_WARNING
from connectors.bigcommerce.streams import reviews as reviews_stream
from connectors.entities import (
    Address,
    Category,
    Coupon,
    Customer,
    EntityType,
    Manufacturer,
    Order,
    OrderLine,
    Product,
    ProductOption,
    Review,
    Shipment,
    ShipmentLine,
    Variant,
)
from connectors.errors import AuthenticationError, ConfigError
from connectors.http import HttpClient
from connectors.ratelimit import RedisRateLimiter
from sandbox.bigcommerce.quota import quota_usage
from sandbox.models import SandboxRecord, SandboxStore

E = EntityType
pytestmark = pytest.mark.django_db(transaction=True)


def connect(described, **kwargs) -> BigCommerceConnector:
    return BigCommerceConnector(base_url=described["base_url"], credentials=described["credentials"],
                                http=HttpClient(max_retries=3, backoff_cap=0.2), **kwargs)


def read_all(connector, entity, **kwargs):
    return [item for page in connector.read(entity, **kwargs) for item in page.items]


def row(described) -> SandboxStore:
    return SandboxStore.objects.get(platform="bigcommerce", name=described["store"])


def test_bigcommerce_check_connection_gives_the_store_its_counts_and_what_it_cannot_do(bigcommerce_store_factory):
    store = bigcommerce_store_factory("bc-check", products=6, customers=4, orders=15, coupons=2, seed=3)
    info = connect(store).check_connection()
    counts = store["counts"]
    assert info.name and info.currency == "USD"
    assert info.counts == {"manufacturers": counts["brands"], "categories": counts["categories"],
                           "products": counts["products"], "customers": counts["customers"],
                           "orders": counts["orders"], "coupons": counts["coupons"]}
    assert info.customer_groups == ["Retail", "VIP", "Wholesale"]
    assert LANGUAGE_WARNING in info.warnings
    assert set(info.order_statuses) >= {"awaiting_fulfillment", "shipped", "completed", "refunded"}


def test_bigcommerce_check_connection_says_what_to_fix(bigcommerce_store_factory):
    store = bigcommerce_store_factory("bc-bad")
    with pytest.raises(AuthenticationError, match="refused the access token"):
        connect({**store, "credentials": {**store["credentials"], "access_token": "nope"}}).check_connection()
    with pytest.raises(AuthenticationError, match="store hash may not be"):
        connect({**store, "credentials": {**store["credentials"], "store_hash": "abc123"}}).check_connection()
    with pytest.raises(ConfigError, match="No BigCommerce API"):
        connect({**store, "base_url": store["base_url"] + "/nothing"}).check_connection()
    with pytest.raises(ConfigError, match="store hash is missing"):
        connect({**store, "credentials": {**store["credentials"], "store_hash": ""}}).check_connection()


def test_bigcommerce_reads_variants_order_lines_addresses_statuses_and_tracking_in_few_requests(
        bigcommerce_store_factory):
    store = bigcommerce_store_factory("bc-read", products=6, customers=4, orders=30, seed=4)
    connector = connect(store)
    products = read_all(connector, E.PRODUCT)
    variable = [p for p in products if p.type == "variable"]
    assert len(products) == 6 and len(variable) == 4
    assert all(len(p.variants) == 4 and {o.name for o in p.options} == {"Color", "Size"} for p in variable)
    assert all(v.sku and set(v.option_values) == {"Color", "Size"} for p in variable for v in p.variants)
    assert all(p.category_ids and p.manufacturer_id and p.images and p.extra["bigcommerce"]["url"] for p in products)
    calls = connector.http.stats.calls
    orders = read_all(connector, E.ORDER, page_size=250)
    shipped = [o for o in orders if o.shipments]
    # one request for the page (lines and addresses included), one per order that shipped something
    assert connector.http.stats.calls - calls == 1 + len(shipped)
    assert len(orders) == 30 and {o.status for o in orders} >= {"shipped", "completed", "partially_shipped",
                                                                "awaiting_fulfillment", "refunded", "cancelled"}
    assert {o.status for o in shipped} == {"shipped", "completed", "partially_shipped"}
    assert all(s.tracking_number.startswith("1Z") and s.carrier for o in shipped for s in o.shipments)
    assert all(o.lines and o.billing.address1 and o.shipping.city and o.total > 0 for o in orders)
    assert all(line.product_id and line.variant_id is None for o in orders for line in o.lines)  # seeded: no options
    guests = [o for o in orders if o.customer_id is None]
    assert guests and len(guests) < len(orders)


def test_bigcommerce_order_scan_reads_ids_and_numbers_without_shipments(bigcommerce_store_factory):
    """The check after a run scans every order for its id and number: one request a 250 orders, not one more for
    each order that shipped something."""
    store = bigcommerce_store_factory("bc-scan", products=3, customers=2, orders=30, seed=4)
    connector = connect(store)
    orders = read_all(connector, E.ORDER, page_size=250)
    assert any(o.shipments for o in orders)
    calls = connector.http.stats.calls
    scanned = list(connector.scan(E.ORDER))
    assert connector.http.stats.calls - calls == 1
    assert sorted((r.record_id, r.natural_key) for r in scanned) == sorted((o.source_id, o.number) for o in orders)


def test_bigcommerce_reviews_counted_then_scanned_are_read_once(bigcommerce_store_factory, monkeypatch):
    """BigCommerce lists reviews per product only: the check after a run counts them (a request a product), then
    scans them, which reuses what the count read instead of asking every product again; a write drops it."""
    store = bigcommerce_store_factory("bc-reviews", products=6, reviews=9, seed=5)
    connector = connect(store)
    reviews = read_all(connector, E.REVIEW, page_size=250)
    calls = connector.http.stats.calls
    assert connector.count(E.REVIEW) == len(reviews) == 9
    assert connector.http.stats.calls - calls == 1 + 6  # the product ids, then each product's reviews
    calls = connector.http.stats.calls
    scanned = list(connector.scan(E.REVIEW))
    assert connector.http.stats.calls - calls == 1  # the product ids only
    assert sorted((r.record_id, r.natural_key) for r in scanned) == sorted(
        (r.source_id, r.natural_key()) for r in reviews)
    connector.count(E.REVIEW)
    product = reviews[0].product_id
    added, = connector.create(E.REVIEW, [Review(source_id="r-new", product_id=product, reviewer="Kim",
                                                reviewer_email="kim@example.com", rating=5, content="Sharp.")])
    assert added.ok, added.error
    assert len(list(connector.scan(E.REVIEW))) == 10  # read again after the write
    monkeypatch.setattr(reviews_stream, "KEEP_MAX", 5)  # more reviews than a worker keeps: read again
    connector.count(E.REVIEW)
    calls = connector.http.stats.calls
    assert len(list(connector.scan(E.REVIEW))) == 10 and connector.http.stats.calls - calls == 1 + 6


def test_bigcommerce_seeded_orders_were_not_modified_after_the_seed(bigcommerce_store_factory):
    """Seed 0 draws an order made a day ago and modified 25+ hours after that: it is dated at the seed, never in
    the future (a change from the future counts as new to every later sync of the store)."""
    store = bigcommerce_store_factory("bc-dates", products=3, customers=2, orders=30, seed=0)
    seeded = datetime.now(UTC)
    orders = read_all(connect(store), E.ORDER, page_size=250)
    assert len(orders) == 30 and all(o.updated_at <= seeded for o in orders), max(o.updated_at for o in orders)


def _catalog(connector):
    brand = connector.create(E.MANUFACTURER, [Manufacturer(source_id="b1", name="Acme Tools", slug="acme-tools")])[0]
    top, = connector.create(E.CATEGORY, [Category(source_id="c1", name="Tools", slug="tools")])
    child, = connector.create(E.CATEGORY, [Category(source_id="c2", name="Saws", slug="saws",
                                                    parent_id=top.target_id,
                                                    extra={"woocommerce": {"permalink": "https://old.example/c/saws/"}})])
    variable = Product(
        source_id="p1", name="Hand Saw", sku="SAW", type="variable", slug="hand-saw", price=Decimal("20"),
        category_ids=[child.target_id], manufacturer_id=brand.target_id,
        images=[{"url": "https://cdn.example.com/saw.jpg"}],
        options=[ProductOption(name="Size", values=["S", "L"])],
        variants=[Variant(source_id="v1", sku="SAW-S", price=Decimal("20"), manage_stock=True, stock_quantity=3,
                          option_values={"Size": "S"}),
                  Variant(source_id="v2", sku="SAW-L", price=Decimal("25"), compare_at_price=Decimal("30"),
                          manage_stock=True, stock_quantity=5, option_values={"Size": "L"})],
        extra={"woocommerce": {"permalink": "https://old.example/product/hand-saw/"}})
    simple = Product(source_id="p2", name="Hammer", sku="HAM", slug="hammer", price=Decimal("9.5"),
                     manage_stock=True, stock_quantity=7)
    return brand, top, child, connector.create(E.PRODUCT, [variable, simple])


def test_bigcommerce_writes_every_entity_and_finds_it_again_by_natural_key(bigcommerce_store_factory):
    store = bigcommerce_store_factory("bc-write")
    connector = connect(store, options={"create_redirects": True})
    brand, top, child, (variable, simple) = _catalog(connector)
    assert all(r.ok for r in (brand, top, child, variable, simple)), [variable.error, simple.error]
    assert len(variable.children) == 2  # source variant id -> target variant id, for order lines
    written = connector.get(E.PRODUCT, variable.target_id)
    assert written.type == "variable" and sorted(v.sku for v in written.variants) == ["SAW-L", "SAW-S"]
    assert {v.sku: (v.price, v.compare_at_price, v.stock_quantity) for v in written.variants} == {
        "SAW-S": (Decimal(20), None, 3), "SAW-L": (Decimal(25), Decimal(30), 5)}
    assert written.category_ids == [child.target_id] and written.manufacturer_id == brand.target_id
    assert connector.get(E.CATEGORY, child.target_id).parent_id == top.target_id
    redirects = SandboxRecord.objects.filter(store=row(store), resource="redirects")
    assert sorted((r.data["from_path"], r.data["to"]["type"], str(r.data["to"]["entity_id"])) for r in redirects) == [
        ("/c/saws/", "category", child.target_id), ("/product/hand-saw/", "product", variable.target_id)]

    customer, = connector.create(E.CUSTOMER, [Customer(
        source_id="u1", email="Jo@Example.com", first_name="Jo", last_name="Doe", group="Wholesale",
        billing=Address(first_name="Jo", last_name="Doe", address1="1 Road", city="Austin", country="US"))])
    again = connector.create(E.CUSTOMER, [Customer(source_id="u2", email="jo@example.com", first_name="J"),
                                          Customer(source_id="u3", email="kim@example.com", first_name="Kim")])
    assert customer.ok and again[1].ok and "already in use" in again[0].error  # the batch is retried one by one
    read = connector.get(E.CUSTOMER, customer.target_id)
    assert (read.email, read.group, read.billing.city) == ("jo@example.com", "Wholesale", "Austin")

    order, = connector.create(E.ORDER, [Order(
        source_id="o1", number="1042", status="completed", email="jo@example.com", customer_id=customer.target_id,
        created_at=datetime(2024, 3, 1, 12, tzinfo=UTC), billing=read.billing, shipping=read.billing,
        lines=[OrderLine(name="Hand Saw", product_id=variable.target_id, variant_id=variable.children["v2"],
                         quantity=2, price=Decimal(25), subtotal=Decimal(50), total=Decimal(50)),
               OrderLine(name="Gift wrap", quantity=1, price=Decimal(2), subtotal=Decimal(2), total=Decimal(2))],
        shipping_total=Decimal(5), total=Decimal(57),
        shipments=[Shipment(tracking_number="1Z999", carrier="ups")])])
    assert order.ok, order.error
    copy = connector.get(E.ORDER, order.target_id)
    assert (copy.number, copy.status, copy.created_at, copy.total) == ("1042", "completed", datetime(
        2024, 3, 1, 12, tzinfo=UTC), Decimal(57))
    assert [(line.product_id, line.variant_id, line.quantity) for line in copy.lines] == [
        (variable.target_id, variable.children["v2"], 2), (None, None, 1)]
    assert [(s.tracking_number, s.carrier) for s in copy.shipments] == [("1Z999", "ups")]
    raw = SandboxRecord.objects.get(store=row(store), resource="orders", record_id=int(order.target_id))
    assert raw.data["external_source"] == "M-MIG"

    review, = connector.create(E.REVIEW, [Review(source_id="r1", product_id=simple.target_id, reviewer="Kim",
                                                 reviewer_email="kim@example.com", rating=4, content="Solid.")])
    coupon, = connector.create(E.COUPON, [Coupon(source_id="k1", code="TOOLS10", discount_type="percent",
                                                 amount=Decimal(10), product_ids=[simple.target_id],
                                                 category_ids=[top.target_id])])
    assert review.ok and coupon.ok and coupon.warnings  # products or categories, not both
    assert read_all(connector, E.COUPON)[0].product_ids == [simple.target_id]

    keys = {E.MANUFACTURER: "acme-tools", E.CATEGORY: "saws", E.PRODUCT: "SAW", E.CUSTOMER: "jo@example.com",
            E.ORDER: "1042", E.COUPON: "TOOLS10",
            E.REVIEW: connector.get(E.REVIEW, review.target_id).natural_key()}
    ids = {E.MANUFACTURER: brand, E.CATEGORY: child, E.PRODUCT: variable, E.CUSTOMER: customer, E.ORDER: order,
           E.COUPON: coupon, E.REVIEW: review}
    for entity, key in keys.items():
        assert connector.find_by_natural_keys(entity, [key, "missing-key"]) == {key: ids[entity].target_id}, entity


def test_a_product_renamed_for_a_unique_name_is_written_again_under_that_name(bigcommerce_store_factory):
    """Names are unique on BigCommerce: a second "Hammer" is created as "Hammer (HAM-2)" with a warning; a rerun
    writing the whole product again keeps that name instead of failing on the original one (no new warning), and
    a smart update of the name says what it wrote."""
    connector = connect(bigcommerce_store_factory("bc-names"))
    first, second = (Product(source_id=f"p{n}", name="Hammer", sku=sku, slug=f"hammer-{n}", price=Decimal("9.5"))
                     for n, sku in ((1, "HAM"), (2, "HAM-2")))
    made = connector.create(E.PRODUCT, [first, second])
    assert [r.ok for r in made] == [True, True] and not made[0].warnings
    assert "created as 'Hammer (HAM-2)'" in made[1].warnings[0]
    again = connector.update(E.PRODUCT, made[1].target_id, second.model_copy(update={"price": Decimal("11")}))
    assert again.ok and not again.warnings, (again.error, again.warnings)
    copy = connector.get(E.PRODUCT, made[1].target_id)
    assert (copy.name, copy.price) == ("Hammer (HAM-2)", Decimal("11"))
    named = connector.update(E.PRODUCT, made[1].target_id, second, fields=["name"])
    assert named.ok and "written as 'Hammer (HAM-2)'" in named.warnings[0]
    assert connector.get(E.PRODUCT, made[0].target_id).name == "Hammer"


def test_an_order_shipped_in_parts_keeps_what_each_shipment_carried(bigcommerce_store_factory):
    """Written: each BigCommerce shipment holds the lines its source shipment carried (not the lines shared
    out), the rest stays to ship; read: each shipment says which lines (by position) and how many."""
    connector = connect(bigcommerce_store_factory("bc-parts"))
    _, _, _, (variable, simple) = _catalog(connector)
    address = Address(first_name="Jo", last_name="Doe", address1="1 Road", city="Austin", country="US")
    parcels = [Shipment(tracking_number="1ZA", carrier="ups", lines=[ShipmentLine(line=1, quantity=2)]),
               Shipment(tracking_number="1ZB", carrier="ups", lines=[ShipmentLine(line=0, quantity=1)])]
    order, = connector.create(E.ORDER, [Order(
        source_id="o9", number="2001", status="partially_shipped", email="jo@example.com", billing=address,
        shipping=address, total=Decimal("78.5"), shipments=parcels,
        lines=[OrderLine(name="Hand Saw", product_id=variable.target_id, variant_id=variable.children["v2"],
                         quantity=2, price=Decimal(25), subtotal=Decimal(50), total=Decimal(50)),
               OrderLine(name="Hammer", product_id=simple.target_id, quantity=3, price=Decimal("9.5"),
                         subtotal=Decimal("28.5"), total=Decimal("28.5"))])])
    assert order.ok and not order.warnings, (order.error, order.warnings)
    copy = connector.get(E.ORDER, order.target_id)
    assert [(s.tracking_number, [(p.line, p.quantity) for p in s.lines]) for s in copy.shipments] == [
        ("1ZA", [(1, 2)]), ("1ZB", [(0, 1)])]
    assert copy.status == "partially_shipped"


def test_bigcommerce_smart_update_patches_variant_stock_order_status_and_tracking(bigcommerce_store_factory):
    store = bigcommerce_store_factory("bc-patch")
    connector = connect(store)
    _, _, _, (variable, _) = _catalog(connector)
    source = connector.get(E.PRODUCT, variable.target_id)
    source.variants[0].stock_quantity = 11
    source.name = "Renamed"  # not among the fields patched: must stay
    result = connector.update(E.PRODUCT, variable.target_id, source, ["stock_quantity"])
    assert result.ok and not result.warnings
    after = connector.get(E.PRODUCT, variable.target_id)
    assert after.name == "Hand Saw" and {v.sku: v.stock_quantity for v in after.variants}[source.variants[0].sku] == 11

    order, = connector.create(E.ORDER, [Order(
        source_id="o1", number="7", status="awaiting_fulfillment", email="a@example.com",
        billing=Address(first_name="A", address1="1 Road", city="Austin", country="US", email="a@example.com"),
        lines=[OrderLine(name="Thing", quantity=2, price=Decimal(3), subtotal=Decimal(6), total=Decimal(6))])])
    item = connector.get(E.ORDER, order.target_id)
    assert item.status == "awaiting_fulfillment" and item.shipments == []
    item.status = "completed"
    item.shipments = [Shipment(tracking_number="9400111", carrier="usps")]
    assert connector.update(E.ORDER, order.target_id, item, ["status", "shipments"]).ok
    patched = connector.get(E.ORDER, order.target_id)
    assert patched.status == "completed" and [s.tracking_number for s in patched.shipments] == ["9400111"]
    item.shipments = [Shipment(tracking_number="9400222", carrier="usps")]  # a corrected number, all shipped
    assert connector.update(E.ORDER, order.target_id, item, ["shipments"]).ok
    assert [s.tracking_number for s in connector.get(E.ORDER, order.target_id).shipments] == ["9400222"]


def _hammer(store, *, paced: bool, workers: int = 3, each: int = 25) -> tuple[float, int]:
    """`workers` threads, each with its own connector and HttpClient, all on one Redis bucket (as Celery workers
    are), counting products `each` times; or, unpaced, the same requests straight through requests. Returns
    (seconds, 429s the store answered)."""
    before = quota_usage(row(store))["refused"]
    url = f"{store['base_url']}/stores/{store['credentials']['store_hash']}/v3/catalog/products"

    def work():
        if paced:
            http = HttpClient(max_retries=5, backoff_cap=0.2, limiter=RedisRateLimiter(settings.MIGRATOR_REDIS_URL),
                              limiter_key=f"test-quota:{store['store']}")
            connector = BigCommerceConnector(base_url=store["base_url"], credentials=store["credentials"], http=http)
            for _ in range(each):
                connector.count(E.PRODUCT)
        else:
            session = requests.Session()
            for _ in range(each):
                session.get(url, params={"limit": 1}, headers={"X-Auth-Token": store["credentials"]["access_token"]},
                            timeout=10)

    started = time.monotonic()
    threads = [threading.Thread(target=work) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.monotonic() - started, quota_usage(row(store))["refused"] - before


@pytest.mark.skipif(not settings.MIGRATOR_REDIS_URL, reason="needs Redis for the shared bucket")
def test_bigcommerce_workers_share_the_store_quota_without_429s(bigcommerce_store_factory):
    store = bigcommerce_store_factory("bc-quota", products=1, quota=20, window_ms=2000)
    seconds, refused = _hammer(store, paced=True)
    assert refused <= 1
    assert seconds >= (75 - 20) / 10 * 0.9  # 75 requests at 10 a second after the first window's 20
    time.sleep(2.1)
    _, refused = _hammer(store, paced=False)  # the same load unpaced runs into the wall: the count can fail
    assert refused > 10
