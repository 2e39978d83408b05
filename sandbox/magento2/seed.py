"""Seed data for Magento 2 sandbox stores, written with bulk_create.

Everything is drawn from `random.Random(seed)`; dates are offsets from `anchor` (default: now). `products`
is the number of catalog products (configurable parents and standalone simples, about half each); every
configurable gets simple children (color x size), which `/V1/products` lists too, so the `products` count
answered is what the API lists. Orders cycle through every status first (pending, processing, complete,
canceled, closed, holded), with the invoices, shipments (with tracks) and credit memos each state implies.
`malformed=True` adds the bad records README.md lists.
"""
from datetime import datetime, timedelta

from django.utils.text import slugify

from ..models import SandboxRecord, SandboxStore
from ..records import SeedRows, ids_allocate, now_utc, raw_string
from ..services import sandbox_store_languages_set
from .common import mdate
from .seed_orders import orders_seed
from .store import DEFAULT_ATTRIBUTE_SET_ID, DEFAULT_CATEGORY_ID, store_views

COLORS = (("Black", "Noir"), ("White", "Blanc"), ("Red", "Rouge"), ("Blue", "Bleu"), ("Green", "Vert"))
SIZES = ("XS", "S", "M", "L", "XL")
MANUFACTURERS = ("Acme", "Northwind", "Globex", "Initech", "Hooli")
CATEGORY_TREE = (("Men", "Hommes", (("Tops", "Hauts"), ("Bottoms", "Bas"))),
                 ("Women", "Femmes", (("Tops", "Hauts"), ("Dresses", "Robes"))),
                 ("Gear", "Équipement", (("Bags", "Sacs"), ("Watches", "Montres"))))
KINDS = (("Tee", "T-shirt"), ("Hoodie", "Sweat"), ("Jacket", "Veste"), ("Pant", "Pantalon"), ("Short", "Short"),
         ("Bag", "Sac"), ("Watch", "Montre"), ("Dress", "Robe"))
ADJECTIVES = (("Classic", "Classique"), ("Urban", "Urbain"), ("Breathe", "Respire"), ("Summit", "Sommet"),
              ("Aero", "Aéro"), ("Nova", "Nova"))
FIRST = ("Veronica", "John", "Emma", "Lucas", "Chloé", "Hugo", "Mia", "Noah", "Léa", "Liam", "Sofia", "Ethan")
LAST = ("Costello", "Smith", "Martin", "Dubois", "Müller", "Garcia", "Brown", "Petit", "Wilson", "King")
ADDRESSES = (("Calder", "MI", "Michigan", 33, "49628-7978", "US"), ("Austin", "TX", "Texas", 57, "73301", "US"),
             ("Paris", None, None, None, "75001", "FR"), ("Lyon", None, None, None, "69001", "FR"),
             ("Berlin", None, None, None, "10115", "DE"))
PAGES = (("home", "Home Page"), ("no-route", "404 Not Found"), ("enable-cookies", "Enable Cookies"),
         ("privacy-policy-cookie-restriction-mode", "Privacy Policy"), ("about-us", "About us"),
         ("customer-service", "Customer Service"))


class _Seeder(SeedRows):
    def __init__(self, store: SandboxStore, seed: int, anchor: datetime):
        super().__init__(store, seed, anchor)
        self._pools: dict[str, list[int]] = {}

    def ids(self, resource: str, count: int) -> list[int]:
        """`count` new ids of `resource`, taken from blocks of 500 reserved at once (one transaction per
        block instead of one per id; the unused rest of a block is a gap, as failed writes leave)."""
        pool = self._pools.setdefault(resource, [])
        if len(pool) < count:
            pool.extend(ids_allocate(self.store, resource, max(count - len(pool), 500)))
        taken, self._pools[resource] = pool[:count], pool[count:]
        return taken

    add = SeedRows.row


def _options(s: _Seeder, second: str | None) -> dict[str, list[dict]]:
    """Give color, size and manufacturer their options (French store labels on the second view)."""
    out = {}
    for row in SandboxRecord.objects.filter(store=s.store, resource="attributes"):
        if row.data.get("options"):
            out[row.lookup] = row.data["options"]
            continue
        labels = {"color": COLORS, "size": [(v, v) for v in SIZES], "manufacturer": [(v, v) for v in MANUFACTURERS]}
        values = labels.get(row.lookup, ())
        ids = s.ids("attribute_options", len(values))
        row.data["options"] = [{"value": oid, "label": en, "sort_order": pos,
                                "store_labels": [{"store_id": 2, "label": fr}] if second and fr != en else []}
                               for pos, (oid, (en, fr)) in enumerate(zip(ids, values, strict=True))]
        if row.lookup == "color" and second:
            row.data["frontend_labels"] = [{"store_id": 2, "label": "Couleur"}]
        if row.lookup == "size" and second:
            row.data["frontend_labels"] = [{"store_id": 2, "label": "Taille"}]
        row.save(update_fields=["data"])
        out[row.lookup] = row.data["options"]
    return out


