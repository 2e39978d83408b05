"""Shopify Admin GraphQL API connector (source and target): transport, pacing, authentication and the
connection check; each entity is a stream in `streams/` (one module per entity), JSON <-> canonical in
`mappers.py`, bulk operations in `bulk.py`.

Transport: `POST {shop}/admin/api/{API_VERSION}/graphql.json` with `X-Shopify-Access-Token`
[shopify.dev/docs/api/admin-graphql]. Every request goes through `HttpClient` (timeouts, retries, SSRF guard).

Pacing [shopify.dev/docs/apps/build/apis/graphql-admin/rate-limits]: Shopify meters each (app, store) with a
leaky bucket of cost points and reports it in every answer (`extensions.cost.throttleStatus`). Before a
request the connector takes the query's expected cost (the last `requestedQueryCost` seen for that
document) from the shared per-store token bucket (connectors.ratelimit, in Redis), so all workers together
spend the store's budget and none runs into the wall; after it, it sets the shared bucket to what Shopify
says is left (`currentlyAvailable`) and adopts Shopify's `restoreRate` / `maximumAvailable` (a Plus store
restores ten times faster than the Standard default). A `THROTTLED` answer (HTTP 200, nothing executed)
waits exactly `(requested - available) / restoreRate` seconds and is sent again, unless the query costs more
than the whole bucket: then no wait helps and it is shrunk as after MAX_COST_EXCEEDED (smaller pages or
batches, which also stay under 90% of a bucket smaller than REQUEST_BUDGET).

Writes: many mutations share one request under aliases (`m0`, `m1`...; `connectors.sdk.graphql`), sized so
that a request stays under Shopify's single-query maximum of 1000 points (a request Shopify still finds too
expensive is split in halves); each alias's `userErrors` becomes that record's error with Shopify's message.

Reading pages, bulk queries, natural keys and field patches: see streams/base.py, bulk.py and the streams.
"""
from __future__ import annotations

import logging
import re
import time
from typing import Any, ClassVar

import requests

from connectors.base import (
    CLEAR_SCOPE,
    CLEAR_TARGET,
    CREATE_REDIRECTS,
    MIGRATE_IMAGES,
    ComparisonRules,
    CredentialField,
    StoreInfo,
)
from connectors.entities import EntityType, OrderStatus
from connectors.errors import AuthenticationError, ConfigError, ConnectorError, TransientError
from connectors.ratelimit import RatePolicy
from connectors.sdk import StreamConnector, graphql

from . import bulk, mappers  # noqa: F401 - re-exported: connectors.shopify.connector.mappers
from .api import (  # noqa: F401 - re-exported
    API_VERSION,
    MAX_QUERY_COST,
    MAX_THROTTLE_WAITS,
    REQUEST_BUDGET,
    REQUIRED_SCOPES,
    TOKEN_HELP,
    USER_ERRORS,
    code,
    over_bucket,
    user_errors,
)
from .bulk import BULK_MIN, BULK_READ_MIN
from .guide import GUIDE
from .streams import STREAMS
from .streams.orders import ORDER_LIST_ITEMS  # noqa: F401 - re-exported
from .streams.products import PRODUCT_LIST_ITEMS  # noqa: F401 - re-exported

logger = logging.getLogger(__name__)

E = EntityType
# What the streams declare, under the names the connector always exported.
ENTITIES = frozenset(STREAMS)
MODIFIED_FILTER = frozenset(e for e, s in STREAMS.items() if s.filters_changes_on_server())
UPDATABLE: dict[EntityType, tuple[str, ...]] = {e: tuple(s.updatable) for e, s in STREAMS.items() if s.updatable}
NO_ANSWER = "Shopify gave no answer for this record."


