"""Orders with items, addresses, payment and status history; invoices, shipments with tracks, credit
memos; `POST /V1/order/{id}/ship`, `POST /V1/orders/{id}/comments`; MSI source items (the default source).

Documents are stored as Magento renders them, without `entity_id` and the dates (columns of the record).
https://developer.adobe.com/commerce/webapi/rest/tutorials/orders/order-create-shipment/
"""
from .catalog import product_row
from .common import Ctx, as_int, body_member, mdate, search_answer, search_rows
from .errors import MagentoError, entity_not_found, required

# Magento's order states for each default status (sales_order_status_state)
STATE_OF = {"pending": "new", "processing": "processing", "complete": "complete", "canceled": "canceled",
            "closed": "closed", "holded": "holded", "fraud": "processing", "payment_review": "payment_review"}
SALES_RESOURCES = {"invoices": "order", "shipments": "order", "creditmemos": "order"}


def _dates(row, out: dict) -> dict:
    out["created_at"] = mdate(row.date_created_gmt)
    out["updated_at"] = mdate(row.date_modified_gmt)
    return out


def order_render(ctx: Ctx, row) -> dict:
    out = {"entity_id": row.record_id, "increment_id": row.lookup, "status": row.status, **row.data}
    out["state"] = row.data.get("state") or STATE_OF.get(row.status, row.status)
    return _dates(row, out)


def _order_row(ctx: Ctx, order_id):
    row = ctx.row("orders", order_id)
    if row is None:
        raise entity_not_found()
    return row


def order_list(ctx: Ctx, body) -> dict:
    return search_rows(ctx, ctx.rows("orders"), lambda row: order_render(ctx, row), id_field="entity_id")


def order_get(ctx: Ctx, body, order_id: str) -> dict:
    return order_render(ctx, _order_row(ctx, order_id))


def _history(ctx: Ctx, row, comment: str, status: str, *, notified=False, visible=False) -> None:
    entry = {"comment": comment, "created_at": mdate(ctx.now), "entity_id": ctx.new_id("order_status_history"),
             "entity_name": "order", "is_customer_notified": int(bool(notified)),
             "is_visible_on_front": int(bool(visible)), "parent_id": row.record_id, "status": status}
    row.data["status_histories"] = [entry, *(row.data.get("status_histories") or [])]


def order_comment(ctx: Ctx, body, order_id: str) -> bool:
    """`POST /V1/orders/{id}/comments` {"statusHistory": {comment, is_customer_notified, is_visible_on_front,
    status}}: adds the comment; a status given moves the order there (its state follows)."""
    row = _order_row(ctx, order_id)
    entry = body_member(body, "statusHistory")
    status = entry.get("status") or row.status
    _history(ctx, row, str(entry.get("comment") or ""), status, notified=entry.get("is_customer_notified"),
             visible=entry.get("is_visible_on_front"))
    row.data["state"] = STATE_OF.get(status, row.data.get("state"))
    ctx.touch(row, status=status)
    return True


def order_action(ctx: Ctx, body, order_id: str, action: str) -> bool:
    """`POST /V1/orders/{id}/cancel|hold|unhold`: Magento answers `false` when the state forbids it."""
    row = _order_row(ctx, order_id)
    state = row.data.get("state") or STATE_OF.get(row.status)
    moves = {"cancel": ({"new", "processing"}, "canceled", "canceled"),
             "hold": ({"new", "processing"}, "holded", "holded"),
             "unhold": ({"holded"}, row.data.get("hold_before_state") or "processing",
                        row.data.get("hold_before_status") or "processing")}
    allowed, new_state, new_status = moves[action]
    if state not in allowed:
        if action == "unhold":
            raise MagentoError("A hold action is not available.")
        return False
    if action == "hold":
        row.data["hold_before_state"], row.data["hold_before_status"] = state, row.status
    row.data["state"] = new_state
    ctx.touch(row, status=new_status)
    return True


def sales_doc_render(row) -> dict:
    return _dates(row, {"entity_id": row.record_id, "order_id": row.parent_id, **row.data})


def sales_doc_list(ctx: Ctx, body, kind: str) -> dict:
    return search_rows(ctx, ctx.rows(kind), sales_doc_render, id_field="entity_id",
                       keys={"entity_id": "record_id", "order_id": "parent_id"})


def sales_doc_get(ctx: Ctx, body, kind: str, doc_id: str) -> dict:
    row = ctx.row(kind, doc_id)
    if row is None:
        raise entity_not_found()
    return sales_doc_render(row)


