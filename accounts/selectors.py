"""Reads on organizations."""
from .models import Organization


def organization_for_user(*, user) -> Organization | None:
    """The organization a request acts in: the user's first (personal) organization."""
    if not user or not user.is_authenticated:
        return None
    return Organization.objects.filter(memberships__user=user).order_by("memberships__created_at").first()
