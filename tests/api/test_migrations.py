import pytest

from migrations_app.models import StoreMigration
from tests.factories import MigrationFactory, RunFactory, StoreFactory

URL = "/api/v1/migrations/"


@pytest.fixture
def stores(organization):
    return StoreFactory(organization=organization), StoreFactory(organization=organization)


def _create(client, source, target, **overrides):
    payload = {
        "source_store": str(source.pk),
        "target_store": str(target.pk),
        "entities": ["categories", "products", "customers", "orders"],
        **overrides,
    }
    return client.post(URL, payload, format="json")


def test_migration_create_returns_quote_and_store_summaries(api_client, organization, user, stores):
    source, target = stores

    response = _create(api_client, source, target, options={"migrate_images": False})

    assert response.status_code == 201, response.content
    body = response.json()
    migration = StoreMigration.objects.get(pk=body["id"])
    assert migration.organization == organization
    assert migration.created_by == user
    assert body["entities"] == ["categories", "products", "customers", "orders"]
    assert body["options"]["migrate_images"] is False
    assert body["state"] == "ready"
    assert body["quote"]["entity_counts"] == {"categories": 5, "products": 40, "customers": 25, "orders": 60}
    assert body["quote"]["amount_cents"] > 0
    assert body["source_store"] == {
        "id": str(source.pk), "platform": "woocommerce", "url": source.url, "name": source.name, "last_check_ok": True,
    }
    assert body["target_store"]["id"] == str(target.pk)
    assert body["last_run"] is None
    assert body["full_completed_at"] is None


def test_migration_create_unknown_entity_is_field_error(api_client, stores):
    response = _create(api_client, *stores, entities=["products", "spaceships"])

    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["entities"]
    assert "spaceships" in response.json()["errors"]["entities"][0]


def test_migration_create_orders_need_products_and_customers(api_client, stores):
    response = _create(api_client, *stores, entities=["orders"])

    assert response.status_code == 400
    message = " ".join(response.json()["errors"]["entities"])
    assert "products" in message
    assert "customers" in message


def test_migration_create_unknown_option_is_field_error(api_client, stores):
    response = _create(api_client, *stores, options={"teleport": True})

    assert response.status_code == 400
    assert "teleport" in response.json()["errors"]["options"][0]


def test_migration_create_store_of_other_organization_is_not_found(api_client, stores, other_organization):
    foreign = StoreFactory(organization=other_organization, url="https://secret-rival.example.com")

    response = _create(api_client, stores[0], foreign)

    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["target_store"]
    assert b"secret-rival" not in response.content
    assert not StoreMigration.objects.exists()


def test_migration_create_same_store_twice_is_field_error(api_client, stores):
    response = _create(api_client, stores[0], stores[0])

    assert response.status_code == 400
    assert "target_store" in response.json()["errors"]


def test_migration_create_missing_fields_are_field_errors(api_client):
    response = api_client.post(URL, {}, format="json")

    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"source_store", "target_store", "entities"}


def test_migration_list_is_scoped_and_shows_last_run(api_client, organization, other_organization):
    migration = MigrationFactory(organization=organization)
    RunFactory(migration=migration, status="completed")
    newest = RunFactory(migration=migration, kind="demo")
    MigrationFactory(organization=other_organization)

    response = api_client.get(URL)

    assert response.status_code == 200
    body = response.json()
    assert [m["id"] for m in body["results"]] == [str(migration.pk)]
    assert body["results"][0]["last_run"]["id"] == str(newest.pk)
    assert body["results"][0]["last_run"]["kind"] == "demo"


def test_migration_retrieve(api_client, organization):
    migration = MigrationFactory(organization=organization)

    response = api_client.get(f"{URL}{migration.pk}/")

    assert response.status_code == 200
    assert response.json()["quote"] == migration.quote


@pytest.mark.parametrize(
    ("method", "suffix", "data"),
    [("get", "", None), ("get", "runs/", None), ("post", "runs/", {"kind": "demo"})],
    ids=["retrieve", "runs-list", "run-start"],
)
def test_migration_of_other_organization_is_404(other_org_client, organization, method, suffix, data):
    migration = MigrationFactory(organization=organization)

    response = getattr(other_org_client, method)(f"{URL}{migration.pk}/{suffix}", data, format="json")

    assert response.status_code == 404
    assert not migration.runs.exists()


def test_wizard_draft_is_listed_and_cannot_start(api_client, organization):
    draft = MigrationFactory(organization=organization, state="draft", target_store=None, entities=[])
    listed = api_client.get("/api/v1/migrations/").json()
    row = next(m for m in listed["results"] if m["id"] == str(draft.pk))
    assert row["state"] == "draft" and row["target_store"] is None
    response = api_client.post(f"/api/v1/migrations/{draft.pk}/runs/", {"kind": "demo"}, format="json")
    assert response.status_code in (400, 409)
    assert "Finish setting up" in response.json()["detail"]
    assert not draft.runs.exists()
