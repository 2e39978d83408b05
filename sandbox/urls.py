"""Mounted at /sandbox/ when the sandbox app is installed and SANDBOX_ENABLED. Each platform package listed
in settings.SANDBOX_PLATFORMS contributes its own URLs under /sandbox/<platform>/<store>/."""
from django.conf import settings
from django.urls import include, path

urlpatterns = [
    path(f"{platform}/<slug:store>/", include(f"{package}.urls"))
    for platform, package in settings.SANDBOX_PLATFORMS.items()
]
