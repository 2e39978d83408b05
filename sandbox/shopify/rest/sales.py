"""REST renderers of customers (+ addresses), orders (+ line items, fulfillments, transactions, refunds),
price rules and discount codes (https://shopify.dev/docs/api/admin-rest/latest/resources/order and the pages
next to it)."""
import base64
from decimal import Decimal

from ...models import SandboxRecord
from ..common import Ctx, money
from ..data import record_get, records
from .shapes import admin_id, created, lower_enum, price_set, rest_time, tags_text, updated

STATE = {"ENABLED": "enabled", "DISABLED": "disabled", "INVITED": "invited", "DECLINED": "declined"}


def address(value: dict | None, *, customer_id: int | None = None, default: bool | None = None) -> dict | None:
    """A MailingAddress: an order's billing/shipping address, or (with `customer_id`) a customer address."""
    if not value:
        return None
    first, last = value.get("firstName"), value.get("lastName")
    out = {
        "first_name": first, "address1": value.get("address1"), "phone": value.get("phone"),
        "city": value.get("city"), "zip": value.get("zip"), "province": value.get("province"),
        "country": value.get("country"), "last_name": last, "address2": value.get("address2"),
        "company": value.get("company"), "latitude": None, "longitude": None,
        "name": " ".join(p for p in (first, last) if p), "country_code": value.get("countryCode"),
        "province_code": value.get("provinceCode"),
    }
    if customer_id is None:
        return out
    out.pop("latitude")
    out.pop("longitude")
    return {"id": value.get("id"), "customer_id": customer_id, **out, "country_name": value.get("country"),
            "default": bool(default)}


def customer_addresses(record: SandboxRecord) -> list[dict]:
    d = record.data
    addresses = d.get("addresses") or []
    default_id = d.get("defaultAddressId") or (addresses[0].get("id") if addresses else None)
    return [address(a, customer_id=record.record_id, default=a.get("id") == default_id) for a in addresses]


def customer_orders_prefetch(ctx: Ctx, customers: list[SandboxRecord]) -> None:
    """Load the orders of a page of customers in one query (for their counts and last order)."""
    found: dict = {c.record_id: [] for c in customers}
    for row in records(ctx, "orders").filter(parent_id__in=list(found)).order_by("record_id").only(
            "record_id", "parent_id", "lookup", "data"):
        found[row.parent_id].append(row)
    for customer_id, rows in found.items():
        ctx.cache[("rest_orders_of", customer_id)] = rows


def customer(ctx: Ctx, record: SandboxRecord, *, orders: list | None = None) -> dict:
    d = record.data
    consent = d.get("emailMarketingConsent") or {}
    key = ("rest_orders_of", record.record_id)  # a page of orders embeds the same customers again and again
    if orders is None and key not in ctx.cache:
        ctx.cache[key] = list(records(ctx, "orders").filter(parent_id=record.record_id).order_by("record_id")
                              .only("record_id", "lookup", "data"))
    own = orders if orders is not None else ctx.cache[key]
    last = own[-1] if own else None
    addresses = customer_addresses(record)
    default_address = next((a for a in addresses if a["default"]), None)
    return {
        "id": record.record_id, "email": d.get("email"), "created_at": created(record), "updated_at": updated(record),
        "first_name": d.get("firstName"), "last_name": d.get("lastName"), "orders_count": len(own),
        "state": STATE.get(d.get("state") or "DISABLED", "disabled"),
        "total_spent": money(sum((Decimal((o.data.get("totals") or {}).get("total") or 0) for o in own),
                                 Decimal(0))),
        "last_order_id": last.record_id if last else None, "note": d.get("note"),
        "verified_email": d.get("verifiedEmail", True), "multipass_identifier": None,
        "tax_exempt": bool(d.get("taxExempt")), "tags": tags_text(d.get("tags")),
        "last_order_name": last.lookup if last else None, "currency": ctx.currency, "phone": d.get("phone"),
        "addresses": addresses, "tax_exemptions": [],
        "email_marketing_consent": {
            "state": lower_enum(consent.get("marketingState") or "NOT_SUBSCRIBED"),
            "opt_in_level": lower_enum(consent.get("marketingOptInLevel")),
            "consent_updated_at": rest_time(consent.get("consentUpdatedAt")),
        } if d.get("email") else None,
        "sms_marketing_consent": None, "admin_graphql_api_id": admin_id("Customer", record.record_id),
        # like Shopify, no `default_address` key at all for a customer without addresses
        **({"default_address": default_address} if default_address else {}),
    }


