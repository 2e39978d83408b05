from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts and organizations"

    def ready(self):
        # drf-spectacular finds authentication extensions by their subclass being defined.
        from . import schema  # noqa: F401
