"""WooCommerce mappers: WC JSON (shapes from woocommerce-rest-api-docs) -> canonical -> WC body, and
malformed input -> RecordError. Pure functions: no HTTP, no database."""
from __future__ import annotations

import copy
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from connectors.entities import EntityType, Order, Product
from connectors.errors import RecordError
from connectors.woocommerce import CONNECTOR, WooCommerceConnector
from connectors.woocommerce import mappers as m

E = EntityType

SIMPLE_PRODUCT = {
    "id": 794,
    "name": "Premium Quality",
    "slug": "premium-quality-19",
    "permalink": "https://example.com/product/premium-quality-19/",
    "date_created": "2017-03-23T17:01:14",
    "date_created_gmt": "2017-03-23T20:01:14",
    "date_modified": "2017-03-23T17:01:14",
    "date_modified_gmt": "2017-03-23T20:01:14",
    "type": "simple",
    "status": "publish",
    "featured": True,
    "catalog_visibility": "visible",
    "description": "<p>Pellentesque habitant morbi tristique senectus.</p>",
    "short_description": "<p>Short.</p>",
    "sku": "PQ-19",
    "price": "19.99",
    "regular_price": "21.99",
    "sale_price": "19.99",
    "manage_stock": True,
    "stock_quantity": 12,
    "stock_status": "instock",
    "weight": "0.5",
    "dimensions": {"length": "", "width": "", "height": ""},
    "tax_class": "reduced-rate",
    "categories": [{"id": 9, "name": "Clothing", "slug": "clothing"}, {"id": 14, "name": "T-shirts",
                                                                        "slug": "t-shirts"}],
    "tags": [{"id": 3, "name": "cotton", "slug": "cotton"}],
    "brands": [{"id": 51, "name": "Acme", "slug": "acme"}],
    "images": [
        {"id": 792, "src": "https://example.com/wp-content/uploads/2017/03/T_2_front-4.jpg",
         "name": "", "alt": "front"},
        {"id": 793, "src": "https://example.com/wp-content/uploads/2017/03/T_2_back-2.jpg", "name": "", "alt": ""},
    ],
    "attributes": [{"id": 0, "name": "Material", "position": 0, "visible": True, "variation": False,
                    "options": ["Cotton"]}],
    "default_attributes": [],
    "variations": [],
    "meta_data": [{"id": 1, "key": "_yoast_wpseo_title", "value": "Premium T-shirt"}],
    "lang": "en",
    "translations": {"en": 794, "fr": 795},
}

VARIABLE_PRODUCT = {
    "id": 799,
    "name": "Ship Your Idea",
    "slug": "ship-your-idea-22",
    "date_created_gmt": "2017-03-23T20:03:12",
    "date_modified_gmt": "2017-03-24T10:00:00",
    "type": "variable",
    "status": "pending",
    "featured": False,
    "catalog_visibility": "visible",
    "description": "<p>Variable.</p>",
    "short_description": "",
    "sku": "SYI",
    "price": "",
    "regular_price": "",
    "sale_price": "",
    "manage_stock": False,
    "stock_quantity": None,
    "stock_status": "instock",
    "weight": "",
    "tax_class": "",
    "categories": [{"id": 9, "name": "Clothing", "slug": "clothing"}],
    "tags": [],
    "images": [],
    "attributes": [
        {"id": 0, "name": "Color", "position": 0, "visible": True, "variation": True, "options": ["Black", "Green"]},
        {"id": 0, "name": "Size", "position": 1, "visible": True, "variation": True, "options": ["S", "M"]},
    ],
    "variations": [800, 801],
    "meta_data": [],
}

VARIATIONS = [
    {"id": 800, "sku": "SYI-BLK-S", "price": "20.00", "regular_price": "20.00", "sale_price": "",
     "manage_stock": True, "stock_quantity": 5, "stock_status": "instock", "weight": "0.3",
     "image": {"id": 1, "src": "https://example.com/black.jpg", "alt": "Black"},
     "attributes": [{"id": 0, "name": "Color", "option": "Black"}, {"id": 0, "name": "Size", "option": "S"}]},
    {"id": 801, "sku": "SYI-GRN-M", "price": "15.00", "regular_price": "18.00", "sale_price": "15.00",
     "manage_stock": "parent", "stock_quantity": None, "stock_status": "outofstock", "weight": "",
     "image": None,
     "attributes": [{"id": 0, "name": "Color", "option": "Green"}, {"id": 0, "name": "Size", "option": "M"}]},
]

