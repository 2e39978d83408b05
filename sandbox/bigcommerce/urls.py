"""`/sandbox/bigcommerce/<store>/stores/<store_hash>/v3/...` and `/v2/...` (orders, shipments, store)."""
from django.urls import re_path

from . import views

urlpatterns = [
    re_path(r"^stores/(?P<store_hash>[^/]+)/(?P<version>v2|v3)/(?P<path>.*)$", views.api_view, name="bc-api"),
]