def _categories(s: _Seeder, second: str | None) -> list[int]:
    created = s.anchor - timedelta(days=720)
    leaves = []
    count = sum(1 + len(children) for _, _, children in CATEGORY_TREE)
    ids = iter(s.ids("categories", count))
    for position, (name, french, children) in enumerate(CATEGORY_TREE):
        top = next(ids)
        s.add("categories", top, {"name": name, "is_active": True, "position": position, "include_in_menu": True,
                                  "custom": {"url_key": slugify(name), "description": f"<p>{name}</p>"},
                                  "store_values": {second: {"name": french, "url_key": slugify(french)}} if second
                                  else {}}, created=created, parent_id=DEFAULT_CATEGORY_ID, lookup=name)
        for sub, (child, child_fr) in enumerate(children):
            cid = next(ids)
            key = f"{slugify(name)}-{slugify(child)}"
            s.add("categories", cid, {"name": child, "is_active": True, "position": sub, "include_in_menu": True,
                                      "custom": {"url_key": key},
                                      "store_values": {second: {"name": child_fr, "url_key": slugify(
                                          f"{french}-{child_fr}")}} if second else {}},
                  created=created, modified=s.after(created, 400), parent_id=top, lookup=child)
            leaves.append(cid)
    return leaves


def _product_data(s, *, name, name_fr, sku, type_id, price, visibility, categories, manufacturer, second,
                  extra=None, qty=0) -> dict:
    url_key = slugify(f"{name} {sku}")
    description = f"<p>{name}: made to last.</p>"
    data = {"name": name, "attribute_set_id": DEFAULT_ATTRIBUTE_SET_ID, "price": price, "status": 1,
            "visibility": visibility, "type_id": type_id, "weight": 1 if type_id == "simple" else None,
            "custom": {"description": description, "short_description": f"<p>{name}</p>", "url_key": url_key,
                       "meta_title": name, "meta_description": f"Buy {name}", "tax_class_id": "2",
                       "manufacturer": str(manufacturer), **(extra or {})},
            "category_links": [{"position": pos, "category_id": str(cid)} for pos, cid in enumerate(categories)],
            "stock": {"qty": qty, "is_in_stock": qty > 0 or type_id == "configurable"},
            "media": [{"id": s.ids("media_gallery", 1)[0], "media_type": "image", "label": name, "position": 1,
                       "disabled": False, "types": ["image", "small_image", "thumbnail"],
                       "file": f"/{url_key[0]}/{url_key[1]}/{url_key}.png"}] if visibility != 1 else [],
            "store_values": {}}
    if second:
        data["store_values"][second] = {"name": name_fr, "description": f"<p>{name_fr} : fait pour durer.</p>",
                                        "url_key": slugify(f"{name_fr} {sku}")}
    return data