CATEGORY = {"id": 15, "name": "Shirts", "slug": "shirts", "parent": 9, "description": "All shirts",
            "display": "default", "image": {"id": 3, "src": "https://example.com/shirts.jpg", "alt": "shirts"},
            "menu_order": 2, "count": 4, "lang": "en", "translations": {"en": 15, "fr": 16}}

BRAND = {"id": 51, "name": "Acme", "slug": "acme", "parent": 0, "description": "Anvils since 1949",
         "display": "default", "image": None, "menu_order": 0, "count": 3}

CUSTOMER = {
    "id": 25, "date_created_gmt": "2017-03-21T19:29:21", "date_modified_gmt": "2017-03-22T10:00:00",
    "email": "John.Doe@Example.com", "first_name": "John", "last_name": "Doe", "role": "customer",
    "username": "john.doe",
    "billing": {"first_name": "John", "last_name": "Doe", "company": "", "address_1": "969 Market",
                "address_2": "", "city": "San Francisco", "state": "CA", "postcode": "94103", "country": "US",
                "email": "john.doe@example.com", "phone": "(555) 555-5555"},
    "shipping": {"first_name": "John", "last_name": "Doe", "company": "", "address_1": "969 Market",
                 "address_2": "", "city": "San Francisco", "state": "CA", "postcode": "94103", "country": "US"},
    "is_paying_customer": False, "avatar_url": "https://secure.gravatar.com/avatar/x", "meta_data": [],
}

ORDER = {
    "id": 727, "parent_id": 0, "number": "727", "order_key": "wc_order_58d2d042d1d", "created_via": "rest-api",
    "version": "9.6.0", "status": "completed", "currency": "USD",
    "date_created_gmt": "2017-03-22T19:15:40", "date_modified_gmt": "2017-03-23T10:00:00",
    "discount_total": "5.00", "discount_tax": "0.00", "shipping_total": "10.00", "shipping_tax": "0.00",
    "cart_tax": "1.35", "total": "45.35", "total_tax": "1.35", "prices_include_tax": False,
    "customer_id": 25, "customer_note": "Leave at the door",
    "billing": {"first_name": "John", "last_name": "Doe", "company": "", "address_1": "969 Market",
                "address_2": "", "city": "San Francisco", "state": "CA", "postcode": "94103", "country": "US",
                "email": "john.doe@example.com", "phone": "(555) 555-5555"},
    "shipping": {"first_name": "John", "last_name": "Doe", "company": "", "address_1": "969 Market",
                 "address_2": "", "city": "San Francisco", "state": "CA", "postcode": "94103", "country": "US"},
    "payment_method": "bacs", "payment_method_title": "Direct Bank Transfer", "transaction_id": "T-1",
    "date_paid_gmt": "2017-03-22T19:20:00", "date_completed_gmt": None,
    "line_items": [
        {"id": 315, "name": "Woo Single #1", "product_id": 93, "variation_id": 0, "quantity": 2,
         "tax_class": "", "subtotal": "12.00", "subtotal_tax": "0.45", "total": "12.00", "total_tax": "0.45",
         "taxes": [], "meta_data": [], "sku": "WS1", "price": 6},
        {"id": 316, "name": "Ship Your Idea &ndash; Black, S", "product_id": 799, "variation_id": 800,
         "quantity": 1, "tax_class": "", "subtotal": "28.00", "subtotal_tax": "0.90", "total": "23.00",
         "total_tax": "0.90", "taxes": [], "meta_data": [], "sku": "SYI-BLK-S", "price": 28},
    ],
    "tax_lines": [{"id": 318, "rate_code": "US-CA-STATE TAX", "rate_id": 75, "label": "State Tax",
                   "compound": False, "tax_total": "1.35", "shipping_tax_total": "0.00", "rate_percent": 7.5}],
    "shipping_lines": [{"id": 317, "method_title": "Flat Rate", "method_id": "flat_rate", "total": "10.00",
                        "total_tax": "0.00", "taxes": []}],
    "fee_lines": [],
    "coupon_lines": [{"id": 319, "code": "save5", "discount": "5.00", "discount_tax": "0.00"}],
    "refunds": [],
    "meta_data": [
        {"id": 900, "key": "_wc_shipment_tracking_items", "value": [
            {"tracking_provider": "usps", "custom_tracking_provider": "", "custom_tracking_link": "",
             "tracking_number": "9400111899562", "date_shipped": "1490220000", "tracking_id": "abc"}]},
    ],
}