def _tax_lines(lines, currency: str) -> list[dict]:
    return [{"price": money(t.get("price") or 0), "rate": float(t.get("rate") or 0), "title": t.get("title", ""),
             "price_set": price_set(t.get("price") or 0, currency), "channel_liable": bool(t.get("channelLiable"))}
            for t in lines or []]


def _fulfilled(d: dict) -> dict:
    done: dict = {}
    for f in d.get("fulfillments") or []:
        if f.get("status", "SUCCESS") == "SUCCESS":
            for item in f.get("lineItems") or []:
                done[item["lineItemId"]] = done.get(item["lineItemId"], 0) + int(item["quantity"])
    return done


def line_item(li: dict, currency: str, fulfilled: dict) -> dict:
    quantity = int(li.get("quantity") or 0)
    done = fulfilled.get(li.get("id"), 0)
    discount = li.get("discount") or "0"
    return {
        "id": li["id"], "admin_graphql_api_id": admin_id("LineItem", li["id"]), "attributed_staffs": [],
        "current_quantity": quantity, "fulfillable_quantity": max(0, quantity - done),
        "fulfillment_service": "manual",
        "fulfillment_status": "fulfilled" if quantity and done >= quantity else ("partial" if done else None),
        "gift_card": bool(li.get("giftCard")), "grams": int(li.get("grams") or 0),
        "name": li.get("name") or li.get("title", ""), "price": money(li.get("price")),
        "price_set": price_set(li.get("price") or 0, currency), "product_exists": li.get("productId") is not None,
        "product_id": li.get("productId"),
        "properties": [{"name": p["name"], "value": p["value"]} for p in li.get("properties") or []],
        "quantity": quantity, "requires_shipping": li.get("requiresShipping", True), "sku": li.get("sku"),
        "taxable": li.get("taxable", True), "title": li.get("title", ""), "total_discount": money(discount),
        "total_discount_set": price_set(discount, currency), "variant_id": li.get("variantId"),
        "variant_inventory_management": "shopify" if li.get("variantId") else None,
        "variant_title": li.get("variantTitle"), "vendor": li.get("vendor"),
        "tax_lines": _tax_lines(li.get("taxLines"), currency), "duties": [],
        "discount_allocations": [{"amount": money(discount), "amount_set": price_set(discount, currency),
                                  "discount_application_index": 0}] if Decimal(money(discount)) else [],
    }


def fulfillment(order: SandboxRecord, f: dict) -> dict:
    d = order.data
    currency = d.get("currencyCode") or "USD"
    fulfilled = _fulfilled(d)
    lines = {li["id"]: li for li in d.get("lineItems") or []}
    tracking = f.get("trackingInfo") or []
    items = []
    for item in f.get("lineItems") or []:
        rendered = line_item(lines.get(item["lineItemId"], {"id": item["lineItemId"]}), currency, fulfilled)
        items.append({**rendered, "quantity": int(item["quantity"])})
    return {
        "id": f["id"], "admin_graphql_api_id": admin_id("Fulfillment", f["id"]),
        "created_at": rest_time(f.get("createdAt")), "location_id": f.get("locationId"), "name": f.get("name", ""),
        "order_id": order.record_id, "origin_address": {}, "receipt": {}, "service": "manual",
        "shipment_status": lower_enum(f.get("displayStatus")) if f.get("displayStatus") in (
            "DELIVERED", "IN_TRANSIT", "OUT_FOR_DELIVERY", "ATTEMPTED_DELIVERY", "FAILURE", "LABEL_PRINTED",
            "LABEL_PURCHASED", "READY_FOR_PICKUP", "CONFIRMED") else None,
        "status": lower_enum(f.get("status") or "SUCCESS"),
        "tracking_company": tracking[0].get("company") if tracking else None,
        "tracking_number": tracking[0].get("number") if tracking else None,
        "tracking_numbers": [t.get("number") for t in tracking if t.get("number")],
        "tracking_url": tracking[0].get("url") if tracking else None,
        "tracking_urls": [t.get("url") for t in tracking if t.get("url")],
        "updated_at": rest_time(f.get("updatedAt") or f.get("createdAt")), "line_items": items,
    }


def _parent_of(t: dict, transactions: list[dict]) -> int | None:
    if t.get("parentId"):
        return t["parentId"]
    if t.get("kind") in ("REFUND", "CAPTURE", "VOID"):
        kinds = ("AUTHORIZATION",) if t["kind"] in ("CAPTURE", "VOID") else ("SALE", "CAPTURE")
        parent = next((p for p in transactions if p.get("kind") in kinds and p.get("status", "SUCCESS") == "SUCCESS"),
                      None)
        return parent["id"] if parent else None
    return None


