from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from . import error_views

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("account/", include("accounts.urls")),
    path("api/v1/", include("migrations_app.api.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves Swagger UI's start-up script as a file of its own: no inline script (CSP).
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema", template_name="api/swagger_ui.html"),
         name="api-docs"),
    re_path(r"^api/", error_views.api_not_found),  # the API answers JSON even for paths it does not have
    path("", include("support.urls")),
    path("", include("migrations_app.urls")),
]
if settings.SANDBOX_ENABLED and "sandbox" in settings.INSTALLED_APPS:  # local and test settings only
    urlpatterns.append(path("sandbox/", include("sandbox.urls")))

handler400 = error_views.bad_request
handler403 = error_views.permission_denied
handler404 = error_views.page_not_found
handler500 = error_views.server_error
