"""Test settings: real PostgreSQL and Redis (CI sets DATABASE_URL and CELERY_BROKER_URL)."""
from .base import *  # noqa: F403
from .base import env

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
if not env.str("EMAIL_URL", default=""):
    # Unit tests read mail.outbox; worker processes of end-to-end tests get EMAIL_URL=smtp://<sink>.
    EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
ACCOUNT_EMAIL_VERIFICATION = "optional"
SANDBOX_ENABLED = True
MIGRATOR_ALLOW_PRIVATE_URLS = True
MIGRATOR_HTTP_BACKOFF_CAP = env.float("MIGRATOR_HTTP_BACKOFF_CAP", default=0.5)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
