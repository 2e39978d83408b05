"""BigCommerce store hooks used by `sandbox.services`: credentials, the store's first state, the quota plan.

A BigCommerce sandbox store keeps its store-level API account access token (`X-Auth-Token`) in
`SandboxStore.consumer_key` (unique, so a token names one store), a read-only token (every scope
"read-only") in `read_only_consumer_key`, and its store hash (the `/stores/{store_hash}/` path segment)
in `settings["store_hash"]`. `settings["rate_limit"]` holds the quota: requests per window and the
window length (https://developer.bigcommerce.com/docs/start/best-practices/api-rate-limits).
"""
import secrets
import string

from ..models import SandboxRecord, SandboxSequence, SandboxStore
from ..records import ids_allocate, now_utc

DEFAULT_LANGUAGES = ("en",)
# Plus & Standard: 20k per hour = 150 per 30 s; Pro: 450 per 30 s (api-rate-limits.mdx).
PLANS = {"standard": 150, "plus": 150, "pro": 450}
DEFAULT_RATE_LIMIT = {"quota": 150, "window_ms": 30000}
_ALNUM = string.ascii_lowercase + string.digits


def _token(length: int) -> str:
    return "".join(secrets.choice(_ALNUM) for _ in range(length))


def credentials_new() -> dict:
    """Access tokens and client ids are 31 lowercase alphanumerics on BigCommerce; the secret column
    holds the API account's client id (not needed for requests: `X-Auth-Client` is no longer required)."""
    return {"consumer_key": _token(31), "consumer_secret": _token(31),
            "read_only_consumer_key": _token(31), "read_only_consumer_secret": _token(31)}


def credentials_describe(store: SandboxStore) -> dict:
    store_hash = store.settings.get("store_hash", "")
    return {
        "credentials": {"store_hash": store_hash, "access_token": store.consumer_key,
                        "client_id": store.consumer_secret},
        "read_only_credentials": {"store_hash": store_hash, "access_token": store.read_only_consumer_key,
                                  "client_id": store.read_only_consumer_secret},
    }


def rate_limit_settings(store: SandboxStore) -> dict:
    return {**DEFAULT_RATE_LIMIT, **(store.settings.get("rate_limit") or {})}


def rate_limit_set(store: SandboxStore, *, quota: int | None = None, window_ms: int | None = None,
                   plan: str | None = None) -> SandboxStore:
    """Set the store's quota (requests per window, window length in ms, or a plan's quota by name);
    None leaves a value as it is. The current window is dropped, so the next request starts a full one."""
    current = dict(store.settings.get("rate_limit") or {})
    if plan is not None:
        if plan not in PLANS:
            raise ValueError(f"plan must be one of {', '.join(PLANS)}")
        current["quota"] = PLANS[plan]
    for name, value in (("quota", quota), ("window_ms", window_ms)):
        if value is not None:
            if int(value) <= 0:
                raise ValueError(f"{name} must be > 0")
            current[name] = int(value)
    store.settings = {**store.settings, "rate_limit": current}
    if plan is not None:
        store.settings["plan"] = plan.title()
    store.throttle_available = None
    store.throttle_updated = None
    store.save(update_fields=["settings", "throttle_available", "throttle_updated"])
    return store


def store_init(store: SandboxStore) -> None:
    """A new store: its hash, the store profile `/v2/store` answers, and the default storefront channel
    (channel 1) with its site, as every BigCommerce store has."""
    settings = store.settings
    settings.setdefault("store_hash", _token(10))
    settings.setdefault("store_id", str(1000000000 + secrets.randbelow(9000000)))
    settings.setdefault("email", f"owner@{store.name}.example.com")
    store.save(update_fields=["settings"])
    # Order numbers start at 100 on a new BigCommerce store.
    SandboxSequence.objects.bulk_create([SandboxSequence(store=store, name="orders", last_id=99)],
                                        ignore_conflicts=True)
    now = now_utc()
    if not SandboxRecord.objects.filter(store=store, resource="channels").exists():
        channel_id = ids_allocate(store, "channels")[0]
        SandboxRecord.objects.create(
            store=store, resource="channels", record_id=channel_id, lookup=settings["title"],
            data={"name": settings["title"], "type": "storefront", "platform": "bigcommerce", "status": "active",
                  "is_listable_from_ui": True, "is_visible": True, "icon_url": ""},
            date_created_gmt=now, date_modified_gmt=now,
        )
        SandboxRecord.objects.create(
            store=store, resource="sites", record_id=ids_allocate(store, "sites")[0], parent_id=channel_id,
            data={"url": f"https://{store.name}.example.com", "channel_id": channel_id},
            date_created_gmt=now, date_modified_gmt=now,
        )
