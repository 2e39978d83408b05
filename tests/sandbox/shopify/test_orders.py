ORDER_FIELDS = """id name processedAt createdAt displayFinancialStatus displayFulfillmentStatus email
  closed closedAt tags discountCodes
  customer { id email }
  billingAddress { city countryCodeV2 } shippingAddress { address1 country }
  subtotalPriceSet { shopMoney { amount currencyCode } }
  totalPriceSet { shopMoney { amount currencyCode } presentmentMoney { amount } }
  totalTaxSet { shopMoney { amount } } totalShippingPriceSet { shopMoney { amount } }
  totalDiscountsSet { shopMoney { amount } }
  taxLines { title rate priceSet { shopMoney { amount } } }
  lineItems(first: 10) { nodes { id title sku quantity variant { id } originalUnitPriceSet { shopMoney { amount } }
    unfulfilledQuantity } }
  shippingLines(first: 5) { nodes { title originalPriceSet { shopMoney { amount } } } }
  transactions { kind status gateway amountSet { shopMoney { amount } } processedAt }
  fulfillments { id name status trackingInfo { company number url } }
  fulfillmentOrders(first: 5) { nodes { id status lineItems(first: 10) { nodes { id remainingQuantity } } } }"""
ORDER_CREATE = f"""mutation($order: OrderCreateOrderInput!, $options: OrderCreateOptionsInput) {{
  orderCreate(order: $order, options: $options) {{ order {{ {ORDER_FIELDS} }} userErrors {{ field message code }} }}
}}"""


def _variant(shop):
    product = shop.data("""mutation { productSet(input: {title: "Tee", productOptions: [{name: "Size", values: [
        {name: "M"}]}], variants: [{optionValues: [{optionName: "Size", name: "M"}], price: "20.00", sku: "TEE-M"}]})
        { product { variants(first: 1) { nodes { id } } } } }""")
    return product["productSet"]["product"]["variants"]["nodes"][0]["id"]


def _money(amount, currency="USD"):
    return {"shopMoney": {"amount": amount, "currencyCode": currency}}


def _historical(variant):
    return {
        "name": "#OLD-1001", "processedAt": "2023-05-04T10:20:30Z", "email": "buyer@example.com",
        "financialStatus": "PAID", "fulfillmentStatus": "FULFILLED", "tags": ["imported"],
        "customer": {"toUpsert": {"email": "buyer@example.com", "firstName": "Ada", "lastName": "Lovelace"}},
        "billingAddress": {"address1": "1 Main St", "city": "Paris", "countryCode": "FR", "zip": "75001"},
        "shippingAddress": {"address1": "1 Main St", "city": "Paris", "countryCode": "FR", "zip": "75001"},
        "lineItems": [{"variantId": variant, "quantity": 2, "priceSet": _money("20.00")},
                      {"title": "Gift wrap", "quantity": 1, "priceSet": _money("5.00"), "requiresShipping": False}],
        "shippingLines": [{"title": "Colissimo", "priceSet": _money("7.50")}],
        "taxLines": [{"title": "TVA", "rate": "0.2", "priceSet": _money("9.00")}],
        "discountCode": {"itemFixedDiscountCode": {"code": "WELCOME5", "amountSet": _money("5.00")}},
        "transactions": [{"kind": "SALE", "status": "SUCCESS", "gateway": "stripe", "amountSet": _money("56.50"),
                          "processedAt": "2023-05-04T10:21:00Z"}],
        "fulfillment": {"locationId": None, "trackingNumber": "1Z999", "trackingCompany": "UPS"},
    }


