"""What error reports (Django's DEBUG 500 page and the emails to ADMINS) may show.

Django's `SafeExceptionReporterFilter` hides `sensitive_variables` / `sensitive_post_parameters` only when DEBUG
is off ("with DEBUG on your site is not safe anyway"). Store credentials are other people's secrets: they stay
hidden with DEBUG on too, and POST fields whose names look like credentials are hidden even where no view marked
them."""
import re

from django.views.debug import SafeExceptionReporterFilter

SENSITIVE_NAMES = re.compile("API|AUTH|TOKEN|KEY|SECRET|PASS|SIGNATURE|HTTP_COOKIE|CRED", flags=re.I)


class SecretSafeExceptionReporterFilter(SafeExceptionReporterFilter):
    hidden_settings = SENSITIVE_NAMES

    def is_active(self, request):
        return True

    def get_post_parameters(self, request):
        parameters = super().get_post_parameters(request)
        if request is None or not any(SENSITIVE_NAMES.search(name) for name in parameters):
            return parameters
        parameters = parameters.copy()
        for name in parameters:
            if SENSITIVE_NAMES.search(name):
                parameters[name] = self.cleansed_substitute
        return parameters
