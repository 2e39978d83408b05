"""`QueryRoot.abandonedCheckouts` (schema_checkouts.graphql): checkouts customers started and left,
`abandoned_checkouts` records written by the seed (`seed_checkouts`); nothing in the sandbox creates them
otherwise (the storefront is not emulated)."""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.db.models import Q
from graphql import GraphQLSchema

from .common import Ctx, gid, iso, money, money_bag
from .data import (
    SORT_CREATED,
    SORT_ID,
    json_text,
    paginate,
    paginate_list,
    readable,
    records,
    search_filter,
    search_parse,
    sort_json_decimal,
    sort_text,
)

CHECKOUT_SEARCH = {None: json_text("email"), "email": json_text("email"),
                   "status": lambda term, ctx=None: Q(data__completedAt__isnull=term.value.lower() == "open")}
CHECKOUT_SORTS = {"ID": SORT_ID, "CHECKOUT_ID": SORT_ID, "CREATED_AT": SORT_CREATED, "RELEVANCE": SORT_ID,
                  "CUSTOMER_NAME": sort_text("customerName"), "TOTAL_PRICE": sort_json_decimal("totals__total")}
TAX_RATE = Decimal("0.10")


def checkout(ctx: Ctx, record) -> dict:
    from .render import _maybe, customer, mailing_address, product, variant

    d = record.data
    currency = d.get("currencyCode") or ctx.currency
    totals = d.get("totals") or {}

    def bag(key):
        return money_bag(totals.get(key, "0"), currency)

    def line(li: dict) -> dict:
        price, quantity = Decimal(li["price"]), int(li["quantity"])
        return {"__typename": "AbandonedCheckoutLineItem", "id": gid("AbandonedCheckoutLineItem", li["id"]),
                "title": li.get("title"), "variantTitle": li.get("variantTitle"), "sku": li.get("sku"),
                "quantity": quantity, "customAttributes": li.get("customAttributes") or [],
                "components": None,  # not a bundle
                "originalUnitPriceSet": money_bag(price, currency),
                "discountedUnitPriceSet": money_bag(price, currency),
                "discountedUnitPriceWithCodeDiscount": money_bag(price, currency),
                "originalTotalPriceSet": money_bag(price * quantity, currency),
                "discountedTotalPriceSet": money_bag(price * quantity, currency),
                "product": lambda info=None, **_: _maybe(ctx, "products", li.get("productId"), product),
                "variant": lambda info=None, **_: _maybe(ctx, "variants", li.get("variantId"), variant)}

    return {
        "__typename": "AbandonedCheckout", "id": gid("AbandonedCheckout", record.record_id),
        "name": record.lookup, "abandonedCheckoutUrl": d["abandonedCheckoutUrl"], "note": d.get("note") or "",
        "createdAt": iso(record.date_created_gmt), "updatedAt": iso(record.date_modified_gmt),
        "completedAt": d.get("completedAt"), "discountCodes": d.get("discountCodes") or [],
        "taxesIncluded": bool(d.get("taxesIncluded")),
        "billingAddress": mailing_address(d.get("billingAddress")),
        "shippingAddress": mailing_address(d.get("shippingAddress")),
        "customer": lambda info=None, **_: _maybe(ctx, "customers", record.parent_id, customer),
        "lineItems": lambda info=None, **args: paginate_list(ctx, d.get("lineItems") or [], args, line),
        "subtotalPriceSet": bag("subtotal"), "totalLineItemsPriceSet": bag("lineItems"),
        "totalDiscountSet": bag("discounts"), "totalTaxSet": bag("tax"), "totalPriceSet": bag("total"),
        "totalDutiesSet": None,  # no duties
        "taxLines": [{"title": t["title"], "rate": float(t["rate"]), "ratePercentage": float(t["rate"]) * 100,
                      "channelLiable": False, "source": None, "priceSet": money_bag(t["price"], currency)}
                     for t in d.get("taxLines") or []],
    }


def abandoned_checkouts_root(root, info, sortKey="ID", query=None, **args):  # noqa: N803
    ctx: Ctx = info.context
    qs = search_filter(readable(ctx, "abandoned_checkouts", records(ctx, "abandoned_checkouts")),
                       search_parse(query), CHECKOUT_SEARCH, ctx)
    return paginate(ctx, qs, CHECKOUT_SORTS.get(sortKey, SORT_ID), args, checkout)


def seed_checkouts(seeder, count: int, currency: str, domain: str) -> int:
    """`count` abandoned checkouts of 1-3 lines on the seeded variants, by seeded customers or guests."""
    rng = seeder.rng
    products = {r.record_id: r for r in seeder.rows if r.resource == "products"}
    variants = [r for r in seeder.rows if r.resource == "variants" and r.parent_id in products]
    customers = [r for r in seeder.rows if r.resource == "customers"]
    if not variants:
        return 0
    for n in range(count):
        created = seeder.past(60, 1)
        buyer = rng.choice(customers) if customers and rng.random() < 0.7 else None
        lines = []
        for row in rng.sample(variants, min(len(variants), rng.randint(1, 3))):
            owner = products[row.parent_id]
            title = row.data.get("title")
            lines.append({"id": seeder.next_id(), "title": owner.data.get("title"), "sku": row.data.get("sku"),
                          "variantTitle": None if title == "Default Title" else title,
                          "quantity": rng.randint(1, 2), "price": row.data.get("price"),
                          "productId": owner.record_id, "variantId": row.record_id})
        subtotal = sum((Decimal(li["price"]) * li["quantity"] for li in lines), Decimal(0))
        tax = (subtotal * TAX_RATE).quantize(Decimal("0.01"))
        address = dict(buyer.data["addresses"][0]) if buyer and buyer.data.get("addresses") else None
        record_id = seeder.next_id()
        token = f"{rng.getrandbits(128):032x}"
        data = {"email": buyer.data.get("email") if buyer else f"visitor{n + 1}@example.com",
                "customerName": " ".join(p for p in (buyer.data.get("firstName"), buyer.data.get("lastName"))
                                         if p) if buyer else "",
                "abandonedCheckoutUrl": f"https://{domain}/checkouts/ac/{token}/recover?key={token[:16]}",
                "note": "", "currencyCode": currency, "taxesIncluded": False, "discountCodes": [],
                "completedAt": None, "lineItems": lines, "billingAddress": address, "shippingAddress": address,
                "taxLines": [{"title": "VAT", "rate": str(TAX_RATE), "price": money(tax)}],
                "totals": {"lineItems": money(subtotal), "subtotal": money(subtotal), "discounts": "0.00",
                           "tax": money(tax), "total": money(subtotal + tax)}}
        seeder.add("abandoned_checkouts", data, created=created, modified=created + timedelta(minutes=30),
                   record_id=record_id, lookup=f"#{record_id}", parent_id=buyer.record_id if buyer else None)
    return count


def bind(schema: GraphQLSchema) -> None:
    schema.query_type.fields["abandonedCheckouts"].resolve = abandoned_checkouts_root
