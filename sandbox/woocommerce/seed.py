"""Seed data for WooCommerce sandbox stores: a realistic catalog, customers and order history, written
with bulk_create (2,000 products / 2,000 customers / 5,000 orders take seconds on PostgreSQL).

Everything is drawn from `random.Random(seed)`, so names, prices, SKUs, ids and references are the same
for the same seed on a fresh store; dates are offsets from `anchor` (default: now).
"""
import random
from datetime import datetime, timedelta
from decimal import Decimal

from django.utils.text import slugify

from ..models import SandboxRecord, SandboxStore
from ..records import DATE_FORMAT, SeedRows, ids_allocate, now_utc, raw_string
from ..services import sandbox_store_languages_set
from .crud import RAW_FLAG, Ctx
from .refunds import FULLY_REFUNDED_REASON, refund_defaults, refund_line, refund_tax_lines
from .resources import (
    address,
    avatar_url,
    coupon_defaults,
    customer_defaults,
    image_normalize,
    money,
    order_defaults,
    order_totals,
    product_defaults,
    product_permalink,
    review_defaults,
    stock_derive,
    term_defaults,
    variation_defaults,
)
from .taxes import tax_defaults

CATEGORY_TREE = {
    "Clothing": {"Men": ("Shirts", "Trousers"), "Women": ("Dresses", "Tops"), "Kids": ("Boys", "Girls")},
    "Home": {"Kitchen": ("Cookware", "Utensils"), "Living": ("Lighting", "Decor"), "Garden": ("Tools", "Plants")},
    "Sports": {"Running": ("Shoes", "Apparel"), "Cycling": ("Helmets", "Parts"), "Fitness": ("Weights", "Mats")},
    "Electronics": {"Audio": ("Headphones", "Speakers"), "Computers": ("Laptops", "Accessories"),
                    "Phones": ("Cases", "Chargers")},
    "Beauty": {"Skincare": ("Creams", "Serums"), "Hair": ("Shampoo", "Styling"), "Makeup": ("Lips", "Eyes")},
}
FRENCH = {
    "Clothing": "Vêtements", "Men": "Hommes", "Women": "Femmes", "Kids": "Enfants", "Shirts": "Chemises",
    "Trousers": "Pantalons", "Dresses": "Robes", "Tops": "Hauts", "Boys": "Garçons", "Girls": "Filles",
    "Home": "Maison", "Kitchen": "Cuisine", "Living": "Salon", "Garden": "Jardin", "Cookware": "Casseroles",
    "Utensils": "Ustensiles", "Lighting": "Éclairage", "Decor": "Déco", "Tools": "Outils", "Plants": "Plantes",
    "Sports": "Sports", "Running": "Course", "Cycling": "Vélo", "Fitness": "Fitness", "Shoes": "Chaussures",
    "Apparel": "Tenues", "Helmets": "Casques", "Parts": "Pièces", "Weights": "Poids", "Mats": "Tapis",
    "Electronics": "Électronique", "Audio": "Audio", "Computers": "Ordinateurs", "Phones": "Téléphones",
    "Headphones": "Casques audio", "Speakers": "Enceintes", "Laptops": "Portables", "Accessories": "Accessoires",
    "Cases": "Coques", "Chargers": "Chargeurs", "Beauty": "Beauté", "Skincare": "Soins", "Hair": "Cheveux",
    "Makeup": "Maquillage", "Creams": "Crèmes", "Serums": "Sérums", "Shampoo": "Shampooing",
    "Styling": "Coiffage", "Lips": "Lèvres", "Eyes": "Yeux", "Classic": "Classique", "Modern": "Moderne",
    "Premium": "Premium", "Essential": "Essentiel", "Vintage": "Vintage", "Urban": "Urbain", "Eco": "Éco",
    "Deluxe": "Luxe", "Cotton": "Coton", "Steel": "Acier", "Leather": "Cuir", "Bamboo": "Bambou",
    "Wool": "Laine", "Carbon": "Carbone", "Linen": "Lin", "Ceramic": "Céramique",
}
ADJECTIVES = ("Classic", "Modern", "Premium", "Essential", "Vintage", "Urban", "Eco", "Deluxe")
MATERIALS = ("Cotton", "Steel", "Leather", "Bamboo", "Wool", "Carbon", "Linen", "Ceramic")
COLORS = ("Black", "White", "Red", "Blue", "Green", "Grey", "Navy", "Yellow")
SIZES = ("XS", "S", "M", "L", "XL", "XXL")
BRANDS = ("Acme", "Northwind", "Globex", "Initech", "Umbrella", "Stark", "Wayne", "Hooli")
TAGS = ("new", "bestseller", "gift", "summer", "winter", "sale", "eco", "limited", "classic", "trending",
        "handmade", "outdoor")
FIRST_NAMES = ("James", "Mary", "John", "Patricia", "Robert", "Jennifer", "Michael", "Linda", "William",
               "Elizabeth", "David", "Barbara", "Richard", "Susan", "Joseph", "Jessica", "Thomas", "Sarah",
               "Charles", "Karen", "Emma", "Lucas", "Chloé", "Hugo", "Léa", "Noah", "Mia", "Liam", "Zoé", "Jonas")
LAST_NAMES = ("Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Martin", "Bernard",
              "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Müller", "Schmidt", "Schneider",
              "Fischer", "Weber", "Taylor", "Wilson", "Moore", "Clark", "Lewis", "Walker", "Hall", "Young", "King")
