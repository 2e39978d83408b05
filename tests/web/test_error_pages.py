"""The site's own 400, 403, 404 and 500 pages, as served with DEBUG off (never Django's, never a traceback).

This module is also the URLconf of its tests: views that fail on purpose, then the site's own URLs."""
import pytest
from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.test import Client
from django.urls import include, path

from tests.factories import UserFactory

DETAIL = "detail-that-must-stay-in-the-logs"


def _crash(request):
    raise RuntimeError(DETAIL)


def _forbidden(request):
    raise PermissionDenied(DETAIL)


def _suspicious(request):
    raise SuspiciousOperation(DETAIL)


urlpatterns = [
    path("test-errors/crash/", _crash),
    path("test-errors/forbidden/", _forbidden),
    path("test-errors/suspicious/", _suspicious),
    path("", include("migrator.urls")),
]

pytestmark = pytest.mark.urls(__name__)


@pytest.fixture(autouse=True)
def no_debug(settings):
    settings.DEBUG = False


@pytest.fixture
def client_without_raising(db):
    return Client(raise_request_exception=False)


def _assert_site_error_page(response, status: int) -> None:
    assert response.status_code == status
    assert f"{status}.html" in [t.name for t in response.templates]
    html = response.content.decode()
    assert 'class="site-header"' in html
    assert 'href="/migrations/"' in html
    assert f"Error {status}" in html
    assert "Traceback" not in html
    assert DETAIL not in html


@pytest.mark.parametrize("logged_in", [False, True], ids=["anonymous", "member"])
def test_error_page_404_for_a_missing_url(client_without_raising, logged_in):
    if logged_in:
        client_without_raising.force_login(UserFactory())

    response = client_without_raising.get("/no-such-page/")

    _assert_site_error_page(response, 404)


def test_error_page_500_for_a_crashing_view_shows_no_stack_trace(client_without_raising):
    response = client_without_raising.get("/test-errors/crash/")

    _assert_site_error_page(response, 500)
    assert "RuntimeError" not in response.content.decode()


def test_error_page_403_for_a_refused_view(client_without_raising):
    client_without_raising.force_login(UserFactory())

    response = client_without_raising.get("/test-errors/forbidden/")

    _assert_site_error_page(response, 403)


def test_error_page_400_for_a_suspicious_request(client_without_raising):
    response = client_without_raising.get("/test-errors/suspicious/")

    _assert_site_error_page(response, 400)
