"""Vendure (2.x/3.x) connector: transport, authentication and the connection check over the Admin GraphQL API
(`<store URL>/admin-api`) [docs.vendure.io/reference/graphql-api/admin]; each entity is a stream in `streams/`
(categories, products, customers, orders), JSON <-> canonical in `mappers.py`, Vendure's GraphQL errors in
`graphql.py`.

Authentication: an Administrator's username and password (the `login` mutation; the session token comes back in
the `vendure-auth-token` header and is sent as `Authorization: Bearer`, or as the session cookie when the
server only uses cookies), or an API key (Vendure 3.6+, `vendure-api-key` header). An optional channel token
(`vendure-token` header) selects a channel other than the default one.

CartmigratePlugin (`connectors/vendure/vendure_plugin/cartmigrate-plugin.js`, described at its top) is what the
store owner adds to the Vendure config so that imported orders keep their number, date and amounts and take no
stock, products keep their product-level SKU and stock and variants their compare-at price (its custom fields:
`mappers.PLUGIN_FIELDS`). Without it, categories, products (without those extra fields) and customers migrate;
orders are refused with a ConfigError that says what to install (streams/orders.py).

Writes are batched mutations under aliases (`connectors.sdk.graphql`): the ops of one record share a request, so
an error Vendure reports by nulling the whole answer stays with that record (`_mutate`). A record larger than
Vendure's default body limit (100 kB) is refused.
"""
from __future__ import annotations

import hashlib
import logging
import threading
from typing import Any, ClassVar

import requests

from connectors.base import CLEAR_SCOPE, CLEAR_TARGET, CredentialField, StoreInfo
from connectors.entities import EntityType, OrderStatus
from connectors.errors import AuthenticationError, ConfigError, TransientError
from connectors.http import mask_url
from connectors.sdk import StreamConnector
from connectors.sdk import graphql as batching

from . import mappers  # noqa: F401 - re-exported: connectors.vendure.connector.mappers
from .graphql import (
    ERROR_RESULT,
    NO_ANSWER,
    Op,
    body_size,
    error_kind,
    error_message,
    failed_alias,
    mutation_document,
    outcomes,
)
from .graphql import unattributed_errors as request_errors
from .guide import GUIDE
from .mappers import PLUGIN_FIELDS
from .streams import STREAMS
from .streams.order_flow import PLUGIN_HELP, WRITE_STATUS

logger = logging.getLogger(__name__)

E = EntityType
API_PATH = "/admin-api"
MAX_BODY = 95_000  # bytes; Vendure's body parser refuses requests over 100 kB by default
MAX_OPS = 60  # mutations per request
# What the streams declare, under the names the connector always exported.
ENTITIES = frozenset(STREAMS)
UPDATE_FIELDS: dict[EntityType, tuple[str, ...]] = {e: tuple(s.updatable) for e, s in STREAMS.items()}
ADMIN_LINKS: dict[EntityType, str] = {e: s.admin_link for e, s in STREAMS.items() if s.admin_link}

# Bearer tokens of password logins, per worker process: one login per store and user, not one per engine step.
_TOKENS: dict[str, str] = {}
_TOKENS_LOCK = threading.Lock()


