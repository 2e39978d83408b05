"""The connector registry: the connector classes listed in settings.CARTMIGRATE_CONNECTORS (dotted paths,
like Saleor's PLUGINS), by platform key. The wizard's cart types, the API's /connectors and the engine
all read it; adding a platform is adding its package and one line to that list."""
from __future__ import annotations

from functools import cache

from django.conf import settings
from django.utils.module_loading import import_string

from .base import Connector


@cache
def all_connectors() -> dict[str, type[Connector]]:
    found: dict[str, type[Connector]] = {}
    for path in settings.CARTMIGRATE_CONNECTORS:
        cls = import_string(path)
        if not (isinstance(cls, type) and issubclass(cls, Connector)):
            raise TypeError(f"{path} in CARTMIGRATE_CONNECTORS is not a Connector class.")
        if cls.platform in found:
            raise RuntimeError(f"Two connectors claim platform {cls.platform!r}")
        found[cls.platform] = cls
    return found


def get_connector_class(platform: str) -> type[Connector]:
    try:
        return all_connectors()[platform]
    except KeyError:
        raise KeyError(f"Unknown platform {platform!r}; known: {', '.join(sorted(all_connectors()))}") from None


def platform_choices() -> list[tuple[str, str]]:
    return [(key, cls.label) for key, cls in all_connectors().items()]
