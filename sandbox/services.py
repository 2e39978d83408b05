"""Sandbox store services: create, describe, fault knobs, seeding (dispatched per platform)."""
import importlib

from django.conf import settings as django_settings
from django.db import IntegrityError, models, transaction
from django.utils.text import slugify

from .faults import fault_reset
from .models import SandboxStore


def sandbox_platforms() -> dict[str, str]:
    """Platform key -> the package emulating it (settings.SANDBOX_PLATFORMS)."""
    return dict(django_settings.SANDBOX_PLATFORMS)


class SandboxError(Exception):
    """A sandbox operation that cannot be done as asked; the message says why."""


def store_hooks(platform: str):
    """The platform's `<package>.store` module: `credentials_new()`, `credentials_describe(store)`,
    `store_init(store)` and `DEFAULT_LANGUAGES` (see sandbox/<platform>/store.py)."""
    package = sandbox_platforms().get(platform)
    if package is None:
        raise SandboxError(f"Unknown sandbox platform {platform!r}; known: {', '.join(sandbox_platforms())}.")
    return importlib.import_module(f"{package}.store")


def sandbox_store_create(
    *, platform: str, name: str, languages=("en",), currency: str = "USD", title: str | None = None
) -> SandboxStore:
    """Create the store `name` of `platform`, or return it if it already exists (idempotent by name;
    languages and currency of an existing store are left as they are). The first language is the
    default one. The platform's hooks give it its credentials and first state (store_hooks)."""
    hooks = store_hooks(platform)
    slug = slugify(name)
    if not slug or slug != name:
        raise SandboxError(f"Store name {name!r} must be a slug (letters, digits, - and _).")
    languages = [lang.strip() for lang in languages if lang.strip()] or ["en"]
    existing = SandboxStore.objects.filter(platform=platform, name=name).first()
    if existing:
        return existing
    columns = hooks.credentials_new()
    settings = {
        "title": title or name.replace("-", " ").title(), "currency": currency,
        "default_language": languages[0], "languages": languages,
    }
    try:
        with transaction.atomic():
            store = SandboxStore.objects.create(platform=platform, name=name, settings=settings, **columns)
            hooks.store_init(store)
    except IntegrityError:  # created concurrently by another process
        return SandboxStore.objects.get(platform=platform, name=name)
    return store


def sandbox_store_languages_set(store: SandboxStore, languages) -> SandboxStore:
    """Make `languages` the store's languages (the first is the default)."""
    languages = [lang for lang in languages if lang] or ["en"]
    store.settings = {**store.settings, "languages": list(languages), "default_language": languages[0]}
    store.save(update_fields=["settings"])
    return store


def sandbox_store_describe(store: SandboxStore, site_url: str) -> dict:
    """What a connector (or a person) needs to use the store: base URL and credentials (read/write and
    read-only, in the platform's own shape: its store hooks' `credentials_describe`)."""
    credentials = store_hooks(store.platform).credentials_describe(store)
    return {
        "platform": store.platform,
        "store": store.name,
        "base_url": f"{site_url.rstrip('/')}/sandbox/{store.platform}/{store.name}",
        **credentials,
        "languages": store.languages,
        "currency": store.settings.get("currency", "USD"),
    }


def sandbox_store_set_access_token(store: SandboxStore, access_token: str, *, read_only: bool = False) -> SandboxStore:
    """Give the store's API the token `access_token` (Shopify: the Admin API access token; `read_only`
    sets the read-scopes-only token instead). Tokens are unique across sandbox stores."""
    token = str(access_token or "").strip()
    if not token or len(token) > 64:
        raise ValueError("access_token must be 1-64 characters")
    column = "read_only_consumer_key" if read_only else "consumer_key"
    taken = SandboxStore.objects.exclude(pk=store.pk).filter(
        models.Q(consumer_key=token) | models.Q(read_only_consumer_key=token)
    ).exists()
    other = store.consumer_key if read_only else store.read_only_consumer_key
    if taken or token == other:
        raise ValueError("access_token is already used by a sandbox store")
    setattr(store, column, token)
    store.save(update_fields=[column])
    return store


def sandbox_store_set_throttle(store: SandboxStore, *, restore_rate=None, bucket_size=None) -> SandboxStore:
    """Set the cost-based throttle of a store (Shopify: points restored per second and bucket size,
    default the Standard plan's 100/s and 2000); None leaves a value as it is. The bucket is refilled."""
    throttle = dict(store.settings.get("throttle") or {})
    for name, value in (("restore_rate", restore_rate), ("bucket_size", bucket_size)):
        if value is not None:
            if float(value) <= 0:
                raise ValueError(f"{name} must be > 0")
            throttle[name] = float(value)
    store.settings = {**store.settings, "throttle": throttle}
    store.throttle_available = None
    store.throttle_updated = None
    store.save(update_fields=["settings", "throttle_available", "throttle_updated"])
    return store


def sandbox_store_set_rate_limit(store: SandboxStore, *, quota=None, window_ms=None, plan=None) -> SandboxStore:
    """Set a request-quota store's quota (requests per window, window length in ms, or a plan's quota by
    name) through its platform's `rate_limit_set` store hook; None leaves a value as it is."""
    hooks = store_hooks(store.platform)
    if not hasattr(hooks, "rate_limit_set"):
        raise SandboxError(f"Sandbox platform {store.platform!r} has no request quota.")
    return hooks.rate_limit_set(store, quota=quota, window_ms=window_ms, plan=plan)


def sandbox_store_set_faults(
    store: SandboxStore, *, latency_ms=None, error_rate=None, rate_429=None, seed=...
) -> SandboxStore:
    """Set the fault knobs; None leaves a knob as it is. `seed` (int, or None to clear) makes the fault
    sequence deterministic and restarts it. Rates are fractions in [0, 1] and add up to at most 1."""
    if latency_ms is not None:
        if int(latency_ms) < 0:
            raise ValueError("latency_ms must be >= 0")
        store.latency_ms = int(latency_ms)
    for name, value in (("error_rate", error_rate), ("rate_429", rate_429)):
        if value is not None:
            if not 0 <= float(value) <= 1:
                raise ValueError(f"{name} must be between 0 and 1")
            setattr(store, name, float(value))
    if store.error_rate + store.rate_429 > 1:
        raise ValueError("error_rate + rate_429 must be at most 1")
    if seed is not ...:
        store.fault_seed = None if seed is None else int(seed)
    store.save(update_fields=["latency_ms", "error_rate", "rate_429", "fault_seed"])
    fault_reset(store)
    return store


def sandbox_seed(store: SandboxStore, **options) -> dict:
    """Fill `store` with generated data through its platform's `sandbox.<platform>.seed.seed` function."""
    try:
        module = importlib.import_module(f"sandbox.{store.platform}.seed")
    except ModuleNotFoundError:
        raise SandboxError(f"No seed generator for platform {store.platform!r}.") from None
    return module.seed(store, **options)