NOTES = [
    {"id": 282, "author": "system", "date_created_gmt": "2017-03-22T19:30:00",
     "note": "Order status changed from Processing to Completed.", "customer_note": False},
    {"id": 281, "author": "system", "date_created_gmt": "2017-03-22T19:20:00",
     "note": "Order status changed from Pending payment to Processing.", "customer_note": False},
    {"id": 283, "author": "admin", "date_created_gmt": "2017-03-22T19:40:00",
     "note": "Thanks for your order!", "customer_note": True},
]

REVIEW = {"id": 22, "date_created": "2018-10-18T17:59:17", "date_created_gmt": "2018-10-18T20:59:17",
          "product_id": 22, "product_name": "V-neck", "status": "hold", "reviewer": "John Doe",
          "reviewer_email": "john.doe@example.com", "review": "Nice album!", "rating": 5, "verified": True}

COUPON = {"id": 720, "code": "free-shipping", "amount": "10.00", "date_created_gmt": "2017-03-21T15:23:00",
          "date_modified_gmt": "2017-03-21T15:23:00", "discount_type": "percent", "description": "Summer",
          "date_expires": None, "date_expires_gmt": "2030-01-01T00:00:00", "usage_count": 3,
          "individual_use": True, "product_ids": [93], "excluded_product_ids": [], "usage_limit": 100,
          "usage_limit_per_user": 1, "limit_usage_to_x_items": None, "free_shipping": False,
          "product_categories": [9], "excluded_product_categories": [14], "exclude_sale_items": True,
          "minimum_amount": "100.00", "maximum_amount": "0.00", "email_restrictions": ["a@example.com"],
          "used_by": ["a@example.com"], "meta_data": []}


# --- scalars -------------------------------------------------------------------------------------
def test_money_parses_wc_strings_and_blanks():
    assert m.money("19.99") == Decimal("19.99")
    assert m.money(6) == Decimal("6")
    assert m.money("") is None and m.money(None) is None
    with pytest.raises(ValueError, match="price: 'abc' is not an amount"):
        m.money("abc", "price")
    assert m.money_str(Decimal("20.00")) == "20.00"
    assert m.money_str(Decimal("19.90")) == "19.90"
    assert m.money_str(None) == ""


def test_parse_gmt_is_utc():
    assert m.parse_gmt("2017-03-23T20:01:14") == datetime(2017, 3, 23, 20, 1, 14, tzinfo=UTC)
    assert m.parse_gmt("2017-03-23T22:01:14+02:00") == datetime(2017, 3, 23, 20, 1, 14, tzinfo=UTC)
    assert m.format_gmt(datetime(2017, 3, 23, 20, 1, 14, tzinfo=UTC)) == "2017-03-23T20:01:14"


# --- products ------------------------------------------------------------------------------------
def test_simple_product_reads_prices_stock_refs_and_translations():
    translation = {"id": 795, "name": "Qualité", "slug": "qualite", "description": "Desc FR",
                   "short_description": "Court"}
    product = m.to_canonical(E.PRODUCT, SIMPLE_PRODUCT, translations={"fr": translation})
    assert isinstance(product, Product)
    assert product.source_id == "794"
    assert product.price == Decimal("19.99") and product.compare_at_price == Decimal("21.99")
    assert product.manage_stock and product.stock_quantity == 12 and product.stock_status == "in_stock"
    assert product.category_ids == ["9", "14"]
    assert product.manufacturer_id == "51"
    assert product.tax_class_id == "reduced-rate"
    assert product.tags == ["cotton"]
    assert [i.url for i in product.images][0].endswith("T_2_front-4.jpg") and product.images[1].position == 1
    assert product.seo.url_key == "premium-quality-19" and product.seo.title == "Premium T-shirt"
    assert product.options == []  # non-variation attributes are kept in extra, not as options
    assert product.extra["woocommerce"]["attributes"][0]["name"] == "Material"
    assert product.translations == {"fr": {"name": "Qualité", "description": "Desc FR",
                                           "short_description": "Court", "slug": "qualite"}}
    assert product.updated_at == datetime(2017, 3, 23, 20, 1, 14, tzinfo=UTC)


