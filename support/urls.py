from django.urls import path

from .views import helpcenter, tickets

urlpatterns = [
    path("help/", helpcenter.help_index, name="help-index"),
    path("help/platforms/<slug:platform>/", helpcenter.help_platform_page, name="help-platform"),
    path("help/rules/", helpcenter.help_rules_page, name="help-rules"),
    path("help/faq/", helpcenter.help_faq, name="help-faq"),
    path("help/checklist/", helpcenter.help_checklist, name="help-checklist"),
    path("support/", tickets.support_ticket_list, name="support-list"),
    path("support/new/", tickets.support_ticket_new, name="support-new"),
    path("support/<uuid:ticket_id>/", tickets.support_ticket_detail, name="support-ticket"),
]
