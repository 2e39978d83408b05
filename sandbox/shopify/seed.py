"""Seed data for Shopify sandbox stores, written with bulk_create (2,000 products take seconds).

Everything is drawn from `random.Random(seed)`: names, prices, SKUs, ids and references are the same for
the same seed on a fresh store; dates are offsets from `anchor` (default: now).
"""
from datetime import datetime, timedelta
from decimal import Decimal

from django.utils.text import slugify

from ..models import SandboxRecord, SandboxSequence, SandboxStore
from ..records import SeedRows, ids_allocate, now_utc
from ..services import sandbox_store_languages_set
from .checkouts import seed_checkouts
from .common import iso, money
from .events import seed_events
from .mutations_sales import COUNTRIES, FIRST_ORDER_NUMBER, ORDER_NUMBER_SEQUENCE
from .render import TRANSLATABLE, digest
from .store import SEQUENCE

CATEGORIES = ("Shirts", "Trousers", "Dresses", "Shoes", "Bags", "Hats", "Jackets", "Accessories")
SINGULAR = {"Shirts": "Shirt", "Trousers": "Trousers", "Dresses": "Dress", "Shoes": "Shoes", "Bags": "Bag",
            "Hats": "Hat", "Jackets": "Jacket", "Accessories": "Scarf"}
FRENCH = {"Shirts": "Chemises", "Trousers": "Pantalons", "Dresses": "Robes", "Shoes": "Chaussures", "Bags": "Sacs",
          "Hats": "Chapeaux", "Jackets": "Vestes", "Accessories": "Accessoires", "Classic": "Classique",
          "Modern": "Moderne", "Premium": "Premium", "Essential": "Essentiel", "Vintage": "Vintage", "Urban": "Urbain",
          "Cotton": "Coton", "Leather": "Cuir", "Wool": "Laine", "Linen": "Lin", "Denim": "Denim", "Silk": "Soie"}
ADJECTIVES = ("Classic", "Modern", "Premium", "Essential", "Vintage", "Urban")
MATERIALS = ("Cotton", "Leather", "Wool", "Linen", "Denim", "Silk")
COLORS = ("Black", "White", "Red", "Blue", "Green", "Grey", "Navy")
SIZES = ("XS", "S", "M", "L", "XL")
VENDORS = ("Acme", "Northwind", "Globex", "Initech", "Umbrella", "Hooli")
TAGS = ("new", "bestseller", "gift", "summer", "winter", "sale", "eco", "limited")
FIRST_NAMES = ("James", "Mary", "John", "Patricia", "Robert", "Jennifer", "Michael", "Linda", "Emma", "Lucas",
               "Chloé", "Hugo", "Léa", "Noah", "Mia", "Liam")
LAST_NAMES = ("Smith", "Johnson", "Williams", "Brown", "Garcia", "Miller", "Martin", "Bernard", "Dubois", "Petit",
              "Müller", "Schmidt", "Taylor", "Wilson", "Clark", "King")
CITIES = (("New York", "NY", "10001", "US"), ("Austin", "TX", "73301", "US"), ("Toronto", "ON", "M5H 2N2", "CA"),
          ("London", None, "SW1A 1AA", "GB"), ("Paris", None, "75001", "FR"), ("Berlin", None, "10115", "DE"))
STREETS = ("Main St", "Oak Ave", "Maple Rd", "Cedar Ln", "High St", "Park Ave")
CARRIERS = (("UPS", "https://www.ups.com/track?tracknum={}"), ("USPS", "https://tools.usps.com/go/TrackConfirmAction?"
            "tLabels={}"), ("FedEx", "https://www.fedex.com/fedextrack/?trknbr={}"),
            ("DHL Express", "https://www.dhl.com/en/express/tracking.html?AWB={}"))
FINANCIAL = (("PAID", 60), ("PARTIALLY_REFUNDED", 5), ("REFUNDED", 7), ("PENDING", 10), ("AUTHORIZED", 8),
             ("PARTIALLY_PAID", 5), ("VOIDED", 5))