STREETS = ("Main St", "Oak Ave", "Maple Rd", "Cedar Ln", "Elm St", "Park Ave", "High St", "Church Rd")
CITIES = (
    ("New York", "NY", "10001", "US"), ("Austin", "TX", "73301", "US"), ("Seattle", "WA", "98101", "US"),
    ("Toronto", "ON", "M5H 2N2", "CA"), ("London", "", "SW1A 1AA", "GB"), ("Paris", "", "75001", "FR"),
    ("Lyon", "", "69001", "FR"), ("Berlin", "", "10115", "DE"),
)
ORDER_STATUSES = (("completed", 50), ("processing", 18), ("on-hold", 5), ("pending", 7), ("cancelled", 8),
                  ("refunded", 7), ("failed", 5))
PAYMENTS = (("stripe", "Credit Card (Stripe)"), ("paypal", "PayPal"), ("bacs", "Direct bank transfer"),
            ("cod", "Cash on delivery"))
CARRIERS = ("UPS", "USPS", "FedEx", "DHL")
COUPON_WORDS = ("save", "welcome", "summer", "winter", "vip", "flash", "spring", "black", "loyal", "gift")
TAX_RATE = Decimal("0.10")
LOREM = ("Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut labore "
         "et dolore magna aliqua. ")
ONE_MB = 1024 * 1024


class _Seeder(SeedRows):
    """Holds the RNG, the id blocks and the records to bulk-insert."""

    def __init__(self, store: SandboxStore, seed: int, anchor: datetime):
        super().__init__(store, seed, anchor)
        self.seed = seed
        self.ctx = Ctx(store=store, site_url="", now=anchor)
        self._blocks: dict[str, list[int]] = {}
        self.default_lang = store.default_language
        self.store_site = ""  # links are stored relative and completed with the request's site URL

    def next_id(self, sequence: str) -> int:
        block = self._blocks.setdefault(sequence, [])
        if not block:
            block.extend(ids_allocate(self.store, sequence, 1000))
        return block.pop(0)

    def add(self, resource: str, data: dict, *, created: datetime, modified: datetime | None = None,
            record_id: int | None = None, sequence: str = "posts", **columns) -> SandboxRecord:
        return self.row(resource, record_id or self.next_id(sequence), data, created=created, modified=modified,
                        **columns)


def _fr(text: str) -> str:
    return " ".join(FRENCH.get(word, word) for word in text.split(" "))


def _stamp(value: datetime | None) -> str | None:
    return value.strftime(DATE_FORMAT) if value else None


# ---------------------------------------------------------------- taxonomies


def _taxonomies(s: _Seeder, languages: list[str]) -> dict:
    """Categories (3 levels, with translations), tags, brands, tax class, attributes Color/Size with terms."""
    created = s.anchor - timedelta(days=800)
    cats: dict = {"leaves": [], "all": [], "by_id": {}, "translations": {}}
    hier = term_defaults(True)
    slugs: set[str] = set()

    def category(name: str, parent: int, parent_slug: str, lang: str, group: int | None, menu: int) -> int:
        slug = slugify(name if lang == s.default_lang else f"{name}-{lang}")
        if slug in slugs:
            slug = f"{parent_slug}-{slug}"
        slugs.add(slug)
        data = {**hier(), "name": name, "slug": slug, "parent": parent, "menu_order": menu,
                "description": f"{name} collection.",
                "image": image_normalize(s.ctx, {"src": f"https://picsum.photos/seed/cat-{slug}/600/600"},
                                         s.next_id("posts"))}
        rid = s.next_id("terms")
        s.add("categories", data, created=created, record_id=rid, parent_id=parent, lang=lang, lookup=slug,
              group_id=group or rid)
        cats["by_id"][rid] = data
        return rid

    menu = 0
    for top, subs in CATEGORY_TREE.items():
        top_id = category(top, 0, "", s.default_lang, None, menu)
        cats["all"].append(top_id)
        for sub, leaves in subs.items():
            menu += 1
            sub_id = category(sub, top_id, cats["by_id"][top_id]["slug"], s.default_lang, None, menu)
            cats["all"].append(sub_id)
            for leaf in leaves:
                menu += 1
                leaf_id = category(leaf, sub_id, cats["by_id"][sub_id]["slug"], s.default_lang, None, menu)
                cats["all"].append(leaf_id)
                cats["leaves"].append((leaf_id, top))
    for lang in languages[1:]:
        mapping = cats["translations"].setdefault(lang, {})
        for rid in cats["all"]:
            original = cats["by_id"][rid]
            parent = mapping.get(original["parent"], 0)
            name = _fr(original["name"]) if lang == "fr" else f"{original['name']} ({lang})"
            mapping[rid] = category(name, parent, str(parent), lang, rid, original["menu_order"])
    flat = term_defaults(False)
    tags = []
    for name in TAGS:
        rid = s.next_id("terms")
        s.add("tags", {**flat(), "name": name.title(), "slug": name}, created=created, record_id=rid, lookup=name)
        tags.append({"id": rid, "name": name.title(), "slug": name})
    brands = []
    for name in BRANDS:
        rid, slug = s.next_id("terms"), slugify(name)
        s.add("brands", {**hier(), "name": name, "slug": slug, "description": f"{name} products."},
              created=created, record_id=rid, parent_id=0, lookup=slug)
        brands.append({"id": rid, "name": name, "slug": slug})
    s.add("tax_classes", {"slug": "luxury-goods", "name": "Luxury goods"}, created=created,
          record_id=s.next_id("tax_classes"), lookup="luxury-goods")
    attributes = {}
    for name, terms in (("Color", COLORS), ("Size", SIZES)):
        attr_id = s.next_id("attributes")
        slug = f"pa_{name.lower()}"
        s.add("attributes", {"name": name, "slug": slug, "type": "select", "order_by": "menu_order",
                             "has_archives": False}, created=created, record_id=attr_id, lookup=slug)
        for position, term in enumerate(terms):
            term_slug = slugify(term)
            s.add("attribute_terms", {"name": term, "slug": term_slug, "description": "", "menu_order": position,
                                      "count": 0}, created=created, record_id=s.next_id("terms"),
                  parent_id=attr_id, lookup=term_slug)
        attributes[name] = attr_id
    _store_settings(s, created)
    return {"categories": cats, "tags": tags, "brands": brands, "attributes": attributes}


