"""The REST Admin API routes the sandbox serves (read only), each with the access scope Shopify requires
for it. Paths are relative to `/admin/api/<version>/` and end in `.json`."""
import re
from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import Q, QuerySet

from ..common import Ctx
from ..data import readable, records
from ..render import customers_prefetch, locations_all, variants_prefetch
from . import catalog, content, sales
from .endpoints import Answer, Items, Req, Rows, counting, fixed, listing, single
from .paging import ListParams, RestError

ID = r"(?P<{}>\d+)"


@dataclass(frozen=True)
class Route:
    pattern: re.Pattern
    scope: str | None
    handle: Callable[..., Answer]


def _record(req: Req, resource: str, record_id) -> object:
    qs = records(req.ctx, resource).filter(record_id=int(record_id))
    return readable(req.ctx, resource, qs).first()


def _csv(value: str | None) -> list[str]:
    return [part.strip() for part in (value or "").split(",") if part.strip()]


# ---------------------------------------------------------------- products, variants, images


def _product_narrow(ctx: Ctx, qs: QuerySet, params: ListParams) -> QuerySet:
    f = params.filters
    if f.get("title"):
        qs = qs.filter(data__title__iexact=f["title"])
    if f.get("vendor"):
        qs = qs.filter(data__vendor__iexact=f["vendor"])
    if f.get("product_type"):
        qs = qs.filter(data__productType__iexact=f["product_type"])
    if f.get("handle"):
        qs = qs.filter(lookup__in=_csv(f["handle"]))
    if f.get("status"):
        qs = qs.filter(status__in=[s.upper() for s in _csv(f["status"])])
    if f.get("collection_id"):
        members = records(ctx, "collects").filter(parent_id=params.integer("collection_id"))
        qs = qs.filter(record_id__in=members.values("group_id"))
    for name, op in (("published_at_min", "gte"), ("published_at_max", "lte")):
        when = params.when(name)
        if when is not None:
            qs = qs.filter(**{f"data__publishedAt__{op}": when.strftime("%Y-%m-%dT%H:%M:%SZ")})
    if f.get("published_status") == "published":
        qs = qs.filter(data__publishedAt__isnull=False)
    elif f.get("published_status") == "unpublished":
        qs = qs.filter(Q(data__publishedAt__isnull=True) | Q(data__publishedAt=None))
    return qs


PRODUCT_FILTERS = ("title", "vendor", "handle", "product_type", "status", "collection_id", "published_at_min",
                   "published_at_max", "published_status", "presentment_currencies")


def products(req: Req, params, **_):
    return Rows(records(req.ctx, "products"), catalog.product, _product_narrow, prefetch=variants_prefetch)


def _product_or_404(req: Req, product_id):
    return _record(req, "products", product_id)


def variants(req: Req, params, product_id, **_):
    owner = _product_or_404(req, product_id)
    if owner is None:
        return None
    return Rows(records(req.ctx, "variants").filter(parent_id=owner.record_id),
                lambda ctx, row: catalog.variant(ctx, row, owner))


def variant_get(req: Req, variant_id, **_):
    row = _record(req, "variants", variant_id)
    if row is None:
        return None
    return catalog.variant(req.ctx, row, _record(req, "products", row.parent_id))


def images(req: Req, params, product_id, **_):
    owner = _product_or_404(req, product_id)
    return None if owner is None else Items(catalog.product_images(req.ctx, owner))


def image_get(req: Req, product_id, image_id, **_):
    owner = _product_or_404(req, product_id)
    found = catalog.product_images(req.ctx, owner) if owner else []
    return next((i for i in found if i["id"] == int(image_id)), None)


# ---------------------------------------------------------------- collections, collects


def _collection_narrow(ctx: Ctx, qs: QuerySet, params: ListParams) -> QuerySet:
    f = params.filters
    if f.get("title"):
        qs = qs.filter(data__title__iexact=f["title"])
    if f.get("handle"):
        qs = qs.filter(lookup__in=_csv(f["handle"]))
    if f.get("product_id"):
        members = records(ctx, "collects").filter(group_id=params.integer("product_id"))
        qs = qs.filter(record_id__in=members.values("parent_id"))
    return qs


COLLECTION_FILTERS = ("title", "handle", "product_id", "published_status", "published_at_min", "published_at_max")


def _collections(req: Req, smart: bool) -> QuerySet:
    qs = records(req.ctx, "collections")
    return qs.exclude(data__ruleSet=None) if smart else qs.filter(data__ruleSet=None)