PAGES = (("About us", "about-us"), ("Contact", "contact"), ("FAQ", "faq"), ("Shipping policy", "shipping-policy"),
         ("Returns", "returns"))
LOREM = "<p>Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt.</p>"


class _Seeder(SeedRows):
    def __init__(self, store: SandboxStore, seed: int, anchor: datetime):
        super().__init__(store, seed, anchor)
        self._ids: list[int] = []

    def next_id(self) -> int:
        if not self._ids:
            self._ids = ids_allocate(self.store, SEQUENCE, 2000)
        return self._ids.pop(0)

    def add(self, resource: str, data: dict, *, created: datetime, modified: datetime | None = None,
            record_id: int | None = None, **columns) -> SandboxRecord:
        return self.row(resource, record_id or self.next_id(), data, created=created, modified=modified, **columns)


def _fr(text: str) -> str:
    return " ".join(FRENCH.get(word, word) for word in text.split(" "))


def _translate(s: _Seeder, record: SandboxRecord, kind: str, locale: str, values: dict) -> None:
    entries = {}
    for key, path, _ in TRANSLATABLE[kind]:
        if key not in values:
            continue
        source = record.lookup if path == "_handle" else _path(record.data, path)
        entries[key] = {"value": values[key], "digest": digest(source), "updatedAt": iso(record.date_modified_gmt)}
    s.add("translations", entries, created=record.date_modified_gmt, parent_id=record.record_id, lang=locale,
          lookup=record.resource)


def _path(data: dict, path: str):
    for part in path.split("."):
        data = (data or {}).get(part) if isinstance(data, dict) else None
    return data


def _collections(s: _Seeder, languages: list[str]) -> list[SandboxRecord]:
    created = s.anchor - timedelta(days=700)
    out = []
    for name in CATEGORIES:
        row = s.add("collections", {"title": name, "descriptionHtml": f"<p>Our {name.lower()}.</p>",
                                    "sortOrder": "MANUAL", "templateSuffix": None, "image": None, "ruleSet": None,
                                    "seo": {"title": None, "description": None}},
                    created=created, modified=s.after(created, 300), lookup=slugify(name))
        out.append(row)
        for locale in languages[1:]:
            _translate(s, row, "COLLECTION", locale, {"title": _fr(name) if locale == "fr" else f"{name} ({locale})"})
    s.add("collections", {"title": "On sale", "descriptionHtml": "<p>Everything on sale.</p>", "sortOrder":
                          "BEST_SELLING", "templateSuffix": None, "image": None,
                          "ruleSet": {"appliedDisjunctively": False,
                                      "rules": [{"column": "TAG", "relation": "EQUALS", "condition": "sale"}]},
                          "seo": {"title": None, "description": None}}, created=created, lookup="on-sale")
    return out


