"""`/sandbox/magento2/<store>/rest/...`: every web API route goes through one view (views.rest_view);
`media/catalog/product/...` serves the product image files the galleries name."""
from django.urls import re_path

from . import views

urlpatterns = [
    re_path(r"^rest/(?P<path>.*)$", views.rest_view, name="magento2-rest"),
    re_path(r"^media/catalog/product/(?P<path>.+)$", views.media_view, name="magento2-media"),
]
