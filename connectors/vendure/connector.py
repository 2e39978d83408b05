"""Vendure (2.x/3.x) connector: reads and writes canonical entities through the Admin GraphQL API
(`<store URL>/admin-api`) [docs.vendure.io/reference/graphql-api/admin].

Authentication: an Administrator's username and password (the `login` mutation; the session token comes back in
the `vendure-auth-token` header and is sent as `Authorization: Bearer`, or as the session cookie when the
server only uses cookies), or an API key (Vendure 3.6+, `vendure-api-key` header). An optional channel token
(`vendure-token` header) selects a channel other than the default one.

Entities: categories are Collections whose contents are a `product-id-filter` (nested through `parentId`,
`inheritFilters` off); products have option groups and variants (prices in minor units, stock on hand per
variant, facet "Tags" for tags, one translation per language code); customers are registered customers (with
a user account) and their addresses; orders are written through the draft-order flow (customer, lines,
addresses, shipping method, manual payment, fulfillments) and read from every order that is not a shopping
cart (`active: false`).

What stock Vendure cannot hold, and what the store owner must configure
-------------------------------------------------------------------------
Stock Vendure has no place for an imported order's number and date, for historical prices, discounts, tax and
shipping (it prices an order with today's catalogue and tax rates), for a product-level SKU or stock, or for a
"compare at" price. It also moves stock for every order it places and refuses lines that are out of stock
today. The store owner therefore adds **CartmigratePlugin** (`connectors/vendure/vendure_plugin/
cartmigrate-plugin.js`, described at its top) to the Vendure config. With it:
- the source order number and date are kept in the Order custom fields `sourceOrderNumber` and
  `sourceOrderDate` (Vendure's own `code` and `orderPlacedAt` cannot be set through the API); reconciliation
  after a crash looks orders up by `sourceOrderNumber`;
- each imported line keeps its historical unit price, discount and tax (OrderLine custom fields, a price
  strategy, a promotion action and a tax-line strategy that only act on imported lines), the shipping keeps
  its price and tax (a shipping calculator), so totals are the source's to the cent;
- imported orders allocate and sell no stock, and today's stock does not refuse their lines or shipments;
- products keep their product-level SKU and stock (`productSku`, `stockQuantity`, `stockStatus`) and
  variants their compare-at price (`compareAtPrice`).
Without the plugin, categories, products (without those extra fields) and customers migrate; orders are
refused with a ConfigError that says what to install. Cartmigrate creates, once, the shipping method
"Imported shipping" (code `cartmigrate-imported`) and the automatic promotion "Imported order discounts"
that the plugin's operations need.

Order statuses: Vendure has fewer order states than most platforms and its Admin API cannot authorize a
payment, refund one it did not take, or put an order on hold. Imported orders end in Draft (pending, on hold:
no payment), PaymentSettled (processing: a settled manual payment with the source's payment method and
transaction id), Delivered (completed: the payment plus one fulfillment with the tracking number and carrier,
shipped and delivered) or Cancelled (cancelled, refunded, failed: cancelled before any payment; no refund is
recorded). Reading a Vendure store maps each state to its canonical meaning (`order_statuses`).

Reading pages with `sort: {id: ASC}` and a `{"skip": n, "take": k}` checkpoint is safe for the same reason as
WooCommerce's page numbers: ids only grow, so records created during a read land after the last page; a
record deleted during the read can shift a page left by one.

Other differences, all lossy in one direction only:
- Stock: canonical `stock_quantity` is what is left to sell (Vendure's stock on hand minus what placed orders
  allocated), as WooCommerce and Shopify count it; writing adds back what the target already allocated.
- An order of a registered customer carries that customer's email (Vendure links orders to customers, not to
  an email); a guest order whose email has an account on Vendure is linked to that account (with a warning).
- Addresses have one `fullName`: it is split on the customer's own names, else before the last word.
- An order keeps its first tracking number only: Vendure ships each line once.
- Images are read (asset URLs) but not written (Vendure takes uploads, not URLs); short descriptions and
  weights have no Vendure field; a record larger than Vendure's default body limit (100 kB) is refused;
  placed orders cannot be deleted (Vendure only deletes drafts).

Order writes live in orders.py, the GraphQL batching in graphql.py, the JSON translations in mappers.py.
"""
from __future__ import annotations

import hashlib
import logging
import threading
from collections import defaultdict
from collections.abc import Iterable, Iterator
from datetime import datetime, timedelta
from typing import Any, ClassVar

import requests

from connectors.base import (
    CLEAR_SCOPE,
    CLEAR_TARGET,
    Capabilities,
    Connector,
    CredentialField,
    Page,
    StoreInfo,
    WriteResult,
)
from connectors.entities import Canonical, Category, Customer, EntityType, OrderStatus, Product, Variant
from connectors.errors import AuthenticationError, ConfigError, RecordError, TransientError
from connectors.http import mask_url

from . import mappers
from .graphql import (
    ERROR_RESULT,
    MAX_TAKE,
    Op,
    body_size,
    error_kind,
    error_message,
    failed_alias,
    mutation_document,
    outcomes,
)
from .graphql import unattributed_errors as request_errors
from .mappers import PLUGIN_FIELDS
from .orders import PLUGIN_HELP, WRITE_STATUS, VendureOrders, country_hint

logger = logging.getLogger(__name__)

E = EntityType
API_PATH = "/admin-api"
MAX_BODY = 95_000  # bytes; Vendure's body parser refuses requests over 100 kB by default
MAX_OPS = 60  # mutations per request
ENTITIES = frozenset({E.CATEGORY, E.PRODUCT, E.CUSTOMER, E.ORDER})

# Canonical fields that update() can patch in place (the smart-update catalog).
UPDATE_FIELDS: dict[EntityType, tuple[str, ...]] = {
    E.CATEGORY: ("name", "description", "parent_id", "seo"),
    E.PRODUCT: ("name", "description", "status", "price", "compare_at_price", "manage_stock", "stock_quantity",
                "stock_status", "category_ids", "tags", "seo", "sku"),
    E.CUSTOMER: ("first_name", "last_name", "phone", "billing", "shipping"),
    E.ORDER: ("status",),
}
PRODUCT_FIELDS_ON_PRODUCT = frozenset({"name", "description", "status", "tags", "seo", "sku", "manage_stock",
                                       "stock_quantity", "stock_status"})