def custom_collections(req: Req, params, **_):
    return Rows(_collections(req, False), catalog.custom_collection, _collection_narrow)


def smart_collections(req: Req, params, **_):
    return Rows(_collections(req, True), catalog.smart_collection, _collection_narrow)


def _collection_get(smart: bool):
    def fetch(req: Req, collection_id, **_):
        row = _collections(req, smart).filter(record_id=int(collection_id)).first()
        if row is None:
            return None
        return (catalog.smart_collection if smart else catalog.custom_collection)(req.ctx, row)

    return fetch


def collection_get(req: Req, collection_id, **_):
    row = _record(req, "collections", collection_id)
    if row is None:
        return None
    body = catalog.smart_collection(req.ctx, row) if row.data.get("ruleSet") else \
        catalog.custom_collection(req.ctx, row)
    return {**body, "collection_type": "smart" if row.data.get("ruleSet") else "custom",
            "products_count": records(req.ctx, "collects").filter(parent_id=row.record_id).count()}


def collection_products(req: Req, params, collection_id, **_):
    row = _record(req, "collections", collection_id)
    if row is None:
        return None
    members = records(req.ctx, "collects").filter(parent_id=row.record_id).values("group_id")
    return Rows(records(req.ctx, "products").filter(record_id__in=members, status="ACTIVE"), catalog.product)


def collects(req: Req, params, **_):
    return Rows(records(req.ctx, "collects"), catalog.collect)


# ---------------------------------------------------------------- inventory, locations


def inventory_items(req: Req, params, **_):
    ids = params.id_list()
    if not ids:
        raise RestError(422, {"errors": {"ids": "must be provided"}})
    if len(ids) > 100:
        raise RestError(422, {"errors": {"ids": "must have at most 100 ids"}})
    # an inventory item's id is its variant's group_id
    return Rows(records(req.ctx, "variants"), catalog.inventory_item, id_column="group_id")


def inventory_item_get(req: Req, item_id, **_):
    row = records(req.ctx, "variants").filter(group_id=int(item_id)).first()
    return catalog.inventory_item(req.ctx, row) if row else None


def inventory_levels(req: Req, params, location_id=None, **_):
    items = [int(i) for i in _csv(params.filters.get("inventory_item_ids")) if i.isdigit()]
    locations = [int(i) for i in _csv(params.filters.get("location_ids")) if i.isdigit()]
    if location_id is not None:
        if not any(loc.record_id == int(location_id) for loc in locations_all(req.ctx)):
            return None
        locations = [int(location_id)]
    if not items and not locations:
        raise RestError(422, {"errors": ["inventory_item_ids, location_ids, or both must be specified"]})
    qs = records(req.ctx, "variants")
    if items:
        qs = qs.filter(group_id__in=items)
    wanted = set(locations) if locations else None
    since = params.when("updated_at_min")
    levels = [level for row in qs.order_by("group_id") for level in catalog.inventory_levels(req.ctx, row, wanted)
              if since is None or row.date_modified_gmt >= since]
    return Items(levels, hide_id=True)


def locations(req: Req, params, **_):
    return Rows(records(req.ctx, "locations"), catalog.location)


# ---------------------------------------------------------------- customers


def customers(req: Req, params, **_):
    return Rows(records(req.ctx, "customers"), sales.customer, prefetch=sales.customer_orders_prefetch)


def addresses(req: Req, params, customer_id, **_):
    row = _record(req, "customers", customer_id)
    return None if row is None else Items(sales.customer_addresses(row))


def address_get(req: Req, customer_id, address_id, **_):
    row = _record(req, "customers", customer_id)
    found = sales.customer_addresses(row) if row else []
    return next((a for a in found if a["id"] == int(address_id)), None)


# ---------------------------------------------------------------- orders


ORDER_FILTERS = ("status", "financial_status", "fulfillment_status", "processed_at_min", "processed_at_max",
                 "name", "attribution_app_id")
FINANCIAL = {"authorized": ["AUTHORIZED"], "pending": ["PENDING"], "paid": ["PAID"],
             "partially_paid": ["PARTIALLY_PAID"], "refunded": ["REFUNDED"], "voided": ["VOIDED"],
             "partially_refunded": ["PARTIALLY_REFUNDED"], "unpaid": ["AUTHORIZED", "PENDING", "PARTIALLY_PAID"]}


