"""HTTP adapters of the Shopify emulator: the Admin GraphQL endpoint, the access scopes endpoint, and the
signed upload / download URLs that stand in for Shopify's cloud storage."""
import hmac
import json
import re
import uuid
from datetime import UTC, datetime
from urllib.parse import unquote

from django.http import HttpResponse
from django.views.decorators.csrf import csrf_exempt

from ..faults import fault_for_request
from ..models import SandboxStore
from . import bulk_run
from .bulk import MAX_UPLOAD_BYTES, file_read, file_save
from .common import Ctx, signature
from .engine import graphql_request
from .record import graphql_record

INVALID_TOKEN = "[API] Invalid API key or access token (unrecognized login or wrong password)"
READ_SCOPES = ("read_products", "read_customers", "read_orders", "read_all_orders", "read_inventory",
               "read_locations", "read_content", "read_online_store_pages", "read_online_store_navigation",
               "read_discounts", "read_price_rules", "read_translations", "read_locales", "read_fulfillments",
               "read_files")
WRITE_SCOPES = tuple(s.replace("read_", "write_") for s in READ_SCOPES if s != "read_all_orders")
_VERSION = re.compile(r"^(\d{4})-(\d{2})$")
SUPPORTED_MONTHS = ("01", "04", "07", "10")


def json_response(payload, status: int = 200, headers: dict | None = None) -> HttpResponse:
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    response = HttpResponse(body, status=status, content_type="application/json; charset=utf-8")
    response["X-Request-Id"] = str(uuid.uuid4())
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def _quarter(year: int, month: int) -> tuple[int, int]:
    return year, (month - 1) // 3 * 3 + 1


def version_served(version: str, now: datetime | None = None) -> str | None:
    """The version Shopify would serve for `version`: itself when supported, the oldest supported one
    for an older version (versions "fall forward"), None (404) when malformed or not released yet.
    A version is released quarterly and supported for 12 months; the next quarter's release candidate
    is also accepted. https://shopify.dev/docs/api/usage/versioning"""
    if version == "unstable":
        return version
    match = _VERSION.match(version)
    if not match or match.group(2) not in SUPPORTED_MONTHS:
        return None
    now = now or datetime.now(UTC)
    year, month = _quarter(now.year, now.month)
    index = year * 4 + (month - 1) // 3
    requested = int(match.group(1)) * 4 + (int(match.group(2)) - 1) // 3
    if requested > index + 1:
        return None
    oldest = index - 4
    if requested < oldest:
        return f"{oldest // 4}-{(oldest % 4) * 3 + 1:02d}"
    return version


def _store(name: str) -> SandboxStore | None:
    return SandboxStore.objects.filter(platform="shopify", name=name).first()


def granted_scopes(store: SandboxStore, access: str) -> tuple[str, ...]:
    """The scopes of a token: every read scope (and every write scope for the full token) but those the
    store's `settings["withheld_scopes"]` lists, as an app installed with fewer scopes would have."""
    withheld = set(store.settings.get("withheld_scopes") or ())
    return tuple(s for s in READ_SCOPES + (WRITE_SCOPES if access == "write" else ()) if s not in withheld)


def _token_access(request, store: SandboxStore) -> str | None:
    token = request.META.get("HTTP_X_SHOPIFY_ACCESS_TOKEN", "")
    if token and hmac.compare_digest(token, store.consumer_key):
        return "write"
    if token and hmac.compare_digest(token, store.read_only_consumer_key):
        return "read"
    return None


def _fault(store: SandboxStore) -> HttpResponse | None:
    fault = fault_for_request(store)
    if fault is None:
        return None
    if fault.status == 429:
        return json_response({"errors": "Exceeded 2 calls per second for api client. Reduce request rates to resume "
                                        "uninterrupted service."}, 429, {"Retry-After": "2.0"})
    if fault.status == 503:
        return json_response({"errors": "Service Unavailable"}, 503, fault.headers)
    return json_response({"errors": "Internal Server Error"}, 500)


