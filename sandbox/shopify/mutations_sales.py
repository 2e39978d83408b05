"""Customer and order mutations: customerCreate / customerUpdate / customerDelete, orderCreate (the
historical import: name, processedAt, statuses, lines, addresses, taxes, discounts, shipping, transactions,
fulfillment with tracking), orderUpdate, orderDelete, orderMarkAsPaid, orderCancel, refundCreate,
fulfillmentCreate, fulfillmentTrackingInfoUpdate."""
import re
from decimal import Decimal

from django.db.models import F

from ..models import SandboxSequence
from . import refunds, render
from .common import Ctx, gid, gid_id, iso, money, parse_when, user_error
from .data import new_ids, record_create, record_get, record_save, records
from .mutate import metafield_errors, metafields_write, mutation

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
PHONE = re.compile(r"^\+?[0-9][0-9 ()\-.]{5,20}$")
COUNTRIES = {
    "AE": "United Arab Emirates", "AR": "Argentina", "AT": "Austria", "AU": "Australia", "BE": "Belgium",
    "BG": "Bulgaria", "BR": "Brazil", "CA": "Canada", "CH": "Switzerland", "CL": "Chile", "CN": "China",
    "CO": "Colombia", "CZ": "Czechia", "DE": "Germany", "DK": "Denmark", "EE": "Estonia", "ES": "Spain",
    "FI": "Finland", "FR": "France", "GB": "United Kingdom", "GR": "Greece", "HK": "Hong Kong SAR", "HR": "Croatia",
    "HU": "Hungary", "IE": "Ireland", "IL": "Israel", "IN": "India", "IS": "Iceland", "IT": "Italy", "JP": "Japan",
    "KR": "South Korea", "LT": "Lithuania", "LU": "Luxembourg", "LV": "Latvia", "MX": "Mexico", "MY": "Malaysia",
    "NL": "Netherlands", "NO": "Norway", "NZ": "New Zealand", "PH": "Philippines", "PL": "Poland", "PT": "Portugal",
    "RO": "Romania", "SE": "Sweden", "SG": "Singapore", "SI": "Slovenia", "SK": "Slovakia", "TH": "Thailand",
    "TR": "Türkiye", "TW": "Taiwan", "US": "United States", "ZA": "South Africa",
}
ORDER_NUMBER_SEQUENCE = "shopify_order_number"
FIRST_ORDER_NUMBER = 1001


def address_data(ctx: Ctx, value: dict | None, address_id: int | None = None) -> dict | None:
    if not value:
        return None
    out = {key: value.get(key) for key in ("address1", "address2", "city", "company", "firstName", "lastName",
                                           "phone", "provinceCode", "zip")}
    out["countryCode"] = value.get("countryCode")
    out["country"] = COUNTRIES.get(value.get("countryCode") or "", value.get("countryCode"))
    out["province"] = value.get("provinceCode")
    out["id"] = address_id or new_ids(ctx)[0]
    return out


def _customer_errors(ctx: Ctx, data: dict, exclude_id: int | None = None, prefix=()) -> list[dict]:
    errors = []
    email, phone = data.get("email"), data.get("phone")
    if email is not None and email != "" and not EMAIL.match(email):
        errors.append(user_error([*prefix, "email"], "Email is invalid"))
    elif email and records(ctx, "customers").filter(lookup=email.lower()).exclude(record_id=exclude_id).exists():
        errors.append(user_error([*prefix, "email"], "Email has already been taken"))
    if phone:
        if not PHONE.match(phone):
            errors.append(user_error([*prefix, "phone"], "Phone is invalid"))
        elif records(ctx, "customers").filter(data__phone=phone).exclude(record_id=exclude_id).exists():
            errors.append(user_error([*prefix, "phone"], "Phone has already been taken"))
    return errors


def _customer_apply(ctx: Ctx, data: dict, values: dict) -> None:
    for key in ("firstName", "lastName", "note", "locale", "phone"):
        if key in values and values[key] is not None:
            data[key] = values[key]
    if values.get("email") is not None:
        data["email"] = values["email"].strip().lower() or None  # Shopify keeps customer emails in lower case
    if values.get("tags") is not None:
        data["tags"] = sorted({t.strip() for t in values["tags"] if t and t.strip()}, key=str.lower)
    if values.get("taxExempt") is not None:
        data["taxExempt"] = bool(values["taxExempt"])
    if values.get("addresses") is not None:
        data["addresses"] = [address_data(ctx, a) for a in values["addresses"]]
        data["defaultAddressId"] = data["addresses"][0]["id"] if data["addresses"] else None
    consent = values.get("emailMarketingConsent")
    if consent:
        data["emailMarketingConsent"] = {"marketingState": consent["marketingState"],
                                         "marketingOptInLevel": consent.get("marketingOptInLevel") or "SINGLE_OPT_IN",
                                         "consentUpdatedAt": consent.get("consentUpdatedAt") or iso(ctx.now)}