# ---------------------------------------------------------------- products


def _product_base(s: _Seeder, tax: dict, index: int, slugs: set[str]) -> dict:
    rng = s.rng
    leaf_id, top = rng.choice(tax["categories"]["leaves"])
    cat = tax["categories"]["by_id"][leaf_id]
    name = f"{rng.choice(ADJECTIVES)} {rng.choice(MATERIALS)} {cat['name'].rstrip('s')}"
    slug = slugify(name)
    if slug in slugs:
        slug = f"{slug}-{index}"
    slugs.add(slug)
    regular = Decimal(rng.randint(500, 25000)) / 100
    data = product_defaults()
    data.update(
        name=name, slug=slug, sku=f"SKU-{index:05d}",
        description=f"<p>{name}: {LOREM * rng.randint(1, 3)}</p>", short_description=f"<p>{name}.</p>",
        regular_price=str(regular), weight=str(rng.randint(1, 50) / 10),
        dimensions={
            "length": str(rng.randint(5, 60)), "width": str(rng.randint(5, 40)), "height": str(rng.randint(1, 30))
        },
        categories=[{"id": leaf_id, "name": cat["name"], "slug": cat["slug"]}],
        tags=rng.sample(tax["tags"], rng.randint(0, 3)), brands=[rng.choice(tax["brands"])],
        featured=rng.random() < 0.1, tax_class=rng.choice(("", "", "", "reduced-rate")),
        manage_stock=rng.random() < 0.8, stock_quantity=rng.choice((0, *range(1, 200))),
        images=[image_normalize(s.ctx, {"src": f"https://picsum.photos/seed/{slug}-{n}/600/600", "alt": name},
                                s.next_id("posts")) for n in range(rng.randint(1, 3))],
    )
    if rng.random() < 0.25:
        data["sale_price"] = str((regular * Decimal(rng.choice((60, 70, 80, 90))) / 100).quantize(Decimal("0.01")))
    data["_top"] = top
    return data


def _variations(s: _Seeder, tax: dict, product: dict, product_id: int, created: datetime) -> list[SandboxRecord]:
    rng = s.rng
    colors = rng.sample(COLORS, rng.randint(1, 3))
    sizes = rng.sample(SIZES, rng.randint(2, 3))
    combos = [(c, z) for c in colors for z in sizes]
    chosen = rng.sample(combos, rng.randint(2, min(9, len(combos))))
    product["type"] = "variable"
    product["attributes"] = [
        {"id": tax["attributes"]["Color"], "name": "Color", "position": 0, "visible": True, "variation": True,
         "options": sorted({c for c, _ in chosen}, key=COLORS.index)},
        {"id": tax["attributes"]["Size"], "name": "Size", "position": 1, "visible": True, "variation": True,
         "options": sorted({z for _, z in chosen}, key=SIZES.index)},
    ]
    records = []
    for n, (color, size) in enumerate(chosen):
        data = variation_defaults()
        price = Decimal(product["regular_price"]) + Decimal(rng.choice((0, 0, 2, 5, 10)))
        data.update(
            name=f"{product['name']} - {color}, {size}", parent_id=product_id,
            sku=f"{product['sku']}-{color.upper()}-{size}", regular_price=str(price), menu_order=n,
            manage_stock=True, stock_quantity=rng.randint(0, 60), weight=product["weight"],
            permalink=product_permalink(s.store_site, product["slug"], "", ""),
            attributes=[{"id": tax["attributes"]["Color"], "name": "Color", "option": color},
                        {"id": tax["attributes"]["Size"], "name": "Size", "option": size}],
            image=image_normalize(s.ctx, {"src": f"https://picsum.photos/seed/{data_slug(product, color)}/600/600"},
                                  s.next_id("posts")),
        )
        if product.get("sale_price") and rng.random() < 0.5:
            data["sale_price"] = str((price * Decimal("0.8")).quantize(Decimal("0.01")))
        stock_derive(data)
        records.append(s.add("variations", data, created=created, modified=s.after(created, 400),
                             parent_id=product_id, lookup=data["sku"], status="publish"))
    product["variations"] = [r.record_id for r in records]
    prices = sorted(Decimal(r.data["price"]) for r in records)
    product["price"] = str(prices[0])
    return records