def _product(s: _Seeder, index: int, collections: list, location_id: int, languages: list[str], handles: set):
    rng = s.rng
    category = rng.randrange(len(CATEGORIES))
    title = f"{rng.choice(ADJECTIVES)} {rng.choice(MATERIALS)} {SINGULAR[CATEGORIES[category]]}"
    handle = slugify(title)
    if handle in handles:
        handle = f"{handle}-{index}"
    handles.add(handle)
    created = s.past(720, 30)
    modified = s.after(created, 400)
    pid = s.next_id()
    shape = rng.random()
    if shape < 0.3:
        axes = []
    elif shape < 0.9:
        axes = [("Color", rng.sample(COLORS, rng.randint(1, 3))), ("Size", rng.sample(SIZES, rng.randint(2, 3)))]
    else:
        axes = [("Color", rng.sample(COLORS, 2)), ("Size", rng.sample(SIZES, 2)),
                ("Material", rng.sample(MATERIALS, 2))]
    if not axes:
        axes = [("Title", ["Default Title"])]
    options = [{"id": s.next_id(), "name": name, "position": i + 1,
                "values": [{"id": s.next_id(), "name": value} for value in values]}
               for i, (name, values) in enumerate(axes)]
    combos = [[]]
    for _, values in axes:
        combos = [c + [v] for c in combos for v in values]
    base_price = Decimal(rng.randint(900, 19900)) / 100
    media = [{"id": s.next_id(), "url": f"https://picsum.photos/seed/{handle}-{k}/800/800", "alt": f"{title} {k + 1}",
              "width": 800, "height": 800, "createdAt": iso(created)} for k in range(rng.randint(1, 3))]
    tags = sorted(rng.sample(TAGS, rng.randint(0, 3)))
    status = rng.choices(("ACTIVE", "DRAFT", "ARCHIVED"), weights=(88, 8, 4))[0]
    data = {"title": title, "descriptionHtml": f"<p>{title}.</p>{LOREM}", "vendor": rng.choice(VENDORS),
            "productType": CATEGORIES[category], "tags": tags, "templateSuffix": None,
            "seo": {"title": title, "description": f"Buy the {title.lower()} online."},
            "publishedAt": iso(created) if status == "ACTIVE" else None, "options": options, "media": media}
    product = s.add("products", data, created=created, modified=modified, record_id=pid, lookup=handle, status=status)
    variants = []
    for position, combo in enumerate(combos, start=1):
        selected = [{"name": name, "value": value} for (name, _), value in zip(axes, combo, strict=True)]
        price = base_price + Decimal(rng.choice((0, 0, 500, 1000))) / 100
        quantity = rng.randint(0, 80)
        sku = f"SKU-{index + 1:05d}" + (f"-{position:02d}" if len(combos) > 1 else "")
        vdata = {"title": " / ".join(combo), "sku": sku, "barcode": f"{rng.randint(10**11, 10**12 - 1)}",
                 "price": money(price), "compareAtPrice": money(price * Decimal("1.25")) if "sale" in tags else None,
                 "position": position, "taxable": True, "inventoryPolicy": "DENY", "selectedOptions": selected,
                 "inventoryItem": {"tracked": True, "requiresShipping": True, "cost": money(price * Decimal("0.4")),
                                   "weight": {"unit": "KILOGRAMS", "value": round(rng.uniform(0.1, 3), 2)}},
                 "inventory": {str(location_id): {"available": quantity, "on_hand": quantity}},
                 "mediaId": media[(position - 1) % len(media)]["id"]}
        variants.append(s.add("variants", vdata, created=created, modified=modified, parent_id=pid,
                              group_id=s.next_id(), lookup=sku))
    for key, kind, value in (("material", "single_line_text_field", rng.choice(MATERIALS)),
                             ("care_instructions", "multi_line_text_field", "Machine wash cold.\nDo not bleach.")):
        s.add("metafields", {"namespace": "custom", "key": key, "type": kind, "value": value, "ownerType": "PRODUCT",
                             "ownerId": f"gid://shopify/Product/{pid}"},
              created=created, parent_id=pid, lookup=f"custom.{key}")
    member = collections[category % len(collections)] if collections else None
    if member is not None:
        s.add("collects", {"position": index + 1}, created=created, parent_id=member.record_id, group_id=pid)
    for locale in languages[1:]:
        _translate(s, product, "PRODUCT", locale, {
            "title": _fr(title) if locale == "fr" else f"{title} ({locale})",
            "body_html": f"<p>{_fr(title) if locale == 'fr' else title}.</p>"})
    return product, variants


def _address(s: _Seeder, first: str, last: str) -> dict:
    city, province, zip_code, country = s.rng.choice(CITIES)
    return {"id": s.next_id(), "firstName": first, "lastName": last, "company": None,
            "address1": f"{s.rng.randint(1, 999)} {s.rng.choice(STREETS)}", "address2": None, "city": city,
            "province": province, "provinceCode": province, "zip": zip_code, "countryCode": country,
            "country": COUNTRIES[country], "phone": None}


