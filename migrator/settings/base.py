"""Settings shared by every environment. Everything comes from the environment with safe dev defaults;
the other modules only override. Every variable is listed in .env.example."""
import base64
import hashlib
from pathlib import Path

import environ
from csp.constants import NONCE

BASE_DIR = Path(__file__).resolve().parent.parent.parent
env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

# The app directory may be read-only (the Docker image runs as nobody). Cartmigrate writes only under
# MIGRATOR_VAR_DIR (the embedded mode's SQLite file and filesystem broker) and DJANGO_STATIC_ROOT (collectstatic);
# settings create a directory under MIGRATOR_VAR_DIR only when the configuration puts something there.
VAR_DIR = Path(env.str("MIGRATOR_VAR_DIR", default=str(BASE_DIR / "var")))

DEBUG = env.bool("DJANGO_DEBUG", default=False)
SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="dev-only-insecure-secret-key-change-me")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sites",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI served from our static files, not a CDN
    "csp",
    "django_htmx",
    "django_celery_beat",
    "allauth",
    "allauth.account",
    "accounts",
    "migrations_app",
    "support",  # help center and support tickets
]
# The sandbox stores (emulators of the platforms' APIs) are installed only by the local and test settings.

# The platforms Cartmigrate connects to: their connector classes, by dotted path (connectors/registry.py).
CARTMIGRATE_CONNECTORS = env.list("CARTMIGRATE_CONNECTORS", default=[
    "connectors.woocommerce.WooCommerceConnector",
    "connectors.shopify.ShopifyConnector",
    "connectors.vendure.VendureConnector",
    "connectors.magento2.Magento2Connector",
    "connectors.bigcommerce.BigCommerceConnector",
])

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "accounts.middleware.OrganizationMiddleware",
    "accounts.middleware.TimezoneMiddleware",
]

ROOT_URLCONF = "migrator.urls"
WSGI_APPLICATION = "migrator.wsgi.application"
# Error reports hide credentials with DEBUG on too (migrator/debug.py).
DEFAULT_EXCEPTION_REPORTER_FILTER = "migrator.debug.SecretSafeExceptionReporterFilter"
SITE_ID = 1

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "csp.context_processors.nonce",
            ],
        },
    }
]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # Web, worker and beat share one file in embedded mode: wait for locks instead of failing.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 30, "init_command": "PRAGMA journal_mode=WAL;", "transaction_mode": "IMMEDIATE"}
    )
    if VAR_DIR in Path(DATABASES["default"]["NAME"]).parents:
        VAR_DIR.mkdir(parents=True, exist_ok=True)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
# collectstatic's output, served by WhiteNoise; the image collects it at build time into its read-only /app.
STATIC_ROOT = Path(env.str("DJANGO_STATIC_ROOT", default="") or VAR_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]

# --- allauth -----------------------------------------------------------------------------------
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = env.str("MIGRATOR_EMAIL_VERIFICATION", default="mandatory")
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True  # the owner who just confirmed lands on My Migrations
ACCOUNT_ADAPTER = "accounts.adapter.AccountAdapter"
ACCOUNT_EMAIL_SUBJECT_PREFIX = "Cartmigrate: "
LOGIN_REDIRECT_URL = "/migrations/"

# --- email -------------------------------------------------------------------------------------
vars().update(env.email_url("EMAIL_URL", default="consolemail://"))
# Individual EMAIL_* variables override the URL's parts (for platforms that hand out host/user/password).
if env.str("EMAIL_HOST", default=""):
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = env.str("EMAIL_HOST")
    EMAIL_PORT = env.int("EMAIL_PORT", default=587)
    EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
    EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
    EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=True)
DEFAULT_FROM_EMAIL = env.str("DJANGO_DEFAULT_FROM_EMAIL", default="Cartmigrate <noreply@cartmigrate.local>")
# Support staff told by email of new support tickets and owners' replies (Django's mail_managers); none by default.
MANAGERS = [("Support", address) for address in env.list("MIGRATOR_SUPPORT_EMAILS", default=[])]

# --- REST API ----------------------------------------------------------------------------------
CSRF_FAILURE_VIEW = "migrator.error_views.csrf_failure"
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],  # a JSON API: other bodies answer 415
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "migrations_app.api.pagination.StrictLimitOffsetPagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "migrations_app.api.errors.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Cartmigrate API",
    "DESCRIPTION": "Move a store between e-commerce platforms. Authenticate with `Authorization: Token <key>`.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
}

