"""The fields third-party readers ask for beyond the connector's (schema_*.graphql: more_catalog, more_orders,
fulfillment_orders, events, checkouts), over real HTTP: each answers from the shop's records; what the sandbox
does not serve still answers `notServedBySandbox`."""
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from sandbox.models import SandboxRecord, SandboxStore
from sandbox.services import sandbox_store_set_throttle
from sandbox.shopify.more_catalog import time_in_words
from tests.sandbox.shopify.conftest import ShopifyClient

pytestmark = pytest.mark.django_db(transaction=True)


def _rows(resource, store="seeded-shop"):
    return list(SandboxRecord.objects.filter(store__name=store, resource=resource).order_by("record_id"))


def _amount(bag):
    return Decimal(bag["shopMoney"]["amount"])


def test_time_in_words_follows_rails_distance_of_time_in_words():
    start = datetime(2014, 5, 1, tzinfo=UTC)
    assert time_in_words(start, datetime(2026, 6, 1, tzinfo=UTC)) == "about 12 years"
    assert time_in_words(start, datetime(2014, 5, 1, 0, 30, tzinfo=UTC)) == "30 minutes"
    assert time_in_words(start, datetime(2014, 5, 3, tzinfo=UTC)) == "2 days"
    assert time_in_words(start, datetime(2014, 9, 1, tzinfo=UTC)) == "4 months"
    assert time_in_words(start, datetime(2015, 11, 1, tzinfo=UTC)) == "over 1 year"
    assert time_in_words(start, datetime(2016, 3, 1, tzinfo=UTC)) == "almost 2 years"


def test_order_payment_fields_follow_its_transactions(seeded_shop):
    data = seeded_shop.data("""{ orders(first: 50) { nodes { id number displayFinancialStatus totalPriceSet { shopMoney
        { amount } } totalReceivedSet { shopMoney { amount } } netPaymentSet { shopMoney { amount } }
        totalOutstandingSet { shopMoney { amount } } totalCapturableSet { shopMoney { amount } } capturable unpaid
        canMarkAsPaid refundable paymentGatewayNames transactionsCount { count } fulfillmentsCount { count }
        subtotalLineItemsQuantity statusPageUrl merchantBusinessEntity { displayName primary address { countryCode } }
        disputes { id } returnStatus } } }""")
    stored = {row.record_id: row.data for row in _rows("orders")}
    nodes = data["orders"]["nodes"]
    assert len(nodes) == len(stored) and {"PAID", "PARTIALLY_REFUNDED"} <= {n["displayFinancialStatus"] for n in nodes}
    for node in nodes:
        d = stored[int(node["id"].rsplit("/", 1)[-1])]
        done = [t for t in d["transactions"] if t["status"] == "SUCCESS"]
        received = sum((Decimal(t["amount"]) for t in done if t["kind"] in ("SALE", "CAPTURE")), Decimal(0))
        refunded = sum((Decimal(t["amount"]) for t in done if t["kind"] == "REFUND"), Decimal(0))
        authorized = sum((Decimal(t["amount"]) for t in done if t["kind"] == "AUTHORIZATION"), Decimal(0))
        assert node["number"] == d["number"]
        assert _amount(node["totalReceivedSet"]) == received and _amount(node["netPaymentSet"]) == received - refunded
        assert _amount(node["totalCapturableSet"]) == (0 if d.get("cancelledAt") else authorized)
        assert node["capturable"] == (_amount(node["totalCapturableSet"]) > 0)
        assert node["unpaid"] == (received == 0) and node["refundable"] == (received - refunded > 0)
        outstanding = Decimal(0) if d.get("cancelledAt") else _amount(node["totalPriceSet"]) - received
        assert _amount(node["totalOutstandingSet"]) == max(Decimal(0), outstanding)
        assert node["canMarkAsPaid"] == (d["financialStatus"] in ("PENDING", "AUTHORIZED", "PARTIALLY_PAID")
                                         and not d.get("cancelledAt"))
        assert node["paymentGatewayNames"] == list(dict.fromkeys(t["gateway"] for t in d["transactions"]))
        assert node["transactionsCount"]["count"] == len(d["transactions"])
        assert node["fulfillmentsCount"]["count"] == len(d["fulfillments"])
        assert node["subtotalLineItemsQuantity"] == sum(li["quantity"] for li in d["lineItems"])
        assert node["statusPageUrl"].startswith("https://seeded-shop.myshopify.com/")
        assert node["merchantBusinessEntity"]["primary"] and node["disputes"] == []
        assert node["returnStatus"] == "NO_RETURN"


