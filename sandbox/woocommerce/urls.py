"""`/sandbox/woocommerce/<store>/wp-json/wc/v3/...`: one table of collections, three routes each."""
from django.urls import re_path

from . import views

# (path under wc/v3, resource, has /batch)
COLLECTIONS = [
    (r"products", "products", True),
    (r"products/(?P<product_id>\d+)/variations", "variations", True),
    (r"products/categories", "categories", True),
    (r"products/tags", "tags", True),
    (r"products/brands", "brands", True),
    (r"products/attributes", "attributes", True),
    (r"products/attributes/(?P<attribute_id>\d+)/terms", "attribute_terms", True),
    (r"products/reviews", "reviews", True),
    (r"customers", "customers", True),
    (r"orders", "orders", True),
    (r"orders/(?P<order_id>\d+)/notes", "order_notes", False),
    (r"coupons", "coupons", True),
]
V3 = r"^wp-json/wc/v3/"

urlpatterns = [
    re_path(r"^wp-json/?$", views.index_view, name="woo-index"),
    re_path(r"^_sandbox/faults/?$", views.faults_view, name="woo-faults"),
    re_path(V3 + r"taxes/classes/?$", views.tax_classes_view, name="woo-tax-classes"),
    re_path(V3 + r"taxes/classes/(?P<slug>[\w-]+)/?$", views.tax_class_item_view, name="woo-tax-class"),
    re_path(V3 + r"system_status/?$", views.system_status_view, name="woo-system-status"),
]
for prefix, resource, has_batch in COLLECTIONS:
    kwargs = {"resource": resource}
    urlpatterns.append(re_path(rf"{V3}{prefix}/?$", views.collection_view, kwargs, name=f"woo-{resource}"))
    if has_batch:
        urlpatterns.append(re_path(rf"{V3}{prefix}/batch/?$", views.batch_view, kwargs, name=f"woo-{resource}-batch"))
    urlpatterns.append(
        re_path(rf"{V3}{prefix}/(?P<record_id>\d+)/?$", views.item_view, kwargs, name=f"woo-{resource}-item")
    )
urlpatterns.append(re_path(r"^wp-json/(?P<rest>.*)$", views.no_route_view, name="woo-no-route"))