def customer_create_record(ctx: Ctx, values: dict):
    data = {"tags": [], "addresses": [], "state": "DISABLED", "verifiedEmail": True, "taxExempt": False}
    _customer_apply(ctx, data, values)
    return record_create(ctx, "customers", data, lookup=(data.get("email") or "").lower())


@mutation("customerCreate", "write_customers")
def customer_create(ctx: Ctx, input):
    errors = []
    if input.get("id"):
        errors.append(user_error(["id"], "Cannot specify ID on creation"))
    if not any(input.get(k) for k in ("email", "phone", "firstName", "lastName")):
        errors.append(user_error(None, "A name, phone number, or email address must be present"))
    errors += _customer_errors(ctx, input)
    errors += metafield_errors(input.get("metafields"), ["metafields"])
    if errors:
        return {"customer": None, "userErrors": errors}
    record = customer_create_record(ctx, input)
    metafields_write(ctx, record.record_id, "CUSTOMER", input.get("metafields"))
    return {"customer": render.customer(ctx, record), "userErrors": []}


@mutation("customerUpdate", "write_customers")
def customer_update(ctx: Ctx, input):
    record = record_get(ctx, "customers", gid_id(input.get("id"), "Customer"))
    if record is None:
        return {"customer": None, "userErrors": [user_error(["id"], "Customer does not exist")]}
    errors = _customer_errors(ctx, input, record.record_id) + metafield_errors(input.get("metafields"), ["metafields"])
    if errors:
        return {"customer": None, "userErrors": errors}
    data = dict(record.data)
    _customer_apply(ctx, data, input)
    record.data = data
    record.lookup = (data.get("email") or "").lower()
    record_save(ctx, record)
    metafields_write(ctx, record.record_id, "CUSTOMER", input.get("metafields"))
    return {"customer": render.customer(ctx, record), "userErrors": []}


@mutation("customerDelete", "write_customers")
def customer_delete(ctx: Ctx, input):
    record = record_get(ctx, "customers", gid_id(input.get("id"), "Customer"))
    if record is None:
        return {"deletedCustomerId": None, "shop": render.shop(ctx),
                "userErrors": [user_error(["id"], "Customer can't be found")]}
    if records(ctx, "orders").filter(parent_id=record.record_id).exists():
        return {"deletedCustomerId": None, "shop": render.shop(ctx),
                "userErrors": [user_error(["id"], "Customer can’t be deleted because they have associated orders")]}
    records(ctx, "metafields").filter(parent_id=record.record_id).delete()
    record.delete()
    ctx.cache.pop(("customers", record.record_id), None)
    return {"deletedCustomerId": gid("Customer", record.record_id), "shop": render.shop(ctx), "userErrors": []}


# ---------------------------------------------------------------- orders


def next_order_number(ctx: Ctx) -> int:
    SandboxSequence.objects.bulk_create(
        [SandboxSequence(store=ctx.store, name=ORDER_NUMBER_SEQUENCE, last_id=FIRST_ORDER_NUMBER - 1)],
        ignore_conflicts=True,
    )
    SandboxSequence.objects.filter(store=ctx.store, name=ORDER_NUMBER_SEQUENCE).update(last_id=F("last_id") + 1)
    return SandboxSequence.objects.get(store=ctx.store, name=ORDER_NUMBER_SEQUENCE).last_id


def _amount(bag: dict | None) -> Decimal | None:
    if not bag:
        return None
    return Decimal(str(bag["shopMoney"]["amount"]))


def _tax_lines(lines, base: Decimal | None = None) -> list[dict]:
    out = []
    for t in lines or []:
        rate = Decimal(str(t["rate"]))
        price = _amount(t.get("priceSet"))
        if price is None:
            price = (base or Decimal(0)) * rate
        out.append({"title": t["title"], "rate": str(rate), "price": money(price),
                    "channelLiable": bool(t.get("channelLiable"))})
    return out


def _paid_and_refunded(transactions: list[dict]) -> tuple[Decimal, Decimal]:
    def total(kinds):
        return sum((Decimal(t["amount"]) for t in transactions if t["kind"] in kinds and t["status"] == "SUCCESS"),
                   Decimal(0))
    return total(("SALE", "CAPTURE")), total(("REFUND",))


def _financial_status(transactions: list[dict], total: Decimal) -> str:
    paid, refunded = _paid_and_refunded(transactions)
    authorized = any(t["kind"] == "AUTHORIZATION" and t["status"] == "SUCCESS" for t in transactions)
    if refunded and refunded >= paid > 0:
        return "REFUNDED"
    if refunded:
        return "PARTIALLY_REFUNDED"
    if paid >= total > 0 or (paid and paid >= total):
        return "PAID"
    if paid:
        return "PARTIALLY_PAID"
    return "AUTHORIZED" if authorized else "PENDING"


def fulfillment_status(lines: list[dict], fulfillments: list[dict], forced: str | None = None) -> str:
    if forced == "RESTOCKED":
        return "RESTOCKED"
    ordered = sum(int(li["quantity"]) for li in lines)
    done = sum(int(i["quantity"]) for f in fulfillments if f.get("status") == "SUCCESS" for i in f["lineItems"])
    if ordered and done >= ordered:
        return "FULFILLED"
    if done or forced == "PARTIAL":
        return "PARTIALLY_FULFILLED"
    return "UNFULFILLED"