class VendureConnector(StreamConnector):
    platform = "vendure"
    label = "Vendure"
    color = "#17c1ff"
    url_help = "The address of the Vendure server, the part before /admin-api, e.g. https://api.shop.example.com"
    guide = GUIDE  # the help center's page: where to find the keys, the permissions they need
    credential_fields = (
        CredentialField(key="username", label="Administrator username", secret=False, required=False,
                        help="An Administrator of the store (Settings → Administrators), e.g. superadmin. "
                             "Leave empty when you use an API key."),
        CredentialField(key="password", label="Administrator password", required=False,
                        help="The password of that Administrator."),
        CredentialField(key="api_key", label="API key", required=False,
                        help="Instead of a username and password (Vendure 3.6+, with 'api-key' in "
                             "authOptions.tokenMethod): Settings → Administrators → API keys."),
        CredentialField(key="channel_token", label="Channel token", secret=False, required=False,
                        help="Only for a channel other than the default one: Settings → Channels → token."),
    )
    option_fields = (CLEAR_TARGET, CLEAR_SCOPE)
    streams = STREAMS  # capabilities are derived from them (connectors.sdk.derive_capabilities)
    batch_size = 50
    default_page_size = 50
    supports_languages = True
    unsupported_message = ("{label} cannot {action} {entity} (Cartmigrate supports categories, products, customers "
                           "and orders for Vendure).")
    # Vendure's default order process [docs.vendure.io/guides/core-concepts/orders/#the-order-process].
    order_statuses: ClassVar[dict[str, OrderStatus]] = {
        "Draft": OrderStatus.PENDING,
        "ArrangingPayment": OrderStatus.PENDING,
        "PaymentAuthorized": OrderStatus.ON_HOLD,
        "PaymentSettled": OrderStatus.PROCESSING,
        "PartiallyShipped": OrderStatus.PROCESSING,
        "Modifying": OrderStatus.PROCESSING,
        "ArrangingAdditionalPayment": OrderStatus.PROCESSING,
        "Shipped": OrderStatus.COMPLETED,
        "PartiallyDelivered": OrderStatus.COMPLETED,
        "Delivered": OrderStatus.COMPLETED,
        "Cancelled": OrderStatus.CANCELLED,
    }

    @classmethod
    def default_status_for(cls, canonical: OrderStatus) -> str | None:
        """The state an imported order can really reach through the Admin API (see WRITE_STATUS)."""
        return WRITE_STATUS.get(OrderStatus(canonical))

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if self.base_url.endswith(API_PATH):
            self.base_url = self.base_url[: -len(API_PATH)]
        self._store: dict[str, Any] | None = None
        # Shared by the streams: product id -> collection ids (product-id filters; products read and write them,
        # deleting categories changes them), and product id -> its only variant (simple products, for order lines).
        self._members: dict[str, set[str]] | None = None
        self._default_variants: dict[str, str] = {}

    # --- transport ---------------------------------------------------------------------------------
    @property
    def api_url(self) -> str:
        return self.base_url + API_PATH

    def _token_key(self) -> str:
        secret = hashlib.sha256(self.credentials.get("password", "").encode()).hexdigest()
        return f"{self.api_url}|{self.credentials.get('username', '')}|{secret}"

    def _headers(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        headers = {"Accept": "application/json", "Content-Type": "application/json"}
        if self.credentials.get("channel_token"):
            headers["vendure-token"] = self.credentials["channel_token"]
        if self.credentials.get("api_key"):
            headers["vendure-api-key"] = self.credentials["api_key"]
        else:
            with _TOKENS_LOCK:
                token = _TOKENS.get(self._token_key())
            if token:
                headers["Authorization"] = f"Bearer {token}"
        headers.update(extra or {})
        return headers

    def _login(self) -> None:
        username, password = self.credentials.get("username", ""), self.credentials.get("password", "")
        if not username or not password:
            raise ConfigError("Vendure needs an Administrator username and password, or an API key.",
                              url=self.api_url)
        body, response = self._send(
            "mutation Login($username: String!, $password: String!) { login(username: $username, password: "
            "$password, rememberMe: true) { ... on CurrentUser { id identifier } " + ERROR_RESULT + " } }",
            {"username": username, "password": password}, idempotent=True, authenticated=False)
        result = (body.get("data") or {}).get("login") or {}
        if result.get("errorCode") or not result.get("id"):
            message = result.get("message") or error_message((body.get("errors") or [{}])[0])
            raise AuthenticationError(
                f"Vendure refused the login of {username!r} at {self.api_url}: {message}. Check the Administrator's "
                "username and password (Settings → Administrators).", url=self.api_url, detail=str(
                    result.get("errorCode") or ""))
        token = response.headers.get("vendure-auth-token")
        logger.info("Logged in to %s as %s (%s)", self.api_url, username, "bearer token" if token else "cookie")
        with _TOKENS_LOCK:
            if token:
                _TOKENS[self._token_key()] = token
            else:  # cookie-only servers: the session cookie is now in self.http.session
                _TOKENS.pop(self._token_key(), None)

    def _send(self, query: str, variables: dict[str, Any] | None, *, idempotent: bool, authenticated: bool = True,
              headers: dict[str, str] | None = None, params: dict[str, str] | None = None
              ) -> tuple[dict[str, Any], requests.Response]:
        """POST one GraphQL document. Raises AuthenticationError (401/403), ConfigError (not a Vendure Admin API,
        a document this server does not understand), TransientError (from HttpClient: unreachable, 5xx)."""
        send_headers = self._headers(headers) if authenticated else {"Accept": "application/json",
                                                                     **(headers or {})}
        response = self.http.request("POST", self.api_url, json={"query": query, "variables": variables or {}},
                                     headers=send_headers, params=params or None, idempotent=idempotent)
        try:
            body = response.json()
        except ValueError:
            body = None
        if response.status_code in (401, 403):
            raise AuthenticationError(f"Vendure refused the credentials at {self.api_url} (HTTP "
                                      f"{response.status_code}).", url=self.api_url, status=response.status_code)
        if not isinstance(body, dict) or ("data" not in body and "errors" not in body):
            raise ConfigError(
                f"No Vendure Admin API at {self.api_url} (HTTP {response.status_code}, "
                f"{'not JSON' if body is None else 'not a GraphQL answer'}). Check the store URL: the address of "
                "the Vendure server, without /admin-api.", url=self.api_url, status=response.status_code)
        if response.status_code >= 300 and not body.get("errors"):
            raise ConfigError(f"Vendure answered HTTP {response.status_code} at {self.api_url}.", url=self.api_url,
                              status=response.status_code)
        return body, response

    def _raise_for(self, errors: list[dict[str, Any]]) -> None:
        """The right exception for top-level errors that no single record owns."""
        if not errors:
            return
        kinds = [error_kind(e) for e in errors]
        message = "; ".join(error_message(e) for e in errors[:3])
        if "auth" in kinds:
            raise AuthenticationError(
                f"Vendure refused the request at {self.api_url}: {message}. The Administrator or API key needs the "
                "permissions to read and write catalog, customers and orders (e.g. the SuperAdmin role).",
                url=self.api_url, detail=message)
        if "schema" in kinds:
            raise ConfigError(
                f"This Vendure server does not understand Cartmigrate's request ({message}). Cartmigrate supports "
                f"Vendure 2 and 3; for the fields named here: {PLUGIN_HELP}", url=self.api_url, detail=message)
        if all(k == "transient" for k in kinds):
            raise TransientError(f"Vendure failed at {self.api_url}: {message}", url=self.api_url)
        raise ConfigError(f"Vendure refused the request at {self.api_url}: {message}", url=self.api_url,
                          detail=message)

    def _query(self, query: str, variables: dict[str, Any] | None = None, *, retry_login: bool = True
               ) -> dict[str, Any]:
        """A read: the `data` of the answer, or an exception for any error."""
        if not self.credentials.get("api_key") and not self._has_token():
            self._login()
        body, _ = self._send(query, variables, idempotent=True)
        errors = [e for e in body.get("errors") or [] if isinstance(e, dict)]
        if errors and retry_login and self._expired(errors):
            self._login()
            return self._query(query, variables, retry_login=False)
        self._raise_for(errors)
        return body.get("data") or {}

    def _has_token(self) -> bool:
        with _TOKENS_LOCK:
            return self._token_key() in _TOKENS or bool(self.http.session.cookies)

    def _expired(self, errors: list[dict[str, Any]]) -> bool:
        """A password session that expired (or was cleared): worth one new login."""
        if self.credentials.get("api_key") or not any(error_kind(e) == "auth" for e in errors):
            return False
        with _TOKENS_LOCK:
            _TOKENS.pop(self._token_key(), None)
        self.http.session.cookies.clear()
        return True

    # --- pacing: batched mutations -------------------------------------------------------------------
    def _mutate(self, ops: list[Op], *, headers: dict[str, str] | None = None,
                params: dict[str, str] | None = None, retry_safe: bool = False) -> list[tuple[Any, str | None]]:
        """Run mutations; one (value, error) per op, in order.

        The ops of one record (`Op.unit`) go in one request, so an error Vendure reports by nulling the whole
        answer (graphql.py) stays with that record: all its ops get the error and the caller undoes what it can.
        `retry_safe`: the ops may run twice (updates that set values, deletes): they are sent many records at a
        time, and one by one again when an answer was nulled. A request holds at most MAX_OPS ops and MAX_BODY
        bytes (`connectors.sdk.graphql.split`).

        Writes are not retried by HttpClient after they may have reached the store (a TransientError goes up and
        the engine reconciles by natural key). An op too large for Vendure's body limit is that op's error."""
        if not ops:
            return []
        if not self.credentials.get("api_key") and not self._has_token():
            self._login()
        results: list[tuple[Any, str | None] | None] = [None] * len(ops)
        if retry_safe:
            units = [list(range(len(ops)))]
        else:
            by_unit: dict[int, list[int]] = {}
            for index, op in enumerate(ops):
                by_unit.setdefault(id(op.unit) if not isinstance(op.unit, (str, int, tuple)) else hash(op.unit),
                                   []).append(index)
            units = list(by_unit.values())
        for unit in units:
            for chunk in batching.split([ops[i] for i in unit], max_ops=MAX_OPS, max_bytes=MAX_BODY):
                self._run_chunk(ops, [unit[i] for i in chunk], results, headers, params, retry_safe)
        return [r if r is not None else (None, NO_ANSWER) for r in results]

    def _run_chunk(self, ops: list[Op], chunk: list[int], results: list, headers: dict[str, str] | None,
                   params: dict[str, str] | None, retry_safe: bool) -> None:
        answers = self._mutate_chunk([ops[i] for i in chunk], headers, params)
        nulled = isinstance(answers, tuple)
        if nulled and retry_safe and len(chunk) > 1:
            for index in chunk:
                self._run_chunk(ops, [index], results, headers, params, retry_safe)
            return
        if nulled:
            failed_at, message = answers
            for position, index in enumerate(chunk):
                results[index] = (None, message if position >= failed_at else
                                  f"Not confirmed: a later operation of the same record failed ({message}).")
            return
        for index, answer in zip(chunk, answers, strict=True):
            results[index] = answer

    def _mutate_chunk(self, ops: list[Op], headers: dict[str, str] | None, params: dict[str, str] | None,
                      retry_login: bool = True) -> list[tuple[Any, str | None]] | tuple[int, str]:
        """Outcomes of one request, or (index of the failed op, message) when its error nulled the answer."""
        document, variables, aliases = mutation_document(ops)
        if body_size(document, variables) > MAX_BODY:
            if len(ops) > 1:
                return (0, "The record is too large for one Vendure request.")
            return [(None, f"The record is too large for one Vendure request ({body_size(document, variables):,} "
                           "bytes; Vendure's default limit is 100 kB).")]
        body, _ = self._send(document, variables, idempotent=False, headers=headers, params=params)
        loose = request_errors(body, aliases)
        if loose and retry_login and self._expired(loose) and not body.get("data"):
            self._login()
            return self._mutate_chunk(ops, headers, params, retry_login=False)
        for error in body.get("errors") or []:
            if isinstance(error, dict) and error_kind(error) == "auth":
                self._raise_for([error])
        if loose and not body.get("data"):
            if all(error_kind(e) == "input" for e in loose):
                # The request was refused before anything ran (a variable did not fit its type).
                return (0, error_message(loose[0]))
            self._raise_for(loose)
        failed = failed_alias(body, aliases)
        if failed is not None:
            return failed
        return outcomes(body, aliases)

    # --- store facts ---------------------------------------------------------------------------------
    def store(self) -> dict[str, Any]:
        """Channel and server settings, and which CartmigratePlugin custom fields exist (cached)."""
        if self._store is None:
            data = self._query("""{
              activeChannel { id code defaultLanguageCode availableLanguageCodes defaultCurrencyCode
                availableCurrencyCodes pricesIncludeTax trackInventory outOfStockThreshold seller { name } }
              globalSettings { trackInventory outOfStockThreshold serverConfig { moneyStrategyPrecision
                entityCustomFields { entityName customFields { ... on CustomField { name } } } } }
            }""")
            channel = data.get("activeChannel") or {}
            settings = data.get("globalSettings") or {}
            server = settings.get("serverConfig") or {}
            custom = {str(e.get("entityName")): {str(f.get("name")) for f in e.get("customFields") or []}
                      for e in server.get("entityCustomFields") or [] if isinstance(e, dict)}
            track = channel.get("trackInventory")
            threshold = channel.get("outOfStockThreshold")
            self._store = {
                "channel": channel,
                "default_language": str(channel.get("defaultLanguageCode") or "en"),
                "languages": [str(x) for x in channel.get("availableLanguageCodes") or []],
                "currency": str(channel.get("defaultCurrencyCode") or ""),
                "currencies": [str(x) for x in channel.get("availableCurrencyCodes") or []],
                "precision": int(server.get("moneyStrategyPrecision") or 2),
                "track_inventory": bool(settings.get("trackInventory", True) if track is None else track),
                "threshold": int((settings.get("outOfStockThreshold") if threshold is None else threshold) or 0),
                "custom": custom,
            }
        return self._store

    def has_fields(self, entity_name: str) -> bool:
        return set(PLUGIN_FIELDS[entity_name]) <= self.store()["custom"].get(entity_name, set())

    @property
    def plugin(self) -> bool:
        """CartmigratePlugin's custom fields are all there."""
        return all(self.has_fields(name) for name in PLUGIN_FIELDS)

    def _custom_selection(self, entity_name: str) -> str:
        return f"customFields {{ {' '.join(PLUGIN_FIELDS[entity_name])} }}" if self.has_fields(entity_name) else ""

    # --- connection ----------------------------------------------------------------------------------
    def check_connection(self) -> StoreInfo:
        """Log in (or use the API key), read the channel and the server's custom fields, count every entity.
        Raises AuthenticationError for refused credentials, ConfigError for an address that is not Vendure."""
        if not self.credentials.get("api_key") and not (self.credentials.get("username")
                                                        and self.credentials.get("password")):
            raise ConfigError("Enter the Administrator's username and password, or an API key.", url=self.api_url)
        try:
            store = self.store()
        except TransientError as exc:
            raise ConfigError(f"Could not reach the Vendure Admin API at {mask_url(self.api_url)}: {exc.message} "
                              "Check the store URL and that the server is running.", url=self.api_url,
                              detail=str(exc)) from None
        channel = store["channel"]
        counts = {str(entity): self.count(entity) for entity in sorted(self.capabilities.read,
                                                                        key=list(EntityType).index)}
        code = str(channel.get("code") or "")
        seller = str((channel.get("seller") or {}).get("name") or "")
        name = code if code and code != "__default_channel__" else (
            seller if seller and seller != "Default seller" else self.base_url.split("//", 1)[-1])
        return StoreInfo(
            name=name,
            url=self.base_url,
            currency=store["currency"],
            languages=store["languages"] or [store["default_language"]],
            default_language=store["default_language"],
            counts=counts,
            order_statuses=list(self.order_statuses),
            platform_version="Vendure" + (" with CartmigratePlugin" if self.plugin else ""),
        )
