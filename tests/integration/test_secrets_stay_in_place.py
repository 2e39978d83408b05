"""No secret leaves its place during a run (issue 13, finding 6): connect stores through the API and the
wizard (one check refused for a wrong secret), run a full migration through a real Celery worker, look at
every page and API answer on the way; then the HTML, the API answers, the log output of the web process and
of the worker, and the emails sent contain none of the stores' credentials (nor the API token used).

Small stores keep it cheap: the worker's start and one short run make most of its time."""
import logging

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from rest_framework.test import APIClient

from accounts.services import api_token_create, user_create
from migrations_app.enums import RunStatus
from migrations_app.models import MigrationRun
from tests.factories import PASSWORD, organization_of

from ..fixtures.worker import wait_for
from .helpers import wait_finished

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.worker]

WRONG_SECRET = "cs_wrong_secret_typed_by_the_owner_0123456789"


def _secrets(*stores: dict) -> set[str]:
    found = set()
    for store in stores:
        for group in ("credentials", "read_only_credentials"):
            found |= {str(v) for v in (store.get(group) or {}).values() if v}
    return found


def test_a_run_leaves_no_secret_in_pages_api_answers_logs_or_emails(
        woo_store_factory, shopify_store_factory, start_worker, smtp_sink, client, caplog):
    caplog.set_level(logging.DEBUG)  # everything the web process (and the live server's thread) logs
    source = woo_store_factory("secret-source", title="Secret source", products=3, customers=2, orders=2, seed=4)
    target = woo_store_factory("secret-target", title="Secret target")
    shop = shopify_store_factory("secret-shop", title="Secret shop")
    owner = user_create(email="secrets@example.com", password=PASSWORD)
    EmailAddress.objects.create(user=owner, email=owner.email, verified=True, primary=True)
    _token, api_key = api_token_create(user=owner, organization=organization_of(owner), name="grep")
    secrets = _secrets(source, target, shop) | {WRONG_SECRET, api_key}
    assert len(secrets) >= 9
    worker = start_worker("secrets")
    log_start = worker.log_path.stat().st_size
    seen: list[str] = []  # every answer a person or a script gets

    def answer(response):
        seen.append(f"{response.status_code} {response.get('Location', '')}\n{response.content.decode()}")
        return response

    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {api_key}")

    # The API: connect and check the stores (one with a wrong secret first).
    refused = answer(api.post("/api/v1/stores/", {
        "platform": "woocommerce", "url": source["base_url"],
        "credentials": {**source["credentials"], "consumer_secret": WRONG_SECRET},
    }, format="json"))
    assert refused.status_code == 201
    assert answer(api.post(f"/api/v1/stores/{refused.json()['id']}/check/")).json()["ok"] is False
    ids = {}
    for name, store in (("source", source), ("target", target), ("shop", shop)):
        created = answer(api.post("/api/v1/stores/", {"platform": store["platform"], "url": store["base_url"],
                                                      "credentials": store["credentials"]}, format="json"))
        assert created.status_code == 201, created.json()
        ids[name] = created.json()["id"]
        assert answer(api.post(f"/api/v1/stores/{ids[name]}/check/")).json()["ok"] is True

    # The wizard: the same stores through the pages, a refused check first.
    client.force_login(owner)
    page = answer(client.get("/migrations/new/"))
    key = page.context["wizard_key"]

    def side(side_name, store, secret=None):
        return {"side": side_name, "wizard_key": key, f"{side_name}-platform": "woocommerce",
                f"{side_name}-url": store["base_url"],
                f"{side_name}-cred_consumer_key": store["credentials"]["consumer_key"],
                f"{side_name}-cred_consumer_secret": secret or store["credentials"]["consumer_secret"]}

    answer(client.post("/migrations/new/", side("source", source, WRONG_SECRET), HTTP_HX_REQUEST="true"))
    setup = answer(client.post("/migrations/new/", side("source", source)))
    answer(client.post(setup["Location"], side("target", target), HTTP_HX_REQUEST="true"))

    # A full migration through the API, run by the worker.
    migration = answer(api.post("/api/v1/migrations/", {
        "source_store": ids["source"], "target_store": ids["target"],
        "entities": ["categories", "products", "customers", "orders"],
    }, format="json"))
    assert migration.status_code == 201, migration.json()
    migration_id = migration.json()["id"]
    quote = answer(api.post(f"/api/v1/migrations/{migration_id}/runs/quote/", {"kind": "full"}, format="json"))
    started = answer(api.post(f"/api/v1/migrations/{migration_id}/runs/", {
        "kind": "full", "confirm": {"amount_cents": quote.json()["quote"]["amount_cents"]}}, format="json"))
    assert started.status_code == 201, started.json()
    run = wait_finished(MigrationRun.objects.get(pk=started.json()["id"]), timeout=300, workers=[worker])
    assert run.status == RunStatus.COMPLETED, run.error_message

    for path in ("/api/v1/stores/", f"/api/v1/stores/{ids['source']}/", f"/api/v1/stores/{ids['shop']}/",
                 "/api/v1/migrations/", f"/api/v1/migrations/{migration_id}/", f"/api/v1/runs/{run.pk}/",
                 f"/api/v1/runs/{run.pk}/errors/", "/api/v1/runs/"):
        assert answer(api.get(path)).status_code == 200, path
    for path in ("/migrations/", f"/migrations/{migration_id}/", f"/migrations/{migration_id}/setup/",
                 f"/migrations/{migration_id}/configure/", f"/migrations/{migration_id}/review/",
                 f"/runs/{run.pk}/", "/account/"):
        assert answer(client.get(path)).status_code == 200, path

    wait_for(lambda: smtp_sink.messages, timeout=30, message="the end-of-run email", workers=[worker])
    worker.stop()  # its log is complete
    with open(worker.log_path, "rb") as log:
        log.seek(log_start)
        worker_log = log.read().decode(errors="replace")
    assert "succeeded" in worker_log or "Task" in worker_log  # the worker's log is really there
    emails = [m.as_string() for m in smtp_sink.messages] + [m.message().as_string() for m in mail.outbox]
    logs = "\n".join(f"{r.name} {r.getMessage()} {r.exc_text or ''}" for r in caplog.records)
    assert seen and emails and caplog.records

    leaks = [(where, secret[:6] + "…") for where, texts in (("answers", seen), ("emails", emails),
                                                              ("web log", [logs]), ("worker log", [worker_log]))
             for text in texts for secret in secrets if secret in text]
    assert not leaks, leaks
