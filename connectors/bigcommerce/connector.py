"""BigCommerce REST Management API connector (source and target): transport, pacing, authentication and the
connection check; each entity is a stream in `streams/` (one module per entity), JSON <-> canonical in
`mappers.py`.

Transport: `{base_url}/stores/{store_hash}/v3/…` (catalog, customers, redirects) and `/v2/…` (orders, coupons,
customer groups, store) with `X-Auth-Token` [bigcommerce/docs docs/start/about/index.mdx]; `base_url` is
https://api.bigcommerce.com for a real store. Every request goes through `HttpClient` (timeouts, retries, SSRF
guard, the shared limiter).

Pacing [docs/start/best-practices/api-rate-limits.mdx]: a store has one request quota per window (Plus and
Standard: 150 per 30 s) shared by every client, and every answer says where it stands
(`X-Rate-Limit-Requests-Left`, `-Time-Reset-Ms`, `-Requests-Quota`, `-Time-Window-Ms`). The connector keeps the
shared per-store bucket (connectors.ratelimit, in Redis: every worker draws from it) at what the store can still
take without running dry before its window ends: `left - reserve - reset_seconds * rate`, with the rate the
store's quota per window. So the workers together never send more than is left in a window (no 429 once the
first answer was read), and a run spends the quota evenly instead of in bursts that hit the wall. A 429 (another
app spent the quota) sets the bucket to wait for the window's end.
"""
from __future__ import annotations

import logging
from typing import Any, ClassVar
from urllib.parse import urlsplit

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
from connectors.http import mask_url
from connectors.ratelimit import RatePolicy, rate_limiter_for
from connectors.sdk import StreamConnector
from connectors.sdk.access import NOT_JSON, decode_body

from . import mappers
from .api import QUOTA_RESERVE, TOKEN_HELP, error_text
from .guide import GUIDE
from .streams import STREAMS

logger = logging.getLogger(__name__)

E = EntityType
LANGUAGE_WARNING = (
    "BigCommerce's REST API holds one language per field: translations on the source are not migrated to this "
    "store, and this store's own translations are not read. Localized names and descriptions exist only on "
    "Multi-Storefront stores with international enhancements (per channel and locale, through BigCommerce's "
    "GraphQL Admin API), which this connector does not write yet.")