def transaction(order: SandboxRecord, t: dict) -> dict:
    d = order.data
    currency = d.get("currencyCode") or "USD"
    when = rest_time(t.get("processedAt")) or created(order)
    return {
        "id": t["id"], "order_id": order.record_id, "kind": lower_enum(t.get("kind") or "SALE"),
        "gateway": t.get("gateway"), "status": lower_enum(t.get("status") or "SUCCESS"), "message": None,
        "created_at": when, "test": bool(t.get("test")), "authorization": t.get("authorizationCode"),
        "location_id": None, "user_id": None, "parent_id": _parent_of(t, d.get("transactions") or []),
        "processed_at": when, "device_id": None, "error_code": None, "source_name": d.get("sourceName") or "web",
        "receipt": {}, "currency_exchange_adjustment": None, "amount": money(t.get("amount")), "currency": currency,
        "payment_id": f"#{d.get('number', '')}.{t['id']}", "total_unsettled_set": price_set(0, currency),
        "manual_payment_gateway": t.get("gateway") == "manual", "amount_rounding": None,
        "admin_graphql_api_id": admin_id("OrderTransaction", t["id"]),
    }


def order_refunds(order: SandboxRecord) -> list[dict]:
    """The order's refunds: those `refundCreate` recorded, and for a REFUND transaction recorded without one
    (historical imports, the seed) the refund Shopify would show for it, with the transaction's id."""
    d = order.data
    currency = d.get("currencyCode") or "USD"
    transactions = d.get("transactions") or []
    by_id = {t["id"]: t for t in transactions}
    lines = {li["id"]: li for li in d.get("lineItems") or []}
    stored = list(d.get("refunds") or [])
    covered = {tid for r in stored for tid in r.get("transactionIds") or []}
    stored += [{"id": t["id"], "note": None, "createdAt": t.get("processedAt"), "transactionIds": [t["id"]],
                "lineItems": []}
               for t in transactions if t.get("kind") == "REFUND" and t["id"] not in covered]
    fulfilled = _fulfilled(d)
    out = []
    for r in stored:
        when = rest_time(r.get("createdAt")) or created(order)
        refund_lines = []
        for n, item in enumerate(r.get("lineItems") or []):
            li = lines.get(item.get("lineItemId"), {"id": item.get("lineItemId")})
            quantity = int(item.get("quantity") or 0)
            subtotal = Decimal(money(li.get("price"))) * quantity
            if item.get("subtotal") is not None:  # recorded by refundCreate (after discounts)
                subtotal = Decimal(item["subtotal"])
            tax = Decimal(item.get("tax") or 0)
            refund_lines.append({
                # refund line items keep no id of their own: a derived one, outside the 13-digit id sequence
                "id": item.get("id") or int(f"{r['id']}{n + 1:02d}"), "quantity": quantity,
                "line_item_id": li["id"], "location_id": None,
                "restock_type": lower_enum(item.get("restockType") or "NO_RESTOCK"),
                "subtotal": float(subtotal), "total_tax": float(tax), "subtotal_set": price_set(subtotal, currency),
                "total_tax_set": price_set(tax, currency), "line_item": line_item(li, currency, fulfilled),
            })
        out.append({
            "id": r["id"], "order_id": order.record_id, "created_at": when, "note": r.get("note"), "user_id": None,
            "processed_at": when, "restock": False, "duties": [], "total_duties_set": price_set(0, currency),
            "return": None, "admin_graphql_api_id": admin_id("Refund", r["id"]), "refund_line_items": refund_lines,
            "transactions": [transaction(order, by_id[tid]) for tid in r.get("transactionIds") or [] if tid in by_id],
            "order_adjustments": [],
        })
    return out


def _financial(d: dict) -> str | None:
    return lower_enum(d.get("financialStatus"))


def _fulfillment_status(d: dict) -> str | None:
    status = d.get("fulfillmentStatus") or "UNFULFILLED"
    return {"FULFILLED": "fulfilled", "PARTIALLY_FULFILLED": "partial", "RESTOCKED": "restocked"}.get(status)


