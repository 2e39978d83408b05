"""One definition of every number (docs/runs.md, "Numbers"): selectors.run_numbers and
selectors.migration_numbers, shown identically by the run page, My Migrations, the migration page, the
email, the API and the admin. Each regression test below is a bug an owner reported."""
import re
from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.services import api_token_create
from connectors.entities import VARIANTS
from migrations_app import selectors
from migrations_app.enums import EntityStatus, MigrationState, RunKind, RunStatus
from migrations_app.models import EntityProgress
from migrations_app.services.notify import run_notify_owner
from tests.factories import (
    IdMapFactory,
    MigrationFactory,
    RecordErrorFactory,
    RunFactory,
)

pytestmark = pytest.mark.django_db

WARNING = {"entity": "reviews", "count": 4, "message": "Shopify cannot delete product reviews (metafields)"}


@pytest.fixture
def api(owner, org):
    _token, key = api_token_create(user=owner, organization=org, name="numbers")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def _progress(run, entity, **counts):
    """Progress as the engine keeps it: done = created + updated + unchanged."""
    counts.setdefault("status", EntityStatus.DONE)
    done = counts.get("created", 0) + counts.get("updated", 0) + counts.get("unchanged", 0)
    EntityProgress.objects.filter(run=run, entity=entity).update(done=done, **counts)


def _finished_run(migration, owner, *, kind=RunKind.FULL, status=RunStatus.COMPLETED, **fields):
    now = timezone.now()
    fields.setdefault("quote", {"amount_cents": 2900, "currency": "USD"})
    return RunFactory(migration=migration, kind=kind, status=status, requested_by=owner,
                      started_at=now - timedelta(minutes=3), finished_at=now, **fields)


def _partly(run, source_id, what="Translation de not registered"):
    return RecordErrorFactory(run=run, entity="products", source_id=source_id, message=f"Partly migrated: {what}")


