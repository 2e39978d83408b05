"""`/sandbox/shopify/<store>/admin/api/<version>/graphql.json` and the shop's upload/download URLs."""
from django.urls import re_path

from . import views

urlpatterns = [
    re_path(r"^admin/api/(?P<version>[^/]+)/graphql\.json$", views.graphql_view, name="shopify-graphql"),
    re_path(r"^admin/oauth/access_scopes\.json$", views.access_scopes_view, name="shopify-access-scopes"),
    re_path(r"^_staged_uploads/(?P<key>.*)$", views.staged_upload_view, name="shopify-staged-upload"),
    re_path(r"^_files/(?P<key>.+)$", views.file_view, name="shopify-file"),
]
