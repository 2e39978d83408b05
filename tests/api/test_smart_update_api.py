"""The smart-update endpoints: settings (GET/PUT), preview, and a run's changes."""
from datetime import timedelta

import pytest
from django.utils import timezone

from migrations_app.enums import MigrationState, RunStatus
from migrations_app.models import ChangeRecord, MigrationRun
from tests.factories import MigrationFactory, RunFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def migrated(organization):
    migration = MigrationFactory(organization=organization, entities=["products", "orders"],
                                 state=MigrationState.FULL_COMPLETED,
                                 full_completed_at=timezone.now() - timedelta(days=2))
    RunFactory(migration=migration, kind="full", status=RunStatus.COMPLETED)
    return migration


def url(migration, suffix=""):
    return f"/api/v1/migrations/{migration.pk}/smart-update/{suffix}"


def test_smart_update_settings_defaults_then_saved(api_client, migrated):
    got = api_client.get(url(migrated)).json()
    assert "stock_quantity" in got["catalog"]["products"] and "status" in got["catalog"]["orders"]
    assert got["fields"]["products"] == ["stock_quantity", "stock_status", "price", "compare_at_price"]
    assert got["schedule"] == "once" and got["next_run_at"] is None

    body = {"fields": {"products": ["stock_quantity"], "orders": ["shipments", "status"]},
            "conflict_policy": "target", "deletions": "archive", "schedule": "daily"}
    saved = api_client.put(url(migrated), body, format="json")
    assert saved.status_code == 200, saved.json()
    assert saved.json()["fields"] == {"products": ["stock_quantity"], "orders": ["status", "shipments"]}
    assert saved.json()["next_run_at"] is not None
    assert api_client.get(url(migrated)).json()["conflict_policy"] == "target"


def test_smart_update_unknown_field_is_a_field_error(api_client, migrated):
    response = api_client.put(url(migrated), {"fields": {"products": ["colour"]}}, format="json")
    assert response.status_code == 400
    assert "colour" in str(response.json()["errors"]["fields"])


def test_smart_update_preview_starts_a_preview_run_and_changes_are_listed(api_client, migrated):
    response = api_client.post(url(migrated, "preview/"))
    assert response.status_code == 201, response.json()
    run = MigrationRun.objects.get(pk=response.json()["id"])
    assert run.kind == "smart_update" and run.params["preview"] is True
    ChangeRecord.objects.create(organization=run.organization, run=run, entity="orders", source_id="5",
                                target_id="55", kind="update", field="status", old="processing", new="completed",
                                will_apply=True)
    changes = api_client.get(f"/api/v1/runs/{run.pk}/changes/").json()["results"]
    assert changes == [{"entity": "orders", "source_id": "5", "target_id": "55", "kind": "update",
                        "field": "status", "old": "processing", "new": "completed", "target_value": None,
                        "will_apply": True, "applied": False}]


def test_smart_update_endpoints_are_404_for_another_organization(other_org_client, migrated):
    assert other_org_client.get(url(migrated)).status_code == 404
    assert other_org_client.put(url(migrated), {"fields": {"products": ["stock_quantity"]}},
                                format="json").status_code == 404
    assert other_org_client.post(url(migrated, "preview/")).status_code == 404
    assert not MigrationRun.objects.filter(kind="smart_update").exists()
