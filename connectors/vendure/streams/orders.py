"""Orders: every order that is not a shopping cart (`active: false`), keyed by the source order number
(CartmigratePlugin's `sourceOrderNumber`), else Vendure's order code; filtered by Vendure on `updatedAt`. Written
through the draft-order flow (order_flow.py): customer, lines, addresses, shipping method, manual payment,
fulfillments.

What stock Vendure cannot hold, and what the store owner must configure
-------------------------------------------------------------------------
Stock Vendure has no place for an imported order's number and date, for historical prices, discounts, tax and
shipping (it prices an order with today's catalogue and tax rates). It also moves stock for every order it places
and refuses lines that are out of stock today. The store owner therefore adds **CartmigratePlugin**
(`connectors/vendure/vendure_plugin/cartmigrate-plugin.js`, described at its top) to the Vendure config. With it:
- the source order number and date are kept in the Order custom fields `sourceOrderNumber` and
  `sourceOrderDate` (Vendure's own `code` and `orderPlacedAt` cannot be set through the API); reconciliation
  after a crash looks orders up by `sourceOrderNumber`;
- each imported line keeps its historical unit price, discount and tax (OrderLine custom fields, a price
  strategy, a promotion action and a tax-line strategy that only act on imported lines), the shipping keeps
  its price and tax (a shipping calculator), so totals are the source's to the cent;
- imported orders allocate and sell no stock, and today's stock does not refuse their lines or shipments.
Without the plugin, orders are refused with a ConfigError that says what to install. Cartmigrate creates, once,
the shipping method "Imported shipping" (code `cartmigrate-imported`) and the automatic promotion "Imported order
discounts" that the plugin's operations need.

Order statuses: Vendure has fewer order states than most platforms and its Admin API cannot authorize a
payment, refund one it did not take, or put an order on hold. Imported orders end in Draft (pending, on hold:
no payment), PaymentSettled (processing: a settled manual payment with the source's payment method and
transaction id), Delivered (completed: the payment plus one fulfillment with the tracking number and carrier,
shipped and delivered) or Cancelled (cancelled, refunded, failed: cancelled before any payment; no refund is
recorded) (`WRITE_STATUS`). Reading a Vendure store maps each state to its canonical meaning (the connector's
`order_statuses`).

Other differences: an order of a registered customer carries that customer's email (Vendure links orders to
customers, not to an email); a guest order whose email has an account on Vendure is linked to that account (with
a warning). An order keeps its first tracking number only: Vendure ships each line once. Placed orders cannot be
deleted (Vendure only deletes drafts).

Idempotency: `create` is not idempotent by itself (the engine keeps a pending id-map row and reconciles by
`sourceOrderNumber`); `update` completes an order found after a crash: a Draft is rebuilt from the record, a
placed order moves forward to the wanted state.
"""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from connectors.base import ScannedRecord, WriteResult
from connectors.entities import Canonical, EntityType, Order

from ..graphql import ERROR_RESULT, MAX_TAKE, Op
from .order_flow import WRITABLE_STATES, OrderBuild, VendureOrderFlow

ORDER_ADDRESS = "{ fullName company streetLine1 streetLine2 city province postalCode countryCode phoneNumber }"


