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

from migrations_app.enums import RunKind, RunStatus
from migrations_app.models import MigrationRun, StoreMigration
from sandbox.models import SandboxStore
from sandbox.services import sandbox_store_set_faults
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

    # Then the full migration, from the run page's "start the full migration" path.
    page.click("[data-test=go-full]")
    page.wait_for_url(re.compile(r".*/migrations/[0-9a-f-]+/(#start)?$"))
    page.click("[data-test=start-full]")
    page.wait_for_url(re.compile(r".*/runs/[0-9a-f-]+/$"))
    assert wait_run_finished(page) in ("completed", "completed_with_errors"), worker.log_tail()
    full = MigrationRun.objects.get(migration=migration, kind=RunKind.FULL)
    assert full.status in (RunStatus.COMPLETED, RunStatus.COMPLETED_WITH_ERRORS)
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
    assert not watch.errors, watch.errors

    # Every page at 375 px: no console errors, no sideways scrolling.
    phone, phone_watch = new_page(MOBILE)
    log_in(phone, base, email)
    for name, path in [("my-migrations", "/migrations/"), ("migration", f"/migrations/{migration.pk}/"),
                       ("setup", f"/migrations/{migration.pk}/setup/"),
                       ("configure", f"/migrations/{migration.pk}/configure/"),
                       ("review", f"/migrations/{migration.pk}/review/"), ("run-demo", f"/runs/{demo.pk}/"),
                       ("run-full", f"/runs/{full.pk}/"), ("account", "/account/"), ("new", "/migrations/new/")]:
        response = phone.goto(base + path)
        assert response.status == 200, path
        assert not overflowing(phone), f"{path} scrolls sideways at 375 px: {overflowing(phone)}"
        screenshot(phone, f"{name}-mobile")
    assert not phone_watch.errors, phone_watch.errors

    # Another organization's member gets 404 on this migration's pages.
    from accounts.services import user_create

    stranger = user_create(email="stranger@example.com", password=PASSWORD)
    EmailAddress.objects.create(user=stranger, email=stranger.email, verified=True, primary=True)
    other, _ = new_page(DESKTOP)
    log_in(other, base, stranger.email)
    for path in (f"/migrations/{migration.pk}/", f"/migrations/{migration.pk}/configure/", f"/runs/{demo.pk}/",
                 f"/runs/{full.pk}/"):
        assert other.goto(base + path).status == 404, path
    assert other.locator(".site-header").is_visible()

    if os.environ.get("UPDATE_README_SCREENSHOTS"):
        docs = ROOT / "docs" / "screenshots"
        docs.mkdir(parents=True, exist_ok=True)
        for shot, name in README_SHOTS.items():
            shutil.copy(ROOT / "test-artifacts" / "screenshots" / f"{shot}.png", docs / name)
