"""Building connectors for stores: decrypted credentials, a shared rate limiter, settings-driven HTTP."""
from django.conf import settings
from django.views.decorators.debug import sensitive_variables

from connectors.base import Connector
from connectors.http import HttpClient
from connectors.ratelimit import rate_limiter_for
from connectors.registry import get_connector_class

from ..models import Store
from .crypto import credentials_decrypt


def http_client_for(*, store: Store, connector_cls: type[Connector]) -> HttpClient:
    return HttpClient(
        timeout=settings.MIGRATOR_HTTP_TIMEOUT,
        max_retries=settings.MIGRATOR_HTTP_MAX_RETRIES,
        backoff_cap=settings.MIGRATOR_HTTP_BACKOFF_CAP,
        limiter=rate_limiter_for(settings.MIGRATOR_REDIS_URL or None),
        limiter_key=f"store:{store.pk}",
        policy=getattr(connector_cls, "rate_policy", None),
        allow_private=settings.MIGRATOR_ALLOW_PRIVATE_URLS,
        pool_key=f"store:{store.pk}",
    )


@sensitive_variables()
def connector_for(*, store: Store, options: dict | None = None) -> Connector:
    cls = get_connector_class(store.platform)
    return cls(
        base_url=store.url,
        credentials=credentials_decrypt(store.credentials_encrypted),
        http=http_client_for(store=store, connector_cls=cls),
        options=options or {},
    )
