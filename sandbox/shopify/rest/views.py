"""The HTTP adapter of the REST Admin API: `GET <shop>/admin/api/<version>/<path>.json` (and the unversioned
`/admin/<path>.json`, served by the oldest supported version as Shopify does). Order of checks: unknown store
or version 404, token 401, the REST leaky bucket 429, unknown path 404, missing scope 403; every answer is
JSON and carries `X-Shopify-Shop-Api-Call-Limit` once the app is known."""
from django.views.decorators.csrf import csrf_exempt

from ..common import Ctx
from ..views import INVALID_TOKEN, _fault, _store, _token_access, granted_scopes, json_response, version_served
from .bucket import rest_bucket_take
from .endpoints import Req
from .paging import RestError
from .routes import route_match, route_scope

THROTTLED = "Exceeded 2 calls per second for api client. Reduce request rates to resume uninterrupted service."
OLDEST = "2000-01"  # falls forward to the oldest supported version


def _scope_error(scope: str) -> dict:
    # https://shopify.dev/docs/api/usage/access-scopes (body as Shopify answers it, quoted in client issues)
    return {"errors": f"[API] This action requires merchant approval for {scope} scope."}


@csrf_exempt
def rest_view(request, store, path, version=None):
    """Any path under `/admin/` that is not the GraphQL endpoint or the OAuth scopes endpoint."""
    store_obj = _store(store)
    served = version_served(version if version is not None else OLDEST)
    if store_obj is None or served is None:
        return json_response({"errors": "Not Found"}, 404)
    fault = _fault(store_obj)  # the store's fault knobs, as on the GraphQL endpoint
    if fault is not None:
        return fault
    access = _token_access(request, store_obj)
    if access is None:
        return json_response({"errors": INVALID_TOKEN}, 401)
    bucket = rest_bucket_take(store_obj)
    headers = {"X-Shopify-Shop-Api-Call-Limit": bucket.header(), "X-Shopify-API-Version": served}
    if not bucket.granted:
        # https://shopify.dev/docs/api/usage/limits#rest-admin-api-rate-limits
        return json_response({"errors": THROTTLED}, 429, {**headers, "Retry-After": "2.0"})
    found = route_match(path)
    if found is None:
        status = 406 if route_match(f"{path}.json") is not None else 404
        return json_response({"errors": "Not Acceptable" if status == 406 else "Not Found"}, status, headers)
    route, kw = found
    if request.method not in ("GET", "HEAD"):
        return json_response({"errors": "Not Found"}, 404, headers)
    scopes = granted_scopes(store_obj, access)
    scope = route_scope(route, kw)
    if scope and scope not in scopes:
        return json_response(_scope_error(scope), 403, headers)
    base_url = request.build_absolute_uri(f"/sandbox/shopify/{store}").rstrip("/")
    ctx = Ctx(store=store_obj, base_url=base_url, version=served, can_write=access == "write",
              all_orders="read_all_orders" in scopes, scopes=scopes)
    req = Req(ctx=ctx, query=request.GET, url=request.build_absolute_uri(request.path))
    try:
        answer = route.handle(req, **{k: v for k, v in kw.items() if v is not None})
    except RestError as error:
        return json_response(error.payload, error.status, {**headers, **error.headers})
    return json_response(answer.payload, answer.status, {**headers, **answer.headers})