def _customers(s: _Seeder, count: int) -> list[SandboxRecord]:
    out = []
    for n in range(count):
        first, last = s.rng.choice(FIRST_NAMES), s.rng.choice(LAST_NAMES)
        email = f"{slugify(first)}.{slugify(last)}.{n + 1}@example.com"
        created = s.past(700, 1)
        addresses = [_address(s, first, last) for _ in range(s.rng.choice((1, 1, 2)))]
        subscribed = s.rng.random() < 0.4
        data = {"firstName": first, "lastName": last, "email": email,
                "phone": f"+1613555{n:04d}" if s.rng.random() < 0.5 and n < 10000 else None,
                "note": None, "tags": sorted(s.rng.sample(("vip", "wholesale", "newsletter", "returning"),
                                                          s.rng.randint(0, 2))),
                "locale": "en", "taxExempt": False, "state": "ENABLED" if s.rng.random() < 0.6 else "DISABLED",
                "verifiedEmail": True, "addresses": addresses, "defaultAddressId": addresses[0]["id"],
                "emailMarketingConsent": {"marketingState": "SUBSCRIBED" if subscribed else "NOT_SUBSCRIBED",
                                          "marketingOptInLevel": "SINGLE_OPT_IN",
                                          "consentUpdatedAt": iso(created) if subscribed else None}}
        out.append(s.add("customers", data, created=created, modified=s.after(created, 100), lookup=email))
    return out


def _seed_refunds(financial: str, transactions: list, lines: list, shipping: Decimal) -> list[dict]:
    """A refunded order's refund as refundCreate records it: every line returned and the shipping, with
    the REFUND transaction (whose id it shares: no id is drawn, so the rest of the seed stays as it was).
    A partially refunded order keeps a refund of money only (refunds.refunds_of shows it)."""
    if financial != "REFUNDED" or len(transactions) < 2:
        return []
    sale, refund = transactions[0], transactions[-1]
    refund["parentId"] = sale["id"]
    items = []
    for li in lines:
        net = Decimal(li["price"]) * li["quantity"] - Decimal(li["discount"])
        items.append({"lineItemId": li["id"], "quantity": li["quantity"], "restockType": "RETURN",
                      "subtotal": money(net), "tax": money((net * Decimal("0.10")).quantize(Decimal("0.01")))})
    return [{"id": refund["id"], "note": "Customer return", "createdAt": refund["processedAt"],
             "processedAt": refund["processedAt"], "amount": refund["amount"], "transactionIds": [refund["id"]],
             "lineItems": items, "shipping": {"amount": money(shipping)} if shipping else None}]