def _text(html: str) -> str:
    """Visible text of an HTML page, whitespace collapsed (what the owner reads)."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def _email_for(run):
    mail.outbox.clear()
    assert run_notify_owner(run_id=run.pk) is True
    (message,) = mail.outbox
    return message.subject, message.body, message.alternatives[0][0]


# --- one run, every surface -------------------------------------------------------------------------


@pytest.fixture
def full_run(owner, org):
    """A full migration that completed with errors: 3 failed records, 2 records written only in part (one
    with two messages), and an error without a source id; a clear left 4 reviews it could not delete."""
    migration = MigrationFactory(organization=org, created_by=owner, state=MigrationState.FULL_COMPLETED,
                                 full_completed_at=timezone.now())
    run = _finished_run(migration, owner, status=RunStatus.COMPLETED_WITH_ERRORS, charge_cents=2900,
                        warnings=[WARNING])
    _progress(run, "categories", total=5, created=5)
    _progress(run, "products", total=40, created=10, updated=3, unchanged=20, skipped=2, failed=3)
    for source_id in ("1", "2", "3"):
        RecordErrorFactory(run=run, entity="products", source_id=source_id, message="Price is not a number.")
    _partly(run, "7")
    _partly(run, "7", "Redirect not created")
    _partly(run, "8")
    RecordErrorFactory(run=run, entity="products", source_id="", message="A page could not be read.")
    IdMapFactory.create_batch(5, migration=migration, entity="categories", run=run)
    IdMapFactory.create_batch(13, migration=migration, entity="products", run=run)
    IdMapFactory.create_batch(6, migration=migration, entity=VARIANTS, run=run)
    IdMapFactory(migration=migration, entity="products", state="pending", run=run)
    return run


def test_run_numbers_follow_the_definitions(full_run):
    n = selectors.run_numbers(run=full_run)

    assert (n.created, n.updated, n.unchanged, n.skipped, n.failed) == (15, 3, 20, 2, 3)
    assert n.done == 38 and n.written == 18
    assert n.read == n.processed == 43
    assert n.total == 45 and n.percent == 95
    assert n.errors == 6  # 3 failed + records 7 and 8 (7 twice: once) + 1 without a source id
    products = {e.entity: e for e in n.entities}["products"]
    assert (products.errors, products.processed, products.percent) == (6, 38, 95)
    assert n.summary == ("43 records read: 18 migrated (15 created, 3 updated), 20 unchanged, 2 skipped, "
                         "3 failed; 6 with errors")
    assert n.progress_text == "43 of 45 records processed (95 %)"
    assert n.price_label == "USD 29.00" and n.warnings == (WARNING,)
    numbers = selectors.migration_numbers(migration=full_run.migration)
    assert numbers.migrated == 18  # 5 categories + 13 products; not the 6 variations nor the pending row
    assert numbers.headline == "Full migration completed with errors"
    assert numbers.last_run == n


def test_every_surface_shows_the_same_numbers(full_run, client_in, api, admin_client):
    run, migration = full_run, full_run.migration
    n = selectors.run_numbers(run=run)
    m = selectors.migration_numbers(migration=migration)
    summary = n.summary
    warning = f"Reviews: {WARNING['count']} — {WARNING['message']}"

    run_page = _text(client_in.get(f"/runs/{run.pk}/").content.decode())
    assert summary in run_page and n.progress_text in run_page and warning in run_page
    assert "Completed with errors" in run_page and "USD 29.00" in run_page

    my_migrations = _text(client_in.get("/migrations/").content.decode())
    assert "Full migration: Completed with errors" in my_migrations
    assert m.headline in my_migrations
    assert f" {m.migrated} " in my_migrations

    migration_page = _text(client_in.get(f"/migrations/{migration.pk}/").content.decode())
    assert m.headline in migration_page and f"{m.migrated} records migrated" in migration_page
    assert summary in migration_page and "USD 29.00" in migration_page

    subject, body, html = _email_for(run)
    assert subject == f"Your full migration finished with 6 record errors (migration {migration.pk})"
    for text in (_text(body), _text(html)):
        assert summary in text and "Records migrated: 18" in text and "Errors: 6" in text
        assert warning in text and "USD 29.00" in text

    body = api.get(f"/api/v1/runs/{run.pk}/").json()
    assert body["totals"] == n.as_dict()
    assert body["totals"]["summary"] == summary
    assert body["progress"] == [e.as_dict() for e in n.entities]
    assert body["errors_count"] == 6
    assert body["warnings"] == [WARNING]
    assert (body["charge_cents"], body["charged"]) == (2900, True)
    body = api.get(f"/api/v1/migrations/{migration.pk}/").json()
    assert (body["migrated"], body["headline"]) == (m.migrated, m.headline)
    listed = api.get("/api/v1/migrations/").json()["results"]
    assert [(r["migrated"], r["headline"]) for r in listed] == [(m.migrated, m.headline)]

    changelist = _text(admin_client.get(reverse("admin:migrations_app_migrationrun_changelist")).content.decode())
    assert n.progress_text in changelist and " 18 " in changelist and " 6 " in changelist
    change = _text(admin_client.get(reverse("admin:migrations_app_migrationrun_change",
                                            args=[run.pk])).content.decode())
    assert summary in change and warning in change and "USD 29.00" in change
    migrations = _text(admin_client.get(reverse("admin:migrations_app_storemigration_changelist")).content.decode())
    assert m.headline in migrations and f" {m.migrated} " in migrations


# --- regressions ------------------------------------------------------------------------------------


def test_recent_data_email_counts_records_written_not_records_that_needed_no_write(owner, org, client_in):
    """"Recent data: 65 records migrated" when one record was written."""
    migration = MigrationFactory(organization=org, entities=["products"], state=MigrationState.FULL_COMPLETED)
    run = _finished_run(migration, owner, kind=RunKind.RECENT)
    _progress(run, "products", total=65, created=1, unchanged=64)

    subject, body, html = _email_for(run)

    assert subject == f"Your recent data finished: 1 record migrated (migration {migration.pk})"
    assert "65 records migrated" not in subject
    assert "Records migrated: 1" in body and "Records migrated: 1" in _text(html)
    assert "65 records read: 1 migrated (1 created, 0 updated), 64 unchanged" in body
    run_page = _text(client_in.get(f"/runs/{run.pk}/").content.decode())
    assert "65 records read: 1 migrated (1 created, 0 updated), 64 unchanged" in run_page


def test_my_migrations_migrated_counts_the_migration_entities_without_variations(owner, org, client_in, api):
    """My Migrations showed 478 for a 282-record store: every `done` id-map row was counted, variants and
    entities outside the migration included."""
    migration = MigrationFactory(organization=org, entities=["categories", "products"])
    run = _finished_run(migration, owner)
    IdMapFactory.create_batch(2, migration=migration, entity="categories", run=run)
    IdMapFactory.create_batch(3, migration=migration, entity="products", run=run)
    IdMapFactory.create_batch(7, migration=migration, entity=VARIANTS, run=run)
    IdMapFactory.create_batch(4, migration=migration, entity="orders", run=run)  # not in migration.entities
    IdMapFactory(migration=migration, entity="products", state="pending", run=run)  # write in flight

    html = client_in.get("/migrations/").content.decode()

    row = html[html.index(f'data-migration="{migration.pk}"'):]
    assert re.search(r'<td class="num" data-label="Migrated">(\d+)</td>', row).group(1) == "5"
    assert "5 records migrated" in _text(client_in.get(f"/migrations/{migration.pk}/").content.decode())
    assert api.get(f"/api/v1/migrations/{migration.pk}/").json()["migrated"] == 5


def test_progress_with_an_entity_not_counted_yet_never_looks_complete(owner, org, client_in, api):
    """"102 of 102 records done" while the bar was at ~36 %: the sum ignored an entity whose total was not
    known yet, and the text and the bar were computed in different places."""
    migration = MigrationFactory(organization=org, entities=["categories", "products", "customers"])
    run = RunFactory(migration=migration, status=RunStatus.RUNNING, started_at=timezone.now())
    _progress(run, "categories", total=102, created=102)
    _progress(run, "products", total=None, status=EntityStatus.RUNNING, created=40)
    _progress(run, "customers", total=None, status=EntityStatus.PENDING)

    n = selectors.run_numbers(run=run)
    run_page = _text(client_in.get(f"/runs/{run.pk}/").content.decode())
    list_html = client_in.get("/migrations/").content.decode()
    totals = api.get(f"/api/v1/runs/{run.pk}/").json()["totals"]

    assert n.total is None and n.processed == 142 and n.percent == 33
    assert "of 102" not in run_page and "of 142" not in run_page
    assert "142 records processed so far (not every entity is counted yet)" in run_page
    assert f'value="{n.percent}" max="100"' in list_html  # the bar (<progress>): the same function as the text
    assert (totals["total"], totals["processed"], totals["percent"]) == (None, 142, 33)

    EntityProgress.objects.filter(run=run, entity="products").update(total=200)
    EntityProgress.objects.filter(run=run, entity="customers").update(total=18)
    n = selectors.run_numbers(run=run)
    assert (n.total, n.percent) == (320, 44)
    assert "142 of 320 records processed (44 %)" in _text(client_in.get(f"/runs/{run.pk}/").content.decode())
    assert 'value="44" max="100"' in client_in.get("/migrations/").content.decode()


def test_migration_headline_agrees_with_its_full_run_completed_with_errors(owner, org, client_in, api):
    """The run said "Completed with errors", the migration page "Full migration completed" and My
    Migrations "Smart update: Completed"."""
    migration = MigrationFactory(organization=org, state=MigrationState.FULL_COMPLETED,
                                 full_completed_at=timezone.now())
    full = _finished_run(migration, owner, status=RunStatus.COMPLETED_WITH_ERRORS)
    RecordErrorFactory(run=full, entity="products", source_id="9")
    smart = _finished_run(migration, owner, kind=RunKind.SMART_UPDATE)

    migration_page = _text(client_in.get(f"/migrations/{migration.pk}/").content.decode())
    list_html = client_in.get("/migrations/").content.decode()
    smart_page = _text(client_in.get(f"/runs/{smart.pk}/").content.decode())
    full_page = _text(client_in.get(f"/runs/{full.pk}/").content.decode())

    assert "Full migration completed with errors" in migration_page
    assert "Full migration completed with errors" in _text(list_html)
    assert api.get(f"/api/v1/migrations/{migration.pk}/").json()["headline"] == "Full migration completed with errors"
    # The list's last run is the smart update, as its run page says, and links to it.
    assert "Smart update: Completed" in _text(list_html) and f"/runs/{smart.pk}/" in list_html
    assert "Smart update" in smart_page and "Completed" in smart_page and "Completed with errors" not in smart_page
    assert "Completed with errors" in full_page


def test_migration_headline_says_when_the_full_run_failed_after_a_demo(owner, org):
    migration = MigrationFactory(organization=org, state=MigrationState.DEMO_COMPLETED)
    _finished_run(migration, owner, kind=RunKind.DEMO)
    _finished_run(migration, owner, status=RunStatus.FAILED)

    assert selectors.migration_numbers(migration=migration).headline == "Full migration failed"


def test_partly_migrated_records_are_errors_never_zero(owner, org, client_in, api, admin_client):
    """The email said "Errors: 0" while the run listed "Partly migrated" record errors (not counted as
    failed)."""
    migration = MigrationFactory(organization=org, entities=["products"])
    run = _finished_run(migration, owner, status=RunStatus.COMPLETED_WITH_ERRORS)
    _progress(run, "products", total=10, created=10)
    _partly(run, "4")
    _partly(run, "4", "Redirect not created")
    _partly(run, "5")

    subject, body, html = _email_for(run)
    run_page = _text(client_in.get(f"/runs/{run.pk}/").content.decode())
    api_body = api.get(f"/api/v1/runs/{run.pk}/").json()
    admin_list = _text(admin_client.get(reverse("admin:migrations_app_migrationrun_changelist")).content.decode())

    assert "with 2 record errors" in subject
    assert "Errors: 2" in body and "Errors: 2" in _text(html) and "Errors: 0" not in body
    assert "0 failed; 2 with errors" in run_page
    assert api_body["errors_count"] == 2 and api_body["totals"]["errors"] == 2
    assert api_body["progress"][0]["errors"] == 2
    assert "0 failed; 2 with errors" in _text(client_in.get(f"/migrations/{migration.pk}/").content.decode())
    assert " 2 " in admin_list and "Completed with errors" in admin_list


def test_failed_and_cancelled_runs_are_never_shown_charged(owner, org, client_in, api, admin_client):
    """The migration page history showed USD 29.00 for each failed run."""
    migration = MigrationFactory(organization=org)
    failed = _finished_run(migration, owner, status=RunStatus.FAILED, charge_cents=2900,
                           error_message="The target store refused the credentials.")
    cancelled = _finished_run(migration, owner, status=RunStatus.CANCELLED, charge_cents=2900)

    page = client_in.get(f"/migrations/{migration.pk}/").content.decode()
    history = page.split("<h2>History</h2>")[1].split("</section>")[0]
    prices = re.findall(r'data-test="run-price">([^<]*)<', history)

    assert prices == ["Not charged", "Not charged"] and "29.00" not in history
    for run in (failed, cancelled):
        assert "Not charged" in _text(client_in.get(f"/runs/{run.pk}/").content.decode())
        body = api.get(f"/api/v1/runs/{run.pk}/").json()
        assert (body["charge_cents"], body["charged"]) == (0, False)
    listed = api.get(f"/api/v1/migrations/{migration.pk}/runs/").json()["results"]
    assert {r["charge_cents"] for r in listed} == {0}
    admin_list = admin_client.get(reverse("admin:migrations_app_migrationrun_changelist")).content.decode()
    assert "Not charged" in admin_list and "29.00" not in admin_list
    subject, body, html = _email_for(failed)
    assert "stopped" in subject and "Price: Not charged" in body and "Not charged" in html


def test_completed_run_without_charge_is_free_and_with_charge_is_priced(owner, org, client_in):
    migration = MigrationFactory(organization=org)
    free = _finished_run(migration, owner, kind=RunKind.DEMO, charge_cents=0)
    paid = _finished_run(migration, owner, charge_cents=2900)

    history = client_in.get(f"/migrations/{migration.pk}/").content.decode()

    prices = dict(re.findall(r'data-run="([^"]+)".*?data-test="run-price">([^<]*)<', history, re.S))
    assert prices == {str(paid.pk): "USD 29.00", str(free.pk): "Free"}


def test_run_warnings_are_shown_on_the_run_page_email_api_and_admin(owner, org, client_in, api, admin_client):
    migration = MigrationFactory(organization=org, entities=["products"])
    run = _finished_run(migration, owner, kind=RunKind.REMIGRATION, warnings=[WARNING])
    _progress(run, "products", total=3, updated=3)
    shown = f"Reviews: {WARNING['count']} — {WARNING['message']}"

    subject, body, html = _email_for(run)

    assert shown in _text(client_in.get(f"/runs/{run.pk}/").content.decode())
    assert shown in body and shown in _text(html)
    assert subject == f"Your re-migration finished: 3 records migrated (migration {migration.pk})"
    assert api.get(f"/api/v1/runs/{run.pk}/").json()["warnings"] == [WARNING]
    assert api.get(f"/api/v1/migrations/{migration.pk}/runs/").json()["results"][0]["warnings"] == [WARNING]
    change = admin_client.get(reverse("admin:migrations_app_migrationrun_change", args=[run.pk])).content.decode()
    assert shown in _text(change)


def test_errors_without_a_source_id_count_one_each_and_errors_of_other_entities_count(owner, org):
    migration = MigrationFactory(organization=org, entities=["products"])
    run = _finished_run(migration, owner, status=RunStatus.COMPLETED_WITH_ERRORS)
    RecordErrorFactory(run=run, entity="products", source_id="")
    RecordErrorFactory(run=run, entity="products", source_id="")
    RecordErrorFactory(run=run, entity="reviews", source_id="3")  # met while clearing: no progress row
    RecordErrorFactory(run=run, entity="reviews", source_id="3")

    n = selectors.run_numbers(run=run)

    assert n.errors == 3 and [e.errors for e in n.entities] == [2]


def test_other_runs_errors_do_not_count(owner, org):
    migration = MigrationFactory(organization=org, entities=["products"])
    run = _finished_run(migration, owner)
    other = _finished_run(migration, owner, kind=RunKind.RECENT, status=RunStatus.COMPLETED_WITH_ERRORS)
    RecordErrorFactory(run=other, entity="products", source_id="1")

    numbers = selectors.runs_numbers(runs=[run, other])

    assert (numbers[run.pk].errors, numbers[other.pk].errors) == (0, 1)
