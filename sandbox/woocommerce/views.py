"""HTTP adapters of the WooCommerce emulator. Each view resolves the store, applies the fault knobs,
authenticates, parses the request and calls crud/resources; errors become WordPress error objects."""
import json
from functools import wraps
from urllib.parse import urlencode

from django.http import HttpResponse
from django.utils.text import slugify
from django.views.decorators.csrf import csrf_exempt

from ..faults import fault_for_request
from ..models import SandboxStore
from ..records import ids_allocate, json_bytes
from ..services import sandbox_store_set_faults
from . import crud
from .auth import authenticate
from .errors import WooError, missing_params, no_route
from .resources import CURRENCY_SYMBOLS, WC_VERSION, spec_for
from .versions import adapt, route_available

READ_ONLY_ROUTES = frozenset({"all_refunds", "product_reviews"})

BASIC_REALM = (
    'Basic realm="WooCommerce API. Use a consumer key in the username field and a consumer secret '
    'in the password field."'
)
SERVER_ERROR = {
    "code": "internal_server_error",
    "message": "<p>There has been a critical error on this website.</p>",
    "data": {"status": 500},
}


def json_response(payload, status: int = 200, headers: dict | None = None) -> HttpResponse:
    response = HttpResponse(json_bytes(payload), status=status, content_type="application/json; charset=UTF-8")
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def _fault_response(store: SandboxStore) -> HttpResponse | None:
    fault = fault_for_request(store)
    if fault is None:
        return None
    if fault.status == 500:
        return json_response(SERVER_ERROR, 500)
    # 429 and 503 come from the hosting layer in front of WordPress: an HTML page, not a WP error.
    title = "Too Many Requests" if fault.status == 429 else "Service Unavailable"
    response = HttpResponse(f"<html><body><h1>{title}</h1></body></html>", status=fault.status)
    for name, value in fault.headers.items():
        response[name] = value
    return response


def body_of(request) -> dict:
    if not request.body:
        return {}
    if request.content_type == "application/x-www-form-urlencoded":
        return {k: v for k, v in request.POST.items()}
    try:
        payload = json.loads(request.body)
    except ValueError:
        raise WooError(
            "rest_invalid_json", "Invalid JSON body passed.", 400,
            json_error_code=4, json_error_message="Syntax error",
        ) from None
    return payload if isinstance(payload, dict | list) else {}


def woo_view(kind: str, *, auth: bool = True):
    """Wrap a view `(request, ctx, **kwargs) -> HttpResponse | (payload, status, headers)`."""

    def decorate(view):
        @csrf_exempt
        @wraps(view)
        def wrapper(request, store, **kwargs):
            override = request.META.get("HTTP_X_HTTP_METHOD_OVERRIDE") or request.GET.get("_method")
            if override:
                request.method = override.upper()
            store_obj = SandboxStore.objects.filter(platform="woocommerce", name=store).first()
            if store_obj is None:
                return json_response(no_route().payload(), 404)
            fault = _fault_response(store_obj) if kind != "faults" else None
            if fault is not None:
                return fault
            site_url = request.build_absolute_uri(request.path.split("/wp-json")[0].split("/_sandbox")[0])
            version = kwargs.pop("version", "v3")
            route = kwargs.pop("route", "")
            ctx = crud.Ctx(store=store_obj, site_url=site_url.rstrip("/"), version=version)
            try:
                # WordPress matches the route before it checks permissions: an unknown route is 404 for all
                if route and not route_available(route, version):
                    raise no_route()
                if route in READ_ONLY_ROUTES and request.method != "GET":
                    raise no_route()
                if auth:
                    authenticate(request, store_obj, kind)
                result = view(request, ctx, **kwargs)
            except WooError as exc:
                headers = {"WWW-Authenticate": BASIC_REALM} if exc.status == 401 else {}
                return json_response(exc.payload(), exc.status, headers)
            if isinstance(result, HttpResponse):
                return result
            payload, status, headers = result
            if request.GET.get("_fields") and status < 300:
                payload = fields_filter(payload, crud.param_list(request.GET, "_fields"))
            return json_response(payload, status, headers)

        return wrapper

    return decorate


def fields_filter(payload, fields: list[str]):
    """WordPress's `_fields` (rest_filter_response_fields): keep the named keys, `a.b` for nested ones."""
    if isinstance(payload, list):
        return [fields_filter(item, fields) for item in payload]
    if not isinstance(payload, dict):
        return payload
    out: dict = {}
    for name in fields:
        head, _, rest = name.partition(".")
        if head not in payload:
            continue
        if not rest or not isinstance(payload[head], dict):
            out[head] = payload[head]
        elif not (head in out and not isinstance(out[head], dict)):
            nested = fields_filter(payload[head], [rest])
            out[head] = {**out.get(head, {}), **nested}
    return out