def _orders(s: _Seeder, count: int, catalog: list, customers: list, coupons: list, location_id: int,
            currency: str) -> dict:
    stats = {"orders": 0, "fulfillments": 0}
    number = FIRST_ORDER_NUMBER - 1
    for _ in range(count):
        number += 1
        rng = s.rng
        processed = s.past(600, 1)
        customer = rng.choice(customers) if customers and rng.random() < 0.85 else None
        lines = []
        for product, variants in rng.sample(catalog, min(len(catalog), rng.randint(1, 4))):
            variant = rng.choice(variants)
            vtitle = variant.data["title"] if variant.data["title"] != "Default Title" else None
            qty = rng.randint(1, 3)
            lines.append({"id": s.next_id(), "title": product.data["title"], "variantTitle": vtitle,
                          "name": f"{product.data['title']} - {vtitle}" if vtitle else product.data["title"],
                          "sku": variant.data["sku"], "vendor": product.data["vendor"], "quantity": qty,
                          "price": variant.data["price"], "productId": product.record_id,
                          "variantId": variant.record_id, "requiresShipping": True, "taxable": True,
                          "giftCard": False, "properties": [], "taxLines": [], "discount": "0.00"})
        subtotal = sum((Decimal(li["price"]) * li["quantity"] for li in lines), Decimal(0))
        codes, applications, discount = [], [], Decimal(0)
        if coupons and rng.random() < 0.15:
            coupon = rng.choice(coupons)
            discount = (subtotal * Decimal("0.10")).quantize(Decimal("0.01"))
            codes.append(coupon)
            applications.append({"code": coupon, "percentage": 10.0, "allocationMethod": "ACROSS",
                                 "targetSelection": "ALL", "targetType": "LINE_ITEM"})
            lines[0]["discount"] = money(discount)
        shipping_price = Decimal(rng.choice((0, 500, 990)))/100
        tax = ((subtotal - discount) * Decimal("0.10")).quantize(Decimal("0.01"))
        total = subtotal - discount + shipping_price + tax
        financial = rng.choices([f for f, _ in FINANCIAL], weights=[w for _, w in FINANCIAL])[0]
        transactions = []
        if financial in ("PAID", "PARTIALLY_REFUNDED", "REFUNDED"):
            transactions.append({"id": s.next_id(), "kind": "SALE", "status": "SUCCESS", "gateway": "shopify_payments",
                                 "amount": money(total), "authorizationCode": None, "processedAt": iso(processed),
                                 "test": False})
        if financial in ("PARTIALLY_REFUNDED", "REFUNDED"):
            refund = total if financial == "REFUNDED" else (total / 2).quantize(Decimal("0.01"))
            transactions.append({"id": s.next_id(), "kind": "REFUND", "status": "SUCCESS",
                                 "gateway": "shopify_payments", "amount": money(refund), "authorizationCode": None,
                                 "processedAt": iso(s.after(processed, 20)), "test": False})
        if financial == "AUTHORIZED":
            transactions.append({"id": s.next_id(), "kind": "AUTHORIZATION", "status": "SUCCESS",
                                 "gateway": "shopify_payments", "amount": money(total),
                                 "authorizationCode": f"AUTH{rng.randint(1000, 9999)}", "processedAt": iso(processed),
                                 "test": False})
        fulfilled = financial in ("PAID", "PARTIALLY_REFUNDED") and rng.random() < 0.8
        name = f"#{number}"
        fulfillments = []
        if fulfilled:
            carrier, url = rng.choice(CARRIERS)
            tracking_number = f"1Z{rng.randint(10**15, 10**16 - 1)}"
            when = iso(s.after(processed, 5))
            fulfillments.append({
                "id": s.next_id(), "name": f"{name}-F1", "status": "SUCCESS", "displayStatus": "DELIVERED",
                "createdAt": when, "updatedAt": when, "deliveredAt": when, "inTransitAt": None,
                "locationId": location_id,
                "trackingInfo": [{"company": carrier, "number": tracking_number, "url": url.format(tracking_number)}],
                "lineItems": [{"id": s.next_id(), "lineItemId": li["id"], "quantity": li["quantity"]} for li in lines],
            })
            stats["fulfillments"] += 1
        fo_lines = [{"id": s.next_id(), "lineItemId": li["id"], "totalQuantity": li["quantity"],
                     "remainingQuantity": 0 if fulfilled else li["quantity"]} for li in lines]
        address = _address(s, customer.data["firstName"], customer.data["lastName"]) if customer else \
            _address(s, rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES))
        email = customer.data["email"] if customer else f"guest{number}@example.com"
        closed = iso(s.after(processed, 30)) if fulfilled or financial in ("REFUNDED", "VOIDED") else None
        refunded = sum((Decimal(t["amount"]) for t in transactions if t["kind"] == "REFUND"), Decimal(0))
        seeded_refunds = _seed_refunds(financial, transactions, lines, shipping_price)
        data = {
            "name": name, "number": number, "email": email, "phone": None, "note": None,
            "tags": sorted(rng.sample(("wholesale", "gift", "priority"), rng.randint(0, 1))), "poNumber": None,
            "test": False, "processedAt": iso(processed), "closedAt": closed,
            "cancelledAt": iso(s.after(processed, 2)) if financial == "VOIDED" else None,
            "cancelReason": "CUSTOMER" if financial == "VOIDED" else None, "currencyCode": currency,
            "presentmentCurrencyCode": currency, "taxesIncluded": False, "financialStatus": financial,
            "fulfillmentStatus": "FULFILLED" if fulfilled else "UNFULFILLED", "sourceName": "web",
            "sourceIdentifier": None, "customAttributes": [], "billingAddress": address,
            "shippingAddress": dict(address, id=s.next_id()), "discountCodes": codes,
            "discountApplications": applications, "lineItems": lines,
            "shippingLines": [{"id": s.next_id(), "title": "Standard" if shipping_price else "Free shipping",
                               "code": "STANDARD", "source": "shopify", "price": money(shipping_price),
                               "taxLines": []}],
            "taxLines": [{"title": "VAT", "rate": "0.1", "price": money(tax), "channelLiable": False}],
            "transactions": transactions, "refunds": seeded_refunds,
            "totals": {"subtotal": money(subtotal - discount), "tax": money(tax), "discounts": money(discount),
                       "shipping": money(shipping_price), "total": money(total), "refunded": money(refunded)},
            "fulfillmentOrder": {"status": "CLOSED" if fulfilled or closed else "OPEN", "lineItems": fo_lines,
                                 "locationId": location_id},
            "fulfillments": fulfillments,
        }
        s.add("orders", data, created=processed, modified=s.after(processed, 40), lookup=name, status=financial,
              parent_id=customer.record_id if customer else None, group_id=s.next_id())
        stats["orders"] += 1
    SandboxSequence.objects.bulk_create(
        [SandboxSequence(store=s.store, name=ORDER_NUMBER_SEQUENCE, last_id=number)], ignore_conflicts=True)
    SandboxSequence.objects.filter(store=s.store, name=ORDER_NUMBER_SEQUENCE, last_id__lt=number).update(last_id=number)
    return stats


