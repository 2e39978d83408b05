"""The one HTTP entry of the Magento emulator: `/rest/{store_code}/V1/…`, `/rest/{store_code}/async/V1/…`
and `/rest/{store_code}/async/bulk/V1/…` (the store code may be left out: the default view).

Store code resolution is Magento's PathProcessor: the first path segment is a store view code or `all`;
anything else is taken as part of the route, so an unknown code answers 404 "Request does not match any
route." https://developer.adobe.com/commerce/webapi/rest/use-rest/rest-endpoints/
"""
import json
import struct
import zlib
from urllib.parse import unquote

from django.http import HttpResponse
from django.views.decorators.csrf import csrf_exempt

from ..faults import fault_for_request
from ..models import SandboxStore
from ..records import json_bytes, raw_strings_restore
from . import bulk
from .auth import identify
from .common import Ctx
from .criteria import fields_apply, fields_parse
from .errors import MagentoError, no_route, not_authorized
from .routes import route_match
from .store import store_views

PLATFORM = "magento2"


def json_response(payload, status: int = 200) -> HttpResponse:
    body = json_bytes(raw_strings_restore(payload))
    return HttpResponse(body, status=status, content_type="application/json; charset=utf-8")


def _body(request):
    if not request.body:
        return None
    try:
        return json.loads(request.body)
    except ValueError:
        raise MagentoError("Decoding error.") from None


def _fault(store: SandboxStore) -> HttpResponse | None:
    fault = fault_for_request(store)
    if fault is None:
        return None
    if fault.status == 429:  # Magento has no API rate limit; a proxy or WAF in front of it answers
        response = HttpResponse("<html><body><h1>429 Too Many Requests</h1></body></html>", status=429)
    elif fault.status == 503:
        response = HttpResponse("<html><body><h1>503 Service Unavailable</h1></body></html>", status=503)
    else:
        return json_response({"message": "Internal Error. Details are available in Magento log file. Report ID: "
                                         "webapi-0000000000000"}, 500)
    for name, value in fault.headers.items():
        response[name] = value
    return response


def split_path(store: SandboxStore, path: str) -> tuple[str, dict | None, str, str] | None:
    """`default/async/bulk/V1/products` -> (code, view, mode, route path); None when it is no API path."""
    parts = path.strip("/").split("/", 1)
    views = {view["code"]: view for view in store_views(store)}
    if parts[0] in views or parts[0] == "all":
        code, rest = parts[0], (parts[1] if len(parts) > 1 else "")
    else:
        code, rest = "default", path.strip("/")
    view = views.get(code) if code != "all" else None
    if code == "default" and view is None:
        view = next(iter(views.values()))
    for prefix, mode in (("async/bulk/V1/", "bulk"), ("async/V1/", "async"), ("V1/", "sync")):
        if rest.startswith(prefix):
            return code, view, mode, rest[len(prefix):]
    return None


@csrf_exempt
def rest_view(request, store, path=""):
    store_obj = SandboxStore.objects.filter(platform=PLATFORM, name=store).first()
    if store_obj is None:
        return json_response(no_route().payload(), 404)
    fault = _fault(store_obj)
    if fault is not None:
        return fault
    base_url = request.build_absolute_uri(f"/sandbox/{PLATFORM}/{store}").rstrip("/")
    split = split_path(store_obj, unquote(path))
    if split is None:
        return json_response(no_route().payload(), 404)
    code, view, mode, route_path = split
    ctx = Ctx(store=store_obj, code=code, view=view, base_url=base_url, query=request.GET)
    identify(ctx, request.META.get("HTTP_AUTHORIZATION", ""))
    bulk.operations_drain(store_obj)
    try:
        payload, status = _dispatch(request, ctx, mode, route_path)
    except MagentoError as exc:
        return json_response(exc.payload(), exc.status)
    fields = request.GET.get("fields")
    if fields:
        payload = fields_apply(payload, fields_parse(fields))
    return json_response(payload, status)


def _dispatch(request, ctx: Ctx, mode: str, route_path: str):
    method = request.method.upper()
    route, params = route_match(method, route_path)  # a bulk path's `bySku` segments match `:sku`
    if route is None or (mode != "sync" and (method == "GET" or not route.service)):
        raise no_route()
    if not ctx.allowed(route.resource):
        raise not_authorized(route.resource)
    body = _body(request)
    if mode == "sync":
        return route.handler(ctx, body, **params), 200
    return bulk.bulk_schedule(ctx, route, method, route_path, body, params, is_bulk=mode == "bulk"), 202


def _placeholder_png() -> bytes:
    """An 8x8 grey PNG (the sandbox keeps no image bytes; every gallery file is served as this)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    raw = b"".join(b"\x00" + b"\xcc" * 8 for _ in range(8))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 8, 8, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


PLACEHOLDER_PNG = _placeholder_png()


def media_view(request, store, path):
    """`<base_media_url>catalog/product/<file>`: a product image URL; 404 unless a gallery entry names it."""
    store_obj = SandboxStore.objects.filter(platform=PLATFORM, name=store).first()
    file_name = "/" + unquote(path).lstrip("/")
    if store_obj is None or not store_obj.records.filter(
            resource="products", data__media__contains=[{"file": file_name}]).exists():
        return HttpResponse(b"Not Found", status=404, content_type="text/plain")
    return HttpResponse(PLACEHOLDER_PNG, content_type="image/png")