def force_of(request, body, default: bool = False) -> bool:
    raw = request.GET.get("force", body.get("force") if isinstance(body, dict) else None)
    return crud.param_bool(raw) if raw is not None else default


def _link_header(request, page: int, total_pages: int) -> str:
    """WordPress's collection Link header: prev (capped at the last page) and next."""
    params = request.GET.copy()
    links = []
    targets = []
    if page > 1 and total_pages:
        targets.append(("prev", min(page - 1, total_pages)))
    if page < total_pages:
        targets.append(("next", page + 1))
    for rel, target in targets:
        params["page"] = str(target)
        links.append(f'<{request.build_absolute_uri(request.path)}?{urlencode(params, doseq=True)}>; rel="{rel}"')
    return ", ".join(links)


@woo_view("collection")
def collection_view(request, ctx, resource, **kwargs):
    spec = spec_for(resource)
    if request.method == "GET" and spec.scope and spec.scope.list_missing_parent:
        try:
            scope_id = crud.scope_check(ctx, spec, kwargs.get(spec.scope.kwarg))
        except WooError:  # refunds of an order that does not exist: an empty list, as WP_Query finds none
            return [], 200, {"X-WP-Total": "0", "X-WP-TotalPages": "0"}
    else:
        scope_id = crud.scope_check(ctx, spec, kwargs.get(spec.scope.kwarg) if spec.scope else None)
    if request.method == "GET":
        items, total, total_pages, page = crud.records_page(ctx, spec, request.GET, scope_id)
        headers = {"X-WP-Total": str(total), "X-WP-TotalPages": str(total_pages)}
        link = _link_header(request, page, total_pages) if spec.paginated else ""
        if link:
            headers["Link"] = link
        return adapt(resource, ctx.version, items), 200, headers
    if request.method == "POST":
        body = body_of(request)
        if not isinstance(body, dict):
            body = {}
        record = crud.record_create(ctx, spec, body, scope_id)
        return adapt(resource, ctx.version, crud.render(ctx, spec, record)), 201, {}
    raise no_route()


@woo_view("item")
def item_view(request, ctx, resource, record_id, **kwargs):
    spec = spec_for(resource)
    scope_id = crud.scope_check(ctx, spec, kwargs.get(spec.scope.kwarg) if spec.scope else None)
    if request.method == "GET":
        return adapt(resource, ctx.version, crud.render(ctx, spec, crud.record_get(ctx, spec, record_id, scope_id))), \
            200, {}
    body = body_of(request)
    if not isinstance(body, dict):
        body = {}
    if request.method in ("POST", "PUT", "PATCH") and resource != "refunds":  # refunds cannot be edited
        record = crud.record_update(ctx, spec, record_id, body, scope_id)
        return adapt(resource, ctx.version, crud.render(ctx, spec, record)), 200, {}
    if request.method == "DELETE":
        deleted = crud.record_delete(ctx, spec, record_id, force_of(request, body, spec.force_default), scope_id)
        return adapt(resource, ctx.version, deleted), 200, {}
    raise no_route()


@woo_view("batch")
def batch_view(request, ctx, resource, **kwargs):
    spec = spec_for(resource)
    if request.method not in ("POST", "PUT", "PATCH"):
        raise no_route()
    scope_id = crud.scope_check(ctx, spec, kwargs.get(spec.scope.kwarg) if spec.scope else None)
    return adapt(resource, ctx.version, crud.batch(ctx, spec, body_of(request), scope_id)), 200, {}


# ---------------------------------------------------------------- tax classes


STANDARD_TAX_CLASS = {"slug": "standard", "name": "Standard rate"}


def tax_class_create(ctx, name: str) -> dict:
    """Create a tax class record; answers `{slug, name}` as WooCommerce does."""
    slug = slugify(name)
    if slug == "standard" or crud.base_queryset(ctx, "tax_classes").filter(lookup=slug).exists():
        raise WooError("woocommerce_rest_tax_class_exists", "Tax class already exists", 400)
    crud.SandboxRecord.objects.create(
        store=ctx.store, resource="tax_classes", record_id=ids_allocate(ctx.store, "tax_classes")[0],
        lookup=slug, data={"slug": slug, "name": name}, date_created_gmt=ctx.now, date_modified_gmt=ctx.now,
    )
    return {"slug": slug, "name": name}


@woo_view("collection")
def tax_classes_view(request, ctx):
    if request.method == "GET":
        rows = crud.base_queryset(ctx, "tax_classes").order_by("record_id").values_list("data", flat=True)
        return [STANDARD_TAX_CLASS, *[{"slug": r["slug"], "name": r["name"]} for r in rows]], 200, {}
    if request.method == "POST":
        body = body_of(request)
        name = str(body.get("name") or "").strip() if isinstance(body, dict) else ""
        if not name:
            raise missing_params(["name"])
        return tax_class_create(ctx, name), 201, {}
    raise no_route()