def data_slug(product: dict, color: str) -> str:
    return f"{product['slug']}-{color.lower()}"


def _add_product(s: _Seeder, data: dict, created: datetime, *, record_id=None, lang=None, group=None):
    stock_derive(data)
    lang = lang or s.default_lang
    return s.add("products", data, created=created, modified=s.after(created, 400), record_id=record_id,
                 lang=lang, lookup=data.get("sku", ""), status=data.get("status", "publish"), group_id=group)


def _products(s: _Seeder, tax: dict, count: int, languages: list[str]) -> dict:
    products, variations, translations = [], [], 0
    slugs: set[str] = set()
    for index in range(1, count + 1):
        data = _product_base(s, tax, index, slugs)
        top = data.pop("_top")
        rid = s.next_id("posts")
        created = s.past(720, 30)
        if s.rng.random() < 0.7:
            variations.extend(_variations(s, tax, data, rid, created))
        record = _add_product(s, data, created, record_id=rid, group=rid)
        products.append((record, top))
    for lang in languages[1:]:
        mapping = tax["categories"]["translations"][lang]
        for original, _top in list(products):
            translations += 1
            data = {k: (list(v) if isinstance(v, list) else v) for k, v in original.data.items()}
            name = _fr(data["name"]) if lang == "fr" else f"{data['name']} ({lang})"
            data.update(
                name=name, slug=f"{slugify(name)}-{original.record_id}-{lang}",
                description=f"<p>{name} ({lang}).</p>", short_description=f"<p>{name}.</p>",
                categories=[{"id": mapping[c["id"]], "name": _fr(c["name"]), "slug": c["slug"]}
                            for c in data["categories"] if c["id"] in mapping],
            )
            rid = s.next_id("posts")
            if data["type"] == "variable":
                children = [v for v in variations if v.parent_id == original.record_id]
                data["variations"] = []
                for child in children:
                    copy = {**child.data, "parent_id": rid, "name": f"{name} - {child.data['name'].split(' - ')[-1]}"}
                    clone = s.add("variations", copy, created=child.date_created_gmt,
                                  modified=child.date_modified_gmt, parent_id=rid, lang=lang, lookup=child.lookup,
                                  status="publish")
                    data["variations"].append(clone.record_id)
            _add_product(s, data, original.date_created_gmt, record_id=rid, lang=lang, group=original.record_id)
    return {"products": products, "variations": variations, "translations": translations}


# ---------------------------------------------------------------- customers, coupons, orders, reviews


def _address(s: _Seeder, first: str, last: str, email: str | None) -> dict:
    rng = s.rng
    city, state, postcode, country = rng.choice(CITIES)
    out = address(email is not None)
    out.update(first_name=first, last_name=last, address_1=f"{rng.randint(1, 999)} {rng.choice(STREETS)}",
               city=city, state=state, postcode=postcode, country=country,
               phone=f"+1555{rng.randint(1000000, 9999999)}")
    if email is not None:
        out["email"] = email
    return out


def _customers(s: _Seeder, count: int) -> list[SandboxRecord]:
    out = []
    for index in range(1, count + 1):
        first, last = s.rng.choice(FIRST_NAMES), s.rng.choice(LAST_NAMES)
        email = f"{slugify(first)}.{slugify(last)}.{index}@example.com"
        data = customer_defaults()
        billing = _address(s, first, last, email)
        shipping = {k: v for k, v in billing.items() if k != "email"} if s.rng.random() < 0.8 else _address(
            s, first, last, None)
        data.update(email=email, first_name=first, last_name=last, username=email.split("@")[0],
                    billing=billing, shipping=shipping, avatar_url=avatar_url(email))
        created = s.past(1095, 1)
        out.append(s.add("customers", data, created=created, modified=s.after(created, 300), sequence="users",
                         lookup=email))
    return out


def _coupons(s: _Seeder, count: int, products: list) -> list[dict]:
    out = []
    for index in range(count):
        kind = ("percent", "fixed_cart", "fixed_product")[index % 3]
        amount = s.rng.choice((5, 10, 15, 20, 25)) if kind == "percent" else s.rng.choice((5, 10, 20))
        suffix = f"-{index}" if index >= len(COUPON_WORDS) else ""
        code = f"{COUPON_WORDS[index % len(COUPON_WORDS)]}{amount}{suffix}"
        data = coupon_defaults()
        data.update(code=code, amount=f"{amount}.00", discount_type=kind, description=f"{amount} off ({kind})",
                    individual_use=s.rng.random() < 0.3, usage_limit=s.rng.choice((None, 100, 500)))
        if kind == "fixed_product" and products:
            data["product_ids"] = sorted(r.record_id for r, _ in s.rng.sample(products, min(3, len(products))))
        if s.rng.random() < 0.3:
            data["date_expires"] = data["date_expires_gmt"] = _stamp(s.anchor + timedelta(days=s.rng.randint(30, 365)))
        created = s.past(700, 1)
        s.add("coupons", data, created=created, modified=s.after(created, 100), lookup=code, status="publish")
        out.append(data)
    return out


