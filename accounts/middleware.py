from django.utils.functional import SimpleLazyObject

from .selectors import organization_for_request


class OrganizationMiddleware:
    """Puts the organization the request acts in on `request.organization`.

    Lazy on purpose: the REST API authenticates inside the view (DRF), after this middleware, and DRF copies the
    authenticated user and token onto this request, so the first read sees them (see `organization_for_request`)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.organization = SimpleLazyObject(lambda: organization_for_request(request))
        return self.get_response(request)