def test_line_discounts_unfulfilled_totals_and_shipping_lines(shopify_store_factory):
    shop = ShopifyClient(shopify_store_factory("coupon-shop", products=6, customers=5, orders=40, seed=4))
    store = SandboxStore.objects.get(platform="shopify", name="coupon-shop")
    sandbox_store_set_throttle(store, restore_rate=100000, bucket_size=200000)
    store.refresh_from_db()
    store.settings = {**store.settings, "throttle": {**store.settings["throttle"], "max_query_cost": 10**6}}
    store.save(update_fields=["settings"])
    data = shop.data("""{ orders(first: 40) { nodes { id shippingLine { phone custom isRemoved
        currentDiscountedPriceSet { shopMoney { amount } } discountedPriceSet { shopMoney { amount } } }
        lineItems(first: 4) { nodes { id unfulfilledQuantity originalUnitPriceSet { shopMoney { amount } }
        unfulfilledOriginalTotalSet { shopMoney { amount } } discountAllocations { allocatedAmountSet { shopMoney
        { amount } } discountApplication { index ... on DiscountCodeApplication { code } } } } } } } }""")
    stored = {row.record_id: row.data for row in _rows("orders", "coupon-shop")}
    discounted = 0
    for node in data["orders"]["nodes"]:
        d = stored[int(node["id"].rsplit("/", 1)[-1])]
        assert node["shippingLine"]["currentDiscountedPriceSet"] == node["shippingLine"]["discountedPriceSet"]
        assert node["shippingLine"]["phone"] == d["shippingAddress"]["phone"]
        assert not node["shippingLine"]["custom"] and not node["shippingLine"]["isRemoved"]
        lines = {li["id"]: li for li in d["lineItems"]}
        for line in node["lineItems"]["nodes"]:
            raw = lines[int(line["id"].rsplit("/", 1)[-1])]
            assert _amount(line["unfulfilledOriginalTotalSet"]) == \
                _amount(line["originalUnitPriceSet"]) * line["unfulfilledQuantity"]
            if Decimal(raw["discount"]) > 0:
                discounted += 1
                [allocation] = line["discountAllocations"]
                assert _amount(allocation["allocatedAmountSet"]) == Decimal(raw["discount"])
                assert allocation["discountApplication"]["code"] == d["discountCodes"][0]
            else:
                assert line["discountAllocations"] == []
    assert discounted  # the seed gives some orders a coupon


def test_fulfillment_orders_list_filters_and_includes_closed_on_request(seeded_shop):
    query = """query($closed: Boolean, $q: String) { fulfillmentOrders(first: 50, includeClosed: $closed,
        query: $q, sortKey: UPDATED_AT) { nodes { id status orderId requestStatus orderProcessedAt
        supportedActions { action } destination { city countryCode email } deliveryMethod { methodType
        presentedName } fulfillments(first: 5) { nodes { id } } } } }"""
    orders = {row.group_id: row for row in _rows("orders")}
    every = seeded_shop.data(query, {"closed": True})["fulfillmentOrders"]["nodes"]
    assert {int(n["id"].rsplit("/", 1)[-1]) for n in every} == set(orders)
    open_only = seeded_shop.data(query, {})["fulfillmentOrders"]["nodes"]
    assert {n["id"] for n in open_only} == {n["id"] for n in every if n["status"] not in ("CLOSED", "CANCELLED")}
    assert 0 < len(open_only) < len(every)
    for node in every:
        row = orders[int(node["id"].rsplit("/", 1)[-1])]
        assert node["orderId"] == f"gid://shopify/Order/{row.record_id}"
        assert node["orderProcessedAt"] == row.data["processedAt"] and node["requestStatus"] == "UNSUBMITTED"
        assert node["destination"]["city"] == row.data["shippingAddress"]["city"]
        assert node["deliveryMethod"]["presentedName"] == row.data["shippingLines"][0]["title"]
        assert len(node["fulfillments"]["nodes"]) == len(row.data["fulfillments"])
        assert [a["action"] for a in node["supportedActions"]] == (
            ["CREATE_FULFILLMENT"] if node["status"] == "OPEN" else [])
    one = every[0]["id"]
    found = seeded_shop.data(query, {"closed": True, "q": f"id:{one.rsplit('/', 1)[-1]}"})
    assert [n["id"] for n in found["fulfillmentOrders"]["nodes"]] == [one]


