"""Seed orders for the Magento 2 sandbox: one document per order as `GET /V1/orders/{id}` renders it, and
the invoices, shipments (with tracks) and credit memos its status implies:

pending/holded: nothing invoiced or shipped; processing: invoiced; complete: invoiced and shipped with a
track; canceled: every quantity canceled; closed: invoiced, shipped and refunded by one credit memo.
"""
from collections import Counter
from datetime import timedelta

from .common import mdate

STATUSES = ("pending", "processing", "complete", "canceled", "closed", "holded")
STATE_OF = {"pending": "new", "processing": "processing", "complete": "complete", "canceled": "canceled",
            "closed": "closed", "holded": "holded"}
CARRIERS = (("ups", "United Parcel Service"), ("usps", "United States Postal Service"), ("fedex", "Federal Express"),
            ("dhl", "DHL"))
SHIPPING = 5.0
PAYMENT_TITLE = "Check / Money order"


def _lines(s, order_id, sellable, store_id, created) -> list[dict]:
    items = []
    for product in s.rng.sample(sellable, k=min(len(sellable), s.rng.randint(1, 3))):
        qty = float(s.rng.randint(1, 3))
        base = {"order_id": order_id, "sku": product["sku"], "name": product["name"], "store_id": store_id,
                "qty_ordered": qty, "qty_invoiced": 0.0, "qty_shipped": 0.0, "qty_refunded": 0.0,
                "qty_canceled": 0.0, "tax_amount": 0, "tax_percent": 0, "discount_amount": 0, "is_virtual": 0,
                "weight": 1, "created_at": mdate(created), "updated_at": mdate(created)}
        price = product["price"]
        line = {**base, "item_id": s.ids("order_items", 1)[0], "price": price, "base_price": price,
                "original_price": price, "row_total": round(price * qty, 2), "base_row_total": round(price * qty, 2)}
        if product["parent"]:
            line.update({"product_id": product["parent"][0], "product_type": "configurable"})
            child = {**base, "item_id": s.ids("order_items", 1)[0], "product_id": product["id"],
                     "product_type": "simple", "price": 0, "base_price": 0, "original_price": 0, "row_total": 0,
                     "base_row_total": 0, "parent_item_id": line["item_id"]}
            items += [line, child]
        else:
            line.update({"product_id": product["id"], "product_type": "simple"})
            items.append(line)
    return items


def _doc_items(s, doc_id: int, items: list[dict], sequence: str) -> list[dict]:
    return [{"entity_id": s.ids(sequence, 1)[0], "parent_id": doc_id, "order_item_id": item["item_id"],
             "sku": item["sku"], "name": item["name"], "qty": item["qty_ordered"], "price": item["price"],
             "row_total": item["row_total"], "product_id": item["product_id"]}
            for item in items if not item.get("parent_item_id")]


def _history(s, order_id: int, entries: list[tuple[str, str, object]]) -> list[dict]:
    return [{"comment": comment, "created_at": mdate(when), "entity_id": s.ids("order_status_history", 1)[0],
             "entity_name": "order", "is_customer_notified": 0, "is_visible_on_front": 0, "parent_id": order_id,
             "status": status} for status, comment, when in reversed(entries)]  # newest first, as Magento lists