# --- Content-Security-Policy (django-csp 4) ----------------------------------------------------
# Scripts and styles come from our own static files only; the few inline <style>/<script> elements carry the
# request's nonce (`CSP_NONCE` in templates). No inline event handlers, no style attributes, no eval: htmx is
# configured by a meta tag (base.html) not to inject its indicator styles nor to evaluate code.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        # 'report-sample': a violation event (the browser tests' check) shows the start of what was blocked.
        "script-src": ["'self'", NONCE, "'report-sample'"],
        "style-src": ["'self'", NONCE, "'report-sample'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}

# --- Celery ------------------------------------------------------------------------------------
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="filesystem://")
CELERY_BROKER_TRANSPORT_OPTIONS = {}
if CELERY_BROKER_URL.startswith("filesystem://"):
    _broker_dir = VAR_DIR / "broker"
    for sub in ("out", "processed", "control"):
        (_broker_dir / sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "control_folder": str(_broker_dir / "control"),  # kombu's default is ./control in the working directory
        "data_folder_in": str(_broker_dir / "out"),
        "data_folder_out": str(_broker_dir / "out"),
        "processed_folder": str(_broker_dir / "processed"),
        "store_processed": False,
    }
else:
    # Tasks are bounded batches (MIGRATOR_BATCH_SECONDS), far below this; a lost message comes back
    # after it, and the reaper resumes stale runs sooner anyway.
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=600)}
CELERY_TASK_IGNORE_RESULT = True
CELERY_RESULT_BACKEND = None
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=300)
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=360)
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Fair sharing (README, "Fair sharing"): interactive runs (demo, smart update) have their own queue; a worker
# started without -Q consumes both, bin/worker adds one that consumes only the interactive queue.
CELERY_TASK_DEFAULT_QUEUE = "celery"
MIGRATOR_INTERACTIVE_QUEUE = "interactive"
CELERY_TASK_QUEUES = {CELERY_TASK_DEFAULT_QUEUE: {}, MIGRATOR_INTERACTIVE_QUEUE: {}}

# --- Cartmigrate -------------------------------------------------------------------------------
def _derived_fernet_key(secret: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(("fernet:" + secret).encode()).digest()).decode()


# Comma-separated Fernet keys; the first encrypts, all decrypt (rotation).
MIGRATOR_ENCRYPTION_KEYS = env.list("MIGRATOR_ENCRYPTION_KEY", default=[_derived_fernet_key(SECRET_KEY)])
MIGRATOR_SITE_URL = env.str("MIGRATOR_SITE_URL", default="http://127.0.0.1:8000").rstrip("/")
MIGRATOR_DEMO_LIMIT = env.int("MIGRATOR_DEMO_LIMIT", default=10)
MIGRATOR_BATCH_SECONDS = env.float("MIGRATOR_BATCH_SECONDS", default=20.0)
MIGRATOR_BATCH_PAGES = env.int("MIGRATOR_BATCH_PAGES", default=20)
# At most this many entity steps of one organization's long runs (not demos or smart updates) work at once;
# a step over the cap waits MIGRATOR_ORG_DEFER_SECONDS and asks again. 0 = no cap.
MIGRATOR_ORG_MAX_STEPS = env.int("MIGRATOR_ORG_MAX_STEPS", default=2)
MIGRATOR_ORG_DEFER_SECONDS = env.float("MIGRATOR_ORG_DEFER_SECONDS", default=2.0)
# Long runs step aside between two pages while an interactive run younger than the window works, at most
# MIGRATOR_YIELD_SECONDS per page (services/priority.py). 0 = never.
MIGRATOR_YIELD_SECONDS = env.float("MIGRATOR_YIELD_SECONDS", default=10.0)
MIGRATOR_YIELD_WINDOW_SECONDS = env.float("MIGRATOR_YIELD_WINDOW_SECONDS", default=120.0)
# Recovery (docs/runs.md, "Recovery"): a step's lease on its entity lasts MIGRATOR_LEASE_SECONDS past the
# holder's last heartbeat, renewed every MIGRATOR_LEASE_RENEW_SECONDS by a thread of the worker process while
# the step works; the reaper (every MIGRATOR_REAPER_INTERVAL_SECONDS) queues the entity again once it lapsed
# (the worker died): lease + interval bound the recovery. A run no task worked for during
# MIGRATOR_HEARTBEAT_STALE_SECONDS (work lost between steps) is resumed.
MIGRATOR_LEASE_SECONDS = env.int("MIGRATOR_LEASE_SECONDS", default=30)
MIGRATOR_LEASE_RENEW_SECONDS = env.float("MIGRATOR_LEASE_RENEW_SECONDS", default=5.0)
MIGRATOR_HEARTBEAT_STALE_SECONDS = env.int("MIGRATOR_HEARTBEAT_STALE_SECONDS", default=180)
MIGRATOR_REAPER_INTERVAL_SECONDS = env.int("MIGRATOR_REAPER_INTERVAL_SECONDS", default=10)
MIGRATOR_VERIFY_SAMPLE = env.int("MIGRATOR_VERIFY_SAMPLE", default=10)
MIGRATOR_HTTP_TIMEOUT = env.float("MIGRATOR_HTTP_TIMEOUT", default=30.0)
MIGRATOR_HTTP_MAX_RETRIES = env.int("MIGRATOR_HTTP_MAX_RETRIES", default=5)
MIGRATOR_HTTP_BACKOFF_CAP = env.float("MIGRATOR_HTTP_BACKOFF_CAP", default=30.0)
# Redis for the shared per-store rate limiter; empty = in-process buckets (single machine only).
MIGRATOR_REDIS_URL = env.str(
    "MIGRATOR_REDIS_URL",
    default=CELERY_BROKER_URL if CELERY_BROKER_URL.startswith("redis") else "",
)

