"""The confirmation step before a run that costs money or deletes data: the recap shows the price of the plan
the run is charged with, the stores, the entities and what will be cleared; nothing starts without it."""
import re
from datetime import timedelta

import pytest
from django.utils import timezone

from migrations_app.enums import EntityStatus, MigrationState, RunStatus
from migrations_app.models import EntityProgress, MigrationRun
from migrations_app.services.confirm import run_recap
from tests.factories import MigrationFactory, RunFactory, StoreFactory, organization_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def migrated(owner):
    target = StoreFactory(organization=organization_of(owner), url="https://new-shop.example.com")
    migration = MigrationFactory(organization=organization_of(owner), target_store=target,
                                 entities=["products", "orders"], state=MigrationState.FULL_COMPLETED,
                                 full_completed_at=timezone.now() - timedelta(days=1))
    full = RunFactory(migration=migration, kind="full", status=RunStatus.COMPLETED)
    for entity, n in (("products", 40), ("orders", 60)):
        EntityProgress.objects.filter(run=full, entity=entity).update(total=n, done=n, status=EntityStatus.DONE)
    return migration


def _price(html: str) -> int:
    return int(re.search(r'data-amount-cents="(\d+)"', html).group(1))


def test_full_migration_starts_only_after_its_recap_and_is_charged_the_price_shown(client_in, owner):
    migration = MigrationFactory(organization=organization_of(owner), entities=["categories", "products"])
    expected = run_recap(migration=migration, kind="full").quote.amount_cents
    assert expected > 0

    shown = client_in.get(f"/migrations/{migration.pk}/confirm/?kind=full")
    html = shown.content.decode()
    assert shown.status_code == 200 and _price(html) == expected
    assert migration.target_store.url in html and migration.source_store.url in html
    assert "Categories: 5" in html and "Products: 40" in html  # the source's counts the quote priced
    # The old one-click form (and any stale page) lands on the recap instead of starting.
    direct = client_in.post(f"/migrations/{migration.pk}/start/", {"kind": "full"})
    assert direct.status_code == 200 and 'data-test="confirm-form"' in direct.content.decode()
    assert not MigrationRun.objects.exists()

    stale = client_in.post(f"/migrations/{migration.pk}/start/", {
        "kind": "full", "confirmed": "1", "confirm_amount_cents": str(expected + 100)})
    assert stale.status_code == 400 and "confirm again" in stale.content.decode()
    assert not MigrationRun.objects.exists()

    started = client_in.post(f"/migrations/{migration.pk}/start/", {
        "kind": "full", "confirmed": "1", "confirm_amount_cents": str(expected), "request_key": "k-full"})
    run = MigrationRun.objects.get()
    assert started.status_code == 302 and started["Location"] == f"/runs/{run.pk}/"
    assert run.kind == "full" and run.charge_cents == expected


def test_migration_and_demo_pages_lead_to_the_recap(client_in, owner):
    migration = MigrationFactory(organization=organization_of(owner))
    demo = RunFactory(migration=migration, kind="demo", status=RunStatus.COMPLETED)
    confirm_url = f"/migrations/{migration.pk}/confirm/?kind=full"
    assert f'href="{confirm_url}" data-test="start-full"' in client_in.get(
        f"/migrations/{migration.pk}/").content.decode()
    assert f'href="{confirm_url}" data-test="go-full"' in client_in.get(f"/runs/{demo.pk}/").content.decode()


def test_remigration_clearing_everything_needs_the_target_host(client_in, migrated):
    form = {"kind": "remigration", "remig-entities": ["products", "orders"], "remig-opt_clear_target": "on",
            "remig-opt_clear_scope": "all"}
    recap = client_in.post(f"/migrations/{migrated.pk}/again/", form)
    html = recap.content.decode()
    assert recap.status_code == 200 and 'data-scope="all"' in html and 'data-test="confirm-host"' in html
    assert "new-shop.example.com" in html
    assert not migrated.runs.exclude(kind="full").exists()
    # The recap re-sends the form's own fields with the confirmation.
    assert 'name="remig-opt_clear_scope" value="all"' in html

    confirmed = {**form, "confirmed": "1", "confirm_amount_cents": str(_price(html))}
    refused = client_in.post(f"/migrations/{migrated.pk}/again/", {**confirmed, "confirm_target_host": "nope"})
    assert refused.status_code == 400 and not migrated.runs.exclude(kind="full").exists()
    started = client_in.post(f"/migrations/{migrated.pk}/again/", {**confirmed,
                                                                   "confirm_target_host": "New-Shop.example.com"})
    assert started.status_code == 302
    run = migrated.runs.get(kind="remigration")
    assert run.params["options"]["clear_scope"] == "all"


def test_free_remigration_without_clear_starts_at_once(client_in, migrated):
    response = client_in.post(f"/migrations/{migrated.pk}/again/", {"kind": "remigration",
                                                                    "remig-entities": ["products"]})
    assert response.status_code == 302 and migrated.runs.filter(kind="remigration").exists()


def test_clear_is_not_offered_once_the_store_is_live(client_in, migrated):
    assert 'name="remig-opt_clear_target"' in client_in.get(f"/migrations/{migrated.pk}/").content.decode()
    migrated.state = MigrationState.LIVE
    migrated.save()
    live_page = client_in.get(f"/migrations/{migrated.pk}/").content.decode()
    assert 'name="remig-opt_clear_target"' not in live_page and 'data-test="no-clear-live"' in live_page
    # A forged clear is ignored by the form; the re-migration rewrites in place.
    client_in.post(f"/migrations/{migrated.pk}/again/", {"kind": "remigration", "remig-entities": ["products"],
                                                         "remig-opt_clear_target": "on"})
    assert migrated.runs.get(kind="remigration").params["options"]["clear_target"] is False


def test_recap_of_another_organizations_migration_is_404(client_in):
    other = MigrationFactory()
    assert client_in.get(f"/migrations/{other.pk}/confirm/?kind=full").status_code == 404