def _line(s: _Seeder, product: SandboxRecord, variation: SandboxRecord | None, quantity: int, line_id: int) -> dict:
    source = variation or product
    unit = Decimal(source.data["price"] or "0")
    subtotal = unit * quantity
    tax = (subtotal * TAX_RATE).quantize(Decimal("0.01"))
    image = (variation.data.get("image") if variation else (product.data["images"] or [{}])[0]) or {}
    return {
        "id": line_id, "name": source.data["name"], "product_id": product.record_id,
        "variation_id": variation.record_id if variation else 0, "quantity": quantity, "tax_class": "",
        "subtotal": money(subtotal), "subtotal_tax": money(tax), "total": money(subtotal), "total_tax": money(tax),
        "taxes": [{"id": 1, "total": money(tax), "subtotal": money(tax)}], "meta_data": [],
        "sku": source.data["sku"], "price": float(unit),
        "image": {"id": image.get("id", ""), "src": image.get("src", "")},
        "parent_name": product.data["name"] if variation else None,
    }


def _order(s: _Seeder, catalog: list, by_parent: dict, customers: list, coupons: list, notes: list) -> SandboxRecord:
    rng = s.rng
    data = order_defaults(s.ctx)
    created = s.past(730, 0)
    status = rng.choices([st for st, _ in ORDER_STATUSES], [w for _, w in ORDER_STATUSES])[0]
    customer = rng.choice(customers) if customers and rng.random() < 0.85 else None
    if customer:
        billing, shipping = dict(customer.data["billing"]), dict(customer.data["shipping"])
    else:
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        billing = _address(s, first, last, f"guest.{slugify(first)}.{rng.randint(1, 10**6)}@example.org")
        shipping = {k: v for k, v in billing.items() if k != "email"}
    lines = []
    for product in rng.sample(catalog, min(len(catalog), rng.randint(1, 4))):
        children = by_parent.get(product.record_id)
        lines.append(_line(s, product, rng.choice(children) if children else None, rng.randint(1, 3),
                           s.next_id("order_items")))
    coupon_lines = []
    if coupons and rng.random() < 0.12:
        coupon = rng.choice([c for c in coupons if c["discount_type"] == "percent"] or coupons)
        rate = Decimal(coupon["amount"]) / 100 if coupon["discount_type"] == "percent" else Decimal("0.05")
        discount = Decimal(0)
        for line in lines:
            cut = (Decimal(line["subtotal"]) * rate).quantize(Decimal("0.01"))
            discount += cut
            total = Decimal(line["subtotal"]) - cut
            tax = (total * TAX_RATE).quantize(Decimal("0.01"))
            line.update(total=money(total), total_tax=money(tax), price=float(total / line["quantity"]),
                        taxes=[{"id": 1, "total": money(tax), "subtotal": line["subtotal_tax"]}])
        coupon_lines.append({"id": s.next_id("order_items"), "code": coupon["code"], "discount": money(discount),
                             "discount_tax": money(discount * TAX_RATE), "meta_data": []})
    items_total = sum(Decimal(line["total"]) for line in lines)
    free = items_total >= 100
    ship = Decimal(0) if free else Decimal(rng.choice((5, 8, 12)))
    ship_tax = (ship * TAX_RATE).quantize(Decimal("0.01"))
    cart_tax = sum(Decimal(line["total_tax"]) for line in lines)
    method, title = rng.choice(PAYMENTS)
    data.update(
        status=status, customer_id=customer.record_id if customer else 0, billing=billing, shipping=shipping,
        payment_method=method, payment_method_title=title, created_via="checkout",
        order_key=f"wc_order_{rng.getrandbits(48):012x}", line_items=lines, coupon_lines=coupon_lines,
        customer_ip_address=f"203.0.113.{rng.randint(1, 254)}",
        customer_note=rng.choice(("", "", "", "Please leave at the door.", "Gift wrap, please.")),
        shipping_lines=[{"id": s.next_id("order_items"), "method_title": "Free shipping" if free else "Flat rate",
                         "method_id": "free_shipping" if free else "flat_rate", "instance_id": "1",
                         "total": money(ship), "total_tax": money(ship_tax),
                         "taxes": [{"id": 1, "total": money(ship_tax), "subtotal": ""}], "meta_data": []}],
        tax_lines=[{"id": s.next_id("order_items"), "rate_code": "TAX-1", "rate_id": 1, "label": "Tax",
                    "compound": False, "tax_total": money(cart_tax), "shipping_tax_total": money(ship_tax),
                    "rate_percent": 10, "meta_data": []}],
    )
    data.update(order_totals(data))
    paid = status in ("processing", "completed", "refunded")
    modified = s.after(created, 12)
    if paid:
        data["transaction_id"] = f"txn_{rng.getrandbits(40):010x}" if method in ("stripe", "paypal") else ""
        data["date_paid"] = data["date_paid_gmt"] = _stamp(created + timedelta(minutes=rng.randint(0, 30)))
        data["_sb_stock_reduced"] = True
    record = s.add("orders", data, created=created, modified=modified, status=status)
    note_times = created + timedelta(minutes=1)
    notes.append((record.record_id, note_times, f"Order status changed from Pending payment to {status.title()}.",
                  False))
    if status == "completed":
        shipped = s.after(created, 4)
        data["date_completed"] = data["date_completed_gmt"] = _stamp(shipped)
        carrier = rng.choice(CARRIERS)
        number = f"1Z{rng.getrandbits(60):015X}"[:18]
        # VERIFY: Shipment Tracking extension meta layout (_wc_shipment_tracking_items); the plain
        # _tracking_number/_tracking_provider keys are what several other tracking plugins write.
        data["meta_data"] = [
            {"id": s.next_id("meta"), "key": "_wc_shipment_tracking_items", "value": [{
                "tracking_provider": carrier.lower(), "custom_tracking_provider": "", "custom_tracking_link": "",
                "tracking_number": number, "date_shipped": str(int(shipped.timestamp())),
                "tracking_id": f"{rng.getrandbits(64):016x}"}]},
            {"id": s.next_id("meta"), "key": "_tracking_number", "value": number},
            {"id": s.next_id("meta"), "key": "_tracking_provider", "value": carrier},
        ]
        notes.append((record.record_id, shipped, f"Tracking number: {number} ({carrier})", True))
        notes.append((record.record_id, shipped, "Order status changed from Processing to Completed.", False))
        record.date_modified_gmt = max(record.date_modified_gmt, shipped)
    return record