def test_order_create_historical_import_keeps_name_processed_at_and_statuses(shop):
    variant = _variant(shop)
    location = shop.data("{ locations(first: 1) { nodes { id } } }")["locations"]["nodes"][0]["id"]
    order_input = _historical(variant)
    order_input["fulfillment"]["locationId"] = location
    payload = shop.data(ORDER_CREATE, {"order": order_input})["orderCreate"]
    assert payload["userErrors"] == []
    order = payload["order"]
    assert order["name"] == "#OLD-1001" and order["processedAt"] == "2023-05-04T10:20:30Z"
    assert order["createdAt"] > order["processedAt"]
    assert order["displayFinancialStatus"] == "PAID" and order["displayFulfillmentStatus"] == "FULFILLED"
    assert order["customer"]["email"] == "buyer@example.com"
    assert order["billingAddress"] == {"city": "Paris", "countryCodeV2": "FR"}
    assert order["shippingAddress"]["country"] == "France"
    assert order["subtotalPriceSet"]["shopMoney"] == {"amount": "40.00", "currencyCode": "USD"}
    assert order["totalDiscountsSet"]["shopMoney"]["amount"] == "5.00"
    assert order["totalShippingPriceSet"]["shopMoney"]["amount"] == "7.50"
    assert order["totalTaxSet"]["shopMoney"]["amount"] == "9.00"
    assert order["totalPriceSet"]["shopMoney"]["amount"] == "56.50"
    assert order["discountCodes"] == ["WELCOME5"]
    assert order["taxLines"] == [{"title": "TVA", "rate": 0.2, "priceSet": {"shopMoney": {"amount": "9.00"}}}]
    lines = order["lineItems"]["nodes"]
    assert [(li["title"], li["sku"], li["quantity"]) for li in lines] == [("Tee", "TEE-M", 2), ("Gift wrap", None, 1)]
    assert lines[0]["variant"]["id"] == variant and lines[1]["variant"] is None
    assert order["transactions"] == [{"kind": "SALE", "status": "SUCCESS", "gateway": "stripe",
                                      "amountSet": {"shopMoney": {"amount": "56.50"}},
                                      "processedAt": "2023-05-04T10:21:00Z"}]
    assert order["fulfillments"][0]["trackingInfo"] == [{"company": "UPS", "number": "1Z999", "url": None}]
    assert order["fulfillmentOrders"]["nodes"][0]["status"] == "CLOSED"
    listed = shop.data('{ orders(first: 5, query: "name:#OLD-1001") { nodes { name } } }')
    assert listed["orders"]["nodes"] == [{"name": "#OLD-1001"}]


def test_order_create_user_errors(shop):
    future = shop.data(ORDER_CREATE, {"order": {"processedAt": "2999-01-01T00:00:00Z", "lineItems": [
        {"title": "x", "quantity": 1, "priceSet": _money("1.00")}]}})["orderCreate"]
    assert future["order"] is None
    assert future["userErrors"] == [{"field": ["order", "processedAt"], "message": "Processed at must not be in the "
                                     "future", "code": "PROCESSED_AT_INVALID"}]
    empty = shop.data(ORDER_CREATE, {"order": {"lineItems": []}})["orderCreate"]
    assert empty["userErrors"][0]["field"] == ["order", "lineItems"]
    bad_variant = shop.data(ORDER_CREATE, {"order": {"lineItems": [
        {"variantId": "gid://shopify/ProductVariant/1", "quantity": 1}]}})["orderCreate"]
    assert bad_variant["userErrors"][0]["field"] == ["order", "lineItems", "0", "variantId"]
    # OrderCreateCustomerInput is a OneOf input in Shopify's published schema: both keys fail the variables.
    both = shop(ORDER_CREATE, {"order": {"customer": {"toAssociate": {"id": "gid://shopify/Customer/1"},
                                                      "toUpsert": {"email": "x@example.com"}},
                                         "lineItems": [{"title": "x", "quantity": 1, "priceSet": _money("1.00")}]}})
    assert both["errors"][0]["extensions"]["code"] == "INVALID_VARIABLE"
    assert "OneOf Input Object type 'OrderCreateCustomerInput'" in both["errors"][0]["message"]
    assert shop.data("{ ordersCount { count } }")["ordersCount"]["count"] == 0


