"""Confirming a run that costs money or deletes data over the API: POST .../runs/quote/ says what a run would
do and cost (the plan the run is charged with), and POST .../runs/ starts such a run only with `confirm`
echoing the quoted price (and the target's host to clear every record of a type)."""
from datetime import timedelta

import pytest
from django.utils import timezone

from migrations_app.enums import EntityStatus, MigrationState, RunStatus
from migrations_app.models import EntityProgress, MigrationRun
from tests.factories import MigrationFactory, RunFactory, StoreFactory

pytestmark = pytest.mark.django_db


def _runs(migration) -> str:
    return f"/api/v1/migrations/{migration.pk}/runs/"


def _quote(api_client, migration, body) -> dict:
    response = api_client.post(_runs(migration) + "quote/", body, format="json")
    assert response.status_code == 200, response.content
    return response.json()


@pytest.fixture
def migrated(organization):
    """Full migration completed yesterday (40 products, 60 orders); the target lives at New-Shop.example.com."""
    target = StoreFactory(organization=organization, url="https://New-Shop.example.com/")
    migration = MigrationFactory(organization=organization, target_store=target, entities=["products", "orders"],
                                 state=MigrationState.FULL_COMPLETED,
                                 full_completed_at=timezone.now() - timedelta(days=1))
    full = RunFactory(migration=migration, kind="full", status=RunStatus.COMPLETED)
    for entity, n in (("products", 40), ("orders", 60)):
        EntityProgress.objects.filter(run=full, entity=entity).update(total=n, done=n, status=EntityStatus.DONE)
    return migration


def test_full_run_starts_only_with_the_quoted_price_which_it_is_charged(api_client, organization):
    migration = MigrationFactory(organization=organization, entities=["categories", "products"])
    recap = _quote(api_client, migration, {"kind": "full"})
    amount = recap["quote"]["amount_cents"]
    assert amount > 0 and recap["confirmation_required"] and not recap["target_host_required"]
    assert recap["target_url"] == migration.target_store.url
    assert [e["entity"] for e in recap["entities"]] == ["categories", "products"]
    assert not MigrationRun.objects.exists()  # a quote starts nothing

    missing = api_client.post(_runs(migration), {"kind": "full"}, format="json")
    wrong = api_client.post(_runs(migration), {"kind": "full", "confirm": {"amount_cents": amount - 1}},
                            format="json")
    assert missing.status_code == wrong.status_code == 400
    assert "confirm.amount_cents" in missing.json()["errors"] and str(amount) in wrong.json()["errors"][
        "confirm.amount_cents"][0]
    assert not MigrationRun.objects.exists()

    started = api_client.post(_runs(migration), {"kind": "full", "confirm": {"amount_cents": amount}}, format="json")
    assert started.status_code == 201, started.content
    run = MigrationRun.objects.get()
    assert run.charge_cents == run.quote["amount_cents"] == amount and run.quote == recap["quote"]


def test_free_run_without_clear_needs_no_confirmation(api_client, organization):
    migration = MigrationFactory(organization=organization)
    assert not _quote(api_client, migration, {"kind": "demo"})["confirmation_required"]
    assert api_client.post(_runs(migration), {"kind": "demo"}, format="json").status_code == 201


def test_clearing_everything_needs_the_target_host_typed(api_client, migrated):
    params = {"options": {"clear_target": True, "clear_scope": "all"}}
    recap = _quote(api_client, migrated, {"kind": "remigration", "params": params})
    assert recap["clear_scope"] == "all" and recap["target_host_required"]
    assert recap["target_host"] == "new-shop.example.com"
    amount = recap["quote"]["amount_cents"]
    assert amount == 0  # in the free window, within 110 %: free, and still confirmed because it deletes

    no_host = api_client.post(_runs(migrated), {"kind": "remigration", "params": params,
                                                "confirm": {"amount_cents": amount, "target_host": "old-shop.com"}},
                              format="json")
    assert no_host.status_code == 400 and "new-shop.example.com" in no_host.json()["errors"]["confirm.target_host"][0]
    typed = api_client.post(_runs(migrated), {"kind": "remigration", "params": params, "confirm": {
        "amount_cents": amount, "target_host": " https://NEW-SHOP.example.com/ "}}, format="json")
    assert typed.status_code == 201, typed.content
    assert MigrationRun.objects.get(pk=typed.json()["id"]).params["options"]["clear_scope"] == "all"


def test_clearing_what_the_migration_created_needs_the_price_echoed(api_client, migrated):
    params = {"options": {"clear_target": True, "clear_scope": "created"}}
    recap = _quote(api_client, migrated, {"kind": "remigration", "params": params})
    assert recap["clear_scope"] == "created" and recap["confirmation_required"] and not recap["target_host_required"]
    assert api_client.post(_runs(migrated), {"kind": "remigration", "params": params},
                           format="json").status_code == 400
    assert api_client.post(_runs(migrated), {"kind": "remigration", "params": params, "confirm": {
        "amount_cents": 0}}, format="json").status_code == 201


def test_no_clear_once_the_store_is_live(api_client, migrated):
    migrated.state = MigrationState.LIVE
    migrated.save()
    params = {"options": {"clear_target": True, "clear_scope": "created"}}
    for url in (_runs(migrated) + "quote/", _runs(migrated)):
        response = api_client.post(url, {"kind": "remigration", "params": params, **(
            {"confirm": {"amount_cents": 0}} if not url.endswith("quote/") else {})}, format="json")
        assert response.status_code == 400
        assert "live" in response.json()["errors"]["options"][0]
    # Without clearing, a re-migration of a live store is still possible (records rewritten in place).
    assert api_client.post(_runs(migrated), {"kind": "remigration"}, format="json").status_code == 201


def test_quote_of_another_organizations_migration_is_404(api_client, other_organization):
    other = MigrationFactory(organization=other_organization)
    assert api_client.post(_runs(other) + "quote/", {"kind": "full"}, format="json").status_code == 404
