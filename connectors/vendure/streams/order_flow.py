"""Writing orders to Vendure: the Admin API's draft-order flow, one stage per request for a whole page.

Stages (each a request per order, see connector._mutate): the drafts (one request for the page); their contents
(CartmigratePlugin's custom fields with the source number, date and amounts, the customer or a guest, the lines,
the addresses, the "Imported shipping" method); their state (ArrangingPayment, then a manual payment with the
source's payment method and transaction id, or Cancelled); a fulfillment with the tracking number for shipped and
delivered orders; its state. Requests that add lines, change state or ship carry the header `Cartmigrate-Import:
orders`, with which CartmigratePlugin lets today's stock pass historical orders.

A draft whose contents or first state move are refused is deleted again, so a rerun never finds half an order;
once an order left Draft, Vendure cannot delete it, so a later refusal is a warning on a written record.
`VendureOrderStream` (orders.py) is made of it.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from connectors.base import WriteResult
from connectors.entities import EntityType, Order, OrderStatus
from connectors.errors import ConfigError

from .. import mappers
from ..graphql import ERROR_RESULT, MAX_TAKE, Op
from ..mappers import PLUGIN_FIELDS
from .base import VendureStream, country_hint

E = EntityType
IMPORT_HEADER = {"Cartmigrate-Import": "orders"}  # see CartmigratePlugin: today's stock does not refuse history
IMPORTED_SHIPPING_CODE = "cartmigrate-imported"
IMPORTED_PROMOTION_NAME = "Imported order discounts"
PLUGIN_HELP = ("Add CartmigratePlugin to the store's Vendure config (the file connectors/vendure/vendure_plugin/"
               "cartmigrate-plugin.js of Cartmigrate; its header says how) and restart the server.")

# Where an imported order ends, per canonical status (see orders.py).
WRITE_STATUS: dict[OrderStatus, str] = {
    OrderStatus.PENDING: "Draft",
    OrderStatus.ON_HOLD: "Draft",
    OrderStatus.PROCESSING: "PaymentSettled",
    OrderStatus.COMPLETED: "Delivered",
    OrderStatus.CANCELLED: "Cancelled",
    OrderStatus.REFUNDED: "Cancelled",
    OrderStatus.FAILED: "Cancelled",
}
WRITABLE_STATES = ("Draft", "PaymentSettled", "Shipped", "Delivered", "Cancelled")
PAID_STATES = ("PaymentSettled", "Shipped", "Delivered")


class VendureOrderFlow(VendureStream):
    """The stages of order writes, over the stream's `_query`, `_mutate` and `store()`."""

    def __init__(self, connector: Any) -> None:
        super().__init__(connector)
        self._order_setup: tuple[str, str] | None = None

    def _require_plugin(self) -> None:
        missing = [f"{entity}.{name}" for entity, names in PLUGIN_FIELDS.items() for name in names
                   if name not in self.store()["custom"].get(entity, set())]
        if missing:
            raise ConfigError(
                "This Vendure store cannot receive orders with their number, date and amounts yet: its config lacks "
                f"the custom fields {', '.join(missing[:4])}{'...' if len(missing) > 4 else ''}. {PLUGIN_HELP}",
                url=self.connector.api_url)

    def _order_prerequisites(self) -> tuple[str, str]:
        """(id of the "Imported shipping" method, id of the "Imported order discounts" promotion), created once."""
        if self._order_setup is not None:
            return self._order_setup
        language = self.store()["default_language"]
        data = self._query("""query Setup($code: ShippingMethodListOptions, $promo: PromotionListOptions) {
          shippingMethods(options: $code) { items { id code } }
          promotions(options: $promo) { items { id name enabled actions { code } } } }""", {
            "code": {"filter": {"code": {"eq": IMPORTED_SHIPPING_CODE}}},
            "promo": {"filter": {"name": {"eq": IMPORTED_PROMOTION_NAME}}}})
        methods = (data.get("shippingMethods") or {}).get("items") or []
        promotions = [p for p in (data.get("promotions") or {}).get("items") or []
                      if any(a.get("code") == "cartmigrate_imported_line_discount" for a in p.get("actions") or [])]
        ops = []
        if not methods:
            ops.append(Op("createShippingMethod", {"input": ("CreateShippingMethodInput!", {
                "code": IMPORTED_SHIPPING_CODE, "fulfillmentHandler": "manual-fulfillment",
                "checker": {"code": "cartmigrate-imported-order", "arguments": []},
                "calculator": {"code": "cartmigrate-imported-shipping", "arguments": []},
                "translations": [{"languageCode": language, "name": "Imported shipping",
                                  "description": "Shipping of orders imported by Cartmigrate (never offered at "
                                                 "checkout)."}]})}, "{ id }", key="shipping"))
        if not promotions:
            ops.append(Op("createPromotion", {"input": ("CreatePromotionInput!", {
                "enabled": True,
                "conditions": [{"code": "cartmigrate_imported_order", "arguments": []}],
                "actions": [{"code": "cartmigrate_imported_line_discount", "arguments": []}],
                "translations": [{"languageCode": language, "name": IMPORTED_PROMOTION_NAME,
                                  "description": "Historical discounts of orders imported by Cartmigrate."}]})},
                "{ ... on Promotion { id } " + ERROR_RESULT + " }", key="promotion"))
        elif not promotions[0].get("enabled"):
            ops.append(Op("updatePromotion", {"input": ("UpdatePromotionInput!", {
                "id": str(promotions[0]["id"]), "enabled": True})},
                "{ ... on Promotion { id } " + ERROR_RESULT + " }", key="promotion"))
        made = {}
        for op, (value, error) in zip(ops, self._mutate(ops), strict=True):
            if error:
                raise ConfigError(f"Could not prepare Vendure for imported orders ({op.name}): {error}. {PLUGIN_HELP}",
                                  url=self.connector.api_url)
            made[op.key] = str(value["id"])
        self._order_setup = (made.get("shipping") or str(methods[0]["id"]),
                             made.get("promotion") or str(promotions[0]["id"]))
        return self._order_setup

    def _default_variant_ids(self, product_ids: Iterable[str]) -> dict[str, str]:
        """product id -> its only (first) variant id, for lines of simple products."""
        wanted = sorted({p for p in product_ids if p and p not in self.connector._default_variants})
        for start in range(0, len(wanted), MAX_TAKE):
            chunk = wanted[start:start + MAX_TAKE]
            for variant in self._paged("productVariants", "id productId", type_name="ProductVariantListOptions",
                                       options={"filter": {"productId": {"in": chunk}}}):
                self.connector._default_variants.setdefault(str(variant["productId"]), str(variant["id"]))
        return self.connector._default_variants

    def _prepare_orders(self, builds: list[OrderBuild]) -> None:
        store = self.store()
        simple = self._default_variant_ids(line.product_id for b in builds for line in b.item.lines
                                           if not line.variant_id and line.product_id)
        for build in builds:
            item = build.item
            if item.status not in WRITABLE_STATES:
                build.fail(f"Vendure's Admin API cannot put an order in the state {item.status!r}; map this status "
                           f"to one of {', '.join(WRITABLE_STATES)}.")
                continue
            if item.currency and store["currency"] and item.currency != store["currency"] and (
                    item.currency not in store["currencies"]):
                build.fail(f"Its currency {item.currency} is not enabled on this Vendure channel "
                           f"({', '.join(store['currencies'] or [store['currency']])}).")
                continue
            try:
                build.custom_fields, warnings = mappers.order_custom_fields(item, precision=store["precision"])
                build.result.warnings.extend(warnings)
                for line in item.lines:
                    variant_id = line.variant_id or simple.get(line.product_id or "")
                    if not variant_id or line.quantity <= 0:
                        build.result.warnings.append(
                            f"Line {line.sku or line.name!r} was left out: "
                            + ("its quantity is 0." if line.quantity <= 0 else "its product was not migrated."))
                        continue
                    build.lines.append(mappers.order_line_input(line, variant_id, precision=store["precision"]))
            except (ValueError, ArithmeticError) as exc:
                build.fail(f"Could not prepare the record: {exc}")
                continue
            if not build.lines:
                build.fail("None of its lines can be written (their products were not migrated).")
            elif not item.customer_id and not (item.email or item.billing.email):
                build.fail("A guest order needs an email address on Vendure.")

    def _build_orders(self, builds: list[OrderBuild], shipping_method: str, *, create: bool = False) -> None:
        """Stages for `builds`, per currency (an order takes the currency of the request that creates it): the
        drafts (with `create`), contents, state, fulfillment, fulfillment state. A draft whose contents are
        refused is deleted (nothing half-made is left); once an order left Draft, a refused step is a warning on a
        written record (Vendure cannot delete placed orders)."""
        by_currency: dict[str, list[OrderBuild]] = defaultdict(list)
        for build in builds:
            by_currency[build.item.currency].append(build)
        for currency, group in by_currency.items():
            params = {"currencyCode": currency} if currency and currency != self.store()["currency"] else None
            if create:
                ops = [Op("createDraftOrder", {}, "{ id code }", key=b, group="drafts") for b in group]
                for op, (value, error) in zip(ops, self._mutate(ops, params=params), strict=True):
                    if error:
                        op.key.fail(error)
                    else:
                        op.key.order_id = str(value["id"])
                group = [b for b in group if b.order_id]
            self._order_contents(group, shipping_method, params)
            self._order_states([b for b in group if not b.result.error], params)
            self._order_fulfillments([b for b in group if not b.result.error and b.fulfil], params)

    def _order_contents(self, builds: list[OrderBuild], shipping_method: str, params: dict[str, str] | None
                        ) -> None:
        ops = []
        order_result = "{ ... on Order { id lines { id quantity } } " + ERROR_RESULT + " }"
        for build in builds:
            item, order_id = build.item, ("ID!", build.order_id)
            ops.append(Op("setDraftOrderCustomFields", {"orderId": order_id, "input": (
                "UpdateOrderInput!", {"id": build.order_id, "customFields": build.custom_fields})}, "{ id }",
                key=build))
            if item.customer_id:
                ops.append(Op("setCustomerForDraftOrder", {"orderId": order_id, "customerId": (
                    "ID", item.customer_id)}, "{ ... on Order { id } " + ERROR_RESULT + " }", key=build))
            else:
                ops.append(Op("setCustomerForDraftOrder", {"orderId": order_id, "input": (
                    "CreateCustomerInput", mappers.guest_input(item))},
                    "{ ... on Order { id } " + ERROR_RESULT + " }", key=build))
            for line in build.lines:
                ops.append(Op("addItemToDraftOrder", {"orderId": order_id, "input": ("AddItemToDraftOrderInput!",
                                                                                       line)}, order_result, key=build))
            for field, address in (("setDraftOrderShippingAddress", item.shipping),
                                   ("setDraftOrderBillingAddress", item.billing)):
                if not address.is_empty():
                    ops.append(Op(field, {"orderId": order_id, "input": ("CreateAddressInput!", mappers.address_input(
                        address))}, "{ id }", key=build))
            ops.append(Op("setDraftOrderShippingMethod", {"orderId": order_id, "shippingMethodId": (
                "ID!", shipping_method)}, order_result, key=build))
        conflicts: dict[str, list[OrderBuild]] = defaultdict(list)
        for op, (value, error) in zip(ops, self._mutate(ops, headers=IMPORT_HEADER, params=params), strict=True):
            build = op.key
            if error and op.name == "setCustomerForDraftOrder" and not build.item.customer_id and (
                    "email" in error.lower()):
                conflicts[mappers.guest_input(build.item)["emailAddress"].lower()].append(build)
            elif error:
                build.fail(f"{op.name}: {error}{country_hint(error)}")
            elif isinstance(value, dict) and value.get("lines") is not None:
                build.line_ids = [(str(line["id"]), int(line["quantity"])) for line in value["lines"]]
        if conflicts:
            self._guests_with_accounts(conflicts, params)
        failed = [b for b in builds if b.result.error and b.order_id and not b.existing]
        if failed:
            cleanup = [Op("deleteDraftOrder", {"orderId": ("ID!", b.order_id)}, "{ result }") for b in failed]
            self._mutate(cleanup, retry_safe=True)
            for build in failed:
                build.order_id = None

    def _guests_with_accounts(self, conflicts: dict[str, list[OrderBuild]], params: dict[str, str] | None) -> None:
        """Guest orders whose email belongs to a registered customer: Vendure keeps one customer per email and
        refuses a guest with that email, so the order goes to that customer (a warning says so)."""
        found = self.connector.find_by_natural_keys(E.CUSTOMER, list(conflicts))
        ops = []
        for email, builds in conflicts.items():
            for build in builds:
                if email not in found:
                    build.fail(f"setCustomerForDraftOrder: Vendure refused the guest {email}.")
                    continue
                build.warn(f"The guest email {email} belongs to a customer with an account on Vendure: the order is "
                           "linked to that customer (Vendure keeps one customer per email).")
                ops.append(Op("setCustomerForDraftOrder", {"orderId": ("ID!", build.order_id),
                                                           "customerId": ("ID", found[email])},
                              "{ ... on Order { id } " + ERROR_RESULT + " }", key=build))
        for op, (_, error) in zip(ops, self._mutate(ops, params=params), strict=True):
            if error:
                op.key.fail(f"setCustomerForDraftOrder: {error}")

    def _states_ops(self, build: OrderBuild, *, skip_arranging: bool = False) -> list[Op]:
        """The ops taking a draft to its state: Cancelled through ArrangingPayment (like an abandoned checkout:
        Draft -> Cancelled would first cancel every line, and a cancelled historical order keeps its lines and
        total); paid states through ArrangingPayment and a manual payment (fulfillments follow)."""
        item, state, ops = build.item, build.item.status, []
        transition = ("{ ... on Order { id state } ... on OrderStateTransitionError { errorCode message "
                      "transitionError } }")
        if state == "Cancelled":
            for step in ("Cancelled",) if skip_arranging else ("ArrangingPayment", "Cancelled"):
                ops.append(Op("transitionOrderToState", {"id": ("ID!", build.order_id), "state": ("String!", step)},
                              transition, key=build))
        elif state in PAID_STATES:
            if not skip_arranging:
                ops.append(Op("transitionOrderToState", {"id": ("ID!", build.order_id), "state": (
                    "String!", "ArrangingPayment")}, transition, key=build))
            metadata: dict[str, Any] = {"title": item.payment_method_title} if item.payment_method_title else {}
            if item.paid_at:
                metadata["paidAt"] = mappers.format_time(item.paid_at)
            ops.append(Op("addManualPaymentToOrder", {"input": ("ManualPaymentInput!", {
                "orderId": build.order_id, "method": item.payment_method or "imported",
                "transactionId": item.transaction_id, "metadata": metadata})},
                "{ ... on Order { id state } " + ERROR_RESULT + " }", key=build))
            build.fulfil = state in ("Shipped", "Delivered")
        if item.customer_note and not skip_arranging:  # in a request of its own: its failure is only a warning
            ops.append(Op("addNoteToOrder", {"input": ("AddNoteToOrderInput!", {
                "id": build.order_id, "note": item.customer_note, "isPublic": False})}, "{ id }", key=build,
                group=(id(build), "note")))
        return ops

    def _order_states(self, builds: list[OrderBuild], params: dict[str, str] | None) -> None:
        self._apply_states([op for build in builds for op in self._states_ops(build)], params)

    def _apply_states(self, ops: list[Op], params: dict[str, str] | None) -> None:
        """Run state ops. A draft whose move is refused is deleted (an error); once an order left Draft a refused
        step is a warning, and an order left in ArrangingPayment (it would become its customer's shopping cart)
        is cancelled."""
        draft_failures, unpaid = [], []
        # With the import header too: moving to ArrangingPayment checks today's stock.
        for op, (value, error) in zip(ops, self._mutate(ops, headers=IMPORT_HEADER, params=params), strict=True):
            build = op.key
            if not error:
                build.placed = build.placed or op.name == "addManualPaymentToOrder" or (
                    op.name == "transitionOrderToState" and value.get("state") != "Draft")
                continue
            if build.result.error:
                continue  # an earlier step of this order failed; this one could not succeed
            build.fulfil = False
            if op.name == "addNoteToOrder":
                build.warn(f"Its note was refused: {error}")
            elif op.name == "addManualPaymentToOrder":
                build.warn(f"Its payment was refused ({error}); the order was cancelled on Vendure.")
                unpaid.append(build)
            elif build.placed:
                build.warn(f"{op.name}: {error}")
            else:
                build.fail(f"{op.name}: {error}")
                draft_failures.append(build)
        deletable = [b for b in draft_failures if b.order_id and not b.existing]
        deleted = self._mutate([Op("deleteDraftOrder", {"orderId": ("ID!", b.order_id)}, "{ result message }")
                                for b in deletable], retry_safe=True)
        for build, (value, error) in zip(deletable, deleted, strict=True):
            if error or (value or {}).get("result") == "NOT_DELETED":
                # It left Draft after all (its answer was lost with a later failure): a written record, kept.
                message, build.result.error = build.result.error, None
                build.warn(f"Partly written: {message}")
                unpaid.append(build)
            else:
                build.order_id = None
        self._cancel_carts(unpaid, params)

    def _cancel_carts(self, builds: list[OrderBuild], params: dict[str, str] | None) -> None:
        """Orders left in ArrangingPayment would become their customers' shopping carts: cancel them."""
        if not builds:
            return
        ids = [b.order_id for b in builds if b.order_id]
        data = self._query("query States($options: OrderListOptions) { orders(options: $options) { items { id state "
                           "} } }", {"options": {"take": MAX_TAKE, "filter": {"id": {"in": ids}}}})
        carts = {str(o["id"]) for o in (data.get("orders") or {}).get("items") or []
                 if o.get("state") == "ArrangingPayment"}
        self._mutate([Op("transitionOrderToState", {"id": ("ID!", order_id), "state": ("String!", "Cancelled")},
                         "{ ... on Order { id } ... on OrderStateTransitionError { errorCode message } }")
                      for order_id in ids if order_id in carts], params=params, retry_safe=True)

    def _order_fulfillments(self, builds: list[OrderBuild], params: dict[str, str] | None) -> None:
        ops = []
        for build in builds:
            shipment = build.item.shipments[0] if build.item.shipments else None
            handler = {"code": "manual-fulfillment", "arguments": [
                {"name": "method", "value": shipment.carrier if shipment else ""},
                {"name": "trackingCode", "value": shipment.tracking_number if shipment else ""}]}
            lines = [{"orderLineId": line_id, "quantity": quantity} for line_id, quantity in build.line_ids]
            ops.append(Op("addFulfillmentToOrder", {"input": ("FulfillOrderInput!", {"lines": lines,
                                                                                    "handler": handler})},
                          "{ ... on Fulfillment { id } " + ERROR_RESULT + " }", key=build))
            if len(build.item.shipments) > 1:
                build.warn("Vendure ships each line once: only the first of its tracking numbers was kept ("
                           + ", ".join(s.tracking_number for s in build.item.shipments[1:]) + " were not).")
        transitions = []
        for op, (value, error) in zip(ops, self._mutate(ops, headers=IMPORT_HEADER, params=params), strict=True):
            if error:
                op.key.warn(f"Its shipment was refused: {error}")
                continue
            # Pending -> Delivered directly is allowed [default-fulfillment-process]; the order follows it.
            state = "Delivered" if op.key.item.status == "Delivered" else "Shipped"
            transitions.append(Op("transitionFulfillmentToState", {"id": ("ID!", str(value["id"])),
                                                                    "state": ("String!", state)},
                                  "{ ... on Fulfillment { id state } " + ERROR_RESULT + " }", key=op.key))
        for op, (_, error) in zip(transitions, self._mutate(transitions, params=params), strict=True):
            if error:
                op.key.warn(f"Its shipment could not be marked {op.args['state'][1]}: {error}")


class OrderBuild:
    """One order on its way through the draft-order flow."""

    def __init__(self, item: Order):
        self.item = item
        self.result = WriteResult(source_id=item.source_id)
        self.order_id: str | None = None
        self.custom_fields: dict[str, Any] = {}
        self.lines: list[dict[str, Any]] = []
        self.line_ids: list[tuple[str, int]] = []
        self.placed = False
        self.fulfil = False
        self.existing = False

    def fail(self, message: str) -> None:
        if not self.result.error:
            self.result.error = message

    def warn(self, message: str) -> None:
        self.result.warnings.append(message)

    def finish(self) -> WriteResult:
        if self.result.error is None:
            self.result.target_id = self.order_id
        return self.result

    def __hash__(self) -> int:
        return id(self)
