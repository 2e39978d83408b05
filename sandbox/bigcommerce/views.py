"""The HTTP adapter: `/stores/{store_hash}/v3/...` and `/v2/...` below `/sandbox/bigcommerce/<store>/`.

Checks in BigCommerce's order (measured on the real API and written down in public connector notes):
the route (per method) first — an unknown one is a plain-text 404 "The route is not found, check the
URL" —, then `X-Auth-Token` (missing: plain-text 401 "X-Auth-Token header is required"; empty: "X-Auth-Token
header should have correct format"; unknown: a JSON 401), then the store hash and the token's scope
(403), then the store's quota (429), then the handler. Every authenticated response carries the quota
headers (https://developer.bigcommerce.com/docs/start/best-practices/api-rate-limits).
"""
import hmac
import re
from dataclasses import dataclass

from django.db import transaction
from django.http import HttpResponse
from django.views.decorators.csrf import csrf_exempt

from ..faults import fault_for_request
from ..models import SandboxStore
from . import catalog, catalog_parts, customers, marketing, orders, taxonomy
from .quota import quota_spend
from .responses import ROUTE_NOT_FOUND, ApiError, error_response, text_response

ROUTES = [
    (version, re.compile(rf"^{pattern}$"), handlers)
    for version, pattern, handlers in (
        *catalog.ROUTES, *catalog_parts.ROUTES, *taxonomy.ROUTES, *customers.ROUTES, *orders.ROUTES, *marketing.ROUTES)
]
WRITE_METHODS = {"POST", "PUT", "DELETE"}


@dataclass
class Ctx:
    """What a handler gets: the store, the API version, the query parameters and the request."""

    store: SandboxStore
    version: str
    request: object

    @property
    def params(self):
        return self.request.GET


def resolve(version: str, path: str, method: str):
    for route_version, pattern, handlers in ROUTES:
        if route_version == version:
            match = pattern.match(path)
            if match and method in handlers:
                return handlers[method], match.groupdict()
    return None, None


def _fault(store: SandboxStore, version: str) -> HttpResponse | None:
    fault = fault_for_request(store)
    if fault is None:
        return None
    titles = {429: "Too many requests", 500: "Internal Server Error", 503: "Service Unavailable"}
    response = error_response(version, ApiError(fault.status, titles.get(fault.status, "Error")))
    for name, value in fault.headers.items():
        response[name] = value
    return response


@csrf_exempt
def api_view(request, store, store_hash, version, path):
    method = request.method.upper()
    path = path.strip("/")
    if version == "v2" and path.endswith(".json"):
        path = path[:-5]
    handler, kwargs = resolve(version, path, method)
    store_obj = SandboxStore.objects.filter(platform="bigcommerce", name=store).first()
    if handler is None or store_obj is None:
        return text_response(ROUTE_NOT_FOUND, 404)
    token = request.META.get("HTTP_X_AUTH_TOKEN")
    if token is None:
        return text_response("X-Auth-Token header is required", 401)
    if not token.strip():
        return text_response("X-Auth-Token header should have correct format", 401)
    given = token.encode("utf-8", "surrogateescape")  # bytes: compare_digest refuses non-ASCII str
    write = hmac.compare_digest(given, store_obj.consumer_key.encode())
    read = write or hmac.compare_digest(given, store_obj.read_only_consumer_key.encode())
    if not read:
        owner = SandboxStore.objects.filter(platform="bigcommerce", consumer_key=token).exists() or \
            SandboxStore.objects.filter(platform="bigcommerce", read_only_consumer_key=token).exists()
        if not owner:
            return error_response("v3", ApiError(401, "Unauthorized"))
    if not read or store_hash != store_obj.settings.get("store_hash") or (method in WRITE_METHODS and not write):
        return error_response(version, ApiError(403, "You don't have a required scope to access the endpoint"))
    granted, state = quota_spend(store_obj)
    if not granted:
        response = error_response(version, ApiError(429, "Too many requests"))
    else:
        response = _fault(store_obj, version)
        if response is None:
            try:
                with transaction.atomic():  # a refused write leaves nothing behind
                    response = handler(Ctx(store=store_obj, version=version, request=request), **kwargs)
            except ApiError as error:
                response = error_response(version, error)
    for name, value in state.headers().items():
        response[name] = value
    return response

