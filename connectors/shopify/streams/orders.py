"""Orders: `orders`, keyed by number (Shopify's name without "#"), filtered server-side by `updated_at`,
created with orderCreate (inventory bypassed, no receipts); orderCreate's fulfillment takes one tracking number
and no URL, so the others and the URLs are set on that fulfillment right after.

Field patches (smart update) and whole writes again: orderUpdate (email, note, shipping address) plus, for
`status`, the mutations of `order_status.status_plan`, and new tracking numbers on a fulfillment.
"""
from __future__ import annotations

from typing import Any

from connectors.base import WriteResult
from connectors.entities import Canonical, EntityType, Order, Shipment
from connectors.sdk.graphql import Op

from .. import mappers, payments
from ..mappers import gid, legacy
from .base import ShopifyStream
from .order_status import StatusPlan, status_plan

MONEY = "{ shopMoney { amount currencyCode } }"
ORDER_LINES = 10
# An order's shipping lines, transactions and fulfillments with their tracking, as read in a list page;
# `complete_lists` reads them again, whole, for an order that fills one of these lists.
ORDER_LIST_ITEMS = 5
CLOSED_FO = frozenset({"CLOSED", "CANCELLED", "INCOMPLETE"})  # fulfillment orders nothing can be fulfilled on
# What an order has left to fulfill, line by line (`line_fulfillment_ops`): ~710 points.
FULFILLABLE = """query($id: ID!) { order(id: $id) { id lineItems(first: 100) { nodes { id } }
    fulfillmentOrders(first: 3) { nodes { id status
      lineItems(first: 100) { nodes { id remainingQuantity lineItem { id } } } } } } }"""
LINE_FIELDS = f"""id name title sku quantity originalUnitPriceSet {MONEY} originalTotalSet {MONEY}
    discountedTotalSet {MONEY} variant {{ id product {{ id hasOnlyDefaultVariant }} }}"""


def order_lists(shipping: int, transactions: int, fulfillments: int, tracking: int) -> str:
    return f"""shippingLines(first: {shipping}) {{ pageInfo {{ hasNextPage }} nodes {{ title code
    originalPriceSet {MONEY} }} }}
  transactions(first: {transactions}) {{ {payments.TRANSACTION_FIELDS} }}
  fulfillments(first: {fulfillments}) {{ createdAt trackingInfo(first: {tracking}) {{ company number url }} }}"""


ORDER_FIELDS = f"""id name email note createdAt updatedAt processedAt cancelledAt currencyCode
  displayFinancialStatus displayFulfillmentStatus discountCodes
  customer {{ id }}
  billingAddress {{ firstName lastName company address1 address2 city provinceCode zip countryCodeV2 phone }}
  shippingAddress {{ firstName lastName company address1 address2 city provinceCode zip countryCodeV2 phone }}
  subtotalPriceSet {MONEY} totalPriceSet {MONEY} totalTaxSet {MONEY} totalShippingPriceSet {MONEY}
  totalDiscountsSet {MONEY}
  taxLines {{ title rate priceSet {MONEY} }}
  lineItems(first: {ORDER_LINES}) {{ pageInfo {{ hasNextPage }} nodes {{ {LINE_FIELDS} }} }}
  refunds(first: 1) {{ id }}
  {order_lists(3, ORDER_LIST_ITEMS, ORDER_LIST_ITEMS, ORDER_LIST_ITEMS)}"""


def fills_a_list(order: dict[str, Any]) -> bool:
    """Whether a list page may have cut one of the order's lists short (see ORDER_LIST_ITEMS)."""
    if ((order.get("shippingLines") or {}).get("pageInfo") or {}).get("hasNextPage"):
        return True
    fulfillments = order.get("fulfillments") or []
    return (len(order.get("transactions") or []) >= ORDER_LIST_ITEMS or len(fulfillments) >= ORDER_LIST_ITEMS
            or any(len(f.get("trackingInfo") or []) >= ORDER_LIST_ITEMS for f in fulfillments))


