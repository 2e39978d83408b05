from allauth.account.adapter import DefaultAccountAdapter

from .services import organization_create_personal


class AccountAdapter(DefaultAccountAdapter):
    def save_user(self, request, user, form, commit=True):
        user = super().save_user(request, user, form, commit=commit)
        if commit:
            organization_create_personal(user=user)
        return user