def test_fulfillment_create_tracking_is_readable_on_the_order(shop):
    variant = _variant(shop)
    order = shop.data(ORDER_CREATE, {"order": {"lineItems": [{"variantId": variant, "quantity": 3}],
                                               "financialStatus": "PAID"}})["orderCreate"]["order"]
    assert order["name"] == "#1001" and order["displayFulfillmentStatus"] == "UNFULFILLED"
    fo = order["fulfillmentOrders"]["nodes"][0]
    fo_line = fo["lineItems"]["nodes"][0]
    mutation = """mutation($f: FulfillmentInput!) { fulfillmentCreate(fulfillment: $f) {
      fulfillment { id status trackingInfo { company number url } }
      userErrors { field message } } }"""
    too_many = shop.data(mutation, {"f": {"lineItemsByFulfillmentOrder": [{
        "fulfillmentOrderId": fo["id"], "fulfillmentOrderLineItems": [{"id": fo_line["id"], "quantity": 4}]}]}})
    assert too_many["fulfillmentCreate"]["userErrors"][0]["message"] == ("Invalid fulfillment order line item quantity "
                                                                         "requested.")
    partial = shop.data(mutation, {"f": {
        "lineItemsByFulfillmentOrder": [{"fulfillmentOrderId": fo["id"],
                                         "fulfillmentOrderLineItems": [{"id": fo_line["id"], "quantity": 1}]}],
        "trackingInfo": {"company": "DHL Express", "number": "JD0001", "url": "https://dhl.example/JD0001"}}})
    assert partial["fulfillmentCreate"]["userErrors"] == []
    assert partial["fulfillmentCreate"]["fulfillment"]["trackingInfo"] == [
        {"company": "DHL Express", "number": "JD0001", "url": "https://dhl.example/JD0001"}]
    rest = shop.data(mutation, {"f": {"lineItemsByFulfillmentOrder": [{"fulfillmentOrderId": fo["id"]}],
                                      "trackingInfo": {"company": "UPS", "numbers": ["1ZA", "1ZB"]}}})
    assert rest["fulfillmentCreate"]["userErrors"] == []
    read = shop.data(f"query($id: ID!) {{ order(id: $id) {{ {ORDER_FIELDS} }} }}", {"id": order["id"]})["order"]
    assert read["displayFulfillmentStatus"] == "FULFILLED"
    assert [f["trackingInfo"] for f in read["fulfillments"]] == [
        [{"company": "DHL Express", "number": "JD0001", "url": "https://dhl.example/JD0001"}],
        [{"company": "UPS", "number": "1ZA", "url": None}, {"company": "UPS", "number": "1ZB", "url": None}]]
    assert read["fulfillmentOrders"]["nodes"][0]["status"] == "CLOSED"
    assert read["lineItems"]["nodes"][0]["unfulfilledQuantity"] == 0
    closed = shop.data(mutation, {"f": {"lineItemsByFulfillmentOrder": [{"fulfillmentOrderId": fo["id"]}]}})
    assert closed["fulfillmentCreate"]["userErrors"]

    # Nothing is left to fulfill: tracking changes later on a fulfillment (the list is replaced).
    update = """mutation($id: ID!, $t: FulfillmentTrackingInput!) {
      fulfillmentTrackingInfoUpdate(fulfillmentId: $id, trackingInfoInput: $t, notifyCustomer: false) {
      fulfillment { id trackingInfo { company number url } } userErrors { field message } } }"""
    second = read["fulfillments"][1]["id"]
    changed = shop.data(update, {"id": second, "t": {"company": "UPS", "numbers": ["1ZA", "1ZB", "1ZC"],
                                                     "urls": ["https://u/a", "https://u/b", "https://u/c"]}})
    assert changed["fulfillmentTrackingInfoUpdate"]["userErrors"] == []
    again = shop.data(f"query($id: ID!) {{ order(id: $id) {{ {ORDER_FIELDS} }} }}", {"id": order["id"]})["order"]
    assert [t["number"] for t in again["fulfillments"][1]["trackingInfo"]] == ["1ZA", "1ZB", "1ZC"]
    assert again["fulfillments"][1]["trackingInfo"][2]["url"] == "https://u/c"
    assert again["fulfillments"][0]["trackingInfo"] == read["fulfillments"][0]["trackingInfo"]
    missing = shop.data(update, {"id": "gid://shopify/Fulfillment/999999", "t": {"number": "X"}})
    assert missing["fulfillmentTrackingInfoUpdate"] == {
        "fulfillment": None, "userErrors": [{"field": ["fulfillmentId"], "message": "Fulfillment does not exist."}]}


