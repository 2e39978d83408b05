"""Orders (v2) with their lines, shipping addresses and shipments. A page is one request:
`include=consignments.line_items` puts each order's shipping addresses and their lines in the list answer
[orders.v2.oas2.yml `order_includes`]; shipments are asked only of orders that shipped something
(`items_shipped` > 0), and not at all by a scan (ids and numbers). Changes are read with `min_date_modified`.

Writing: one POST an order (historical: `external_source` M-MIG, the source's number as `external_order_id`, its
date), then its shipments with their tracking numbers (BigCommerce moves the order to Shipped when a shipment
covers it, so the order's own status is set again after them)."""
from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

from connectors.base import ScannedRecord, WriteResult
from connectors.entities import Canonical, EntityType, Order

from .. import mappers
from ..api import ORDER_INCLUDE, V2_MAX_LIMIT, error_text
from .v2 import BigCommerceV2Stream

SHIPMENT_FIELDS = ("tracking_number", "tracking_carrier", "comments")


class BigCommerceOrderStream(BigCommerceV2Stream):
    entity = EntityType.ORDER
    resource = "orders"
    include = ORDER_INCLUDE
    sort = "id:asc"
    natural_key_fields = ("number",)
    cursor_field = "date_modified"
    since_param = "min_date_modified"
    updatable = {"status": ("status_id",), "shipments": (), "customer_note": ("customer_message",),
                 "billing": ("billing_address",)}
    admin_path = "orders/{id}"

    def since_value(self, moment: datetime) -> str:
        return mappers.iso(moment - timedelta(seconds=1))

    def page_context(self, records: list[Any]) -> Any:
        """{order id: shipments} of the orders of the page that shipped something."""
        shipments = {}
        for record in records:
            if isinstance(record, dict) and int(record.get("items_shipped") or 0) > 0:
                data, _ = self.call("GET", f"orders/{record['id']}/shipments", allow=(404,))
                shipments[str(record["id"])] = data if isinstance(data, list) else []
        return shipments

    def to_canonical(self, record: dict[str, Any], context: Any) -> Canonical:
        addresses, lines = self.consignments(record)
        return mappers.order_to_canonical(record, lines=lines, addresses=addresses,
                                          shipments=(context or {}).get(str(record.get("id")), []))

    def consignments(self, record: dict[str, Any]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        addresses, lines = [], []
        for consignment in record.get("consignments") or []:
            for shipping in (consignment or {}).get("shipping") or []:
                lines += [line for line in shipping.get("line_items") or [] if isinstance(line, dict)]
                addresses.append({k: v for k, v in shipping.items() if k != "line_items"})
        if "consignments" not in record:  # an answer without the include: ask the sub-resources
            data, _ = self.call("GET", f"orders/{record['id']}/products", params={"limit": 250})
            lines = data if isinstance(data, list) else []
            data, _ = self.call("GET", f"orders/{record['id']}/shipping_addresses")
            addresses = data if isinstance(data, list) else []
        return addresses, lines

    def scan(self) -> Iterator[ScannedRecord]:
        """Every order's id and number, 250 a request: the list alone says both, so neither the lines nor the
        shipments of the orders are asked (a full read asks one more request per order that shipped)."""
        page = 1
        while True:
            data, _ = self.fetch_page({}, page, V2_MAX_LIMIT)
            for record in data:
                if isinstance(record, dict) and record.get("id"):
                    yield ScannedRecord(record_id=str(record["id"]), natural_key=mappers.order_number(record))
            if len(data) < V2_MAX_LIMIT:
                return
            page += 1

    def get(self, record_id: str) -> Canonical | None:
        data, response = self.call("GET", f"orders/{record_id}", params={"include": ORDER_INCLUDE}, allow=(404,))
        if response.status_code == 404 or not isinstance(data, dict):
            return None
        items, errors = self.map_records([data])
        if errors and not items:
            raise errors[0]
        return items[0] if items else None

    def find_by_natural_keys(self, keys: list[str]) -> dict[str, str]:
        """By `external_order_id` (orders this connector wrote), else by id (the store's own orders)."""
        found = {}
        for key in {k for k in keys if k}:
            data, _ = self.call("GET", self.resource, params={"external_order_id": key})
            rows = [r for r in data if isinstance(r, dict)] if isinstance(data, list) else []
            if rows:
                found[key] = str(rows[0]["id"])
            elif key.isdigit():
                record, response = self.call("GET", f"orders/{key}", allow=(404,))
                if response.status_code == 200 and not (record or {}).get("external_order_id"):
                    found[key] = key
        return found

    def payload(self, item: Order) -> dict[str, Any]:  # type: ignore[override]
        return mappers.order_to_bc(item)

    # --- writing ----------------------------------------------------------------------------------------
    def create_one(self, item: Canonical, body: dict[str, Any]) -> WriteResult:
        data, response = self.call("POST", self.resource, body=body, params={"include": ORDER_INCLUDE},
                                   allow=(400, 409, 422))
        if response.status_code >= 300:
            return WriteResult(source_id=item.source_id, error=f"BigCommerce refused it: HTTP "
                                                               f"{response.status_code} {error_text(data)}")
        result = WriteResult(source_id=item.source_id, target_id=str(data["id"]))
        if isinstance(item, Order) and item.shipments:
            self.ship(data, item, item.shipments, result)
        return result

    def ship(self, order: dict[str, Any], item: Order, shipments: list[Any], result: WriteResult) -> None:
        """One BigCommerce shipment per tracking number: the first takes every line left to ship, so the order
        counts as shipped; BigCommerce needs at least one item a shipment, so with more tracking numbers than
        lines the rest join the last (in its comments). Then the order's status is set again."""
        addresses, lines = self.consignments(order)
        if not addresses or not lines:
            result.warnings.append("Tracking numbers not written: the order has no shipping address or line.")
            return
        left = [(line["id"], int(line.get("quantity") or 0) - int(line.get("quantity_shipped") or 0))
                for line in lines]
        if all(s.lines and all(part.line < len(lines) for part in s.lines) for s in shipments):
            groups, extra = self.carried(shipments, left), []
        else:  # what each shipment carried is not known: the lines left to ship are shared out
            left = [(line_id, quantity) for line_id, quantity in left if quantity > 0]
            groups = [left[n::len(shipments)] for n in range(len(shipments))] if len(shipments) <= len(left) \
                else [left]
            extra = shipments[len(groups):]
        for shipment, group in zip(shipments, groups, strict=False):
            if not group:
                if shipment.lines:
                    result.warnings.append(f"Tracking number {shipment.tracking_number} not written: what it "
                                           "carried has nothing left to ship on BigCommerce.")
                continue
            body = {"order_address_id": addresses[0]["id"], "tracking_number": shipment.tracking_number,
                    "items": [{"order_product_id": line_id, "quantity": quantity} for line_id, quantity in group]}
            body["tracking_carrier" if shipment.carrier.lower() in ("ups", "usps", "fedex", "dhl", "auspost")
                 else "shipping_provider"] = shipment.carrier.lower()
            if shipment is shipments[len(groups) - 1] and extra:
                body["comments"] = "Also: " + ", ".join(s.tracking_number for s in extra)
            data, response = self.call("POST", f"orders/{order['id']}/shipments", body=body, allow=(400, 422))
            if response.status_code >= 300:
                result.warnings.append(f"Tracking number {shipment.tracking_number} not written: {error_text(data)}")
        wanted = mappers.STATUS_IDS.get(item.status)
        if wanted is not None:
            self.call("PUT", f"orders/{order['id']}", body={"status_id": wanted}, allow=(400,))

    @staticmethod
    def carried(shipments: list[Any], left: list[tuple[Any, int]]) -> list[list[tuple[Any, int]]]:
        """Per shipment, the (order product id, quantity) of the lines it carried (by their position in the
        order), as much of each as is left to ship."""
        remaining = [[line_id, quantity] for line_id, quantity in left]
        groups = []
        for shipment in shipments:
            group = []
            for part in shipment.lines:
                take = min(part.quantity, remaining[part.line][1])
                if take > 0:
                    group.append((remaining[part.line][0], take))
                    remaining[part.line][1] -= take
            groups.append(group)
        return groups

    def update(self, target_id: str, item: Canonical, fields: list[str] | None = None) -> WriteResult:
        result = super().update(target_id, item, [f for f in fields if f != "shipments"] if fields else fields)
        if result.ok and isinstance(item, Order) and (fields is None or "shipments" in fields):
            self.add_tracking(target_id, item, result)
        return result

    def add_tracking(self, target_id: str, item: Order, result: WriteResult) -> None:
        """Tracking numbers the target lacks: a new shipment for what is left to ship; when nothing is left, they
        replace the tracking numbers the source no longer has."""
        data, _ = self.call("GET", f"orders/{target_id}/shipments", allow=(404,))
        existing = data if isinstance(data, list) else []
        have = {str(s.get("tracking_number") or "") for s in existing}
        new = [s for s in item.shipments if s.tracking_number not in have]
        if not new:
            return
        order, _ = self.call("GET", f"orders/{target_id}", params={"include": ORDER_INCLUDE})
        _, lines = self.consignments(order)
        if any(int(line.get("quantity") or 0) > int(line.get("quantity_shipped") or 0) for line in lines):
            self.ship(order, item, new, result)
            return
        stale = [s for s in existing if str(s.get("tracking_number") or "") not in
                 {x.tracking_number for x in item.shipments}]
        for shipment, old in zip(new, stale, strict=False):
            self.call("PUT", f"orders/{target_id}/shipments/{old['id']}",
                      body={"tracking_number": shipment.tracking_number,
                            "tracking_carrier": shipment.carrier.lower()}, allow=(400,))
        if len(new) > len(stale):
            result.warnings.append("Tracking numbers not written: every item of the order is already shipped.")

    def delete(self, target_ids: list[str]) -> list[WriteResult]:
        """Orders are archived (BigCommerce's DELETE); a missing one counts as deleted."""
        return super().delete(target_ids)
