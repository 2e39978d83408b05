"""WooCommerce REST API v3 connector: transport, authentication and the connection check over
`/wp-json/wc/v3/`; each entity is a stream in `streams/` (one module per entity), JSON <-> canonical in
`mappers.py`.

Transport: HTTP Basic with the consumer key and secret. Plain-HTTP stores that strip or refuse Basic
auth need OAuth 1.0a one-legged signing instead, which this connector does not do
[woocommerce-rest-api-docs _authentication.md: "Authentication over HTTP" uses OAuth1].

Languages: a WPML store lists its languages in `system_status`; the translatable streams ask `_languages()`.
Paging and checkpoints: see streams/base.py.
"""
from __future__ import annotations

import logging
from typing import Any, ClassVar

import requests

from connectors.base import CLEAR_SCOPE, CLEAR_TARGET, MIGRATE_IMAGES, ComparisonRules, CredentialField, StoreInfo
from connectors.entities import EntityType, OrderStatus
from connectors.errors import AuthenticationError, ConfigError, ConnectorError, TransientError
from connectors.http import mask_url
from connectors.sdk import StreamConnector
from connectors.sdk.access import NOT_JSON, decode_body

from . import mappers  # noqa: F401 - re-exported: connectors.woocommerce.connector.mappers
from .api import API_PATH, BATCH_LIMIT, MAX_PER_PAGE, ORDER_SCAN_LIMIT  # noqa: F401 - re-exported
from .api import means_missing as _means_missing  # noqa: F401
from .api import reason as _reason  # noqa: F401
from .api import wc_error as _wc_error
from .guide import GUIDE
from .streams import STREAMS, VARIANT_FIELDS, WooCommerceTranslatableStream  # noqa: F401

logger = logging.getLogger(__name__)

E = EntityType
# What the streams declare, under the names the connector always exported.
RESOURCES: dict[EntityType, str] = {entity: stream.resource for entity, stream in STREAMS.items()}
ENTITIES = frozenset(RESOURCES)
SERVER_MODIFIED_FILTER = frozenset(e for e, s in STREAMS.items() if s.filters_changes_on_server())
TRANSLATABLE = frozenset(e for e, s in STREAMS.items() if issubclass(s, WooCommerceTranslatableStream))
# Canonical field -> the WC body keys it maps to, for field-level updates (the smart-update catalog).
UPDATE_FIELDS: dict[EntityType, dict[str, tuple[str, ...]]] = {
    entity: dict(stream.updatable) for entity, stream in STREAMS.items() if stream.updatable}
ADMIN_LINKS: dict[EntityType, str] = {e: s.admin_link for e, s in STREAMS.items() if s.admin_link}

# WP_REST_Controller::get_fields_for_response: nested names are honoured by system_status's per-field mapping
STATUS_FIELDS = "environment.home_url,environment.site_url,environment.version,environment.language,settings,wpml"
KEYS_HELP = "WordPress admin → WooCommerce → Settings → Advanced → REST API → Add key (permissions: Read/Write)."