@woo_view("item")
def tax_class_item_view(request, ctx, slug):
    if request.method != "DELETE":
        raise no_route()
    if not force_of(request, {}):
        raise WooError("woocommerce_rest_trash_not_supported", "Taxes do not support trashing.", 501)
    record = crud.base_queryset(ctx, "tax_classes").filter(lookup=slug).first()
    if record is None:
        raise WooError("woocommerce_rest_invalid_id", "Invalid resource id.", 404)
    record.delete()
    return {"slug": record.data["slug"], "name": record.data["name"]}, 200, {}


# ---------------------------------------------------------------- system status, index, faults


def _plugin(plugin: str, name: str, version: str, author: str) -> dict:
    return {
        "plugin": plugin, "name": name, "version": version, "version_latest": version, "url": "",
        "author_name": author, "author_url": "", "network_activated": False,
    }


@woo_view("item")
def system_status_view(request, ctx):
    if request.method != "GET":
        raise no_route()
    store = ctx.store
    currency = store.settings.get("currency", "USD")
    plugins = [_plugin("woocommerce/woocommerce.php", "WooCommerce", WC_VERSION, "Automattic")]
    out = {
        "environment": {
            "home_url": ctx.site_url, "site_url": ctx.site_url, "version": WC_VERSION,
            "wp_version": "6.7.1", "wp_multisite": False, "wp_debug_mode": False, "language": "en_US",
            "server_info": "Cartmigrate sandbox", "php_version": "8.2.0", "default_timezone": "UTC",
            "external_object_cache": False,
        },
        "database": {"wc_database_version": WC_VERSION, "database_prefix": "wp_"},
        "active_plugins": plugins,
        "inactive_plugins": [],
        "theme": {"name": "Storefront", "version": "4.6.0", "is_child_theme": False, "has_woocommerce_support": True},
        "settings": {
            "api_enabled": True, "force_ssl": False, "currency": currency,
            "currency_symbol": CURRENCY_SYMBOLS.get(currency, currency), "currency_position": "left",
            "thousand_separator": ",", "decimal_separator": ".", "number_of_decimals": 2,
            "geolocation_enabled": False, "woocommerce_com_connected": "no",
        },
        "security": {"secure_connection": request.is_secure(), "hide_errors": True},
        "pages": [],
    }
    if ctx.multilingual:
        wpml = "OnTheGoSystems"
        plugins.append(_plugin("sitepress-multilingual-cms/sitepress.php", "WPML Multilingual CMS", "4.6.15", wpml))
        plugins.append(_plugin(
            "woocommerce-multilingual/wpml-woocommerce.php", "WooCommerce Multilingual & Multicurrency", "5.3.9", wpml
        ))
        # VERIFY: WPML's own section of the status report; languages are exposed here for connectors.
        out["wpml"] = {"default_language": store.default_language, "active_languages": store.languages}
    return out, 200, {}


@woo_view("index", auth=False)
def index_view(request, ctx):
    title = ctx.store.settings.get("title") or ctx.store.name
    namespaces = ["oembed/1.0", "wc/store/v1", "wc/v1", "wc/v2", "wc/v3", "wc-analytics", "wp/v2", "wp-site-health/v1"]
    return {
        "name": title, "description": "Just another WooCommerce store", "url": ctx.site_url, "home": ctx.site_url,
        "gmt_offset": "0", "timezone_string": "UTC", "namespaces": namespaces,
        "authentication": {}, "site_logo": 0, "site_icon": 0, "site_icon_url": "", "routes": {},
    }, 200, {}


@woo_view("index")
def no_route_view(request, ctx, rest=""):
    raise no_route()


@woo_view("faults")
def faults_view(request, ctx):
    """`POST /_sandbox/faults` {latency_ms, error_rate, rate_429, seed} with the store's read-write key."""
    if request.method == "POST":
        body = body_of(request)
        body = body if isinstance(body, dict) else {}
        try:
            sandbox_store_set_faults(
                ctx.store,
                latency_ms=body.get("latency_ms"), error_rate=body.get("error_rate"),
                rate_429=body.get("rate_429"), seed=body.get("seed", ...),
            )
        except ValueError as exc:
            raise WooError("rest_invalid_param", str(exc), 400) from None
    elif request.method != "GET":
        raise no_route()
    store = ctx.store
    return {
        "latency_ms": store.latency_ms, "error_rate": store.error_rate, "rate_429": store.rate_429,
        "seed": store.fault_seed,
    }, 200, {}