def _store_settings(s: _Seeder, created: datetime) -> None:
    """The 10% standard rate the orders' tax lines name (rate_id 1, "TAX-1"), two shipping classes, and
    zones US (flat rate + free shipping over 100, instance ids 1 and 2, as the orders' shipping lines
    say) and Europe (flat rate)."""
    s.add("taxes", {**tax_defaults(), "rate": "10.0000", "name": "Tax", "shipping": True},
          created=created, record_id=s.next_id("tax_rates"))
    flat = term_defaults(False)
    for name, text in (("Express", "Next-day delivery."), ("Bulky", "Large or heavy items.")):
        slug = slugify(name)
        s.add("shipping_classes", {**flat(), "name": name, "slug": slug, "description": text}, created=created,
              record_id=s.next_id("terms"), lookup=slug)
    zones = (("United States (US)", [{"code": "US", "type": "country"}],
              [("flat_rate", {"cost": "8"}), ("free_shipping", {"requires": "min_amount", "min_amount": "100"})]),
             ("Europe", [{"code": "EU", "type": "continent"}], [("flat_rate", {"cost": "12"})]))
    for order, (name, locations, methods) in enumerate(zones):
        zone = s.add("shipping_zones", {"name": name, "order": order, "locations": locations}, created=created,
                     record_id=s.next_id("shipping_zones"))
        for position, (method_id, values) in enumerate(methods, start=1):
            s.add("shipping_zone_methods", {"method_id": method_id, "order": position, "enabled": True,
                                            "settings": values},
                  created=created, record_id=s.next_id("shipping_zone_methods"), parent_id=zone.record_id)


REFUND_REASONS = ("", "Customer changed their mind", "Item arrived damaged", "Wrong size", "Duplicate order")


def _refund(s: _Seeder, order: SandboxRecord, when: datetime, amount: Decimal, reason: str,
            lines: list[tuple[str, dict, dict]]) -> SandboxRecord:
    data = {**refund_defaults(), "amount": f"{amount:.2f}", "reason": reason,
            "refunded_payment": order.data["payment_method"] in ("stripe", "paypal")}
    for kind, item, asked in lines:
        data[kind].append(refund_line(kind, item, asked, s.next_id("meta"), s.next_id("order_items")))
    if lines:
        ids = [s.next_id("order_items") for _ in order.data["tax_lines"]]
        data["tax_lines"] = refund_tax_lines(order.data, data, ids)
    return s.add("refunds", data, created=when, parent_id=order.record_id)


def _unit_refund(line: dict) -> tuple[Decimal, dict]:
    """One unit of a line: its share of the line total and of its tax (rate 1)."""
    qty = line["quantity"]
    total = (Decimal(line["total"]) / qty).quantize(Decimal("0.01"))
    tax = (Decimal(line["total_tax"]) / qty).quantize(Decimal("0.01"))
    return total + tax, {"qty": 1, "refund_total": str(total), "refund_tax": {"1": tax} if tax else {}}


def _refunds(s: _Seeder, orders: list[SandboxRecord]) -> int:
    """Refunded orders get refunds summing to their total: all lines (and shipping) at once, or for a
    quarter of them one unit first and the rest later ("Order fully refunded.", no lines, as an order
    set to refunded gets it). ~8% of completed orders get a partial refund of one unit. Drawn from an
    RNG of their own so the rest of the seed stays what it was."""
    rng = random.Random(f"{s.seed}-refunds")
    made = 0
    for order in orders:
        data = order.data
        status = data["status"]
        if status not in ("refunded", "completed") or (status == "completed" and rng.random() >= 0.08):
            continue
        first = min(s.anchor, order.date_created_gmt + timedelta(seconds=rng.randint(3600, 20 * 86400)))
        refunds = []
        total = Decimal(data["total"])
        if status == "completed" or rng.random() < 0.25:
            line = rng.choice(data["line_items"])
            amount, asked = _unit_refund(line)
            refunds.append(_refund(s, order, first, amount, rng.choice(REFUND_REASONS[1:]),
                                   [("line_items", line, asked)]))
            if status == "refunded":
                later = min(s.anchor, first + timedelta(seconds=rng.randint(600, 5 * 86400)))
                refunds.append(_refund(s, order, later, total - amount, FULLY_REFUNDED_REASON, []))
        else:
            lines = [("line_items", line, {"qty": line["quantity"], "refund_total": line["total"],
                                           "refund_tax": {"1": Decimal(line["total_tax"])}})
                     for line in data["line_items"]]
            lines += [("shipping_lines", ship, {"qty": 0, "refund_total": ship["total"],
                                                "refund_tax": {"1": Decimal(ship["total_tax"])}})
                      for ship in data["shipping_lines"] if Decimal(ship["total"])]
            refunds.append(_refund(s, order, first, total, rng.choice(REFUND_REASONS), lines))
        data["refunds"] = [{"id": r.record_id, "reason": r.data["reason"], "total": f"-{r.data['amount']}"}
                           for r in sorted(refunds, key=lambda r: (r.date_created_gmt, r.record_id), reverse=True)]
        order.date_modified_gmt = max(order.date_modified_gmt, *(r.date_created_gmt for r in refunds))
        made += len(refunds)
    return made