def test_order_mark_as_paid_and_cancel(shop):
    """orderMarkAsPaid records the outstanding amount; orderCancel closes the order, refunds when asked,
    voids an unpaid one, and cannot run twice."""
    def create(financial):
        return shop.data(ORDER_CREATE, {"order": {
            "financialStatus": financial, "lineItems": [{"title": "x", "quantity": 2, "priceSet": _money("3.00")}],
            **({"transactions": [{"kind": "SALE", "status": "SUCCESS", "amountSet": _money("6.00")}]}
               if financial == "PAID" else {})}})["orderCreate"]["order"]

    mark = """mutation($i: OrderMarkAsPaidInput!) { orderMarkAsPaid(input: $i) {
        order { displayFinancialStatus transactions { kind amountSet { shopMoney { amount } } } }
        userErrors { field message } } }"""
    pending = create("PENDING")
    paid = shop.data(mark, {"i": {"id": pending["id"]}})["orderMarkAsPaid"]
    assert paid["userErrors"] == [] and paid["order"]["displayFinancialStatus"] == "PAID"
    assert [(t["kind"], t["amountSet"]["shopMoney"]["amount"]) for t in paid["order"]["transactions"]] == [
        ("SALE", "6.00")]
    assert shop.data(mark, {"i": {"id": pending["id"]}})["orderMarkAsPaid"] == {
        "order": None, "userErrors": [{"field": ["id"], "message": "Order cannot be marked as paid."}]}

    cancel = """mutation($id: ID!, $refund: OrderCancelRefundMethodInput) {
        orderCancel(orderId: $id, reason: OTHER, restock: false, notifyCustomer: false, refundMethod: $refund,
                    staffNote: "cancelled on the old store") {
          job { id done } orderCancelUserErrors { field message code } } }"""
    read = f"query($id: ID!) {{ order(id: $id) {{ cancelledAt cancelReason {ORDER_FIELDS} }} }}"
    refunded = shop.data(cancel, {"id": pending["id"], "refund": {"originalPaymentMethodsRefund": True}})
    assert refunded["orderCancel"]["orderCancelUserErrors"] == [] and refunded["orderCancel"]["job"]["done"]
    order = shop.data(read, {"id": pending["id"]})["order"]
    assert order["cancelledAt"] and order["cancelReason"] == "OTHER" and order["closed"]
    assert order["displayFinancialStatus"] == "REFUNDED"
    assert [t["kind"] for t in order["transactions"]] == ["SALE", "REFUND"]
    assert order["fulfillmentOrders"]["nodes"][0]["status"] == "CANCELLED"
    twice = shop.data(cancel, {"id": pending["id"]})["orderCancel"]
    assert twice["job"] is None and twice["orderCancelUserErrors"][0]["code"] == "INVALID"

    unpaid = create("PENDING")
    assert shop.data(cancel, {"id": unpaid["id"]})["orderCancel"]["orderCancelUserErrors"] == []
    assert shop.data(read, {"id": unpaid["id"]})["order"]["displayFinancialStatus"] == "VOIDED"
    kept = create("PAID")
    assert shop.data(cancel, {"id": kept["id"]})["orderCancel"]["orderCancelUserErrors"] == []
    assert shop.data(read, {"id": kept["id"]})["order"]["displayFinancialStatus"] == "PAID"
    shipped = shop.data(ORDER_CREATE, {"order": {"financialStatus": "PAID", "fulfillmentStatus": "FULFILLED",
                                                 "lineItems": [{"title": "x", "quantity": 1,
                                                                "priceSet": _money("3.00")}]}})["orderCreate"]["order"]
    refused = shop.data(cancel, {"id": shipped["id"]})["orderCancel"]["orderCancelUserErrors"]
    assert [e["code"] for e in refused] == ["INVALID"] and not shop.data(read, {"id": shipped["id"]})["order"][
        "cancelledAt"]
    missing = shop.data(cancel, {"id": "gid://shopify/Order/999999"})["orderCancel"]
    assert missing["orderCancelUserErrors"] == [{"field": ["orderId"], "message": "Order does not exist",
                                                 "code": "NOT_FOUND"}]