def make_fulfillment(ctx: Ctx, order_name: str, index: int, items: list[dict], *, location_id: int,
                     tracking: list[dict], when: str, shipment_status: str | None = None) -> dict:
    ids = new_ids(ctx, 1 + len(items))
    return {
        "id": ids[0], "name": f"{order_name}-F{index}", "status": "SUCCESS",
        "displayStatus": "DELIVERED" if shipment_status == "DELIVERED" else "FULFILLED",
        "createdAt": when, "updatedAt": when, "deliveredAt": when if shipment_status == "DELIVERED" else None,
        "inTransitAt": None, "locationId": location_id, "trackingInfo": tracking,
        "lineItems": [{"id": fid, "lineItemId": item["lineItemId"], "quantity": item["quantity"]}
                      for fid, item in zip(ids[1:], items, strict=True)],
    }


def build_order(ctx: Ctx, order: dict, options: dict | None, errors: list) -> dict | None:
    """Validate an OrderCreateOrderInput and build the stored document, or add userErrors."""
    currency = order.get("currency") or ctx.currency
    presentment = order.get("presentmentCurrency") or currency
    processed = order.get("processedAt")
    processed_at = parse_when(processed) if processed else ctx.now
    if processed and processed_at is None:
        errors.append(user_error(["order", "processedAt"], "Processed at is invalid", "PROCESSED_AT_INVALID"))
    elif processed_at and processed_at > ctx.now:
        errors.append(user_error(["order", "processedAt"], "Processed at must not be in the future",
                                 "PROCESSED_AT_INVALID"))
    customer = order.get("customer") or {}
    if customer.get("toAssociate") and customer.get("toUpsert"):
        errors.append(user_error(["order", "customer"], "Only one of toAssociate or toUpsert can be provided",
                                 "REDUNDANT_CUSTOMER_FIELDS"))
    if order.get("email") and not EMAIL.match(order["email"]):
        errors.append(user_error(["order", "email"], "Email is invalid", "INVALID"))
    lines_input = order.get("lineItems") or []
    if not lines_input:
        errors.append(user_error(["order", "lineItems"], "Line items must have at least one line item", "INVALID"))
    lines = []
    line_ids = new_ids(ctx, len(lines_input)) if lines_input else []
    for i, line in enumerate(lines_input):
        path = ["order", "lineItems", str(i)]
        variant = None
        if line.get("variantId"):
            variant = record_get(ctx, "variants", gid_id(line["variantId"], "ProductVariant"))
            if variant is None:
                errors.append(user_error([*path, "variantId"], "invalid variant", "INVALID"))
                continue
        elif not (line.get("title") or "").strip():
            errors.append(user_error([*path, "title"], "Title can't be blank", "INVALID"))
            continue
        if int(line["quantity"]) < 1:
            errors.append(user_error([*path, "quantity"], "Quantity must be greater than or equal to 1", "INVALID"))
            continue
        price = _amount(line.get("priceSet"))
        if price is None:
            if variant is None:
                errors.append(user_error([*path, "priceSet"], "Price set can't be blank for a custom line item",
                                         "INVALID"))
                continue
            price = Decimal(variant.data.get("price") or "0")
        product = record_get(ctx, "products", variant.parent_id) if variant else None
        title = line.get("title") or (product.data.get("title") if product else "")
        variant_title = line.get("variantTitle") or (variant.data.get("title") if variant else None)
        if variant_title == "Default Title":
            variant_title = None
        lines.append({
            "id": line_ids[i], "title": title, "variantTitle": variant_title,
            "name": f"{title} - {variant_title}" if variant_title else title,
            "sku": line.get("sku") or (variant.data.get("sku") if variant else None),
            "vendor": line.get("vendor") or (product.data.get("vendor") if product else None),
            "quantity": int(line["quantity"]), "price": money(price),
            "productId": variant.parent_id if variant else gid_id(line.get("productId"), "Product"),
            "variantId": variant.record_id if variant else None,
            "requiresShipping": line.get("requiresShipping", True) if line.get("requiresShipping") is not None
            else True, "taxable": line.get("taxable") if line.get("taxable") is not None else True,
            "giftCard": bool(line.get("giftCard")), "properties": line.get("properties") or [],
            "taxLines": _tax_lines(line.get("taxLines"), price * int(line["quantity"])), "discount": "0.00",
        })
    shipping_input = order.get("shippingLines") or []
    shipping = []
    ship_ids = new_ids(ctx, len(shipping_input)) if shipping_input else []
    for i, s in enumerate(shipping_input):
        price = _amount(s["priceSet"])
        shipping.append({"id": ship_ids[i], "title": s["title"], "code": s.get("code"), "source": s.get("source"),
                         "price": money(price), "taxLines": _tax_lines(s.get("taxLines"), price)})
    fulfillment_input = order.get("fulfillment")
    location_id = None
    if fulfillment_input:
        location_id = gid_id(fulfillment_input.get("locationId"), "Location")
        if record_get(ctx, "locations", location_id) is None:
            errors.append(user_error(["order", "fulfillment", "locationId"], "Location does not exist", "INVALID"))
    if errors:
        return None

    subtotal = sum((Decimal(li["price"]) * li["quantity"] for li in lines), Decimal(0))
    codes, applications, discount_total = [], [], Decimal(0)
    discount = order.get("discountCode") or {}
    if discount.get("itemFixedDiscountCode"):
        d = discount["itemFixedDiscountCode"]
        discount_total = min(subtotal, _amount(d.get("amountSet")) or Decimal(0))
        codes.append(d["code"])
        applications.append({"code": d["code"], "amount": money(discount_total), "allocationMethod": "ACROSS",
                             "targetSelection": "ALL", "targetType": "LINE_ITEM"})
    elif discount.get("itemPercentageDiscountCode"):
        d = discount["itemPercentageDiscountCode"]
        percentage = Decimal(str(d.get("percentage") or 0))
        discount_total = (subtotal * percentage / 100).quantize(Decimal("0.01"))
        codes.append(d["code"])
        applications.append({"code": d["code"], "percentage": float(percentage), "allocationMethod": "ACROSS",
                             "targetSelection": "ALL", "targetType": "LINE_ITEM"})
    elif discount.get("freeShippingDiscountCode"):
        d = discount["freeShippingDiscountCode"]
        codes.append(d["code"])
        applications.append({"code": d["code"], "percentage": 100.0, "allocationMethod": "EACH",
                             "targetSelection": "ALL", "targetType": "SHIPPING_LINE"})
        for s in shipping:
            s["price"] = "0.00"
    remaining = discount_total
    for li in lines:  # allocate the order discount across the lines, proportionally
        if subtotal and discount_total:
            share = (discount_total * Decimal(li["price"]) * li["quantity"] / subtotal).quantize(Decimal("0.01"))
            share = min(share, remaining)
            li["discount"] = money(share)
            remaining -= share
    shipping_total = sum((Decimal(s["price"]) for s in shipping), Decimal(0))
    order_taxes = _tax_lines(order.get("taxLines"), subtotal - discount_total)
    all_taxes = order_taxes + [t for li in lines for t in li["taxLines"]] + [t for s in shipping for t in s["taxLines"]]
    tax_total = sum((Decimal(t["price"]) for t in all_taxes), Decimal(0))
    taxes_included = bool(order.get("taxesIncluded"))
    total = subtotal - discount_total + shipping_total + (Decimal(0) if taxes_included else tax_total)
    transactions = []
    tx_input = order.get("transactions") or []
    tx_ids = new_ids(ctx, len(tx_input)) if tx_input else []
    for i, t in enumerate(tx_input):
        transactions.append({"id": tx_ids[i], "kind": t.get("kind") or "SALE", "status": t.get("status") or "SUCCESS",
                             "gateway": t.get("gateway") or "manual", "amount": money(_amount(t["amountSet"])),
                             "authorizationCode": t.get("authorizationCode"),
                             "processedAt": iso(parse_when(t.get("processedAt"))) or iso(processed_at),
                             "test": bool(t.get("test"))})
    financial = order.get("financialStatus") or _financial_status(transactions, total)
    when = iso(processed_at)
    name = order.get("name")
    number = next_order_number(ctx)
    name = name or f"#{number}"
    fulfillments = []
    tracking_number = (fulfillment_input or {}).get("trackingNumber")
    if order.get("fulfillmentStatus") == "FULFILLED" or fulfillment_input:
        tracking = [{"company": fulfillment_input.get("trackingCompany"), "number": tracking_number, "url": None}] \
            if fulfillment_input and tracking_number else []
        fulfillments.append(make_fulfillment(
            ctx, name, 1, [{"lineItemId": li["id"], "quantity": li["quantity"]} for li in lines],
            location_id=location_id or render.primary_location(ctx).record_id, tracking=tracking, when=when,
            shipment_status=(fulfillment_input or {}).get("shipmentStatus")))
    fulfilled = {i["lineItemId"]: i["quantity"] for f in fulfillments for i in f["lineItems"]}
    fo_ids = new_ids(ctx, 1 + len(lines))
    fo_lines = [{"id": fo_ids[1 + i], "lineItemId": li["id"], "totalQuantity": li["quantity"],
                 "remainingQuantity": li["quantity"] - fulfilled.get(li["id"], 0)} for i, li in enumerate(lines)]
    fo_status = "CLOSED" if all(line["remainingQuantity"] == 0 for line in fo_lines) else "OPEN"
    if order.get("closedAt") and fo_status == "OPEN":
        fo_status = "CLOSED"
    return {
        "fulfillmentOrderId": fo_ids[0],
        "data": {
            "name": name, "number": number, "email": order.get("email"), "phone": order.get("phone"),
            "note": order.get("note"), "tags": sorted({t.strip() for t in order.get("tags") or [] if t.strip()}),
            "poNumber": order.get("poNumber"), "test": bool(order.get("test")), "processedAt": when,
            "closedAt": iso(parse_when(order.get("closedAt"))) if order.get("closedAt") else None,
            "cancelledAt": None, "cancelReason": None, "currencyCode": currency, "presentmentCurrencyCode": presentment,
            "taxesIncluded": taxes_included, "financialStatus": financial,
            "fulfillmentStatus": fulfillment_status(lines, fulfillments, order.get("fulfillmentStatus")),
            "sourceName": order.get("sourceName") or "api", "sourceIdentifier": order.get("sourceIdentifier"),
            "customAttributes": [{"key": a["key"], "value": a["value"]} for a in order.get("customAttributes") or []],
            "billingAddress": address_data(ctx, order.get("billingAddress")),
            "shippingAddress": address_data(ctx, order.get("shippingAddress")),
            "discountCodes": codes, "discountApplications": applications, "lineItems": lines,
            "shippingLines": shipping, "taxLines": order_taxes, "transactions": transactions,
            "totals": {"subtotal": money(subtotal - discount_total), "tax": money(tax_total),
                       "discounts": money(discount_total), "shipping": money(shipping_total), "total": money(total),
                       "refunded": money(_paid_and_refunded(transactions)[1])},
            "fulfillmentOrder": {"status": fo_status, "lineItems": fo_lines,
                                 "locationId": location_id or render.primary_location(ctx).record_id},
            "fulfillments": fulfillments,
        },
    }


