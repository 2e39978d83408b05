"""HTTP adapters of the store-configuration routes: system status tools, payment gateways, shipping
methods and zones, and the `/wp-json/wc/v3` namespace index. None of them paginates: WooCommerce
answers them whole, without X-WP-Total headers."""
from . import gateways, shipping
from .errors import WooError, no_route
from .views import body_of, force_of, woo_view

# [woocommerce-rest-api-docs wp-api-v3/_system-status-tools.md]
TOOLS = [
    ("clear_transients", "WooCommerce transients", "Clear transients",
     "This tool will clear the product/shop transients cache.", "Product transients cleared"),
    ("clear_expired_transients", "Expired transients", "Clear transients",
     "This tool will clear ALL expired transients from WordPress.", "0 transients rows cleared"),
    ("delete_orphaned_variations", "Orphaned variations", "Delete orphaned variations",
     "This tool will delete all variations which have no parent.", "0 orphaned variations deleted"),
    ("recount_terms", "Term counts", "Recount terms",
     "This tool will recount product terms - useful when changing your settings in a way which hides products "
     "from the catalog.", "Terms successfully recounted"),
    ("reset_roles", "Capabilities", "Reset capabilities",
     "This tool will reset the admin, customer and shop_manager roles to default. Use this if your users cannot "
     "access all of the WooCommerce admin pages.", "Roles successfully reset"),
    ("clear_sessions", "Clear customer sessions", "Clear",
     '<strong class="red">Note:</strong> This tool will delete all customer session data from the database, '
     "including current carts and saved carts in the database.", "Deleted all active sessions"),
    ("install_pages", "Create default WooCommerce pages", "Create pages",
     '<strong class="red">Note:</strong> This tool will install all the missing WooCommerce pages. Pages already '
     "defined and set up won't be replaced.", "All missing WooCommerce pages successfully installed"),
    ("delete_taxes", "Delete WooCommerce tax rates", "Delete tax rates",
     '<strong class="red">Note:</strong> This option will delete ALL of your tax rates, use with caution. This '
     "action cannot be reversed.", "Tax rates successfully deleted"),
]
TOOL_KEYS = ("id", "name", "action", "description")


def _tool(tool_id: str) -> tuple:
    for tool in TOOLS:
        if tool[0] == tool_id:
            return tool
    raise WooError("woocommerce_rest_system_status_tool_invalid_id", "Invalid tool ID.", 404)


@woo_view("collection")
def tools_view(request, ctx):
    if request.method != "GET":
        raise no_route()
    return [dict(zip(TOOL_KEYS, tool[:4], strict=True)) for tool in TOOLS], 200, {}


@woo_view("item")
def tool_item_view(request, ctx, tool_id):
    tool = _tool(tool_id)
    out = dict(zip(TOOL_KEYS, tool[:4], strict=True))
    if request.method == "GET":
        return out, 200, {}
    if request.method in ("POST", "PUT", "PATCH"):
        # Running a tool changes nothing the sandbox keeps (caches, sessions); delete_taxes is not emulated.
        return {**out, "success": True, "message": tool[4]}, 200, {}
    raise no_route()


@woo_view("collection")
def gateways_view(request, ctx):
    if request.method != "GET":
        raise no_route()
    return gateways.gateways_list(ctx), 200, {}


@woo_view("item")
def gateway_item_view(request, ctx, gateway_id):
    if request.method == "GET":
        return gateways.gateway_get(ctx, gateway_id), 200, {}
    if request.method in ("POST", "PUT", "PATCH"):
        body = body_of(request)
        return gateways.gateway_update(ctx, gateway_id, body if isinstance(body, dict) else {}), 200, {}
    raise no_route()


@woo_view("collection")
def shipping_methods_view(request, ctx):
    if request.method != "GET":
        raise no_route()
    return shipping.shipping_methods(ctx), 200, {}


@woo_view("item")
def shipping_method_item_view(request, ctx, method_id):
    if request.method != "GET":
        raise no_route()
    return shipping.shipping_method(ctx, method_id), 200, {}


@woo_view("collection")
def zones_view(request, ctx):
    if request.method == "GET":
        return shipping.zones_list(ctx), 200, {}
    if request.method == "POST":
        body = body_of(request)
        return shipping.zone_create(ctx, body if isinstance(body, dict) else {}), 201, {}
    raise no_route()


@woo_view("item")
def zone_item_view(request, ctx, zone_id):
    if request.method == "GET":
        return shipping.zone_get(ctx, zone_id), 200, {}
    body = body_of(request)
    body = body if isinstance(body, dict) else {}
    if request.method in ("POST", "PUT", "PATCH"):
        return shipping.zone_update(ctx, zone_id, body), 200, {}
    if request.method == "DELETE":
        return shipping.zone_delete(ctx, zone_id, force_of(request, body)), 200, {}
    raise no_route()


@woo_view("item")
def zone_locations_view(request, ctx, zone_id):
    if request.method == "GET":
        return shipping.zone_locations(ctx, zone_id), 200, {}
    if request.method in ("POST", "PUT", "PATCH"):
        return shipping.zone_locations_set(ctx, zone_id, body_of(request)), 200, {}
    raise no_route()


@woo_view("collection")
def zone_methods_view(request, ctx, zone_id):
    if request.method == "GET":
        return shipping.zone_methods(ctx, zone_id), 200, {}
    if request.method == "POST":
        body = body_of(request)
        return shipping.zone_method_create(ctx, zone_id, body if isinstance(body, dict) else {}), 200, {}
    raise no_route()


@woo_view("item")
def zone_method_item_view(request, ctx, zone_id, instance_id):
    if request.method == "GET":
        return shipping.zone_method_get(ctx, zone_id, instance_id), 200, {}
    body = body_of(request)
    body = body if isinstance(body, dict) else {}
    if request.method in ("POST", "PUT", "PATCH"):
        return shipping.zone_method_update(ctx, zone_id, instance_id, body), 200, {}
    if request.method == "DELETE":
        return shipping.zone_method_delete(ctx, zone_id, instance_id, force_of(request, body)), 200, {}
    raise no_route()


V3_ROUTES = (
    "products", "products/categories", "products/tags", "products/brands", "products/shipping_classes",
    "products/attributes", "products/reviews", "customers", "orders", "refunds", "coupons", "taxes", "taxes/classes",
    "system_status", "system_status/tools", "payment_gateways", "shipping_methods", "shipping/zones",
)


@woo_view("index", auth=False)
def namespace_index_view(request, ctx):
    """`GET /wp-json/wc/v3`: WordPress's namespace index, {namespace, routes} (public)."""
    base = ctx.site_url + "/wp-json"
    routes = {"/wc/v3": {"namespace": "wc/v3", "methods": ["GET"], "endpoints": [{"methods": ["GET"], "args": {}}],
                         "_links": {"self": [{"href": f"{base}/wc/v3"}]}}}
    for path in V3_ROUTES:
        routes[f"/wc/v3/{path}"] = {"namespace": "wc/v3", "methods": ["GET", "POST"],
                                   "endpoints": [{"methods": ["GET"], "args": {}}, {"methods": ["POST"], "args": {}}],
                                   "_links": {"self": [{"href": f"{base}/wc/v3/{path}"}]}}
    return {"namespace": "wc/v3", "routes": routes, "_links": {"up": [{"href": f"{base}/"}]}}, 200, {}