def test_simple_product_round_trip():
    product = m.to_canonical(E.PRODUCT, SIMPLE_PRODUCT)
    body = m.product_to_wc(product, tag_ids={"cotton": 3})
    assert body["regular_price"] == "21.99" and body["sale_price"] == "19.99"
    assert body["manage_stock"] is True and body["stock_quantity"] == 12 and body["stock_status"] == "instock"
    assert body["categories"] == [{"id": 9}, {"id": 14}]
    assert body["brands"] == [{"id": 51}]
    assert body["tags"] == [{"id": 3}]
    assert body["tax_class"] == "reduced-rate"
    assert body["slug"] == "premium-quality-19" and body["status"] == "publish" and body["featured"] is True
    assert body["attributes"] == [{"name": "Material", "position": 0, "visible": True, "variation": False,
                                   "options": ["Cotton"]}]
    assert body["images"][0] == {"src": SIMPLE_PRODUCT["images"][0]["src"], "alt": "front"}
    assert {"key": "_yoast_wpseo_title", "value": "Premium T-shirt"} in body["meta_data"]
    # and reading the body back gives the same canonical product
    echoed = {**SIMPLE_PRODUCT, **body, "id": 794, "categories": SIMPLE_PRODUCT["categories"],
              "tags": SIMPLE_PRODUCT["tags"], "brands": SIMPLE_PRODUCT["brands"], "images": SIMPLE_PRODUCT["images"]}
    again = m.to_canonical(E.PRODUCT, echoed)
    assert again.model_dump(exclude={"translations"}) == product.model_dump(exclude={"translations"})


def test_product_without_images_when_images_are_not_migrated():
    product = m.to_canonical(E.PRODUCT, SIMPLE_PRODUCT)
    assert "images" not in m.product_to_wc(product, tag_ids={"cotton": 3}, migrate_images=False)


def test_variable_product_reads_options_and_variants():
    product = m.to_canonical(E.PRODUCT, VARIABLE_PRODUCT, variations=VARIATIONS)
    assert product.type == "variable" and product.status == "draft"
    assert product.extra["woocommerce"]["status"] == "pending"
    assert [(o.name, o.values) for o in product.options] == [("Color", ["Black", "Green"]), ("Size", ["S", "M"])]
    black, green = product.variants
    assert black.source_id == "800" and black.price == Decimal("20.00") and black.compare_at_price is None
    assert black.manage_stock and black.stock_quantity == 5 and black.weight == Decimal("0.3")
    assert black.option_values == {"Color": "Black", "Size": "S"}
    assert black.image.url == "https://example.com/black.jpg"
    assert green.price == Decimal("15.00") and green.compare_at_price == Decimal("18.00")
    assert green.manage_stock is False and green.stock_status == "out_of_stock"
    assert product.tax_class_id is None  # "" is the Standard class


def test_variable_product_round_trip_as_custom_variation_attributes():
    product = m.to_canonical(E.PRODUCT, VARIABLE_PRODUCT, variations=VARIATIONS)
    body = m.product_to_wc(product)
    assert body["type"] == "variable" and body["status"] == "pending"
    assert "regular_price" not in body  # price lives on variations
    assert body["attributes"] == [
        {"name": "Color", "position": 0, "visible": True, "variation": True, "options": ["Black", "Green"]},
        {"name": "Size", "position": 1, "visible": True, "variation": True, "options": ["S", "M"]},
    ]
    variations = [m.variant_to_wc(v) for v in product.variants]
    assert variations[0] == {"sku": "SYI-BLK-S", "regular_price": "20.00", "sale_price": "", "manage_stock": True,
                             "stock_status": "instock", "stock_quantity": 5, "weight": "0.3",
                             "attributes": [{"name": "Color", "option": "Black"}, {"name": "Size", "option": "S"}],
                             "image": {"src": "https://example.com/black.jpg", "alt": "Black"}}
    assert variations[1]["regular_price"] == "18.00" and variations[1]["sale_price"] == "15.00"
    assert variations[1]["stock_status"] == "outofstock" and "stock_quantity" not in variations[1]
    read_back = [m.variant_from_wc({**v, "id": i}) for i, v in zip((800, 801), variations, strict=True)]
    assert [r["price"] for r in read_back] == [Decimal("20.00"), Decimal("15.00")]
    assert [r["option_values"] for r in read_back] == [v.option_values for v in product.variants]


