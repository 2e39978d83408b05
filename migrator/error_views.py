"""Project error pages: under /api/ every error is JSON (`{"detail": ...}`), whatever raised it; elsewhere
Django's own pages (templates/404.html, 500.html when present)."""
from django.http import HttpResponsePermanentRedirect, JsonResponse
from django.urls import Resolver404, resolve
from django.views import csrf, defaults
from django.views.decorators.csrf import csrf_exempt


def _is_api(request) -> bool:
    return request.path.startswith("/api/")


@csrf_exempt  # it changes nothing; a POST to a path the API does not have is its 404, not a CSRF 403
def api_not_found(request, *args, **kwargs):
    """Any /api/ path no API route matched (a non-UUID id, a typo): the API's 404, not an HTML page. A path
    that only lacks its final slash is redirected, method and body kept (308), as APPEND_SLASH would."""
    if not request.path.endswith("/"):
        try:
            match = resolve(request.path + "/")
        except Resolver404:
            match = None
        if match is not None and match.func is not api_not_found:
            query = request.META.get("QUERY_STRING", "")
            return HttpResponsePermanentRedirect(request.path + "/" + (f"?{query}" if query else ""),
                                                 preserve_request=True)
    return JsonResponse({"detail": "Not found."}, status=404)


def bad_request(request, exception=None):
    if _is_api(request):
        return JsonResponse({"detail": "Bad request."}, status=400)
    return defaults.bad_request(request, exception)


def permission_denied(request, exception=None):
    if _is_api(request):
        return JsonResponse({"detail": "You do not have permission to perform this action."}, status=403)
    return defaults.permission_denied(request, exception)


def page_not_found(request, exception=None):
    if _is_api(request):
        return api_not_found(request)
    return defaults.page_not_found(request, exception)


def server_error(request):
    if _is_api(request):
        return JsonResponse({"detail": "Something went wrong on our side; it has been logged."}, status=500)
    return defaults.server_error(request)


def csrf_failure(request, reason=""):
    """CSRF_FAILURE_VIEW. The API's own views authenticate tokens without CSRF; a session-authenticated API
    call without its token is refused in JSON."""
    if _is_api(request):
        return JsonResponse({"detail": f"CSRF check failed: {reason}"}, status=403)
    return csrf.csrf_failure(request, reason)