PRODUCT_FIELDS_ON_VARIANTS = frozenset({"price", "compare_at_price", "manage_stock", "stock_quantity",
                                        "stock_status"})

ADMIN_LINKS: dict[EntityType, str] = {  # Vendure's Admin UI (AdminUiPlugin, route "admin")
    E.PRODUCT: "admin/catalog/products/{id}",
    E.CATEGORY: "admin/catalog/collections/{id}",
    E.CUSTOMER: "admin/customer/customers/{id}",
    E.ORDER: "admin/orders/{id}",
}

# Bearer tokens of password logins, per worker process: one login per store and user, not one per engine step.
_TOKENS: dict[str, str] = {}
_TOKENS_LOCK = threading.Lock()

ASSET = "{ source preview name }"
CATEGORY_FIELDS = f"""id createdAt updatedAt position isPrivate parentId name slug description
  breadcrumbs {{ id }} featuredAsset {ASSET} translations {{ languageCode name slug description }}"""
CUSTOMER_FIELDS = """id createdAt updatedAt title firstName lastName emailAddress phoneNumber user { id }
  addresses { id updatedAt fullName company streetLine1 streetLine2 city province postalCode phoneNumber
    country { code } defaultShippingAddress defaultBillingAddress }"""
ORDER_ADDRESS = "{ fullName company streetLine1 streetLine2 city province postalCode countryCode phoneNumber }"