def _content(s: _Seeder, pages: int, articles: int, redirects: int, languages: list[str]) -> dict:
    created = s.anchor - timedelta(days=500)
    for title, handle in PAGES[:pages]:
        row = s.add("pages", {"title": title, "body": f"<h1>{title}</h1>{LOREM}", "isPublished": True,
                              "publishedAt": iso(created), "templateSuffix": None}, created=created, lookup=handle)
        for locale in languages[1:]:
            _translate(s, row, "ONLINE_STORE_PAGE", locale, {"title": f"{title} ({locale})"})
    blog = s.add("blogs", {"title": "News", "commentPolicy": "MODERATED", "templateSuffix": None}, created=created,
                 lookup="news") if articles else None
    for n in range(articles):
        when = s.past(400, 1)
        title = f"Style notes #{n + 1}"
        s.add("articles", {"title": title, "body": LOREM, "summary": "<p>Style notes.</p>",
                           "author": {"name": s.rng.choice(FIRST_NAMES)}, "tags": ["style"],
                           "image": {"url": f"https://picsum.photos/seed/article-{n}/1200/600", "altText": title},
                           "isPublished": True, "publishedAt": iso(when), "templateSuffix": None},
              created=when, parent_id=blog.record_id, lookup=slugify(title))
    for n in range(redirects):
        path = f"/old-shop/item-{n + 1}.html"
        s.add("url_redirects", {"path": path, "target": f"/products/item-{n + 1}"}, created=created, lookup=path)
    return {"pages": min(pages, len(PAGES)), "blogs": 1 if articles else 0, "articles": articles,
            "url_redirects": redirects}


def _coupon_items(n: int, products: list, collections: list) -> dict:
    """Every fourth discount (n = 1, 5, ...) applies to two products, every fourth from n = 3 to one
    collection, the others to all items; picked by position so the random sequence stays the seed's."""
    if n % 4 == 1 and products:
        picked = sorted({products[(n * 3 + k) % len(products)][0].record_id for k in range(2)})
        return {"products": picked, "variants": []}
    if n % 4 == 3 and collections:
        return {"collections": [collections[n % len(collections)].record_id]}
    return {"all": True}


def _coupons(s: _Seeder, count: int, products: list, collections: list) -> list[str]:
    codes = []
    for n in range(count):
        code = f"{s.rng.choice(('SAVE', 'WELCOME', 'SUMMER', 'VIP', 'FLASH'))}{n + 1:02d}"
        created = s.past(500, 30)
        percentage = n % 2 == 0
        s.add("discounts", {
            "title": f"{code} promotion", "code": code, "codeId": s.next_id(), "startsAt": iso(created),
            "endsAt": iso(created + timedelta(days=365)) if n % 3 == 0 else None,
            "usageLimit": 100 if n % 4 == 0 else None, "appliesOncePerCustomer": n % 2 == 1,
            "value": {"percentage": 0.1} if percentage else {"amount": "5.00", "appliesOnEachItem": False},
            "minimumRequirement": {"quantity": None, "subtotal": "50.00" if n % 5 == 0 else None},
            "combinesWith": {}, "asyncUsageCount": s.rng.randint(0, 40),
            "items": _coupon_items(n, products, collections),
        }, created=created, lookup=code.lower())
        codes.append(code)
    return codes


