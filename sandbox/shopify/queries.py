"""QueryRoot resolvers: lists (search query, sort key, cursor pagination), counts, lookups by id,
handle or identifier, `node`/`nodes`, translatable resources and bulk operation status."""
from django.db.models import Q
from graphql import GraphQLError

from ..models import SandboxRecord
from . import render
from .common import Ctx, gid, gid_id, parse_gid
from .data import (
    SORT_CREATED,
    SORT_ID,
    can_read,
    column_exact,
    count_result,
    paginate,
    paginate_list,
    readable,
    record_get,
    records,
    search_filter,
    search_parse,
    sort_text,
)
from .mutate import unique_definition
from .search import (
    ARTICLE_SEARCH,
    ARTICLE_SORTS,
    BLOG_SEARCH,
    BLOG_SORTS,
    COLLECTION_SEARCH,
    COLLECTION_SORTS,
    CUSTOMER_SEARCH,
    CUSTOMER_SORTS,
    DISCOUNT_SEARCH,
    DISCOUNT_SORTS,
    LOCATION_SEARCH,
    LOCATION_SORTS,
    ORDER_SEARCH,
    ORDER_SORTS,
    PAGE_SEARCH,
    PAGE_SORTS,
    PRODUCT_SEARCH,
    PRODUCT_SORTS,
    REDIRECT_SEARCH,
    REDIRECT_SORTS,
    VARIANT_SEARCH,
    VARIANT_SORTS,
)


def _ctx(info) -> Ctx:
    return info.context



LISTS = {
    # root field -> (resource, search fields, sorts, renderer, count field)
    "products": ("products", PRODUCT_SEARCH, PRODUCT_SORTS, render.product, "productsCount"),
    "productVariants": ("variants", VARIANT_SEARCH, VARIANT_SORTS, render.variant, "productVariantsCount"),
    "collections": ("collections", COLLECTION_SEARCH, COLLECTION_SORTS, render.collection, "collectionsCount"),
    "customers": ("customers", CUSTOMER_SEARCH, CUSTOMER_SORTS, render.customer, "customersCount"),
    "orders": ("orders", ORDER_SEARCH, ORDER_SORTS, render.order, "ordersCount"),
    "pages": ("pages", PAGE_SEARCH, PAGE_SORTS, render.page, "pagesCount"),
    "blogs": ("blogs", BLOG_SEARCH, BLOG_SORTS, render.blog, "blogsCount"),
    "articles": ("articles", ARTICLE_SEARCH, ARTICLE_SORTS, render.article, None),
    "codeDiscountNodes": ("discounts", DISCOUNT_SEARCH, DISCOUNT_SORTS, render.discount_node, "discountCodesCount"),
    "urlRedirects": ("url_redirects", REDIRECT_SEARCH, REDIRECT_SORTS, render.url_redirect, "urlRedirectsCount"),
    "locations": ("locations", LOCATION_SEARCH, LOCATION_SORTS, render.location, None),
}


PREFETCH = {"products": render.variants_prefetch, "orders": render.customers_prefetch}


def _list_resolver(resource, search, sorts, renderer):
    def resolve(root, info, sortKey="ID", query=None, **args):
        ctx = _ctx(info)
        qs = search_filter(readable(ctx, resource, records(ctx, resource)), search_parse(query), search, ctx)
        if resource == "locations" and not args.get("includeInactive"):
            qs = qs.exclude(data__isActive=False)
        return paginate(ctx, qs, sorts.get(sortKey, SORT_ID), args, renderer, prefetch=PREFETCH.get(resource))

    return resolve


def _count_resolver(resource, search):
    def resolve(root, info, query=None, limit=10000, **_):
        ctx = _ctx(info)
        return count_result(search_filter(readable(ctx, resource, records(ctx, resource)), search_parse(query),
                                          search, ctx), limit)

    return resolve


def _by_id(resource, type_name, renderer):
    def resolve(root, info, id=None, **_):
        ctx = _ctx(info)
        record = record_get(ctx, resource, gid_id(id, type_name))
        return renderer(ctx, record) if can_read(ctx, resource, record) else None

    return resolve


