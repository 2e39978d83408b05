from django.contrib import admin

from .models import ApiToken, Invitation, Membership, Organization
from .services import api_token_revoke


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ["name", "id", "created_at"]
    search_fields = ["name", "id", "memberships__user__email"]
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "organization", "role", "created_at"]
    list_filter = ["role"]
    search_fields = ["user__email", "organization__name"]
    autocomplete_fields = ["user", "organization"]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Tokens are created on the account page (the key is shown once there); here they are only looked at and
    revoked. Neither the key nor its hash is displayed."""

    list_display = ["name", "prefix", "user", "organization", "created_at", "last_used_at", "revoked_at"]
    list_filter = [("revoked_at", admin.EmptyFieldListFilter)]
    search_fields = ["name", "prefix", "user__email", "organization__name"]
    fields = ["name", "prefix", "user", "organization", "created_at", "last_used_at", "revoked_at"]
    readonly_fields = fields
    actions = ["revoke"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.action(description="Revoke the selected tokens", permissions=["view"])
    def revoke(self, request, queryset):
        for token in queryset.select_related("organization", "user"):
            api_token_revoke(organization=token.organization, user=token.user, token_id=token.pk)
        self.message_user(request, f"{queryset.count()} token(s) revoked.")


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    """Invitations are sent and revoked by owners on the account page; read-only here."""

    list_display = ["email", "organization", "invited_by", "sent_at", "status", "accepted_by"]
    search_fields = ["email", "organization__name", "invited_by__email"]
    fields = ["email", "organization", "invited_by", "created_at", "sent_at", "accepted_at", "accepted_by",
              "revoked_at"]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
