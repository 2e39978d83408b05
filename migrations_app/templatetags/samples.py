from django import template

from ..services.samples import sample_stores_offered

register = template.Library()


@register.simple_tag
def sample_stores() -> bool:
    """Whether to offer "try it with sample stores" (the sandbox is installed: local and test settings)."""
    return sample_stores_offered()