def _track(ctx: Ctx, shipment_id: int, order_id: int, track: dict) -> dict:
    if not track.get("track_number"):
        raise required("track_number")
    return {"entity_id": ctx.new_id("shipment_tracks"), "order_id": order_id, "parent_id": shipment_id,
            "track_number": str(track["track_number"]), "title": track.get("title") or "",
            "carrier_code": track.get("carrier_code") or "custom", "description": track.get("description"),
            "qty": track.get("qty"), "weight": track.get("weight"),
            "created_at": mdate(ctx.now), "updated_at": mdate(ctx.now)}


def order_ship(ctx: Ctx, body, order_id: str) -> int:
    """`POST /V1/order/{id}/ship` {items?, notify, tracks, comment}: a shipment of the given items (all
    that is left when none are given); when nothing is left to ship the order moves to complete (if
    invoiced) — Magento answers the new shipment's id."""
    row = _order_row(ctx, order_id)
    state = row.data.get("state") or STATE_OF.get(row.status)
    if state in ("canceled", "closed", "complete", "holded"):
        raise MagentoError("Shipment Document Validation Error(s):\nThe order does not allow a shipment to be "
                           "created.")
    body = body if isinstance(body, dict) else {}
    items = {int(i["item_id"]): i for i in row.data.get("items") or [] if not i.get("parent_item_id")}
    wanted = body.get("items") or [{"order_item_id": i, "qty": it["qty_ordered"] - it.get("qty_shipped", 0)}
                                   for i, it in items.items()]
    shipped = []
    for entry in wanted:
        item = items.get(as_int(entry.get("order_item_id"), "order_item_id"))
        qty = float(entry.get("qty") or 0)
        if item is None or qty <= 0 or qty > item["qty_ordered"] - item.get("qty_shipped", 0):
            raise MagentoError("Shipment Document Validation Error(s):\nYou can't create a shipment without "
                               "products.")
        item["qty_shipped"] = item.get("qty_shipped", 0) + qty
        shipped.append({"order_item_id": item["item_id"], "qty": qty, "sku": item["sku"], "name": item["name"],
                        "price": item.get("price"), "product_id": item.get("product_id"),
                        "weight": item.get("weight"), "entity_id": ctx.new_id("shipment_items")})
    shipment_id = ctx.new_id("shipments")
    tracks = [_track(ctx, shipment_id, row.record_id, t) for t in body.get("tracks") or [] if isinstance(t, dict)]
    for item in shipped:
        item["parent_id"] = shipment_id
    comment = (body.get("comment") or {}).get("comment") if isinstance(body.get("comment"), dict) else None
    ctx.create("shipments", {
        "increment_id": f"{shipment_id:09d}", "store_id": row.data.get("store_id", 1),
        "total_qty": sum(i["qty"] for i in shipped), "items": shipped, "tracks": tracks, "packages": [],
        "comments": [{"comment": comment, "is_customer_notified": 0, "is_visible_on_front": 0}] if comment else [],
        "customer_id": row.data.get("customer_id"), "email_sent": int(bool(body.get("notify")))},
        record_id=shipment_id, parent_id=row.record_id)
    all_shipped = all(i.get("qty_shipped", 0) >= i["qty_ordered"] for i in items.values())
    if all_shipped and float(row.data.get("total_invoiced") or 0) >= float(row.data.get("grand_total") or 0):
        row.data["state"] = "complete"
        row.status = "complete"
    elif state == "new":
        row.data["state"] = "processing"
        row.status = "processing"
    ctx.touch(row)
    return shipment_id


