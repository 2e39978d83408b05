"""Store credentials at rest: Fernet with rotation (MultiFernet: the first key encrypts, all decrypt)."""
import json
from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.views.decorators.debug import sensitive_variables


@cache
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(k.encode() if isinstance(k, str) else k) for k in keys])


def _current() -> MultiFernet:
    return _fernet(tuple(settings.MIGRATOR_ENCRYPTION_KEYS))


class Credentials(dict):
    """Decrypted store credentials: a plain dict whose repr (tracebacks, the DEBUG page, log lines that print it)
    shows the field names only, never the values."""

    def __repr__(self) -> str:
        return f"<Credentials {', '.join(sorted(map(str, self))) or 'empty'}: values hidden>"

    __str__ = __repr__


@sensitive_variables()
def credentials_encrypt(credentials: dict[str, str]) -> str:
    return _current().encrypt(json.dumps(credentials, sort_keys=True).encode()).decode()


@sensitive_variables()
def credentials_decrypt(token: str) -> Credentials:
    try:
        return Credentials(json.loads(_current().decrypt(token.encode())))
    except InvalidToken:
        raise RuntimeError(
            "Store credentials cannot be decrypted with the configured MIGRATOR_ENCRYPTION_KEY."
        ) from None


def credentials_rotate(token: str) -> str:
    """Re-encrypt with the current first key (after adding a new key in front)."""
    return _current().rotate(token.encode()).decode()


def mask_secret(value: str) -> str:
    """Enough to recognise a key, never enough to use it: 'ck_…a1b2'."""
    value = value or ""
    if len(value) <= 8:
        return "…" if value else ""
    prefix = value[:3] if value[2:3] == "_" else ""
    return f"{prefix}…{value[-4:]}"
