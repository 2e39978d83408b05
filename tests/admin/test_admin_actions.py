"""Support actions: retry a run's failed records, extend a migration's free re-migration window."""
import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from migrations_app.enums import EntityStatus, RunStatus
from migrations_app.models import MigrationRun
from tests.factories import MigrationFactory, RecordErrorFactory, RunFactory

RUNS = reverse("admin:migrations_app_migrationrun_changelist")
MIGRATIONS = reverse("admin:migrations_app_storemigration_changelist")
EXTEND = "extend_remigration_window"


def _messages(response) -> list[tuple[str, str]]:
    return [(m.level_tag, str(m)) for m in response.context["messages"]]


# --- retry failed records -------------------------------------------------------------------------


def test_admin_retry_action_queues_a_run_of_only_the_failed_records(admin_client, db):
    run = RunFactory(status=RunStatus.COMPLETED_WITH_ERRORS)  # a migration of categories and products
    RecordErrorFactory(run=run, entity="products", source_id="41")
    RecordErrorFactory(run=run, entity="products", source_id="42")

    response = admin_client.post(RUNS, {"action": "retry_failed_records", "_selected_action": [str(run.pk)]},
                                 follow=True)

    retry = MigrationRun.objects.exclude(pk=run.pk).get(migration=run.migration)
    assert (retry.kind, retry.status) == (run.kind, RunStatus.QUEUED)
    assert retry.params["retry_of"] == str(run.pk)
    assert retry.params["only"] == {"products": ["41", "42"]}
    progress = {p.entity: (p.status, p.total) for p in retry.progress.all()}
    assert progress == {"categories": (EntityStatus.DONE, 0), "products": (EntityStatus.PENDING, 2)}
    [(level, text)] = _messages(response)
    assert level == "success"
    assert str(retry.pk) in text and reverse("admin:migrations_app_migrationrun_change", args=[retry.pk]) in text


def test_admin_retry_action_warns_about_runs_it_cannot_retry(admin_client, db):
    clean = RunFactory(status=RunStatus.COMPLETED)
    active = RunFactory(status=RunStatus.RUNNING)
    RecordErrorFactory(run=active)

    response = admin_client.post(
        RUNS, {"action": "retry_failed_records", "_selected_action": [str(clean.pk), str(active.pk)]}, follow=True
    )

    assert MigrationRun.objects.count() == 2
    sent = dict((text.split(":")[0], (level, text)) for level, text in _messages(response))
    assert sent[f"Run {clean.pk}"][0] == "warning" and "nothing to retry" in sent[f"Run {clean.pk}"][1]
    assert sent[f"Run {active.pk}"][0] == "warning" and "still in progress" in sent[f"Run {active.pk}"][1]


# --- re-migration window --------------------------------------------------------------------------


@pytest.fixture
def completed(db):
    """A migration whose full run completed 10 days ago, window not extended."""
    return MigrationFactory(state="full_completed", full_completed_at=timezone.now() - datetime.timedelta(days=10))


def test_admin_extend_window_asks_for_a_date_with_a_default(admin_client, completed):
    response = admin_client.post(MIGRATIONS, {"action": EXTEND, "_selected_action": [str(completed.pk)]})

    assert response.status_code == 200
    assert "admin/migrations_app/storemigration/extend_remigration_window.html" in [
        t.name for t in response.templates]
    default = timezone.localdate(completed.full_completed_at) + datetime.timedelta(days=90)
    assert f'value="{default:%Y-%m-%d}"'.encode() in response.content
    assert f'name="_selected_action" value="{completed.pk}"'.encode() in response.content
    completed.refresh_from_db()
    assert completed.remigration_window_until is None


def test_admin_extend_window_sets_the_date(admin_client, completed):
    other = MigrationFactory()
    until = timezone.localdate() + datetime.timedelta(days=200)

    response = admin_client.post(
        MIGRATIONS, {"action": EXTEND, "_selected_action": [str(completed.pk)], "apply": "1",
                     "until": f"{until:%Y-%m-%d}"}, follow=True
    )

    assert response.redirect_chain[-1][0].endswith(MIGRATIONS)
    completed.refresh_from_db()
    other.refresh_from_db()
    assert completed.remigration_window_until == until
    assert other.remigration_window_until is None
    assert _messages(response) == [("success", f"Free re-migration window extended until {until:%Y-%m-%d} "
                                               "for 1 migration(s).")]


@pytest.mark.parametrize("days", [0, -3])
def test_admin_extend_window_refuses_a_date_not_in_the_future(admin_client, completed, days):
    until = timezone.localdate() + datetime.timedelta(days=days)

    response = admin_client.post(
        MIGRATIONS, {"action": EXTEND, "_selected_action": [str(completed.pk)], "apply": "1",
                     "until": f"{until:%Y-%m-%d}"}
    )

    assert response.status_code == 200
    assert response.context["form"].errors == {"until": ["The re-migration window must end on a date in the future."]}
    completed.refresh_from_db()
    assert completed.remigration_window_until is None


def test_admin_extend_window_default_keeps_an_extension_still_ahead(admin_client, db):
    ahead = timezone.localdate() + datetime.timedelta(days=300)
    migration = MigrationFactory(remigration_window_until=ahead, full_completed_at=timezone.now())

    response = admin_client.post(MIGRATIONS, {"action": EXTEND, "_selected_action": [str(migration.pk)]})

    assert response.context["form"].initial["until"] == ahead


def test_admin_migration_change_view_shows_the_window_read_only(admin_client, db):
    migration = MigrationFactory(remigration_window_until=datetime.date(2031, 1, 31))
    url = reverse("admin:migrations_app_storemigration_change", args=[migration.pk])

    page = admin_client.get(url)
    posted = admin_client.post(url, {"remigration_window_until": "2032-02-29"})

    assert b"Extended until 2031-01-31" in page.content
    assert b'name="remigration_window_until"' not in page.content
    assert posted.status_code == 302
    migration.refresh_from_db()
    assert migration.remigration_window_until == datetime.date(2031, 1, 31)