def order_invoice(ctx: Ctx, body, order_id: str) -> int:
    """`POST /V1/order/{id}/invoice` {capture, items?, notify}: invoices the given items (all that is left
    when none are given) and answers the invoice id; the order is paid by it and moves to processing (to
    complete when everything is shipped too)."""
    row = _order_row(ctx, order_id)
    state = row.data.get("state") or STATE_OF.get(row.status)
    items = {int(i["item_id"]): i for i in row.data.get("items") or [] if not i.get("parent_item_id")}
    left = {i: it["qty_ordered"] - it.get("qty_invoiced", 0) - it.get("qty_canceled", 0) for i, it in items.items()}
    if state in ("canceled", "closed", "holded") or not any(q > 0 for q in left.values()):
        raise MagentoError("The order does not allow an invoice to be created.")
    body = body if isinstance(body, dict) else {}
    wanted = body.get("items") or [{"order_item_id": i, "qty": q} for i, q in left.items() if q > 0]
    invoice_id = ctx.new_id("invoices")
    lines, total = [], 0.0
    for entry in wanted:
        item_id = as_int(entry.get("order_item_id"), "order_item_id")
        qty = float(entry.get("qty") or 0)
        if item_id not in items or qty <= 0 or qty > left[item_id]:
            raise MagentoError("The invoice can't be created without products. Add products and try again.")
        item = items[item_id]
        item["qty_invoiced"] = item.get("qty_invoiced", 0) + qty
        total += float(item.get("price") or 0) * qty
        lines.append({"entity_id": ctx.new_id("invoice_items"), "parent_id": invoice_id, "order_item_id": item_id,
                      "sku": item["sku"], "name": item["name"], "qty": qty, "price": item.get("price"),
                      "row_total": round(float(item.get("price") or 0) * qty, 2), "product_id": item.get("product_id")})
    first = not float(row.data.get("total_invoiced") or 0)
    amount = round(total + (float(row.data.get("shipping_amount") or 0) if first else 0), 2)
    ctx.create("invoices", {
        "increment_id": f"{invoice_id:09d}", "state": 2, "store_id": row.data.get("store_id", 1),
        "grand_total": amount, "subtotal": round(total, 2), "shipping_amount": row.data.get("shipping_amount")
        if first else 0, "tax_amount": 0, "base_currency_code": row.data.get("base_currency_code"),
        "total_qty": sum(line["qty"] for line in lines), "items": lines, "comments": [],
        "billing_address_id": row.data.get("billing_address_id"), "email_sent": int(bool(body.get("notify"))),
        "can_void_flag": 0}, record_id=invoice_id, parent_id=row.record_id)
    for name in ("total_invoiced", "base_total_invoiced", "total_paid", "base_total_paid"):
        row.data[name] = round(float(row.data.get(name) or 0) + amount, 2)
    row.data["total_due"] = max(round(float(row.data.get("grand_total") or 0) - row.data["total_paid"], 2), 0)
    shipped = all(i.get("qty_shipped", 0) >= i["qty_ordered"] for i in items.values())
    paid = row.data["total_paid"] >= float(row.data.get("grand_total") or 0)
    row.data["state"] = row.status = "complete" if shipped and paid else "processing"
    ctx.touch(row)
    return invoice_id


def track_add(ctx: Ctx, body, **_) -> dict:
    """`POST /V1/shipment/track` {"entity": {parent_id, order_id, track_number, title, carrier_code}}."""
    entity = body_member(body, "entity")
    shipment = ctx.row("shipments", entity.get("parent_id"))
    if shipment is None:
        raise MagentoError("Could not save the shipment tracking.")
    track = _track(ctx, shipment.record_id, shipment.parent_id, entity)
    shipment.data.setdefault("tracks", []).append(track)
    ctx.touch(shipment)
    order = ctx.row("orders", shipment.parent_id)
    if order is not None:
        ctx.touch(order)
    return track


# ------------------------------------------------------------------ MSI source items


def source_items(ctx: Ctx, body) -> dict:
    """`GET /V1/inventory/source-items`: one item per stock-keeping product on the `default` source (the
    same quantity the product's stock_item shows)."""
    items = []
    for row in ctx.rows("products").exclude(data__type_id="configurable").order_by("record_id"):
        stock = row.data.get("stock") or {}
        items.append({"sku": row.lookup, "source_code": "default", "quantity": stock.get("qty", 0),
                      "status": 1 if stock.get("is_in_stock") else 0})
    return search_answer(ctx, items, id_field="sku")


def source_items_save(ctx: Ctx, body) -> list:
    """`POST /V1/inventory/source-items` {"sourceItems": [{sku, source_code, quantity, status}]} -> []."""
    entries = body.get("sourceItems") if isinstance(body, dict) else None
    if not isinstance(entries, list) or not entries:
        raise MagentoError("Input data is empty")
    rows = []
    for entry in entries:
        if not isinstance(entry, dict) or entry.get("source_code", "default") != "default":
            raise MagentoError("Validation Failed", status=400, errors=[
                {"message": 'Source with code "%code" does not exist.',
                 "parameters": {"code": (entry or {}).get("source_code") if isinstance(entry, dict) else None}}])
        rows.append((product_row(ctx, str(entry.get("sku"))), entry))
    for row, entry in rows:
        stock = row.data.setdefault("stock", {})
        stock["qty"] = entry.get("quantity", stock.get("qty", 0))
        stock["is_in_stock"] = bool(int(entry.get("status", 1)))
        ctx.touch(row)
    return []
