"""The connector registry: each package under connectors/ exports `CONNECTOR` (its class).

Discovery walks the packages explicitly (no import side effects): adding a platform is adding a package."""
from __future__ import annotations

import importlib
import pkgutil
from functools import cache

import connectors

from .base import Connector


@cache
def all_connectors() -> dict[str, type[Connector]]:
    found: dict[str, type[Connector]] = {}
    for info in sorted(pkgutil.iter_modules(connectors.__path__), key=lambda i: i.name):
        if not info.ispkg:
            continue
        module = importlib.import_module(f"connectors.{info.name}")
        cls = getattr(module, "CONNECTOR", None)
        if cls is None:
            continue
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