def test_refund_create_refunds_money_against_a_parent_transaction(shop):
    shipped = shop.data(ORDER_CREATE, {"order": {
        "financialStatus": "PAID", "fulfillmentStatus": "FULFILLED",
        "lineItems": [{"title": "x", "quantity": 2, "priceSet": _money("5.00")}],
        "transactions": [{"kind": "SALE", "status": "SUCCESS", "gateway": "stripe", "amountSet": _money("10.00")}],
    }})["orderCreate"]["order"]
    sale = shipped["transactions"][0]
    sale_id = shop.data("query($id: ID!) { order(id: $id) { transactions { id } } }",
                        {"id": shipped["id"]})["order"]["transactions"][0]["id"]
    refund = """mutation($i: RefundInput!) { refundCreate(input: $i) {
        refund { id note totalRefundedSet { shopMoney { amount } } }
        order { displayFinancialStatus displayFulfillmentStatus cancelledAt totalRefundedSet { shopMoney { amount } } }
        userErrors { field message } } }"""

    def tx(amount, parent=sale_id, kind="REFUND"):
        return {"orderId": shipped["id"], "parentId": parent, "amount": amount, "gateway": sale["gateway"],
                "kind": kind}

    too_much = shop.data(refund, {"i": {"orderId": shipped["id"], "transactions": [tx("10.01")]}})["refundCreate"]
    assert too_much["refund"] is None and too_much["userErrors"][0]["field"] == ["input", "transactions"]
    orphan = shop.data(refund, {"i": {"orderId": shipped["id"], "transactions": [tx("1.00", parent=shipped["id"])]}})
    assert orphan["refundCreate"]["userErrors"] == [
        {"field": ["input", "transactions", "0", "parentId"], "message": "Parent transaction does not exist."}]
    part = shop.data(refund, {"i": {"orderId": shipped["id"], "note": "damaged", "transactions": [tx("4.00")]}})
    assert part["refundCreate"]["userErrors"] == []
    assert part["refundCreate"]["refund"]["note"] == "damaged"
    assert part["refundCreate"]["order"]["displayFinancialStatus"] == "PARTIALLY_REFUNDED"
    rest = shop.data(refund, {"i": {"orderId": shipped["id"], "transactions": [tx("6.00")]}})["refundCreate"]
    assert rest["userErrors"] == [] and rest["refund"]["totalRefundedSet"]["shopMoney"]["amount"] == "6.00"
    assert rest["order"] == {"displayFinancialStatus": "REFUNDED", "displayFulfillmentStatus": "FULFILLED",
                             "cancelledAt": None, "totalRefundedSet": {"shopMoney": {"amount": "10.00"}}}