def order(ctx: Ctx, record: SandboxRecord, *, with_customer: bool = True) -> dict:
    d = record.data
    currency = d.get("currencyCode") or ctx.currency
    presentment = d.get("presentmentCurrencyCode") or currency
    totals = d.get("totals") or {}
    fulfilled = _fulfilled(d)
    lines = d.get("lineItems") or []
    line_total = sum((Decimal(money(li.get("price"))) * int(li.get("quantity") or 0) for li in lines), Decimal(0))
    total = Decimal(money(totals.get("total")))
    paid = sum((Decimal(money(t.get("amount"))) for t in d.get("transactions") or []
                if t.get("kind") in ("SALE", "CAPTURE") and t.get("status", "SUCCESS") == "SUCCESS"), Decimal(0))
    # `current_*` leave out removed line items; the store records refunds of money, not removed lines
    current_total = total

    def money_pair(key: str, value) -> dict:
        return {key: money(value), f"{key}_set": price_set(value, currency, presentment)}

    applications = d.get("discountApplications") or []
    customer_row = record_get(ctx, "customers", record.parent_id) if with_customer and record.parent_id else None
    gateways = sorted({t.get("gateway") for t in d.get("transactions") or [] if t.get("gateway")})
    domain = f"{ctx.store.name}.myshopify.com"
    return {
        "id": record.record_id, "admin_graphql_api_id": admin_id("Order", record.record_id), "app_id": None,
        "browser_ip": None, "buyer_accepts_marketing": False, "cancel_reason": lower_enum(d.get("cancelReason")),
        "cancelled_at": rest_time(d.get("cancelledAt")), "cart_token": None, "checkout_id": None,
        "checkout_token": None, "client_details": None, "closed_at": rest_time(d.get("closedAt")), "company": None,
        "confirmation_number": None, "confirmed": True, "contact_email": d.get("email"),
        "created_at": created(record), "currency": currency,
        **money_pair("current_subtotal_price", Decimal(money(totals.get("subtotal")))),
        "current_total_additional_fees_set": None,
        **money_pair("current_total_discounts", totals.get("discounts") or 0),
        "current_total_duties_set": None,
        **money_pair("current_total_price", current_total),
        **money_pair("current_total_tax", totals.get("tax") or 0),
        "customer_locale": None, "device_id": None,
        "discount_codes": [{"code": a.get("code", ""), "amount": money(totals.get("discounts") or 0),
                            "type": "percentage" if a.get("percentage") is not None else "fixed_amount"}
                           for a in applications if a.get("code")],
        "duties_included": False, "email": d.get("email"), "estimated_taxes": False, "financial_status": _financial(d),
        "fulfillment_status": _fulfillment_status(d), "landing_site": None, "landing_site_ref": None,
        "location_id": None,
        "merchant_business_entity_id": base64.b64encode(str(ctx.store.settings.get("shop_id", "")).encode())
        .decode().rstrip("="),
        "merchant_of_record_app_id": None, "name": record.lookup or d.get("name"),
        "note": d.get("note"),
        "note_attributes": [{"name": a["key"], "value": a["value"]} for a in d.get("customAttributes") or []],
        "number": int(d.get("number") or 0) - 1000 if d.get("number") else None,
        "order_number": d.get("number"),
        "order_status_url": f"https://{domain}/{ctx.store.settings.get('shop_id', '')}/orders/{record.record_id}"
                            "/authenticate",
        "original_total_additional_fees_set": None, "original_total_duties_set": None,
        "payment_gateway_names": gateways, "phone": d.get("phone"), "po_number": d.get("poNumber"),
        "presentment_currency": presentment, "processed_at": rest_time(d.get("processedAt")) or created(record),
        "reference": None, "referring_site": None, "source_identifier": d.get("sourceIdentifier"),
        "source_name": d.get("sourceName") or "web", "source_url": None,
        **money_pair("subtotal_price", totals.get("subtotal") or 0),
        "tags": tags_text(d.get("tags")), "tax_exempt": False,
        "tax_lines": _tax_lines(d.get("taxLines"), currency), "taxes_included": bool(d.get("taxesIncluded")),
        "test": bool(d.get("test")), "token": f"{record.record_id:x}",
        "total_cash_rounding_payment_adjustment_set": price_set(0, currency, presentment),
        "total_cash_rounding_refund_adjustment_set": price_set(0, currency, presentment),
        **money_pair("total_discounts", totals.get("discounts") or 0),
        **money_pair("total_line_items_price", line_total),
        "total_outstanding": money(max(Decimal(0), total - paid)),
        **money_pair("total_price", total),
        "total_shipping_price_set": price_set(totals.get("shipping") or 0, currency, presentment),
        **money_pair("total_tax", totals.get("tax") or 0),
        "total_tip_received": "0.00", "total_weight": int(d.get("totalWeight") or 0),
        "updated_at": updated(record), "user_id": None,
        "billing_address": address(d.get("billingAddress")),
        "customer": _order_customer(ctx, customer_row) if customer_row else None,
        "discount_applications": [
            {"target_type": lower_enum(a.get("targetType") or "LINE_ITEM"), "type": "discount_code",
             "value": str(a["percentage"]) if a.get("percentage") is not None else money(a.get("amount")),
             "value_type": "percentage" if a.get("percentage") is not None else "fixed_amount",
             "allocation_method": lower_enum(a.get("allocationMethod") or "ACROSS"),
             "target_selection": lower_enum(a.get("targetSelection") or "ALL"), "code": a.get("code", "")}
            for a in applications],
        "fulfillments": [fulfillment(record, f) for f in d.get("fulfillments") or []],
        "line_items": [line_item(li, currency, fulfilled) for li in lines],
        "payment_terms": None, "refunds": order_refunds(record),
        "shipping_address": address(d.get("shippingAddress")),
        "shipping_lines": [{
            "id": s["id"], "carrier_identifier": None, "code": s.get("code"),
            "discounted_price": money(s.get("price")),
            "discounted_price_set": price_set(s.get("price") or 0, currency, presentment), "is_removed": False,
            "phone": None, "price": money(s.get("price")), "price_set": price_set(s.get("price") or 0, currency,
                                                                                presentment),
            "requested_fulfillment_service_id": None, "source": s.get("source"), "title": s.get("title", ""),
            "tax_lines": _tax_lines(s.get("taxLines"), currency), "discount_allocations": []}
            for s in d.get("shippingLines") or []],
    }