class VendureOrderStream(VendureOrderFlow):
    entity = EntityType.ORDER
    list_field = "orders"
    one_field = "order"
    natural_key_fields = ("number",)
    cursor_filter = "server"  # `updatedAt` of the order
    page_size = 25  # an order costs about ten mutations: keep one engine step short
    updatable = {"status": ("state",)}
    admin_link = "admin/orders/{id}"

    # --- reading --------------------------------------------------------------------------------------------
    def selection(self) -> str:
        return f"""id code state active createdAt updatedAt orderPlacedAt currencyCode couponCodes
          customer {{ id firstName lastName emailAddress user {{ id }} }}
          shippingAddress {ORDER_ADDRESS} billingAddress {ORDER_ADDRESS}
          lines {{ id quantity unitPrice linePrice proratedLinePrice proratedLinePriceWithTax
            productVariant {{ id sku name productId options {{ id }} }} }}
          shippingLines {{ price discountedPrice shippingMethod {{ code name }} }}
          taxSummary {{ description taxRate taxTotal }}
          shipping total totalWithTax
          payments {{ method amount state transactionId metadata createdAt }}
          fulfillments {{ id state method trackingCode createdAt }}
          history(options: {{ take: 5, filter: {{ type: {{ eq: "ORDER_NOTE" }} }} }}) {{ items {{ type data }} }}
          {self.connector._custom_selection("Order")}"""

    def list_filter(self) -> dict[str, Any]:
        return {"active": {"eq": False}}  # orders, not shopping carts

    def mapper_context(self, record: Any, store: dict[str, Any]) -> dict[str, Any]:
        return {"precision": store["precision"]}

    def prepared(self, record: Any) -> Any:
        if isinstance(record, dict):
            return {**record, "history": (record.get("history") or {}).get("items") or []}
        return record

    def find_keys(self, wanted: list[str], found: dict[str, str]) -> None:
        if self.has_fields("Order"):
            self.lookup("orders", "sourceOrderNumber", wanted, "customFields { sourceOrderNumber }", into=found)
        self.lookup("orders", "code", [k for k in wanted if k not in found], "code", into=found)

    def scan(self) -> Iterator[ScannedRecord]:
        """Keyed by source order number (CartmigratePlugin) else code."""
        self.store()
        custom = "customFields { sourceOrderNumber }" if self.has_fields("Order") else ""
        for record in self._paged("orders", f"id code {custom}", options={"filter": self.list_filter()},
                                  type_name="OrderListOptions"):
            number = (record.get("customFields") or {}).get("sourceOrderNumber") or record.get("code")
            yield ScannedRecord(record_id=str(record["id"]), natural_key=str(number or "") or None)

    # --- writing --------------------------------------------------------------------------------------------
    def create_records(self, items: list[Canonical]) -> list[WriteResult]:
        """The draft-order flow, one stage per request for the whole page (see order_flow.py)."""
        self._require_plugin()
        shipping_method, _ = self._order_prerequisites()
        orders = [i for i in items if isinstance(i, Order)]
        builds = [OrderBuild(item) for item in orders]
        self._prepare_orders(builds)
        self._build_orders([b for b in builds if not b.result.error], shipping_method, create=True)
        return [b.finish() for b in builds]

    def update_record(self, target_id: str, item: Canonical, fields: list[str] | None) -> WriteResult:
        """A Draft (an import interrupted before it left Draft, or a pending order) is rebuilt from `item`; a
        placed order only moves forward to `item.status` (payment, fulfillment, cancellation)."""
        assert isinstance(item, Order)
        self._require_plugin()
        data = self._query("query One($id: ID!) { order(id: $id) { id state lines { id quantity } "
                           "fulfillments { id state } payments { state } } }", {"id": target_id})
        raw = data.get("order")
        if not isinstance(raw, dict):
            return WriteResult(source_id=item.source_id, error=f"Order {target_id} does not exist on Vendure.")
        state = str(raw.get("state"))
        build = OrderBuild(item)
        build.order_id = target_id
        build.existing = True  # never deleted here: the id map points at it
        build.result.target_id = target_id
        if state == "Draft" and fields is None:
            shipping_method, _ = self._order_prerequisites()
            remove = [Op("removeDraftOrderLine", {"orderId": ("ID!", target_id),
                                                  "orderLineId": ("ID!", str(line["id"]))},
                         "{ ... on Order { id } " + ERROR_RESULT + " }") for line in raw.get("lines") or []]
            for _, error in self._mutate(remove):
                if error:
                    return WriteResult(source_id=item.source_id, error=error)
            self._prepare_orders([build])
            if not build.result.error:
                self._build_orders([build], shipping_method)
            if build.result.error:
                return WriteResult(source_id=item.source_id, error=build.result.error)
            build.result.target_id = target_id
            return build.result
        wanted = item.status
        if wanted == state or (fields is not None and "status" not in fields):
            return build.result
        if wanted not in WRITABLE_STATES:
            return WriteResult(source_id=item.source_id, error=f"Vendure's Admin API cannot put an order in the state "
                                                               f"{wanted!r}.")
        build.line_ids = [(str(line["id"]), int(line["quantity"])) for line in raw.get("lines") or []]
        ops: list[Op] = []
        if state in ("Draft", "ArrangingPayment") and wanted != "Draft":
            # A pending import (or one interrupted between its states) goes the rest of the way, as on create.
            if state == "ArrangingPayment":
                build.placed = True
                ops = self._states_ops(build, skip_arranging=True)
            else:
                ops = self._states_ops(build)
            self._apply_states(ops, None)
            if build.fulfil and not build.result.error:
                self._order_fulfillments([build], None)
        elif wanted == "Cancelled":
            (_, error), = self._mutate([Op("cancelOrder", {"input": ("CancelOrderInput!", {
                "orderId": target_id, "cancelShipping": True, "reason": "Cancelled on the source store"})},
                "{ ... on Order { id state } " + ERROR_RESULT + " }")])
            if error:
                build.fail(error)
        elif state == "PaymentSettled" and wanted in ("Shipped", "Delivered"):
            self._order_fulfillments([build], None)
        elif state == "Shipped" and wanted == "Delivered":
            ops = [Op("transitionFulfillmentToState", {"id": ("ID!", str(f["id"])), "state": ("String!", "Delivered")},
                      "{ ... on Fulfillment { id } " + ERROR_RESULT + " }")
                   for f in raw.get("fulfillments") or [] if f.get("state") == "Shipped"]
            for _, error in self._mutate(ops):
                if error:
                    build.fail(error)
        else:
            build.fail(f"Vendure cannot move an order from {state} to {wanted} through its Admin API.")
        if build.result.error:
            return WriteResult(source_id=item.source_id, error=build.result.error)
        return build.result

    def delete(self, target_ids: list[str]) -> list[WriteResult]:
        """Only drafts: Vendure cannot delete a placed order, which is refused with a message. Missing orders count
        as deleted."""
        states: dict[str, str] = {}
        for start in range(0, len(target_ids), MAX_TAKE):
            chunk = [str(i) for i in target_ids[start:start + MAX_TAKE]]
            data = self._query("query States($options: OrderListOptions) { orders(options: $options) { items { id "
                               "state } } }", {"options": {"take": MAX_TAKE, "filter": {"id": {"in": chunk}}}})
            states.update({str(o["id"]): str(o["state"]) for o in (data.get("orders") or {}).get("items") or []})
        drafts = [i for i in target_ids if states.get(str(i)) == "Draft"]
        ops = [Op("deleteDraftOrder", {"orderId": ("ID!", str(i))}, "{ result message }", key=i) for i in drafts]
        refused = {op.key: error or str((value or {}).get("message") or "")
                   for op, (value, error) in zip(ops, self._mutate(ops, retry_safe=True), strict=True)
                   if error or (value or {}).get("result") == "NOT_DELETED"}
        results = []
        for target_id in target_ids:
            state = states.get(str(target_id))
            if state is None:
                results.append(WriteResult(source_id=target_id, target_id=target_id))  # already gone
            elif state != "Draft":
                results.append(WriteResult(source_id=target_id, error=f"Vendure cannot delete a placed order (order "
                                           f"{target_id} is {state}); cancel it in the Vendure admin instead."))
            elif target_id in refused:
                results.append(WriteResult(source_id=target_id, error=refused[target_id]))
            else:
                results.append(WriteResult(source_id=target_id, target_id=target_id))
        return results
