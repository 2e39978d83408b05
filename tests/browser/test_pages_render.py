"""Pages the journey test does not pass through, at 375 px and at desktop width: each renders, logs
no console error and does not scroll sideways. Screenshots go to test-artifacts/screenshots/."""
from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from django.utils import timezone

from accounts.services import user_create
from connectors.registry import all_connectors
from migrations_app.models import ChangeRecord
from support.services import ticket_open, ticket_reply_staff
from tests.factories import MigrationFactory, RecordErrorFactory, RunFactory, organization_of

from .conftest import DESKTOP, MOBILE, overflowing, screenshot

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "Render-every-page-2026"
PUBLIC = [("home", "/", 200), ("login", "/accounts/login/", 200), ("signup", "/accounts/signup/", 200),
          ("password-reset", "/accounts/password/reset/", 200), ("not-found", "/no-such-page/", 404),
          ("help", "/help/", 200), ("help-rules", "/help/rules/", 200), ("help-checklist", "/help/checklist/", 200),
          ("help-faq", "/help/faq/", 200),
          *((f"help-{p}", f"/help/platforms/{p}/", 200) for p in all_connectors())]


@pytest.mark.parametrize("viewport", [MOBILE, DESKTOP], ids=["375px", "desktop"])
def test_pages_render_cleanly(new_page, live_server, viewport):
    owner = user_create(email="render@example.com", password=PASSWORD)
    EmailAddress.objects.create(user=owner, email=owner.email, verified=True, primary=True)
    migration = MigrationFactory(organization=organization_of(owner))
    run = RunFactory(migration=migration, status="completed_with_errors")
    RecordErrorFactory.create_batch(30, run=run)
    # After the full migration: the re-migration, recent data and smart update sections, and a smart
    # update run with its changes.
    migrated = MigrationFactory(organization=organization_of(owner), entities=["products", "orders"],
                                state="full_completed", full_completed_at=timezone.now())
    RunFactory(migration=migrated, kind="full", status="completed")
    smart = RunFactory(migration=migrated, kind="smart_update", status="completed", params={"fields": {}})
    ChangeRecord.objects.create(organization=smart.organization, run=smart, entity="products", source_id="12",
                                target_id="512", kind="conflict", field="stock_quantity", old=4, new=9,
                                target_value=4, applied=True)
    ticket = ticket_open(organization=organization_of(owner), user=owner, migration=migration, run=run,
                         subject="Three orders are missing after the full migration", body="Which ones?\n" * 5)
    ticket_reply_staff(ticket=ticket, user=None, body="https://example.com/a-very-long-link/" * 3)
    # A run at work (overall progress, rate, ETA) and the recap of a full run that clears everything.
    running = RunFactory(migration=migration, status="running", started_at=timezone.now() - timedelta(seconds=90))
    running.progress.filter(position=0).update(status="running", total=400, created=150, done=150,
                                               started_at=running.started_at)
    clearing = MigrationFactory(organization=organization_of(owner),
                                options={"clear_target": True, "clear_scope": "all"})
    width = "mobile" if viewport is MOBILE else "desktop"
    page, watch = new_page(viewport)

    for name, path, status in PUBLIC:
        if status != 200:
            watch.expected_status_urls.add(live_server.url + path)
        assert page.goto(live_server.url + path).status == status, path
        assert page.locator(".site-header").is_visible()
        assert not overflowing(page), (path, overflowing(page))
        screenshot(page, f"{name}-{width}")

    page.goto(live_server.url + "/accounts/login/")
    page.fill("input[name=login]", owner.email)
    page.fill("input[name=password]", PASSWORD)
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_url(live_server.url + "/migrations/")
    for name, path in [("account", "/account/"), ("list-with-rows", "/migrations/"),
                       ("run-with-errors", f"/runs/{run.pk}/"), ("password-change", "/accounts/password/change/"),
                       ("migration-after-full", f"/migrations/{migrated.pk}/"),
                       ("smart-update-run", f"/runs/{smart.pk}/"), ("emails", "/accounts/email/"),
                       ("run-running", f"/runs/{running.pk}/"), ("review", f"/migrations/{clearing.pk}/review/"),
                       ("confirm-clear-all", f"/migrations/{clearing.pk}/confirm/?kind=full"),
                       ("support-list", "/support/"), ("support-ticket", f"/support/{ticket.pk}/"),
                       ("support-new", f"/support/new/?migration={migration.pk}&run={run.pk}")]:
        assert page.goto(live_server.url + path).status == 200, path
        page.evaluate("() => document.querySelectorAll('main details').forEach(d => { d.open = true; })")
        assert not overflowing(page), (path, overflowing(page))
        screenshot(page, f"{name}-{width}")

    # With "clear" ticked the re-migration form grows its warning and choices: still nothing sideways.
    page.goto(f"{live_server.url}/migrations/{migrated.pk}/")
    page.check("input[name=remig-opt_clear_target]")
    page.check("input[name=remig-opt_clear_scope][value=all]")
    assert not overflowing(page), overflowing(page)
    screenshot(page, f"migration-clear-ticked-{width}")

    # The errors list pages in place (htmx) without leaving the run page.
    page.goto(f"{live_server.url}/runs/{run.pk}/")
    assert page.locator("[data-test=error-row]").count() == 25
    page.click("[data-test=errors-next]")
    # A function, not an expression: Playwright evaluates an expression with eval, which the page's CSP forbids.
    page.wait_for_function("() => document.querySelectorAll('[data-test=error-row]').length === 5")
    assert page.url.endswith(f"/runs/{run.pk}/")
    assert not watch.errors, watch.errors
    assert not watch.csp_violations, watch.csp_violations


def test_api_docs_and_admin_render_under_the_content_security_policy(new_page, live_server):
    """Swagger UI (served from our static files by drf-spectacular-sidecar) and the admin, which the owner
    pages above do not cover, run under the same policy without a violation."""
    staff = user_create(email="staff@example.com", password=PASSWORD, is_staff=True, is_superuser=True)
    page, watch = new_page(DESKTOP)

    page.goto(live_server.url + "/api/docs/")
    page.locator(".swagger-ui .info .title").wait_for()
    page.locator(".swagger-ui .opblock").first.wait_for()
    assert "Cartmigrate API" in page.locator(".swagger-ui .info .title").inner_text()
    assert not [r for r in page.evaluate("performance.getEntriesByType('resource').map(e => e.name)")
                if not r.startswith(live_server.url)], "the docs page loads something from another site"
    screenshot(page, "api-docs-desktop", full_page=False)

    watch.expected_status_urls.add(live_server.url + "/favicon.ico")  # the admin's pages link no icon
    page.goto(live_server.url + "/admin/login/")
    page.fill("input[name=username]", staff.username)
    page.fill("input[name=password]", PASSWORD)
    page.locator("input[type=submit]").click()
    page.wait_for_url(live_server.url + "/admin/")
    for path in ("/admin/migrations_app/storemigration/", "/admin/accounts/organization/"):
        assert page.goto(live_server.url + path).status == 200, path
    assert not watch.csp_violations, watch.csp_violations
    assert not watch.errors, watch.errors