def _orders(s: _Seeder, count: int, catalog: list, variations: list, customers: list, coupons: list) -> dict:
    by_parent: dict[int, list] = {}
    for variation in variations:
        by_parent.setdefault(variation.parent_id, []).append(variation)
    notes: list = []
    orders = [_order(s, catalog, by_parent, customers, coupons, notes) for _ in range(count)] if catalog else []
    for order_id, when, text, customer_note in notes:
        s.add("order_notes", {"author": "system", "note": text, "customer_note": customer_note},
              created=when, sequence="comments", parent_id=order_id)
    paying = {o.data["customer_id"] for o in orders if o.data.get("date_paid")}
    sales: dict[int, int] = {}
    for order in orders:
        for line in order.data["line_items"]:
            sales[line["product_id"]] = sales.get(line["product_id"], 0) + line["quantity"]
    for customer in customers:
        customer.data["is_paying_customer"] = customer.record_id in paying
    for product in catalog:
        product.data["total_sales"] = sales.get(product.record_id, 0)
    return {"orders": len(orders), "order_notes": len(notes), "refunds": _refunds(s, orders)}


def _reviews(s: _Seeder, count: int, catalog: list, customers: list) -> int:
    ratings: dict[int, list[int]] = {}
    for _ in range(count if catalog else 0):
        product = s.rng.choice(catalog)
        if customers and s.rng.random() < 0.7:
            c = s.rng.choice(customers).data
            reviewer, email = f"{c['first_name']} {c['last_name']}", c["email"]
        else:
            first = s.rng.choice(FIRST_NAMES)
            reviewer, email = first, f"{slugify(first)}.{s.rng.randint(1, 9999)}@example.net"
        rating = s.rng.choices((1, 2, 3, 4, 5), (5, 7, 15, 33, 40))[0]
        status = "approved" if s.rng.random() < 0.9 else "hold"
        data = review_defaults()
        url = avatar_url(email)
        data.update(product_id=product.record_id, product_name=product.data["name"], status=status,
                    product_permalink=product_permalink(s.store_site, product.data["slug"], "", ""),
                    reviewer=reviewer, reviewer_email=email, rating=rating, verified=s.rng.random() < 0.6,
                    review=f"<p>{('Great', 'Good', 'Okay', 'Poor', 'Bad')[5 - rating]} product. {LOREM[:80]}</p>",
                    reviewer_avatar_urls={z: url.replace("s=96", f"s={z}") for z in ("24", "48", "96")})
        created = s.after(product.date_created_gmt, 600)
        s.add("reviews", data, created=created, sequence="comments", parent_id=product.record_id, status=status)
        if status == "approved":
            ratings.setdefault(product.record_id, []).append(rating)
    for product in catalog:
        values = ratings.get(product.record_id, [])
        product.data["rating_count"] = len(values)
        product.data["average_rating"] = f"{(sum(values) / len(values)) if values else 0:.2f}"
    return count if catalog else 0


