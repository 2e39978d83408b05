"""Support staff answer tickets in the Django admin: the list (status, organization, owner email, migration),
search, and the reply that emails the owner and changes the status."""
import pytest
from django.core import mail
from django.urls import reverse

from support.models import Ticket, TicketMessage
from tests.factories import MigrationFactory, RunFactory, UserFactory, organization_of


@pytest.fixture
def ticket(db):
    owner = UserFactory(email="owner@shop.example.com")
    org = organization_of(owner)
    org.name = "Acme Shoes"
    org.save()
    run = RunFactory(migration=MigrationFactory(organization=org, created_by=owner))
    ticket = Ticket.objects.create(organization=org, migration=run.migration, run=run, subject="Orders missing",
                                   created_by=owner)
    TicketMessage.objects.create(ticket=ticket, organization=org, author=owner, body="Only 3 of 60 orders.")
    return ticket


def _change_url(ticket) -> str:
    return reverse("admin:support_ticket_change", args=[ticket.pk])


def test_ticket_list_shows_status_organization_owner_and_migration(admin_client, ticket):
    html = admin_client.get(reverse("admin:support_ticket_changelist")).content.decode()

    assert "Orders missing" in html and "Acme Shoes" in html and "owner@shop.example.com" in html
    assert "Waiting for support" in html
    assert reverse("admin:migrations_app_storemigration_change", args=[ticket.migration_id]) in html


@pytest.mark.parametrize("term", ["owner@shop.example.com", "MIGRATION", "RUN", "Acme"])
def test_ticket_search_by_email_migration_run_and_organization(admin_client, ticket, term):
    other = Ticket.objects.create(organization=organization_of(UserFactory()), subject="Unrelated question")
    term = {"MIGRATION": str(ticket.migration_id), "RUN": str(ticket.run_id).upper()}.get(term, term)

    html = admin_client.get(reverse("admin:support_ticket_changelist"), {"q": term}).content.decode()

    assert "Orders missing" in html and other.subject not in html


def test_staff_reply_is_stored_emailed_and_answers_the_ticket(admin_client, ticket, admin_user):
    page = admin_client.get(_change_url(ticket)).content.decode()
    assert "Only 3 of 60 orders." in page

    response = admin_client.post(_change_url(ticket), {"status": "open", "reply": "Re-run orders: fixed now."})

    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.ANSWERED
    reply = ticket.messages.get(from_staff=True)
    assert (reply.body, reply.author, reply.emailed_at is not None) == ("Re-run orders: fixed now.", admin_user, True)
    [email] = mail.outbox
    assert email.to == ["owner@shop.example.com"]
    assert "Orders missing" in email.subject
    assert "Re-run orders: fixed now." in email.body and f"/support/{ticket.pk}/" in email.body
    html = email.alternatives[0][0]
    assert "Re-run orders: fixed now." in html and f"/support/{ticket.pk}/" in html


def test_staff_can_reply_and_close_or_just_close(admin_client, ticket):
    admin_client.post(_change_url(ticket), {"status": "closed", "reply": "Done, closing."})
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.CLOSED and "settled" in mail.outbox[0].body

    admin_client.post(_change_url(ticket), {"status": "open", "reply": ""})
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.OPEN and len(mail.outbox) == 1
    assert ticket.messages.filter(from_staff=True).count() == 1


def test_the_owner_sees_the_staff_reply_in_the_app(client, ticket, admin_client):
    admin_client.post(_change_url(ticket), {"status": "open", "reply": "Try again please."})
    client.force_login(ticket.created_by)

    html = client.get(f"/support/{ticket.pk}/").content.decode()

    assert "Try again please." in html and "Cartmigrate support" in html and "Answered" in html
