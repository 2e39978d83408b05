"""Support finds a customer's migration or run from the admin lists: organization and owner email shown,
search by email, migration id (full or the 8 characters the owner's pages show) and store URL."""
import pytest
from django.urls import reverse

from migrations_app.models import MigrationRun, StoreMigration
from tests.factories import MigrationFactory, RunFactory, StoreFactory, UserFactory, organization_of


@pytest.fixture
def customer(db):
    owner = UserFactory(email="jane@shoes.example.com")
    org = organization_of(owner)
    org.name = "Jane's Shoes"
    org.save()
    source = StoreFactory(organization=org, url="https://old-shoes.example.com")
    migration = MigrationFactory(organization=org, source_store=source, created_by=owner)
    run = RunFactory(migration=migration, requested_by=None)  # started by a schedule: nobody requested it
    other = RunFactory(migration=MigrationFactory(created_by=UserFactory(email="bob@hats.example.com")))
    return {"migration": migration, "run": run, "other": other}


LISTS = {"migration": StoreMigration, "run": MigrationRun}


@pytest.mark.parametrize("kind", LISTS)
def test_lists_show_organization_and_owner_email(admin_client, customer, kind):
    html = admin_client.get(reverse(f"admin:migrations_app_{LISTS[kind]._meta.model_name}_changelist")
                            ).content.decode()

    assert "Jane&#x27;s Shoes" in html and "jane@shoes.example.com" in html and "bob@hats.example.com" in html


def test_owner_email_falls_back_to_the_organization_owner(admin_client, customer):
    migration = customer["migration"]
    StoreMigration.objects.filter(pk=migration.pk).update(created_by=None)

    html = admin_client.get(reverse("admin:migrations_app_storemigration_changelist")).content.decode()

    assert "jane@shoes.example.com" in html


@pytest.mark.parametrize("kind", LISTS)
@pytest.mark.parametrize("term", ["jane@shoes.example.com", "old-shoes.example.com", "SHORT", "FULL"])
def test_lists_search_by_email_id_and_store_url(admin_client, customer, kind, term):
    migration, run, other = customer["migration"], customer["run"], customer["other"]
    term = {"SHORT": str(migration.pk)[:8].upper(), "FULL": str(migration.pk)}.get(term, term)
    mine, theirs = (migration, other.migration) if kind == "migration" else (run, other)

    html = admin_client.get(reverse(f"admin:migrations_app_{LISTS[kind]._meta.model_name}_changelist"),
                            {"q": term}).content.decode()

    assert str(mine.pk) in html and str(theirs.pk) not in html


def test_run_list_finds_a_run_by_its_short_id(admin_client, customer):
    run, other = customer["run"], customer["other"]

    html = admin_client.get(reverse("admin:migrations_app_migrationrun_changelist"),
                            {"q": str(run.pk)[:8]}).content.decode()

    assert str(run.pk) in html and str(other.pk) not in html