def _order_customer(ctx: Ctx, order: dict, errors: list):
    customer = order.get("customer") or {}
    if customer.get("toAssociate"):
        target = customer["toAssociate"]
        record = record_get(ctx, "customers", gid_id(target.get("id"), "Customer")) if target.get("id") else \
            records(ctx, "customers").filter(lookup=(target.get("email") or "").lower()).first()
        if record is None:
            errors.append(user_error(["order", "customer", "toAssociate"], "Customer does not exist", "INVALID"))
        return record
    if customer.get("toUpsert"):
        values = customer["toUpsert"]
        record = records(ctx, "customers").filter(lookup=(values.get("email") or "").lower()).first() \
            if values.get("email") else None
        if record is None:
            problems = _customer_errors(ctx, values, prefix=("order", "customer", "toUpsert"))
            if problems:
                errors += [dict(p, code="INVALID") for p in problems]
                return None
            return customer_create_record(ctx, values)
        return record
    return None


@mutation("orderCreate", "write_orders")
def order_create(ctx: Ctx, order, options=None):
    """Import an order as it happened elsewhere: keeps `name` and `processedAt`, takes the given
    financial and fulfillment status, and sends nothing (no receipts, inventory bypassed by default)."""
    errors: list = []
    metafield_problems = metafield_errors(order.get("metafields"), ["order", "metafields"])
    built = build_order(ctx, order, options, errors)
    errors += metafield_problems
    customer = _order_customer(ctx, order, errors) if not errors else None
    if errors:
        return {"order": None, "userErrors": errors}
    data = built["data"]
    if customer and not data.get("email"):
        data["email"] = customer.data.get("email")
    record = record_create(ctx, "orders", data, lookup=data["name"], status=data["financialStatus"],
                           parent_id=customer.record_id if customer else None, group_id=built["fulfillmentOrderId"])
    behaviour = (options or {}).get("inventoryBehaviour") or "BYPASS"
    if behaviour != "BYPASS":
        loc = str(render.primary_location(ctx).record_id)
        for li in data["lineItems"]:
            variant = record_get(ctx, "variants", li.get("variantId"))
            if variant is None:
                continue
            vdata = dict(variant.data)
            level = dict((vdata.get("inventory") or {}).get(loc) or {"available": 0, "on_hand": 0})
            level["available"] = int(level.get("available", 0)) - li["quantity"]
            level["on_hand"] = int(level.get("on_hand", 0)) - li["quantity"]
            vdata["inventory"] = {**(vdata.get("inventory") or {}), loc: level}
            variant.data = vdata
            record_save(ctx, variant)
    metafields_write(ctx, record.record_id, "ORDER", order.get("metafields"))
    return {"order": render.order(ctx, record), "userErrors": []}