class VendureConnector(VendureOrders, Connector):
    platform = "vendure"
    label = "Vendure"
    url_help = "The address of the Vendure server, the part before /admin-api, e.g. https://api.shop.example.com"
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
    capabilities = Capabilities(
        read=ENTITIES,
        write=ENTITIES,
        updatable_fields=dict(UPDATE_FIELDS),
        # Only orders: a product's `updatedAt` does not move when only a variant's price or stock changes, nor a
        # customer's when only an address changes, nor a collection's when only a translation changes.
        # Those entities are filtered on the client, on the newest `updatedAt` of the record and its parts.
        modified_filter=frozenset({E.ORDER}),
        batch_size=50,
        page_size=50,
        # An order costs about ten mutations, a product five: keep one engine step short.
        page_sizes={E.PRODUCT: 25, E.ORDER: 25},
        languages=True,
        customer_groups=False,
        preserve_ids=False,
        customer_passwords=False,
    )
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
        self._members: dict[str, set[str]] | None = None  # product id -> collection ids (product-id filters)
        self._tag_values: dict[str, str] | None = None  # tag name -> facet value id
        self._tag_facet: str | None = None
        self._default_variants: dict[str, str] = {}
        self._order_setup: tuple[str, str] | None = None

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

    def _mutate(self, ops: list[Op], *, headers: dict[str, str] | None = None,
                params: dict[str, str] | None = None, retry_safe: bool = False) -> list[tuple[Any, str | None]]:
        """Run mutations; one (value, error) per op, in order.

        The ops of one record (`Op.unit`) go in one request, so an error Vendure reports by nulling the whole
        answer (graphql.py) stays with that record: all its ops get the error and the caller undoes what it can.
        `retry_safe`: the ops may run twice (updates that set values, deletes): they are sent many records at a
        time, and one by one again when an answer was nulled.

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
            chunk: list[int] = []
            for index in unit:
                document, variables, _ = mutation_document([ops[i] for i in [*chunk, index]])
                if chunk and (len(chunk) >= MAX_OPS or body_size(document, variables) > MAX_BODY):
                    self._run_chunk(ops, chunk, results, headers, params, retry_safe)
                    chunk = []
                chunk.append(index)
            self._run_chunk(ops, chunk, results, headers, params, retry_safe)
        return [r if r is not None else (None, "Vendure gave no answer for this operation.") for r in results]

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

    def _paged(self, field: str, fields: str, *, options: dict[str, Any] | None = None, type_name: str = ""
               ) -> Iterator[dict[str, Any]]:
        """Every item of a list query, MAX_TAKE at a time, by id."""
        skip = 0
        options_type = type_name or f"{field[0].upper()}{field[1:-1]}ListOptions"
        while True:
            data = self._query(f"query List($options: {options_type}) {{ {field}(options: $options) {{ totalItems "
                               f"items {{ {fields} }} }} }}",
                               {"options": {**(options or {}), "skip": skip, "take": MAX_TAKE, "sort": {"id": "ASC"}}})
            result = data.get(field) or {}
            items = result.get("items") or []
            yield from (i for i in items if isinstance(i, dict))
            skip += len(items)
            if not items or skip >= int(result.get("totalItems") or 0):
                return

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

    def _product_fields(self) -> str:
        return f"""id createdAt updatedAt enabled name slug description
          translations {{ languageCode name slug description }}
          featuredAsset {ASSET} assets {ASSET}
          facetValues {{ id name facet {{ code }} }}
          collections {{ id }}
          optionGroups {{ id code name options {{ id code name }} }}
          variants {{ id createdAt updatedAt sku price trackInventory stockOnHand stockAllocated outOfStockThreshold
            useGlobalOutOfStockThreshold featuredAsset {ASSET} options {{ id name group {{ id name }} }}
            {self._custom_selection("ProductVariant")} }}
          {self._custom_selection("Product")}"""

    def _order_fields(self) -> str:
        return f"""id code state active createdAt updatedAt orderPlacedAt currencyCode couponCodes
          customer {{ id firstName lastName emailAddress user {{ id }} }}
          shippingAddress {ORDER_ADDRESS} billingAddress {ORDER_ADDRESS}
          lines {{ id quantity unitPrice linePrice proratedLinePrice proratedLinePriceWithTax
            productVariant {{ id sku name productId options {{ id }} }} }}
          shippingLines {{ price discountedPrice shippingMethod {{ code name }} }}
          taxSummary {{ description taxRate taxTotal }}
          shipping total totalWithTax
          payments {{ method amount state transactionId metadata createdAt }}
          fulfillments {{ id state method trackingCode createdAt }}
          history(options: {{ take: 5, filter: {{ type: {{ eq: "ORDER_NOTE" }} }} }}) {{ items {{ type data }} }}
          {self._custom_selection("Order")}"""

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
        counts = {str(entity): self.count(entity) for entity in sorted(ENTITIES, key=list(EntityType).index)}
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

    # --- reading -------------------------------------------------------------------------------------
    def read(self, entity: EntityType, *, checkpoint: dict[str, Any] | None = None,
             modified_since: datetime | None = None, page_size: int | None = None) -> Iterator[Page]:
        """Pages in id order from `checkpoint` ({"skip", "take"}). With `modified_since`: orders are filtered by
        Vendure (`updatedAt`), other entities here, on the newest `updatedAt` of the record and its parts."""
        entity = self._require(entity, "read")
        checkpoint = checkpoint or {}
        take = max(1, min(MAX_TAKE, int(checkpoint.get("take") or page_size or self.capabilities.page_size)))
        skip = max(0, int(checkpoint.get("skip") or 0))
        filters = self._list_filter(entity)
        if modified_since is not None and entity in self.capabilities.modified_filter:
            since = modified_since - timedelta(milliseconds=1)  # "after" is exclusive
            filters["updatedAt"] = {"after": mappers.format_time(since)}
        while True:
            records, total = self._list_page(entity, skip, take, filters)
            items, errors = self._map_records(entity, records)
            if modified_since is not None and entity not in self.capabilities.modified_filter:
                items = [i for i in items if i.updated_at is None or i.updated_at >= modified_since]
            skip += len(records)
            more = bool(records) and skip < total
            next_checkpoint = {"skip": skip, "take": take} if more else None
            yield Page(items=items, next_checkpoint=next_checkpoint, errors=errors,
                       total=None if entity == E.CUSTOMER or modified_since else total)
            if next_checkpoint is None:
                return

    @staticmethod
    def _list_filter(entity: EntityType) -> dict[str, Any]:
        return {"active": {"eq": False}} if entity == E.ORDER else {}  # orders, not shopping carts

    def _fields_of(self, entity: EntityType) -> str:
        return {E.CATEGORY: CATEGORY_FIELDS, E.PRODUCT: self._product_fields(), E.CUSTOMER: CUSTOMER_FIELDS,
                E.ORDER: self._order_fields()}[entity]

    def _list_page(self, entity: EntityType, skip: int, take: int, filters: dict[str, Any]
                   ) -> tuple[list[dict[str, Any]], int]:
        field = {E.CATEGORY: "collections", E.PRODUCT: "products", E.CUSTOMER: "customers", E.ORDER: "orders"}[entity]
        type_name = {E.CATEGORY: "CollectionListOptions", E.PRODUCT: "ProductListOptions",
                     E.CUSTOMER: "CustomerListOptions", E.ORDER: "OrderListOptions"}[entity]
        options: dict[str, Any] = {"skip": skip, "take": take, "sort": {"id": "ASC"}}
        if filters:
            options["filter"] = filters
        data = self._query(f"query Page($options: {type_name}) {{ {field}(options: $options) {{ totalItems "
                           f"items {{ {self._fields_of(entity)} }} }} }}", {"options": options})
        result = data.get(field) or {}
        items = result.get("items") if isinstance(result.get("items"), list) else []
        return items, int(result.get("totalItems") or 0)

    def _map_records(self, entity: EntityType, records: list[Any]) -> tuple[list[Canonical], list[RecordError]]:
        items: list[Canonical] = []
        errors: list[RecordError] = []
        store = self.store()
        for record in records:
            if entity == E.CUSTOMER and isinstance(record, dict) and not record.get("user"):
                continue  # a guest of an order, not a customer with an account
            context: dict[str, Any] = {}
            if entity in (E.CATEGORY, E.PRODUCT):
                context["default_language"] = store["default_language"]
            if entity in (E.PRODUCT, E.ORDER):
                context["precision"] = store["precision"]
            if entity == E.PRODUCT:
                context.update(global_track_inventory=store["track_inventory"], global_threshold=store["threshold"],
                               category_ids=self._categories_of(record))
            if entity == E.ORDER and isinstance(record, dict):
                record = {**record, "history": (record.get("history") or {}).get("items") or []}
            try:
                items.append(mappers.to_canonical(entity, record, **context))
            except RecordError as exc:
                errors.append(exc)
        return items, errors

    def _categories_of(self, record: Any) -> set[str]:
        """The collections a product is in: those Vendure computed (`product.collections`) and those whose
        product-id filter lists it (up to date even while Vendure's job queue still applies the filters)."""
        if not isinstance(record, dict) or not record.get("id"):
            return set()
        computed = {str(c.get("id")) for c in record.get("collections") or [] if isinstance(c, dict)}
        return computed | self._collection_members().get(str(record["id"]), set())

    def _collection_members(self, *, refresh: bool = False) -> dict[str, set[str]]:
        if self._members is None or refresh:
            members: dict[str, set[str]] = defaultdict(set)
            for collection in self._paged("collections", "id filters { code args { name value } }",
                                          type_name="CollectionListOptions"):
                for product_id in mappers.product_ids_of_filters(collection.get("filters") or []):
                    members[product_id].add(str(collection["id"]))
            self._members = members
        return self._members

    def count(self, entity: EntityType) -> int:
        entity = self._require(entity, "count")
        if entity == E.CUSTOMER:  # guests of orders are customers without a user: not counted
            return sum(1 for c in self._paged("customers", "id user { id }", type_name="CustomerListOptions")
                       if c.get("user"))
        _, total = self._list_page_ids(entity, take=1)
        return total

    def _list_page_ids(self, entity: EntityType, *, take: int, skip: int = 0) -> tuple[list[str], int]:
        field = {E.CATEGORY: "collections", E.PRODUCT: "products", E.CUSTOMER: "customers", E.ORDER: "orders"}[entity]
        type_name = {E.CATEGORY: "CollectionListOptions", E.PRODUCT: "ProductListOptions",
                     E.CUSTOMER: "CustomerListOptions", E.ORDER: "OrderListOptions"}[entity]
        options: dict[str, Any] = {"skip": skip, "take": take, "sort": {"id": "ASC"}}
        if self._list_filter(entity):
            options["filter"] = self._list_filter(entity)
        data = self._query(f"query Ids($options: {type_name}) {{ {field}(options: $options) {{ totalItems "
                           "items { id } } }", {"options": options})
        result = data.get(field) or {}
        return [str(i["id"]) for i in result.get("items") or []], int(result.get("totalItems") or 0)

    def get(self, entity: EntityType, record_id: str) -> Canonical | None:
        entity = self._require(entity, "read")
        field = {E.CATEGORY: "collection", E.PRODUCT: "product", E.CUSTOMER: "customer", E.ORDER: "order"}[entity]
        data = self._query(f"query One($id: ID!) {{ {field}(id: $id) {{ {self._fields_of(entity)} }} }}",
                           {"id": str(record_id)})
        record = data.get(field)
        if not isinstance(record, dict):
            return None
        items, errors = self._map_records(entity, [record])
        if errors and not items:
            raise errors[0]
        return items[0] if items else None

    def list_ids(self, entity: EntityType) -> Iterator[str]:
        """Every id without mapping (malformed records can still be cleared); registered customers only."""
        entity = self._require(entity, "list")
        if entity == E.CUSTOMER:
            for customer in self._paged("customers", "id user { id }", type_name="CustomerListOptions"):
                if customer.get("user"):
                    yield str(customer["id"])
            return
        skip = 0
        while True:
            ids, total = self._list_page_ids(entity, take=MAX_TAKE, skip=skip)
            yield from ids
            skip += len(ids)
            if not ids or skip >= total:
                return

    def entity_url(self, entity: EntityType, record_id: str) -> str | None:
        template = ADMIN_LINKS.get(EntityType(entity))
        return f"{self.base_url}/{template.format(id=record_id)}" if template else None

    def _require(self, entity: Any, action: str) -> EntityType:
        entity = EntityType(entity)
        if entity not in ENTITIES:
            raise ConfigError(f"Vendure cannot {action} {entity.label.lower()} (Cartmigrate supports categories, "
                              "products, customers and orders for Vendure).")
        return entity

    # --- writing: dispatch ------------------------------------------------------------------------------
    def create(self, entity: EntityType, items: list[Canonical]) -> list[WriteResult]:
        """Create records; one result per item, in order. Not idempotent by itself: the engine writes a pending
        id-map row first and, after a crash, finds what was written with find_by_natural_keys."""
        entity = self._require(entity, "write")
        if not items:
            return []
        if entity == E.CATEGORY:
            return self._create_categories(items)
        if entity == E.PRODUCT:
            return self._create_products(items)
        if entity == E.CUSTOMER:
            return self._create_customers(items)
        return self._create_orders(items)

    def update(self, entity: EntityType, target_id: str, item: Canonical, fields: list[str] | None = None
               ) -> WriteResult:
        """Overwrite a record with `item`, or with `fields` patch only those canonical fields (UPDATE_FIELDS).
        Idempotent: writing the same item twice leaves the same record (variants matched by SKU, addresses
        updated in place, an order completed only up to the state it lacks)."""
        entity = self._require(entity, "write")
        unknown = [f for f in fields or [] if f not in UPDATE_FIELDS[entity]]
        if unknown:
            return WriteResult(source_id=item.source_id,
                               error=f"Vendure cannot update {', '.join(unknown)} of {entity.label.lower()}.")
        try:
            if entity == E.CATEGORY:
                return self._update_category(target_id, item, fields)
            if entity == E.PRODUCT:
                return self._update_product(target_id, item, fields)
            if entity == E.CUSTOMER:
                return self._update_customer(target_id, item, fields)
            return self._update_order(target_id, item, fields)
        except (ValueError, TypeError) as exc:
            return WriteResult(source_id=item.source_id, error=f"Could not prepare the record: {exc}")

    def delete(self, entity: EntityType, target_ids: list[str]) -> list[WriteResult]:
        """Delete records. Missing ones count as deleted. Placed orders cannot be deleted in Vendure (only
        drafts can): they are refused with a message."""
        entity = self._require(entity, "delete")
        if entity == E.ORDER:
            return self._delete_orders(target_ids)
        name = {E.CATEGORY: "deleteCollections", E.PRODUCT: "deleteProducts", E.CUSTOMER: "deleteCustomers"}[entity]
        ops = [Op(name, {"ids": ("[ID!]!", [str(i)])}, "{ result message }", key=i) for i in target_ids]
        results = []
        for target_id, (value, error) in zip(target_ids, self._mutate(ops, retry_safe=True), strict=True):
            answer = (value or [{}])[0] if isinstance(value, list) else {}
            if error and not _means_missing(error):
                results.append(WriteResult(source_id=target_id, error=error))
            elif answer.get("result") == "NOT_DELETED":
                results.append(WriteResult(source_id=target_id, error=str(answer.get("message") or "not deleted")))
            else:
                results.append(WriteResult(source_id=target_id, target_id=target_id))
        if entity in (E.PRODUCT, E.CATEGORY):
            self._members = None
        return results

    # --- natural keys ----------------------------------------------------------------------------------
    def find_by_natural_key(self, entity: EntityType, key: str) -> str | None:
        """categories: slug; products: product SKU (CartmigratePlugin's productSku), else a variant's SKU, or
        "slug:<slug>"; customers: email (registered customers); orders: the source order number
        (sourceOrderNumber), else Vendure's order code."""
        return self.find_by_natural_keys(entity, [key]).get(key) if key else None

    def find_by_natural_keys(self, entity: EntityType, keys: list[str]) -> dict[str, str]:
        """Many keys at once: one filtered list query per kind of key (`in` operator)."""
        entity = self._require(entity, "find")
        wanted = sorted({k for k in keys if k})
        if not wanted:
            return {}
        found: dict[str, str] = {}

        def lookup(field: str, filter_field: str, values: list[str], returned: str, *, select: str = "",
                   accept=None, into: dict[str, str] | None = None) -> None:
            """Records whose `filter_field` is one of `values`; `into[value] = id` (product id for variants)."""
            into = found if into is None else into
            type_name = {"collections": "CollectionListOptions", "products": "ProductListOptions",
                         "customers": "CustomerListOptions", "orders": "OrderListOptions",
                         "productVariants": "ProductVariantListOptions"}[field]
            for start in range(0, len(values), MAX_TAKE):
                chunk = values[start:start + MAX_TAKE]
                options = {"take": MAX_TAKE, "sort": {"id": "ASC"}, "filter": {filter_field: {"in": chunk}}}
                data = self._query(f"query Find($options: {type_name}) {{ {field}(options: $options) {{ items {{ "
                                   f"id {returned} {select} }} }} }}", {"options": options})
                lowered = {k.lower(): k for k in chunk}
                for record in (data.get(field) or {}).get("items") or []:
                    if accept is not None and not accept(record):
                        continue
                    key = lowered.get(str(_dig(record, returned) or "").lower())
                    if key is not None and key not in into:
                        into[key] = str(record.get("productId") or record["id"])

        if entity == E.CATEGORY:
            lookup("collections", "slug", wanted, "slug")
        elif entity == E.CUSTOMER:
            lookup("customers", "emailAddress", wanted, "emailAddress", select="user { id }",
                   accept=lambda r: r.get("user"))
        elif entity == E.ORDER:
            if self.has_fields("Order"):
                lookup("orders", "sourceOrderNumber", wanted, "customFields { sourceOrderNumber }")
            lookup("orders", "code", [k for k in wanted if k not in found], "code")
        else:
            by_slug: dict[str, str] = {}
            slugs = [k.removeprefix("slug:") for k in wanted if k.startswith("slug:")]
            if slugs:
                lookup("products", "slug", slugs, "slug", into=by_slug)
            found.update({f"slug:{k}": v for k, v in by_slug.items()})
            skus = [k for k in wanted if not k.startswith("slug:")]
            if skus and self.has_fields("Product"):
                lookup("products", "productSku", skus, "customFields { productSku }")
            rest = [k for k in skus if k not in found]
            if rest:
                lookup("productVariants", "sku", rest, "sku", select="productId")
        return found

    # --- categories ------------------------------------------------------------------------------------
    def _create_categories(self, items: list[Canonical]) -> list[WriteResult]:
        store = self.store()
        ops, results, warnings = [], {}, {}
        for index, item in enumerate(items):
            assert isinstance(item, Category)
            data, skipped = mappers.collection_input(item, default_language=store["default_language"],
                                                     languages=store["languages"])
            warnings[index] = _language_warnings(skipped)
            ops.append(Op("createCollection", {"input": ("CreateCollectionInput!", data)}, "{ id }", key=index))
        for op, (value, error) in zip(ops, self._mutate(ops), strict=True):
            item = items[op.key]
            results[op.key] = (WriteResult(source_id=item.source_id, error=error) if error else
                               WriteResult(source_id=item.source_id, target_id=str(value["id"]),
                                           warnings=warnings[op.key]))
        return [results[i] for i in range(len(items))]

    def _update_category(self, target_id: str, item: Canonical, fields: list[str] | None) -> WriteResult:
        """Translations and parent in place. A category without a parent is moved to the top level."""
        assert isinstance(item, Category)
        store = self.store()
        data, skipped = mappers.collection_input(item, default_language=store["default_language"],
                                                 languages=store["languages"])
        update: dict[str, Any] = {"id": target_id}
        ops = []
        if fields is None or {"name", "description", "seo"} & set(fields):
            update["translations"] = data["translations"]
        if fields is None or "parent_id" in fields:
            if item.parent_id:
                update["parentId"] = item.parent_id
            else:
                found = self._query("query Where($id: ID!) { collection(id: $id) { breadcrumbs { id } } }",
                                    {"id": target_id}).get("collection") or {}
                crumbs = found.get("breadcrumbs") or []
                if len(crumbs) > 2:  # [root, ..., itself]: not at the top level yet
                    ops.append(Op("moveCollection", {"input": ("MoveCollectionInput!", {
                        "collectionId": target_id, "parentId": str(crumbs[0]["id"]), "index": 0})}, "{ id }"))
        if len(update) > 1:
            ops.insert(0, Op("updateCollection", {"input": ("UpdateCollectionInput!", update)}, "{ id }"))
        for _, error in self._mutate(ops):
            if error:
                return WriteResult(source_id=item.source_id, error=error)
        return WriteResult(source_id=item.source_id, target_id=target_id, warnings=_language_warnings(skipped))

    # --- products --------------------------------------------------------------------------------------
    def _tag_ids(self, names: Iterable[str]) -> dict[str, str]:
        """Tag names -> facet value ids of the "Tags" facet; the facet and missing values are created."""
        names = sorted({n for n in names if n})
        if not names:
            return {}
        if self._tag_values is None:
            data = self._query("query Tags($options: FacetListOptions) { facets(options: $options) { items { id code "
                               "values { id name } } } }",
                               {"options": {"filter": {"code": {"eq": mappers.TAG_FACET_CODE}}}})
            facets = (data.get("facets") or {}).get("items") or []
            self._tag_facet = str(facets[0]["id"]) if facets else None
            self._tag_values = {str(v["name"]): str(v["id"]) for v in (facets[0]["values"] if facets else [])}
        missing = [n for n in names if n not in self._tag_values]
        language = self.store()["default_language"]
        if missing and self._tag_facet is None:
            (value, error), = self._mutate([Op("createFacet", {"input": ("CreateFacetInput!", {
                "code": mappers.TAG_FACET_CODE, "isPrivate": False,
                "translations": [{"languageCode": language, "name": mappers.TAG_FACET_NAME}],
                "values": [{"code": mappers.slugify(n) or "tag", "translations": [{"languageCode": language,
                                                                                    "name": n}]} for n in missing],
            })}, "{ id values { id name } }")])
            if error:
                raise ConfigError(f"Could not create the Tags facet on Vendure: {error}", url=self.api_url)
            self._tag_facet = str(value["id"])
            self._tag_values.update({str(v["name"]): str(v["id"]) for v in value["values"]})
        elif missing:
            (value, error), = self._mutate([Op("createFacetValues", {"input": ("[CreateFacetValueInput!]!", [
                {"facetId": self._tag_facet, "code": mappers.slugify(n) or "tag",
                 "translations": [{"languageCode": language, "name": n}]} for n in missing])}, "{ id name }")])
            if error:
                raise ConfigError(f"Could not create tags on Vendure: {error}", url=self.api_url)
            self._tag_values.update({str(v["name"]): str(v["id"]) for v in value})
        return {n: self._tag_values[n] for n in names if n in self._tag_values}

    def _product_input(self, item: Product, tag_ids: dict[str, str]) -> tuple[dict[str, Any], list[str]]:
        store = self.store()
        data, skipped = mappers.product_input(item, default_language=store["default_language"],
                                              languages=store["languages"],
                                              facet_value_ids=[tag_ids[t] for t in item.tags if t in tag_ids],
                                              custom_fields=self.has_fields("Product"))
        return data, _language_warnings(skipped)

    def _variants_of(self, item: Product) -> list[Variant]:
        return list(item.variants) if item.type == "variable" else [mappers.simple_variant(item)]

    def _create_products(self, items: list[Canonical]) -> list[WriteResult]:
        """Three requests per page: the products; their option groups; the groups attached and the variants.
        Then each collection gets its new products (one update per collection). A product whose variants are
        refused is deleted again and reported, so a rerun does not find half a product."""
        products = [i for i in items if isinstance(i, Product)]
        tag_ids = self._tag_ids(t for p in products for t in p.tags)
        results: dict[int, WriteResult] = {}
        created: dict[int, str] = {}
        ops = []
        for index, item in enumerate(products):
            try:
                data, warnings = self._product_input(item, tag_ids)
            except (ValueError, TypeError) as exc:
                results[index] = WriteResult(source_id=item.source_id, error=f"Could not prepare the record: {exc}")
                continue
            results[index] = WriteResult(source_id=item.source_id, warnings=warnings)
            ops.append(Op("createProduct", {"input": ("CreateProductInput!", data)}, "{ id }", key=index))
        for op, (value, error) in zip(ops, self._mutate(ops), strict=True):
            if error:
                results[op.key].error = error
            else:
                created[op.key] = str(value["id"])
        variant_outcomes = self._write_variants({i: (created[i], products[i]) for i in created})
        to_delete = []
        for index, product_id in created.items():
            children, error = variant_outcomes[index]
            if error:
                results[index].error = f"Its variants were refused: {error}"
                to_delete.append(product_id)
                continue
            results[index].target_id = product_id
            results[index].children = children
        if to_delete:
            self._mutate([Op("deleteProducts", {"ids": ("[ID!]!", to_delete)}, "{ result }")], retry_safe=True)
        joins: dict[str, set[str]] = defaultdict(set)
        for index, product_id in created.items():
            if results[index].ok:
                for category_id in products[index].category_ids:
                    joins[category_id].add(product_id)
        self._set_memberships(joins, {}, results={created[i]: results[i] for i in created if results[i].ok})
        return [results[i] for i in range(len(products))]

    def _write_variants(self, targets: dict[Any, tuple[str, Product]],
                        existing: dict[Any, dict[str, Any]] | None = None, skip: set[str] | None = None
                        ) -> dict[Any, tuple[dict[str, str], str | None]]:
        """Create the option groups and variants a product lacks on Vendure (all of them for a new product).

        `existing`: per key, the product as read from Vendure (option groups, variants) when updating; `skip`:
        source variant ids already matched to a Vendure variant. Answers, per key, (source variant id -> Vendure
        variant id for the variants created, error)."""
        store = self.store()
        language = store["default_language"]
        existing = existing or {}
        out: dict[Any, tuple[dict[str, str], str | None]] = {k: ({}, None) for k in targets}
        # 1. Option groups and options that are missing.
        group_ops, option_ops = [], []
        option_ids: dict[Any, dict[tuple[str, str], str]] = {}
        for key, (_, item) in targets.items():
            known = existing.get(key) or {}
            groups = {str(g["name"]): g for g in known.get("optionGroups") or []}
            ids = {(name, str(o["name"])): str(o["id"]) for name, g in groups.items() for o in g.get("options") or []}
            option_ids[key] = ids
            for name, values in mappers.option_groups_wanted(item) if item.type == "variable" else []:
                if name not in groups:
                    group_ops.append(Op("createProductOptionGroup", {"input": (
                        "CreateProductOptionGroupInput!", mappers.option_group_input(
                            name, values, default_language=language))}, "{ id name options { id name } }",
                        key=(key, name), group=key))
                    continue
                for value in values:
                    if (name, value) not in ids:
                        option_ops.append(Op("createProductOption", {"input": ("CreateProductOptionInput!", {
                            "productOptionGroupId": str(groups[name]["id"]), "code": mappers.slugify(value) or "option",
                            "translations": [{"languageCode": language, "name": value}]})}, "{ id name }",
                            key=(key, name, value), group=key))
        failed: dict[Any, str] = {}
        new_groups: dict[Any, list[str]] = defaultdict(list)
        for op, (value, error) in zip(group_ops, self._mutate(group_ops), strict=True):
            key, name = op.key
            if error:
                failed.setdefault(key, f"option {name}: {error}")
                continue
            new_groups[key].append(str(value["id"]))
            for option in value.get("options") or []:
                option_ids[key][(name, str(option["name"]))] = str(option["id"])
        for op, (value, error) in zip(option_ops, self._mutate(option_ops), strict=True):
            key, name, option_value = op.key
            if error:
                failed.setdefault(key, f"option {name} {option_value}: {error}")
            else:
                option_ids[key][(name, option_value)] = str(value["id"])
        # 2. Groups attached to their product, then the missing variants (in one request: in order).
        ops = []
        for key, (product_id, item) in targets.items():
            if key in failed:
                continue
            for group_id in new_groups.get(key, []):
                ops.append(Op("addOptionGroupToProduct", {"productId": ("ID!", product_id),
                                                          "optionGroupId": ("ID!", group_id)}, "{ id }", key=key,
                              group=key))
            known_skus = {str(v.get("sku")) for v in (existing.get(key) or {}).get("variants") or [] if v.get("sku")}
            inputs, sources = [], []
            for variant in self._variants_of(item):
                if (variant.sku and variant.sku in known_skus) or variant.source_id in (skip or ()):
                    continue
                try:
                    ids = [option_ids[key][(n, v)] for n, v in variant.option_values.items()]
                    inputs.append({"productId": product_id, **mappers.variant_input(
                        variant, product_name=item.name, option_ids=ids, default_language=language,
                        precision=store["precision"], custom_fields=self.has_fields("ProductVariant"))})
                except (KeyError, ValueError) as exc:
                    failed.setdefault(key, f"variant {variant.sku or variant.source_id}: {exc}")
                    break
                sources.append(variant.source_id)
            if key not in failed and inputs:
                ops.append(Op("createProductVariants", {"input": ("[CreateProductVariantInput!]!", inputs)},
                              "{ id sku }", key=(key, tuple(sources)), group=key))
        for op, (value, error) in zip(ops, self._mutate(ops), strict=True):
            key = op.key[0] if isinstance(op.key, tuple) else op.key
            if error:
                failed.setdefault(key, error)
            elif isinstance(op.key, tuple):
                made = [v for v in value or [] if isinstance(v, dict)]
                sources = op.key[1]
                if len(made) != len(sources):
                    failed.setdefault(key, f"{len(sources) - len(made)} variant(s) were not created")
                    continue
                item = targets[key][1]
                if item.type == "variable":
                    out[key] = ({s: str(v["id"]) for s, v in zip(sources, made, strict=True)}, None)
                else:
                    self._default_variants[targets[key][0]] = str(made[0]["id"])
        for key, error in failed.items():
            out[key] = ({}, error)
        return out

    def _set_memberships(self, joins: dict[str, set[str]], leaves: dict[str, set[str]], *,
                         results: dict[str, WriteResult]) -> None:
        """Add products to (`joins`) and remove them from (`leaves`) collections: {collection id: product ids}.
        Each collection's product-id filter is rewritten once. A collection that refuses is a warning on the
        products concerned (they exist; only their category is missing)."""
        touched = sorted(set(joins) | set(leaves))
        if not touched:
            return
        current: dict[str, list[str]] = {}
        data = self._query("query Filters($options: CollectionListOptions) { collections(options: $options) { items {"
                           " id filters { code args { name value } } } } }",
                           {"options": {"take": MAX_TAKE, "filter": {"id": {"in": touched}}}})
        for collection in (data.get("collections") or {}).get("items") or []:
            current[str(collection["id"])] = mappers.product_ids_of_filters(collection.get("filters") or [])
        ops = []
        for collection_id in touched:
            if collection_id not in current:
                for product_id in joins.get(collection_id, ()):
                    if product_id in results:
                        results[product_id].warnings.append(f"Its category {collection_id} does not exist on Vendure.")
                continue
            ids = (set(current[collection_id]) | joins.get(collection_id, set())) - leaves.get(collection_id, set())
            if ids == set(current[collection_id]):
                continue
            ops.append(Op("updateCollection", {"input": ("UpdateCollectionInput!", {
                "id": collection_id, "filters": mappers.product_id_filters(ids)})}, "{ id }", key=collection_id))
        for op, (_, error) in zip(ops, self._mutate(ops, retry_safe=True), strict=True):
            if error:
                for product_id in joins.get(op.key, set()) | leaves.get(op.key, set()):
                    if product_id in results:
                        results[product_id].warnings.append(f"Its category {op.key} was not updated: {error}")
        if self._members is not None:
            for collection_id, product_ids in joins.items():
                for product_id in product_ids:
                    self._members[product_id].add(collection_id)
            for collection_id, product_ids in leaves.items():
                for product_id in product_ids:
                    self._members.get(product_id, set()).discard(collection_id)

    def _raw_product(self, product_id: str) -> dict[str, Any] | None:
        data = self._query(f"query One($id: ID!) {{ product(id: $id) {{ {self._product_fields()} }} }}",
                           {"id": str(product_id)})
        record = data.get("product")
        return record if isinstance(record, dict) else None

    def _update_product(self, target_id: str, item: Canonical, fields: list[str] | None) -> WriteResult:
        assert isinstance(item, Product)
        store = self.store()
        raw = self._raw_product(target_id)
        if raw is None:
            return WriteResult(source_id=item.source_id, error=f"Product {target_id} does not exist on Vendure.")
        wanted = set(fields) if fields is not None else None
        result = WriteResult(source_id=item.source_id, target_id=target_id)
        ops = []
        if wanted is None or wanted & PRODUCT_FIELDS_ON_PRODUCT:
            tag_ids = self._tag_ids(item.tags) if wanted is None or "tags" in wanted else {}
            data, warnings = self._product_input(item, tag_ids)
            result.warnings.extend(warnings)
            update: dict[str, Any] = {"id": target_id}
            if wanted is None or {"name", "description", "seo"} & wanted:
                update["translations"] = data["translations"]
            if wanted is None or "status" in wanted:
                update["enabled"] = data["enabled"]
            if wanted is None or "tags" in wanted:
                others = [str(v["id"]) for v in raw.get("facetValues") or []
                          if (v.get("facet") or {}).get("code") != mappers.TAG_FACET_CODE]
                update["facetValueIds"] = others + data["facetValueIds"]
            if "customFields" in data and (wanted is None or {"sku", "manage_stock", "stock_quantity",
                                                              "stock_status"} & wanted):
                update["customFields"] = data["customFields"]
            if len(update) > 1:
                ops.append(Op("updateProduct", {"input": ("UpdateProductInput!", update)}, "{ id }"))
        children: dict[str, str] = {}
        variants_by_sku = {str(v.get("sku")): v for v in raw.get("variants") or [] if v.get("sku")}
        by_options = {tuple(sorted((str(o["group"]["name"]), str(o["name"])) for o in v.get("options") or [])): v
                      for v in raw.get("variants") or []}
        on_variants = PRODUCT_FIELDS_ON_VARIANTS | ({"sku"} if item.type == "simple" else set())
        matched: set[str] = set()
        if wanted is None or wanted & on_variants:
            updates = []
            for variant in self._variants_of(item):
                target = variants_by_sku.get(variant.sku) if variant.sku else None
                target = target or by_options.get(tuple(sorted(variant.option_values.items())))
                if target is None and item.type == "simple" and len(raw.get("variants") or []) == 1:
                    target = raw["variants"][0]
                if target is None:
                    continue
                matched.add(variant.source_id)
                if item.type == "variable":
                    children[variant.source_id] = str(target["id"])
                allocated = int(target.get("stockAllocated") or 0)
                full = mappers.variant_input(variant, product_name=item.name, option_ids=[],
                                             default_language=store["default_language"], precision=store["precision"],
                                             custom_fields=self.has_fields("ProductVariant"), allocated=allocated)
                keys = {"sku", "price", "translations", "trackInventory", "stockOnHand", "useGlobalOutOfStockThreshold",
                        "outOfStockThreshold", "customFields"} if wanted is None else set()
                if wanted is not None:
                    if "sku" in wanted:  # a simple product's SKU is its variant's
                        keys.add("sku")
                    if "price" in wanted:
                        keys.add("price")
                    if "compare_at_price" in wanted:
                        keys.add("customFields")
                    if {"manage_stock", "stock_quantity", "stock_status"} & wanted:
                        keys |= {"trackInventory", "stockOnHand", "useGlobalOutOfStockThreshold", "outOfStockThreshold"}
                patch = {k: v for k, v in full.items() if k in keys}
                if patch:
                    updates.append({"id": str(target["id"]), **patch})
            if updates:
                ops.append(Op("updateProductVariants", {"input": ("[UpdateProductVariantInput!]!", updates)},
                              "{ id }"))
        for _, error in self._mutate(ops):
            if error:
                return WriteResult(source_id=item.source_id, error=error)
        if wanted is None:  # variants the target lacks (an interrupted create, or new on the source)
            (created, error), = self._write_variants({0: (target_id, item)}, {0: raw}, skip=matched).values()
            if error:
                result.warnings.append(f"Some variants could not be created: {error}")
            children.update(created)
        if wanted is None or "category_ids" in wanted:
            have = self._collection_members(refresh=True).get(target_id, set())
            want = set(item.category_ids)
            self._set_memberships({c: {target_id} for c in want - have}, {c: {target_id} for c in have - want},
                                  results={target_id: result})
        result.children = children
        return result

    # --- customers -------------------------------------------------------------------------------------
    def _create_customers(self, items: list[Canonical]) -> list[WriteResult]:
        """Two requests per page: the customers (EmailAddressConflictError is that record's error), then their
        addresses (a refused address, e.g. a country the store lacks, is a warning: the customer exists)."""
        results: dict[int, WriteResult] = {}
        ops = []
        for index, item in enumerate(items):
            assert isinstance(item, Customer)
            results[index] = WriteResult(source_id=item.source_id)
            ops.append(Op("createCustomer", {"input": ("CreateCustomerInput!", mappers.customer_input(item))},
                          "{ ... on Customer { id } " + ERROR_RESULT + " }", key=index))
        address_ops = []
        for op, (value, error) in zip(ops, self._mutate(ops), strict=True):
            if error:
                results[op.key].error = error
                continue
            results[op.key].target_id = str(value["id"])
            for address in mappers.customer_address_inputs(items[op.key]):
                address_ops.append(Op("createCustomerAddress", {"customerId": ("ID!", str(value["id"])),
                                                                "input": ("CreateAddressInput!", address)},
                                      "{ id }", key=op.key))
        for op, (_, error) in zip(address_ops, self._mutate(address_ops), strict=True):
            if error:
                results[op.key].warnings.append(f"An address was refused: {error}{country_hint(error)}")
        return [results[i] for i in range(len(items))]

    def _update_customer(self, target_id: str, item: Canonical, fields: list[str] | None) -> WriteResult:
        assert isinstance(item, Customer)
        data = self._query(f"query One($id: ID!) {{ customer(id: $id) {{ {CUSTOMER_FIELDS} }} }}", {"id": target_id})
        raw = data.get("customer")
        if not isinstance(raw, dict):
            return WriteResult(source_id=item.source_id, error=f"Customer {target_id} does not exist on Vendure.")
        wanted = set(fields) if fields is not None else None
        result = WriteResult(source_id=item.source_id, target_id=target_id)
        ops = []
        full = mappers.customer_input(item)
        keys = {"firstName", "lastName", "phoneNumber", "title"} if wanted is None else set()
        for canonical, key in (("first_name", "firstName"), ("last_name", "lastName"), ("phone", "phoneNumber")):
            if wanted is not None and canonical in wanted:
                keys.add(key)
        if keys:
            ops.append(Op("updateCustomer", {"input": ("UpdateCustomerInput!", {
                "id": target_id, **{k: v for k, v in full.items() if k in keys}})},
                "{ ... on Customer { id } " + ERROR_RESULT + " }"))
        if wanted is None or {"billing", "shipping"} & wanted:
            addresses = raw.get("addresses") or []
            billing = next((a for a in addresses if a.get("defaultBillingAddress")), None)
            shipping = next((a for a in addresses if a.get("defaultShippingAddress")), None)
            for address in mappers.customer_address_inputs(item):
                is_billing, is_shipping = address["defaultBillingAddress"], address["defaultShippingAddress"]
                if wanted is not None and not ((is_billing and "billing" in wanted) or
                                               (is_shipping and "shipping" in wanted)):
                    continue
                current = billing if is_billing else shipping
                if is_billing and is_shipping and billing and shipping and billing["id"] != shipping["id"]:
                    ops.append(Op("deleteCustomerAddress", {"id": ("ID!", str(shipping["id"]))}, "{ success }"))
                if current:
                    ops.append(Op("updateCustomerAddress", {"input": ("UpdateAddressInput!", {
                        "id": str(current["id"]), **address})}, "{ id }"))
                else:
                    ops.append(Op("createCustomerAddress", {"customerId": ("ID!", target_id),
                                                            "input": ("CreateAddressInput!", address)}, "{ id }"))
        for op, (_, error) in zip(ops, self._mutate(ops), strict=True):
            if error and op.name == "updateCustomer":
                return WriteResult(source_id=item.source_id, error=error)
            if error:
                result.warnings.append(f"An address was refused: {error}{country_hint(error)}")
        return result


def _dig(record: dict[str, Any], path: str) -> Any:
    """record["customFields"]["productSku"] for "customFields { productSku }"; record[path] otherwise."""
    if "{" in path:
        outer, inner = path.split("{", 1)
        value = record.get(outer.strip())
        return value.get(inner.strip(" }")) if isinstance(value, dict) else None
    return record.get(path.split()[0])


def _means_missing(error: str) -> bool:
    text = error.lower()
    return "no " in text and "with the id" in text or "not found" in text or "entity_not_found" in text


def _language_warnings(skipped: list[str]) -> list[str]:
    return [f"The {', '.join(skipped)} translation was left out: the Vendure channel does not offer that language "
            "(Settings → Channels → available languages)."] if skipped else []