def test_events_log_the_seeded_creations_and_filter_by_subject_type(seeded_shop):
    query = """query($q: String) { events(first: 250, query: $q, sortKey: CREATED_AT) { nodes { id action message
        createdAt ... on BasicEvent { subjectId subjectType } } } }"""
    nodes = seeded_shop.data(query)["events"]["nodes"]
    subjects = {f"gid://shopify/Product/{r.record_id}" for r in _rows("products")} | \
        {f"gid://shopify/Collection/{r.record_id}" for r in _rows("collections")} | \
        {f"gid://shopify/Order/{r.record_id}" for r in _rows("orders")}
    assert {n["subjectId"] for n in nodes} == subjects and len(nodes) == len(subjects)
    assert [n["createdAt"] for n in nodes] == sorted(n["createdAt"] for n in nodes)
    assert {n["action"] for n in nodes} == {"create"}
    products = seeded_shop.data(query, {"q": "subject_type:PRODUCT"})["events"]["nodes"]
    assert {n["subjectType"] for n in products} == {"PRODUCT"} and len(products) == len(_rows("products"))


def test_abandoned_checkouts_totals_add_up_from_their_lines(seeded_shop):
    nodes = seeded_shop.data("""{ abandonedCheckouts(first: 10) { nodes { id name abandonedCheckoutUrl completedAt
        customer { id } subtotalPriceSet { shopMoney { amount } } totalTaxSet { shopMoney { amount } }
        totalPriceSet { shopMoney { amount } } lineItems(first: 3) { nodes { quantity sku
        originalUnitPriceSet { shopMoney { amount } } originalTotalPriceSet { shopMoney { amount } }
        variant { sku } } } } } }""")["abandonedCheckouts"]["nodes"]
    assert len(nodes) == len(_rows("abandoned_checkouts")) == 15 // 4
    for node in nodes:
        lines = node["lineItems"]["nodes"]
        assert lines and all(li["variant"]["sku"] == li["sku"] for li in lines)
        assert all(_amount(li["originalTotalPriceSet"]) == _amount(li["originalUnitPriceSet"]) * li["quantity"]
                   for li in lines)
        assert _amount(node["subtotalPriceSet"]) == sum(_amount(li["originalTotalPriceSet"]) for li in lines)
        assert _amount(node["totalPriceSet"]) == _amount(node["subtotalPriceSet"]) + _amount(node["totalTaxSet"])
        assert node["completedAt"] is None and node["abandonedCheckoutUrl"].startswith("https://seeded-shop.")


def test_customer_and_product_fields_from_their_records(seeded_shop):
    data = seeded_shop.data("""{ customers(first: 10) { nodes { id phone lastOrder { id createdAt }
        smsMarketingConsent { marketingState } lifetimeDuration validEmailAddress productSubscriberStatus
        defaultAddress { formattedArea coordinatesValidated latitude } } }
        products(first: 12) { nodes { id compareAtPriceRange { minVariantCompareAtPrice { amount }
        maxVariantCompareAtPrice { amount } } hasVariantsThatRequiresComponents
        media(first: 3) { nodes { mediaErrors { code } mediaWarnings { code } } } } } }""")
    orders = _rows("orders")
    for node in data["customers"]["nodes"]:
        cid = int(node["id"].rsplit("/", 1)[-1])
        theirs = sorted((o for o in orders if o.parent_id == cid), key=lambda o: o.date_created_gmt)
        last = f"gid://shopify/Order/{theirs[-1].record_id}" if theirs else None
        assert (node["lastOrder"] or {}).get("id") == last
        assert (node["smsMarketingConsent"] is None) == (node["phone"] is None)
        assert node["validEmailAddress"] and node["productSubscriberStatus"] == "NEVER_SUBSCRIBED"
        assert node["lifetimeDuration"] and not node["defaultAddress"]["coordinatesValidated"]
    variants = _rows("variants")
    for node in data["products"]["nodes"]:
        pid = int(node["id"].rsplit("/", 1)[-1])
        prices = [Decimal(v.data["compareAtPrice"]) for v in variants if v.parent_id == pid
                  and v.data.get("compareAtPrice")]
        rng = node["compareAtPriceRange"]
        assert (rng is None) == (not prices)
        if prices:
            assert Decimal(rng["minVariantCompareAtPrice"]["amount"]) == min(prices)
            assert Decimal(rng["maxVariantCompareAtPrice"]["amount"]) == max(prices)
        assert all(m["mediaErrors"] == [] and m["mediaWarnings"] == [] for m in node["media"]["nodes"])


def test_a_field_shopify_has_and_the_sandbox_does_not_serve_still_answers_not_served(seeded_shop):
    body = seeded_shop("{ orders(first: 1) { nodes { returns(first: 1) { nodes { id } } } } }")
    assert body["errors"][0]["extensions"]["code"] == "notServedBySandbox"
    assert body["errors"][0]["extensions"]["fieldName"] == "returns"
