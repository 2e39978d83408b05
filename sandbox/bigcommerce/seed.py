"""`sandbox_seed(store, ...)` for BigCommerce: brands, nested categories, products (about two thirds with
color/size variants) with images, custom fields and reviews, customer groups, customers with addresses,
orders in every status (shipments with tracking numbers where the status says goods left: Shipped,
Completed, Partially Shipped), coupons and 301 redirects. Everything goes through the same write paths
as the API, so what is seeded is what the API would have stored.

`malformed=True` adds, each named in the returned `malformed` list: a product whose description holds
invalid UTF-8 bytes, a customer with an email that is not an address, a variant with negative stock and
an order whose line points at a product that no longer exists.
"""
import random
from datetime import timedelta

from django.db import transaction

from ..records import now_utc, raw_string
from . import engine
from .catalog import product_write
from .customers import GROUPS
from .marketing import COUPONS, REDIRECTS
from .orders import ADDRESSES as ORDER_ADDRESSES
from .orders import LINES, ORDERS, SHIPMENTS, STATUSES, order_create_record, shipment_create_record
from .specs import ADDRESSES, BRANDS, CATEGORIES, CUSTOMERS, IMAGES, PRODUCTS, REVIEWS, VARIANTS
from .taxonomy import category_write

COLORS = ("Red", "Blue", "Green", "Black")
SIZES = ("S", "M", "L")
WORDS = ("Classic", "Urban", "Alpine", "Coastal", "Vintage", "Modern", "Rustic", "Nordic")
ITEMS = ("Shirt", "Mug", "Backpack", "Lamp", "Scarf", "Bottle", "Notebook", "Jacket")
CARRIERS = ("ups", "usps", "fedex")


def _categories(store) -> list[int]:
    ids = []
    for top in ("Clothing", "Home", "Outdoor"):
        parent = category_write(store, {"parent_id": 0, "name": top})
        ids.append(parent.record_id)
        for child in ("New", "Sale"):
            record = category_write(store, {"parent_id": parent.record_id, "name": f"{top} {child}"})
            ids.append(record.record_id)
            if child == "Sale":
                ids.append(category_write(store, {"parent_id": record.record_id, "name": f"{top} Clearance"}).record_id)
    return ids


def _product_body(rng, index: int, brands: list[int], categories: list[int]) -> dict:
    name = f"{rng.choice(WORDS)} {rng.choice(ITEMS)} {index + 1}"
    body = {"name": name, "type": "physical", "sku": f"BC-{index + 1:05d}", "weight": round(rng.uniform(0.1, 5), 2),
            "price": round(rng.uniform(5, 200), 2), "description": f"<p>{name}, seeded.</p>",
            "brand_id": rng.choice(brands), "categories": rng.sample(categories, 2), "is_visible": rng.random() > 0.1,
            "inventory_level": rng.randint(0, 80), "custom_url": {"url": f"/p/{index + 1}-{engine.slug(name)}/",
                                                                  "is_customized": True},
            "images": [{"image_url": f"https://cdn.example.com/p/{index + 1}/{n}.jpg", "is_thumbnail": n == 0,
                        "sort_order": n} for n in range(rng.randint(1, 2))],
            "custom_fields": [{"name": "Material", "value": rng.choice(("Cotton", "Steel", "Wool", "Glass"))}]}
    if index % 3 != 2:
        colors, sizes = rng.sample(COLORS, 2), rng.sample(SIZES, 2)
        body["inventory_tracking"] = "variant"
        body["variants"] = [{"sku": f"BC-{index + 1:05d}-{c.upper()}-{s}", "price": body["price"],
                             "inventory_level": rng.randint(0, 30),
                             "option_values": [{"option_display_name": "Color", "label": c},
                                               {"option_display_name": "Size", "label": s}]}
                            for c in colors for s in sizes]
    else:
        body["inventory_tracking"] = "product"
    return body


