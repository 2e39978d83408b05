"""Vendure mappers and GraphQL helpers: Admin API JSON (shapes from the connector's own queries) -> canonical ->
GraphQL inputs, and malformed input -> RecordError. Pure functions: no HTTP, no database."""
from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from connectors.entities import Address, Category, Customer, EntityType, Order, OrderLine, Product, Variant
from connectors.errors import RecordError
from connectors.vendure import CONNECTOR, VendureConnector
from connectors.vendure import mappers as m
from connectors.vendure.graphql import Op, error_kind, failed_alias, mutation_document, outcomes

E = EntityType


def test_the_package_exports_the_connector():
    assert CONNECTOR is VendureConnector and CONNECTOR.platform == "vendure"


# --- scalars ---------------------------------------------------------------------------------------------
def test_money_is_minor_units_both_ways():
    assert m.major(1999) == Decimal("19.99") and m.major(5, precision=0) == Decimal("5")
    assert m.minor(Decimal("19.99")) == 1999 and m.minor(None) is None
    assert m.minor(Decimal("0.005")) == 1  # half a cent rounds up, like Vendure's Math.round
    assert m.ceil_minor(Decimal("33.33"), 2) == 1667 and m.ceil_minor(Decimal("36.75"), 3) == 1225
    with pytest.raises(ValueError):
        m.minor(Decimal("99999999999"))
    with pytest.raises(ValueError):
        m.major(True)


def test_language_codes_follow_vendures_enum():
    assert [m.language_code(c) for c in ("fr", "EN", "pt-br", "zh-hans", "pt_BR")] == [
        "fr", "en", "pt_BR", "zh_Hans", "pt_BR"]


def test_full_names_split_on_the_customers_own_names_first():
    assert m.split_full_name("Mary Ann Smith") == ("Mary Ann", "Smith")
    assert m.split_full_name("Jean Paul Gaultier", "Jean Paul", "Gaultier") == ("Jean Paul", "Gaultier")
    assert m.split_full_name("Madonna") == ("Madonna", "")
    assert m.full_name(Address(first_name="Mary", last_name=" Smith")) == "Mary Smith"


def test_times_are_utc():
    moment = m.parse_time("2024-01-02T03:04:05.000Z")
    assert moment == datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)
    assert m.format_time(moment) == "2024-01-02T03:04:05.000Z"
    with pytest.raises(ValueError):
        m.parse_time("yesterday")


# --- categories ------------------------------------------------------------------------------------------
def test_collection_filters_list_products_and_an_empty_list_is_no_filter_at_all():
    assert m.product_id_filters([]) == []  # a product-id-filter without ids matches every product
    filters = m.product_id_filters(["12", "3", "3"])
    assert json.loads(filters[0]["arguments"][0]["value"]) == ["3", "12"]
    as_read = [{"code": f["code"], "args": f["arguments"]} for f in filters]
    assert m.product_ids_of_filters(as_read) == ["3", "12"]
    assert m.product_ids_of_filters([{"code": "facet-value-filter", "args": []}]) == []


COLLECTION = {
    "id": "7", "createdAt": "2024-01-01T00:00:00.000Z", "updatedAt": "2024-02-01T00:00:00.000Z",
    "position": 2, "isPrivate": False, "parentId": "1", "name": "Shirts", "slug": "shirts",
    "description": "Shirts collection.", "breadcrumbs": [{"id": "1"}, {"id": "7"}], "featuredAsset": None,
    "translations": [{"languageCode": "en", "name": "Shirts", "slug": "shirts", "description": "Shirts collection."},
                     {"languageCode": "fr", "name": "Chemises", "slug": "chemises", "description": ""}],
}


def test_a_top_level_collection_has_no_parent_and_keeps_its_translations():
    category = m.to_canonical(E.CATEGORY, COLLECTION, default_language="en")
    assert (category.name, category.slug, category.parent_id) == ("Shirts", "shirts", None)
    assert category.translations == {"fr": {"name": "Chemises", "slug": "chemises"}}
    nested = m.to_canonical(E.CATEGORY, {**COLLECTION, "parentId": "5",
                                         "breadcrumbs": [{"id": "1"}, {"id": "5"}, {"id": "7"}]},
                            default_language="en")
    assert nested.parent_id == "5"


