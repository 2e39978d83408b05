from django.urls import path

from . import views

urlpatterns = [
    path("", views.account_home, name="account-home"),
    path("profile/", views.profile_update, name="account-profile"),
    path("organization/", views.organization_update, name="account-organization"),
    path("organization/switch/", views.organization_switch, name="account-organization-switch"),
    path("members/<int:membership_id>/remove/", views.member_remove, name="account-member-remove"),
    path("invitations/", views.invitation_create, name="account-invite"),
    path("invitations/<int:invitation_id>/revoke/", views.invitation_revoke, name="account-invitation-revoke"),
    path("invitations/<str:token>/", views.invitation_accept, name="account-invitation"),
    path("tokens/", views.api_token_create, name="account-token-create"),
    path("tokens/<int:token_id>/revoke/", views.api_token_revoke, name="account-token-revoke"),
]
