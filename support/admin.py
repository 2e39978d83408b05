"""Support staff answer tickets here: the list shows status, organization, owner email and the migration;
the change page shows the thread and a reply box. Saving a reply calls services.ticket_reply_staff, which
stores it, sets the status (answered, or closed when staff chose "closed") and emails the owner."""
from django import forms
from django.contrib import admin, messages
from django.template.defaultfilters import linebreaksbr
from django.urls import reverse
from django.utils.html import format_html, format_html_join

from migrations_app.admin import UUIDSearchMixin

from .models import Ticket
from .selectors import ticket_messages
from .services import BODY_MAX, ticket_reply_staff, ticket_set_status


class TicketAdminForm(forms.ModelForm):
    reply = forms.CharField(
        required=False, max_length=BODY_MAX, widget=forms.Textarea(attrs={"rows": 8, "cols": 90}),
        help_text="Sent to the owner by email and shown in the app. Saving a reply sets the status to "
                  "Answered, or keeps Closed if you chose it.",
    )

    class Meta:
        model = Ticket
        fields = ["status"]


@admin.register(Ticket)
class TicketAdmin(UUIDSearchMixin, admin.ModelAdmin):
    form = TicketAdminForm
    list_display = ["subject", "status", "organization", "owner_email", "migration_link", "updated_at"]
    list_filter = ["status"]
    search_fields = ["subject", "created_by__email", "organization__name", "organization__memberships__user__email",
                     "migration__source_store__url", "migration__target_store__url"]
    uuid_search_fields = ("id", "migration__id", "run__id")
    list_select_related = ["organization", "created_by", "migration"]
    readonly_fields = ["subject", "organization", "owner_email", "migration_link", "run_link", "created_at",
                       "updated_at", "thread"]
    fields = ["subject", "organization", "owner_email", "migration_link", "run_link", "created_at", "updated_at",
              "thread", "status", "reply"]

    def has_add_permission(self, request) -> bool:
        return False  # owners open tickets from their migration and run pages

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description="Owner email", ordering="created_by__email")
    def owner_email(self, ticket: Ticket) -> str:
        return ticket.created_by.email if ticket.created_by else "—"

    @admin.display(description="Migration")
    def migration_link(self, ticket: Ticket) -> str:
        if not ticket.migration_id:
            return "—"
        url = reverse("admin:migrations_app_storemigration_change", args=[ticket.migration_id])
        return format_html('<a href="{}">{}</a>', url, str(ticket.migration_id)[:8])

    @admin.display(description="Run")
    def run_link(self, ticket: Ticket) -> str:
        if not ticket.run_id:
            return "—"
        url = reverse("admin:migrations_app_migrationrun_change", args=[ticket.run_id])
        return format_html('<a href="{}">{}</a>', url, ticket.run_id)

    @admin.display(description="Thread")
    def thread(self, ticket: Ticket) -> str:
        rows = ((
            "support" if m.from_staff else "owner",
            m.author.email if m.author else "—",
            f"{m.created_at:%Y-%m-%d %H:%M}",
            "" if not m.from_staff else (" · emailed" if m.emailed_at else " · NOT emailed"),
            linebreaksbr(m.body),  # escapes the text, keeps its lines (no inline style under the CSP)
        ) for m in ticket_messages(ticket=ticket))
        return format_html_join(
            "", '<div class="ticket-message"><p><strong>{}</strong> {} · {}{}</p><p>{}</p></div>', rows) or "—"

    def save_model(self, request, obj, form, change):
        """Through the services only: a reply (with the chosen status) or a status change."""
        reply, status = form.cleaned_data.get("reply", "").strip(), form.cleaned_data["status"]
        if reply:
            message = ticket_reply_staff(ticket=obj, user=request.user, body=reply,
                                         close=status == Ticket.Status.CLOSED)
            if message.emailed_at:
                self.message_user(request, f"Reply emailed to {self.owner_email(obj)}.", messages.SUCCESS)
            else:
                self.message_user(request, "Reply saved, but the email could not be sent; the owner sees it in "
                                           "the app.", messages.WARNING)
        elif "status" in form.changed_data:
            ticket_set_status(ticket=obj, status=status)