@mutation("orderUpdate", "write_orders")
def order_update(ctx: Ctx, input):
    record = record_get(ctx, "orders", gid_id(input.get("id"), "Order"))
    if record is None:
        return {"order": None, "userErrors": [user_error(["id"], "Order does not exist")]}
    errors = []
    if input.get("email") and not EMAIL.match(input["email"]):
        errors.append(user_error(["email"], "Email is invalid"))
    errors += metafield_errors(input.get("metafields"), ["metafields"])
    if errors:
        return {"order": None, "userErrors": errors}
    data = dict(record.data)
    for key in ("email", "note", "phone", "poNumber"):
        if key in input and input[key] is not None:
            data[key] = input[key]
    if input.get("tags") is not None:
        data["tags"] = sorted({t.strip() for t in input["tags"] if t.strip()})
    if input.get("shippingAddress") is not None:
        data["shippingAddress"] = address_data(ctx, input["shippingAddress"])
    if input.get("customAttributes") is not None:
        data["customAttributes"] = [{"key": a["key"], "value": a["value"]} for a in input["customAttributes"]]
    record.data = data
    record_save(ctx, record)
    metafields_write(ctx, record.record_id, "ORDER", input.get("metafields"))
    return {"order": render.order(ctx, record), "userErrors": []}


