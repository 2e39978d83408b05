"""Small display filters for the owner's pages."""
import re

from django import template
from django.utils.safestring import mark_safe

from connectors.entities import field_label
from connectors.registry import all_connectors

from .. import labels

register = template.Library()

# Internal names -> what people read (migrations_app/labels.py).
register.filter("platform_label", labels.platform_label)
register.filter("entity_label", labels.entity_label)
register.filter("field_label", field_label)
register.filter("language_name", labels.language_name)
register.filter("readable", labels.readable)


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


_CSS_NAME = re.compile(r"[a-z0-9_-]+")
_CSS_COLOR = re.compile(r"#[0-9a-fA-F]{3,8}")


@register.simple_tag
def platform_dot_styles():
    """CSS rules giving each platform's dot (`.platform-<key> .dot`) its brand colour, for a nonce'd <style>
    element: the Content-Security-Policy allows no style attributes, and the registry, not a stylesheet, knows
    the platforms."""
    rules = [
        f".platform-{key} .dot{{background:{cls.color}}}"
        for key, cls in sorted(all_connectors().items())
        if _CSS_NAME.fullmatch(key) and _CSS_COLOR.fullmatch(cls.color or "")
    ]
    return mark_safe("\n".join(rules))  # noqa: S308 - keys and colours are checked against strict patterns
