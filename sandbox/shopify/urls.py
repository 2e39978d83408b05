"""`/sandbox/shopify/<store>/admin/api/<version>/graphql.json`, the REST Admin API beside it (`rest/`) and the
shop's upload/download URLs."""
from django.urls import re_path

from . import views
from .rest.views import rest_view

urlpatterns = [
    re_path(r"^admin/api/(?P<version>[^/]+)/graphql\.json$", views.graphql_view, name="shopify-graphql"),
    re_path(r"^admin/oauth/access_scopes\.json$", views.access_scopes_view, name="shopify-access-scopes"),
    # the REST Admin API, and a JSON 404 for any other path under /admin/ (never the framework's HTML page)
    re_path(r"^admin/api/(?P<version>[^/]+)/(?P<path>.*)$", rest_view, name="shopify-rest"),
    re_path(r"^admin/(?P<path>.*)$", rest_view, name="shopify-rest-unversioned"),
    re_path(r"^_staged_uploads/(?P<key>.*)$", views.staged_upload_view, name="shopify-staged-upload"),
    re_path(r"^_files/(?P<key>.+)$", views.file_view, name="shopify-file"),
]