@mutation("orderDelete", "write_orders")
def order_delete(ctx: Ctx, orderId):
    record = record_get(ctx, "orders", gid_id(orderId, "Order"))
    if record is None:
        return {"deletedId": None, "userErrors": [user_error(["orderId"], "Order does not exist", "NOT_FOUND")]}
    records(ctx, "metafields").filter(parent_id=record.record_id).delete()
    record.delete()
    ctx.cache.pop(("orders", record.record_id), None)
    return {"deletedId": gid("Order", record.record_id), "userErrors": []}


def tracking_info(tracking_input: dict) -> list[dict]:
    """A FulfillmentTrackingInput as stored: one entry per number (`number`/`url` or `numbers`/`urls`)."""
    numbers = tracking_input.get("numbers") or ([tracking_input["number"]] if tracking_input.get("number") else [])
    urls = tracking_input.get("urls") or ([tracking_input["url"]] if tracking_input.get("url") else [])
    if not numbers and urls:
        return [{"company": tracking_input.get("company"), "number": None, "url": url} for url in urls]
    return [{"company": tracking_input.get("company"), "number": number, "url": urls[k] if k < len(urls) else None}
            for k, number in enumerate(numbers)]


@mutation("fulfillmentCreate", "write_fulfillments")
def fulfillment_create(ctx: Ctx, fulfillment, message=None):
    """Fulfill line items of one order's fulfillment order(s), with tracking numbers and URLs."""
    groups = fulfillment.get("lineItemsByFulfillmentOrder") or []
    if not groups:
        return {"fulfillment": None, "userErrors": [user_error(["fulfillment", "lineItemsByFulfillmentOrder"],
                                                               "Line items by fulfillment order can't be blank")]}
    orders = {}
    for i, group in enumerate(groups):
        fo_id = gid_id(group.get("fulfillmentOrderId"), "FulfillmentOrder")
        row = records(ctx, "orders").filter(group_id=fo_id).first() if fo_id else None
        if row is None:
            return {"fulfillment": None, "userErrors": [user_error(
                ["fulfillment", "lineItemsByFulfillmentOrder", str(i), "fulfillmentOrderId"],
                "Fulfillment order does not exist.")]}
        orders[row.record_id] = row
    if len(orders) > 1:
        return {"fulfillment": None, "userErrors": [user_error(
            ["fulfillment"], "All fulfillment orders must belong to the same order.")]}
    record = next(iter(orders.values()))
    data = dict(record.data)
    fo = {**data["fulfillmentOrder"], "lineItems": [dict(li) for li in data["fulfillmentOrder"]["lineItems"]]}
    if fo.get("status") in ("CLOSED", "CANCELLED"):
        return {"fulfillment": None, "userErrors": [user_error(
            ["fulfillment"], "Fulfillment order is not in an actionable state.")]}
    by_id = {li["id"]: li for li in fo["lineItems"]}
    items = []
    for i, group in enumerate(groups):
        wanted = group.get("fulfillmentOrderLineItems")
        if not wanted:
            items += [{"line": li, "quantity": li["remainingQuantity"]} for li in fo["lineItems"]
                      if li["remainingQuantity"] > 0]
            continue
        for j, item in enumerate(wanted):
            line = by_id.get(gid_id(item.get("id"), "FulfillmentOrderLineItem"))
            path = ["fulfillment", "lineItemsByFulfillmentOrder", str(i), "fulfillmentOrderLineItems", str(j)]
            if line is None:
                return {"fulfillment": None, "userErrors": [user_error([*path, "id"],
                                                                       "Invalid fulfillment order line item id.")]}
            if not 0 < int(item["quantity"]) <= line["remainingQuantity"]:
                return {"fulfillment": None, "userErrors": [user_error(
                    [*path, "quantity"], "Invalid fulfillment order line item quantity requested.")]}
            items.append({"line": line, "quantity": int(item["quantity"])})
    if not items:
        return {"fulfillment": None, "userErrors": [user_error(["fulfillment"], "Fulfillment order has no "
                                                               "remaining line items to fulfill.")]}
    tracking = tracking_info(fulfillment.get("trackingInfo") or {})
    for item in items:
        item["line"]["remainingQuantity"] -= item["quantity"]
    fo["status"] = "CLOSED" if all(li["remainingQuantity"] == 0 for li in fo["lineItems"]) else "IN_PROGRESS"
    made = make_fulfillment(ctx, data["name"], len(data.get("fulfillments") or []) + 1,
                            [{"lineItemId": item["line"]["lineItemId"], "quantity": item["quantity"]}
                             for item in items],
                            location_id=fo.get("locationId") or render.primary_location(ctx).record_id,
                            tracking=tracking, when=iso(ctx.now))
    data["fulfillmentOrder"] = fo
    data["fulfillments"] = [*(data.get("fulfillments") or []), made]
    data["fulfillmentStatus"] = fulfillment_status(data["lineItems"], data["fulfillments"])
    record.data = data
    record_save(ctx, record)
    return {"fulfillment": render.fulfillment(ctx, record, made), "userErrors": []}


