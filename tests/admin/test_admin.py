import pytest
from django.contrib import admin
from django.urls import reverse

from migrations_app.enums import RunStatus
from tests.factories import (
    WOO_CREDENTIALS,
    IdMapFactory,
    MigrationFactory,
    RecordErrorFactory,
    RunFactory,
    StoreFactory,
    UserFactory,
    organization_of,
)


@pytest.fixture
def data(db):
    owner = UserFactory(email="owner@shop.example.com")
    migration = MigrationFactory(organization=organization_of(owner), created_by=owner)
    run = RunFactory(migration=migration, requested_by=owner)
    RecordErrorFactory.create_batch(3, run=run)
    IdMapFactory(migration=migration, run=run)
    return {"owner": owner, "migration": migration, "run": run, "store": migration.source_store}


def _changelist(model) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")


def _change(obj) -> str:
    return reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[obj.pk])


@pytest.mark.parametrize("model", list(admin.site._registry), ids=lambda m: m._meta.label)
def test_admin_changelist_renders_for_every_registered_model(admin_client, data, model):
    response = admin_client.get(_changelist(model))

    assert response.status_code == 200


@pytest.mark.parametrize("key", ["store", "migration", "run"])
def test_admin_change_page_renders(admin_client, data, key):
    response = admin_client.get(_change(data[key]))

    assert response.status_code == 200


def test_admin_record_error_and_id_map_pages_render(admin_client, data):
    error = data["run"].record_errors.first()
    id_map = data["migration"].id_map.first()

    assert admin_client.get(_change(error)).status_code == 200
    assert admin_client.get(_change(id_map)).status_code == 200


def test_admin_store_pages_never_show_the_decrypted_secret(admin_client, data):
    store = data["store"]
    secret = WOO_CREDENTIALS["consumer_secret"]

    change = admin_client.get(_change(store))
    changelist = admin_client.get(_changelist(type(store)), {"q": store.url})

    assert secret.encode() not in change.content
    assert store.credentials_encrypted.encode() not in change.content
    assert b"cs_\xe2\x80\xa6fedc" in change.content  # the masked hint, cs_…fedc
    assert b'name="credentials_encrypted"' not in change.content
    assert secret.encode() not in changelist.content


def test_admin_store_change_cannot_touch_credentials(admin_client, data):
    store = data["store"]
    before = store.credentials_encrypted

    response = admin_client.post(
        _change(store), {"name": "Renamed", "credentials_encrypted": "x", "credentials_hint": "{}"}
    )

    assert response.status_code == 302
    store.refresh_from_db()
    assert store.name == "Renamed"
    assert store.credentials_encrypted == before
    assert store.credentials_hint["consumer_secret"] == "cs_…fedc"


def test_admin_store_search_by_member_email(admin_client, data):
    other = StoreFactory()

    response = admin_client.get(_changelist(type(other)), {"q": "owner@shop.example.com"})

    assert data["store"].url.encode() in response.content
    assert other.url.encode() not in response.content


def test_admin_migration_search_by_uuid_and_email(admin_client, data):
    migration = data["migration"]
    other = MigrationFactory()
    url = _changelist(type(migration))

    by_id = admin_client.get(url, {"q": str(migration.pk).upper()})
    by_email = admin_client.get(url, {"q": "owner@shop.example.com"})

    for response in (by_id, by_email):
        assert response.status_code == 200
        assert str(migration.pk).encode() in response.content
        assert str(other.pk).encode() not in response.content


def test_admin_run_search_by_migration_id(admin_client, data):
    run = data["run"]
    other = RunFactory()

    response = admin_client.get(_changelist(type(run)), {"q": str(run.migration_id)})

    assert str(run.pk).encode() in response.content
    assert str(other.pk).encode() not in response.content


def test_admin_cancel_action_cancels_active_runs_and_reports_finished_ones(admin_client, data):
    run = data["run"]
    finished = RunFactory(status=RunStatus.COMPLETED)

    response = admin_client.post(
        _changelist(type(run)),
        {"action": "cancel_runs", "_selected_action": [str(run.pk), str(finished.pk)]},
        follow=True,
    )

    assert response.status_code == 200
    run.refresh_from_db()
    finished.refresh_from_db()
    assert run.status == RunStatus.CANCELLED
    assert finished.status == RunStatus.COMPLETED
    sent = {str(m.level_tag): str(m) for m in response.context["messages"]}
    assert str(run.pk) in sent["success"]
    assert str(finished.pk) in sent["error"]


def test_admin_resume_action_requeues_a_cancelled_run(admin_client, data):
    run = data["run"]
    run.status = RunStatus.CANCELLED
    run.save(update_fields=["status"])

    admin_client.post(_changelist(type(run)), {"action": "resume_runs", "_selected_action": [str(run.pk)]})

    run.refresh_from_db()
    assert run.status == RunStatus.QUEUED


def test_admin_check_connection_action_reports_the_failure(admin_client, settings):
    settings.MIGRATOR_HTTP_MAX_RETRIES = 0
    store = StoreFactory(url="http://127.0.0.1:9", checked=False)

    response = admin_client.post(
        _changelist(type(store)), {"action": "check_connection", "_selected_action": [str(store.pk)]}, follow=True
    )

    store.refresh_from_db()
    assert store.last_check_ok is False
    [message] = list(response.context["messages"])
    assert message.level_tag == "error"
    assert "127.0.0.1:9" in str(message)


def test_admin_start_demo_action_queues_a_run_and_refuses_a_second(admin_client, db):
    migration = MigrationFactory()

    first = admin_client.post(_changelist(type(migration)),
                              {"action": "start_demo", "_selected_action": [str(migration.pk)]}, follow=True)
    second = admin_client.post(_changelist(type(migration)),
                               {"action": "start_demo", "_selected_action": [str(migration.pk)]}, follow=True)

    runs = list(migration.runs.all())
    assert [(r.kind, r.status) for r in runs] == [("demo", RunStatus.QUEUED)]
    assert "queued" in str(list(first.context["messages"])[0])
    assert "already in progress" in str(list(second.context["messages"])[0])