def _products(s: _Seeder, count: int, options: dict, leaves: list[int], second: str | None) -> list[dict]:
    """Catalog products; answers what orders can sell: [{id, sku, name, price, parent (id, sku) or None}]."""
    sellable = []
    manufacturers = [o["value"] for o in options.get("manufacturer", [])]
    colors, sizes = options.get("color", []), options.get("size", [])
    color_attr = SandboxRecord.objects.get(store=s.store, resource="attributes", lookup="color").record_id
    size_attr = SandboxRecord.objects.get(store=s.store, resource="attributes", lookup="size").record_id
    for index in range(count):
        (adj, adj_fr), (kind, kind_fr) = s.rng.choice(ADJECTIVES), s.rng.choice(KINDS)
        name, name_fr = f"{adj} {kind} {index + 1}", f"{kind_fr} {adj_fr} {index + 1}"
        sku = f"MG-{index + 1:05d}"
        created = s.past(600, 30)
        price = round(s.rng.uniform(9, 199), 2)
        categories = s.rng.sample(leaves, k=min(len(leaves), s.rng.randint(1, 2)))
        common = {"price": price, "categories": categories, "manufacturer": s.rng.choice(manufacturers),
                  "second": second}
        if index % 2 == 0 and colors and sizes:
            parent_id = s.ids("products", 1)[0]
            picked_colors = s.rng.sample(colors, 2)
            picked_sizes = sizes[1:4] if s.rng.random() < 0.5 else sizes[:2]
            child_ids = s.ids("products", len(picked_colors) * len(picked_sizes))
            links = []
            for child_id, (color, size) in zip(child_ids, [(c, z) for c in picked_colors for z in picked_sizes],
                                               strict=True):
                child_sku = f"{sku}-{size['label']}-{color['label']}"
                child = _product_data(s, name=f"{name}-{size['label']}-{color['label']}",
                                      name_fr=f"{name_fr}-{size['label']}-{color['label']}", sku=child_sku,
                                      type_id="simple", visibility=1, qty=s.rng.randint(0, 80),
                                      extra={"color": str(color["value"]), "size": str(size["value"])}, **common)
                s.add("products", child_id, child, created=created, modified=s.after(created, 300), lookup=child_sku)
                links.append(child_id)
                sellable.append({"id": child_id, "sku": child_sku, "name": name, "price": price,
                                 "parent": (parent_id, sku)})
            data = _product_data(s, name=name, name_fr=name_fr, sku=sku, type_id="configurable", visibility=4,
                                 **common)
            data["configurable_options"] = [
                {"id": oid, "attribute_id": str(aid), "label": label, "position": pos,
                 "values": [{"value_index": v["value"]} for v in vals]}
                for pos, (oid, aid, label, vals) in enumerate(zip(
                    s.ids("configurable_options", 2), (color_attr, size_attr), ("Color", "Size"),
                    (picked_colors, picked_sizes), strict=True))]
            data["links"] = links
            data["weight"] = None
            s.add("products", parent_id, data, created=created, modified=s.after(created, 300), lookup=sku)
        else:
            pid = s.ids("products", 1)[0]
            data = _product_data(s, name=name, name_fr=name_fr, sku=sku, type_id="simple", visibility=4,
                                 qty=s.rng.randint(0, 120), **common)
            s.add("products", pid, data, created=created, modified=s.after(created, 300), lookup=sku)
            sellable.append({"id": pid, "sku": sku, "name": name, "price": price, "parent": None})
    return sellable


def _address(s: _Seeder, first: str, last: str) -> dict:
    city, region_code, region, region_id, postcode, country = s.rng.choice(ADDRESSES)
    return {"region": {"region_code": region_code, "region": region, "region_id": region_id or 0},
            "region_id": region_id or 0, "country_id": country, "street": [f"{s.rng.randint(1, 999)} Main St"],
            "telephone": f"555-{s.rng.randint(1000, 9999)}", "postcode": postcode, "city": city,
            "firstname": first, "lastname": last}


def _customers(s: _Seeder, count: int, views: list[dict]) -> list[dict]:
    out = []
    ids = s.ids("customers", count)
    for index, cid in enumerate(ids):
        first, last = s.rng.choice(FIRST), s.rng.choice(LAST)
        view = views[index % len(views)]
        addresses = []
        for position in range(s.rng.randint(1, 2)):
            address = _address(s, first, last)
            address.update({"id": s.ids("customer_addresses", 1)[0], "default_shipping": position == 0,
                            "default_billing": position == 0})
            addresses.append(address)
        email = f"{slugify(first)}.{slugify(last)}.{index + 1}@example.com"
        created = s.past(700, 20)
        s.add("customers", cid, {"group_id": s.rng.choice((1, 1, 1, 2, 3)), "firstname": first, "lastname": last,
                                 "gender": s.rng.choice((0, 1, 2)), "store_id": view["id"], "created_in": view["name"],
                                 "addresses": addresses, "is_subscribed": s.rng.random() < 0.3},
              created=created, modified=s.after(created, 200), lookup=email)
        out.append({"id": cid, "email": email, "first": first, "last": last, "address": addresses[0],
                    "created": created, "store_id": view["id"]})
    return out