@mutation("fulfillmentTrackingInfoUpdate", "write_fulfillments")
def fulfillment_tracking_info_update(ctx: Ctx, fulfillmentId, trackingInfoInput, notifyCustomer=None):  # noqa: N803
    """Replace a fulfillment's tracking information (company, numbers, URLs), as Shopify does."""
    fulfillment_id = gid_id(fulfillmentId, "Fulfillment")
    record = render.order_of_fulfillment(ctx, fulfillment_id) if fulfillment_id else None
    if record is None:
        return {"fulfillment": None, "userErrors": [user_error(["fulfillmentId"], "Fulfillment does not exist.")]}
    data = dict(record.data)
    fulfillments = [dict(f) for f in data.get("fulfillments") or []]
    found = next(f for f in fulfillments if f["id"] == fulfillment_id)
    if found.get("status") != "SUCCESS":
        return {"fulfillment": None, "userErrors": [user_error(
            ["fulfillmentId"], "Tracking information can only be updated on a successful fulfillment.")]}
    found["trackingInfo"] = tracking_info(trackingInfoInput)
    found["updatedAt"] = iso(ctx.now)
    data["fulfillments"] = fulfillments
    record.data = data
    record_save(ctx, record)
    return {"fulfillment": render.fulfillment(ctx, record, found), "userErrors": []}


def _transaction(ctx: Ctx, kind: str, amount: Decimal) -> dict:
    return {"id": new_ids(ctx)[0], "kind": kind, "status": "SUCCESS", "gateway": "manual", "amount": money(amount),
            "authorizationCode": None, "processedAt": iso(ctx.now), "test": False}


@mutation("orderMarkAsPaid", "write_orders")
def order_mark_as_paid(ctx: Ctx, input):
    """Record a payment for the outstanding amount: captures an authorization, else a manual SALE. Only an
    order that is not cancelled, not already paid and has a positive outstanding balance can be marked."""
    record = record_get(ctx, "orders", gid_id(input.get("id"), "Order"))
    if record is None:
        return {"order": None, "userErrors": [user_error(["id"], "Order does not exist")]}
    data = dict(record.data)
    transactions = list(data.get("transactions") or [])
    paid, _ = _paid_and_refunded(transactions)
    outstanding = Decimal((data.get("totals") or {}).get("total") or 0) - paid
    if data.get("cancelledAt") or data.get("financialStatus") in ("PAID", "PARTIALLY_REFUNDED", "REFUNDED",
                                                                   "VOIDED") or outstanding <= 0:
        return {"order": None, "userErrors": [user_error(["id"], "Order cannot be marked as paid.")]}
    authorized = any(t["kind"] == "AUTHORIZATION" and t["status"] == "SUCCESS" for t in transactions)
    transactions.append(_transaction(ctx, "CAPTURE" if authorized else "SALE", outstanding))
    data["transactions"] = transactions
    data["financialStatus"] = "PAID"
    record.data = data
    record.status = "PAID"
    record_save(ctx, record)
    return {"order": render.order(ctx, record), "userErrors": []}


