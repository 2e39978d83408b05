"""Developer machine / embedded mode: one command runs web, worker, beat and sandbox stores."""
from .base import *  # noqa: F403
from .base import INSTALLED_APPS, STATIC_ROOT, env

INSTALLED_APPS = [*INSTALLED_APPS, "sandbox"]

DEBUG = env.bool("DJANGO_DEBUG", default=True)
ACCOUNT_EMAIL_VERIFICATION = env.str("MIGRATOR_EMAIL_VERIFICATION", default="optional")
SANDBOX_ENABLED = env.bool("SANDBOX_ENABLED", default=True)
MIGRATOR_ALLOW_PRIVATE_URLS = env.bool("MIGRATOR_ALLOW_PRIVATE_URLS", default=True)

# WhiteNoise serves STATIC_ROOT and warns when it is missing; a working copy is writable (production collects it).
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
