"""What people read instead of internal names: platform display names (from the connector registry), entity
and field labels (connectors/entities.py), language names instead of codes, and record values without
Python or JSON syntax. Pure functions, used by the templates (templatetags/cartmigrate.py), forms and emails."""
from __future__ import annotations

from typing import Any

from django.utils.translation import get_language_info

from connectors.entities import EntityType, field_label
from connectors.registry import all_connectors


def platform_label(platform: str) -> str:
    """"woocommerce" -> "WooCommerce": the connector's own display name (the id when none is registered)."""
    cls = all_connectors().get(str(platform or ""))
    return cls.label if cls else str(platform or "")


def entity_label(entity: str) -> str:
    """"tax_classes" -> "Tax classes"."""
    try:
        return EntityType(entity).label
    except ValueError:
        return field_label(entity)


def language_name(code: str) -> str:
    """"fr" -> "French", "pt-br" / "pt_BR" -> "Brazilian Portuguese"; an unknown code is shown as it is."""
    raw = str(code or "").strip()
    for candidate in (raw.lower().replace("_", "-"), raw.lower().replace("_", "-").split("-")[0]):
        try:
            return str(get_language_info(candidate)["name"])
        except KeyError:
            continue
    return raw


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


def readable(value: Any) -> str:
    """A record value as a person reads it: "—" for nothing, yes/no, an object as "Label: value; …" (empty
    parts left out), a list as its items joined; never a Python dict or JSON."""
    if _empty(value):
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dict):
        parts = [f"{field_label(k)}: {readable(v)}" for k, v in value.items() if not _empty(v)]
        return "; ".join(parts) or "—"
    if isinstance(value, list | tuple):
        items = [readable(v) for v in value if not _empty(v)]
        joiner = " | " if any(isinstance(v, dict) for v in value) else ", "
        return joiner.join(items) or "—"
    return str(value)