def _order_narrow(ctx: Ctx, qs: QuerySet, params: ListParams) -> QuerySet:
    f = params.filters
    status = f.get("status") or "open"  # Shopify lists open orders unless told otherwise
    if status == "open":
        qs = qs.filter(Q(data__closedAt=None) | Q(data__closedAt__isnull=True)).filter(
            Q(data__cancelledAt=None) | Q(data__cancelledAt__isnull=True))
    elif status == "closed":
        qs = qs.exclude(data__closedAt=None).exclude(data__closedAt__isnull=True)
    elif status == "cancelled":
        qs = qs.exclude(data__cancelledAt=None).exclude(data__cancelledAt__isnull=True)
    financial = f.get("financial_status")
    if financial and financial != "any":
        qs = qs.filter(status__in=FINANCIAL.get(financial, [financial.upper()]))
    fulfillment = f.get("fulfillment_status")
    if fulfillment in ("shipped", "fulfilled"):
        qs = qs.filter(data__fulfillmentStatus="FULFILLED")
    elif fulfillment == "partial":
        qs = qs.filter(data__fulfillmentStatus="PARTIALLY_FULFILLED")
    elif fulfillment in ("unshipped", "unfulfilled"):
        qs = qs.exclude(data__fulfillmentStatus__in=["FULFILLED", "PARTIALLY_FULFILLED"])
    if f.get("name"):
        qs = qs.filter(lookup__in=[n if n.startswith("#") else f"#{n}" for n in _csv(f["name"])] + _csv(f["name"]))
    for name, op in (("processed_at_min", "gte"), ("processed_at_max", "lte")):
        when = params.when(name)
        if when is not None:
            qs = qs.filter(**{f"data__processedAt__{op}": when.strftime("%Y-%m-%dT%H:%M:%SZ")})
    return qs


def orders(req: Req, params, **_):
    return Rows(readable(req.ctx, "orders", records(req.ctx, "orders")), sales.order, _order_narrow,
                prefetch=customers_prefetch)


def _order_items(render):
    def source(req: Req, params, order_id, **_):
        row = _record(req, "orders", order_id)
        return None if row is None else Items(render(row))

    return source


def _order_item_get(render, key: str):
    def fetch(req: Req, order_id, **kw):
        row = _record(req, "orders", order_id)
        wanted = int(kw[key])
        return next((i for i in render(row) if i["id"] == wanted), None) if row else None

    return fetch


def _fulfillments(row):
    return [sales.fulfillment(row, f) for f in row.data.get("fulfillments") or []]


def _transactions(row):
    return [sales.transaction(row, t) for t in row.data.get("transactions") or []]


# ---------------------------------------------------------------- discounts


def price_rules(req: Req, params, **_):
    return Rows(records(req.ctx, "discounts"), sales.price_rule)


def discount_codes(req: Req, params, price_rule_id, **_):
    row = _record(req, "discounts", price_rule_id)
    return None if row is None else Items([sales.discount_code(req.ctx, row)])


def discount_code_get(req: Req, price_rule_id, code_id, **_):
    row = _record(req, "discounts", price_rule_id)
    code = sales.discount_code(req.ctx, row) if row else None
    return code if code and code["id"] == int(code_id) else None


# ---------------------------------------------------------------- content, metafields


def _content_narrow(ctx: Ctx, qs: QuerySet, params: ListParams) -> QuerySet:
    f = params.filters
    if f.get("title"):
        qs = qs.filter(data__title__iexact=f["title"])
    if f.get("handle"):
        qs = qs.filter(lookup__in=_csv(f["handle"]))
    if f.get("author"):
        qs = qs.filter(data__author__name__iexact=f["author"])
    if f.get("tag"):
        qs = qs.filter(data__tags__icontains=f'"{f["tag"]}"')
    return qs


CONTENT_FILTERS = ("title", "handle", "author", "tag", "published_status", "published_at_min", "published_at_max")


def pages(req: Req, params, **_):
    return Rows(records(req.ctx, "pages"), content.page, _content_narrow)


def blogs(req: Req, params, **_):
    return Rows(records(req.ctx, "blogs"), content.blog, _content_narrow)


def articles(req: Req, params, blog_id, **_):
    row = _record(req, "blogs", blog_id)
    if row is None:
        return None
    return Rows(records(req.ctx, "articles").filter(parent_id=row.record_id), content.article, _content_narrow)


def article_get(req: Req, blog_id, article_id, **_):
    row = records(req.ctx, "articles").filter(parent_id=int(blog_id), record_id=int(article_id)).first()
    return content.article(req.ctx, row) if row else None


