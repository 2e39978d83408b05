import functools
import zoneinfo

from django.utils import timezone
from django.utils.functional import SimpleLazyObject

from .selectors import organization_for_request, user_time_zone


class OrganizationMiddleware:
    """Puts the organization the request acts in on `request.organization`.

    Lazy on purpose: the REST API authenticates inside the view (DRF), after this middleware, and DRF copies the
    authenticated user and token onto this request, so the first read sees them (see `organization_for_request`)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.organization = SimpleLazyObject(lambda: organization_for_request(request))
        return self.get_response(request)


@functools.lru_cache(maxsize=1)
def _zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


class TimezoneMiddleware:
    """Shows times in the person's time zone: the one chosen in their profile, else their browser's (the `tz`
    cookie that static/js/site.js sets), else settings.TIME_ZONE (UTC). Pages print it with each time."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        name = ""
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            name = user_time_zone(user=user)
        name = name or request.COOKIES.get("tz", "")
        if name in _zones():
            timezone.activate(zoneinfo.ZoneInfo(name))
        else:
            timezone.deactivate()
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()