def orders_seed(s, count: int, sellable: list[dict], people: list[dict], views: list[dict], address_fn) -> dict:
    """Create `count` orders (statuses cycle first, then random) and answer the counts per list endpoint."""
    counts = Counter()
    if not sellable or count <= 0:
        return {"orders": 0, "invoices": 0, "shipments": 0, "creditmemos": 0, "orders_by_status": {}}
    order_ids = s.ids("orders", count)
    for index, order_id in enumerate(order_ids):
        status = STATUSES[index] if index < len(STATUSES) else s.rng.choice(STATUSES)
        customer = s.rng.choice(people) if people and s.rng.random() < 0.8 else None
        if customer:
            first, last, email = customer["first"], customer["last"], customer["email"]
            address, store_id = dict(customer["address"]), customer["store_id"]
            created = s.after(customer["created"], 300)
        else:
            first, last, email = "Guest", f"Buyer{index + 1}", f"guest{index + 1}@example.com"
            address, store_id, created = address_fn(s, first, last), views[0]["id"], s.past(400, 1)
        address = {k: v for k, v in address.items() if k not in ("id", "default_shipping", "default_billing")}
        modified = s.after(created, 20)
        view_name = next((v["name"] for v in views if v["id"] == store_id), views[0]["name"])
        items = _lines(s, order_id, sellable, store_id, created)
        subtotal = round(sum(i["row_total"] for i in items), 2)
        grand = round(subtotal + SHIPPING, 2)
        invoiced = status in ("processing", "complete", "closed")
        shipped = status in ("complete", "closed")
        for item in items:
            item["qty_invoiced"] = item["qty_ordered"] if invoiced else 0.0
            item["qty_shipped"] = item["qty_ordered"] if shipped and not item.get("parent_item_id") else 0.0
            item["qty_refunded"] = item["qty_ordered"] if status == "closed" else 0.0
            item["qty_canceled"] = item["qty_ordered"] if status == "canceled" else 0.0
        billing_id, shipping_id = s.ids("order_addresses", 2)
        billing = {**address, "address_type": "billing", "entity_id": billing_id, "parent_id": order_id,
                   "email": email, "region_code": address.get("region", {}).get("region_code")}
        billing.pop("region", None)
        billing["region"] = (address.get("region") or {}).get("region")
        shipping = {**billing, "address_type": "shipping", "entity_id": shipping_id}
        history = [("pending", None, created)]
        if invoiced:
            history.append(("processing", f"Captured amount of ${grand:.2f} online.", s.after(created, 2)))
        if shipped:
            history.append(("complete", "Order shipped.", s.after(created, 5)))
        if status in ("canceled", "holded", "closed"):
            history.append((status, {"canceled": "Order canceled.", "holded": "On hold: stock check.",
                                     "closed": "Refunded in full."}[status], modified))
        paid = grand if invoiced else 0
        data = {
            "state": STATE_OF[status], "base_currency_code": s.store.settings.get("currency", "USD"),
            "order_currency_code": s.store.settings.get("currency", "USD"),
            "global_currency_code": s.store.settings.get("currency", "USD"),
            "store_currency_code": s.store.settings.get("currency", "USD"),
            "customer_email": email, "customer_firstname": first, "customer_lastname": last,
            "customer_id": customer["id"] if customer else None, "customer_is_guest": 0 if customer else 1,
            "customer_group_id": 1 if customer else 0, "customer_note_notify": 1, "store_id": store_id,
            "store_name": f"Main Website\nMain Website Store\n{view_name}", "items": items,
            "subtotal": subtotal, "base_subtotal": subtotal, "shipping_amount": SHIPPING,
            "base_shipping_amount": SHIPPING, "tax_amount": 0, "base_tax_amount": 0, "discount_amount": 0,
            "grand_total": grand, "base_grand_total": grand, "total_paid": paid, "base_total_paid": paid,
            "total_invoiced": paid, "base_total_invoiced": paid,
            "total_refunded": grand if status == "closed" else 0, "total_canceled": grand if status == "canceled"
            else 0, "total_due": 0 if invoiced or status == "canceled" else grand,
            "total_qty_ordered": sum(i["qty_ordered"] for i in items if not i.get("parent_item_id")),
            "total_item_count": len([i for i in items if not i.get("parent_item_id")]),
            "shipping_description": "Flat Rate - Fixed", "weight": float(len(items)), "billing_address": billing,
            "billing_address_id": billing_id, "is_virtual": 0, "email_sent": 1,
            "payment": {"account_status": None, "additional_information": [PAYMENT_TITLE], "amount_ordered": grand,
                        "base_amount_ordered": grand, "amount_paid": paid, "base_amount_paid": paid,
                        "entity_id": order_id, "parent_id": order_id, "method": "checkmo", "last_trans_id": None},
            "status_histories": _history(s, order_id, history),
            "extension_attributes": {
                "shipping_assignments": [{"shipping": {"address": shipping, "method": "flatrate_flatrate",
                                                       "total": {"shipping_amount": SHIPPING,
                                                                 "base_shipping_amount": SHIPPING}},
                                          "items": items}],
                "payment_additional_info": [{"key": "method_title", "value": PAYMENT_TITLE}],
                "applied_taxes": [], "item_applied_taxes": []},
        }
        if status == "holded":
            data["hold_before_state"], data["hold_before_status"] = "new", "pending"
        s.add("orders", order_id, data, created=created, modified=modified, lookup=f"{order_id:09d}", status=status)
        counts["orders"] += 1
        counts[f"status:{status}"] += 1
        common = {"store_id": store_id, "grand_total": grand, "subtotal": subtotal, "shipping_amount": SHIPPING,
                  "tax_amount": 0, "base_currency_code": data["base_currency_code"], "comments": []}
        if invoiced:
            iid = s.ids("invoices", 1)[0]
            s.add("invoices", iid, {**common, "increment_id": f"{iid:09d}", "state": 2,
                                    "billing_address_id": billing_id, "total_qty": data["total_qty_ordered"],
                                    "email_sent": 1, "can_void_flag": 0,
                                    "items": _doc_items(s, iid, items, "invoice_items")},
                  created=s.after(created, 2), parent_id=order_id)
            counts["invoices"] += 1
        if shipped:
            sid = s.ids("shipments", 1)[0]
            when = s.after(created, 5)
            code, title = s.rng.choice(CARRIERS)
            track = {"entity_id": s.ids("shipment_tracks", 1)[0], "order_id": order_id, "parent_id": sid,
                     "track_number": f"1Z{s.rng.randint(10**9, 10**10 - 1)}", "title": title, "carrier_code": code,
                     "description": None, "qty": None, "weight": None, "created_at": mdate(when),
                     "updated_at": mdate(when)}
            s.add("shipments", sid, {"increment_id": f"{sid:09d}", "store_id": store_id,
                                     "total_qty": data["total_qty_ordered"], "tracks": [track], "packages": [],
                                     "comments": [], "customer_id": data["customer_id"], "email_sent": 1,
                                     "billing_address_id": billing_id, "shipping_address_id": shipping_id,
                                     "items": _doc_items(s, sid, items, "shipment_items")},
                  created=when, parent_id=order_id)
            counts["shipments"] += 1
        if status == "closed":
            mid = s.ids("creditmemos", 1)[0]
            s.add("creditmemos", mid, {**common, "increment_id": f"{mid:09d}", "state": 2, "adjustment": 0,
                                       "adjustment_positive": 0, "adjustment_negative": 0, "email_sent": 1,
                                       "billing_address_id": billing_id,
                                       "items": _doc_items(s, mid, items, "creditmemo_items")},
                  created=modified - timedelta(seconds=1) if modified > created else modified, parent_id=order_id)
            counts["creditmemos"] += 1
    by_status = {key.split(":", 1)[1]: value for key, value in counts.items() if key.startswith("status:")}
    return {"orders": counts["orders"], "invoices": counts["invoices"], "shipments": counts["shipments"],
            "creditmemos": counts["creditmemos"], "orders_by_status": by_status}