def _by_lookup(resource, renderer):
    def resolve(root, info, handle=None, code=None, **_):
        ctx = _ctx(info)
        value = handle if handle is not None else (code or "").lower()
        record = records(ctx, resource).filter(lookup=value).first()
        return renderer(ctx, record) if record else None

    return resolve


def product_by_identifier(root, info, identifier):
    ctx = _ctx(info)
    if identifier.get("id"):
        record = record_get(ctx, "products", gid_id(identifier["id"], "Product"))
    elif identifier.get("handle"):
        record = records(ctx, "products").filter(lookup=identifier["handle"]).first()
    elif identifier.get("customId"):
        custom = identifier["customId"]
        if unique_definition(ctx, "PRODUCT", custom.get("namespace"), custom["key"]) is None:
            raise GraphQLError(f"No metafield definition with unique values exists for the namespace "
                               f"'{custom.get('namespace') or 'custom'}' and key '{custom['key']}' on products.",
                               extensions={"code": "BAD_REQUEST"})
        field = records(ctx, "metafields").filter(
            lookup=f"{custom.get('namespace') or 'custom'}.{custom['key']}", data__value=custom["value"]).first()
        record = record_get(ctx, "products", field.parent_id) if field else None
    else:
        record = None
    return render.product(ctx, record) if record else None


def metafield_definitions(root, info, ownerType, namespace=None, key=None, **args):
    ctx = _ctx(info)
    rows = records(ctx, "metafield_definitions").filter(data__ownerType=ownerType)
    if namespace:
        rows = rows.filter(data__namespace=namespace)
    if key:
        rows = rows.filter(data__key=key)
    return paginate_list(ctx, list(rows.order_by("record_id")), args,
                         lambda row: render.metafield_definition(ctx, row))


def location_root(root, info, id=None):
    ctx = _ctx(info)
    if id is None:
        return render.location(ctx, render.primary_location(ctx))
    record = record_get(ctx, "locations", gid_id(id, "Location"))
    return render.location(ctx, record) if record else None


def inventory_item_root(root, info, id):
    ctx = _ctx(info)
    record = records(ctx, "variants").filter(group_id=gid_id(id, "InventoryItem") or -1).first()
    return render.inventory_item(ctx, record) if record else None


def inventory_items_root(root, info, query=None, **args):
    """Inventory items (one per variant), filtered by `sku`, `id`, `created_at`, `updated_at`."""
    ctx = _ctx(info)
    qs = search_filter(readable(ctx, "variants", records(ctx, "variants")), search_parse(query),
                       {"sku": column_exact("lookup")}, ctx)
    return paginate(ctx, qs, SORT_ID, args, render.inventory_item)


def fulfillment_order_root(root, info, id):
    return render.node_render(_ctx(info), id) if parse_gid(id, "FulfillmentOrder") else None


def node_root(root, info, id):
    return render.node_render(_ctx(info), id)


def nodes_root(root, info, ids):
    ctx = _ctx(info)
    return [render.node_render(ctx, value) for value in ids]


def translatable_resources(root, info, resourceType, **args):
    ctx = _ctx(info)
    resource, _ = render.TRANSLATABLE_RESOURCES[resourceType]
    return paginate(ctx, records(ctx, resource), SORT_ID, args, render.translatable_resource)


def translatable_resources_by_ids(root, info, resourceIds, **args):
    ctx = _ctx(info)
    wanted = {}
    for value in resourceIds:
        parsed = parse_gid(value)
        if parsed:
            wanted.setdefault(render.NODE_RESOURCES.get(parsed[0]), []).append(parsed[1])
    q = Q(pk__in=[])
    for resource, ids in wanted.items():
        if resource in render.RESOURCE_TRANSLATABLE_TYPE:
            q |= Q(resource=resource, record_id__in=ids)
    qs = SandboxRecord.objects.filter(store=ctx.store).filter(q)
    return paginate(ctx, qs, SORT_ID, args, render.translatable_resource)


