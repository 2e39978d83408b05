"""My Migrations, the migration page and the run page through the Django test client."""
import csv
import io
from datetime import timedelta

import pytest
from django.utils import timezone

from migrations_app.enums import EntityStatus, MigrationState, RunStatus
from migrations_app.models import EntityProgress, MigrationRun
from tests.factories import (
    PASSWORD,
    WOO_CREDENTIALS,
    IdMapFactory,
    MigrationFactory,
    RecordErrorFactory,
    RunFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def test_home_sends_owner_to_my_migrations(client_in, client):
    assert client_in.get("/")["Location"] == "/migrations/"


def test_home_for_visitors_invites_to_sign_up(db, client):
    html = client.get("/").content.decode()
    assert "/accounts/signup/" in html and "site-header" in html


def test_my_migrations_empty_state(client_in):
    html = client_in.get("/migrations/").content.decode()
    assert 'data-test="empty-state"' in html and "/migrations/new/" in html


def test_my_migrations_lists_filters_and_searches(client_in, org):
    running = MigrationFactory(organization=org)
    run = RunFactory(migration=running, status=RunStatus.RUNNING)
    EntityProgress.objects.filter(run=run, entity="categories").update(total=10, done=9, created=9, failed=1)
    EntityProgress.objects.filter(run=run, entity="products").update(total=30, done=0)
    done = MigrationFactory(organization=org)
    RunFactory(migration=done, status=RunStatus.COMPLETED)
    IdMapFactory.create_batch(3, migration=done)
    draft = MigrationFactory(organization=org, state=MigrationState.DRAFT, target_store=None)
    MigrationFactory()  # another organization's

    html = client_in.get("/migrations/").content.decode()
    assert html.count('data-test="migration-row"') == 3
    # 10 of 40 records processed (failed ones count as processed)
    assert '<progress class="progress progress-below" value="25" max="100"' in html
    assert "Continue setup" in html and f"/migrations/{draft.pk}/setup/" in html

    html = client_in.get("/migrations/?status=completed").content.decode()
    assert html.count('data-test="migration-row"') == 1 and str(done.pk) in html
    row = html[html.index(str(done.pk)):]
    assert '<td class="num" data-label="Migrated">3</td>' in row  # records migrated, from the id map

    html = client_in.get(f"/migrations/?q={str(running.pk)[:8]}").content.decode()
    assert html.count('data-test="migration-row"') == 1 and str(running.pk) in html
    html = client_in.get(f"/migrations/?q={done.source_store.url.split('//')[1]}").content.decode()
    assert html.count('data-test="migration-row"') == 1 and str(done.pk) in html
    html = client_in.get("/migrations/?status=draft").content.decode()
    assert html.count('data-test="migration-row"') == 1 and str(draft.pk) in html


def test_migration_page_shows_history_and_masks_keys(client_in, org):
    migration = MigrationFactory(organization=org)
    demo = RunFactory(migration=migration, kind="demo", status=RunStatus.COMPLETED)
    html = client_in.get(f"/migrations/{migration.pk}/").content.decode()
    assert f"/runs/{demo.pk}/" in html
    assert 'data-test="start-full"' in html and 'data-test="start-demo"' not in html
    assert WOO_CREDENTIALS["consumer_secret"] not in html


def test_run_page_progress_check_result_and_errors(client_in, org):
    migration = MigrationFactory(organization=org)
    now = timezone.now()
    run = RunFactory(migration=migration, status=RunStatus.COMPLETED_WITH_ERRORS,
                     started_at=now - timedelta(minutes=2), finished_at=now, verification={
                         "sampled": 1, "mismatches": 1,
                         "entities": {"products": {"source_count": 40, "target_count": 39, "migrated": 39,
                                                   "expected": 40, "sample": [{
                                                       "source_id": "7", "target_id": "107",
                                                       "url": "https://t.example.com/wp-admin/post.php?post=107",
                                                       "fields": [{"field": "name", "source": "Mug", "target": "Mug",
                                                                   "equal": True},
                                                                  {"field": "price", "source": "9.50",
                                                                   "target": "9.00", "equal": False}]}]}}})
    EntityProgress.objects.filter(run=run).update(status=EntityStatus.DONE, total=40, done=39, failed=1,
                                                  started_at=now - timedelta(minutes=2), finished_at=now)
    RecordErrorFactory.create_batch(30, run=run)
    html = client_in.get(f"/runs/{run.pk}/").content.decode()
    assert 'data-test="check-result"' in html and 'class="mismatch"' in html
    assert "wp-admin/post.php?post=107" in html
    assert html.count('data-test="error-row"') == 25 and 'data-test="errors-next"' in html
    assert "hx-trigger" not in html.split('id="run-live"')[1].split(">")[0]  # a finished run is not polled

    page2 = client_in.get(f"/runs/{run.pk}/errors/?page=2").content.decode()
    assert page2.count('data-test="error-row"') == 5

    response = client_in.get(f"/runs/{run.pk}/errors.csv")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0][:3] == ["entity", "source_id", "message"] and len(rows) == 31


def test_run_page_polls_while_active_and_cancel_stops_it(client_in, org):
    run = RunFactory(migration=MigrationFactory(organization=org), status=RunStatus.RUNNING,
                     started_at=timezone.now())
    html = client_in.get(f"/runs/{run.pk}/").content.decode()
    assert f'hx-get="/runs/{run.pk}/live/?was_active=1"' in html
    live = client_in.get(f"/runs/{run.pk}/live/?was_active=1", HTTP_HX_REQUEST="true")
    assert live.status_code == 200 and "HX-Refresh" not in live
    response = client_in.post(f"/runs/{run.pk}/cancel/")
    assert response.status_code == 302
    run.refresh_from_db()
    assert run.status == RunStatus.CANCELLED
    live = client_in.get(f"/runs/{run.pk}/live/?was_active=1", HTTP_HX_REQUEST="true")
    assert live["HX-Refresh"] == "true"  # the page reloads once to show the final state


def test_run_pages_are_404_for_another_organization(client, org):
    run = RunFactory(migration=MigrationFactory(organization=org), status=RunStatus.RUNNING)
    stranger = UserFactory()
    client.login(username=stranger.email, password=PASSWORD)
    for url in (f"/runs/{run.pk}/", f"/runs/{run.pk}/live/", f"/runs/{run.pk}/errors/",
                f"/runs/{run.pk}/errors.csv"):
        assert client.get(url).status_code == 404, url
    assert client.post(f"/runs/{run.pk}/cancel/").status_code == 404
    assert MigrationRun.objects.get(pk=run.pk).status == RunStatus.RUNNING


def test_pages_need_login(client, db):
    for url in ("/migrations/", "/migrations/new/"):
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
