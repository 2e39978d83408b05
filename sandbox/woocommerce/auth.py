"""Authentication as WooCommerce's WC_REST_Authentication does it (plugins/woocommerce/includes/
class-wc-rest-authentication.php): consumer key/secret as query parameters or HTTP Basic, or OAuth 1.0a
one-legged (HMAC-SHA1/HMAC-SHA256, 15-minute timestamp window) as the official clients use over HTTP.

The sandbox accepts Basic over plain HTTP too (a real store only reads it over HTTPS).
"""
import base64
import binascii
import hashlib
import hmac
import re
import time
from urllib.parse import quote, unquote

from ..models import SandboxStore
from .errors import WooError

READ, READ_WRITE = "read", "read_write"
WRITE_METHODS = ("POST", "PUT", "PATCH", "DELETE")
OAUTH_REQUIRED = (
    "oauth_consumer_key", "oauth_timestamp", "oauth_nonce", "oauth_signature", "oauth_signature_method",
)
OAUTH_WINDOW = 15 * 60
_HEADER_PARAM = re.compile(r'(oauth_[a-z_-]*)=(?:"([^"]*)"|([^,]*))')

# What WooCommerce's permission callbacks answer to a request that carries no credentials at all.
NOT_ALLOWED = {
    ("collection", "GET"): ("woocommerce_rest_cannot_view", "Sorry, you cannot list resources."),
    ("collection", "POST"): ("woocommerce_rest_cannot_create", "Sorry, you are not allowed to create resources."),
    ("item", "GET"): ("woocommerce_rest_cannot_view", "Sorry, you cannot view this resource."),
    ("item", "DELETE"): ("woocommerce_rest_cannot_delete", "Sorry, you are not allowed to delete this resource."),
    ("batch", "POST"): (
        "woocommerce_rest_cannot_batch", "Sorry, you are not allowed to batch manipulate this resource."
    ),
}


def _auth_error(message: str) -> WooError:
    return WooError("woocommerce_rest_authentication_error", message, 401)


def _basic_credentials(request) -> tuple[str, str]:
    if request.GET.get("consumer_key") and request.GET.get("consumer_secret"):
        return request.GET["consumer_key"], request.GET["consumer_secret"]
    header = request.META.get("HTTP_AUTHORIZATION", "")
    if header[:6].lower() == "basic ":
        try:
            user, _, password = base64.b64decode(header[6:].strip()).decode("utf-8").partition(":")
        except (binascii.Error, UnicodeDecodeError):
            return "", ""
        return user, password
    return "", ""


def _key_permissions(store: SandboxStore, key: str) -> tuple[str, str] | None:
    if hmac.compare_digest(key, store.consumer_key):
        return store.consumer_secret, READ_WRITE
    if hmac.compare_digest(key, store.read_only_consumer_key):
        return store.read_only_consumer_secret, READ
    return None


def _oauth_params(request) -> dict:
    params = {k: v for k, v in request.GET.items()}
    if request.content_type == "application/x-www-form-urlencoded":
        params.update(request.POST.items())
    header = request.META.get("HTTP_AUTHORIZATION", "").strip()
    if header.startswith("OAuth "):
        for name, quoted, bare in _HEADER_PARAM.findall(header):
            params[name] = unquote(quoted or bare)
    if not any(params.get(name) for name in OAUTH_REQUIRED):
        return {}
    missing = [name for name in OAUTH_REQUIRED if not params.get(name)]
    if missing:
        noun = "parameter" if len(missing) == 1 else "parameters"
        raise WooError(
            "woocommerce_rest_authentication_missing_parameter", f"Missing OAuth {noun} {', '.join(missing)}", 401
        )
    return params


def _signature_base(method: str, url: str, params: dict, safe: str) -> str:
    def enc(value: str) -> str:
        return quote(str(value), safe=safe)

    pairs = [enc(f"{enc(k)}={enc(v)}") for k, v in sorted(params.items()) if k != "oauth_signature"]
    return f"{method}&{quote(url, safe='')}&{'%26'.join(pairs)}"


def _oauth_check(request, store: SandboxStore, params: dict) -> str:
    found = _key_permissions(store, params["oauth_consumer_key"])
    if found is None:
        raise _auth_error("Consumer key is invalid.")
    secret, permissions = found
    method_name = params["oauth_signature_method"]
    if method_name not in ("HMAC-SHA1", "HMAC-SHA256"):
        raise _auth_error("Invalid signature - signature method is invalid.")
    digest = hashlib.sha1 if method_name == "HMAC-SHA1" else hashlib.sha256
    url = request.build_absolute_uri(request.path)
    given = unquote(params["oauth_signature"].replace(" ", "+"))
    # PHP's rawurlencode leaves only "~" unescaped; clients built on Python's quote() also keep "/".
    for safe in ("~", "/~"):
        base = _signature_base(request.method.upper(), url, params, safe)
        expected = base64.b64encode(hmac.new(f"{secret}&".encode(), base.encode(), digest).digest()).decode()
        if hmac.compare_digest(expected, given):
            break
    else:
        raise _auth_error("Invalid signature - provided signature does not match.")
    try:
        timestamp = int(params["oauth_timestamp"])
    except ValueError:
        timestamp = 0
    if abs(time.time() - timestamp) > OAUTH_WINDOW:
        raise _auth_error("Invalid timestamp.")
    return permissions


def authenticate(request, store: SandboxStore, kind: str) -> str:
    """Return the key's permissions ("read" or "read_write") or raise the error WooCommerce answers."""
    method = request.method.upper()
    key, secret = _basic_credentials(request)
    permissions = None
    if key and secret:
        found = _key_permissions(store, key)
        if found is None:
            raise _auth_error("Consumer key is invalid.")
        if not hmac.compare_digest(secret, found[0]):
            raise _auth_error("Consumer secret is invalid.")
        permissions = found[1]
    else:
        params = _oauth_params(request)
        if params:
            permissions = _oauth_check(request, store, params)
    if permissions is None:
        default = ("woocommerce_rest_cannot_edit", "Sorry, you are not allowed to edit this resource.")
        code, message = NOT_ALLOWED.get((kind, method), default)
        raise WooError(code, message, 401)
    if method in WRITE_METHODS and permissions != READ_WRITE:
        raise _auth_error("The API key provided does not have write permissions.")
    return permissions
