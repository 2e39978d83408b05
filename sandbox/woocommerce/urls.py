"""`/sandbox/woocommerce/<store>/wp-json/wc/<v1|v2|v3>/...`: one table of collections, three routes each,
plus the settings-like routes. Every view gets `version` and a `route` id; versions.py says which
namespaces serve which route (the others answer rest_no_route, as WordPress does)."""
from django.urls import re_path

from . import settings_views as sv
from . import views

# (path under wc/vN, resource, has /batch)
COLLECTIONS = [
    (r"products", "products", True),
    (r"products/(?P<product_id>\d+)/variations", "variations", True),
    (r"products/(?P<product_id>\d+)/reviews", "product_reviews", False),
    (r"products/categories", "categories", True),
    (r"products/tags", "tags", True),
    (r"products/brands", "brands", True),
    (r"products/shipping_classes", "shipping_classes", True),
    (r"products/attributes", "attributes", True),
    (r"products/attributes/(?P<attribute_id>\d+)/terms", "attribute_terms", True),
    (r"products/reviews", "reviews", True),
    (r"customers", "customers", True),
    (r"orders", "orders", True),
    (r"orders/(?P<order_id>\d+)/notes", "order_notes", False),
    (r"orders/(?P<order_id>\d+)/refunds", "refunds", False),
    (r"coupons", "coupons", True),
    (r"taxes", "taxes", True),
]
V = r"^wp-json/wc/(?P<version>v[123])/"
ZONE = r"shipping/zones/(?P<zone_id>\d+)"


def _route(pattern: str, view, route: str, name: str):
    return re_path(V + pattern + r"/?$", view, {"route": route}, name=name)


urlpatterns = [
    re_path(r"^wp-json/?$", views.index_view, name="woo-index"),
    re_path(r"^wp-json/wc/v3/?$", sv.namespace_index_view, name="woo-v3-index"),
    re_path(r"^_sandbox/faults/?$", views.faults_view, name="woo-faults"),
    _route(r"taxes/classes", views.tax_classes_view, "tax_classes", "woo-tax-classes"),
    _route(r"taxes/classes/(?P<slug>[\w-]+)", views.tax_class_item_view, "tax_classes", "woo-tax-class"),
    _route(r"system_status", views.system_status_view, "system_status", "woo-system-status"),
    _route(r"system_status/tools", sv.tools_view, "system_status_tools", "woo-tools"),
    _route(r"system_status/tools/(?P<tool_id>\w+)", sv.tool_item_view, "system_status_tools", "woo-tool"),
    _route(r"payment_gateways", sv.gateways_view, "payment_gateways", "woo-gateways"),
    _route(r"payment_gateways/(?P<gateway_id>[\w-]+)", sv.gateway_item_view, "payment_gateways", "woo-gateway"),
    _route(r"shipping_methods", sv.shipping_methods_view, "shipping_methods", "woo-shipping-methods"),
    _route(r"shipping_methods/(?P<method_id>[\w-]+)", sv.shipping_method_item_view, "shipping_methods",
           "woo-shipping-method"),
    _route(r"shipping/zones", sv.zones_view, "shipping_zones", "woo-zones"),
    _route(ZONE, sv.zone_item_view, "shipping_zones", "woo-zone"),
    _route(ZONE + r"/locations", sv.zone_locations_view, "shipping_zone_locations", "woo-zone-locations"),
    _route(ZONE + r"/methods", sv.zone_methods_view, "shipping_zone_methods", "woo-zone-methods"),
    _route(ZONE + r"/methods/(?P<instance_id>\d+)", sv.zone_method_item_view, "shipping_zone_methods",
           "woo-zone-method"),
    re_path(V + r"refunds/?$", views.collection_view, {"resource": "all_refunds", "route": "all_refunds"},
            name="woo-all-refunds"),
]
for prefix, resource, has_batch in COLLECTIONS:
    kwargs = {"resource": resource, "route": resource}
    urlpatterns.append(re_path(rf"{V}{prefix}/?$", views.collection_view, kwargs, name=f"woo-{resource}"))
    if has_batch:
        urlpatterns.append(re_path(rf"{V}{prefix}/batch/?$", views.batch_view, kwargs, name=f"woo-{resource}-batch"))
    urlpatterns.append(
        re_path(rf"{V}{prefix}/(?P<record_id>\d+)/?$", views.item_view, kwargs, name=f"woo-{resource}-item")
    )
urlpatterns.append(re_path(r"^wp-json/(?P<rest>.*)$", views.no_route_view, name="woo-no-route"))