def _malformed(s: _Seeder, tax: dict) -> dict:
    """The five bad records documented in woocommerce_seed."""
    created = s.past(300, 10)
    bad_customer = customer_defaults()
    bad_customer.update(email="not-an-email", first_name="Broken", last_name="Email", username="broken-email")
    s.add("customers", bad_customer, created=created, sequence="users", lookup="not-an-email")

    def product(name: str, **fields) -> SandboxRecord:
        data = product_defaults()
        data.update(name=name, regular_price="10.00", **fields)
        return _add_product(s, data, created)

    nameless = product("", sku="MALFORMED-NO-NAME", slug="")
    nameless.data["slug"] = str(nameless.record_id)  # WordPress names an untitled post by its id
    bad_utf8 = product(raw_string("Bad \udcff name"), sku="MALFORMED-BAD-UTF8", slug="bad-name")
    bad_utf8.data[RAW_FLAG] = True
    description = (LOREM * (ONE_MB // len(LOREM) + 1))[:ONE_MB]
    product("Huge description product", sku="MALFORMED-HUGE-DESC", slug="huge-description-product",
            description=description)
    parent = product("Orphan variation product", sku="MALFORMED-ORPHAN", slug="orphan-variation-product",
                     type="variable")
    missing_parent = s.next_id("posts")  # allocated and never used: a product that does not exist
    kept = []
    for n, (pid, size) in enumerate(((parent.record_id, "S"), (parent.record_id, "M"), (missing_parent, "L"))):
        data = variation_defaults()
        data.update(name=f"Orphan variation product - {size}", parent_id=pid, sku=f"MALFORMED-ORPHAN-{size}",
                    regular_price="10.00", menu_order=n,
                    attributes=[{"id": tax["attributes"]["Size"], "name": "Size", "option": size}])
        stock_derive(data)
        kept.append(s.add("variations", data, created=created, parent_id=pid, lookup=data["sku"], status="publish"))
    parent.data["variations"] = [v.record_id for v in kept]
    parent.data["price"] = "10.00"
    parent.data["attributes"] = [{"id": tax["attributes"]["Size"], "name": "Size", "position": 0, "visible": True,
                                  "variation": True, "options": ["S", "M", "L"]}]
    return {"malformed_products": 4, "malformed_customers": 1, "orphan_variation_id": kept[-1].record_id,
            "orphan_parent_product_id": parent.record_id}


def _category_counts(tax: dict, products: list) -> None:
    counts: dict[int, int] = {}
    for record in products:
        for category in record.data.get("categories") or []:
            counts[category["id"]] = counts.get(category["id"], 0) + 1
    for rid, data in tax["categories"]["by_id"].items():
        data["count"] = counts.get(rid, 0)


def woocommerce_seed(
    store: SandboxStore, *, products: int, customers: int, orders: int, reviews: int | None = None,
    coupons: int | None = None, languages=None, seed: int = 0, malformed: bool = False,
    anchor: datetime | None = None,
) -> dict:
    """Fill an empty WooCommerce sandbox store; answer the counts of what was created.

    With products > 0 the catalog structure comes first: 50 categories in 3 levels (5 / 15 / 30) and a
    translation of each per extra language, 12 tags, 8 brands, a "Luxury goods" tax class (beside the
    store's default Reduced rate / Zero rate), global attributes Color (8 terms) and Size (6 terms).
    Products: ~70% variable (Color x Size, 2-9 variations with their own SKU, price and stock), the rest
    simple; 1-3 picsum.photos images, a leaf category, 0-3 tags, a brand; ~25% on sale; unique SKUs
    SKU-00001... With languages=["en", "fr"] every product (and its variations) and every category gets a
    French translation linked through WPML `translations`.
    Customers: unique emails first.last.N@example.com, billing and shipping addresses.
    Orders: 15% guest orders; statuses completed/processing/on-hold/pending/cancelled/refunded/failed;
    1-4 line items on real products/variations (sku, price, totals consistent), shipping, tax (10%) and
    ~12% coupon lines; notes (status changes); completed orders carry a customer note "Tracking number:
    1Z..." and `_wc_shipment_tracking_items`, `_tracking_number`, `_tracking_provider` meta.
    reviews defaults to products // 2 (rating 1-5, 90% approved); coupons defaults to 10 when products > 0
    (percent / fixed_cart / fixed_product in turn, fixed_product ones restricted to 3 product ids).

    malformed=True adds exactly these bad source records on top of the counts:
    1. a customer whose email is "not-an-email";
    2. a simple product whose name is "" (slug = its id), SKU MALFORMED-NO-NAME;
    3. a product whose name holds an invalid UTF-8 byte: "Bad \\udcff name" as a surrogate-escaped str,
       served as the raw byte 0xFF in the JSON body, SKU MALFORMED-BAD-UTF8;
    4. a product whose description is exactly 1 MiB of text, SKU MALFORMED-HUGE-DESC;
    5. a variable product (SKU MALFORMED-ORPHAN) whose `variations` lists three ids; the last one's
       record has parent_id pointing at a product id that does not exist, so `/products/{id}/variations`
       answers only the other two.
    """
    if SandboxRecord.objects.filter(store=store).exclude(resource="tax_classes").exists():
        raise ValueError(f"Sandbox store {store.name!r} already has data; seed an empty store.")
    if languages:
        sandbox_store_languages_set(store, list(languages))
    languages = store.languages
    s = _Seeder(store, seed, (anchor or now_utc()).replace(microsecond=0))
    s.store_site = ""
    reviews = products // 2 if reviews is None else reviews
    coupons = (10 if products else 0) if coupons is None else coupons
    counts = {"products": 0, "variations": 0, "product_translations": 0, "customers": 0, "orders": 0,
              "order_notes": 0, "refunds": 0, "reviews": 0, "coupons": 0, "categories": 0}
    tax = _taxonomies(s, languages) if products or malformed else None
    catalog, variations = [], []
    if products:
        made = _products(s, tax, products, languages)
        catalog = [r for r, _ in made["products"]]
        variations = made["variations"]
        counts.update(products=len(catalog), variations=len(variations), product_translations=made["translations"])
        counts["categories"] = len(tax["categories"]["by_id"])
        _category_counts(tax, catalog)
    people = _customers(s, customers)
    counts["customers"] = len(people)
    coupon_data = _coupons(s, coupons, [(r, None) for r in catalog])
    counts["coupons"] = len(coupon_data)
    counts.update(_orders(s, orders if catalog else 0, catalog, variations, people, coupon_data))
    counts["reviews"] = _reviews(s, reviews, catalog, people)
    if malformed:
        counts.update(_malformed(s, tax))
    s.flush()
    return counts


def seed(store: SandboxStore, **options) -> dict:
    """Platform seed entry point used by `sandbox.services.sandbox_seed` and the sandbox_seed command."""
    return woocommerce_seed(store, **options)