class BigCommerceConnector(StreamConnector):
    platform = "bigcommerce"
    label = "BigCommerce"
    url_help = ("The API address, https://api.bigcommerce.com (the store itself is named by its store hash "
                "below).")
    guide = GUIDE
    credential_fields = (
        CredentialField(key="store_hash", label="Store hash", secret=False,
                        help=f"The part after /stores/ in the API path. {TOKEN_HELP}"),
        CredentialField(key="access_token", label="Access token",
                        help=f"Shown once when the API account is created. {TOKEN_HELP}"),
    )
    option_fields = (CLEAR_TARGET, CLEAR_SCOPE, MIGRATE_IMAGES, CREATE_REDIRECTS)
    color = "#34313f"
    comparison = ComparisonRules()
    streams = STREAMS
    batch_size = 50
    default_page_size = 50
    supports_languages = False  # one value per field on REST (LANGUAGE_WARNING)
    supports_customer_groups = True
    unsupported_message = "BigCommerce connector cannot {action} {entity}."
    # Plus & Standard plans: 150 requests per 30 s; replaced by the store's own quota after its first answer.
    rate_policy: ClassVar[RatePolicy] = RatePolicy(rate=5.0, capacity=150.0)
    order_statuses: ClassVar[dict[str, OrderStatus]] = mappers.ORDER_STATUSES

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if self.http.policy is None:
            self.http.policy = self.rate_policy
        if self.http.limiter is None:
            self.http.limiter = rate_limiter_for(None)  # this process's bucket: still paced by the headers
        if not self.http.limiter_key:
            self.http.limiter_key = f"bigcommerce:{self.store_hash}"
        self.quota_seen: tuple[int, int] | None = None  # (quota, window ms) the store last reported
        self._groups: dict[int, str] | None = None

    # --- transport ---------------------------------------------------------------------------------------
    @property
    def store_hash(self) -> str:
        return str(self.credentials.get("store_hash") or "").strip().strip("/")

    def api_url(self, version: str = "v3") -> str:
        return f"{self.base_url}/stores/{self.store_hash}/{version}/"

    @property
    def migrate_images(self) -> bool:
        return bool(self.options.get("migrate_images", True))

    def admin_url(self) -> str:
        """The control panel of the store ("https://store-<hash>.mybigcommerce.com/manage/")."""
        if (urlsplit(self.base_url).hostname or "").endswith("api.bigcommerce.com"):
            return f"https://store-{self.store_hash}.mybigcommerce.com/manage/"
        return f"{self.base_url}/manage/"

    def call(self, method: str, path: str, *, version: str = "v3", params: dict[str, Any] | None = None,
             body: Any = None, allow: tuple[int, ...] = (), idempotent: bool | None = None
             ) -> tuple[Any, requests.Response]:
        """One API call: (decoded JSON or None, response) for 2xx and the `allow`ed statuses; raises
        AuthenticationError / ConfigError / TransientError otherwise."""
        url = self.api_url(version) + path
        kwargs: dict[str, Any] = {
            "params": params or None, "hooks": {"response": self._pace},
            "headers": {"X-Auth-Token": self.credentials.get("access_token", ""), "Accept": "application/json"}}
        if body is not None:
            kwargs["json"] = body
        response = self.http.request(method, url, idempotent=idempotent, **kwargs)
        data = self._decode(response)
        if response.status_code < 300 or response.status_code in allow:
            if data is NOT_JSON:
                raise self._no_api(response)
            return data, response
        raise self._error(response, data)

    def _pace(self, response: requests.Response, *args: Any, **kwargs: Any) -> None:
        """requests' response hook (every answer, 429s included): the shared bucket follows the store's quota."""
        headers = response.headers
        try:
            quota = int(headers["X-Rate-Limit-Requests-Quota"])
            left = int(headers["X-Rate-Limit-Requests-Left"])
            window_ms = max(1, int(headers["X-Rate-Limit-Time-Window-Ms"]))
            reset_ms = max(0, int(headers["X-Rate-Limit-Time-Reset-Ms"]))
        except (KeyError, ValueError):
            return  # a 429 without them is platform load: HttpClient backs off
        self.quota_seen = (quota, window_ms)
        policy = RatePolicy(rate=quota * 1000.0 / window_ms, capacity=float(quota))
        if self.http.policy != policy:
            self.http.policy = policy
        if response.status_code == 429:
            left = 0
        available = left - min(QUOTA_RESERVE, quota // 10) - reset_ms / 1000.0 * policy.rate
        if self.http.limiter is not None:
            self.http.limiter.sync(self.http.limiter_key, policy, available)

    @staticmethod
    def _decode(response: requests.Response) -> Any:
        return decode_body(response.content)

    def _no_api(self, response: requests.Response) -> ConfigError:
        url = mask_url(response.url or self.api_url())
        return ConfigError(
            f"No BigCommerce API at {url} (HTTP {response.status_code}). Check the API address "
            "(https://api.bigcommerce.com) and the store hash (the part after /stores/ in the API path of the "
            "API account).", url=url, status=response.status_code)

    def _error(self, response: requests.Response, data: Any) -> ConnectorError:
        status, url = response.status_code, mask_url(response.url or self.api_url())
        message = error_text(data) if data is not NOT_JSON else response.text[:200]
        if status == 401:
            return AuthenticationError(
                f"BigCommerce refused the access token at {url} (HTTP 401: {message or 'no reason'}). Check that it "
                f"is copied in full and its API account still exists. {TOKEN_HELP}", url=url, status=status)
        if status == 403:
            return AuthenticationError(
                f"BigCommerce refused the request at {url} (HTTP 403: {message}). The store hash may not be this "
                "token's store, or the API account lacks a scope: give it modify on Products, Customers, Orders, "
                "Marketing, Content and Information & settings.", url=url, status=status)
        if status == 404 and (data is NOT_JSON or "route" in message.lower()):
            return self._no_api(response)
        if status >= 500:
            return TransientError(f"BigCommerce failed at {url}: HTTP {status} {message}".strip(), url=url,
                                  status=status)
        return ConfigError(f"BigCommerce refused the request to {url}: HTTP {status} {message}".strip(), url=url,
                           status=status)

    # --- what the streams share -------------------------------------------------------------------------------
    def customer_groups(self) -> dict[int, str]:
        """{group id: name} of the store's customer groups (v2), read once."""
        if self._groups is None:
            groups: dict[int, str] = {}
            page = 1
            while True:
                data, _ = self.call("GET", "customer_groups", version="v2", params={"page": page, "limit": 250})
                rows = data if isinstance(data, list) else []
                groups.update({int(g["id"]): str(g.get("name") or "") for g in rows if isinstance(g, dict)})
                if len(rows) < 250:
                    break
                page += 1
            self._groups = groups
        return self._groups

    def customer_group_id(self, name: str) -> int | None:
        """The id of the group called `name`, created when the store has none of that name."""
        if not name:
            return None
        groups = self.customer_groups()
        for group_id, group_name in groups.items():
            if group_name.lower() == name.lower():
                return group_id
        data, _ = self.call("POST", "customer_groups", version="v2", body={"name": name})
        groups[int(data["id"])] = name
        return int(data["id"])

    # --- connection ----------------------------------------------------------------------------------------
    def check_connection(self) -> StoreInfo:
        """GET /v2/store (proves the address, the hash and the token), then counts per entity."""
        if not self.store_hash:
            raise ConfigError(f"The store hash is missing. {TOKEN_HELP}")
        try:
            store, _ = self.call("GET", "store", version="v2")
        except TransientError as exc:
            raise ConfigError(f"Could not reach BigCommerce at {mask_url(self.api_url('v2'))}: {exc.message} Check "
                              "the API address.", url=mask_url(self.api_url("v2")), detail=str(exc)) from None
        if not isinstance(store, dict):
            raise ConfigError(f"{self.api_url('v2')}store did not answer a store; is this BigCommerce's API?",
                              url=self.api_url("v2"))
        counts = {str(e): self.count(e) for e in sorted(self.capabilities.read, key=list(EntityType).index)
                  if getattr(self.streams[e], "counted_at_connection", True)}
        language = str(store.get("language") or "")
        warnings = [LANGUAGE_WARNING]
        if (store.get("features") or {}).get("multi_storefront_enabled"):
            warnings.append("This store has several storefronts: products, categories and customers are read and "
                            "written on the default channel's catalog; channel assignments are not migrated.")
        return StoreInfo(
            name=str(store.get("name") or self.store_hash), url=str(store.get("secure_url") or store.get("domain")
                                                                    or self.base_url),
            currency=str(store.get("currency") or ""), languages=[language] if language else [],
            default_language=language, counts=counts, order_statuses=list(self.order_statuses),
            customer_groups=sorted(self.customer_groups().values()),
            platform_version=f"BigCommerce {store.get('plan_name') or ''}".strip(), warnings=warnings)