ORDER_CUSTOMER_KEYS = ("id", "created_at", "updated_at", "first_name", "last_name", "state", "note",
                       "verified_email", "multipass_identifier", "tax_exempt", "email_marketing_consent",
                       "sms_marketing_consent", "tags", "email", "phone", "currency", "tax_exemptions",
                       "admin_graphql_api_id", "default_address")


def _order_customer(ctx: Ctx, row: SandboxRecord) -> dict:
    """The customer embedded in an order: fewer keys than the customer resource (no order counts or address
    list), as in Shopify's order payloads."""
    full = customer(ctx, row, orders=[])  # the counts are not embedded: no need to load the orders
    return {key: full[key] for key in ORDER_CUSTOMER_KEYS if key in full}


def price_rule(ctx: Ctx, record: SandboxRecord) -> dict:
    d = record.data
    value = d.get("value") or {}
    items = d.get("items") or {"all": True}
    minimum = d.get("minimumRequirement") or {}
    if value.get("percentage") is not None:
        value_type, amount = "percentage", f"-{float(value['percentage']) * 100:.1f}"
    else:
        value_type, amount = "fixed_amount", f"-{float(value.get('amount') or 0):.1f}"
    entitled = bool(items.get("products") or items.get("variants") or items.get("collections"))
    return {
        "id": record.record_id, "value_type": value_type, "value": amount, "customer_selection": "all",
        "target_type": "line_item", "target_selection": "entitled" if entitled else "all",
        "allocation_method": "each" if value.get("appliesOnEachItem") else "across", "allocation_limit": None,
        "once_per_customer": bool(d.get("appliesOncePerCustomer")), "usage_limit": d.get("usageLimit"),
        "starts_at": rest_time(d.get("startsAt")) or created(record), "ends_at": rest_time(d.get("endsAt")),
        "created_at": created(record), "updated_at": updated(record),
        "entitled_product_ids": list(items.get("products") or []),
        "entitled_variant_ids": list(items.get("variants") or []),
        "entitled_collection_ids": list(items.get("collections") or []), "entitled_country_ids": [],
        "prerequisite_product_ids": [], "prerequisite_variant_ids": [], "prerequisite_collection_ids": [],
        "customer_segment_prerequisite_ids": [], "prerequisite_customer_ids": [],
        "prerequisite_subtotal_range": {"greater_than_or_equal_to": f"{float(minimum['subtotal']):.1f}"}
        if minimum.get("subtotal") else None,
        "prerequisite_quantity_range": {"greater_than_or_equal_to": int(minimum["quantity"])}
        if minimum.get("quantity") else None,
        "prerequisite_shipping_price_range": None,
        "prerequisite_to_entitlement_quantity_ratio": {"prerequisite_quantity": None, "entitled_quantity": None},
        "prerequisite_to_entitlement_purchase": {"prerequisite_amount": None},
        "title": d.get("title") or d.get("code", ""), "admin_graphql_api_id": admin_id("PriceRule", record.record_id),
    }


def discount_code(ctx: Ctx, record: SandboxRecord) -> dict:
    d = record.data
    code_id = d.get("codeId") or record.record_id
    return {"id": code_id, "price_rule_id": record.record_id, "code": d.get("code", ""),
            "usage_count": int(d.get("asyncUsageCount") or 0), "created_at": created(record),
            "updated_at": updated(record)}
