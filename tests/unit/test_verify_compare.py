"""Check Result's field comparison: references to records the migration did not migrate (a demo's
later records) are not differences; real differences still are."""
from decimal import Decimal

from connectors.entities import Coupon, EntityType, Order, OrderLine, Product
from connectors.shopify import ShopifyConnector
from connectors.woocommerce import WooCommerceConnector
from migrations_app.services.verify import compare_records


def order(lines, customer_id="5", number="1001", total="30.00"):
    return Order(source_id="1", number=number, status="processing", customer_id=customer_id, email="a@b.c",
                 total=Decimal(total), lines=[OrderLine(**line) for line in lines])


def by_field(fields):
    return {f["field"]: f for f in fields}


def test_compare_records_ignores_references_to_records_not_migrated():
    source = order([{"product_id": "11", "sku": "A", "name": "A", "quantity": 1, "total": Decimal("10")},
                    {"product_id": "99", "sku": "Z", "name": "Z", "quantity": 2, "total": Decimal("20")}],
                   customer_id="77")
    target = order([{"product_id": "511", "sku": "A", "name": "A", "quantity": 1, "total": Decimal("10")},
                    {"product_id": None, "sku": "", "name": "Z", "quantity": 2, "total": Decimal("20")}],
                   customer_id=None)
    ids = {"products": {"11": "511"}, "customers": {}}
    fields = by_field(compare_records(EntityType.ORDER, source, target, ids=ids, status_map={}))
    assert all(f["equal"] for f in fields.values()), fields
    assert "not migrated" in fields["lines"]["note"] and "not migrated" in fields["customer_id"]["note"]


def test_compare_records_still_reports_real_differences():
    source = order([{"product_id": "11", "sku": "A", "name": "A", "quantity": 1, "total": Decimal("10")},
                    {"product_id": "99", "sku": "Z", "name": "Z", "quantity": 2, "total": Decimal("20")}])
    target = order([{"product_id": "511", "sku": "A", "name": "A", "quantity": 3, "total": Decimal("10")}],
                   customer_id="505", total="31.00")
    ids = {"products": {"11": "511"}, "customers": {"5": "505"}}
    fields = by_field(compare_records(EntityType.ORDER, source, target, ids=ids, status_map={}))
    assert fields["customer_id"]["equal"] and fields["customer_id"]["note"] == ""
    assert not fields["lines"]["equal"]  # a line missing and a quantity changed
    assert not fields["total"]["equal"]


def test_compare_records_category_lists_compare_what_was_migrated():
    source = Product(source_id="1", name="Mug", category_ids=["3", "4"])
    same = Product(source_id="9", name="Mug", category_ids=["103"])
    other = Product(source_id="9", name="Mug", category_ids=["104"])
    ids = {"categories": {"3": "103"}}
    assert by_field(compare_records(EntityType.PRODUCT, source, same, ids=ids, status_map={}))["category_ids"]["equal"]
    assert not by_field(compare_records(EntityType.PRODUCT, source, other, ids=ids,
                                        status_map={}))["category_ids"]["equal"]


def test_compare_records_coupon_codes_ignore_case_where_the_target_declares_it():
    source = Coupon(source_id="1", code="FLASH10", amount=Decimal("10"))
    lower = Coupon(source_id="9", code="flash10", amount=Decimal("10"))
    other = Coupon(source_id="9", code="flash11", amount=Decimal("10"))
    rules = WooCommerceConnector.comparison  # WooCommerce stores coupon codes in lower case

    def equal(target, rules=rules):
        return by_field(compare_records(EntityType.COUPON, source, target, ids={}, status_map={},
                                        rules=rules))["code"]["equal"]

    assert equal(lower) and not equal(other)
    assert not equal(lower, rules=ShopifyConnector.comparison)  # Shopify keeps the case it was given


def test_compare_records_line_totals_reallocated_by_a_cent_are_equal_other_differences_are_not():
    """Shopify spreads an order-level discount over the lines itself: a line total a cent off is not a
    difference (the order total is compared on its own); more than a cent, or another quantity, is."""
    def lines(*totals):
        return [{"product_id": "11", "sku": "A", "name": "A", "quantity": 3, "total": Decimal(totals[0])},
                {"product_id": "12", "sku": "B", "name": "B", "quantity": 1, "total": Decimal(totals[1])}]

    ids = {"products": {"11": "511", "12": "512"}, "customers": {"5": "505"}}
    source = order(lines("172.58", "50.92"))

    def compared(*totals):
        target = order(lines(*totals), customer_id="505")
        target = target.model_copy(update={"lines": [line.model_copy(update={"product_id": f"5{line.product_id}"})
                                                     for line in target.lines]})
        return by_field(compare_records(EntityType.ORDER, source, target, ids=ids, status_map={},
                                        rules=ShopifyConnector.comparison))["lines"]

    moved = compared("172.59", "50.91")
    assert moved["equal"] and "rounding" in moved["note"]
    assert compared("172.59", "50.92")["equal"]
    assert not compared("172.68", "50.82")["equal"]  # ten cents moved
    assert not compared("172.60", "50.92")["equal"]
    assert compared("172.58", "50.92")["equal"] and compared("172.58", "50.92")["note"] == ""
