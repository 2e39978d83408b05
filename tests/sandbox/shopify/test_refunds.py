"""Order transactions and refunds of the Shopify sandbox over real HTTP: orderCreate's transactions,
refundCreate with line items (quantities checked, subtotals after discounts, restock type, shipping,
`processedAt`), the `Refund` / `RefundLineItem` / `OrderTransaction` objects as Shopify's published schema
names their fields (what tap-shopify's transactions and order_refunds streams select), and the REST reads
`orders/{id}/refunds.json` and `orders/{id}/transactions.json`."""
import pytest
import requests

from .conftest import VERSION

pytestmark = pytest.mark.django_db(transaction=True)

MONEY = "{ shopMoney { amount currencyCode } presentmentMoney { amount currencyCode } }"
ORDER_CREATE = """mutation($order: OrderCreateOrderInput!) { orderCreate(order: $order) {
    order { id lineItems(first: 5) { nodes { id } } transactions { id kind gateway } }
    userErrors { field message } } }"""
REFUND = f"""mutation($i: RefundInput!) {{ refundCreate(input: $i) {{
    refund {{ id note processedAt totalRefundedSet {MONEY}
      refundLineItems(first: 5) {{ nodes {{ quantity restockType restocked subtotalSet {MONEY} totalTaxSet {MONEY}
        lineItem {{ id }} }} }}
      refundShippingLines(first: 2) {{ nodes {{ subtotalAmountSet {MONEY} }} }}
      transactions(first: 2) {{ nodes {{ kind amountSet {MONEY} processedAt parentTransaction {{ id kind }} }} }} }}
    order {{ displayFinancialStatus }} userErrors {{ field message }} }} }}"""


def _money(amount: str) -> dict:
    return {"shopMoney": {"amount": amount, "currencyCode": "EUR"}}


def _order(shop) -> dict:
    made = shop.data(ORDER_CREATE, {"order": {
        "currency": "EUR", "processedAt": "2024-02-01T10:00:00Z",
        "lineItems": [{"title": "Mug", "quantity": 3, "priceSet": _money("12.00")},
                      {"title": "Tee", "quantity": 1, "priceSet": _money("20.00")}],
        "shippingLines": [{"title": "Post", "priceSet": _money("5.00")}],
        "discountCode": {"itemFixedDiscountCode": {"code": "TEN", "amountSet": _money("5.60")}},
        "transactions": [{"kind": "SALE", "status": "SUCCESS", "gateway": "stripe", "amountSet": _money("55.40"),
                          "authorizationCode": "ch_1", "processedAt": "2024-02-01T10:01:00Z"}]}})["orderCreate"]
    assert made["userErrors"] == []
    return made["order"]