def test_product_tags_need_ids():
    product = m.to_canonical(E.PRODUCT, SIMPLE_PRODUCT)
    with pytest.raises(ValueError, match="tags: no id for cotton"):
        m.product_to_wc(product, tag_ids={})


def test_product_translation_body():
    body = m.translation_to_wc(E.PRODUCT, {"name": "Qualité", "slug": "qualite", "description": ""},
                               lang="fr", original_id="1001")
    assert body == {"name": "Qualité", "slug": "qualite", "lang": "fr", "translation_of": 1001}


# --- taxonomy ------------------------------------------------------------------------------------
def test_tax_class_uses_slug_as_id():
    tax = m.to_canonical(E.TAX_CLASS, {"slug": "reduced-rate", "name": "Reduced rate"})
    assert tax.source_id == "reduced-rate" and tax.slug == "reduced-rate"
    assert m.tax_class_to_wc(tax) == {"name": "Reduced rate"}


def test_category_round_trip_with_parent_image_and_translation():
    category = m.to_canonical(E.CATEGORY, CATEGORY, translations={"fr": {"id": 16, "name": "Chemises",
                                                                         "slug": "chemises", "description": ""}})
    assert category.parent_id == "9" and category.position == 2 and category.seo.url_key == "shirts"
    assert category.image.url == "https://example.com/shirts.jpg"
    assert category.translations["fr"]["name"] == "Chemises"
    body = m.category_to_wc(category)
    assert body == {"name": "Shirts", "description": "All shirts", "parent": 9, "menu_order": 2, "slug": "shirts",
                    "image": {"src": "https://example.com/shirts.jpg", "alt": "shirts"}}
    top = m.to_canonical(E.CATEGORY, {**CATEGORY, "parent": 0})
    assert top.parent_id is None and m.category_to_wc(top)["parent"] == 0


def test_brand_round_trip():
    brand = m.to_canonical(E.MANUFACTURER, BRAND)
    assert (brand.source_id, brand.name, brand.slug, brand.image) == ("51", "Acme", "acme", None)
    assert m.manufacturer_to_wc(brand) == {"name": "Acme", "description": "Anvils since 1949", "slug": "acme"}


# --- customers -----------------------------------------------------------------------------------
def test_customer_round_trip_without_password():
    customer = m.to_canonical(E.CUSTOMER, CUSTOMER)
    assert customer.email == "john.doe@example.com"  # canonical emails are lower case
    assert customer.phone == "(555) 555-5555" and customer.billing.address1 == "969 Market"
    assert customer.shipping.city == "San Francisco" and customer.shipping.email == ""
    body = m.customer_to_wc(customer)
    assert "password" not in body
    assert body["billing"]["address_1"] == "969 Market" and body["billing"]["email"] == "john.doe@example.com"
    assert "email" not in body["shipping"]
    assert m.to_canonical(E.CUSTOMER, {**CUSTOMER, **body, "id": 25}).model_dump() == customer.model_dump()


