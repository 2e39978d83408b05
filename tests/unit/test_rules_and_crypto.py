import io

import pytest
from cryptography.fernet import Fernet

from migrations_app.services import crypto
from migrations_app.services.rules import price_for_entities, quote_run


def test_price_for_entities_is_graduated_by_tier(settings):
    settings.MIGRATOR_PRICE_TIERS = "1000:5,10000:3,0:1"
    assert price_for_entities(0) == 0
    assert price_for_entities(1000) == 5000
    assert price_for_entities(1500) == 5000 + 500 * 3
    assert price_for_entities(20000) == 5000 + 9000 * 3 + 10000 * 1


def test_quote_run_demo_is_free_and_full_has_a_minimum(settings):
    settings.MIGRATOR_PRICE_TIERS = "0:1"
    settings.MIGRATOR_MIN_PRICE_CENTS = 2900
    assert quote_run(kind="demo", entity_counts={"products": 10}).amount_cents == 0
    assert quote_run(kind="full", entity_counts={"products": 10}).amount_cents == 2900
    assert quote_run(kind="full", entity_counts={"products": 5000}).amount_cents == 5000


def test_credentials_round_trip_and_rotate(settings):
    old = Fernet.generate_key().decode()
    settings.MIGRATOR_ENCRYPTION_KEYS = [old]
    token = crypto.credentials_encrypt({"consumer_secret": "cs_secret"})
    assert "cs_secret" not in token
    new = Fernet.generate_key().decode()
    settings.MIGRATOR_ENCRYPTION_KEYS = [new, old]
    assert crypto.credentials_decrypt(token) == {"consumer_secret": "cs_secret"}
    rotated = crypto.credentials_rotate(token)
    settings.MIGRATOR_ENCRYPTION_KEYS = [new]
    assert crypto.credentials_decrypt(rotated) == {"consumer_secret": "cs_secret"}
    with pytest.raises(RuntimeError, match="MIGRATOR_ENCRYPTION_KEY"):
        crypto.credentials_decrypt(token)


def test_mask_secret_never_shows_the_key():
    assert crypto.mask_secret("ck_0123456789abcdef") == "ck_…cdef"
    assert crypto.mask_secret("short") == "…"
    assert crypto.mask_secret("") == ""


def test_rotate_credentials_command_reencrypts_every_store(db, settings):
    from django.core.management import call_command

    from tests.factories import StoreFactory

    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.MIGRATOR_ENCRYPTION_KEYS = [old]
    store = StoreFactory()
    settings.MIGRATOR_ENCRYPTION_KEYS = [new, old]
    out = io.StringIO()
    call_command("rotate_credentials", stdout=out)
    assert "1 store" in out.getvalue()
    settings.MIGRATOR_ENCRYPTION_KEYS = [new]
    store.refresh_from_db()
    assert crypto.credentials_decrypt(store.credentials_encrypted)["consumer_key"].startswith("ck_")
