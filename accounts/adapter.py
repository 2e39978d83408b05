from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings

from .services import organization_create_personal
from .session import pending_invitation_accept


class AccountAdapter(DefaultAccountAdapter):
    def save_user(self, request, user, form, commit=True):
        user = super().save_user(request, user, form, commit=commit)
        if commit:
            organization_create_personal(user=user)
        return user

    def post_login(self, request, user, **kwargs):
        response = super().post_login(request, user, **kwargs)
        pending_invitation_accept(request, user=user)
        return response

    def send_mail(self, template_prefix, email, context):
        # Our email templates link to the site by MIGRATOR_SITE_URL, like the other emails of the product.
        super().send_mail(template_prefix, email, {"site_url": settings.MIGRATOR_SITE_URL, **context})
