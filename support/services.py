"""Writes on support tickets: the owner opens one (about a migration and, optionally, one of its runs) and
replies; support replies from the Django admin, which emails the owner. Status follows the thread: an owner's
message makes it "waiting for support", a staff reply "answered" (or "closed" when staff close it)."""
import logging

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, mail_managers
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from accounts.models import Membership, Organization
from migrations_app.errors import ApplicationError, ValidationFailed
from migrations_app.models import MigrationRun, StoreMigration

from .models import Ticket, TicketMessage

logger = logging.getLogger(__name__)

SUBJECT_MAX = 200
BODY_MAX = 10_000


def ticket_url(ticket: Ticket) -> str:
    return f"{settings.MIGRATOR_SITE_URL}/support/{ticket.pk}/"


def _clean_body(body: str, *, field: str = "body") -> str:
    body = (body or "").strip()
    if not body:
        raise ApplicationError("Write a message.", field=field)
    if len(body) > BODY_MAX:
        raise ApplicationError(f"Keep the message under {BODY_MAX} characters.", field=field)
    return body


def ticket_open(*, organization: Organization, user, subject: str, body: str,
                migration: StoreMigration | None = None, run: MigrationRun | None = None) -> Ticket:
    """Open a ticket with its first message. `migration` and `run` must belong to `organization` (the views
    resolve them through the tenant's selectors); a run implies its migration. Raises ValidationFailed."""
    errors: dict[str, list[str]] = {}
    subject = " ".join((subject or "").split())
    if not subject:
        errors["subject"] = ["Say in a few words what it is about."]
    elif len(subject) > SUBJECT_MAX:
        errors["subject"] = [f"Keep the subject under {SUBJECT_MAX} characters."]
    try:
        body = _clean_body(body)
    except ApplicationError as exc:
        errors["body"] = [exc.message]
    if errors:
        raise ValidationFailed(errors)
    for obj in (migration, run):
        if obj is not None and obj.organization_id != organization.pk:
            raise ApplicationError("No such migration or run.")  # a caller bug: selectors scope these
    if run is not None:
        if migration is not None and run.migration_id != migration.pk:
            raise ApplicationError("That run belongs to another migration.")
        migration = run.migration
    with transaction.atomic():
        ticket = Ticket.objects.create(organization=organization, migration=migration, run=run, subject=subject,
                                       created_by=user)
        TicketMessage.objects.create(ticket=ticket, organization=organization, author=user, body=body)
    _tell_staff(ticket=ticket, body=body, what="New ticket")
    return ticket


def ticket_reply_owner(*, ticket: Ticket, user, body: str) -> TicketMessage:
    """The owner's side adds a message; the ticket waits for support again (a closed one reopens)."""
    body = _clean_body(body)
    with transaction.atomic():
        message = TicketMessage.objects.create(ticket=ticket, organization_id=ticket.organization_id, author=user,
                                               body=body)
        Ticket.objects.filter(pk=ticket.pk).update(status=Ticket.Status.OPEN, updated_at=timezone.now())
    ticket.refresh_from_db(fields=["status", "updated_at"])
    _tell_staff(ticket=ticket, body=body, what="Reply on ticket")
    return message


def ticket_reply_staff(*, ticket: Ticket, user, body: str, close: bool = False) -> TicketMessage:
    """Support answers: the message is stored, the ticket becomes "answered" (or "closed"), and the owner gets
    the reply by email. The reply stays stored when the email cannot be sent (`emailed_at` stays empty and
    the owner still sees it in the app)."""
    body = _clean_body(body, field="reply")
    status = Ticket.Status.CLOSED if close else Ticket.Status.ANSWERED
    with transaction.atomic():
        message = TicketMessage.objects.create(ticket=ticket, organization_id=ticket.organization_id, author=user,
                                               body=body, from_staff=True)
        Ticket.objects.filter(pk=ticket.pk).update(status=status, updated_at=timezone.now())
    ticket.refresh_from_db(fields=["status", "updated_at"])
    if ticket_reply_email(ticket=ticket, message=message):
        TicketMessage.objects.filter(pk=message.pk).update(emailed_at=timezone.now())
        message.refresh_from_db(fields=["emailed_at"])
    return message


def ticket_set_status(*, ticket: Ticket, status: str) -> Ticket:
    """Support closes or reopens a ticket without writing."""
    if status not in Ticket.Status.values:
        raise ApplicationError(f"Unknown status {status!r}.", field="status")
    Ticket.objects.filter(pk=ticket.pk).update(status=status, updated_at=timezone.now())
    ticket.refresh_from_db(fields=["status", "updated_at"])
    return ticket


def _recipients(ticket: Ticket) -> list[str]:
    if ticket.created_by is not None and ticket.created_by.email:
        return [ticket.created_by.email]
    owner = (Membership.objects.filter(organization_id=ticket.organization_id, role=Membership.Role.OWNER)
             .select_related("user").order_by("created_at").first())
    return [owner.user.email] if owner and owner.user.email else []


def ticket_reply_email(*, ticket: Ticket, message: TicketMessage) -> bool:
    """Email a staff reply to whoever opened the ticket (else the organization's owner). Returns whether it
    was sent."""
    recipients = _recipients(ticket)
    if not recipients:
        logger.warning("support ticket %s answered but nobody to email", ticket.pk)
        return False
    context = {"ticket": ticket, "message": message, "url": ticket_url(ticket), "site_url": settings.MIGRATOR_SITE_URL,
               "closed": ticket.status == Ticket.Status.CLOSED}
    subject = f"Re: {ticket.subject} (support ticket {str(ticket.pk)[:8]})"
    email = EmailMultiAlternatives(subject, render_to_string("emails/support_reply.txt", context),
                                   settings.DEFAULT_FROM_EMAIL, recipients)
    email.attach_alternative(render_to_string("emails/support_reply.html", context), "text/html")
    try:
        email.send()
    except OSError:  # SMTP down: the reply is stored and shown in the app; the admin shows "not emailed"
        logger.exception("support reply email for ticket %s not sent", ticket.pk)
        return False
    return True


def _tell_staff(*, ticket: Ticket, body: str, what: str) -> None:
    """Tell the MANAGERS setting's addresses (if any) that a ticket needs an answer."""
    admin_url = f"{settings.MIGRATOR_SITE_URL}/admin/support/ticket/{ticket.pk}/change/"
    try:
        mail_managers(f"{what}: {ticket.subject}", f"{body}\n\nAnswer in the admin: {admin_url}", fail_silently=False)
    except OSError:
        logger.exception("could not tell support about ticket %s", ticket.pk)