def test_refund_create_records_lines_shipping_and_date_and_the_order_lists_it(shop):
    order = _order(shop)
    mug, tee = (n["id"] for n in order["lineItems"]["nodes"])
    sale = order["transactions"][0]

    def refund(**fields):
        return shop.data(REFUND, {"i": {"orderId": order["id"], "transactions": [
            {"orderId": order["id"], "parentId": sale["id"], "kind": "REFUND", "gateway": "stripe",
             "amount": fields.pop("amount", "10.00")}], **fields}})["refundCreate"]

    too_many = refund(refundLineItems=[{"lineItemId": mug, "quantity": 4}])
    assert too_many["refund"] is None and too_many["userErrors"][0]["field"] == [
        "input", "refundLineItems", "0", "quantity"]
    future = refund(processedAt="2999-01-01T00:00:00Z")
    assert future["refund"] is None and future["userErrors"][0]["field"] == ["input", "processedAt"]

    made = refund(note="Broken", amount="16.30", processedAt="2024-03-05T08:00:00Z", shipping={"amount": "5.00"},
                  refundLineItems=[{"lineItemId": mug, "quantity": 1, "restockType": "NO_RESTOCK"}])
    assert made["userErrors"] == [] and made["order"]["displayFinancialStatus"] == "PARTIALLY_REFUNDED"
    done = made["refund"]
    assert (done["note"], done["processedAt"]) == ("Broken", "2024-03-05T08:00:00Z")
    assert done["totalRefundedSet"]["shopMoney"] == {"amount": "16.30", "currencyCode": "EUR"}
    [line] = done["refundLineItems"]["nodes"]
    # 36.00 of mugs less their share of the 5.60 discount (3.60): 32.40 for three, 10.80 for one; the tee 18.00
    assert (line["quantity"], line["restockType"], line["restocked"], line["lineItem"]["id"]) == (
        1, "NO_RESTOCK", False, mug)
    assert line["subtotalSet"]["shopMoney"]["amount"] == "10.80"
    assert done["refundShippingLines"]["nodes"][0]["subtotalAmountSet"]["shopMoney"]["amount"] == "5.00"
    [money] = done["transactions"]["nodes"]
    assert money["kind"] == "REFUND" and money["processedAt"] == "2024-03-05T08:00:00Z"
    assert money["parentTransaction"] == {"id": sale["id"], "kind": "SALE"}

    again = refund(refundLineItems=[{"lineItemId": mug, "quantity": 3}])  # only two mugs are left to refund
    assert again["refund"] is None and "2 left" in again["userErrors"][0]["message"]
    assert refund(amount="39.10", refundLineItems=[{"lineItemId": tee, "quantity": 1}])["userErrors"] == []

    read = shop.data(f"""query($id: ID!) {{ order(id: $id) {{ displayFinancialStatus totalRefundedSet {MONEY}
        transactions(first: 5) {{ id kind status gateway formattedGateway authorizationCode processedAt createdAt test
          amountSet {MONEY} amountV2 {{ amount currencyCode }} manualPaymentGateway manuallyCapturable
          multiCapturable paymentId order {{ id }} parentTransaction {{ id }} fees {{ id }} paymentDetails {{
          ... on CardPaymentDetails {{ number }} }} shopifyPaymentsSet {{ refundSet {{ acquirerReferenceNumber }} }}
          totalUnsettledSet {MONEY} maximumRefundableV2 {{ amount }} errorCode receiptJson }}
        refunds(first: 5) {{ id legacyResourceId note createdAt updatedAt order {{ id }}
          orderAdjustments(first: 5) {{ nodes {{ id }} }}
          refundLineItems(first: 5) {{ nodes {{ quantity lineItem {{ id }} }} }} }} }} }}""", {"id": order["id"]})
    assert read["order"]["displayFinancialStatus"] == "REFUNDED"
    assert read["order"]["totalRefundedSet"]["shopMoney"]["amount"] == "55.40"
    kinds = [(t["kind"], t["amountSet"]["shopMoney"]["amount"], (t["parentTransaction"] or {}).get("id"))
             for t in read["order"]["transactions"]]
    assert kinds == [("SALE", "55.40", None), ("REFUND", "16.30", sale["id"]), ("REFUND", "39.10", sale["id"])]
    first = read["order"]["transactions"][0]
    assert (first["authorizationCode"], first["manualPaymentGateway"], first["order"]) == (
        "ch_1", False, {"id": order["id"]})
    assert [r["note"] for r in read["order"]["refunds"]] == ["Broken", None]
    assert [[(n["quantity"], n["lineItem"]["id"]) for n in r["refundLineItems"]["nodes"]]
            for r in read["order"]["refunds"]] == [[(1, mug)], [(1, tee)]]

    base = f"{shop.described['base_url']}/admin/api/{VERSION}/orders/{order['id'].rsplit('/', 1)[1]}"
    headers = {"X-Shopify-Access-Token": shop.token}
    rest = requests.get(f"{base}/refunds.json", headers=headers, timeout=15).json()["refunds"]
    assert [(r["note"], [(li["quantity"], li["restock_type"], li["subtotal"]) for li in r["refund_line_items"]])
            for r in rest] == [("Broken", [(1, "no_restock", 10.8)]), (None, [(1, "no_restock", 18.0)])]
    transactions = requests.get(f"{base}/transactions.json", headers=headers, timeout=15).json()["transactions"]
    assert [(t["kind"], t["amount"], t["parent_id"]) for t in transactions] == [
        ("sale", "55.40", None), ("refund", "16.30", int(sale["id"].rsplit("/", 1)[1])),
        ("refund", "39.10", int(sale["id"].rsplit("/", 1)[1]))]


def test_seeded_refund_transactions_show_as_refunds(seeded_shop):
    data = seeded_shop.data(f"""{{ orders(first: 15) {{ nodes {{ displayFinancialStatus totalRefundedSet {MONEY}
        refunds {{ totalRefundedSet {MONEY} transactions(first: 3) {{ nodes {{ kind }} }} }} }} }} }}""")
    refunded = [o for o in data["orders"]["nodes"] if o["displayFinancialStatus"] in ("REFUNDED", "PARTIALLY_REFUNDED")]
    assert refunded
    for order in refunded:
        assert order["refunds"] and all(t["kind"] == "REFUND" for r in order["refunds"]
                                        for t in r["transactions"]["nodes"])
        assert sum(float(r["totalRefundedSet"]["shopMoney"]["amount"]) for r in order["refunds"]) == float(
            order["totalRefundedSet"]["shopMoney"]["amount"])