METAFIELD_FILTERS = ("namespace", "key", "type", "metafield[owner_id]", "metafield[owner_resource]")
# owner path -> (resource holding the owner, how the owner is found)
METAFIELD_OWNERS = {"products": "products", "variants": "variants", "custom_collections": "collections",
                    "smart_collections": "collections", "collections": "collections", "customers": "customers",
                    "orders": "orders", "pages": "pages", "blogs": "blogs", "articles": "articles",
                    "locations": "locations", "price_rules": "discounts"}


def _metafield_narrow(ctx: Ctx, qs: QuerySet, params: ListParams) -> QuerySet:
    f = params.filters
    for name, column in (("namespace", "data__namespace"), ("key", "data__key"), ("type", "data__type")):
        if f.get(name):
            qs = qs.filter(**{column: f[name]})
    owner = params.integer("metafield[owner_id]")
    if owner is not None:
        qs = qs.filter(parent_id=owner)
    return qs


def metafields(req: Req, params, owner=None, owner_id=None, **_):
    qs = records(req.ctx, "metafields")
    if owner is None:
        if params.filters.get("metafield[owner_id]"):
            return Rows(qs, content.metafield, _metafield_narrow)
        return Rows(qs.filter(parent_id=req.ctx.store.settings.get("shop_id")), content.metafield, _metafield_narrow)
    if _record(req, METAFIELD_OWNERS[owner], owner_id) is None:
        return None
    return Rows(qs.filter(parent_id=int(owner_id)), content.metafield, _metafield_narrow)


def metafield_get(req: Req, metafield_id, owner=None, owner_id=None, **_):
    qs = records(req.ctx, "metafields").filter(record_id=int(metafield_id))
    if owner is not None:
        qs = qs.filter(parent_id=int(owner_id))
    row = qs.first()
    return content.metafield(req.ctx, row) if row else None


# ---------------------------------------------------------------- the table


def _get(resource: str, render, key: str = "record_id"):
    def fetch(req: Req, **kw):
        row = _record(req, resource, kw[key])
        return render(req.ctx, row) if row else None

    return fetch


def _scopes(req: Req) -> dict:
    return {"access_scopes": [{"handle": s} for s in req.ctx.scopes]}


def _resource(prefix: str, key: str, one: str, source, scope: str, get, filters=(), count=True) -> list[tuple]:
    out = [(rf"{prefix}", scope, listing(key, source, filters))]
    if count:
        out.append((rf"{prefix}/count", scope, counting(source, filters)))
    if get is not None:
        out.append((rf"{prefix}/{ID.format('record_id')}", scope, single(one, get)))
    return out


OWNER_PATH = (r"(?:products/\d+/(?=variants/)|blogs/\d+/(?=articles/))?(?P<owner>" + "|".join(METAFIELD_OWNERS)
              + r")/(?P<owner_id>\d+)")

