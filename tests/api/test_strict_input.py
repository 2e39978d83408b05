"""Bad input is a 400 with a message on the field, never a 500 nor silently ignored (issue 13, findings
3-5); under /api/ every answer is JSON, a 404 for a path the API does not have included."""
from datetime import timedelta

import pytest
from django.test import RequestFactory
from django.utils import timezone

from migrations_app.enums import MigrationState, RunStatus
from migrations_app.errors import ValidationFailed
from migrations_app.models import Store, StoreMigration
from migrations_app.services.plans import run_plan
from migrations_app.services.wizard import _draft_get_or_create
from migrator import error_views
from tests.factories import MigrationFactory, RunFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def migrated(organization):
    migration = MigrationFactory(organization=organization, entities=["products", "orders"],
                                 state=MigrationState.FULL_COMPLETED,
                                 full_completed_at=timezone.now() - timedelta(days=2))
    RunFactory(migration=migration, kind="full", status=RunStatus.COMPLETED)
    return migration


def _runs(migration) -> str:
    return f"/api/v1/migrations/{migration.pk}/runs/"


def _errors(response) -> dict:
    assert response.status_code == 400, (response.status_code, response.content[:300])
    assert response["Content-Type"] == "application/json"
    return response.json()["errors"]


@pytest.mark.parametrize("options", [["x"], "x", 5])
def test_remigration_options_that_are_not_an_object_are_a_field_error(api_client, migrated, options):
    response = api_client.post(_runs(migrated), {"kind": "remigration", "params": {"options": options}})
    assert "params.options" in _errors(response)
    assert not migrated.runs.exclude(kind="full").exists()


@pytest.mark.parametrize("options", [["x"], "x", 5])
def test_the_run_planner_refuses_options_that_are_not_an_object(migrated, options):
    """The services check what the admin or a task hands them too, not only what the API parsed."""
    with pytest.raises(ValidationFailed) as caught:
        run_plan(migration=migrated, kind="remigration", params={"options": options})
    assert "options" in caught.value.errors


def test_entities_as_a_string_is_refused_not_split_into_letters(api_client, migrated):
    errors = _errors(api_client.post(_runs(migrated), {"kind": "remigration", "params": {"entities": "products"}}))
    assert "params.entities" in errors
    with pytest.raises(ValidationFailed, match="") as caught:
        run_plan(migration=migrated, kind="remigration", params={"entities": "products"})
    assert "Expected a list" in caught.value.errors["entities"][0]


@pytest.mark.parametrize("value", ["maybe", "true", 1, None])
def test_preview_must_be_true_or_false(api_client, migrated, value):
    errors = _errors(api_client.post(_runs(migrated), {"kind": "smart_update", "params": {"preview": value}}))
    assert "params.preview" in errors
    assert not migrated.runs.filter(kind="smart_update").exists()


@pytest.mark.parametrize("body, field, message", [
    ({"fields": {"products": ["stock_quantity"]}, "bogus": 1}, "bogus", "Unknown field."),
    ({"fields": {"products": ["stock_quantity"]}, "paused": True}, "paused", "This field is read-only."),
])
def test_smart_update_settings_refuse_unknown_and_read_only_fields(api_client, migrated, body, field, message):
    response = api_client.put(f"/api/v1/migrations/{migrated.pk}/smart-update/", body)
    assert _errors(response)[field] == [message]


def test_unknown_top_level_fields_are_refused_everywhere(api_client, migrated):
    assert "bogus" in _errors(api_client.post(_runs(migrated), {"kind": "recent", "bogus": True}))
    assert "bogus" in _errors(api_client.post("/api/v1/stores/", {
        "platform": "woocommerce", "url": "https://shop.example.com", "credentials": {}, "bogus": 1}))


def test_oversized_or_undeclared_credentials_are_refused_and_nothing_is_saved(api_client, organization):
    huge = {"platform": "woocommerce", "url": "https://shop.example.com",
            "credentials": {"consumer_key": "ck_x", "consumer_secret": "s" * 1_000_000}}
    assert "credentials.consumer_secret" in _errors(api_client.post("/api/v1/stores/", huge))
    extra = {"platform": "woocommerce", "url": "https://shop.example.com",
             "credentials": {"consumer_key": "ck_x", "consumer_secret": "cs_y", "password": "z"}}
    assert "credentials.password" in _errors(api_client.post("/api/v1/stores/", extra))
    assert "credentials.consumer_key" in _errors(api_client.post("/api/v1/stores/", {
        "platform": "woocommerce", "url": "https://shop.example.com", "credentials": {"consumer_key": 5}}))
    assert not Store.objects.filter(organization=organization).exists()


@pytest.mark.parametrize("path", ["/api/v1/stores/not-a-uuid/", "/api/v1/runs/123/errors/", "/api/v1/nothing/",
                                  "/api/v2/stores/"])
def test_a_path_the_api_does_not_have_answers_a_json_404(api_client, path):
    response = api_client.get(path)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "Not found."}


def test_an_api_path_without_its_final_slash_is_redirected_with_its_method(api_client):
    response = api_client.post("/api/v1/stores?x=1", {})
    assert response.status_code == 308 and response["Location"] == "/api/v1/stores/?x=1"


def test_a_form_body_is_415_not_guessed(api_client, migrated):
    response = api_client.post(_runs(migrated), "kind=demo", content_type="application/x-www-form-urlencoded")
    assert response.status_code == 415 and response["Content-Type"] == "application/json"


def test_server_errors_under_the_api_are_json():
    request = RequestFactory().get("/api/v1/stores/")
    response = error_views.server_error(request)
    assert response.status_code == 500 and response["Content-Type"] == "application/json"
    assert error_views.server_error(RequestFactory().get("/migrations/"))["Content-Type"].startswith("text/html")


def test_a_long_wizard_key_posted_twice_lands_on_one_draft(organization, user):
    """Saved truncated and looked up whole, a key over 64 characters raised DoesNotExist after the
    IntegrityError of the second post."""
    key = "k" * 100
    first = _draft_get_or_create(organization=organization, user=user, wizard_key=key)
    second = _draft_get_or_create(organization=organization, user=user, wizard_key=key)
    assert first.pk == second.pk
    assert StoreMigration.objects.filter(organization=organization).count() == 1
