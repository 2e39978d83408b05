"""Small display filters for the owner's pages."""
from django import template

from connectors.base import Connector
from connectors.registry import all_connectors

register = template.Library()


@register.filter
def get_item(mapping, key):
    try:
        return mapping.get(key)
    except AttributeError:
        return None


@register.filter
def money(cents, currency="USD"):
    """1234, "USD" -> "USD 12.34"."""
    try:
        return f"{currency} {int(cents) / 100:,.2f}"
    except (TypeError, ValueError):
        return ""


@register.filter
def duration(seconds):
    """Seconds as "1 h 05 min", "4 min 10 s" or "12 s"; empty for None."""
    if seconds is None:
        return ""
    seconds = int(seconds)
    if seconds >= 3600:
        return f"{seconds // 3600} h {seconds % 3600 // 60:02d} min"
    if seconds >= 60:
        return f"{seconds // 60} min {seconds % 60:02d} s"
    return f"{seconds} s"


@register.filter
def short_id(value):
    return str(value)[:8]


@register.filter
def platform_color(platform):
    """The brand colour a connector declares (`Connector.color`), for the dot beside its label."""
    cls = all_connectors().get(str(platform or ""))
    return cls.color if cls else Connector.color
