"""Shopify mappers: pure translations, no HTTP."""
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from connectors.entities import Address, Coupon, Customer, Order, OrderLine, Product, Shipment, Variant
from connectors.errors import RecordError
from connectors.shopify import mappers


def _variable() -> Product:
    return Product(
        source_id="10", name="Shirt", sku="SHIRT", type="variable", manage_stock=True, stock_quantity=5,
        options=[{"name": "Color", "values": ["Red"]}, {"name": "Size", "values": ["M", "L"]}],
        variants=[Variant(source_id=f"v{s}", sku=f"SHIRT-{s}", price=Decimal("20"), manage_stock=True,
                          stock_quantity=3, option_values={"Color": "Red", "Size": s}) for s in ("M", "L")],
        category_ids=["7"],
    )


def test_product_set_input_builds_options_variants_inventory_and_collections():
    payload = mappers.product_set_input(_variable(), location_id="gid://shopify/Location/1")
    assert [o["name"] for o in payload["productOptions"]] == ["Color", "Size"]
    assert payload["variants"][0]["optionValues"] == [{"optionName": "Color", "name": "Red"},
                                                      {"optionName": "Size", "name": "M"}]
    assert payload["variants"][0]["inventoryQuantities"] == [
        {"locationId": "gid://shopify/Location/1", "name": "available", "quantity": 3}]
    assert payload["collections"] == ["gid://shopify/Collection/7"]


def test_product_level_values_the_variants_do_not_give_round_trip_through_the_metafield():
    item = _variable()
    payload = mappers.product_set_input(item, location_id=None)
    overrides = payload["metafields"][0]["value"]
    node = {"id": "gid://shopify/Product/10", "title": "Shirt", "handle": "shirt", "status": "ACTIVE",
            "hasOnlyDefaultVariant": False, "options": [{"name": "Color", "values": ["Red"], "position": 1}],
            "variants": {"nodes": [{"id": "gid://shopify/ProductVariant/1", "sku": "SHIRT-M", "price": "20.00",
                                    "inventoryQuantity": 3, "inventoryItem": {"tracked": True},
                                    "selectedOptions": [{"name": "Color", "value": "Red"}]}]},
            "cm_product": {"value": overrides, "type": "json"}}
    read = mappers.to_canonical(mappers.E.PRODUCT, node)
    assert (read.sku, read.manage_stock, read.stock_quantity, read.type) == ("SHIRT", True, 5, "variable")


def test_shopify_limits_are_record_errors():
    item = _variable()
    item.options = [{"name": n, "values": ["x"]} for n in "ABCD"]
    with pytest.raises(RecordError, match="at most 3 options"):
        mappers.product_set_input(item, location_id=None)


def test_historical_order_keeps_number_date_tracking_and_status():
    order = Order(source_id="5", number="1042", status="fulfilled", currency="EUR", email="a@example.com",
                  created_at=datetime(2023, 5, 4, 10, 20, tzinfo=UTC), total=Decimal("22"),
                  lines=[OrderLine(name="Tee", product_id="9", quantity=2, price=Decimal("10"))],
                  shipments=[Shipment(tracking_number="1Z9", carrier="UPS")])
    payload, warnings = mappers.order_create_input(order, currency="USD", location_id="L",
                                                   default_variants={"9": "99"})
    assert payload["name"] == "#1042" and payload["processedAt"] == "2023-05-04T10:20:00Z"
    assert payload["financialStatus"] == "PAID" and payload["fulfillmentStatus"] == "FULFILLED"
    assert payload["fulfillment"]["trackingNumber"] == "1Z9" and payload["fulfillment"]["trackingCompany"] == "UPS"
    assert payload["lineItems"][0]["variantId"] == "gid://shopify/ProductVariant/99"
    assert payload["transactions"][0]["amountSet"]["shopMoney"] == {"amount": "22.00", "currencyCode": "EUR"}
    assert warnings == []


def test_every_order_status_reads_back_as_itself():
    for status, (financial, fulfilled) in mappers.ORDER_STATUS_OUT.items():
        node = {"displayFinancialStatus": financial,
                "displayFulfillmentStatus": "FULFILLED" if fulfilled else "UNFULFILLED"}
        expected = "fulfilled" if status == "fulfilled" else status
        if status == "partially_refunded":
            expected = "partially_refunded"
        assert mappers.order_status_of(node) == expected


def test_customer_groups_become_tags_and_consent_is_kept():
    customer = Customer(source_id="1", email="Ann@Example.com", group="Wholesale", accepts_marketing=True,
                        billing=Address(first_name="Ann", city="Paris", country="fr", email="ann@example.com"))
    payload = mappers.customer_input(customer)
    assert payload["tags"] == ["Wholesale"]
    assert payload["emailMarketingConsent"]["marketingState"] == "SUBSCRIBED"
    assert payload["addresses"] == [{"firstName": "Ann", "city": "Paris", "countryCode": "FR"}]


def test_coupon_restrictions_become_discount_items_products_first():
    both, warnings = mappers.coupon_input(Coupon(source_id="1", code="BOTH", product_ids=["5", "6", "5"],
                                                 category_ids=["7"], excluded_category_ids=["8"]))
    assert both["customerGets"]["items"] == {"products": {"productsToAdd": ["gid://shopify/Product/5",
                                                                            "gid://shopify/Product/6"]}}
    assert len(warnings) == 2 and "7" in warnings[0] and "category 8" in warnings[1]
    wear, warnings = mappers.coupon_input(Coupon(source_id="2", code="WEAR", category_ids=["7"]))
    assert wear["customerGets"]["items"] == {"collections": {"add": ["gid://shopify/Collection/7"]}}
    assert warnings == []
    many, warnings = mappers.coupon_input(Coupon(source_id="3", code="MANY", product_ids=[str(i) for i in range(260)]))
    assert len(many["customerGets"]["items"]["products"]["productsToAdd"]) == 250 and "259" in warnings[0]
    assert mappers.coupon_input(Coupon(source_id="4", code="ALL"))[0]["customerGets"]["items"] == {"all": True}


def test_coupon_reads_products_variants_products_and_collections():
    def node(items):
        return {"id": "gid://shopify/DiscountCodeNode/1", "codeDiscount": {
            "title": "X", "codes": {"nodes": [{"code": "X"}]},
            "customerGets": {"value": {"percentage": 0.1}, "items": items}}}

    products = mappers.coupon_from_shopify(node({
        "products": {"nodes": [{"id": "gid://shopify/Product/5"}]},
        "productVariants": {"nodes": [{"product": {"id": "gid://shopify/Product/6"}},
                                      {"product": {"id": "gid://shopify/Product/5"}}]}}))
    assert (products["product_ids"], products["category_ids"]) == (["5", "6"], [])
    collections = mappers.coupon_from_shopify(node({"collections": {"nodes": [{"id": "gid://shopify/Collection/7"}]}}))
    assert (collections["product_ids"], collections["category_ids"]) == ([], ["7"])
    everything = mappers.coupon_from_shopify(node({"allItems": True}))
    assert (everything["product_ids"], everything["category_ids"]) == ([], [])