class WooCommerceConnector(StreamConnector):
    platform = "woocommerce"
    label = "WooCommerce"
    url_help = "The address of the WordPress site's home page, e.g. https://shop.example.com"
    guide = GUIDE  # the help center's page: where to find the keys, the permissions they need
    credential_fields = (
        CredentialField(key="consumer_key", label="Consumer key",
                        help=f"Starts with ck_. {KEYS_HELP}"),  # half of the pair: never shown back in full
        CredentialField(key="consumer_secret", label="Consumer secret",
                        help=f"Starts with cs_, shown once when the key is created. {KEYS_HELP}"),
    )
    option_fields = (CLEAR_TARGET, CLEAR_SCOPE, MIGRATE_IMAGES)
    color = "#7f54b3"
    # WooCommerce stores coupon codes in lower case (wc_format_coupon_code).
    comparison = ComparisonRules(case_insensitive={E.COUPON: frozenset({"code"})})
    streams = STREAMS  # capabilities are derived from them (connectors.sdk.derive_capabilities)
    batch_size = BATCH_LIMIT
    default_page_size = MAX_PER_PAGE
    supports_languages = True
    # [woocommerce-rest-api-docs _orders.md: pending|processing|on-hold|completed|cancelled|refunded|failed]
    order_statuses: ClassVar[dict[str, OrderStatus]] = {
        "pending": OrderStatus.PENDING,
        "processing": OrderStatus.PROCESSING,
        "on-hold": OrderStatus.ON_HOLD,
        "completed": OrderStatus.COMPLETED,
        "cancelled": OrderStatus.CANCELLED,
        "refunded": OrderStatus.REFUNDED,
        "failed": OrderStatus.FAILED,
    }

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._store_languages: tuple[str, list[str]] | None = None

    # --- transport ---------------------------------------------------------------------------------
    @property
    def api_url(self) -> str:
        return self.base_url + API_PATH

    @property
    def migrate_images(self) -> bool:
        return bool(self.options.get("migrate_images", True))

    def _auth(self) -> tuple[str, str]:
        return (self.credentials.get("consumer_key", ""), self.credentials.get("consumer_secret", ""))

    def _call(self, method: str, path: str, *, params: dict[str, Any] | None = None, body: Any = None,
              allow: tuple[int, ...] = (), idempotent: bool | None = None) -> tuple[Any, requests.Response]:
        """One API call. Returns (decoded JSON, response) for 2xx and the `allow`ed statuses; raises
        AuthenticationError / ConfigError otherwise (TransientError / RateLimited come from HttpClient)."""
        url = self.api_url + path
        kwargs: dict[str, Any] = {"params": params or None, "auth": self._auth(),
                                  "headers": {"Accept": "application/json"}}
        if body is not None:
            kwargs["json"] = body
        response = self.http.request(method, url, idempotent=idempotent, **kwargs)
        data = self._decode(response)
        no_route = data is NOT_JSON or (isinstance(data, dict) and data.get("code") == "rest_no_route")
        if (response.status_code < 300 or response.status_code in allow) and not no_route:
            return data, response
        raise self._error(response, data, path)

    @staticmethod
    def _decode(response: requests.Response) -> Any:
        return decode_body(response.content)

    def _url_of(self, response: requests.Response) -> str:
        return mask_url(response.url or self.api_url)

    def _no_api(self, response: requests.Response, why: str) -> ConfigError:
        return ConfigError(
            f"No WooCommerce REST API at {self.api_url} ({why}, HTTP {response.status_code}). Check the store "
            "URL (the site's home page), that WooCommerce is active, and that Settings → Permalinks is not "
            "'Plain' (the REST API needs pretty permalinks).",
            url=self._url_of(response), status=response.status_code,
        )

    def _error(self, response: requests.Response, data: Any, path: str) -> ConnectorError:
        status = response.status_code
        url = self._url_of(response)
        code, message = _wc_error(data)
        if status in (401, 403):
            if code == "woocommerce_rest_cannot_view" and status == 401:
                # WordPress saw no credentials at all: hosts running PHP as CGI often drop the header
                hint = ("WordPress received no key: the web server may strip the Authorization header; ask "
                        "the host to pass it through to PHP, then check the key")
            elif code == "woocommerce_rest_cannot_view":
                # a valid key whose WordPress user lacks manage_woocommerce (wc_rest_check_manager_permissions)
                hint = ("The key's WordPress user may not manage WooCommerce: create the key for an "
                        "Administrator or Shop Manager")
            elif status == 403 or "permission" in code or "write permission" in message.lower():
                hint = "The key may be read-only: give it Read/Write permission"
            else:
                hint = "Check that the key exists, is copied in full and belongs to an active user"
            return AuthenticationError(
                f"WooCommerce refused the consumer key at {url} (HTTP {status}: {message or code or 'no reason'}). "
                f"{hint} in WooCommerce → Settings → Advanced → REST API.", url=url, status=status, detail=code)
        if data is NOT_JSON or code == "rest_no_route":
            if path.startswith(RESOURCES[E.MANUFACTURER]) and data is not NOT_JSON:
                return ConfigError(
                    f"This store has no product brands API ({url}); brands are core from WooCommerce 9.6. "
                    "Update WooCommerce or leave manufacturers out.", url=url, status=status)
            return self._no_api(response, "WordPress answered rest_no_route" if code else
                                "the answer is not JSON (an HTML page?)")
        if status >= 500:
            return TransientError(f"WooCommerce failed at {url}: HTTP {status} {message}".strip(), url=url,
                                  status=status)
        return ConfigError(f"WooCommerce refused the request to {url}: HTTP {status} {message or code}".strip(),
                           url=url, status=status, detail=code)

    @staticmethod
    def _int_header(response: requests.Response, name: str) -> int | None:
        try:
            return int(response.headers[name])
        except (KeyError, ValueError):
            return None

    # --- connection ----------------------------------------------------------------------------------
    def check_connection(self) -> StoreInfo:
        """GET system_status (proves the URL, the API and the key), then counts per entity.

        Only the sections read here are asked for (`_fields`, honoured by WooCommerce >= 3.9): the full
        report also runs the store's outbound HTTP self-tests, which take seconds on a real site.
        system_status needs a key whose user can manage WooCommerce; a read-only key is enough."""
        try:
            status, _ = self._call("GET", "system_status", params={"_fields": STATUS_FIELDS})
        except TransientError as exc:
            raise ConfigError(
                f"Could not reach the WooCommerce API at {mask_url(self.api_url)}: {exc.message} Check the store "
                "URL and that the site is online.", url=mask_url(self.api_url), detail=str(exc)) from None
        if not isinstance(status, dict):
            raise ConfigError(f"{self.api_url}system_status did not return an object; is this WooCommerce?",
                              url=self.api_url)
        environment = status.get("environment") or {}
        settings = status.get("settings") or {}
        default_language, languages = _languages_of(status)
        self._store_languages = (default_language, languages)
        counts: dict[str, int] = {}
        for entity in sorted(self.capabilities.read, key=list(EntityType).index):
            try:
                counts[str(entity)] = self.count(entity)
            except ConfigError as exc:
                if not self.streams[entity].optional_endpoint:  # brands are missing before WC 9.6: not fatal
                    raise
                logger.info("No brands endpoint: %s", exc.message)
        name = settings.get("title") or self._site_title()
        return StoreInfo(
            name=str(name or self.base_url.split("//", 1)[-1]),
            url=str(environment.get("home_url") or environment.get("site_url") or self.base_url),
            currency=str(settings.get("currency") or ""),
            languages=languages,
            default_language=default_language,
            counts=counts,
            order_statuses=list(self.order_statuses),
            platform_version=f"WooCommerce {environment.get('version')}" if environment.get("version") else "",
        )

    def _site_title(self) -> str:
        """The site title from the WordPress REST index (`GET /wp-json/`, public); "" when unavailable."""
        try:
            response = self.http.request("GET", self.base_url + "/wp-json/", headers={"Accept": "application/json"})
            index = self._decode(response)
        except TransientError:
            return ""
        return str(index.get("name") or "") if response.status_code == 200 and isinstance(index, dict) else ""

    def _languages(self) -> tuple[str, list[str]]:
        if self._store_languages is None:
            try:
                status, _ = self._call("GET", "system_status", params={"_fields": STATUS_FIELDS})
                self._store_languages = _languages_of(status if isinstance(status, dict) else {})
            except ConfigError:
                self._store_languages = ("", [])
        return self._store_languages

    # --- API helpers the streams share ------------------------------------------------------------------
    def _batch(self, path: str, operation: str, payloads: list[Any]) -> list[tuple[Any, str | None]]:
        """POST {path}/batch in chunks of at most 100; one (id, error) per payload, in order."""
        outcomes: list[tuple[Any, str | None]] = []
        for start in range(0, len(payloads), BATCH_LIMIT):
            chunk = payloads[start:start + BATCH_LIMIT]
            # Batch updates and deletes name their ids, so sending them twice is harmless; creates are not.
            data, response = self._call("POST", f"{path}/batch", body={operation: chunk},
                                        allow=(400, 404, 409, 413, 422), idempotent=operation != "create")
            if response.status_code >= 300:
                code, message = _wc_error(data)
                problem = f"WooCommerce refused the batch: HTTP {response.status_code} {message or code}".strip()
                outcomes.extend((None, problem) for _ in chunk)
                continue
            answers = data.get(operation) if isinstance(data, dict) else None
            answers = answers if isinstance(answers, list) else []
            for position in range(len(chunk)):
                answer = answers[position] if position < len(answers) else None
                if not isinstance(answer, dict):
                    outcomes.append((None, "WooCommerce gave no answer for this record in the batch."))
                elif answer.get("error"):
                    code, message = _wc_error(answer["error"])
                    outcomes.append((answer.get("id") or None, message or code or "refused"))
                elif not answer.get("id"):
                    outcomes.append((None, "WooCommerce returned the record without an id."))
                else:
                    outcomes.append((answer["id"], None))
        return outcomes

    def _all_pages(self, path: str, params: dict[str, Any] | None = None) -> list[Any]:
        """Every record of a small collection (tags, one product's variations); a 404 parent is empty."""
        out: list[Any] = []
        page = 1
        while True:
            data, response = self._call("GET", path, params={**(params or {}), "page": page,
                                                             "per_page": MAX_PER_PAGE}, allow=(404,))
            batch = data if isinstance(data, list) and response.status_code == 200 else []
            out.extend(batch)
            total_pages = self._int_header(response, "X-WP-TotalPages")
            if (page >= total_pages) if total_pages is not None else len(batch) < MAX_PER_PAGE:
                return out
            page += 1


def _languages_of(status: dict[str, Any]) -> tuple[str, list[str]]:
    """(default language, languages) from system_status. WPML stores list their languages there; a
    store without WPML has one language, taken from the WordPress locale ("fr_FR" -> "fr")."""
    settings = status.get("settings") if isinstance(status.get("settings"), dict) else {}
    environment = status.get("environment") if isinstance(status.get("environment"), dict) else {}
    candidates = [status, settings, environment, status.get("wpml") if isinstance(status.get("wpml"), dict) else {}]
    languages: list[str] = []
    default = ""
    for source in candidates:
        raw = source.get("active_languages") or source.get("languages")
        if isinstance(raw, list) and raw and not languages:
            languages = [str(x.get("code") if isinstance(x, dict) else x) for x in raw]
        if isinstance(raw, dict) and raw and not languages:
            languages = [str(k) for k in raw]
        if not default and source.get("default_language"):
            default = str(source["default_language"])
    if not default:
        locale = str(environment.get("language") or environment.get("locale") or "")
        default = locale.split("_")[0].lower() if locale else ""
    if default and default not in languages:
        languages.insert(0, default)
    return default, languages