def translatable_resource(root, info, resourceId):
    ctx = _ctx(info)
    parsed = parse_gid(resourceId)
    resource = render.NODE_RESOURCES.get(parsed[0]) if parsed else None
    if resource not in render.RESOURCE_TRANSLATABLE_TYPE:
        return None
    record = record_get(ctx, resource, parsed[1])
    return render.translatable_resource(ctx, record) if record else None


def current_bulk_operation(root, info, type="QUERY"):
    ctx = _ctx(info)
    record = records(ctx, "bulk_operations").filter(lookup=type).order_by("-record_id").first()
    return render.bulk_operation(ctx, record) if record else None


BULK_SEARCH = {"status": column_exact("status", upper=True), "operation_type": column_exact("lookup", upper=True)}
BULK_SORTS = {"CREATED_AT": SORT_CREATED, "COMPLETED_AT": sort_text("completedAt"), "ID": SORT_ID}


def bulk_operations(root, info, sortKey="CREATED_AT", query=None, reverse=False, **args):
    """The app's bulk operations, newest first unless `reverse` [shopify.dev/docs/api/admin-graphql/latest/
    queries/bulkOperations]."""
    ctx = _ctx(info)
    qs = search_filter(records(ctx, "bulk_operations"), search_parse(query), BULK_SEARCH, ctx)
    return paginate(ctx, qs, BULK_SORTS.get(sortKey, SORT_CREATED), {**args, "reverse": not reverse},
                    render.bulk_operation)


def current_app_installation(root, info):
    ctx = _ctx(info)
    return {"id": gid("AppInstallation", ctx.store.settings.get("shop_id") or 1),
            "accessScopes": [{"handle": scope, "description": scope.replace("_", " ").capitalize()}
                             for scope in ctx.scopes]}


def bind(schema) -> None:
    """Attach the root resolvers to the schema's QueryRoot fields."""
    fields = schema.query_type.fields
    fields["shop"].resolve = lambda root, info: render.shop(_ctx(info))
    fields["shopLocales"].resolve = lambda root, info, published=None: [
        locale for locale in render.shop_locales(_ctx(info)) if published is None or locale["published"] == published]
    for name, (resource, search, sorts, renderer, count_name) in LISTS.items():
        fields[name].resolve = _list_resolver(resource, search, sorts, renderer)
        if count_name:
            fields[count_name].resolve = _count_resolver(resource, search)
    for name, resource, type_name, renderer in (
        ("product", "products", "Product", render.product), ("productVariant", "variants", "ProductVariant",
                                                             render.variant),
        ("collection", "collections", "Collection", render.collection),
        ("customer", "customers", "Customer", render.customer), ("order", "orders", "Order", render.order),
        ("page", "pages", "Page", render.page), ("blog", "blogs", "Blog", render.blog),
        ("article", "articles", "Article", render.article),
        ("codeDiscountNode", "discounts", "DiscountCodeNode", render.discount_node),
        ("urlRedirect", "url_redirects", "UrlRedirect", render.url_redirect),
        ("bulkOperation", "bulk_operations", "BulkOperation", render.bulk_operation),
    ):
        fields[name].resolve = _by_id(resource, type_name, renderer)
    fields["productByHandle"].resolve = _by_lookup("products", render.product)
    fields["collectionByHandle"].resolve = _by_lookup("collections", render.collection)
    fields["codeDiscountNodeByCode"].resolve = _by_lookup("discounts", render.discount_node)
    fields["productByIdentifier"].resolve = product_by_identifier
    fields["metafieldDefinitions"].resolve = metafield_definitions
    fields["location"].resolve = location_root
    fields["inventoryItem"].resolve = inventory_item_root
    fields["inventoryItems"].resolve = inventory_items_root
    fields["fulfillmentOrder"].resolve = fulfillment_order_root
    fields["node"].resolve = node_root
    fields["nodes"].resolve = nodes_root
    fields["translatableResources"].resolve = translatable_resources
    fields["translatableResourcesByIds"].resolve = translatable_resources_by_ids
    fields["translatableResource"].resolve = translatable_resource
    fields["currentBulkOperation"].resolve = current_bulk_operation
    fields["bulkOperations"].resolve = bulk_operations
    fields["currentAppInstallation"].resolve = current_app_installation