class ShopifyOrderStream(ShopifyStream):
    entity = EntityType.ORDER
    list_field, count_field, node_type = "orders", "ordersCount", "Order"
    max_first = 5
    sort_updated = True
    natural_key_fields = ("number",)
    cursor_field = "updatedAt"  # search `updated_at:>=`
    page_size = 25
    updatable = {
        "status": ("orderMarkAsPaid", "fulfillmentCreate", "orderCancel", "refundCreate"),
        "refunds": ("refundCreate",),
        "shipments": ("fulfillmentCreate", "fulfillmentTrackingInfoUpdate"),
        "email": ("email",),
        "customer_note": ("note",),
        "shipping": ("shippingAddress",),
    }
    admin_link = "admin/orders/{id}"
    create_mutation = ("orderCreate", "order", "OrderCreateOrderInput!", "order",
                       "fulfillments(first: 1) { id status trackingInfo(first: 1) { company number url } }")
    delete_mutation = ("orderDelete", "orderId", "ID!", "deletedId")
    scan_selection = ("id name", 1)

    def fields(self) -> str:
        return ORDER_FIELDS

    def complete(self, node: dict[str, Any]) -> None:
        if node.get("lineItems", {}).get("pageInfo", {}).get("hasNextPage"):
            data = self._graphql(f"""query($id: ID!) {{ order(id: $id) {{ lineItems(first: 100) {{ nodes {{
                {LINE_FIELDS} }} }} }} }}""", {"id": node["id"]})
            node["lineItems"] = data["order"]["lineItems"]
        if fills_a_list(node):
            # ~730 points: under the 1000 maximum (fulfillments x tracking numbers multiply)
            data = self._graphql(f"""query($id: ID!) {{ order(id: $id) {{ {order_lists(50, 50, 25, 20)} }} }}""",
                                 {"id": node["id"]})
            node.update(data["order"] or {})
        if node.get("displayFulfillmentStatus") == "PARTIALLY_FULFILLED" and node.get("fulfillments"):
            # shipped in parts: what each fulfillment carried (~610 points; only such orders pay for it)
            data = self._graphql("""query($id: ID!) { order(id: $id) { fulfillments(first: 10) {
                fulfillmentLineItems(first: 30) { nodes { quantity lineItem { id } } } } } }""", {"id": node["id"]})
            carried = (data.get("order") or {}).get("fulfillments") or []
            for fulfillment, lines in zip(node["fulfillments"], carried, strict=False):
                fulfillment["fulfillmentLineItems"] = lines.get("fulfillmentLineItems")
        if node.get("refunds"):  # only orders with refunds pay for their details
            data = self._graphql(f"""query($id: ID!) {{ order(id: $id) {{ refunds(first: {payments.REFUNDS_FIRST}) {{
                {payments.REFUND_FIELDS} }} }} }}""", {"id": node["id"]})
            node["refundDetails"] = (data.get("order") or {}).get("refunds") or []

    def find_by_natural_key(self, key: str) -> str | None:
        name = key if key.startswith("#") else f"#{key}"
        return self.first(f"name:'{name}'")

    def scan_key(self, node: dict[str, Any]) -> str | None:
        return str(node.get("name") or "").lstrip("#") or None

    # --- writing --------------------------------------------------------------------------------------------
    def default_variants(self, product_ids: set[str]) -> dict[str, str]:
        """Product id -> its first variant (order lines of products without variants name the product)."""
        out: dict[str, str] = {}
        ids = sorted(product_ids)
        for start in range(0, len(ids), 50):
            chunk = ids[start:start + 50]
            data = self._graphql("""query($ids: [ID!]!) { nodes(ids: $ids) { ... on Product { id
                variants(first: 1) { nodes { id } } } } }""", {"ids": [gid(EntityType.PRODUCT, i) for i in chunk]},
                                 cost=2 + 4 * len(chunk))
            for node in data.get("nodes") or []:
                if node and node.get("variants", {}).get("nodes"):
                    out[legacy(node["id"])] = legacy(node["variants"]["nodes"][0]["id"])
        return out

    def create(self, items: list[Canonical]) -> list[WriteResult]:
        wanted = {line.product_id for item in items for line in item.lines if line.product_id and not line.variant_id}
        defaults = self.default_variants(wanted) if wanted else {}
        currency = self.connector.shop()["shop"].get("currencyCode") or "USD"
        location = self.connector.location_id

        def build(item: Order) -> tuple[dict[str, Any], list[str]]:
            return mappers.order_create_input(item, currency=currency, location_id=location,
                                              default_variants=defaults)

        results = self.create_with(items, build, extra_args={"options": ("OrderCreateOptionsInput", {
            "inventoryBehaviour": "BYPASS", "sendReceipt": False, "sendFulfillmentReceipt": False})})
        self.more_tracking(items, results)
        by_source = {item.source_id: item for item in items}
        for result in results:
            item = by_source[result.source_id]
            if not (result.ok and isinstance(item, Order)):
                continue
            fulfilled = (getattr(result, "extra_node", None) or {}).get("fulfillments")
            if item.shipments and not fulfilled and all(shipment.lines for shipment in item.shipments):
                result.warnings += self.ship_lines(result.target_id, item.shipments)
            if item.refunds:
                result.warnings += self.add_missing_refunds(result.target_id, item)
        return results

    def ship_lines(self, target_id: str, shipments: list[Shipment]) -> list[str]:
        """An order shipped in parts: one fulfillment per shipment, of the lines it carried, with its tracking
        number (orderCreate fulfills a whole order or nothing)."""
        ops, warnings = self.line_fulfillment_ops(gid(self.entity, target_id), shipments)
        warnings += [f"Tracking number not written: {error}" for _, error in self._mutate(ops) if error]
        return warnings

    def line_fulfillment_ops(self, order_id: str, shipments: list[Shipment]) -> tuple[list[Op], list[str]]:
        """fulfillmentCreate for each shipment, of the fulfillment order lines of the order lines it carried
        (by their position in the order), as much of each as is left to fulfill."""
        order = self._graphql(FULFILLABLE, {"id": order_id}).get("order")
        if not order:
            return [], ["Tracking numbers not written: the order no longer exists on Shopify."]
        positions = [node["id"] for node in order["lineItems"]["nodes"]]
        slots: dict[str, list[list[Any]]] = {}  # line item -> [[fulfillment order, its line, quantity left]]
        for fo in order["fulfillmentOrders"]["nodes"]:
            if fo["status"] in CLOSED_FO:
                continue
            for li in fo["lineItems"]["nodes"]:
                if li["remainingQuantity"] > 0 and li.get("lineItem"):
                    slots.setdefault(li["lineItem"]["id"], []).append([fo["id"], li["id"], li["remainingQuantity"]])
        ops, warnings = [], []
        for n, shipment in enumerate(shipments):
            by_fo: dict[str, list[dict[str, Any]]] = {}
            for part in shipment.lines:
                wanted = part.quantity
                for slot in slots.get(positions[part.line], []) if part.line < len(positions) else []:
                    take = min(wanted, slot[2])
                    if take > 0:
                        by_fo.setdefault(slot[0], []).append({"id": slot[1], "quantity": take})
                        slot[2] -= take
                        wanted -= take
            if not by_fo:
                warnings.append(f"Tracking number {shipment.tracking_number} not written: what it carried has "
                                "nothing left to fulfill on Shopify.")
                continue
            tracking: dict[str, Any] = {"numbers": [shipment.tracking_number], "company": shipment.carrier or None}
            if shipment.tracking_url:
                tracking["url"] = shipment.tracking_url
            ops.append(self.op("fulfillmentCreate", {"fulfillment": ("FulfillmentInput!", {
                "lineItemsByFulfillmentOrder": [{"fulfillmentOrderId": fo, "fulfillmentOrderLineItems": lines}
                                                for fo, lines in by_fo.items()],
                "notifyCustomer": False, "trackingInfo": tracking})}, "fulfillment { id }", key=f"shipment{n}"))
        return ops, warnings

    def add_missing_refunds(self, target_id: str, item: Order) -> list[str]:
        """refundCreate for each refund of `item` the Shopify order lacks (recognised by amount and note),
        oldest first; the warnings for those Shopify cannot take."""
        data = self._graphql("""query($id: ID!) { order(id: $id) { id
            lineItems(first: 100) { nodes { id } }
            transactions(first: 50) { id kind status gateway }
            refunds(first: 50) { note totalRefundedSet { shopMoney { amount } } } } }""",
                             {"id": gid(self.entity, target_id)})
        order = data.get("order")
        if not order:
            return ["Refunds not written: the order no longer exists on Shopify."]
        have = [payments.refund_key(mappers.money_or_zero(r.get("totalRefundedSet")), r.get("note") or "")
                for r in order.get("refunds") or []]
        ops, warnings = [], []
        for index, refund in enumerate(item.refunds):
            key = payments.refund_key(refund.amount, refund.reason)
            if key in have:
                have.remove(key)
                continue
            refund_input, problem = payments.refund_input(refund, order)
            if refund_input is None:
                warnings.append(f"Refund of {refund.amount} not written: {problem}.")
                continue
            ops.append(self.op("refundCreate", {"input": ("RefundInput!", refund_input)}, "refund { id }",
                               key=index))
        warnings += [f"Refund not written: {error}" for _, error in self._mutate(ops) if error]
        return warnings

    def more_tracking(self, items: list[Canonical], results: list[WriteResult]) -> None:
        """orderCreate's fulfillment takes one tracking number and no URL: the others, and the URLs, are set on
        that fulfillment right after."""
        by_source = {item.source_id: item for item in items}
        ops, owners = [], []
        for result in results:
            item = by_source[result.source_id]
            fulfillments = (getattr(result, "extra_node", None) or {}).get("fulfillments") or []
            if result.ok and fulfillments and (len(item.shipments) > 1 or any(
                    shipment.tracking_url for shipment in item.shipments)):
                ops.append(self.tracking_op(fulfillments[0]["id"], item.shipments))
                owners.append(result)
        for result, (_, error) in zip(owners, self._mutate(ops), strict=True):
            if error:
                result.warnings.append(f"Only the first tracking number was attached, without its URL: {error}")

    def update(self, target_id: str, item: Canonical, fields: list[str] | None = None) -> WriteResult:
        # Written again whole (a re-migration, a full run after a demo): everything Shopify lets an order change
        # in place, its status included (a move Shopify cannot make is a warning on the record).
        assert isinstance(item, Order)
        wanted = set(fields) if fields is not None else {"email", "customer_note", "shipping", "shipments", "status",
                                                         "refunds"}
        ops = []
        order_input: dict[str, Any] = {"id": gid(self.entity, target_id)}
        if "email" in wanted and item.email:
            order_input["email"] = item.email
        if "customer_note" in wanted:
            order_input["note"] = item.customer_note
        if "shipping" in wanted and mappers.address_out(item.shipping):
            order_input["shippingAddress"] = mappers.address_out(item.shipping)
        if len(order_input) > 1:
            ops.append(self.op("orderUpdate", {"input": ("OrderInput!", order_input)}, "order { id }", key="order"))
        warnings: list[str] = []
        if "refunds" in wanted and item.refunds:  # before the status: a refunded order needs no other move
            warnings += self.add_missing_refunds(target_id, item)
        new_shipments = "shipments" in wanted and bool(item.shipments)
        if new_shipments or "status" in wanted:
            data = self._graphql("""query($id: ID!) { order(id: $id) { id cancelledAt displayFinancialStatus
                displayFulfillmentStatus transactions(first: 20) { id kind status gateway
                  amountSet { shopMoney { amount } } }
                fulfillments(first: 20) {
                id status trackingInfo(first: 10) { company number url } }
                fulfillmentOrders(first: 5) { nodes { id status
                  lineItems(first: 100) { nodes { id remainingQuantity } } } }
                } }""", {"id": gid(self.entity, target_id)})
            order = data.get("order")
            if not order:
                return WriteResult(source_id=item.source_id, error="The order no longer exists on Shopify.")
            more, warnings = self.status_and_tracking_ops(order, item, status="status" in wanted,
                                                          tracking=new_shipments)
            ops += more
        errors = [error for _, error in self._mutate(ops) if error]
        if errors:
            return WriteResult(source_id=item.source_id, error="; ".join(errors))
        return WriteResult(source_id=item.source_id, target_id=target_id, warnings=warnings)

    def status_and_tracking_ops(self, order: dict[str, Any], item: Order, *, status: bool, tracking: bool
                                ) -> tuple[list[Op], list[str]]:
        """The mutations that move `order` (as read from Shopify) to `item.status` (see `status_plan`) and
        give it `item.shipments`' new tracking numbers, in the order they must run; and the warnings."""
        open_orders = [fo for fo in order["fulfillmentOrders"]["nodes"] if fo["status"] not in CLOSED_FO
                       and any(li["remainingQuantity"] > 0 for li in fo["lineItems"]["nodes"])]
        plan = status_plan(order, item.status, refunded_on_source=bool(item.refunds)) if status else StatusPlan()
        warnings = list(plan.warnings)
        ops: list[Op] = []
        if plan.mark_paid:
            ops.append(self.op("orderMarkAsPaid", {"input": ("OrderMarkAsPaidInput!", {"id": order["id"]})},
                               "order { id }", key="paid"))
        known = {t["number"] for f in order["fulfillments"] for t in f["trackingInfo"]}
        new = [s for s in item.shipments if s.tracking_number not in known] if tracking else []
        if new and plan.cancel:
            warnings.append("Tracking numbers not written: the order is being cancelled.")
        elif new and not plan.fulfill and open_orders and all(shipment.lines for shipment in new):
            more, warned = self.line_fulfillment_ops(order["id"], new)  # shipped in parts: what they carried
            ops += more
            warnings += warned
        elif (new or plan.fulfill) and open_orders:
            fulfillment: dict[str, Any] = {
                "lineItemsByFulfillmentOrder": [{"fulfillmentOrderId": fo["id"]} for fo in open_orders],
                "notifyCustomer": False}
            if new:
                fulfillment["trackingInfo"] = {"numbers": [s.tracking_number for s in new],
                                               "company": new[0].carrier or None}
                if new[0].tracking_url:
                    fulfillment["trackingInfo"]["url"] = new[0].tracking_url
            ops.append(self.op("fulfillmentCreate", {"fulfillment": ("FulfillmentInput!", fulfillment)},
                               "fulfillment { id }", key="fulfillment"))
        elif new and order["fulfillments"]:
            ops.append(self.add_tracking(order["fulfillments"], new))
        elif new:
            warnings.append("Tracking numbers not written: the order has nothing left to fulfill and no "
                            "fulfillment to carry them on Shopify.")
        if plan.refunds:
            ops.append(self.op("refundCreate", {"input": ("RefundInput!", {
                "orderId": order["id"], "notify": False,
                "note": "Refunded on the source store; carried over by Cartmigrate.",
                "transactions": [{"orderId": order["id"], "parentId": parent, "gateway": gateway,
                                  "amount": str(amount), "kind": "REFUND"}
                                 for parent, gateway, amount in plan.refunds]})}, "refund { id }", key="refund"))
        if plan.cancel:
            ops.append(Op(name="orderCancel", args={
                "orderId": ("ID!", order["id"]), "reason": ("OrderCancelReason!", "OTHER"),
                "restock": ("Boolean!", False), "notifyCustomer": ("Boolean", False),
                "refundMethod": ("OrderCancelRefundMethodInput!",  # non-null: required from 2026-07
                                 {"originalPaymentMethodsRefund": plan.cancel_refunds}),
                "staffNote": ("String", "Cancelled on the source store; carried over by Cartmigrate.")},
                selection="{ job { id } userErrors: orderCancelUserErrors { field message } }", key="cancel", cost=10))
        return ops, warnings

    def add_tracking(self, fulfillments: list[dict[str, Any]], new: list[Shipment]) -> Op:
        """Nothing is left to fulfill: the new numbers join the latest fulfillment's tracking
        (fulfillmentTrackingInfoUpdate replaces the list, so the numbers it has are sent again)."""
        done = [f for f in fulfillments if f["status"] == "SUCCESS"] or fulfillments
        latest = done[-1]
        kept = [Shipment(tracking_number=t["number"], carrier=t["company"] or "", tracking_url=t["url"] or "")
                for t in latest["trackingInfo"] if t["number"]]
        return self.tracking_op(latest["id"], kept + new)

    def tracking_op(self, fulfillment_id: str, shipments: list[Shipment]) -> Op:
        """Set a fulfillment's tracking to `shipments` (one company: the first one given)."""
        tracking: dict[str, Any] = {"numbers": [s.tracking_number for s in shipments],
                                    "company": next((s.carrier for s in shipments if s.carrier), None)}
        if all(s.tracking_url for s in shipments):
            tracking["urls"] = [s.tracking_url for s in shipments]
        return self.op("fulfillmentTrackingInfoUpdate", {"fulfillmentId": ("ID!", fulfillment_id),
                                                         "trackingInfoInput": ("FulfillmentTrackingInput!", tracking),
                                                         "notifyCustomer": ("Boolean", False)},
                       "fulfillment { id }", key="tracking")