def test_collection_input_keeps_its_own_products_and_leaves_out_languages_the_channel_lacks():
    item = Category(source_id="1", name="Tops", slug="tops", parent_id="9", description="d",
                    translations={"fr": {"name": "Hauts"}, "de": {"name": "Oberteile"}})
    data, skipped = m.collection_input(item, default_language="en", languages=["en", "fr"])
    assert data["inheritFilters"] is False and data["filters"] == [] and data["parentId"] == "9"
    assert [t["languageCode"] for t in data["translations"]] == ["en", "fr"] and skipped == ["de"]
    assert data["translations"][1]["slug"] == "tops-fr"


# --- products --------------------------------------------------------------------------------------------
def _variant(vid, sku, price, *, options=(), stock=5, allocated=0, track="TRUE", threshold=None, compare=None):
    return {"id": vid, "sku": sku, "price": price, "trackInventory": track, "stockOnHand": stock,
            "stockAllocated": allocated, "useGlobalOutOfStockThreshold": threshold is None,
            "outOfStockThreshold": threshold or 0, "updatedAt": "2024-03-01T00:00:00.000Z",
            "options": [{"id": f"o{n}", "name": v, "group": {"id": g, "name": n}} for g, n, v in options],
            "customFields": {"compareAtPrice": compare}}


PRODUCT = {
    "id": "3", "createdAt": "2024-01-01T00:00:00.000Z", "updatedAt": "2024-01-05T00:00:00.000Z", "enabled": True,
    "name": "Shirt", "slug": "shirt", "description": "<p>x</p>",
    "translations": [{"languageCode": "en", "name": "Shirt", "slug": "shirt", "description": "<p>x</p>"},
                     {"languageCode": "fr", "name": "Chemise", "slug": "chemise", "description": "<p>fr</p>"}],
    "facetValues": [{"id": "1", "name": "Summer", "facet": {"code": "tags"}},
                    {"id": "2", "name": "Acme", "facet": {"code": "brand"}}],
    "collections": [{"id": "7"}],
    "optionGroups": [{"id": "g1", "code": "color", "name": "Color", "options": [{"id": "o1", "name": "Black"},
                                                                                {"id": "o2", "name": "White"}]}],
    "variants": [_variant("10", "S-B", 1225, options=[("g1", "Color", "Black")], stock=3, allocated=1),
                 _variant("11", "S-W", 1999, options=[("g1", "Color", "White")], stock=0, threshold=-5)],
    "customFields": {"productSku": "S", "stockQuantity": 57, "stockStatus": "in_stock"},
}


def test_a_product_with_options_is_variable_with_left_to_sell_stock_per_variant():
    product = m.to_canonical(E.PRODUCT, PRODUCT, default_language="en", category_ids={"7", "12"})
    assert (product.type, product.sku, product.price, product.stock_quantity) == (
        "variable", "S", Decimal("12.25"), 57)
    assert product.options[0].model_dump() == {"name": "Color", "values": ["Black", "White"], "position": 0}
    black, white = product.variants
    assert (black.stock_quantity, black.stock_status, black.option_values) == (2, "in_stock", {"Color": "Black"})
    assert (white.stock_quantity, white.stock_status) == (0, "backorder")  # negative threshold: backorders
    assert product.tags == ["Summer"] and product.category_ids == ["7", "12"]
    assert product.translations["fr"]["name"] == "Chemise"
    assert product.updated_at == datetime(2024, 3, 1, tzinfo=UTC)  # a variant changed later than the product


def test_one_variant_without_options_is_a_simple_product():
    data = {**PRODUCT, "optionGroups": [], "customFields": {},
            "variants": [_variant("10", "SIMPLE-1", 500, track="FALSE", compare=800)]}
    product = m.to_canonical(E.PRODUCT, data, default_language="en", global_track_inventory=True)
    assert (product.type, product.sku, product.price, product.compare_at_price) == (
        "simple", "SIMPLE-1", Decimal("5.00"), Decimal("8.00"))
    assert (product.manage_stock, product.stock_quantity, product.variants) == (False, None, [])