# The cache is shared by every process (web workers, Celery workers): allauth keeps its login and email rate-limit
# counters there, so a per-process cache would multiply every limit by the number of processes. CACHE_URL
# (redis://…/N, dbcache://table); by default Redis at MIGRATOR_REDIS_URL, else the database table created by
# `manage.py createcachetable` (the embedded mode: no servers). Never a per-process memory cache.
CACHES = {
    "default": env.cache_url_config(
        env.str("CACHE_URL", default="")  # empty (as in .env.example) = the default below
        or (MIGRATOR_REDIS_URL if MIGRATOR_REDIS_URL.startswith("redis") else "dbcache://cartmigrate_cache")
    )
}
CACHES["default"].setdefault("KEY_PREFIX", "cache")
# SSRF guard: store URLs on private/loopback addresses are refused unless allowed (the sandbox needs it).
MIGRATOR_ALLOW_PRIVATE_URLS = env.bool("MIGRATOR_ALLOW_PRIVATE_URLS", default=False)
# Price per migrated entity, in cents, by tiers of the migration's entity total: "upto:cents,...".
MIGRATOR_PRICE_TIERS = env.str("MIGRATOR_PRICE_TIERS", default="1000:5,10000:3,100000:2,0:1")
MIGRATOR_MIN_PRICE_CENTS = env.int("MIGRATOR_MIN_PRICE_CENTS", default=2900)
MIGRATOR_CURRENCY = env.str("MIGRATOR_CURRENCY", default="USD")
# After a full migration: free re-migrations for this many days while their entity total stays within
# MIGRATOR_REMIGRATION_CAP (1.10 = 110 %) of the full run's; "recent data" runs are free within the same
# window while under MIGRATOR_RECENT_CAP (0.10 = 10 %) of it. Beyond a cap the excess is quoted.
MIGRATOR_REMIGRATION_FREE_DAYS = env.int("MIGRATOR_REMIGRATION_FREE_DAYS", default=90)
MIGRATOR_REMIGRATION_CAP = env.float("MIGRATOR_REMIGRATION_CAP", default=1.10)
MIGRATOR_RECENT_CAP = env.float("MIGRATOR_RECENT_CAP", default=0.10)
# Smart update: re-read what changed since the last high-water mark minus this overlap (clock skew and
# writes in flight on the source when the mark was taken).
MIGRATOR_SMART_UPDATE_OVERLAP_SECONDS = env.int("MIGRATOR_SMART_UPDATE_OVERLAP_SECONDS", default=300)
# The shortest "every N minutes" schedule an owner may choose.
MIGRATOR_SMART_UPDATE_MIN_INTERVAL_SECONDS = env.int("MIGRATOR_SMART_UPDATE_MIN_INTERVAL_SECONDS", default=300)

SANDBOX_ENABLED = env.bool("SANDBOX_ENABLED", default=False)
# Where the sandbox app is installed: platform -> the package emulating its API, under /sandbox/<platform>/.
SANDBOX_PLATFORMS = {"woocommerce": "sandbox.woocommerce", "shopify": "sandbox.shopify",
                     "bigcommerce": "sandbox.bigcommerce", "magento2": "sandbox.magento2"}
# `make run`'s demo stores (bootstrap_demo): a seeded source and two empty targets.
SANDBOX_DEMO_STORES = [
    {"role": "source", "platform": "woocommerce", "name": "demo-source", "languages": ["en", "fr"], "seed": True},
    {"role": "target", "platform": "woocommerce", "name": "demo-target", "languages": ["en", "fr"]},
    {"role": "Shopify target", "platform": "shopify", "name": "demo-shopify", "languages": ["en", "fr"]},
]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # run_context: " [organization=… migration=… run=…]" inside a task (migrations_app.logcontext).
    "filters": {"run_context": {"()": "migrations_app.logcontext.RunContextFilter"}},
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s%(run_context)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["run_context"]}},
    "root": {"handlers": ["console"], "level": env.str("DJANGO_LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

CELERY_BEAT_SCHEDULE = {
    # A pass that waited in the queue longer than the interval is dropped (the next one comes anyway);
    # `expire_seconds` is django-celery-beat's name for the `expires` of the message.
    "reap-stale-runs": {"task": "migrations.runs_reap", "schedule": float(MIGRATOR_REAPER_INTERVAL_SECONDS),
                        "options": {"expire_seconds": MIGRATOR_REAPER_INTERVAL_SECONDS}},
}
