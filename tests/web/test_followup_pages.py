"""The migration page after the full migration: Re-migrate, Recent data and Smart Update forms, their
quotes, starting runs, the schedule, and the run page's list of changes."""
from datetime import timedelta

import pytest
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from migrations_app.enums import EntityStatus, MigrationState, RunStatus
from migrations_app.models import ChangeRecord, EntityProgress, MigrationRun, SmartUpdateConfig
from tests.factories import PASSWORD, MigrationFactory, RunFactory, UserFactory, organization_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def migrated(owner):
    """A migration whose full run completed yesterday: 40 products and 60 orders (100 entities)."""
    migration = MigrationFactory(organization=organization_of(owner), entities=["products", "orders"],
                                 state=MigrationState.FULL_COMPLETED,
                                 full_completed_at=timezone.now() - timedelta(days=1))
    full = RunFactory(migration=migration, kind="full", status=RunStatus.COMPLETED,
                      finished_at=timezone.now() - timedelta(days=1))
    EntityProgress.objects.filter(run=full, entity="products").update(total=40, done=40, status=EntityStatus.DONE)
    EntityProgress.objects.filter(run=full, entity="orders").update(total=60, done=60, status=EntityStatus.DONE)
    return migration


def test_followup_sections_show_only_after_the_full_migration(client_in, owner):
    fresh = MigrationFactory(organization=organization_of(owner))
    assert 'data-test="smart-update"' not in client_in.get(f"/migrations/{fresh.pk}/").content.decode()


def test_migration_page_offers_remigration_recent_and_smart_update_with_quotes(client_in, migrated):
    html = client_in.get(f"/migrations/{migrated.pk}/").content.decode()
    for part in ("remigrate", "recent", "smart-update", "quote-remigration", "quote-recent"):
        assert f'data-test="{part}"' in html, part
    assert "Free" in html and "110%" in html  # 100 entities now vs 100 in the full run


def test_quote_follows_the_form_and_the_cap(client_in, migrated):
    data = {"kind": "remigration", "remig-entities": ["products", "orders"]}
    assert "Free" in client_in.post(f"/migrations/{migrated.pk}/quote/", data).content.decode()
    # The source grew to 115 entities: 5 beyond the 110 allowed are priced.
    store = migrated.source_store
    store.last_check_info = {**store.last_check_info, "counts": {"products": 55, "orders": 60}}
    store.save()
    html = client_in.post(f"/migrations/{migrated.pk}/quote/", data).content.decode()
    assert "5 beyond" in html and "USD" in html


def test_start_remigration_from_the_form_once(client_in, migrated):
    data = {"kind": "remigration", "request_key": "k1", "remig-entities": ["products"],
            "remig-opt_clear_target": "on", "remig-opt_clear_scope": "all",
            # as sent from the confirmation step (tests/web/test_run_confirm.py): free, the host typed
            "confirmed": "1", "confirm_amount_cents": "0", "confirm_target_host": migrated.target_store.url}
    first = client_in.post(f"/migrations/{migrated.pk}/again/", data)
    second = client_in.post(f"/migrations/{migrated.pk}/again/", data)
    run = MigrationRun.objects.get(migration=migrated, kind="remigration")
    assert first["Location"] == second["Location"] == f"/runs/{run.pk}/"
    assert run.params["entities"] == ["products"]
    assert run.params["options"]["clear_target"] is True and run.params["options"]["clear_scope"] == "all"
    assert list(EntityProgress.objects.filter(run=run).values_list("entity", flat=True)) == ["products"]
    assert run.charge_cents == 0 and "Free" in run.quote["rule"]


def test_remigration_form_errors_are_shown_next_to_the_field(client_in, migrated):
    response = client_in.post(f"/migrations/{migrated.pk}/again/", {"kind": "remigration"})
    assert response.status_code == 200
    assert "Select at least one entity." in response.content.decode()
    assert not MigrationRun.objects.filter(kind="remigration").exists()


def test_smart_update_settings_schedule_pause_and_live(client_in, migrated):
    url = f"/migrations/{migrated.pk}/smart-update/"
    data = {"action": "save", "smart-fields_products": ["stock_quantity", "stock_status"],
            "smart-fields_orders": ["status", "shipments"], "smart-conflict_policy": "target",
            "smart-deletions": "archive", "smart-schedule": "interval", "smart-interval_minutes": "15"}
    assert client_in.post(url, data).status_code == 302
    config = SmartUpdateConfig.objects.get(migration=migrated)
    assert config.fields == {"products": ["stock_quantity", "stock_status"], "orders": ["status", "shipments"]}
    assert (config.conflict_policy, config.deletions, config.interval_seconds) == ("target", "archive", 900)
    task = PeriodicTask.objects.get(pk=config.periodic_task_id)
    assert task.enabled and task.interval.every == 900 and task.task == "migrations.smart_update_scheduled"
    page = client_in.get(f"/migrations/{migrated.pk}/").content.decode()
    assert "Every few minutes · next" in page

    client_in.post(url, {"action": "pause"})
    assert not PeriodicTask.objects.get(pk=task.pk).enabled
    client_in.post(url, {"action": "resume"})
    assert PeriodicTask.objects.get(pk=task.pk).enabled
    client_in.post(url, {"action": "live"})
    assert not PeriodicTask.objects.get(pk=task.pk).enabled
    migrated.refresh_from_db()
    assert migrated.state == MigrationState.LIVE


def test_smart_update_too_short_interval_is_a_field_error(client_in, migrated):
    response = client_in.post(f"/migrations/{migrated.pk}/smart-update/", {
        "action": "save", "smart-fields_products": ["stock_quantity"], "smart-conflict_policy": "source",
        "smart-deletions": "ignore", "smart-schedule": "interval", "smart-interval_minutes": "1"})
    assert response.status_code == 200
    assert "Choose an interval between 5 minutes and a week." in response.content.decode()
    assert not SmartUpdateConfig.objects.exists()


def test_smart_update_preview_starts_a_preview_run_and_its_page_lists_changes(client_in, migrated):
    response = client_in.post(f"/migrations/{migrated.pk}/smart-update/", {
        "action": "preview", "request_key": "p1", "smart-fields_products": ["stock_quantity"],
        "smart-conflict_policy": "source", "smart-deletions": "ignore", "smart-schedule": "once"})
    run = MigrationRun.objects.get(migration=migrated, kind="smart_update")
    assert response["Location"] == f"/runs/{run.pk}/"
    assert run.params["preview"] is True and run.params["fields"] == {"products": ["stock_quantity"]}
    ChangeRecord.objects.create(organization=run.organization, run=run, entity="products", source_id="7",
                                target_id="107", kind="conflict", field="stock_quantity", old=3, new=9,
                                target_value=3, applied=False)
    html = client_in.get(f"/runs/{run.pk}/").content.decode()
    assert "Preview: what a smart update would change" in html
    assert html.count('data-test="change-row"') == 1 and "target value kept" in html


def test_followup_endpoints_are_404_for_another_organization(client, migrated):
    stranger = UserFactory()
    client.login(username=stranger.email, password=PASSWORD)
    for path, data in ((f"/migrations/{migrated.pk}/quote/", {"kind": "recent"}),
                       (f"/migrations/{migrated.pk}/again/", {"kind": "recent", "recent-entities": ["orders"]}),
                       (f"/migrations/{migrated.pk}/smart-update/", {"action": "live"})):
        assert client.post(path, data).status_code == 404, path
    assert not MigrationRun.objects.filter(kind="recent").exists()
    migrated.refresh_from_db()
    assert migrated.state == MigrationState.FULL_COMPLETED
