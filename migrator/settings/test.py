"""Test settings: real PostgreSQL and Redis (CI sets DATABASE_URL and CELERY_BROKER_URL).

Under pytest-xdist each test process (gw0, gw1, ...) gets its own test database (pytest-django adds the
suffix) and its own Redis databases for the broker and the rate limiter, two below the previous process's, so
the Celery workers one test process starts never take another's tasks. Worker processes are started without
PYTEST_XDIST_WORKER and with the URLs already moved (tests/fixtures/worker.py)."""
import os
import re

from .base import *  # noqa: F403
from .base import CELERY_BROKER_URL, INSTALLED_APPS, MIGRATOR_REDIS_URL, STATIC_ROOT, env


def _moved(url: str, process: int) -> str:
    match = re.fullmatch(r"(redis://[^/]*)/(\d+)", url)
    if not match or not process:
        return url
    return f"{match.group(1)}/{(int(match.group(2)) - 2 * process) % 16}"


# The shared cache (allauth's rate-limit counters) is Redis, in the rate limiter's database unless CACHE_URL says
# otherwise: the servers and workers a test starts count with it.
CACHE_URL = env.str("CACHE_URL", default="") or MIGRATOR_REDIS_URL
_PROCESS = os.environ.get("PYTEST_XDIST_WORKER", "")
if re.fullmatch(r"gw\d+", _PROCESS):
    CELERY_BROKER_URL = _moved(CELERY_BROKER_URL, int(_PROCESS[2:]))
    MIGRATOR_REDIS_URL = _moved(MIGRATOR_REDIS_URL, int(_PROCESS[2:]))
    CACHE_URL = _moved(CACHE_URL, int(_PROCESS[2:]))
    # Celery reads the broker from the environment before its configuration: the test process publishes
    # where its workers consume.
    os.environ["CELERY_BROKER_URL"], os.environ["MIGRATOR_REDIS_URL"] = CELERY_BROKER_URL, MIGRATOR_REDIS_URL
    os.environ["CACHE_URL"] = CACHE_URL
CACHES = {"default": {**env.cache_url_config(CACHE_URL), "KEY_PREFIX": "cache"}}

INSTALLED_APPS = [*INSTALLED_APPS, "sandbox"]

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
if not env.str("EMAIL_URL", default=""):
    # Unit tests read mail.outbox; worker processes of end-to-end tests get EMAIL_URL=smtp://<sink>.
    EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
ACCOUNT_EMAIL_VERIFICATION = "optional"
SANDBOX_ENABLED = True
# The Shopify schema guard (tests/fixtures/shopify_schema_guard.py): the sandbox records the GraphQL documents
# our connectors send (their User-Agent) under this directory, which the test session creates and exports.
SANDBOX_RECORD_GRAPHQL_DIR = env.str("SANDBOX_RECORD_GRAPHQL_DIR", default="")
SANDBOX_RECORD_GRAPHQL_USER_AGENT = "Cartmigrate/"
MIGRATOR_ALLOW_PRIVATE_URLS = True
MIGRATOR_HTTP_BACKOFF_CAP = env.float("MIGRATOR_HTTP_BACKOFF_CAP", default=0.5)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# WhiteNoise serves STATIC_ROOT and warns when it is missing; a working copy is writable (production collects it).
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
