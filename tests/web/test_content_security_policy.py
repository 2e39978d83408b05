"""Content-Security-Policy (django-csp): every page is served with a strict policy, and the templates carry
nothing that policy would block (issue 13, finding 9). The browser tests check the same in Chromium: no
violation in the console on the pages they visit."""
import re
from pathlib import Path

import pytest
from django.conf import settings

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

TEMPLATES = Path(settings.BASE_DIR) / "templates"
# Emails are not pages: mail clients need their inline styles, and no CSP applies to them.
EMAIL_TEMPLATES = ("emails/", "account/email/")


def policy_of(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    directives = {}
    for part in header.split(";"):
        name, *values = part.split()
        directives[name] = values
    return directives


def _assert_strict(directives):
    assert directives["default-src"] == ["'self'"]
    for name in ("script-src", "style-src"):
        assert "'self'" in directives[name]
        assert not {"'unsafe-inline'", "'unsafe-eval'", "'unsafe-hashes'", "*"} & set(directives[name]), name
        assert all(v in ("'self'", "'report-sample'") or v.startswith("'nonce-") for v in directives[name]), name
    assert directives["object-src"] == ["'none'"]
    assert directives["base-uri"] == ["'self'"]
    assert directives["form-action"] == ["'self'"]
    assert directives["frame-ancestors"] == ["'none'"]


def test_csp_header_is_strict_on_a_normal_page_and_its_nonce_is_the_inline_styles(client):
    client.force_login(UserFactory())

    response = client.get("/migrations/")

    assert response.status_code == 200
    directives = policy_of(response)
    _assert_strict(directives)
    nonce = next(v for v in directives["style-src"] if v.startswith("'nonce-"))[len("'nonce-"):-1]
    body = response.content.decode()
    assert f'<style nonce="{nonce}">' in body
    # htmx is told not to inject its indicator styles nor to evaluate code (site.css has the indicator styles).
    assert '"includeIndicatorStyles": false' in body and '"allowEval": false' in body
    # Each answer has its own nonce.
    assert policy_of(client.get("/migrations/"))["style-src"] != directives["style-src"]


@pytest.mark.parametrize("path", ["/", "/accounts/login/", "/no-such-page/", "/api/docs/"])
def test_csp_header_is_on_public_pages_error_pages_and_the_api_docs(client, path):
    response = client.get(path)
    _assert_strict(policy_of(response))


def test_api_docs_are_served_from_our_static_files_with_no_inline_script(client):
    body = client.get("/api/docs/").content.decode()

    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in body
    assert "cdn" not in body.lower() and "https://" not in body
    assert not re.search(r"<script(?![^>]*\bsrc=)", body) and "<style" not in body
    script = client.get("/api/docs/?script=")
    assert script.status_code == 200 and "SwaggerUIBundle" in script.content.decode()


def _page_templates():
    for path in sorted(TEMPLATES.rglob("*.html")):
        name = path.relative_to(TEMPLATES).as_posix()
        if not name.startswith(EMAIL_TEMPLATES):
            yield name, path.read_text()


def test_page_templates_have_no_inline_styles_handlers_or_scripts_without_a_nonce():
    found = []
    for name, text in _page_templates():
        for pattern in (r"\sstyle\s*=", r"\son[a-z]+\s*=", r"\shx-on", r"javascript:",
                        r"<script(?![^>]*\bsrc=)(?![^>]*\bnonce=)(?![^>]*type=\"application/json\")",
                        r"<style(?![^>]*\bnonce=)"):
            found += [f"{name}: {m.group(0).strip()}" for m in re.finditer(pattern, text)]
    assert not found, found