def test_product_inputs_carry_translations_tags_and_the_plugins_fields():
    product = Product(source_id="1", name="Shirt", type="variable", sku="S", manage_stock=True, stock_quantity=4,
                      tags=["a"], translations={"fr": {"name": "Chemise", "slug": "Chemise"}},
                      variants=[Variant(source_id="v1", sku="S-1", price=Decimal("1.50"),
                                        compare_at_price=Decimal("2"), manage_stock=True, stock_quantity=3,
                                        stock_status="backorder", option_values={"Size": "M"})])
    data, skipped = m.product_input(product, default_language="en", languages=["en", "fr"], facet_value_ids=["9"],
                                    custom_fields=True)
    assert data["customFields"] == {"productSku": "S", "stockQuantity": 4, "stockStatus": "in_stock"}
    assert data["translations"][1] == {"languageCode": "fr", "name": "Chemise", "slug": "chemise", "description": ""}
    variant = m.variant_input(product.variants[0], product_name="Shirt", option_ids=["o1"], default_language="en",
                              precision=2, custom_fields=True, allocated=2)
    assert (variant["price"], variant["stockOnHand"], variant["outOfStockThreshold"]) == (150, 5, m.BACKORDER_THRESHOLD)
    assert variant["customFields"] == {"compareAtPrice": 200}
    assert m.option_groups_wanted(product) == [("Size", ["M"])]
    without, _ = m.product_input(product, default_language="en", languages=["en"], facet_value_ids=[],
                                 custom_fields=False)
    assert "customFields" not in without


# --- customers -------------------------------------------------------------------------------------------
ADDRESS = {"id": "1", "updatedAt": "2024-01-01T00:00:00.000Z", "fullName": "Mary Smith", "company": "",
           "streetLine1": "1 Main St", "streetLine2": "", "city": "New York", "province": "NY",
           "postalCode": "10001", "phoneNumber": "+1555", "country": {"code": "us"},
           "defaultShippingAddress": True, "defaultBillingAddress": True}


def test_a_customers_one_address_is_billing_with_the_email_and_shipping_without():
    customer = m.to_canonical(E.CUSTOMER, {"id": "4", "firstName": "Mary", "lastName": "Smith",
                                           "emailAddress": "Mary@Example.com", "phoneNumber": "+1",
                                           "user": {"id": "1"}, "addresses": [ADDRESS]})
    assert customer.email == "mary@example.com"
    assert customer.billing.email == "Mary@Example.com" and customer.shipping.email == ""
    assert (customer.billing.country, customer.shipping.city) == ("US", "New York")


def test_customer_addresses_are_one_when_billing_and_shipping_are_the_same_place():
    place = Address(first_name="A", last_name="B", address1="1 Main", city="X", country="US")
    same = Customer(source_id="1", email="a@b.co", billing=place.model_copy(update={"email": "a@b.co"}),
                    shipping=place)
    (only,) = m.customer_address_inputs(same)
    assert only["defaultBillingAddress"] and only["defaultShippingAddress"] and only["fullName"] == "A B"
    other = same.model_copy(update={"shipping": place.model_copy(update={"city": "Y"})})
    billing, shipping = m.customer_address_inputs(other)
    assert (billing["defaultBillingAddress"], shipping["defaultShippingAddress"], shipping["city"]) == (
        True, True, "Y")
    assert m.customer_address_inputs(Customer(source_id="2", email="c@d.co")) == []


# --- orders ----------------------------------------------------------------------------------------------
ORDER = {
    "id": "9", "code": "ABC123", "state": "Delivered", "active": False, "createdAt": "2026-01-01T00:00:00.000Z",
    "updatedAt": "2026-01-02T00:00:00.000Z", "orderPlacedAt": "2026-01-01T00:00:00.000Z", "currencyCode": "USD",
    "couponCodes": [], "customer": {"id": "4", "firstName": "Mary", "lastName": "Smith",
                                    "emailAddress": "mary@example.com", "user": {"id": "1"}},
    "shippingAddress": {"fullName": "Mary Smith", "streetLine1": "1 Main", "city": "X", "countryCode": "US"},
    "billingAddress": {"fullName": "Mary Smith", "streetLine1": "1 Main", "city": "X", "countryCode": "US"},
    "lines": [
        {"id": "1", "quantity": 3, "unitPrice": 1225, "linePrice": 3675, "proratedLinePrice": 3308,
         "proratedLinePriceWithTax": 3639, "productVariant": {"id": "10", "sku": "S-B", "name": "Shirt Black",
                                                              "productId": "3", "options": [{"id": "o1"}]}},
        {"id": "2", "quantity": 1, "unitPrice": 500, "linePrice": 500, "proratedLinePrice": 500,
         "proratedLinePriceWithTax": 550, "productVariant": {"id": "12", "sku": "SIMPLE", "name": "Mug",
                                                             "productId": "5", "options": []}},
    ],
    "shippingLines": [{"price": 500, "discountedPrice": 500, "shippingMethod": {"code": "std", "name": "Standard"}}],
    "taxSummary": [{"description": "VAT", "taxRate": 10.006045949214027, "taxTotal": 331}],
    "shipping": 500, "total": 4308, "totalWithTax": 4739,
    "payments": [{"method": "stripe", "amount": 4739, "state": "Settled", "transactionId": "t1",
                  "metadata": {"title": "Card"}, "createdAt": "2026-01-01T00:01:00.000Z"}],
    "fulfillments": [{"id": "1", "state": "Delivered", "method": "ups", "trackingCode": "1Z",
                      "createdAt": "2026-01-03T00:00:00.000Z"},
                     {"id": "2", "state": "Cancelled", "method": "dhl", "trackingCode": "X"}],
    "history": [{"type": "ORDER_NOTE", "data": {"note": "Leave at the door"}}],
    "customFields": {"sourceOrderNumber": "1001", "sourceOrderDate": "2024-05-06T07:08:09.000Z"},
}


