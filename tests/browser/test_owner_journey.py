"""A store owner's whole path in a real browser: sign up, verify the email from the message sent,
run the wizard against two WooCommerce sandbox stores (with a failed check first), start the demo,
watch it live, open Check Result, run the full migration; then another organization gets 404s, and
every page works at 375 px wide. A real Celery worker runs the migrations; mail goes to a local SMTP sink."""
import os
import re
import shutil
import time

import pytest
from allauth.account.models import EmailAddress
from playwright.sync_api import Error as PlaywrightError

from accounts.services import user_create
from migrations_app.enums import RunKind, RunStatus
from migrations_app.models import MigrationRun, StoreMigration
from sandbox.models import SandboxStore
from sandbox.services import sandbox_store_set_faults
from support.models import Ticket
from tests.fixtures.worker import wait_for

from .conftest import DESKTOP, MOBILE, ROOT, overflowing, screenshot

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "Migrate-my-store-2026"
README_SHOTS = {"my-migrations-desktop": "my-migrations.png", "setup-check-failed-desktop": "wizard-setup.png",
                "run-demo-check-result-desktop": "run-check-result.png"}


@pytest.fixture
def mail_to_sink(settings, smtp_sink):
    """The web process (live server) sends through the SMTP sink too, like the worker does."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", smtp_sink.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.ACCOUNT_EMAIL_VERIFICATION = "mandatory"
    return smtp_sink


def text_of(message) -> str:
    for part in message.walk():
        if part.get_content_type() == "text/plain":
            return part.get_payload(decode=True).decode()
    return ""


def submit(page):
    page.locator("main form button[type=submit]").first.click()


def log_in(page, base, email):
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", PASSWORD)
    submit(page)
    page.wait_for_url(f"{base}/migrations/")


def fill_side(page, side, store, secret=None):
    # Playwright fires "change" even when the value is already selected, and the page then swaps in
    # fresh (empty) credential fields by htmx: a retry must not race that swap with its typing.
    if page.input_value(f"#id_{side}-platform") != "woocommerce":
        page.select_option(f"#id_{side}-platform", "woocommerce")
    page.wait_for_selector(f"input[name='{side}-cred_consumer_key']")
    page.fill(f"input[name='{side}-url']", store["base_url"])
    page.fill(f"input[name='{side}-cred_consumer_key']", store["credentials"]["consumer_key"])
    page.fill(f"input[name='{side}-cred_consumer_secret']", secret or store["credentials"]["consumer_secret"])
    page.click(f"[data-test=check-{side}]")


def differences(verification) -> list:
    return [(e, s["source_id"], f) for e, v in verification["entities"].items() for s in v["sample"]
            for f in s.get("fields", []) if not f["equal"]] or verification


def wait_run_finished(page, timeout_s=180):
    page.wait_for_function(
        "() => { const b = document.querySelector('#run-live'); return b && "
        "['completed', 'completed_with_errors', 'failed', 'cancelled'].includes(b.dataset.status) && "
        "document.querySelector('[data-test=check-result]'); }",
        timeout=timeout_s * 1000,
    )
    return page.locator("#run-live").get_attribute("data-status")


def test_owner_journey(new_page, live_server, woo_store_factory, start_worker, mail_to_sink):
    base = live_server.url
    source = woo_store_factory("old-shop", title="Old Shop", products=14, customers=8, orders=10,
                               languages=["en", "de"], seed=3)
    target = woo_store_factory("new-shop", title="New Shop", languages=["en", "fr"])
    # A little latency, so that the demo lasts a few refreshes of the run page.
    sandbox_store_set_faults(SandboxStore.objects.get(platform="woocommerce", name="old-shop"), latency_ms=60)
    worker = start_worker("browser")
    page, watch = new_page(DESKTOP)
    email = "owner@example.com"

    # Sign up, verify the email from the message that was sent.
    page.goto(f"{base}/accounts/signup/")
    page.fill("input[name=email]", email)
    page.fill("input[name=password1]", PASSWORD)
    page.fill("input[name=password2]", PASSWORD)
    submit(page)
    message = wait_for(lambda: next((m for m in mail_to_sink.messages if m["To"] == email), None), timeout=15,
                       message="the verification email")
    link = re.search(r"https?://\S+/accounts/confirm-email/\S+", text_of(message)).group(0)
    page.goto(link)
    submit(page)  # allauth confirms on POST
    if "/accounts/login/" in page.url:
        log_in(page, base, email)
    page.wait_for_url(f"{base}/migrations/")
    assert EmailAddress.objects.get(email=email).verified
    assert page.locator("[data-test=empty-state]").is_visible()
    screenshot(page, "my-migrations-empty-desktop")

    # Setup: a wrong key first, then the right ones.
    page.locator("[data-test=new-migration]").first.click()
    page.wait_for_url(f"{base}/migrations/new/")
    # The help center from the wizard's credential fields: where the keys are, with the permissions needed.
    page.select_option("#id_source-platform", "woocommerce")
    with page.context.expect_page() as opened:
        page.locator("#source-creds [data-test=help-keys] a").click()
    help_page = opened.value
    help_page.wait_for_load_state()
    assert help_page.url == f"{base}/help/platforms/woocommerce/"
    assert "REST API" in help_page.locator("[data-test=guide-steps]").inner_text()
    assert "Read/Write" in help_page.locator("[data-test=target-permissions]").inner_text()
    help_page.close()
    fill_side(page, "source", source, secret="cs_wrong_secret_0000")
    failed = page.locator("[data-test=check-failed-source]")
    failed.wait_for()
    assert source["base_url"] in failed.inner_text() and "401" in failed.inner_text()
    assert page.locator("[data-test=continue-disabled]").is_visible()
    screenshot(page, "setup-check-failed-desktop", full_page=False)
    fill_side(page, "source", source)
    page.locator("[data-test=check-ok-source]").wait_for()
    assert "Old Shop" in page.locator("[data-test=check-ok-source]").inner_text()
    fill_side(page, "target", target)
    page.locator("[data-test=check-ok-target]").wait_for()
    page.click("[data-test=continue]")

    # Configure: everything both sides support, German not migrated, then Review.
    page.wait_for_url(re.compile(r".*/configure/$"))
    page.check("[data-select-all=entities]")
    assert page.locator("input[name=entities]:not(:checked)").count() == 0
    page.select_option("#id_lang_de", "")
    page.click("[data-test=to-review]")
    page.wait_for_url(re.compile(r".*/review/$"))
    assert page.locator("[data-test=quote]").inner_text().startswith("USD")
    screenshot(page, "review-desktop")
    migration = StoreMigration.objects.get(organization__memberships__user__email=email)

    # The demo: the run page updates in place (no reload) until it ends, then shows Check Result.
    page.click("[data-test=start-demo]")
    page.wait_for_url(re.compile(r".*/runs/[0-9a-f-]+/$"))
    page.evaluate("window.__sameDocument = true")
    seen_live = False
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            state = page.evaluate(
                "() => ({same: window.__sameDocument === true,"
                " status: document.querySelector('#run-live')?.dataset.status,"
                " done: [...document.querySelectorAll('[data-test=done]')].map(e => e.textContent.trim())})")
        except PlaywrightError:  # the page reloaded itself once the run ended
            break
        if state["same"] and state["status"] == "running" and any(not d.startswith("0 /") for d in state["done"]):
            seen_live = True
        if not state["same"] or state["status"] not in ("queued", "running"):
            break
        time.sleep(0.3)
    assert seen_live, "the run page never showed progress without a reload"
    assert wait_run_finished(page) in ("completed", "completed_with_errors"), worker.log_tail()
    demo = MigrationRun.objects.get(migration=migration, kind=RunKind.DEMO)
    assert demo.verification["mismatches"] == 0, differences(demo.verification)
    assert page.locator("[data-test=check-row]").count() == len(migration.entities)
    screenshot(page, "run-demo-check-result-desktop", full_page=False)
    page.locator("#check-result").scroll_into_view_if_needed()
    screenshot(page, "run-demo-check-result-section-desktop", full_page=False)

    # Then the full migration, from the run page's "start the full migration" path: its recap with the
    # price, one click to start, then overall progress with a rate and an ETA (also in the tab's title).
    page.click("[data-test=go-full]")
    page.wait_for_url(re.compile(r".*/migrations/[0-9a-f-]+/confirm/\?kind=full$"))
    price = page.locator("[data-test=confirm-price]")
    quoted = int(price.get_attribute("data-amount-cents"))
    assert quoted > 0 and price.inner_text().startswith("USD")
    assert target["base_url"] in page.locator("[data-test=confirm-target]").inner_text()
    screenshot(page, "confirm-full-desktop")
    page.click("[data-test=confirm-start]")
    page.wait_for_url(re.compile(r".*/runs/[0-9a-f-]+/$"))
    assert page.locator("[data-test=close-note]").is_visible()
    seen_eta = None
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and seen_eta is None:
        try:
            state = page.evaluate(
                "() => ({status: document.querySelector('#run-live')?.dataset.status, title: document.title,"
                " eta: document.querySelector('[data-test=run-eta]')?.textContent,"
                " percent: document.querySelector('[data-test=overall]')?.dataset.percent})")
        except PlaywrightError:
            break
        if state["status"] == "running" and state["eta"] and re.match(r"^\d+ % · ", state["title"]):
            seen_eta = state
        if state["status"] not in ("queued", "running"):
            break
        time.sleep(0.2)
    assert seen_eta, "the run page never showed the overall progress with an ETA"
    assert seen_eta["title"].startswith(f"{seen_eta['percent']} % · ")
    assert wait_run_finished(page) in ("completed", "completed_with_errors"), worker.log_tail()
    full = MigrationRun.objects.get(migration=migration, kind=RunKind.FULL)
    assert full.status in (RunStatus.COMPLETED, RunStatus.COMPLETED_WITH_ERRORS)
    assert full.charge_cents == full.quote["amount_cents"] == quoted
    assert full.verification["entities"]["products"]["target_count"] == 14
    assert full.verification["mismatches"] == 0, differences(full.verification)
    screenshot(page, "run-full-desktop")
    page.goto(f"{base}/migrations/")
    screenshot(page, "my-migrations-desktop")
    def finished_mails():
        found = [m for m in mail_to_sink.messages if m["To"] == email and "finished" in m["Subject"]]
        return found if len(found) >= 2 else None

    finished = wait_for(finished_mails, timeout=30, message="the demo's and the full run's emails")
    assert all(str(migration.pk) in m["Subject"] for m in finished)

    # Support: a ticket from the run page, answered by staff in the admin; the owner gets the reply by email
    # and sees it in the app.
    page.goto(f"{base}/runs/{full.pk}/")
    page.click("[data-test=contact-support]")
    page.fill("input[name=subject]", "Where are my reviews?")
    page.fill("textarea[name=body]", "The full migration finished; how do I check the reviews?")
    page.click("[data-test=ticket-submit]")
    page.wait_for_url(re.compile(r".*/support/[0-9a-f-]+/$"))
    ticket = Ticket.objects.get(organization=migration.organization)
    assert (ticket.migration_id, ticket.run_id) == (migration.pk, full.pk)
    staff = user_create(email="support@cartmigrate.example", password=PASSWORD, is_staff=True, is_superuser=True)
    desk, desk_watch = new_page(DESKTOP)
    desk_watch.expected_status_urls.add(f"{base}/favicon.ico")  # the admin's pages link no icon
    desk.goto(f"{base}/admin/login/")
    desk.fill("input[name=username]", staff.email)
    desk.fill("input[name=password]", PASSWORD)
    desk.click("input[type=submit]")
    desk.goto(f"{base}/admin/support/ticket/")
    assert email in desk.locator("#result_list").inner_text()
    desk.click(f"#result_list a[href*='{ticket.pk}']")
    desk.fill("#id_reply", "Open Check Result on the run page: reviews are compared there.")
    desk.click("input[name=_save]")
    desk.wait_for_url(f"{base}/admin/support/ticket/")
    assert not desk_watch.errors, desk_watch.errors
    reply = wait_for(lambda: next((m for m in mail_to_sink.messages
                                   if m["To"] == email and "Where are my reviews?" in m["Subject"]), None),
                     timeout=15, message="the support reply email")
    assert "Open Check Result on the run page" in text_of(reply) and f"/support/{ticket.pk}/" in text_of(reply)
    page.reload()
    assert "Open Check Result on the run page" in page.locator("[data-test=thread]").inner_text()
    assert page.locator("[data-test=ticket-status]").inner_text() == "Answered"
    screenshot(page, "support-ticket-answered-desktop")
    assert not watch.errors, watch.errors

    # Every page at 375 px and at 1280 px: no console errors, no sideways scrolling, no table column cut off
    # (Check Result's samples opened too).
    phone, phone_watch = new_page(MOBILE)
    log_in(phone, base, email)
    for name, path in [("my-migrations", "/migrations/"), ("migration", f"/migrations/{migration.pk}/"),
                       ("setup", f"/migrations/{migration.pk}/setup/"),
                       ("configure", f"/migrations/{migration.pk}/configure/"),
                       ("review", f"/migrations/{migration.pk}/review/"), ("run-demo", f"/runs/{demo.pk}/"),
                       ("confirm", f"/migrations/{migration.pk}/confirm/?kind=full"),
                       ("run-full", f"/runs/{full.pk}/"), ("account", "/account/"), ("new", "/migrations/new/")]:
        for browser_page, width in ((phone, "mobile"), (page, "desktop")):
            response = browser_page.goto(base + path)
            assert response.status == 200, path
            browser_page.evaluate("() => document.querySelectorAll('main details').forEach(d => { d.open = true; })")
            assert not overflowing(browser_page), f"{path} does not fit at {width} width: {overflowing(browser_page)}"
            screenshot(browser_page, f"{name}-{width}")
    assert not phone_watch.errors, phone_watch.errors
    assert not watch.errors, watch.errors

    # Another organization's member gets 404 on this migration's pages.
    stranger = user_create(email="stranger@example.com", password=PASSWORD)
    EmailAddress.objects.create(user=stranger, email=stranger.email, verified=True, primary=True)
    other, _ = new_page(DESKTOP)
    log_in(other, base, stranger.email)
    for path in (f"/migrations/{migration.pk}/", f"/migrations/{migration.pk}/configure/", f"/runs/{demo.pk}/",
                 f"/runs/{full.pk}/", f"/support/{ticket.pk}/"):
        assert other.goto(base + path).status == 404, path
    assert other.locator(".site-header").is_visible()

    if os.environ.get("UPDATE_README_SCREENSHOTS"):
        docs = ROOT / "docs" / "screenshots"
        docs.mkdir(parents=True, exist_ok=True)
        for shot, name in README_SHOTS.items():
            shutil.copy(ROOT / "test-artifacts" / "screenshots" / f"{shot}.png", docs / name)
