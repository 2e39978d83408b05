"""Magento 2 / Adobe Commerce REST connector: transport, authentication, store views and the connection check
over `<store URL>/rest/<store code>/V1/`; each entity is a stream in `streams/` (one module per entity), JSON <->
canonical in `mappers.py`, REST facts in `api.py`.

Authentication: an integration's access token as a Bearer token (Magento 2.4.4+ accepts it only with Stores →
Configuration → Services → OAuth → Consumer Settings → "Allow OAuth Access Tokens to be used as standalone Bearer
tokens" = Yes), or an admin user's name and password, exchanged for a 4-hour admin token at
`POST /V1/integration/admin/token` (a bare JSON string). [AdobeDocs commerce-webapi
get-started/authentication/gs-authentication-token.md]

Languages: each store view of the website is a language (its locale, `general/locale/code`, from
`store/storeConfigs`); the view named by the store code (default `default`) holds the default language and the
translatable streams read the other views' values of the same records. [rest/use-rest/... "Fallback and
creating/updating objects": a view without a value of its own answers the admin value]
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any, ClassVar

import requests

from connectors.base import ComparisonRules, CredentialField, StoreInfo
from connectors.entities import EntityType, OrderStatus
from connectors.errors import AuthenticationError, ConfigError, ConnectorError, TransientError
from connectors.http import mask_url
from connectors.sdk import StreamConnector
from connectors.sdk.access import NOT_JSON, decode_body

from . import api
from .guide import GUIDE
from .streams import STREAMS

logger = logging.getLogger(__name__)
E = EntityType
INTEGRATION_PATH = "System → Extensions → Integrations"
# The ACL resource each readable entity needs (Magento's webapi.xml), to say what to grant when one is missing.
ACL_LABELS = {
    "Magento_Backend::store": "Stores → Settings → All Stores",
    "Magento_Catalog::products": "Catalog → Inventory → Products",
    "Magento_Catalog::categories": "Catalog → Inventory → Categories",
    "Magento_Catalog::attributes_attributes": "Stores → Attributes → Product",
    "Magento_Customer::customer": "Customers → All Customers",
    "Magento_Customer::group": "Customers → Customer Groups",
    "Magento_Tax::manage_tax": "Stores → Taxes → Tax Rules",
    "Magento_Sales::actions_view": "Sales → Operations → Orders → Actions → View",
    "Magento_Sales::shipment": "Sales → Operations → Shipments",
    "Magento_Sales::sales_invoice": "Sales → Operations → Invoices",
    "Magento_Cms::page": "Content → Elements → Pages",
    "Magento_SalesRule::quote": "Marketing → Cart Price Rules",
}


@dataclass
class StoreViews:
    """The store views of the website the store code belongs to: the default view's code and language, the
    other views holding translations ({code: language}, one view per language), and their storefront URLs."""

    code: str
    language: str
    translation_views: dict[str, str] = field(default_factory=dict)
    base_urls: dict[str, str] = field(default_factory=dict)
    media_url: str = ""
    currency: str = ""
    names: dict[str, str] = field(default_factory=dict)

    @property
    def languages(self) -> list[str]:
        return [self.language, *self.translation_views.values()]


class Magento2Connector(StreamConnector):
    platform = "magento2"
    label = "Magento 2"
    url_help = "The address of the store's home page (the Magento base URL), e.g. https://shop.example.com"
    guide = GUIDE
    credential_fields = (
        CredentialField(key="access_token", label="Integration access token", required=False,
                        help=f"{INTEGRATION_PATH} → Add New Integration → Activate: the Access Token. Or leave it "
                             "empty and give an admin user below."),
        CredentialField(key="admin_username", label="Admin username", secret=False, required=False,
                        help="Only without an integration token: an admin user (without two-factor sign-in) whose "
                             "role can read the entities to migrate."),
        CredentialField(key="admin_password", label="Admin password", required=False,
                        help="The password of that admin user."),
        CredentialField(key="store_code", label="Store view code", secret=False, required=False,
                        help="The store view whose values are the default language (Stores → All Stores → the "
                             "view's Code); 'default' when empty."),
    )
    color = "#ee672f"
    comparison = ComparisonRules()
    streams = STREAMS
    batch_size = 50
    bulk_min = 20  # fewer records are written by ordinary requests (a bulk costs polling)
    default_page_size = api.MAX_PAGE_SIZE
    supports_languages = True
    supports_customer_groups = True
    # Magento's default order statuses (sales_order_status) and their states.
    order_statuses: ClassVar[dict[str, OrderStatus]] = {
        "pending": OrderStatus.PENDING,
        "pending_payment": OrderStatus.PENDING,
        "processing": OrderStatus.PROCESSING,
        "holded": OrderStatus.ON_HOLD,
        "payment_review": OrderStatus.ON_HOLD,
        "fraud": OrderStatus.ON_HOLD,
        "complete": OrderStatus.COMPLETED,
        "canceled": OrderStatus.CANCELLED,
        "closed": OrderStatus.REFUNDED,
    }

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._admin_token: str | None = None
        self._views: StoreViews | None = None
        self._root_category: str | None = None

    # --- transport ---------------------------------------------------------------------------------------------
    @property
    def store_code(self) -> str:
        return str(self.credentials.get("store_code") or "").strip() or "default"

    def rest_url(self, code: str | None = None, prefix: str = "V1") -> str:
        """`<base>/rest/<code>/V1/`; `prefix` "async/bulk/V1" for the asynchronous bulk API."""
        return f"{self.base_url}{api.REST_PATH}/{code or self.store_code}/{prefix}/"

    def _token(self) -> str:
        token = str(self.credentials.get("access_token") or "").strip()
        if token:
            return token
        if self._admin_token is None:
            username = str(self.credentials.get("admin_username") or "").strip()
            password = str(self.credentials.get("admin_password") or "")
            if not username or not password:
                raise AuthenticationError(
                    f"Give Magento an integration access token ({INTEGRATION_PATH}), or an admin username and "
                    "password.")
            url = self.rest_url("all") + "integration/admin/token"
            response = self.http.request("POST", url, json={"username": username, "password": password},
                                         headers={"Accept": "application/json"}, idempotent=True)
            data = self._decode(response)
            if response.status_code == 401:
                raise AuthenticationError(
                    f"Magento refused the admin sign-in ({api.magento_message(data)}). Check the username and "
                    "password; an admin user with two-factor sign-in cannot be used here: create an integration "
                    f"in {INTEGRATION_PATH} instead.", url=mask_url(url), status=401)
            if response.status_code >= 300 or not isinstance(data, str):
                raise self._error(response, data, "integration/admin/token", "all")
            self._admin_token = data
        return self._admin_token

    def _call(self, method: str, path: str, *, params: dict[str, Any] | None = None, body: Any = None,
              code: str | None = None, allow: tuple[int, ...] = (), idempotent: bool | None = None,
              prefix: str = "V1") -> tuple[Any, requests.Response]:
        """One API call under the store code `code` (default: the connector's). (decoded JSON, response) for
        2xx and the `allow`ed statuses; AuthenticationError / ConfigError / TransientError otherwise."""
        url = self.rest_url(code, prefix) + path
        kwargs: dict[str, Any] = {"params": params or None,
                                  "headers": {"Accept": "application/json", "Authorization": f"Bearer {self._token()}"}}
        if body is not None:
            kwargs["json"] = body
        response = self.http.request(method, url, idempotent=idempotent, **kwargs)
        data = self._decode(response)
        if (response.status_code < 300 or response.status_code in allow) and data is not NOT_JSON:
            return data, response
        raise self._error(response, data, path, code or self.store_code)

    @staticmethod
    def _decode(response: requests.Response) -> Any:
        return decode_body(response.content)

    def _error(self, response: requests.Response, data: Any, path: str, code: str) -> ConnectorError:
        status = response.status_code
        url = mask_url(response.url or self.rest_url(code) + path)
        message = api.magento_message(data) if data is not NOT_JSON else ""
        if status == 401:
            resource = api.missing_resource(data)
            return AuthenticationError(
                f"Magento refused the request to {url} (HTTP 401: {message or 'not authorized'}).",
                url=url, status=status, detail=resource)
        if data is NOT_JSON:
            if status >= 500 or status == 429:
                return TransientError(f"Magento failed at {url}: HTTP {status} (not a JSON answer).", url=url,
                                      status=status)
            return ConfigError(
                f"No Magento REST API at {mask_url(self.base_url + api.REST_PATH)} (HTTP {status}, the answer is not "
                "JSON). Check the store URL: it is the store's base URL, under which /rest/ answers.",
                url=url, status=status)
        if status >= 500:
            return TransientError(f"Magento failed at {url}: HTTP {status} {message}".strip(), url=url, status=status)
        return ConfigError(f"Magento refused the request to {url}: HTTP {status} {message}".strip(), url=url,
                           status=status, detail=message)

    # --- store views ---------------------------------------------------------------------------------------------
    def views(self) -> StoreViews:
        """The store views (cached for the life of the connector)."""
        if self._views is None:
            self._views = self._read_views()
        return self._views

    def _read_views(self) -> StoreViews:
        configs, _ = self._call("GET", "store/storeConfigs")
        views, _ = self._call("GET", "store/storeViews")
        configs = [c for c in configs or [] if isinstance(c, dict)]
        names = {str(v.get("code")): str(v.get("name") or "") for v in views or [] if isinstance(v, dict)}
        active = {str(v.get("code")) for v in views or [] if isinstance(v, dict) and v.get("is_active", 1)}
        own = next((c for c in configs if c.get("code") == self.store_code), None)
        if own is None:
            known = ", ".join(str(c.get("code")) for c in configs) or "none"
            raise ConfigError(f"Magento has no store view with the code {self.store_code!r}; its views are: {known}. "
                              "Correct the store view code (Stores → All Stores → the view's Code).")
        language = api.language_of(str(own.get("locale") or ""))
        result = StoreViews(code=self.store_code, language=language,
                            media_url=str(own.get("secure_base_media_url") or own.get("base_media_url") or ""),
                            currency=str(own.get("default_display_currency_code") or own.get("base_currency_code")
                                         or ""), names=names)
        for config in configs:
            code = str(config.get("code"))
            result.base_urls[code] = str(config.get("secure_base_url") or config.get("base_url") or "")
            if config.get("website_id") != own.get("website_id") or code == self.store_code or code not in active:
                continue
            view_language = api.language_of(str(config.get("locale") or ""))
            if view_language and view_language not in result.languages:
                result.translation_views[code] = view_language
        return result

    def root_category(self) -> str:
        """The root category of the store view's store group (categories without a parent go under it)."""
        if self._root_category is None:
            groups, _ = self._call("GET", "store/storeGroups")
            views, _ = self._call("GET", "store/storeViews")
            own = next((v for v in views or [] if isinstance(v, dict) and v.get("code") == self.store_code), {})
            group = next((g for g in groups or [] if isinstance(g, dict) and g.get("id") == own.get("store_group_id")),
                         {})
            self._root_category = str(group.get("root_category_id") or 2)
        return self._root_category

    # --- connection ----------------------------------------------------------------------------------------------
    def check_connection(self) -> StoreInfo:
        """The store views (proves the URL, the token and the store code), then a count per entity: a token
        that reaches the store but lacks an entity's ACL resource is named with what to grant."""
        try:
            views = self._checked_views()
        except TransientError as exc:
            raise ConfigError(f"Could not reach the Magento API at {mask_url(self.base_url + api.REST_PATH)}: "
                              f"{exc.message} Check the store URL and that the store is online.",
                              url=mask_url(self.base_url)) from None
        counts: dict[str, int] = {}
        missing: dict[str, list[str]] = {}
        for entity in sorted(self.capabilities.read, key=list(EntityType).index):
            try:
                counts[str(entity)] = self.count(entity)
            except AuthenticationError as exc:
                missing.setdefault(exc.detail or "?", []).append(entity.label.lower())
        if missing:
            needs = "; ".join(f"{resource} ({ACL_LABELS.get(resource, 'see the API tab')}) for "
                              f"{', '.join(entities)}" for resource, entities in missing.items())
            raise AuthenticationError(
                f"The token works, but its integration or admin role lacks ACL resources: {needs}. Grant them in "
                f"{INTEGRATION_PATH} → edit the integration → API (or System → Permissions → User Roles → Role "
                "Resources), then reactivate the integration.", detail=",".join(missing))
        return StoreInfo(
            name=views.names.get(views.code) or self.base_url.split("//", 1)[-1],
            url=views.base_urls.get(views.code) or self.base_url,
            currency=views.currency,
            languages=views.languages,
            default_language=views.language,
            counts=counts,
            order_statuses=list(self.order_statuses),
            customer_groups=self.stream(E.CUSTOMER).group_names(),
            platform_version="Magento 2",
        )

    def _checked_views(self) -> StoreViews:
        try:
            return self.views()
        except AuthenticationError as exc:
            if self.credentials.get("access_token"):
                raise AuthenticationError(
                    "Magento did not accept the access token (HTTP 401 on store/storeConfigs). Copy the Access "
                    f"Token of an active integration ({INTEGRATION_PATH} → Edit → Integration Details), allow "
                    "tokens as standalone Bearer tokens (Stores → Configuration → Services → OAuth → Consumer "
                    "Settings), and grant the integration Stores → Settings → All Stores.",
                    url=exc.url, status=401, detail="token") from None
            raise
        except ConfigError as exc:
            if exc.status != 404 or self.store_code == "default":
                raise
            try:  # the code is taken as part of the route: is the API there without it?
                configs, _ = self._call("GET", "store/storeConfigs", code="default")
            except ConnectorError:
                raise exc from None
            known = ", ".join(str(c.get("code")) for c in configs or [] if isinstance(c, dict))
            raise ConfigError(
                f"Magento has no store view with the code {self.store_code!r}; its views are: {known}. Correct the "
                "store view code (Stores → All Stores → the view's Code).", url=exc.url, status=404,
                detail="store_code") from None