def _content(s: _Seeder, coupons: int) -> dict:
    created = s.anchor - timedelta(days=800)
    for pid, (identifier, title) in zip(s.ids("cms_pages", len(PAGES)), PAGES, strict=True):
        s.add("cms_pages", pid, {"title": title, "content": f"<p>{title}</p>", "content_heading": title,
                                 "page_layout": "1column", "meta_title": title, "active": True, "sort_order": ""},
              created=created, modified=s.after(created, 500), lookup=identifier)
    blocks = (("footer-links", "Footer Links"), ("contact-us-info", "Contact us info"))
    for bid, (identifier, title) in zip(s.ids("cms_blocks", len(blocks)), blocks, strict=True):
        s.add("cms_blocks", bid, {"title": title, "content": f"<ul><li>{title}</li></ul>", "active": True},
              created=created, lookup=identifier)
    rule_ids = s.ids("sales_rules", coupons)
    for index, rid in enumerate(rule_ids):
        percent = s.rng.choice((5, 10, 15, 20))
        s.add("sales_rules", rid, {
            "name": f"{percent}% off", "store_labels": [], "description": f"{percent}% off the cart",
            "website_ids": [1], "customer_group_ids": [0, 1, 2, 3], "uses_per_customer": 0, "is_active": True,
            "stop_rules_processing": False, "is_advanced": True, "sort_order": 0, "simple_action": "by_percent",
            "discount_amount": percent, "discount_qty": 0, "discount_step": 0, "apply_to_shipping": False,
            "times_used": 0, "is_rss": True, "coupon_type": "SPECIFIC_COUPON", "use_auto_generation": False,
            "uses_per_coupon": 0, "from_date": mdate(created)[:10], "to_date": None}, created=created)
        s.add("coupons", s.ids("coupons", 1)[0], {"usage_limit": 0, "usage_per_customer": 0, "times_used": 0,
                                                   "is_primary": True, "type": 0},
              created=created, parent_id=rid, lookup=f"SAVE{percent}-{index + 1}")
    return {"cms_pages": len(PAGES), "cms_blocks": len(blocks), "sales_rules": coupons, "coupons": coupons}


def _malformed(s: _Seeder, second: str | None) -> None:
    created = s.anchor - timedelta(days=10)
    pid = s.ids("products", 1)[0]
    data = _product_data(s, name="Broken", name_fr="Cassé", sku="MALFORMED-NAME", type_id="simple", price=10,
                         visibility=4, categories=[], manufacturer="999999", second=second, qty=1)
    data["name"] = raw_string("Broken \udcff\udcfe name")  # invalid UTF-8 bytes in a name
    s.add("products", pid, data, created=created, lookup="MALFORMED-NAME")
    cid = s.ids("products", 1)[0]
    dangling = _product_data(s, name="Dangling config", name_fr="Config", sku="MALFORMED-CONFIG",
                             type_id="configurable", price=-5, visibility=4, categories=[999999],
                             manufacturer="1", second=None)
    dangling["links"], dangling["configurable_options"] = [999999], []  # a child that does not exist
    s.add("products", cid, dangling, created=created, lookup="MALFORMED-CONFIG")
    s.add("customers", s.ids("customers", 1)[0], {
        "group_id": 1, "firstname": "", "lastname": "Nobody", "store_id": 1, "created_in": "Default Store View",
        "addresses": [{"id": s.ids("customer_addresses", 1)[0], "street": [], "city": "", "country_id": None,
                       "firstname": "", "lastname": "Nobody", "default_billing": True, "default_shipping": True}]},
        created=created, lookup="not-an-email")
    s.add("categories", s.ids("categories", 1)[0], {"name": "Orphan", "is_active": True, "position": 0,
                                                    "custom": {"url_key": "orphan"}, "store_values": {}},
          created=created, parent_id=999999, lookup="Orphan")


def seed(store: SandboxStore, *, products: int = 0, customers: int = 0, orders: int = 0, reviews=None,
         coupons=None, languages=None, seed: int = 0, malformed: bool = False, anchor: datetime | None = None,
         **_) -> dict:
    """Fill `store` and answer the counts the API lists (`total_count` of each list endpoint)."""
    if languages and list(languages) != store.languages:
        sandbox_store_languages_set(store, languages)
    views = store_views(store)
    second = views[1]["code"] if len(views) > 1 else None
    s = _Seeder(store, seed, anchor or now_utc())
    options = _options(s, second)
    leaves = _categories(s, second)
    sellable = _products(s, products, options, leaves, second)
    people = _customers(s, customers, views)
    s.flush()
    counts = orders_seed(s, orders, sellable, people, views, _address)
    counts.update(_content(s, 3 if coupons is None else coupons))
    if malformed:
        _malformed(s, second)
    s.flush()
    listed = SandboxRecord.objects.filter(store=store)
    for resource in ("products", "categories", "customers"):
        counts[resource] = listed.filter(resource=resource).count()
    counts["configurable_products"] = listed.filter(resource="products", data__type_id="configurable").count()
    counts["store_views"] = len(views)
    return counts