def test_an_order_reads_with_its_historical_date_amounts_and_live_shipments():
    order = m.to_canonical(E.ORDER, ORDER)
    assert (order.number, order.status, order.customer_id, order.email) == (
        "ABC123", "Delivered", "4", "mary@example.com")
    assert order.created_at == datetime(2024, 5, 6, 7, 8, 9, tzinfo=UTC)
    assert order.extra == {"vendure": {"source_number": "1001"}}
    shirt, mug = order.lines
    assert (shirt.variant_id, shirt.total, shirt.tax, shirt.price) == ("10", Decimal("33.08"), Decimal("3.31"),
                                                                      Decimal("12.25"))
    assert (mug.product_id, mug.variant_id) == ("5", None)  # a simple product's only variant
    assert (order.subtotal, order.discount_total, order.total, order.tax_total) == (
        Decimal("41.75"), Decimal("3.67"), Decimal("47.39"), Decimal("4.31"))
    assert [(s.tracking_number, s.carrier) for s in order.shipments] == [("1Z", "ups")]
    assert (order.payment_method, order.payment_method_title, order.customer_note) == (
        "stripe", "Card", "Leave at the door")
    guest = m.to_canonical(E.ORDER, {**ORDER, "customer": {**ORDER["customer"], "user": None}})
    assert guest.customer_id is None and guest.email == "mary@example.com"


def _order(**kwargs) -> Order:
    lines = [OrderLine(name="a", quantity=3, price=Decimal("12.25"), subtotal=Decimal("36.75"),
                       total=Decimal("33.08"), tax=Decimal("3.31")),
             OrderLine(name="b", quantity=2, price=Decimal("0.335"), subtotal=Decimal("0.67"), total=Decimal("0.67"),
                       tax=Decimal("0.07"))]
    return Order(source_id="1", number="1001", status="Delivered", lines=lines, shipping_total=Decimal("5"),
                 tax_total=Decimal("3.88"), total=Decimal("42.63"),
                 created_at=datetime(2024, 5, 6, tzinfo=UTC), **kwargs)


def test_imported_order_amounts_make_vendures_total_the_sources():
    fields, warnings = m.order_custom_fields(_order(), precision=2)
    assert fields == {"sourceOrderNumber": "1001", "sourceOrderDate": "2024-05-06T00:00:00.000Z",
                      "importedShipping": 500, "importedShippingTax": 50}
    assert warnings == []
    first, second = (m.order_line_input(line, "v", precision=2) for line in _order().lines)
    assert first["customFields"] == {"importedUnitPrice": 1225, "importedLinePrice": 3308, "importedLineTax": 331}
    assert second["customFields"]["importedUnitPrice"] == 34  # 67 / 2 rounded up; the discount evens it out
    short = _order().model_copy(update={"total": Decimal("10")})
    fields, warnings = m.order_custom_fields(short, precision=2)
    assert warnings and fields["importedShippingTax"] == 50  # falls back to tax total minus the lines' tax


def test_a_guest_is_written_with_the_billing_name_and_email():
    order = _order(email="g@example.org", billing=Address(first_name="Gus", last_name="Guest", phone="1"))
    assert m.guest_input(order) == {"emailAddress": "g@example.org", "firstName": "Gus", "lastName": "Guest",
                                    "phoneNumber": "1"}