@csrf_exempt
def graphql_view(request, store, version):
    """`POST /admin/api/<version>/graphql.json` with `X-Shopify-Access-Token`."""
    store_obj = _store(store)
    served = version_served(version)
    if store_obj is None or served is None:
        return json_response({"errors": "Not Found"}, 404)
    fault = _fault(store_obj)
    if fault is not None:
        return fault
    access = _token_access(request, store_obj)
    if access is None:
        return json_response({"errors": INVALID_TOKEN}, 401)
    if request.method != "POST":
        return json_response({"errors": "Not Found"}, 404)
    query, variables, operation_name = None, None, None
    if request.content_type == "application/graphql":
        query = request.body.decode("utf-8", "replace")
    else:
        try:
            body = json.loads(request.body or b"{}")
        except ValueError:
            body = None
        if isinstance(body, dict):
            query, variables, operation_name = body.get("query"), body.get("variables"), body.get("operationName")
    if not isinstance(query, str) or not query.strip():
        return json_response({"errors": {"query": "Required parameter missing or invalid"}}, 400)
    if isinstance(variables, str):
        try:
            variables = json.loads(variables) if variables.strip() else None
        except ValueError:
            variables = None
    graphql_record(user_agent=request.META.get("HTTP_USER_AGENT", ""), query=query,
                   variables=variables if isinstance(variables, dict) else None)
    base_url = request.build_absolute_uri(f"/sandbox/shopify/{store}").rstrip("/")
    scopes = granted_scopes(store_obj, access)
    ctx = Ctx(store=store_obj, base_url=base_url, version=served, can_write=access == "write",
              all_orders="read_all_orders" in scopes, scopes=scopes)
    payload = graphql_request(ctx, query, variables if isinstance(variables, dict) else None, operation_name)
    return json_response(payload, 200, {"X-Shopify-API-Version": served})


@csrf_exempt
def access_scopes_view(request, store):
    """`GET /admin/oauth/access_scopes.json`: the token's granted scopes."""
    store_obj = _store(store)
    if store_obj is None:
        return json_response({"errors": "Not Found"}, 404)
    access = _token_access(request, store_obj)
    if access is None:
        return json_response({"errors": INVALID_TOKEN}, 401)
    return json_response({"access_scopes": [{"handle": s} for s in granted_scopes(store_obj, access)]})


def _xml_error(code: str, message: str, status: int) -> HttpResponse:
    body = (f"<?xml version='1.0' encoding='UTF-8'?><Error><Code>{code}</Code><Message>{message}</Message>"
            "</Error>")
    return HttpResponse(body, status=status, content_type="application/xml; charset=UTF-8")


@csrf_exempt
def staged_upload_view(request, store, key=""):
    """The staged upload target: a multipart POST form (fields + `file`) or a PUT of the raw file."""
    store_obj = _store(store)
    if store_obj is None:
        return _xml_error("NoSuchBucket", "The specified bucket does not exist.", 404)
    if request.method == "POST":
        key = request.POST.get("key", "")
        given = request.POST.get("x-goog-signature", "")
        upload = request.FILES.get("file")
        content = upload.read() if upload else request.POST.get("file", "").encode()
        content_type = request.POST.get("Content-Type", "application/octet-stream")
    elif request.method == "PUT":
        key = unquote(key)
        given = request.GET.get("X-Goog-Signature", "")
        content = request.body
        content_type = request.content_type or "application/octet-stream"
    else:
        return _xml_error("MethodNotAllowed", "The specified method is not allowed against this resource.", 405)
    if not key or not hmac.compare_digest(given, signature(store_obj, key)):
        return _xml_error("AccessDenied", "Invalid argument.", 403)
    if len(content) > MAX_UPLOAD_BYTES:
        return _xml_error("EntityTooLarge", "Your proposed upload exceeds the maximum allowed size.", 400)
    file_save(store_obj, key, content.decode("utf-8", "replace"), content_type)
    if request.method == "PUT":
        return HttpResponse(status=200)
    if request.POST.get("success_action_status") == "201":
        base = request.build_absolute_uri(request.path)
        body = (f"<?xml version='1.0' encoding='UTF-8'?><PostResponse><Location>{base}{key}</Location>"
                f"<Bucket>shopify-staged-uploads</Bucket><Key>{key}</Key><ETag>\"{uuid.uuid4().hex}\"</ETag>"
                "</PostResponse>")
        return HttpResponse(body, status=201, content_type="application/xml; charset=UTF-8")
    return HttpResponse(status=204)


def file_view(request, store, key):
    """A signed download URL (bulk operation results, uploaded files), with Range requests (bulk_run)."""
    store_obj = _store(store)
    key = unquote(key)
    if store_obj is None or ("Signature" not in request.GET and not hmac.compare_digest(
            request.GET.get("X-Goog-Signature", ""), signature(store_obj, key))):
        return _xml_error("AccessDenied", "Access denied.", 403)
    return bulk_run.file_response(request, store_obj, key, file_read(store_obj, key))
