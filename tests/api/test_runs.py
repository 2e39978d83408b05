import pytest

from migrations_app.enums import RunStatus
from migrations_app.models import MigrationRun
from tests.factories import MigrationFactory, RecordErrorFactory, RunFactory, StoreFactory

RUNS = "/api/v1/runs/"


def _runs_url(migration) -> str:
    return f"/api/v1/migrations/{migration.pk}/runs/"


def test_run_start_returns_201_and_a_second_start_409_with_the_run_id(api_client, organization, user):
    migration = MigrationFactory(organization=organization, entities=["categories", "products"])

    first = api_client.post(_runs_url(migration), {"kind": "demo"}, format="json")
    amount = api_client.post(_runs_url(migration) + "quote/", {"kind": "full"}, format="json").json()["quote"][
        "amount_cents"]
    second = api_client.post(_runs_url(migration), {"kind": "full", "confirm": {"amount_cents": amount}},
                             format="json")

    assert first.status_code == 201, first.content
    run = MigrationRun.objects.get(pk=first.json()["id"])
    assert run.kind == "demo"
    assert run.status == RunStatus.QUEUED
    assert run.requested_by == user
    assert [p["entity"] for p in first.json()["progress"]] == ["categories", "products"]
    assert second.status_code == 409
    assert second.json()["run_id"] == str(run.pk)
    assert second.json()["detail"]
    assert MigrationRun.objects.count() == 1


def test_run_start_unchecked_store_is_400_with_message(api_client, organization):
    source = StoreFactory(organization=organization, checked=False, url="https://never-checked.example.com")
    migration = MigrationFactory(organization=organization, source_store=source)

    response = api_client.post(_runs_url(migration), {"kind": "full"}, format="json")

    assert response.status_code == 400
    assert "never-checked.example.com" in response.json()["detail"]
    assert response.json()["field"] == "kind"


def test_run_start_unknown_kind_is_field_error(api_client, organization):
    migration = MigrationFactory(organization=organization)

    response = api_client.post(_runs_url(migration), {"kind": "teleport"}, format="json")

    assert response.status_code == 400
    assert "kind" in response.json()["errors"]


def test_run_start_after_full_kinds_need_a_full_migration(api_client, organization):
    migration = MigrationFactory(organization=organization)

    for kind in ("remigration", "recent", "smart_update"):
        response = api_client.post(_runs_url(migration), {"kind": kind}, format="json")
        assert response.status_code == 400, kind
        assert "once the full migration has completed" in response.json()["detail"]
    assert not migration.runs.exists()


def test_run_start_unknown_param_is_field_error(api_client, organization):
    migration = MigrationFactory(organization=organization)
    response = api_client.post(_runs_url(migration), {"kind": "full", "params": {"bogus": 1}}, format="json")
    assert response.status_code == 400 and response.json()["errors"] == {"params.bogus": ["Unknown field."]}


def test_migration_runs_list_shows_that_migrations_runs(api_client, organization):
    migration = MigrationFactory(organization=organization)
    run = RunFactory(migration=migration)
    RunFactory(migration=MigrationFactory(organization=organization))

    response = api_client.get(_runs_url(migration))

    assert response.status_code == 200
    assert [r["id"] for r in response.json()["results"]] == [str(run.pk)]


def test_run_list_is_scoped_to_organization(api_client, organization, other_organization):
    mine = RunFactory(migration=MigrationFactory(organization=organization))
    RunFactory(migration=MigrationFactory(organization=other_organization))

    response = api_client.get(RUNS)

    assert response.status_code == 200
    assert [r["id"] for r in response.json()["results"]] == [str(mine.pk)]


def test_run_cancel_stops_a_queued_run_and_a_finished_run_is_409(api_client, organization):
    run = RunFactory(migration=MigrationFactory(organization=organization))

    response = api_client.post(f"{RUNS}{run.pk}/cancel/")
    again = api_client.post(f"{RUNS}{run.pk}/cancel/")

    assert response.status_code == 200
    assert response.json()["status"] == "cancelled"
    run.refresh_from_db()
    assert run.status == RunStatus.CANCELLED
    assert set(run.progress.values_list("status", flat=True)) == {"cancelled"}
    assert again.status_code == 409
    assert "cancelled" in again.json()["detail"]


def test_run_detail_shape(api_client, organization):
    run = RunFactory(migration=MigrationFactory(organization=organization), status=RunStatus.RUNNING)
    run.progress.filter(entity="products").update(total=40, done=12, created=10, updated=1, unchanged=1, skipped=1,
                                                  failed=105)
    RecordErrorFactory.create_batch(105, run=run)

    response = api_client.get(f"{RUNS}{run.pk}/")

    assert response.status_code == 200
    body = response.json()
    assert {
        "id", "migration", "kind", "status", "phase", "created_at", "started_at", "finished_at", "error_message",
        "quote", "charge_cents", "totals", "progress", "verification", "errors", "errors_count",
    } <= set(body)
    assert body["migration"] == str(run.migration_id)
    assert body["status"] == "running"
    assert body["totals"]["total"] is None  # categories are not counted yet: no sum that looks complete
    assert body["totals"]["done"] == 12
    assert body["progress"][1] == {
        "entity": "products", "status": "pending", "total": 40, "read": 118, "done": 12, "created": 10,
        "updated": 1, "unchanged": 1, "skipped": 1, "failed": 105, "errors": 105, "processed": 118, "written": 11,
        "percent": 100,
    }
    assert body["errors_count"] == 105
    assert len(body["errors"]) == 100
    assert set(body["errors"][0]) == {"id", "entity", "source_id", "message", "created_at"}


def test_run_errors_are_paginated(api_client, organization):
    run = RunFactory(migration=MigrationFactory(organization=organization))
    errors = RecordErrorFactory.create_batch(12, run=run)

    response = api_client.get(f"{RUNS}{run.pk}/errors/", {"limit": 5, "offset": 5})

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 12
    assert [e["source_id"] for e in body["results"]] == [e.source_id for e in errors[5:10]]
    assert body["results"][0]["excerpt"] == errors[5].excerpt
    assert body["next"]


@pytest.mark.parametrize(
    ("method", "suffix"), [("get", ""), ("get", "errors/"), ("post", "cancel/")], ids=["detail", "errors", "cancel"]
)
def test_run_of_other_organization_is_404(other_org_client, organization, method, suffix):
    run = RunFactory(migration=MigrationFactory(organization=organization))

    response = getattr(other_org_client, method)(f"{RUNS}{run.pk}/{suffix}")

    assert response.status_code == 404
    run.refresh_from_db()
    assert run.status == RunStatus.QUEUED


def test_api_needs_a_token(client, db):
    assert client.get(RUNS).status_code == 401
    assert client.get(RUNS, HTTP_AUTHORIZATION="Token not-a-real-token").status_code == 401


def test_api_user_without_organization_is_403(django_user_model):
    from rest_framework.test import APIClient

    user = django_user_model.objects.create_user(username="loner@example.com", email="loner@example.com")
    client = APIClient()
    client.force_login(user)  # by session: an API token always belongs to an organization

    response = client.get("/api/v1/stores/")

    assert response.status_code == 403
