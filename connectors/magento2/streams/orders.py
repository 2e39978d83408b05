"""Orders: `orders`, keyed by increment id (the number customers know), filtered by `updated_at` on the server.
Shipments (with their tracks) and invoices are documents of their own: read for a page at once
(`order_id in`) [AdobeDocs commerce-webapi rest/tutorials/orders/order-create-shipment.md]. Credit memos
(`creditmemos`, likewise) are the order's refunds."""
from __future__ import annotations

from typing import Any

from connectors.entities import EntityType

from .. import api
from .base import Magento2Stream


class Magento2OrderStream(Magento2Stream):
    entity = EntityType.ORDER
    resource = "orders"
    item_path = "orders/{id}"
    id_field = "entity_id"
    lookup_field = "increment_id"
    natural_key_fields = ("number",)
    admin_link = "admin/sales/order/view/order_id/{id}/"

    def page_context(self, records: list[Any]) -> dict[str, dict[str, Any]]:
        ids = [r.get("entity_id") for r in records if isinstance(r, dict) and r.get("entity_id") is not None]
        context: dict[str, dict[str, Any]] = {"shipments": {}, "invoices": {}, "creditmemos": {}}
        if not ids:
            return context
        for kind in context:
            data, _ = self._call("GET", kind, params=api.criteria([("order_id", ids, "in")]))
            for document in (data or {}).get("items") or []:
                if isinstance(document, dict):
                    context[kind].setdefault(str(document.get("order_id")), []).append(document)
        return {kind: {str(i): by_order.get(str(i), []) for i in ids} for kind, by_order in context.items()}
