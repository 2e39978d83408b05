from django.utils.functional import SimpleLazyObject

from .selectors import organization_for_user


class OrganizationMiddleware:
    """Puts the organization the user acts in on `request.organization` (lazily)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.organization = SimpleLazyObject(lambda: organization_for_user(user=request.user))
        return self.get_response(request)