def shopify_seed(
    store: SandboxStore, *, products: int = 0, customers: int = 0, orders: int = 0, coupons: int | None = None,
    languages=None, seed: int = 0, collections: bool | None = None, pages: int | None = None,
    articles: int | None = None, redirects: int | None = None, anchor: datetime | None = None, **ignored,
) -> dict:
    """Fill an empty Shopify sandbox store; answer the counts of what was created.

    With products > 0: 8 custom collections (one per product type) and a smart "On sale" collection
    (rule tag = sale); products with 1-3 options (30% only the default "Title" option, 60% Color x Size,
    10% Color x Size x Material), one variant per combination with its own SKU (SKU-00001-01...), price,
    barcode, cost, weight and stock at the shop's location; 1-3 images, 2 `custom.*` metafields, tags,
    vendor, status (mostly ACTIVE). Customers: unique emails first.last.N@example.com, 1-2 addresses,
    marketing consent. Orders: historical (processedAt in the last 600 days, names #1001...), 1-4 lines on
    real variants, shipping, 10% tax, ~15% with a coupon, financial statuses PAID / PENDING / AUTHORIZED /
    REFUNDED / ...; ~80% of paid orders fulfilled with a tracking number (1Z...), carrier and URL.
    Content: pages (default 5), a "News" blog with articles (default 6), URL redirects (default 5),
    coupons (default 10: every fourth from the second restricted to two products, every fourth from the
    fourth to one collection, the others for all items). With a second language (languages=["en", "fr"])
    the shop publishes that locale and products, collections and pages carry translations.
    `reviews`/`malformed` are WooCommerce options and ignored here (Shopify has no reviews in its Admin API).
    """
    if SandboxRecord.objects.filter(store=store).exclude(resource="locations").exists():
        raise ValueError(f"Sandbox store {store.name!r} already has data; seed an empty store.")
    if languages:
        sandbox_store_languages_set(store, list(languages))
    languages = store.languages
    s = _Seeder(store, seed, (anchor or now_utc()).replace(microsecond=0))
    location = SandboxRecord.objects.filter(store=store, resource="locations").order_by("record_id").first()
    catalog = bool(products)
    coupons = (10 if catalog else 0) if coupons is None else coupons
    made_collections = _collections(s, languages) if (collections if collections is not None else catalog) else []
    handles: set = set()
    items = [_product(s, i, made_collections, location.record_id, languages, handles) for i in range(products)]
    people = _customers(s, customers)
    codes = _coupons(s, coupons, items, made_collections)
    counts = {"products": len(items), "variants": sum(len(v) for _, v in items),
              "collections": len(made_collections) + (1 if made_collections else 0), "customers": len(people),
              "coupons": len(codes), "languages": languages}
    counts.update(_orders(s, orders if items else 0, items, people, codes, location.record_id,
                          store.settings.get("currency", "USD")))
    counts.update(_content(s, 5 if pages is None and catalog else (pages or 0),
                           6 if articles is None and catalog else (articles or 0),
                           5 if redirects is None and catalog else (redirects or 0), languages))
    counts["abandoned_checkouts"] = seed_checkouts(s, (orders // 4) if items else 0,
                                                   store.settings.get("currency", "USD"), f"{store.name}.myshopify.com")
    counts["events"] = seed_events(s)
    s.flush()
    return counts


def seed(store: SandboxStore, **options) -> dict:
    """Platform seed entry point used by `sandbox.services.sandbox_seed` and the sandbox_seed command."""
    return shopify_seed(store, **options)
