"""Orders: `orders`, filtered server-side by modification time, with their notes (the status history) and
shipment tracking. The natural key is the source's order number, kept in `_cartmigrate_source_number` meta on
orders Cartmigrate wrote. [woocommerce-rest-api-docs _orders.md, _order-notes.md]"""
from __future__ import annotations

from decimal import Decimal
from typing import Any

from connectors.base import WriteResult
from connectors.entities import Canonical, EntityType, Order
from connectors.errors import RecordError

from .. import mappers, payments
from ..api import MAX_PER_PAGE, ORDER_SCAN_LIMIT
from .base import WooCommerceStream

# Totals and lines WooCommerce computes or adds to: never sent again on an update.
NOT_UPDATED = ("line_items", "shipping_lines", "coupon_lines", "tax_lines", "set_paid", "discount_total",
               "shipping_total", "total_tax", "total")


class WooCommerceOrderStream(WooCommerceStream):
    entity = EntityType.ORDER
    resource = "orders"
    natural_key_fields = ("number",)
    lookup_param = "search"
    cursor_field = "date_modified_gmt"
    updatable = {
        "status": ("status",),
        "refunds": (),  # posted as order refunds, see add_missing_refunds
        "customer_note": ("customer_note",),
        "shipments": ("meta_data",),
        "status_history": (),  # posted as order notes, see add_missing_notes
        "billing": ("billing",),
        "shipping": ("shipping",),
    }
    admin_link = "wp-admin/admin.php?page=wc-orders&action=edit&id={id}"  # HPOS screen, default since WC 8.2

    # --- reading --------------------------------------------------------------------------------------------
    def record_context(self, record: Any, errors: list[RecordError]) -> dict[str, Any]:
        if isinstance(record, dict) and record.get("id"):
            # The order's `refunds` summary ({id, reason, total}) says whether the details are worth a call.
            refunds = self.refunds_of(record["id"]) if record.get("refunds") else []
            return {"notes": self.notes_of(record["id"]), "refunds": refunds}
        return {}

    def refunds_of(self, order_id: Any) -> list[dict[str, Any]]:
        """Every refund of an order, with its lines. [woocommerce-rest-api-docs wp-api-v3/_order-refunds.md]"""
        data, _ = self._call("GET", f"orders/{order_id}/refunds", params={"per_page": MAX_PER_PAGE}, allow=(404,))
        return [r for r in data if isinstance(r, dict)] if isinstance(data, list) else []

    def notes_of(self, order_id: Any) -> list[dict[str, Any]]:
        # 404: the order was deleted since the list was read; it still maps, without history.
        data, _ = self._call("GET", f"orders/{order_id}/notes", params={"type": "any"}, allow=(404,))
        return [n for n in data if isinstance(n, dict)] if isinstance(data, list) else []

    # --- natural keys ---------------------------------------------------------------------------------------
    def find_by_natural_key(self, key: str) -> str | None:
        """`search=<number>`, then the match is the order whose `_cartmigrate_source_number` meta (or, for
        orders not created by Cartmigrate, whose number) equals `key`. Limitation: WooCommerce's order search
        does not look into custom meta, so when the search finds nothing the newest ORDER_SCAN_LIMIT orders
        are scanned (id descending) for the meta: enough for the reconciliation of records a crashed run had
        just created, not a general lookup in a big store."""
        if not key:
            return None
        data, _ = self._call("GET", self.resource, params={"per_page": 100, "search": key})
        return self._order_with_number(data if isinstance(data, list) else [], key, scan=True)

    def _newest(self, page: int) -> tuple[list[Any], bool]:
        """One page of the newest orders, and whether it was the last."""
        data, response = self._call("GET", self.resource, params={
            "orderby": "id", "order": "desc", "per_page": MAX_PER_PAGE, "page": page})
        return data if isinstance(data, list) else [], page >= (self._total_pages(response) or 0)

    def _order_with_number(self, records: list[Any], key: str, *, scan: bool) -> str | None:
        for record in records:
            if not isinstance(record, dict) or not record.get("id"):
                continue
            source_number = mappers.meta_value(record, mappers.SOURCE_NUMBER_META)
            if str(source_number or "") == key or (not source_number and str(record.get("number")) == key):
                return str(record["id"])
        if not scan:
            return None
        for page in range(1, ORDER_SCAN_LIMIT // MAX_PER_PAGE + 1):
            records, last = self._newest(page)
            found = self._order_with_number(records, key, scan=False)
            if found or last:
                return found
        return None

    def find_by_natural_keys(self, keys: list[str]) -> dict[str, str]:
        """One scan of the newest ORDER_SCAN_LIMIT orders for all keys at once (search cannot see the meta)."""
        wanted = {k for k in keys if k}
        found: dict[str, str] = {}
        for page in range(1, ORDER_SCAN_LIMIT // MAX_PER_PAGE + 1):
            records, last = self._newest(page)
            for record in records:
                if not isinstance(record, dict) or not record.get("id"):
                    continue
                number = str(mappers.meta_value(record, mappers.SOURCE_NUMBER_META) or record.get("number"))
                if number in wanted:
                    found.setdefault(number, str(record["id"]))
            if len(found) == len(wanted) or last:
                break
        return found

    # --- writing --------------------------------------------------------------------------------------------
    def payload(self, item: Canonical, context: Any) -> dict[str, Any]:
        return mappers.order_to_wc(item)

    def after_create(self, target_id: str, item: Canonical, result: WriteResult) -> None:
        self.add_missing_refunds(target_id, item, result, fresh=True)
        self.add_missing_notes(target_id, item, fresh=True)

    def update(self, target_id: str, item: Canonical, fields: list[str] | None = None) -> WriteResult:
        # Refunds before the status: set to `refunded` first, WooCommerce would refund what remains at once.
        warnings: list[str] = []
        if fields is None or "refunds" in fields:
            probe = WriteResult(source_id=item.source_id, target_id=target_id)
            self.add_missing_refunds(target_id, item, probe)
            warnings = probe.warnings
        result = super().update(target_id, item, [f for f in fields if f != "refunds"] if fields else fields)
        result.warnings += warnings
        return result

    def add_missing_refunds(self, order_id: str, item: Canonical, result: WriteResult, *, fresh: bool = False
                            ) -> None:
        """Post the refunds the target order lacks (recognised by the source refund id kept in meta, else by
        amount and reason), oldest first, with `api_refund: false`: recorded, no money moves. `fresh`: the
        order was created just now (it has only what WooCommerce added itself)."""
        assert isinstance(item, Order)
        if not item.refunds:
            return
        data, _ = self._call("GET", f"{self.resource}/{order_id}", allow=(404, 410))
        if not isinstance(data, dict):
            return
        summary = [r for r in data.get("refunds") or [] if isinstance(r, dict)]
        existing = self.refunds_of(order_id) if summary and not fresh else []
        have_ids = {str(mappers.meta_value(r, payments.REFUND_SOURCE_META) or "") for r in existing} - {""}
        have_keys = [payments.refund_key(r) for r in existing]
        # wc_create_refund refuses more than what remains (a 500, which must not be retried as a failure)
        remaining = mappers.money_or_zero(data.get("total")) + sum(
            (mappers.money_or_zero(r.get("total")) for r in summary), Decimal(0))
        for refund in item.refunds:
            if refund.source_id and refund.source_id in have_ids:
                continue
            key = payments.refund_key(refund)
            if key in have_keys:
                have_keys.remove(key)
                continue
            if refund.amount > remaining:
                result.warnings.append(f"Refund of {refund.amount} not written: only {remaining} of the order "
                                       "is left to refund on WooCommerce.")
                continue
            body = payments.refund_to_wc(item, refund, data, mappers.format_gmt)
            answer, response = self._call("POST", f"orders/{order_id}/refunds", body=body, allow=(400,))
            if response.status_code >= 400:
                message = answer.get("message") if isinstance(answer, dict) else response.text[:200]
                result.warnings.append(f"Refund of {refund.amount} not written: {message}")
                continue
            remaining -= refund.amount
        if fresh and item.status == "refunded" and remaining > 0:
            # refunds short of the total: the status WooCommerce agrees with is reached by setting it, which
            # refunds what remains ("Order fully refunded.", wc_order_fully_refunded)
            self._call("PUT", f"{self.resource}/{order_id}", body={"status": "refunded"})

    def update_body(self, target_id: str, item: Canonical, full: dict[str, Any], fields: list[str] | None
                    ) -> dict[str, Any]:
        # Never re-send lines on an update: WC adds line items that carry no id. [_orders.md]
        stripped = {k: v for k, v in full.items() if k not in NOT_UPDATED}
        stripped["status"] = item.status  # not the creation status of `payload`: refunds are already there
        stripped["meta_data"] = [m for m in stripped.get("meta_data", []) if m["key"] == mappers.TRACKING_META] or [
            {"key": mappers.TRACKING_META, "value": []}]
        body = super().update_body(target_id, item, stripped, fields)
        if fields is None:
            relinked = self.relinked_lines(target_id, full.get("line_items") or [])
            if relinked:
                body["line_items"] = relinked
        return body

    def after_update(self, target_id: str, item: Canonical, fields: list[str] | None, written: Any,
                     result: WriteResult) -> None:
        if fields is None or "status_history" in fields:
            self.add_missing_notes(target_id, item)

    def relinked_lines(self, order_id: str, wanted: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Line items of an order written again whose product or variation is not the one they should link
        to (a demo's order whose products were not in the demo): updated in place by line id, with their
        quantity and totals, so nothing is added or re-priced. Lines are matched in order. [_orders.md:
        line items are updated by `id`]"""
        data, response = self._call("GET", f"{self.resource}/{order_id}", allow=(404, 410))
        current = data.get("line_items") if isinstance(data, dict) else None
        if not isinstance(current, list) or len(current) != len(wanted):
            return []
        out = []
        for have, want in zip(current, wanted, strict=True):
            if not isinstance(have, dict) or not have.get("id"):
                continue
            product, variation = want.get("product_id") or 0, want.get("variation_id") or 0
            if (int(have.get("product_id") or 0), int(have.get("variation_id") or 0)) != (product, variation):
                out.append({"id": have["id"], "product_id": product, "variation_id": variation,
                            "quantity": want["quantity"], "subtotal": want["subtotal"], "total": want["total"]})
        return out

    def add_missing_notes(self, order_id: str, item: Canonical, *, fresh: bool = False) -> None:
        """Post the status history as order notes (WC has no batch for notes), skipping those already there.
        `fresh`: the order was created just now, so none of ours can be there yet (saves a read per order)."""
        wanted = [mappers.note_to_wc(change) for change in getattr(item, "status_history", [])]
        wanted = [n for n in wanted if n["note"]]
        if not wanted:
            return
        existing = set() if fresh else {str(n.get("note", "")).strip() for n in self.notes_of(order_id)}
        for note in wanted:
            if note["note"].strip() in existing:
                continue
            self._call("POST", f"orders/{order_id}/notes", body=note)
            existing.add(note["note"].strip())