class ShopifyConnector(StreamConnector):
    platform = "shopify"
    label = "Shopify"
    url_help = "The store's myshopify address, e.g. https://your-store.myshopify.com"
    guide = GUIDE  # the help center's page: where to find the keys, the permissions they need
    credential_fields = (CredentialField(key="access_token", label="Admin API access token", help=TOKEN_HELP),)
    option_fields = (CLEAR_TARGET, CLEAR_SCOPE, MIGRATE_IMAGES, CREATE_REDIRECTS)
    streams = STREAMS  # capabilities are derived from them (connectors.sdk.derive_capabilities)
    batch_size = 50
    default_page_size = 50
    bulk_min = BULK_MIN  # a full run creates products by bulk mutations from this many (streams' `bulk_size`)
    supports_languages = True
    supports_customer_groups = True  # customer groups travel as customer tags
    unsupported_message = "Shopify connector cannot {action} {entity}."
    # Standard plan defaults; replaced by the store's own throttleStatus after the first answer.
    rate_policy: ClassVar[RatePolicy] = RatePolicy(rate=100.0, capacity=2000.0)
    order_statuses: ClassVar[dict[str, OrderStatus]] = mappers.ORDER_STATUSES
    # Translations are registered per resource and locale, not records of their own: asking whether each
    # record has one costs a point per record and locale. Above this many records `scan` does not ask
    # (ScannedRecord.translations is None) and the check says the per-language figure is not available.
    scan_translations_max: ClassVar[int] = 2000
    # A check's scan of an entity that would cost more points by pages than a Standard bucket holds is one
    # bulk query (bulk_read.query_nodes), waited for at most `scan_bulk_wait` seconds before paging instead.
    scan_bulk_points: ClassVar[int] = 2000
    scan_bulk_wait: ClassVar[float] = 120.0

    color = "#5e8e3e"
    # orderCreate takes one discount for the whole order and spreads it over the lines itself.
    comparison = ComparisonRules(reallocates_line_discounts=True)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if self.http.policy is None:
            self.http.policy = self.rate_policy
        self._costs: dict[int, float] = {}  # document hash -> last requested cost
        self._shop: dict[str, Any] | None = None
        self._location: str | None = None
        self.points_spent = 0.0
        self.throttled = 0
        self.bulk_read_min = BULK_READ_MIN
        self._last_errors: list[dict[str, Any]] = []

    # --- transport -------------------------------------------------------------------------------------
    @property
    def api_url(self) -> str:
        return f"{self.base_url}/admin/api/{API_VERSION}/graphql.json"

    @property
    def migrate_images(self) -> bool:
        return bool(self.options.get("migrate_images", True))

    def _graphql(self, query: str, variables: dict[str, Any] | None = None, *, cost: float | None = None,
                 mutation: bool = False) -> dict[str, Any]:
        """Run one document; return `data` (with per-field errors left to the caller in `_last_errors`).

        Raises AuthenticationError (token refused or scope missing), ConfigError (no Admin API there),
        TransientError / RateLimited (from HttpClient), ConnectorError (the query itself failed)."""
        key = hash((query, (variables or {}).get("first")))
        estimate = self._costs.get(key, cost if cost is not None else 50.0)
        for _ in range(MAX_THROTTLE_WAITS):
            response = self.http.request(
                "POST", self.api_url, cost=self._affordable(estimate), idempotent=not mutation,
                json={"query": query, "variables": variables or {}},
                headers={"X-Shopify-Access-Token": self.credentials.get("access_token", ""),
                         "Content-Type": "application/json", "Accept": "application/json"})
            body = self._decode(response)
            extensions = (body.get("extensions") or {}).get("cost") if isinstance(body, dict) else None
            self._observe(key, extensions)
            errors = body.get("errors") if isinstance(body, dict) else None
            if isinstance(errors, list) and any(code(e) == "THROTTLED" for e in errors):
                over = over_bucket(extensions)
                if over:
                    # No wait can help: the bucket is smaller than the query (a small custom bucket; Shopify's
                    # own plans all hold at least the 1000-point maximum). Shrink it like MAX_COST_EXCEEDED.
                    raise ConnectorError(f"Query cost is {over[0]}, more than the shop's whole rate-limit bucket "
                                         f"({over[1]} points).", url=self.api_url, detail="MAX_COST_EXCEEDED")
                self.throttled += 1
                self.http.stats.throttled += 1
                self._sleep(self._throttle_wait(extensions))
                continue
            self._raise_for(response, body)
            self._last_errors = errors if isinstance(errors, list) else []
            return body.get("data") or {}
        raise TransientError(f"Shopify kept throttling a request after {MAX_THROTTLE_WAITS} waits.", url=self.api_url)

    def _affordable(self, estimate: float) -> float:
        """What to take from the shared bucket: the estimate, never more than the bucket can ever hold."""
        capacity = self.http.policy.capacity if self.http.policy else MAX_QUERY_COST
        return max(1.0, min(estimate, MAX_QUERY_COST, capacity))

    def _decode(self, response: requests.Response) -> Any:
        try:
            return response.json()
        except ValueError:
            return None

    def _raise_for(self, response: requests.Response, body: Any) -> None:
        status = response.status_code
        if status in (401, 403):
            raise AuthenticationError(
                f"Shopify refused the access token (HTTP {status}). Check that it is the Admin API access token "
                f"of an installed app. {TOKEN_HELP}", url=self.api_url, status=status)
        if status == 404 or not isinstance(body, dict):
            raise ConfigError(
                f"No Shopify Admin API at {self.api_url} (HTTP {status}). Check the store address "
                "(https://<store>.myshopify.com).", url=self.api_url, status=status)
        if status >= 500:
            raise TransientError(f"Shopify failed with HTTP {status}.", url=self.api_url, status=status)
        errors = body.get("errors")
        if isinstance(errors, str):
            raise AuthenticationError(f"Shopify refused the request: {errors}", url=self.api_url, status=status)
        if status >= 400:
            raise ConfigError(f"Shopify refused the request: HTTP {status} {errors or ''}".strip(), url=self.api_url,
                              status=status)
        for error in errors or []:
            error_code = code(error)
            if error_code == "ACCESS_DENIED":
                raise AuthenticationError(f"The access token lacks a permission: {error.get('message')} "
                                          f"{TOKEN_HELP}", url=self.api_url, detail=error_code)
            if error_code == "MAX_COST_EXCEEDED":
                raise ConnectorError(f"A request was too expensive for Shopify: {error.get('message')}",
                                     url=self.api_url, detail=error_code)
            if error_code == "INTERNAL_SERVER_ERROR":
                raise TransientError(f"Shopify failed: {error.get('message')}", url=self.api_url)
        if errors and body.get("data") is None:
            raise ConnectorError("Shopify refused the query: " + "; ".join(
                str(e.get("message")) for e in errors[:3]), url=self.api_url)

    def _request_budget(self) -> float:
        """What one request may cost: REQUEST_BUDGET, or 90% of the shop's bucket when that is smaller."""
        policy = self.http.policy
        return min(REQUEST_BUDGET, 0.9 * policy.capacity) if policy is not None else REQUEST_BUDGET

    def _observe(self, key: int, cost: dict[str, Any] | None) -> None:
        """Follow Shopify's view of the bucket: restore rate, size, what is left; remember the query's cost."""
        if not isinstance(cost, dict):
            return
        if cost.get("requestedQueryCost") is not None:
            self._costs[key] = float(cost["requestedQueryCost"])
        if cost.get("actualQueryCost") is not None:
            self.points_spent += float(cost["actualQueryCost"])
        status = cost.get("throttleStatus") or {}
        try:
            rate, size = float(status["restoreRate"]), float(status["maximumAvailable"])
            available = float(status["currentlyAvailable"])
        except (KeyError, TypeError, ValueError):
            return
        policy = self.http.policy
        if policy is None or policy.rate != rate or policy.capacity != size:
            self.http.policy = policy = RatePolicy(rate=rate, capacity=size)
        if self.http.limiter is not None:
            self.http.limiter.sync(self.http.limiter_key, policy, available)

    def _throttle_wait(self, cost: dict[str, Any] | None) -> float:
        """Exactly as long as the bucket needs to hold the request's cost again."""
        status = (cost or {}).get("throttleStatus") or {}
        try:
            needed = float(cost["requestedQueryCost"]) - float(status["currentlyAvailable"])  # type: ignore[index]
            return max(0.05, needed / float(status["restoreRate"]))
        except (KeyError, TypeError, ValueError, ZeroDivisionError):
            return 1.0

    def _sleep(self, seconds: float) -> None:
        self.http.stats.waited_seconds += seconds
        time.sleep(seconds)

    # --- batched mutations ---------------------------------------------------------------------------
    def _mutate(self, ops: list[graphql.Op], *, budget: float | None = None, max_ops: int | None = None,
                no_answer: str = NO_ANSWER, refuse_batch: bool = True) -> list[tuple[Any, str | None]]:
        """Run ops in as few requests as the cost budget allows (`connectors.sdk.graphql.run_batched`); one
        (payload, error) per op, in order. An op's error is its `userErrors` (Shopify's messages, next to the
        payload) or the GraphQL error on its alias; a request over Shopify's cost maximum is split in halves; a
        request Shopify refused as a whole gives every op of it the reason (with `refuse_batch`; else raised)."""
        if not ops:
            return []
        costs = {f"m{index}": op.cost for index, op in enumerate(ops)}

        def send(document: str, variables: dict[str, Any]) -> dict[str, Any]:
            estimate = sum(costs.get(alias, 0.0) for alias in re.findall(r"^\s*(m\d+):", document, re.M))
            try:
                data = self._graphql(document, variables, cost=estimate, mutation=True)
            except ConnectorError as exc:
                if exc.detail == "MAX_COST_EXCEEDED":
                    raise graphql.TooExpensive(exc.message) from None
                if type(exc) is ConnectorError and refuse_batch:
                    raise graphql.BatchRefused(exc.message) from None
                raise
            return {"data": data, "errors": self._last_errors}

        return graphql.run_batched(ops, send, budget=self._request_budget() if budget is None else budget,
                                   max_ops=max_ops, payload_error=user_errors, keep_payload=True,
                                   message=lambda error: str(error.get("message")), no_answer=no_answer)

    # --- shop ------------------------------------------------------------------------------------------
    def shop(self) -> dict[str, Any]:
        if self._shop is None:
            data = self._graphql("""{ shop { name currencyCode myshopifyDomain primaryDomain { url }
                resourceLimits { maxProductOptions maxProductVariants } }
                shopLocales { locale primary published }
                locations(first: 10) { nodes { id isPrimary isActive } } }""", cost=15)
            self._shop = data
        return self._shop

    @property
    def primary_locale(self) -> str:
        return next((loc["locale"] for loc in self.shop()["shopLocales"] if loc["primary"]), "en")

    @property
    def published_locales(self) -> list[str]:
        return [loc["locale"] for loc in self.shop()["shopLocales"] if loc["published"] and not loc["primary"]]

    @property
    def location_id(self) -> str | None:
        if self._location is None:
            nodes = self.shop()["locations"]["nodes"]
            chosen = next((n for n in nodes if n.get("isPrimary")), nodes[0] if nodes else None)
            self._location = chosen["id"] if chosen else None
        return self._location

    # --- connection ----------------------------------------------------------------------------------
    def check_connection(self) -> StoreInfo:
        try:
            data = self.shop()
        except TransientError as exc:
            raise ConfigError(f"Could not reach Shopify at {self.api_url}: {exc.message}", url=self.api_url) from None
        shop = data["shop"]
        counts = {str(e): self.count(e) for e in sorted(self.capabilities.read, key=list(EntityType).index)
                  if self.stream(e).counted_at_connection}
        return StoreInfo(
            name=shop["name"], url=(shop.get("primaryDomain") or {}).get("url") or self.base_url,
            currency=shop.get("currencyCode") or "", default_language=self.primary_locale,
            languages=[self.primary_locale, *self.published_locales], counts=counts,
            order_statuses=list(self.order_statuses), platform_version=f"Admin API {API_VERSION}",
            warnings=self._scope_warnings(),
        )

    def _scope_warnings(self) -> list[str]:
        """What the token's access scopes leave out: `read_all_orders` first (without it Shopify shows only
        the last 60 days of orders, so older ones would silently stay behind), then other read scopes
        (needed as the source) and write scopes (needed as the target)."""
        try:
            data = self._graphql("{ currentAppInstallation { accessScopes { handle } } }", cost=2)
        except ConnectorError as exc:
            logger.info("Shopify %s: access scopes not readable (%s)", self.base_url, exc.message)
            return []
        granted = {s["handle"] for s in (data.get("currentAppInstallation") or {}).get("accessScopes") or []}
        # write_x implies read_x [shopify.dev/docs/api/usage/access-scopes]
        granted |= {h.replace("write_", "read_", 1) for h in granted if h.startswith("write_")}
        warnings = []
        if "read_all_orders" not in granted:
            warnings.append("The access token lacks read_all_orders: Shopify shows this app only the orders of "
                            "the last 60 days, so older orders would not be migrated from this store. Grant "
                            "the scope to the app and install it again.")
        for kind, role in (("read", "source"), ("write", "target")):
            missing = [f"{kind}_{scope}" for scope in REQUIRED_SCOPES if f"{kind}_{scope}" not in granted]
            if missing:
                warnings.append(f"As the {role}, the access token lacks {', '.join(missing)}; "
                                f"{'reading' if kind == 'read' else 'writing'} what they cover will be refused.")
        return warnings
