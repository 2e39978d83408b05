"""An order's money as WooCommerce keeps it, to and from canonical transactions and refunds. No I/O.

WooCommerce has no transaction objects: an order keeps `payment_method`, `transaction_id` and `date_paid`,
and its refunds are `shop_order_refund` objects (`orders/{id}/refunds`: `amount`, `reason`, negative copies
of the refunded lines, each naming the order line in `_refunded_item_id` meta). So the canonical payment is
one sale of the order's total through its payment method when the order was paid, and each refund carries
one refund transaction of its amount. [woocommerce-rest-api-docs wp-api-v3/_order-refunds.md]

A refund is written with `api_refund: false` (recorded, no money moves through the gateway) and
`api_restock: false` (the migrated stock already counts it); `amount` is sent so it takes precedence over the
lines' sum. Its date is read-only on WooCommerce, so the source date travels in `_cartmigrate_refund_date`
meta and wins when read back, as does the source refund's id in `_cartmigrate_refund_source` (how a refund
written before is recognised).
"""
from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from connectors.entities import Order, Refund
from connectors.sdk import access

REFUND_DATE_META = "_cartmigrate_refund_date"
REFUND_SOURCE_META = "_cartmigrate_refund_source"
REFUNDED_ITEM_META = "_refunded_item_id"
PAID_DATE_META = "_cartmigrate_paid_date"


def _money(value: Any) -> Decimal:
    try:
        return Decimal(str(value if value not in (None, "") else 0))
    except ArithmeticError as exc:
        raise ValueError(f"{value!r} is not an amount") from exc


def _meta(data: dict[str, Any], key: str) -> Any:
    for meta in data.get("meta_data") or []:
        if isinstance(meta, dict) and meta.get("key") == key:
            return meta.get("value")
    return None


def transactions_from_wc(data: dict[str, Any], paid_at: Any, parse_gmt: Any) -> list[dict[str, Any]]:
    """The order's payment: one sale of its total when WooCommerce recorded it paid (`date_paid`; the
    source's payment date from `_cartmigrate_paid_date` on orders Cartmigrate wrote, date_paid being
    read-only)."""
    if not paid_at:
        return []
    when = parse_gmt(_meta(data, PAID_DATE_META), PAID_DATE_META) or paid_at
    return [{"source_id": "", "kind": "sale", "status": "success", "amount": _money(data.get("total")),
             "gateway": str(data.get("payment_method") or ""), "authorization": str(data.get("transaction_id") or ""),
             "processed_at": when}]


def paid_meta(item: Order, format_gmt: Any) -> list[dict[str, Any]]:
    """The source's payment date, kept in meta (WooCommerce sets `date_paid` itself when the order is paid)."""
    sale = next((t for t in item.transactions if t.kind in ("sale", "capture") and t.status == "success"), None)
    when = (sale.processed_at if sale else None) or item.paid_at
    return [{"key": PAID_DATE_META, "value": format_gmt(when)}] if when else []


def refunds_from_wc(data: dict[str, Any], refunds: Iterable[dict[str, Any]], parse_gmt: Any) -> list[dict[str, Any]]:
    """Refunds (the details from `orders/{id}/refunds`), oldest first; lines by position in the order."""
    positions = {str(line.get("id")): i for i, line in enumerate(data.get("line_items") or [])
                 if isinstance(line, dict)}
    gateway = str(data.get("payment_method") or "")
    out = []
    for raw in refunds:
        if not isinstance(raw, dict):
            continue
        created = parse_gmt(_meta(raw, REFUND_DATE_META) or raw.get("date_created_gmt"), "refunds[].date_created_gmt")
        amount = _money(raw.get("amount"))
        lines = []
        for line in raw.get("line_items") or []:
            refunded = str(_meta(line, REFUNDED_ITEM_META) or "")
            if refunded not in positions:
                continue
            lines.append({"source_id": refunded, "line_index": positions[refunded],
                          "quantity": abs(int(_money(line.get("quantity")))),
                          "amount": -_money(line.get("total")), "tax": -_money(line.get("total_tax"))})
        shipping = -sum((_money(s.get("total")) for s in raw.get("shipping_lines") or [] if isinstance(s, dict)),
                        Decimal(0))
        out.append({
            "source_id": str(raw.get("id") or ""), "amount": amount, "reason": str(raw.get("reason") or ""),
            "created_at": created, "lines": lines, "shipping": shipping, "restock": False,
            "transactions": [{"source_id": "", "kind": "refund", "status": "success", "amount": amount,
                              "gateway": gateway, "processed_at": created}] if amount else [],
        })
    out.sort(key=lambda r: (r["created_at"] is None, r["created_at"] or "", r["source_id"]))
    return out


def refund_key(refund: dict[str, Any] | Refund) -> str:
    """What recognises a refund written before on the target: its source id (meta), else amount + reason."""
    if isinstance(refund, Refund):
        return f"{refund.amount:.2f}|{refund.reason.strip()}"
    return f"{_money(refund.get('amount')):.2f}|{str(refund.get('reason') or '').strip()}"


def refund_to_wc(item: Order, refund: Refund, order_json: dict[str, Any], format_gmt: Any) -> dict[str, Any]:
    """The body of `POST orders/{id}/refunds` for `refund` of `item`, whose target order is `order_json`
    (its line and shipping line ids); lines that do not exist on the target are left out."""
    targets = [line for line in access.list_of(order_json, "line_items") if isinstance(line, dict)]
    lines = []
    for line in refund.lines:
        if line.line_index >= len(targets):
            continue
        target = targets[line.line_index]
        entry: dict[str, Any] = {"id": target["id"], "quantity": line.quantity, "refund_total": f"{line.amount:.2f}"}
        taxes = [t for t in target.get("taxes") or [] if isinstance(t, dict) and t.get("id") is not None]
        if line.tax and taxes:
            entry["refund_tax"] = [{"id": taxes[0]["id"], "refund_total": f"{line.tax:.2f}"}]
        lines.append(entry)
    shipping_lines = [s for s in access.list_of(order_json, "shipping_lines") if isinstance(s, dict)]
    if refund.shipping and shipping_lines:
        lines.append({"id": shipping_lines[0]["id"], "quantity": 0, "refund_total": f"{refund.shipping:.2f}"})
    meta = [{"key": REFUND_SOURCE_META, "value": refund.source_id}] if refund.source_id else []
    if refund.created_at:
        meta.append({"key": REFUND_DATE_META, "value": format_gmt(refund.created_at)})
    return {"amount": f"{refund.amount:.2f}", "reason": refund.reason, "api_refund": False, "api_restock": False,
            "line_items": lines, "meta_data": meta}


def creation_status(item: Order) -> str:
    """The status to create an order with before its refunds are written: a `refunded` order whose refunds
    cover its total becomes `refunded` by the last of them (wc_create_refund); created `refunded`, WooCommerce
    would refund what remains at once (wc_order_fully_refunded) and the real refunds would not fit."""
    if item.status == "refunded" and item.refunds:
        return "completed" if item.shipments else "processing"
    return item.status