@mutation("orderCancel", "write_orders")
def order_cancel(ctx: Ctx, orderId, reason, restock, notifyCustomer=None, refund=None,  # noqa: N803
                 refundMethod=None, staffNote=None):  # noqa: N803
    """Cancel an order (irreversible; not one with fulfillments): sets cancelledAt/cancelReason, closes it
    and its open fulfillment order; refunds what was paid when asked
    (`refundMethod.originalPaymentMethodsRefund`, or the older `refund`), otherwise an unpaid order's payment
    is voided. Shopify runs this as a job; here the job is done when the answer comes. `restock` is
    accepted; historical imports do not move inventory."""
    def failure(code: str, field: list[str], message: str) -> dict:
        problem = user_error(field, message, code)
        return {"job": None, "orderCancelUserErrors": [problem],
                "userErrors": [{"field": problem["field"], "message": message}]}

    record = record_get(ctx, "orders", gid_id(orderId, "Order"))
    if record is None:
        return failure("NOT_FOUND", ["orderId"], "Order does not exist")
    if refund is not None and refundMethod is not None:
        return failure("INVALID", ["refund"], "Refund and refund method can't both be specified.")
    data = dict(record.data)
    if data.get("cancelledAt"):
        return failure("INVALID", ["orderId"], "Order has already been cancelled.")
    if any(f.get("status") == "SUCCESS" for f in data.get("fulfillments") or []):
        return failure("INVALID", ["orderId"], "Cannot cancel an order with fulfillments. Cancel the "
                                               "fulfillments first.")
    wants_refund = bool(refund) or bool((refundMethod or {}).get("originalPaymentMethodsRefund"))
    transactions = list(data.get("transactions") or [])
    paid, refunded = _paid_and_refunded(transactions)
    if wants_refund and paid > refunded:
        transactions.append(_transaction(ctx, "REFUND", paid - refunded))
        data["transactions"] = transactions
        data["financialStatus"] = "REFUNDED"
        data["totals"] = {**(data.get("totals") or {}), "refunded": money(paid)}
    elif data.get("financialStatus") in ("PENDING", "AUTHORIZED"):
        data["financialStatus"] = "VOIDED"
    data["cancelledAt"] = iso(ctx.now)
    data["cancelReason"] = reason
    data["closedAt"] = data.get("closedAt") or iso(ctx.now)
    if staffNote:
        data["staffNote"] = staffNote
    fo = data.get("fulfillmentOrder")
    if fo and fo.get("status") not in ("CLOSED", "CANCELLED"):
        data["fulfillmentOrder"] = {**fo, "status": "CANCELLED"}
    record.data = data
    record.status = data["financialStatus"]
    record_save(ctx, record)
    return {"job": {"id": gid("Job", f"order-cancel-{record.record_id}"), "done": True},
            "orderCancelUserErrors": [], "userErrors": []}


@mutation("refundCreate", "write_orders")
def refund_create(ctx: Ctx, input):
    """Refund money of an order: each transaction must be a REFUND whose `parentId` is one of the order's
    successful SALE/CAPTURE transactions, and together they may not exceed what was paid less what was
    refunded (unless `allowOverRefunding`). The financial status follows the transactions (REFUNDED or
    PARTIALLY_REFUNDED). `refundLineItems` and `shipping` are recorded on the refund; nothing is
    restocked (historical imports do not move inventory)."""
    def refused(field: list, message: str) -> dict:
        return {"order": None, "refund": None, "userErrors": [user_error(["input", *field], message)]}

    record = record_get(ctx, "orders", gid_id(input.get("orderId"), "Order"))
    if record is None:
        return refused(["orderId"], "Order does not exist")
    data = dict(record.data)
    transactions = list(data.get("transactions") or [])
    parents = {t["id"]: t for t in transactions if t["kind"] in ("SALE", "CAPTURE") and t["status"] == "SUCCESS"}
    paid, refunded = _paid_and_refunded(transactions)
    wanted = input.get("transactions") or []
    if not wanted:
        return refused(["transactions"], "Refund must include at least one transaction.")
    made = []
    for i, t in enumerate(wanted):
        if t.get("kind") != "REFUND":
            return refused(["transactions", str(i), "kind"], "Transaction kind must be refund.")
        if gid_id(t.get("orderId"), "Order") != record.record_id:
            return refused(["transactions", str(i), "orderId"], "Transaction must belong to the refunded order.")
        parent = parents.get(gid_id(t.get("parentId"), "OrderTransaction"))
        if parent is None:
            return refused(["transactions", str(i), "parentId"], "Parent transaction does not exist.")
        try:
            amount = Decimal(money(t.get("amount")))
        except ValueError:
            return refused(["transactions", str(i), "amount"], "Amount is invalid.")
        if amount <= 0:
            return refused(["transactions", str(i), "amount"], "Amount must be greater than 0.")
        made.append({**_transaction(ctx, "REFUND", amount), "gateway": t.get("gateway") or parent["gateway"],
                     "parentId": parent["id"]})
    items, problems = refunds.refund_items_build(ctx, data, input)
    when, late = refunds.refund_when(ctx, input)
    if problems or late:
        return {"order": None, "refund": None, "userErrors": problems + late}
    for t in made:
        t["processedAt"] = when
    total_refund = sum((Decimal(t["amount"]) for t in made), Decimal(0))
    if refunded + total_refund > paid and not input.get("allowOverRefunding"):
        return refused(["transactions"], f"Refund amount {money(total_refund)} is greater than the net payment "
                                         f"received {money(paid - refunded)}.")
    transactions += made
    data["transactions"] = transactions
    data["financialStatus"] = _financial_status(transactions, Decimal((data.get("totals") or {}).get("total") or 0))
    data["totals"] = {**(data.get("totals") or {}), "refunded": money(refunded + total_refund)}
    refund = {"id": new_ids(ctx)[0], "note": input.get("note"), "createdAt": iso(ctx.now), "processedAt": when,
              "amount": money(total_refund), "transactionIds": [t["id"] for t in made], "lineItems": items,
              "shipping": input.get("shipping")}
    data["refunds"] = [*(data.get("refunds") or []), refund]
    record.data = data
    record.status = data["financialStatus"]
    record_save(ctx, record)
    return {"order": render.order(ctx, record), "userErrors": [], "refund": refunds.refund(ctx, record, refund)}
