"""Mounted at /sandbox/ when SANDBOX_ENABLED. Each platform package contributes its own URLs."""
from django.urls import include, path

urlpatterns = [
    path("woocommerce/<slug:store>/", include("sandbox.woocommerce.urls")),
    path("shopify/<slug:store>/", include("sandbox.shopify.urls")),
]
