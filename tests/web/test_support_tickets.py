"""Support tickets, the owner's side: open one from a migration or run page, see the thread, reply; every
page scoped to the organization (another organization's ticket, migration or run is a 404)."""
import pytest
from django.core import mail

from support.models import Ticket, TicketMessage
from tests.factories import MigrationFactory, RunFactory, UserFactory, organization_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner():
    return UserFactory(email="owner@shop.example.com")


@pytest.fixture
def run(org, owner):
    return RunFactory(migration=MigrationFactory(organization=org, created_by=owner), requested_by=owner)


def test_run_and_migration_pages_link_to_a_ticket_about_them(client_in, run):
    run_html = client_in.get(f"/runs/{run.pk}/").content.decode()
    migration_html = client_in.get(f"/migrations/{run.migration_id}/").content.decode()

    assert f"/support/new/?migration={run.migration_id}&amp;run={run.pk}" in run_html
    assert f"/support/new/?migration={run.migration_id}\"" in migration_html
    assert 'href="/help/"' in run_html and 'href="/help/"' in migration_html


def test_opening_a_ticket_from_the_run_page_carries_migration_and_run(client_in, run, owner, org):
    form = client_in.get(f"/support/new/?migration={run.migration_id}&run={run.pk}")
    assert str(run.pk)[:8] in form.content.decode()  # the subject is prefilled with what it is about

    response = client_in.post("/support/new/", {"migration": str(run.migration_id), "run": str(run.pk),
                                                "subject": "Orders are missing", "body": "Only 3 of 60 arrived."})

    ticket = Ticket.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/support/{ticket.pk}/"
    assert (ticket.organization, ticket.migration_id, ticket.run_id, ticket.created_by) == (
        org, run.migration_id, run.pk, owner)
    assert ticket.status == Ticket.Status.OPEN
    assert list(ticket.messages.values_list("body", "from_staff")) == [("Only 3 of 60 arrived.", False)]
    page = client_in.get(f"/support/{ticket.pk}/").content.decode()
    assert "Only 3 of 60 arrived." in page and f"/runs/{run.pk}/" in page
    assert "Orders are missing" in client_in.get("/support/").content.decode()


def test_a_ticket_needs_a_subject_and_a_message(client_in, run):
    response = client_in.post("/support/new/", {"migration": str(run.migration_id), "subject": " ", "body": ""})

    assert response.status_code == 200 and not Ticket.objects.exists()
    assert response.content.decode().count('class="errorlist"') >= 2


def test_owner_reply_reopens_the_ticket_for_support(client_in, run, org, owner):
    ticket = Ticket.objects.create(organization=org, migration=run.migration, subject="Q", created_by=owner,
                                   status=Ticket.Status.CLOSED)

    client_in.post(f"/support/{ticket.pk}/", {"body": "Still broken."})

    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.OPEN
    assert ticket.messages.get().body == "Still broken."


def test_managers_are_told_of_a_new_ticket(client_in, run, settings):
    settings.MANAGERS = [("Support", "support@cartmigrate.example")]

    client_in.post("/support/new/", {"migration": str(run.migration_id), "subject": "Help", "body": "Stuck."})

    ticket = Ticket.objects.get()
    assert [m.to for m in mail.outbox] == [["support@cartmigrate.example"]]
    assert "Stuck." in mail.outbox[0].body and f"/admin/support/ticket/{ticket.pk}/change/" in mail.outbox[0].body


def test_another_organizations_ticket_migration_and_run_are_404(client_in, run):
    stranger = UserFactory()
    their_run = RunFactory(migration=MigrationFactory(organization=organization_of(stranger)))
    their_ticket = Ticket.objects.create(organization=organization_of(stranger), migration=their_run.migration,
                                         subject="Theirs", created_by=stranger)
    TicketMessage.objects.create(ticket=their_ticket, organization=their_ticket.organization, body="secret words")

    assert client_in.get(f"/support/{their_ticket.pk}/").status_code == 404
    assert client_in.post(f"/support/{their_ticket.pk}/", {"body": "hi"}).status_code == 404
    assert client_in.get(f"/support/new/?migration={their_run.migration_id}").status_code == 404
    assert client_in.get(f"/support/new/?run={their_run.pk}").status_code == 404
    assert client_in.post("/support/new/", {"run": str(their_run.pk), "subject": "x", "body": "y"}).status_code == 404
    # a run of one of my migrations given with another of my migrations is not a match either
    assert client_in.get(f"/support/new/?migration={MigrationFactory(organization=run.organization).pk}"
                         f"&run={run.pk}").status_code == 404
    assert client_in.get("/support/new/?run=not-a-uuid").status_code == 404
    assert "Theirs" not in client_in.get("/support/").content.decode()
    assert TicketMessage.objects.filter(body="hi").count() == 0


def test_support_pages_need_a_login(client, db):
    assert client.get("/support/")["Location"].startswith("/accounts/login/")