def test_order_update_and_delete(shop):
    order = shop.data(ORDER_CREATE, {"order": {"lineItems": [{"title": "x", "quantity": 1,
                                                              "priceSet": _money("3.00")}]}})["orderCreate"]["order"]
    updated = shop.data("""mutation($i: OrderInput!) { orderUpdate(input: $i) { order { note tags email }
        userErrors { field message } } }""", {"i": {"id": order["id"], "note": "n", "tags": ["b", "a"],
                                                  "email": "z@example.com"}})["orderUpdate"]
    assert updated == {"order": {"note": "n", "tags": ["a", "b"], "email": "z@example.com"}, "userErrors": []}
    invalid = shop.data("""mutation($i: OrderInput!) { orderUpdate(input: $i) { userErrors { field message } } }""",
                        {"i": {"id": order["id"], "email": "nope"}})
    assert invalid["orderUpdate"]["userErrors"] == [{"field": ["email"], "message": "Email is invalid"}]
    deleted = shop.data("mutation($id: ID!) { orderDelete(orderId: $id) { deletedId userErrors { code } } }",
                        {"id": order["id"]})
    assert deleted["orderDelete"] == {"deletedId": order["id"], "userErrors": []}


def test_customer_create_update_delete_and_user_errors(shop):
    create = """mutation($i: CustomerInput!) { customerCreate(input: $i) {
      customer { id email firstName tags addresses { city countryCodeV2 country } defaultAddress { city }
        emailMarketingConsent { marketingState } }
      userErrors { field message } } }"""
    made = shop.data(create, {"i": {"email": "Ada@Example.com", "firstName": "Ada", "tags": ["vip"],
                                    "addresses": [{"address1": "1 A St", "city": "Berlin", "countryCode": "DE"}],
                                    "emailMarketingConsent": {"marketingState": "SUBSCRIBED"}}})["customerCreate"]
    assert made["userErrors"] == []
    customer = made["customer"]
    assert customer["addresses"] == [{"city": "Berlin", "countryCodeV2": "DE", "country": "Germany"}]
    assert customer["emailMarketingConsent"] == {"marketingState": "SUBSCRIBED"}
    taken = shop.data(create, {"i": {"email": "ada@example.com"}})["customerCreate"]
    assert taken == {"customer": None, "userErrors": [{"field": ["email"], "message": "Email has already been taken"}]}
    invalid = shop.data(create, {"i": {"email": "not-an-email"}})["customerCreate"]
    assert invalid["userErrors"] == [{"field": ["email"], "message": "Email is invalid"}]
    update = """mutation($i: CustomerInput!) { customerUpdate(input: $i) { customer { firstName note }
      userErrors { field message } } }"""
    assert shop.data(update, {"i": {"id": customer["id"], "firstName": "Augusta", "note": "hi"}})["customerUpdate"] == {
        "customer": {"firstName": "Augusta", "note": "hi"}, "userErrors": []}
    missing = shop.data(update, {"i": {"id": "gid://shopify/Customer/1", "note": "x"}})["customerUpdate"]
    assert missing["userErrors"] == [{"field": ["id"], "message": "Customer does not exist"}]
    order = shop.data(ORDER_CREATE, {"order": {"customer": {"toAssociate": {"id": customer["id"]}}, "lineItems": [
        {"title": "x", "quantity": 1, "priceSet": _money("3.00")}]}})["orderCreate"]["order"]
    assert order["customer"]["id"] == customer["id"] and order["email"] == "ada@example.com"
    delete = """mutation($id: ID!) { customerDelete(input: {id: $id}) { deletedCustomerId userErrors { field } } }"""
    blocked = shop.data(delete, {"id": customer["id"]})["customerDelete"]
    assert blocked["deletedCustomerId"] is None and blocked["userErrors"] == [{"field": ["id"]}]
    shop.data("mutation($id: ID!) { orderDelete(orderId: $id) { deletedId } }", {"id": order["id"]})
    assert shop.data(delete, {"id": customer["id"]})["customerDelete"]["deletedCustomerId"] == customer["id"]
    counts = shop.data("{ customersCount { count } customer: customers(first: 1) { nodes { id numberOfOrders } } }")
    assert counts["customersCount"]["count"] == 0