@pytest.mark.parametrize(("entity", "data", "message"), [
    (E.PRODUCT, ["not", "a", "dict"], "not a JSON object"),
    (E.CUSTOMER, {"emailAddress": "a@b.co"}, "without an id"),
    (E.ORDER, {**ORDER, "total": "lots"}, "total"),
    (E.CUSTOMER, {"id": "1", "emailAddress": "not-an-email", "user": {"id": "1"}}, "valid email"),
    (E.CATEGORY, {**COLLECTION, "translations": "en"}, "translations"),
])
def test_malformed_records_become_record_errors(entity, data, message):
    context = {"default_language": "en"} if entity in (E.PRODUCT, E.CATEGORY) else {}
    with pytest.raises(RecordError, match=message):
        m.to_canonical(entity, data, **context)


# --- GraphQL helpers -------------------------------------------------------------------------------------
def test_many_mutations_go_in_one_document_under_aliases():
    document, variables, aliases = mutation_document([
        Op("createDraftOrder", {}, "{ id }"),
        Op("deleteProducts", {"ids": ("[ID!]!", ["1"])}, "{ result }")])
    assert aliases == ["m0", "m1"] and variables == {"m1_ids": ["1"]}
    assert "mutation Batch($m1_ids: [ID!]!)" in document and "m1: deleteProducts(ids: $m1_ids) { result }" in document


def test_error_results_and_thrown_errors_stay_with_their_operation():
    body = {"data": {"m0": {"id": "1"}, "m1": {"errorCode": "ORDER_STATE_TRANSITION_ERROR",
                                               "message": "Cannot transition", "transitionError": "no stock"},
                     "m2": None},
            "errors": [{"message": "No Product with the id \"9\"", "path": ["m2"],
                        "extensions": {"code": "ENTITY_NOT_FOUND"}}]}
    assert outcomes(body, ["m0", "m1", "m2"]) == [
        ({"id": "1"}, None), (None, "Cannot transition: no stock"),
        (None, "No Product with the id \"9\" (ENTITY_NOT_FOUND)")]
    nulled = {"data": None, "errors": [{"message": "boom", "path": ["m1"]}]}
    assert failed_alias(nulled, ["m0", "m1", "m2"]) == (1, "boom") and failed_alias(body, ["m0"]) is None


@pytest.mark.parametrize(("error", "kind"), [
    ({"message": "You are not currently authorized to perform this action", "extensions": {"code": "FORBIDDEN"}},
     "auth"),
    ({"message": "Cannot query field \"productSku\" on type \"Product\"",
      "extensions": {"code": "GRAPHQL_VALIDATION_FAILED"}}, "schema"),
    ({"message": "Variable \"$m0_input\" got invalid value", "extensions": {"code": "BAD_USER_INPUT"}}, "input"),
    ({"message": "database is locked", "extensions": {"code": "INTERNAL_SERVER_ERROR"}}, "transient"),
    ({"message": "error.entity-has-no-translation-in-language"}, "other"),
])
def test_top_level_errors_are_classified(error, kind):
    assert error_kind(error) == kind


def test_order_statuses_land_where_the_admin_api_can_put_them():
    from connectors.entities import OrderStatus

    assert {s: VendureConnector.default_status_for(s) for s in OrderStatus} == {
        OrderStatus.PENDING: "Draft", OrderStatus.ON_HOLD: "Draft", OrderStatus.PROCESSING: "PaymentSettled",
        OrderStatus.COMPLETED: "Delivered", OrderStatus.CANCELLED: "Cancelled", OrderStatus.REFUNDED: "Cancelled",
        OrderStatus.FAILED: "Cancelled"}
    assert all(VendureConnector.default_status_for(m) in VendureConnector.order_statuses
               for m in VendureConnector.order_statuses.values())


def test_the_tags_facet_is_recognised_when_vendure_numbered_its_code():
    """Facet codes are unique across channels: a Tags facet created in a second channel becomes "tags-2", and a
    product's tags were read as none (found when another test's channel made "tags" first)."""
    assert [m.is_tag_facet(c) for c in ("tags", "tags-2", "tags-13", "tagsx", "brand", "", None)] == [
        True, True, True, False, False, False, False]
