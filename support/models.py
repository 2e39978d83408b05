"""Support tickets: an owner's question about a migration (and one of its runs), answered by staff in the
Django admin. Tenant-owned like every domain row: reads go through selectors.py with `organization=`."""
import uuid

from django.conf import settings
from django.db import models

from accounts.models import Organization
from migrations_app.models import MigrationRun, StoreMigration


class Ticket(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", "Waiting for support"
        ANSWERED = "answered", "Answered"
        CLOSED = "closed", "Closed"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    migration = models.ForeignKey(StoreMigration, null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="support_tickets")
    run = models.ForeignKey(MigrationRun, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    subject = models.CharField(max_length=200)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN, db_index=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-updated_at"]
        indexes = [models.Index(fields=["organization", "-updated_at"], name="ticket_org_idx")]

    def __str__(self) -> str:
        return self.subject


class TicketMessage(models.Model):
    """One message of a ticket's thread, by the owner's side (`from_staff` false) or by support."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="messages")
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    from_staff = models.BooleanField(default=False)
    body = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)
    # When the staff reply's email to the owner was sent (None: not a staff reply, or sending failed).
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{'Support' if self.from_staff else 'Owner'}: {self.body[:60]}"
