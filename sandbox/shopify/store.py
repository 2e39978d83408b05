"""Shopify store hooks used by `sandbox.services`: credentials, the store's first state, throttle knobs.

A Shopify sandbox store keeps its Admin API access token in `SandboxStore.consumer_key` (the column is
unique, so a token names one store) and a read-only token (read_* scopes only) in
`read_only_consumer_key`; `settings["throttle"]` holds the leaky bucket's restore rate and size.
"""
import secrets

from ..models import SandboxRecord, SandboxSequence, SandboxStore
from ..records import ids_allocate, now_utc
from .common import ID_BASE

# Standard plan: 100 points/s, bucket 2000 (https://shopify.dev/docs/apps/build/apis/graphql-admin/rate-limits).
DEFAULT_THROTTLE = {"restore_rate": 100.0, "bucket_size": 2000.0}
# A sandbox shop publishes a second locale (with translations) unless told otherwise.
DEFAULT_LANGUAGES = ("en", "fr")
SEQUENCE = "shopify"


def credentials_new() -> dict:
    """Fresh credentials for the generic store columns: Admin API tokens look like `shpat_` + 32 hex."""
    return {
        "consumer_key": f"shpat_{secrets.token_hex(16)}", "consumer_secret": f"shpss_{secrets.token_hex(16)}",
        "read_only_consumer_key": f"shpat_{secrets.token_hex(16)}",
        "read_only_consumer_secret": f"shpss_{secrets.token_hex(16)}",
    }


def credentials_describe(store: SandboxStore) -> dict:
    return {
        "credentials": {"access_token": store.consumer_key},
        "read_only_credentials": {"access_token": store.read_only_consumer_key},
    }


def throttle_settings(store: SandboxStore) -> dict:
    return {**DEFAULT_THROTTLE, **(store.settings.get("throttle") or {})}


def store_init(store: SandboxStore) -> None:
    """A new shop: ids start at 13 digits and the shop has its primary location ("Shop location")."""
    SandboxSequence.objects.bulk_create(
        [SandboxSequence(store=store, name=SEQUENCE, last_id=ID_BASE)], ignore_conflicts=True
    )
    now = now_utc()
    settings = store.settings
    settings.setdefault("shop_id", ids_allocate(store, SEQUENCE)[0])
    settings.setdefault("email", f"owner@{store.name}.example.com")
    store.save(update_fields=["settings"])
    if not SandboxRecord.objects.filter(store=store, resource="locations").exists():
        SandboxRecord.objects.create(
            store=store, resource="locations", record_id=ids_allocate(store, SEQUENCE)[0], lookup="Shop location",
            data={"name": "Shop location", "isActive": True, "isPrimary": True, "fulfillsOnlineOrders": True,
                  "address": {"address1": "150 Elgin St", "city": "Ottawa", "province": "Ontario",
                              "provinceCode": "ON", "country": "Canada", "countryCode": "CA", "zip": "K2P 1L4"}},
            date_created_gmt=now, date_modified_gmt=now,
        )