_TABLE = [
    (r"shop", None, fixed(lambda req: {"shop": content.shop(req.ctx)})),
    (r"access_scopes", None, fixed(_scopes)),
    *_resource("products", "products", "product", products, "read_products",
               _get("products", catalog.product), PRODUCT_FILTERS),
    *_resource(rf"products/{ID.format('product_id')}/variants", "variants", "variant", variants, "read_products",
               None),
    (rf"variants/{ID.format('variant_id')}", "read_products", single("variant", variant_get)),
    *_resource(rf"products/{ID.format('product_id')}/images", "images", "image", images, "read_products", None),
    (rf"products/{ID.format('product_id')}/images/{ID.format('image_id')}", "read_products",
     single("image", image_get)),
    *_resource("custom_collections", "custom_collections", "custom_collection", custom_collections,
               "read_products", None, COLLECTION_FILTERS),
    (rf"custom_collections/{ID.format('collection_id')}", "read_products",
     single("custom_collection", _collection_get(False))),
    *_resource("smart_collections", "smart_collections", "smart_collection", smart_collections, "read_products",
               None, COLLECTION_FILTERS),
    (rf"smart_collections/{ID.format('collection_id')}", "read_products",
     single("smart_collection", _collection_get(True))),
    (rf"collections/{ID.format('collection_id')}", "read_products", single("collection", collection_get)),
    (rf"collections/{ID.format('collection_id')}/products", "read_products",
     listing("products", collection_products)),
    *_resource("collects", "collects", "collect", collects, "read_products", _get("collects", catalog.collect)),
    (r"inventory_items", "read_inventory", listing("inventory_items", inventory_items)),
    (rf"inventory_items/{ID.format('item_id')}", "read_inventory", single("inventory_item", inventory_item_get)),
    (r"inventory_levels", "read_inventory",
     listing("inventory_levels", inventory_levels, ("inventory_item_ids", "location_ids"))),
    *_resource("locations", "locations", "location", locations, "read_locations",
               _get("locations", catalog.location)),
    (rf"locations/{ID.format('location_id')}/inventory_levels", "read_inventory",
     listing("inventory_levels", inventory_levels)),
    *_resource("customers", "customers", "customer", customers, "read_customers",
               _get("customers", sales.customer)),
    (rf"customers/{ID.format('customer_id')}/addresses", "read_customers", listing("addresses", addresses)),
    (rf"customers/{ID.format('customer_id')}/addresses/{ID.format('address_id')}", "read_customers",
     single("customer_address", address_get)),
    *_resource("orders", "orders", "order", orders, "read_orders", _get("orders", sales.order), ORDER_FILTERS),
    *_resource(rf"orders/{ID.format('order_id')}/fulfillments", "fulfillments", "fulfillment",
               _order_items(_fulfillments), "read_orders", None),
    (rf"orders/{ID.format('order_id')}/fulfillments/{ID.format('fulfillment_id')}", "read_orders",
     single("fulfillment", _order_item_get(_fulfillments, "fulfillment_id"))),
    (rf"orders/{ID.format('order_id')}/refunds", "read_orders", listing("refunds", _order_items(sales.order_refunds))),
    (rf"orders/{ID.format('order_id')}/refunds/{ID.format('refund_id')}", "read_orders",
     single("refund", _order_item_get(sales.order_refunds, "refund_id"))),
    *_resource(rf"orders/{ID.format('order_id')}/transactions", "transactions", "transaction",
               _order_items(_transactions), "read_orders", None),
    (rf"orders/{ID.format('order_id')}/transactions/{ID.format('transaction_id')}", "read_orders",
     single("transaction", _order_item_get(_transactions, "transaction_id"))),
    *_resource("price_rules", "price_rules", "price_rule", price_rules, "read_price_rules",
               _get("discounts", sales.price_rule)),
    *_resource(rf"price_rules/{ID.format('price_rule_id')}/discount_codes", "discount_codes", "discount_code",
               discount_codes, "read_price_rules", None, count=False),
    (rf"price_rules/{ID.format('price_rule_id')}/discount_codes/{ID.format('code_id')}", "read_price_rules",
     single("discount_code", discount_code_get)),
    *_resource("pages", "pages", "page", pages, "read_content", _get("pages", content.page), CONTENT_FILTERS),
    *_resource("blogs", "blogs", "blog", blogs, "read_content", _get("blogs", content.blog), CONTENT_FILTERS),
    *_resource(rf"blogs/{ID.format('blog_id')}/articles", "articles", "article", articles, "read_content", None,
               CONTENT_FILTERS),
    (rf"blogs/{ID.format('blog_id')}/articles/{ID.format('article_id')}", "read_content",
     single("article", article_get)),
    *_resource("metafields", "metafields", "metafield", metafields, None, None, METAFIELD_FILTERS),
    (rf"metafields/{ID.format('metafield_id')}", None, single("metafield", metafield_get)),
    *_resource(rf"{OWNER_PATH}/metafields", "metafields", "metafield", metafields, None, None, METAFIELD_FILTERS),
    (rf"{OWNER_PATH}/metafields/{ID.format('metafield_id')}", None, single("metafield", metafield_get)),
]

ROUTES = [Route(re.compile(rf"^{pattern}\.json$"), scope, handle) for pattern, scope, handle in _TABLE]
# The scope a metafield route needs is its owner's (products -> read_products, ...).
OWNER_SCOPES = {"products": "read_products", "variants": "read_products", "custom_collections": "read_products",
                "smart_collections": "read_products", "collections": "read_products",
                "customers": "read_customers", "orders": "read_orders", "pages": "read_content",
                "blogs": "read_content", "articles": "read_content", "locations": "read_locations",
                "price_rules": "read_price_rules"}


def route_match(path: str) -> tuple[Route, dict] | None:
    for route in ROUTES:
        match = route.pattern.match(path)
        if match:
            return route, match.groupdict()
    return None


def route_scope(route: Route, kw: dict) -> str | None:
    return route.scope or OWNER_SCOPES.get(kw.get("owner") or "")