def _address(rng, first: str, last: str) -> dict:
    return {"first_name": first, "last_name": last, "address1": f"{rng.randint(1, 999)} Market St",
            "city": rng.choice(("Austin", "Denver", "Portland")), "state_or_province": "Texas",
            "postal_code": f"{rng.randint(10000, 99999)}", "country_code": "US", "phone": "555-0100"}


def _orders(store, rng, count: int, customers: list, products: list) -> int:
    shipments = 0
    statuses = list(STATUSES)
    now = now_utc()
    for index in range(count):
        status_id = statuses[index % len(statuses)]
        customer = rng.choice(customers) if customers and index % 5 else None
        first, last = (customer.data["first_name"], customer.data["last_name"]) if customer else ("Guest", "Buyer")
        billing = {"first_name": first, "last_name": last, "street_1": "1 Main St", "city": "Austin", "state": "Texas",
                   "zip": "78701", "country": "United States", "country_iso2": "US",
                   "email": customer.data["email"] if customer else f"guest{index}@example.com"}
        picked = rng.sample(products, min(2, len(products)))
        lines = [{"product_id": p.record_id, "quantity": rng.randint(1, 3)} for p in picked]
        if status_id == 3:  # partially shipped: one unit of a line of two or more
            lines[0]["quantity"] = 2
        created = now - timedelta(days=rng.randint(1, 90), minutes=index)
        order = order_create_record(store, {"customer_id": customer.record_id if customer else 0,
                                            "billing_address": billing, "products": lines,
                                            "shipping_cost_inc_tax": 5}, created=created, status_id=status_id)
        if status_id in (2, 3, 10):
            address = engine.records(store, ORDER_ADDRESSES, order.record_id).first()
            order_lines = list(engine.records(store, LINES, order.record_id).order_by("record_id"))
            items = [{"order_product_id": line.record_id, "quantity": line.data["quantity"]} for line in order_lines]
            if status_id == 3:
                items = [{"order_product_id": order_lines[0].record_id, "quantity": 1}]
            shipment_create_record(store, order, {"order_address_id": address.record_id, "items": items,
                                                  "tracking_number": f"1Z{rng.randint(10**9, 10**10)}",
                                                  "tracking_carrier": rng.choice(CARRIERS), "shipping_provider": ""})
            shipments += 1
        # Modified up to two days after it was made, but never after the seed: a store has no changes from the
        # future (an order made yesterday and "modified" tomorrow would count as changed by every later sync).
        modified = min(created + timedelta(hours=rng.randint(0, 48)), now)
        order.refresh_from_db()
        order.status = str(status_id)
        order.date_modified_gmt = modified
        order.save(update_fields=["status", "date_modified_gmt"])
        engine.records(store, SHIPMENTS, order.record_id).update(date_created_gmt=modified, date_modified_gmt=modified)
    return shipments


def seed(store, *, products: int = 0, customers: int = 0, orders: int = 0, reviews=None, coupons=None,
         languages=None, seed: int = 0, malformed: bool = False, **_ignored) -> dict:
    """Fill `store`; answers the counts the API lists for each resource (and what is malformed). One
    transaction: a seed is all or nothing, and a thousand small writes commit once."""
    with transaction.atomic():
        return _seed(store, products=products, customers=customers, orders=orders, reviews=reviews, coupons=coupons,
                     rng=random.Random(seed), malformed=malformed)