# --- orders --------------------------------------------------------------------------------------
def test_order_reads_lines_totals_history_and_tracking():
    order = m.to_canonical(E.ORDER, ORDER, notes=NOTES)
    assert isinstance(order, Order)
    assert order.number == "727" and order.status == "completed" and order.customer_id == "25"
    assert order.email == "john.doe@example.com"
    first, second = order.lines
    assert (first.product_id, first.variant_id, first.quantity, first.price) == ("93", None, 2, Decimal("6"))
    assert (second.product_id, second.variant_id, second.total, second.tax) == (
        "799", "800", Decimal("23.00"), Decimal("0.90"))
    assert order.subtotal == Decimal("40.00") and order.total == Decimal("45.35")
    assert order.discount_total == Decimal("5.00") and order.tax_total == Decimal("1.35")
    assert order.discounts[0].code == "save5" and order.shipping_lines[0].method == "flat_rate"
    assert order.tax_lines[0].rate == Decimal("7.5") and order.tax_lines[0].label == "State Tax"
    assert order.paid_at == datetime(2017, 3, 22, 19, 20, tzinfo=UTC)
    assert [h.status for h in order.status_history] == ["processing", "completed", ""]
    assert order.status_history[2].customer_visible is True
    assert order.shipments[0].tracking_number == "9400111899562" and order.shipments[0].carrier == "usps"
    assert order.shipments[0].shipped_at == datetime.fromtimestamp(1490220000, tz=UTC)


def test_order_body_keeps_source_number_date_and_tracking_in_meta():
    order = m.to_canonical(E.ORDER, ORDER, notes=NOTES)
    body = m.order_to_wc(order)
    assert body["set_paid"] is False and "date_created" not in body
    meta = {item["key"]: item["value"] for item in body["meta_data"]}
    assert meta["_cartmigrate_source_number"] == "727"
    assert meta["_cartmigrate_source_date"] == "2017-03-22T19:15:40"
    assert meta["_order_stock_reduced"] == "yes"
    assert meta["_wc_shipment_tracking_items"][0]["tracking_number"] == "9400111899562"
    assert body["line_items"][1] == {"name": "Ship Your Idea &ndash; Black, S", "quantity": 1, "subtotal": "28.00",
                                     "total": "23.00", "total_tax": "0.90", "product_id": 799, "variation_id": 800,
                                     "meta_data": [{"key": "_cartmigrate_sku", "value": "SYI-BLK-S"}]}
    assert body["coupon_lines"] == [{"code": "save5", "discount": "5.00"}]
    assert body["shipping_lines"] == [{"method_id": "flat_rate", "method_title": "Flat Rate", "total": "10.00"}]
    assert (body["total"], body["total_tax"], body["discount_total"]) == ("45.35", "1.35", "5.00")
    assert body["tax_lines"] == [{"rate_code": "State Tax", "label": "State Tax", "tax_total": "1.35",
                                  "rate_percent": 7.5}]
    assert body["customer_id"] == 25 and body["billing"]["email"] == "john.doe@example.com"
    # read back (as a store would echo it): key fields survive, and the source number is kept in extra
    echoed = copy.deepcopy(ORDER)
    echoed.update(id=1500, number="1500", meta_data=[{"id": i, **meta_item} for i, meta_item
                                                     in enumerate(body["meta_data"])])
    again = m.to_canonical(E.ORDER, echoed)
    assert again.extra["woocommerce"]["source_number"] == "727"
    assert again.shipments[0].tracking_number == order.shipments[0].tracking_number
    assert [line.total for line in again.lines] == [line.total for line in order.lines]
    notes = [m.note_to_wc(change) for change in order.status_history]
    assert notes[2] == {"note": "Thanks for your order!", "customer_note": True}


def test_guest_order_has_no_customer():
    order = m.to_canonical(E.ORDER, {**ORDER, "customer_id": 0})
    assert order.customer_id is None and m.order_to_wc(order)["customer_id"] == 0


# --- reviews and coupons -------------------------------------------------------------------------
def test_review_round_trip():
    review = m.to_canonical(E.REVIEW, REVIEW)
    assert (review.product_id, review.status, review.rating, review.verified) == ("22", "pending", 5, True)
    assert m.review_to_wc(review) == {"product_id": 22, "review": "Nice album!", "reviewer": "John Doe",
                                      "reviewer_email": "john.doe@example.com", "rating": 5, "status": "hold",
                                      "verified": True}


def test_coupon_round_trip():
    coupon = m.to_canonical(E.COUPON, COUPON)
    assert coupon.amount == Decimal("10.00") and coupon.discount_type == "percent"
    assert coupon.expires_at == datetime(2030, 1, 1, tzinfo=UTC)
    assert coupon.minimum_amount == Decimal("100.00") and coupon.maximum_amount is None  # "0.00" = no maximum
    assert coupon.category_ids == ["9"] and coupon.excluded_category_ids == ["14"] and coupon.usage_count == 3
    body = m.coupon_to_wc(coupon)
    assert "usage_count" not in body and "used_by" not in body
    assert body["product_categories"] == [9] and body["date_expires_gmt"] == "2030-01-01T00:00:00"
    again = m.to_canonical(E.COUPON, {**COUPON, **body})
    assert again.model_dump(exclude={"usage_count"}) == coupon.model_dump(exclude={"usage_count"})


