"""Mounted at /api/v1/ (migrator/urls.py)."""
from django.urls import path

from . import views

app_name = "api"

urlpatterns = [
    path("connectors/", views.ConnectorListApi.as_view(), name="connector-list"),
    path("stores/", views.StoreListApi.as_view(), name="store-list"),
    path("stores/<uuid:store_id>/", views.StoreDetailApi.as_view(), name="store-detail"),
    path("stores/<uuid:store_id>/check/", views.StoreCheckApi.as_view(), name="store-check"),
    path("migrations/", views.MigrationListApi.as_view(), name="migration-list"),
    path("migrations/<uuid:migration_id>/", views.MigrationDetailApi.as_view(), name="migration-detail"),
    path("migrations/<uuid:migration_id>/runs/", views.MigrationRunListApi.as_view(), name="migration-runs"),
    path("migrations/<uuid:migration_id>/runs/quote/", views.MigrationRunQuoteApi.as_view(),
         name="migration-run-quote"),
    path("migrations/<uuid:migration_id>/smart-update/", views.MigrationSmartUpdateApi.as_view(),
         name="migration-smart-update"),
    path("migrations/<uuid:migration_id>/smart-update/preview/", views.MigrationSmartUpdatePreviewApi.as_view(),
         name="migration-smart-update-preview"),
    path("runs/", views.RunListApi.as_view(), name="run-list"),
    path("runs/<uuid:run_id>/", views.RunDetailApi.as_view(), name="run-detail"),
    path("runs/<uuid:run_id>/errors/", views.RunErrorListApi.as_view(), name="run-errors"),
    path("runs/<uuid:run_id>/changes/", views.RunChangeListApi.as_view(), name="run-changes"),
    path("runs/<uuid:run_id>/cancel/", views.RunCancelApi.as_view(), name="run-cancel"),
]
