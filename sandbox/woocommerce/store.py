"""WooCommerce store hooks used by `sandbox.services`: credentials (REST API key pairs: `ck_`/`cs_` + 40
hex, one read/write and one read-only) and the store's first state (WooCommerce's two standard tax
classes besides the default one, "Reduced rate" and "Zero rate")."""
import secrets

from ..models import SandboxRecord, SandboxStore
from ..records import ids_allocate, now_utc

DEFAULT_LANGUAGES = ("en",)
STANDARD_TAX_CLASSES = ({"slug": "reduced-rate", "name": "Reduced rate"}, {"slug": "zero-rate", "name": "Zero rate"})


def _key_pair() -> tuple[str, str]:
    return f"ck_{secrets.token_hex(20)}", f"cs_{secrets.token_hex(20)}"


def credentials_new() -> dict:
    key, secret = _key_pair()
    ro_key, ro_secret = _key_pair()
    return {"consumer_key": key, "consumer_secret": secret,
            "read_only_consumer_key": ro_key, "read_only_consumer_secret": ro_secret}


def credentials_describe(store: SandboxStore) -> dict:
    return {
        "credentials": {"consumer_key": store.consumer_key, "consumer_secret": store.consumer_secret},
        "read_only_credentials": {
            "consumer_key": store.read_only_consumer_key, "consumer_secret": store.read_only_consumer_secret,
        },
    }


def store_init(store: SandboxStore) -> None:
    now = now_utc()
    classes = STANDARD_TAX_CLASSES
    SandboxRecord.objects.bulk_create([
        SandboxRecord(store=store, resource="tax_classes", record_id=rid, lookup=c["slug"], data=dict(c),
                      date_created_gmt=now, date_modified_gmt=now)
        for rid, c in zip(ids_allocate(store, "tax_classes", len(classes)), classes, strict=True)
    ])