# --- malformed input -----------------------------------------------------------------------------
@pytest.mark.parametrize(("entity", "record", "message"), [
    (E.PRODUCT, {**SIMPLE_PRODUCT, "regular_price": "12,99", "sale_price": ""},
     "Could not read WooCommerce product 794: regular_price: '12,99' is not an amount"),
    (E.PRODUCT, {**SIMPLE_PRODUCT, "name": ""}, "Invalid product: name"),
    (E.PRODUCT, {**SIMPLE_PRODUCT, "stock_status": "maybe"}, "stock_status: unknown value 'maybe'"),
    (E.PRODUCT, {**SIMPLE_PRODUCT, "categories": "9"}, "categories: expected a list"),
    (E.PRODUCT, {**SIMPLE_PRODUCT, "name": "bad \udcff bytes"}, "not valid UTF-8"),
    (E.CUSTOMER, {**CUSTOMER, "email": "not-an-email", "billing": {}}, "is not a valid email address"),
    (E.ORDER, {**ORDER, "date_created_gmt": "yesterday"}, "date_created_gmt: 'yesterday' is not a date"),
    (E.ORDER, {**ORDER, "line_items": [{"id": 1, "name": "x", "quantity": 1.5}]}, "is not a whole number"),
    (E.REVIEW, {**REVIEW, "rating": 9}, "Invalid review: rating"),
    (E.COUPON, {**COUPON, "discount_type": "bogus"}, "discount_type: unknown value 'bogus'"),
    (E.CATEGORY, {**CATEGORY, "image": "nope"}, "image: expected an object"),
])
def test_malformed_records_become_readable_record_errors(entity, record, message):
    with pytest.raises(RecordError) as caught:
        m.to_canonical(entity, record)
    error = caught.value
    assert message in error.message
    assert error.source_id == str(record["id"])
    assert error.excerpt and len(error.excerpt) < 700


def test_record_without_id_or_not_an_object():
    with pytest.raises(RecordError, match="without an id"):
        m.to_canonical(E.PRODUCT, {"name": "x"})
    with pytest.raises(RecordError, match="not a JSON object"):
        m.to_canonical(E.PRODUCT, ["x"])


# --- declarations --------------------------------------------------------------------------------
def test_connector_declarations():
    assert CONNECTOR is WooCommerceConnector and CONNECTOR.platform == "woocommerce"
    caps = CONNECTOR.capabilities
    assert caps.read == caps.write == {E.TAX_CLASS, E.MANUFACTURER, E.CATEGORY, E.PRODUCT, E.CUSTOMER, E.ORDER,
                                       E.REVIEW, E.COUPON}
    assert caps.modified_filter == {E.PRODUCT, E.ORDER, E.COUPON}
    assert caps.languages and caps.batch_size == 100 and caps.page_size == 100
    assert {"price", "stock_quantity", "seo", "category_ids"} <= set(caps.updatable_fields[E.PRODUCT])
    assert {"status", "shipments", "status_history", "customer_note"} <= set(caps.updatable_fields[E.ORDER])
    assert CONNECTOR.default_status_for("on_hold") == "on-hold"
    described = CONNECTOR.describe()
    assert [f["key"] for f in described["credential_fields"]] == ["consumer_key", "consumer_secret"]
    assert "Advanced → REST API" in described["credential_fields"][0]["help"]
    assert [o["key"] for o in described["options"]] == ["clear_target", "clear_scope", "migrate_images"]


def test_entity_urls_point_at_wp_admin():
    connector = WooCommerceConnector(base_url="https://shop.example.com/", credentials={})
    assert connector.entity_url(E.PRODUCT, "12") == "https://shop.example.com/wp-admin/post.php?post=12&action=edit"
    assert connector.entity_url(E.CUSTOMER, "3") == "https://shop.example.com/wp-admin/user-edit.php?user_id=3"
