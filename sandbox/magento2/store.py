"""Magento 2 store hooks used by `sandbox.services`: credentials, store views, the store's first state.

Credentials in the generic columns: `consumer_key` is an integration access token with every ACL resource,
`read_only_consumer_key` an integration token whose ACL only grants the store and catalog resources (a
connection check can tell "missing ACL resource" from "wrong token" with it), `consumer_secret` the
password of the `admin` user for `POST /V1/integration/admin/token`. Store views come from the store's
languages: the first is the `default` view, each other one a view coded by its language (`fr`, `de`).
"""
import secrets
import string

from ..models import SandboxRecord, SandboxStore
from ..records import ids_allocate, now_utc

DEFAULT_LANGUAGES = ("en", "fr")
ADMIN_USERNAME = "admin"
ROOT_CATEGORY_ID = 1
DEFAULT_CATEGORY_ID = 2
DEFAULT_ATTRIBUTE_SET_ID = 4
LIMITED_ACL = ("Magento_Backend::store", "Magento_Catalog::catalog", "Magento_Catalog::products",
               "Magento_Catalog::categories", "Magento_Catalog::attributes_attributes", "Magento_Catalog::sets")
LOCALES = {"en": "en_US", "fr": "fr_FR", "de": "de_DE", "es": "es_ES", "it": "it_IT", "nl": "nl_NL",
           "pt": "pt_PT", "ja": "ja_JP", "sv": "sv_SE", "da": "da_DK", "pl": "pl_PL"}
LANGUAGE_NAMES = {"en": "English", "fr": "French", "de": "German", "es": "Spanish", "it": "Italian",
                  "nl": "Dutch", "pt": "Portuguese", "ja": "Japanese"}
# The attributes a fresh Magento has for configurable products and brands (options are added by the seed).
BASE_ATTRIBUTES = (("color", "Color", 93), ("manufacturer", "Manufacturer", 83), ("size", "Size", 144))


def token_new() -> str:
    # Magento tokens are 32 lowercase letters and digits (Magento\Framework\Math\Random::getRandomString)
    alphabet = string.ascii_lowercase + string.digits
    return "".join(secrets.choice(alphabet) for _ in range(32))


def credentials_new() -> dict:
    return {"consumer_key": token_new(), "consumer_secret": secrets.token_urlsafe(12),
            "read_only_consumer_key": token_new(), "read_only_consumer_secret": token_new()}


def credentials_describe(store: SandboxStore) -> dict:
    return {
        "credentials": {"access_token": store.consumer_key, "admin_username": ADMIN_USERNAME,
                        "admin_password": store.consumer_secret},
        "read_only_credentials": {"access_token": store.read_only_consumer_key, "acl": list(LIMITED_ACL)},
        "store_codes": [view["code"] for view in store_views(store)],
    }


def locale_for(language: str) -> str:
    return LOCALES.get(language, f"{language}_{language.upper()}")


def store_views(store: SandboxStore) -> list[dict]:
    """The store views (without admin, id 0): one per language, ids from 1 in language order."""
    out = []
    for position, language in enumerate(store.languages):
        code = "default" if position == 0 else language.lower().replace("-", "_")
        name = "Default Store View" if position == 0 else LANGUAGE_NAMES.get(language, language) + " Store View"
        out.append({"id": position + 1, "code": code, "name": name, "website_id": 1, "store_group_id": 1,
                    "is_active": 1, "language": language, "locale": locale_for(language)})
    return out


def store_init(store: SandboxStore) -> None:
    """A fresh Magento: Root Catalog (1) > Default Category (2), the color/manufacturer/size attributes."""
    now = now_utc()
    rows = []
    if not SandboxRecord.objects.filter(store=store, resource="categories").exists():
        ids_allocate(store, "categories", DEFAULT_CATEGORY_ID)
        roots = ((ROOT_CATEGORY_ID, None, "Root Catalog"), (DEFAULT_CATEGORY_ID, 1, "Default Category"))
        for rid, parent, name in roots:
            rows.append(SandboxRecord(
                store=store, resource="categories", record_id=rid, parent_id=parent, lookup=name,
                data={"name": name, "is_active": True, "position": rid - 1, "include_in_menu": True,
                      "custom": {"url_key": name.lower().replace(" ", "-")}, "store_values": {}},
                date_created_gmt=now, date_modified_gmt=now))
    if not SandboxRecord.objects.filter(store=store, resource="attributes").exists():
        ids_allocate(store, "attribute_options", 3)  # option ids 1-3 belong to the gender/yes-no attributes
        for code, label, attribute_id in BASE_ATTRIBUTES:
            rows.append(SandboxRecord(
                store=store, resource="attributes", record_id=attribute_id, lookup=code,
                data={"default_frontend_label": label, "frontend_input": "select", "options": [],
                      "frontend_labels": [], "is_user_defined": code == "size"},
                date_created_gmt=now, date_modified_gmt=now))
    SandboxRecord.objects.bulk_create(rows)