def _seed(store, *, products, customers, orders, reviews, coupons, rng, malformed) -> dict:
    bad = []
    brands = [engine.create(store, BRANDS, {"name": n}).record_id
              for n in ("Acme", "Globex", "Initech", "Umbrella", "Stark") if products]
    categories = _categories(store) if products else []
    made = [product_write(store, _product_body(rng, i, brands, categories)) for i in range(products)]
    for index in range(products // 2 if reviews is None else reviews):
        product = made[index % len(made)]
        engine.create(store, REVIEWS, {"title": f"Review {index + 1}", "text": "Good.", "rating": rng.randint(1, 5),
                                       "status": "approved", "name": "Shopper", "email": f"r{index}@example.com",
                                       "date_reviewed": now_utc().isoformat()}, parent_id=product.record_id)
    groups = [engine.create(store, GROUPS, {"name": n}) for n in ("Retail", "Wholesale", "VIP") if customers]
    people = []
    for index in range(customers):
        first, last = rng.choice(("Ann", "Bob", "Cleo", "Dev")), rng.choice(("Smith", "Lee", "Garcia"))
        customer = engine.create(store, CUSTOMERS, {
            "email": f"customer{index + 1}@example.com", "first_name": first, "last_name": last,
            "customer_group_id": rng.choice(groups).record_id})
        for _ in range(1 + index % 2):
            engine.create(store, ADDRESSES, _address(rng, first, last), parent_id=customer.record_id)
        people.append(customer)
    if malformed and products:
        broken = product_write(store, {"name": "Broken description", "type": "physical", "weight": 1, "price": 1,
                                       "sku": "BC-BROKEN"})
        engine.update(store, PRODUCTS, broken, {"description": raw_string("bad \udce9 bytes")})
        made.append(broken)
        variant = engine.records(store, VARIANTS, made[0].record_id).first()
        engine.update(store, VARIANTS, variant, {"inventory_level": -5})
        bad += [f"product {broken.record_id}: invalid UTF-8 in description",
                f"variant {variant.record_id}: negative inventory_level"]
    if malformed and customers:
        customer = engine.create(store, CUSTOMERS, {"email": "not-an-email", "first_name": "No", "last_name": "Mail"})
        people.append(customer)
        bad.append(f"customer {customer.record_id}: email is not an address")
    shipments = _orders(store, rng, orders, people, made) if orders and made else 0
    if malformed and orders and made:
        gone = product_write(store, {"name": "Deleted later", "type": "physical", "weight": 1, "price": 3})
        order = order_create_record(store, {"billing_address": {"first_name": "X", "email": "x@example.com"},
                                            "products": [{"product_id": gone.record_id, "quantity": 1}]})
        engine.records(store, PRODUCTS).filter(record_id=gone.record_id).delete()
        engine.records(store, VARIANTS, gone.record_id).delete()
        bad.append(f"order {order.record_id}: line points at deleted product {gone.record_id}")
    for index in range(5 if coupons is None and products else coupons or 0):
        engine.create(store, COUPONS, {"name": f"Coupon {index + 1}", "code": f"SAVE{index + 1:02d}",
                                       "type": COUPON_TYPES_CYCLE[index % 3], "amount": f"{5 + index}.0000",
                                       "applies_to": {"entity": "categories", "ids": [0]}})
    for product in made[:max(0, min(5, products))]:
        record = engine.create(store, REDIRECTS, {"site_id": 1, "from_path": f"/old/{product.record_id}.html",
                                                  "to": {"type": "product", "entity_id": product.record_id, "url": ""}})
        record.lookup = record.data["from_path"]
        record.save(update_fields=["lookup"])
    counts = {name: engine.records(store, spec).count() for name, spec in (
        ("products", PRODUCTS), ("variants", VARIANTS), ("images", IMAGES), ("categories", CATEGORIES),
        ("brands", BRANDS), ("reviews", REVIEWS), ("customers", CUSTOMERS), ("customer_addresses", ADDRESSES),
        ("customer_groups", GROUPS), ("orders", ORDERS), ("coupons", COUPONS), ("redirects", REDIRECTS))}
    counts["shipments"] = engine.records(store, SHIPMENTS).count()
    assert counts["shipments"] == shipments
    if bad:
        counts["malformed"] = bad
    return counts


COUPON_TYPES_CYCLE = ("per_total_discount", "percentage_discount", "free_shipping")
