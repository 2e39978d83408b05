"""Writes on stores: create with encrypted credentials, check the connection, delete."""
import logging

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from accounts.models import Organization
from connectors.errors import ConnectorError
from connectors.http import check_url_is_public, check_url_is_wellformed
from connectors.registry import all_connectors

from ..errors import ApplicationError, ValidationFailed
from ..models import Store, StoreMigration
from .connections import connector_for
from .crypto import credentials_decrypt, credentials_encrypt, mask_secret

logger = logging.getLogger(__name__)


def normalize_store_url(url: str) -> str:
    url = (url or "").strip()
    if url and "://" not in url:
        url = "https://" + url
    return url.rstrip("/")


def _clean_url(url: str, errors: dict[str, list[str]]) -> str:
    url = normalize_store_url(url)
    if not url:
        errors["url"] = ["Enter the store's address."]
    elif not url.startswith(("http://", "https://")):
        errors["url"] = ["The address must start with http:// or https://."]
    else:
        try:
            check_url_is_wellformed(url)
            if not settings.MIGRATOR_ALLOW_PRIVATE_URLS:
                check_url_is_public(url)
        except ConnectorError as exc:
            errors["url"] = [exc.message]
    return url


MAX_CREDENTIAL_LENGTH = 2000  # real keys, tokens and passwords are far shorter


@sensitive_variables()
def _clean_credentials(cls, credentials: dict, errors: dict[str, list[str]], *,
                       keep: dict[str, str] | None = None) -> dict[str, str]:
    """The connector's declared fields, stripped; another key is refused. A blank field keeps the value in
    `keep` (the saved one), if any."""
    clean: dict[str, str] = {}
    declared = {field.key for field in cls.credential_fields}
    for key in sorted(set(credentials or {}) - declared):
        errors.setdefault(f"credentials.{key}", []).append(
            f"{cls.label} has no credential {key!r}; expected {', '.join(sorted(declared)) or 'none'}.")
    for field in cls.credential_fields:
        value = str((credentials or {}).get(field.key, "") or "").strip() or (keep or {}).get(field.key, "")
        if field.required and not value:
            errors.setdefault(f"credentials.{field.key}", []).append(f"{field.label} is required.")
        if len(value) > MAX_CREDENTIAL_LENGTH:
            errors.setdefault(f"credentials.{field.key}", []).append(
                f"{field.label} is too long ({len(value)} characters; at most {MAX_CREDENTIAL_LENGTH}).")
            continue
        if value:
            clean[field.key] = value
    return clean


def _hint(cls, clean: dict[str, str]) -> dict[str, str]:
    return {
        f.key: (mask_secret(clean.get(f.key, "")) if f.secret else clean.get(f.key, ""))
        for f in cls.credential_fields
    }


@sensitive_variables()
def store_create(*, organization: Organization, platform: str, url: str, credentials: dict[str, str]) -> Store:
    """Validate and save a store; credentials are encrypted and only a masked hint is kept in clear."""
    errors: dict[str, list[str]] = {}
    cls = all_connectors().get(platform)
    if cls is None:
        errors["platform"] = [f"Unknown platform {platform!r}. Choose one of: {', '.join(sorted(all_connectors()))}."]
    url = _clean_url(url, errors)
    clean = _clean_credentials(cls, credentials, errors) if cls is not None else {}
    if errors:
        raise ValidationFailed(errors)
    return Store.objects.create(
        organization=organization,
        platform=platform,
        url=url,
        credentials_encrypted=credentials_encrypt(clean),
        credentials_hint=_hint(cls, clean),
    )


@sensitive_variables()
def store_update(*, store: Store, url: str, credentials: dict[str, str]) -> Store:
    """Change a store's address and credentials. A blank credential keeps the saved one (the form never
    shows secrets back). A changed store must be checked again, so the last check is forgotten."""
    errors: dict[str, list[str]] = {}
    cls = all_connectors()[store.platform]
    url = _clean_url(url, errors)
    clean = _clean_credentials(cls, credentials, errors, keep=credentials_decrypt(store.credentials_encrypted))
    if errors:
        raise ValidationFailed(errors)
    store.url = url
    store.credentials_encrypted = credentials_encrypt(clean)
    store.credentials_hint = _hint(cls, clean)
    store.last_check_ok = None
    store.save(update_fields=["url", "credentials_encrypted", "credentials_hint", "last_check_ok"])
    return store


@sensitive_variables()
def store_check(*, store: Store) -> Store:
    """Reach the store with its credentials and remember what it said (name, currency, counts) or why not."""
    connector = connector_for(store=store)
    now = timezone.now()
    try:
        info = connector.check_connection()
    except ConnectorError as exc:
        store.last_check_ok = False
        store.last_check_error = str(exc)
        store.last_check_info = {"url": exc.url or store.url, "status": exc.status, "message": exc.message,
                                 "detail": (exc.detail or "")[:500]}
        logger.info("store %s check failed: %s", store.pk, exc.message)
    else:
        store.last_check_ok = True
        store.last_check_error = ""
        store.last_check_info = info.as_dict()
        store.name = info.name[:200]
    finally:
        connector.http.close()
    store.last_check_at = now
    store.save(update_fields=["last_check_ok", "last_check_error", "last_check_info", "name", "last_check_at"])
    return store


@transaction.atomic
def store_delete(*, store: Store) -> None:
    if StoreMigration.objects.filter(organization=store.organization_id).filter(
        source_store=store
    ).exists() or StoreMigration.objects.filter(organization=store.organization_id, target_store=store).exists():
        raise ApplicationError("This store is used by a migration; delete the migration first.", field="store")
    store.delete()
