"""WooCommerce REST API v3 connector: reads and writes canonical entities through `/wp-json/wc/v3/`.

Transport: HTTP Basic with the consumer key and secret. Plain-HTTP stores that strip or refuse Basic
auth need OAuth 1.0a one-legged signing instead, which this connector does not do
[woocommerce-rest-api-docs _authentication.md: "Authentication over HTTP" uses OAuth1].

Reading pages with `orderby=id&order=asc` and a `{"page": n, "per_page": k}` checkpoint is safe
because WordPress ids only grow: records created during a read land after the last page, and a
record modified during a filtered read at worst shifts later pages right (a duplicate, which the
engine's id map absorbs), never left (a gap). Only a record *deleted* during the read can shift a page
left by one; such a record is gone anyway. The checkpoint keeps `per_page` so a resumed read keeps
the same page boundaries even if the caller asks for another page size.
"""
from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any, ClassVar

import requests
from pydantic import ValidationError

from connectors.base import (
    CLEAR_SCOPE,
    CLEAR_TARGET,
    MIGRATE_IMAGES,
    Capabilities,
    Connector,
    CredentialField,
    Page,
    StoreInfo,
    WriteResult,
)
from connectors.entities import Canonical, EntityType, OrderStatus, Product, Variant, excerpt
from connectors.errors import AuthenticationError, ConfigError, ConnectorError, RecordError, TransientError
from connectors.http import mask_url

from . import mappers

logger = logging.getLogger(__name__)

API_PATH = "/wp-json/wc/v3/"
# [woocommerce-rest-api-docs _products.md / class-wc-rest-controller.php check_batch_limit: 100 objects]
BATCH_LIMIT = 100
MAX_PER_PAGE = 100  # [class-wc-rest-crud-controller.php get_collection_params: per_page maximum 100]
ORDER_SCAN_LIMIT = 1000  # newest orders scanned by find_by_natural_key when search cannot see the meta

E = EntityType
RESOURCES: dict[EntityType, str] = {
    E.TAX_CLASS: "taxes/classes",
    E.MANUFACTURER: "products/brands",
    E.CATEGORY: "products/categories",
    E.PRODUCT: "products",
    E.CUSTOMER: "customers",
    E.ORDER: "orders",
    E.REVIEW: "products/reviews",
    E.COUPON: "coupons",
}
ENTITIES = frozenset(RESOURCES)
SERVER_MODIFIED_FILTER = frozenset({E.PRODUCT, E.ORDER, E.COUPON})
TRANSLATABLE = frozenset({E.PRODUCT, E.CATEGORY})

# Canonical field -> the WC body keys it maps to, for field-level updates (the smart-update catalog).
UPDATE_FIELDS: dict[EntityType, dict[str, tuple[str, ...]]] = {
    E.PRODUCT: {
        "price": ("regular_price", "sale_price"),
        "compare_at_price": ("regular_price", "sale_price"),
        "stock_quantity": ("manage_stock", "stock_quantity"),
        "stock_status": ("stock_status",),
        "manage_stock": ("manage_stock", "stock_quantity"),
        "status": ("status",),
        "name": ("name",),
        "description": ("description",),
        "short_description": ("short_description",),
        "category_ids": ("categories",),
        "seo": ("slug", "meta_data"),
        "weight": ("weight",),
        "featured": ("featured",),
        "tags": ("tags",),
        "images": ("images",),
        "manufacturer_id": ("brands",),
        "tax_class_id": ("tax_class",),
    },
    E.ORDER: {
        "status": ("status",),
        "customer_note": ("customer_note",),
        "shipments": ("meta_data",),
        "status_history": (),  # posted as order notes, see _add_missing_notes
        "billing": ("billing",),
        "shipping": ("shipping",),
    },
    E.CUSTOMER: {
        "first_name": ("first_name",),
        "last_name": ("last_name",),
        "phone": ("billing",),
        "billing": ("billing",),
        "shipping": ("shipping",),
    },
    E.CATEGORY: {
        "name": ("name",), "description": ("description",), "parent_id": ("parent",), "seo": ("slug",),
        "position": ("menu_order",), "image": ("image",),
    },
    E.MANUFACTURER: {"name": ("name",), "description": ("description",), "image": ("image",)},
    E.COUPON: {
        "description": ("description",), "amount": ("amount",), "discount_type": ("discount_type",),
        "expires_at": ("date_expires_gmt",), "usage_limit": ("usage_limit",),
        "usage_limit_per_user": ("usage_limit_per_user",), "minimum_amount": ("minimum_amount",),
        "maximum_amount": ("maximum_amount",), "free_shipping": ("free_shipping",),
        "individual_use": ("individual_use",), "exclude_sale_items": ("exclude_sale_items",),
        "product_ids": ("product_ids",), "excluded_product_ids": ("excluded_product_ids",),
        "category_ids": ("product_categories",), "excluded_category_ids": ("excluded_product_categories",),
        "email_restrictions": ("email_restrictions",),
    },
    E.REVIEW: {"content": ("review",), "rating": ("rating",), "status": ("status",), "verified": ("verified",)},
}
# Product fields that live on the variations of a variable product.
VARIANT_FIELDS = frozenset({"price", "compare_at_price", "stock_quantity", "stock_status", "manage_stock", "weight"})

ADMIN_LINKS: dict[EntityType, str] = {
    E.PRODUCT: "wp-admin/post.php?post={id}&action=edit",
    E.COUPON: "wp-admin/post.php?post={id}&action=edit",
    E.ORDER: "wp-admin/admin.php?page=wc-orders&action=edit&id={id}",  # HPOS screen, default since WC 8.2
    E.CUSTOMER: "wp-admin/user-edit.php?user_id={id}",
    E.CATEGORY: "wp-admin/term.php?taxonomy=product_cat&tag_ID={id}&post_type=product",
    E.MANUFACTURER: "wp-admin/term.php?taxonomy=product_brand&tag_ID={id}&post_type=product",
    E.REVIEW: "wp-admin/comment.php?action=editcomment&c={id}",
    E.TAX_CLASS: "wp-admin/admin.php?page=wc-settings&tab=tax&section={id}",
}

KEYS_HELP = "WordPress admin → WooCommerce → Settings → Advanced → REST API → Add key (permissions: Read/Write)."


class WooCommerceConnector(Connector):
    platform = "woocommerce"
    label = "WooCommerce"
    url_help = "The address of the WordPress site's home page, e.g. https://shop.example.com"
    credential_fields = (
        CredentialField(key="consumer_key", label="Consumer key",
                        help=f"Starts with ck_. {KEYS_HELP}"),  # half of the pair: never shown back in full
        CredentialField(key="consumer_secret", label="Consumer secret",
                        help=f"Starts with cs_, shown once when the key is created. {KEYS_HELP}"),
    )
    option_fields = (CLEAR_TARGET, CLEAR_SCOPE, MIGRATE_IMAGES)
    capabilities = Capabilities(
        read=ENTITIES,
        write=ENTITIES,
        updatable_fields={entity: tuple(fields) for entity, fields in UPDATE_FIELDS.items()},
        modified_filter=SERVER_MODIFIED_FILTER,
        # A product page costs a batch plus two calls per variable product (variations read + batch).
        page_sizes={E.PRODUCT: 25},
        batch_size=BATCH_LIMIT,
        page_size=MAX_PER_PAGE,
        languages=True,
        customer_groups=False,
        preserve_ids=False,
        customer_passwords=False,
    )
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
        self._tag_cache: dict[str, int] | None = None
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
        no_route = data is _NOT_JSON or (isinstance(data, dict) and data.get("code") == "rest_no_route")
        if (response.status_code < 300 or response.status_code in allow) and not no_route:
            return data, response
        raise self._error(response, data, path)

    @staticmethod
    def _decode(response: requests.Response) -> Any:
        # Decoded by hand with surrogateescape: one record holding invalid UTF-8 must not break the page;
        # entities.py then rejects that record's strings, which turns it into a RecordError.
        text = response.content.decode("utf-8", "surrogateescape")
        if not text.strip():
            return None
        try:
            return json.loads(text)
        except ValueError:
            return _NOT_JSON

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
            if status == 403 or "permission" in code or "write permission" in message.lower():
                hint = "The key may be read-only: give it Read/Write permission"
            else:
                hint = "Check that the key exists, is copied in full and belongs to an active user"
            return AuthenticationError(
                f"WooCommerce refused the consumer key at {url} (HTTP {status}: {message or code or 'no reason'}). "
                f"{hint} in WooCommerce → Settings → Advanced → REST API.", url=url, status=status, detail=code)
        if data is _NOT_JSON or code == "rest_no_route":
            if path.startswith(RESOURCES[E.MANUFACTURER]) and data is not _NOT_JSON:
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

    def _require(self, entity: Any, action: str) -> EntityType:
        entity = EntityType(entity)
        if entity not in RESOURCES:
            raise ConfigError(f"WooCommerce cannot {action} {entity.label.lower()}.")
        return entity

    # --- connection ----------------------------------------------------------------------------------
    def check_connection(self) -> StoreInfo:
        """GET system_status (proves the URL, the API and the key), then counts per entity."""
        try:
            status, _ = self._call("GET", "system_status")
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
                if entity != E.MANUFACTURER:  # brands are missing before WC 9.6: not fatal
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
                status, _ = self._call("GET", "system_status")
                self._store_languages = _languages_of(status if isinstance(status, dict) else {})
            except ConfigError:
                self._store_languages = ("", [])
        return self._store_languages

    # --- reading -------------------------------------------------------------------------------------
    def _list_params(self, entity: EntityType) -> dict[str, Any]:
        params: dict[str, Any] = {"orderby": "id", "order": "asc"}
        if entity == E.REVIEW:
            params["status"] = "all"  # default is "approved" only [_product-reviews.md]
        if entity in (E.CATEGORY, E.MANUFACTURER):
            params["hide_empty"] = "false"  # empty terms migrate too [_product-categories.md: hide_empty]
        if entity in TRANSLATABLE:
            default, languages = self._languages()
            if default and len(languages) > 1:
                params["lang"] = default  # WPML: default-language records; translations fetched per page
        return params

    def read(self, entity: EntityType, *, checkpoint: dict[str, Any] | None = None,
             modified_since: datetime | None = None, page_size: int | None = None) -> Iterator[Page]:
        entity = self._require(entity, "read")
        if entity == E.TAX_CLASS:
            yield self._read_tax_classes()
            return
        checkpoint = checkpoint or {}
        per_page = int(checkpoint.get("per_page") or page_size or self.capabilities.page_size)
        per_page = max(1, min(MAX_PER_PAGE, per_page))
        page = max(1, int(checkpoint.get("page") or 1))
        params = self._list_params(entity)
        client_side_since = None
        if modified_since is not None:
            # WC's "after" filters are exclusive and to the second; step back one second for "at or after".
            since = mappers.format_gmt(modified_since - timedelta(seconds=1))
            if entity in SERVER_MODIFIED_FILTER:
                params.update(modified_after=since, dates_are_gmt="true")
            elif entity == E.REVIEW:
                params.update(after=since, dates_are_gmt="true")  # reviews only know their creation time
            elif entity == E.CUSTOMER:
                client_side_since = modified_since  # no server filter [_customers.md]
            # categories, brands and tax classes carry no dates: every record is returned.
        while True:
            data, response = self._call("GET", RESOURCES[entity], params={**params, "page": page,
                                                                          "per_page": per_page})
            if not isinstance(data, list):
                raise ConfigError(f"{self._url_of(response)} did not return a list.", url=self._url_of(response))
            total = self._int_header(response, "X-WP-Total")
            total_pages = self._int_header(response, "X-WP-TotalPages")
            items, errors = self._map_records(entity, data)
            if client_side_since is not None:
                items = [i for i in items if i.updated_at is None or i.updated_at >= client_side_since]
                total = None  # X-WP-Total counts every customer, not the filtered ones
            more = page < total_pages if total_pages is not None else len(data) == per_page
            next_checkpoint = {"page": page + 1, "per_page": per_page} if more else None
            yield Page(items=items, next_checkpoint=next_checkpoint, errors=errors, total=total)
            if next_checkpoint is None:
                return
            page += 1

    def _read_tax_classes(self) -> Page:
        # taxes/classes is not paginated: one call returns every class. [_tax-classes.md]
        data, _ = self._call("GET", RESOURCES[E.TAX_CLASS])
        items, errors = self._map_records(E.TAX_CLASS, data if isinstance(data, list) else [])
        return Page(items=items, next_checkpoint=None, errors=errors, total=len(items) + len(errors))

    def _map_records(self, entity: EntityType, records: list[Any]) -> tuple[list[Canonical], list[RecordError]]:
        items: list[Canonical] = []
        errors: list[RecordError] = []
        records = self._default_language_only(entity, records)
        translations = self._fetch_translations(entity, records) if entity in TRANSLATABLE else {}
        for record in records:
            source_id = mappers.wc_source_id(entity, record)
            context: dict[str, Any] = {}
            if entity in TRANSLATABLE:
                context["translations"] = translations.get(source_id, {})
            try:
                if entity == E.PRODUCT:
                    context["variations"], variation_errors = self._variations_of(record)
                    errors.extend(variation_errors)
                elif entity == E.ORDER and isinstance(record, dict) and record.get("id"):
                    context["notes"] = self._notes_of(record["id"])
                items.append(mappers.to_canonical(entity, record, **context))
            except RecordError as exc:
                errors.append(exc)
        return items, errors

    def _default_language_only(self, entity: EntityType, records: list[Any]) -> list[Any]:
        """With WPML, a list may also hold translations; they travel inside their original instead."""
        if entity not in TRANSLATABLE:
            return records
        default, languages = self._languages()
        if not default or len(languages) < 2:
            return records
        return [r for r in records if not (isinstance(r, dict) and r.get("lang") and r["lang"] != default)]

    def _fetch_translations(self, entity: EntityType, records: list[Any]) -> dict[str, dict[str, dict[str, Any]]]:
        """{original id: {lang: translated record}} for a page, one `include=` call per language."""
        wanted: dict[str, dict[int, str]] = {}  # lang -> {translation id: original id}
        for record in records:
            if not isinstance(record, dict):
                continue
            own = record.get("lang")
            links = record.get("translations")
            if not isinstance(links, dict):
                continue
            for lang, translation_id in links.items():
                if lang == own or not translation_id or str(translation_id) == str(record.get("id")):
                    continue
                try:
                    wanted.setdefault(str(lang), {})[int(translation_id)] = str(record.get("id"))
                except (TypeError, ValueError):
                    continue
        found: dict[str, dict[str, dict[str, Any]]] = {}
        for lang, ids in wanted.items():
            id_list = sorted(ids)
            for start in range(0, len(id_list), MAX_PER_PAGE):
                chunk = id_list[start:start + MAX_PER_PAGE]
                data, _ = self._call("GET", RESOURCES[entity], params={
                    "lang": lang, "include": ",".join(map(str, chunk)), "per_page": MAX_PER_PAGE})
                for translated in data if isinstance(data, list) else []:
                    if isinstance(translated, dict) and translated.get("id") in ids:
                        found.setdefault(ids[translated["id"]], {})[lang] = translated
        return found

    def _variations_of(self, record: Any) -> tuple[list[dict[str, Any]], list[RecordError]]:
        if not isinstance(record, dict) or record.get("type") != "variable" or not record.get("id"):
            return [], []
        product_id = record["id"]
        variations = self._all_pages(f"products/{product_id}/variations", {"orderby": "id", "order": "asc"})
        errors: list[RecordError] = []
        kept = []
        for variation in variations:
            if not isinstance(variation, dict) or not variation.get("id"):
                errors.append(RecordError(f"A variation of product {product_id} has no id.",
                                          source_id=f"{product_id}:?", excerpt=excerpt(variation)))
                continue
            try:
                Variant.model_validate(mappers.variant_from_wc(variation))
            except Exception as exc:  # noqa: BLE001 - any mapping failure is this variation's RecordError
                errors.append(RecordError(
                    f"Variation {variation['id']} of product {product_id} could not be read: {_reason(exc)}",
                    source_id=f"{product_id}:{variation['id']}", excerpt=excerpt(variation)))
                continue
            kept.append(variation)
        returned = {v.get("id") for v in variations if isinstance(v, dict)}
        listed = record.get("variations") if isinstance(record.get("variations"), list) else []
        for variation_id in listed:
            if variation_id not in returned:
                errors.append(RecordError(
                    f"variation {variation_id} of product {product_id} could not be read: its parent is missing",
                    source_id=f"{product_id}:{variation_id}", excerpt=excerpt({"product": product_id,
                                                                               "variation": variation_id})))
        return kept, errors

    def _notes_of(self, order_id: Any) -> list[dict[str, Any]]:
        # 404: the order was deleted since the list was read; it still maps, without history.
        data, _ = self._call("GET", f"orders/{order_id}/notes", params={"type": "any"}, allow=(404,))
        return [n for n in data if isinstance(n, dict)] if isinstance(data, list) else []

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

    def count(self, entity: EntityType) -> int:
        entity = self._require(entity, "count")
        if entity == E.TAX_CLASS:
            data, _ = self._call("GET", RESOURCES[entity])
            return len(data) if isinstance(data, list) else 0
        params = {**self._list_params(entity), "per_page": 1, "page": 1}
        data, response = self._call("GET", RESOURCES[entity], params=params)
        total = self._int_header(response, "X-WP-Total")
        return total if total is not None else len(data or [])

    def get(self, entity: EntityType, record_id: str) -> Canonical | None:
        entity = self._require(entity, "read")
        if entity == E.TAX_CLASS:
            data, _ = self._call("GET", RESOURCES[entity])
            match = [r for r in data or [] if isinstance(r, dict) and r.get("slug") == record_id]
            return mappers.to_canonical(entity, match[0]) if match else None
        data, response = self._call("GET", f"{RESOURCES[entity]}/{record_id}", allow=(404, 410))
        if response.status_code in (404, 410) or not isinstance(data, dict):
            return None
        items, errors = self._map_records(entity, [data])
        if errors and not items:
            raise errors[0]
        return items[0] if items else None

    def list_ids(self, entity: EntityType) -> Iterator[str]:
        """Every id, without mapping (so malformed records can still be cleared), WPML translations included."""
        entity = self._require(entity, "list")
        if entity == E.TAX_CLASS:
            data, _ = self._call("GET", RESOURCES[entity])
            yield from (str(r["slug"]) for r in data or [] if isinstance(r, dict) and r.get("slug"))
            return
        params = self._list_params(entity)
        if "lang" in params:
            params["lang"] = "all"  # WPML: every language, so clearing a store leaves no orphan translation
        for record in self._all_pages(RESOURCES[entity], params):
            if isinstance(record, dict) and record.get("id"):
                yield str(record["id"])

    def entity_url(self, entity: EntityType, record_id: str) -> str | None:
        template = ADMIN_LINKS.get(EntityType(entity))
        return f"{self.base_url}/{template.format(id=record_id)}" if template else None

    # --- writing -------------------------------------------------------------------------------------
    def _payload(self, entity: EntityType, item: Canonical, tag_ids: dict[str, int] | None = None
                 ) -> dict[str, Any]:
        images = self.migrate_images
        if entity == E.TAX_CLASS:
            return mappers.tax_class_to_wc(item)
        if entity == E.MANUFACTURER:
            return mappers.manufacturer_to_wc(item, migrate_images=images)
        if entity == E.CATEGORY:
            return mappers.category_to_wc(item, migrate_images=images)
        if entity == E.PRODUCT:
            return mappers.product_to_wc(item, tag_ids=tag_ids, migrate_images=images)
        if entity == E.CUSTOMER:
            return mappers.customer_to_wc(item)
        if entity == E.ORDER:
            return mappers.order_to_wc(item)
        if entity == E.REVIEW:
            return mappers.review_to_wc(item)
        return mappers.coupon_to_wc(item)

    def create(self, entity: EntityType, items: list[Canonical]) -> list[WriteResult]:
        entity = self._require(entity, "write")
        if entity == E.TAX_CLASS:
            return [self._create_tax_class(item) for item in items]
        tag_ids = self._resolve_tags(items) if entity == E.PRODUCT else None
        results: list[WriteResult | None] = [None] * len(items)
        pending: list[tuple[int, dict[str, Any]]] = []
        for index, item in enumerate(items):
            try:
                pending.append((index, self._payload(entity, item, tag_ids)))
            except (ValueError, TypeError, KeyError) as exc:
                results[index] = WriteResult(source_id=item.source_id, error=f"Could not prepare the record: {exc}")
        outcomes = self._batch(RESOURCES[entity], "create", [payload for _, payload in pending])
        for (index, _), (target_id, error) in zip(pending, outcomes, strict=True):
            item = items[index]
            if error:
                results[index] = WriteResult(source_id=item.source_id, error=error)
                continue
            result = WriteResult(source_id=item.source_id, target_id=str(target_id))
            if entity == E.PRODUCT and isinstance(item, Product) and item.type == "variable" and item.variants:
                result.children = self._write_variations(str(target_id), item, warnings=result.warnings)
            if entity == E.ORDER:
                self._add_missing_notes(str(target_id), item, fresh=True)
            if entity in TRANSLATABLE and item.translations:
                self._create_translations(entity, str(target_id), item, warnings=result.warnings)
            results[index] = result
        return [r for r in results if r is not None]

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

    def _create_tax_class(self, item: Canonical) -> WriteResult:
        # Tax classes have no batch endpoint and no update; "standard" always exists. [_tax-classes.md]
        existing = self._tax_class_slugs()
        wanted = item.slug or mappers._slug_of(item.name)
        if wanted in existing or mappers._slug_of(item.name) in existing:
            slug = wanted if wanted in existing else mappers._slug_of(item.name)
            return WriteResult(source_id=item.source_id, target_id=slug)
        data, response = self._call("POST", RESOURCES[E.TAX_CLASS], body=mappers.tax_class_to_wc(item),
                                    allow=(400, 409))
        if response.status_code >= 300 or not isinstance(data, dict) or not data.get("slug"):
            code, message = _wc_error(data)
            return WriteResult(source_id=item.source_id, error=message or code or "refused")
        return WriteResult(source_id=item.source_id, target_id=str(data["slug"]))

    def _tax_class_slugs(self) -> set[str]:
        data, _ = self._call("GET", RESOURCES[E.TAX_CLASS])
        return {str(r.get("slug")) for r in data or [] if isinstance(r, dict)}

    def _resolve_tags(self, items: list[Canonical]) -> dict[str, int]:
        """Tag names -> ids on this store; WC only accepts tags by id. Missing tags are created."""
        names = {t for item in items for t in getattr(item, "tags", []) or []}
        if not names:
            return {}
        if self._tag_cache is None:
            self._tag_cache = {str(t["name"]): int(t["id"]) for t in self._all_pages("products/tags")
                               if isinstance(t, dict) and t.get("id") and t.get("name")}
        missing = sorted(n for n in names if n not in self._tag_cache)
        if missing:
            outcomes = self._batch("products/tags", "create", [{"name": n} for n in missing])
            for name, (tag_id, error) in zip(missing, outcomes, strict=True):
                if tag_id:
                    self._tag_cache[name] = int(tag_id)
                else:
                    logger.warning("Could not create product tag %r: %s", name, error)
        return dict(self._tag_cache)

    def _write_variations(self, product_id: str, item: Product, fields: list[str] | None = None,
                          warnings: list[str] | None = None) -> dict[str, str]:
        """Create (or update, matched by SKU) the variations of a variable product; source -> target ids.

        With `fields`, only matched variations are updated, and only with the WC keys of those fields."""
        existing: dict[str, Any] = {}
        for variation in self._all_pages(f"products/{product_id}/variations"):
            if isinstance(variation, dict) and variation.get("sku"):
                existing[str(variation["sku"])] = variation["id"]
        creates, updates = [], []
        for variant in item.variants:
            payload = mappers.variant_to_wc(variant, migrate_images=self.migrate_images)
            if fields is not None:
                keys = {k for f in fields if f in VARIANT_FIELDS for k in UPDATE_FIELDS[E.PRODUCT][f]}
                payload = {k: v for k, v in payload.items() if k in keys}
            if variant.sku and variant.sku in existing:
                updates.append((variant, {"id": existing[variant.sku], **payload}))
            elif fields is None:
                creates.append((variant, payload))
        children: dict[str, str] = {}
        path = f"products/{product_id}/variations"
        for operation, pairs in (("create", creates), ("update", updates)):
            if not pairs:
                continue
            for (variant, _), (target_id, error) in zip(
                    pairs, self._batch(path, operation, [p for _, p in pairs]), strict=True):
                if error:
                    if warnings is not None:
                        warnings.append(f"Variation {variant.source_id} ({variant.sku or 'no SKU'}) was refused: "
                                        f"{error}")
                    logger.info("Variation %s of product %s was refused: %s", variant.source_id, product_id, error)
                else:
                    children[variant.source_id] = str(target_id)
        return children

    def _create_translations(self, entity: EntityType, target_id: str, item: Canonical,
                             warnings: list[str] | None = None) -> None:
        default, languages = self._languages()
        for lang, fields in item.translations.items():
            if lang == default or (languages and lang not in languages):
                continue
            body = mappers.translation_to_wc(entity, fields, lang=lang, original_id=target_id)
            if entity == E.PRODUCT and isinstance(item, Product):
                body.setdefault("type", item.type)
            data, response = self._call("POST", RESOURCES[entity], params={"lang": lang}, body=body,
                                        allow=(400, 409))
            if response.status_code >= 300:
                message = _wc_error(data)[1]
                if warnings is not None:
                    warnings.append(f"The {lang} translation was refused: {message}")
                logger.info("Translation %s of %s %s was refused: %s", lang, entity, target_id, message)

    def _add_missing_notes(self, order_id: str, item: Canonical, *, fresh: bool = False) -> None:
        """Post the status history as order notes (WC has no batch for notes), skipping those already there.
        `fresh`: the order was created just now, so none of ours can be there yet (saves a read per order)."""
        wanted = [mappers.note_to_wc(change) for change in getattr(item, "status_history", [])]
        wanted = [n for n in wanted if n["note"]]
        if not wanted:
            return
        existing = set() if fresh else {str(n.get("note", "")).strip() for n in self._notes_of(order_id)}
        for note in wanted:
            if note["note"].strip() in existing:
                continue
            self._call("POST", f"orders/{order_id}/notes", body=note)
            existing.add(note["note"].strip())

    def update(self, entity: EntityType, target_id: str, item: Canonical, fields: list[str] | None = None
               ) -> WriteResult:
        entity = self._require(entity, "write")
        if entity == E.TAX_CLASS:
            if target_id in self._tax_class_slugs():
                return WriteResult(source_id=item.source_id, target_id=target_id)  # nothing to update in WC
            return WriteResult(source_id=item.source_id, error=f"Tax class {target_id!r} does not exist.")
        unknown = [f for f in fields or [] if f not in UPDATE_FIELDS.get(entity, {})]
        if unknown:
            return WriteResult(source_id=item.source_id,
                               error=f"WooCommerce cannot update {', '.join(unknown)} of {entity.label.lower()}.")
        try:
            tag_ids = self._resolve_tags([item]) if entity == E.PRODUCT and (
                fields is None or "tags" in fields) else {t: 0 for t in getattr(item, "tags", [])}
            full = self._payload(entity, item, tag_ids)
        except (ValueError, TypeError, KeyError) as exc:
            return WriteResult(source_id=item.source_id, error=f"Could not prepare the record: {exc}")
        body = self._update_body(entity, item, full, fields)
        result = WriteResult(source_id=item.source_id, target_id=target_id)
        if body:
            data, response = self._call("PUT", f"{RESOURCES[entity]}/{target_id}", body=body,
                                        allow=(400, 404, 409, 410))
            if response.status_code >= 300:
                code, message = _wc_error(data)
                return WriteResult(source_id=item.source_id, error=message or code or "refused")
        if entity == E.PRODUCT and isinstance(item, Product) and item.type == "variable" and item.variants and (
                fields is None or VARIANT_FIELDS & set(fields)):
            result.children = self._write_variations(target_id, item, fields, warnings=result.warnings)
        if entity == E.ORDER and (fields is None or "status_history" in fields):
            self._add_missing_notes(target_id, item)
        return result

    @staticmethod
    def _update_body(entity: EntityType, item: Canonical, full: dict[str, Any], fields: list[str] | None
                     ) -> dict[str, Any]:
        if entity == E.ORDER:
            # Never re-send lines on an update: WC adds line items that carry no id. [_orders.md]
            full = {k: v for k, v in full.items()
                    if k not in ("line_items", "shipping_lines", "coupon_lines", "tax_lines", "set_paid",
                                 "discount_total", "shipping_total", "total_tax", "total")}
            full["meta_data"] = [m for m in full.get("meta_data", []) if m["key"] == mappers.TRACKING_META] or [
                {"key": mappers.TRACKING_META, "value": []}]
        if entity == E.CUSTOMER and "username" in full:
            full.pop("username")  # usernames cannot be changed in WordPress
        if fields is None:
            return full
        keys: set[str] = set()
        for name in fields:
            if entity == E.PRODUCT and getattr(item, "type", "") == "variable" and name in VARIANT_FIELDS:
                continue  # applied to the variations
            keys.update(UPDATE_FIELDS[entity][name])
        body = {k: full[k] for k in keys if k in full}
        if entity == E.CUSTOMER and "phone" in fields and "billing" not in fields:
            body["billing"] = {"phone": full["billing"]["phone"]}
        return body

    def find_by_natural_key(self, entity: EntityType, key: str) -> str | None:
        """products: sku; customers: email; coupons: code; categories, brands, tax classes: slug.

        Orders: `search=<number>`, then the match is the order whose `_cartmigrate_source_number` meta (or,
        for orders not created by Cartmigrate, whose number) equals `key`. Limitation: WooCommerce's order
        search does not look into custom meta, so when the search finds nothing the newest
        ORDER_SCAN_LIMIT orders are scanned (id descending) for the meta: enough for the reconciliation
        of records a crashed run had just created, not a general lookup in a big store."""
        entity = self._require(entity, "find")
        if not key:
            return None
        if entity == E.TAX_CLASS:
            return key if key in self._tax_class_slugs() else None
        if entity == E.REVIEW:
            return self.find_by_natural_keys(entity, [key]).get(key)
        params: dict[str, Any] = {"per_page": 10}
        field = {E.PRODUCT: "sku", E.CUSTOMER: "email", E.COUPON: "code", E.CATEGORY: "slug",
                 E.MANUFACTURER: "slug", E.ORDER: "search"}[entity]
        if entity == E.PRODUCT and key.startswith("slug:"):  # entities.Product.natural_key without a SKU
            field, key = "slug", key.removeprefix("slug:")
        params[field] = key
        if entity == E.ORDER:
            params["per_page"] = 100
        data, _ = self._call("GET", RESOURCES[entity], params=params)
        if entity == E.ORDER:
            return self._order_with_number(data if isinstance(data, list) else [], key, scan=True)
        for record in data if isinstance(data, list) else []:
            if not isinstance(record, dict) or not record.get("id"):
                continue
            value = record.get("code" if entity == E.COUPON else field)
            if str(value or "").lower() == key.lower():
                return str(record["id"])
        return None

    def _order_with_number(self, records: list[Any], key: str, *, scan: bool) -> str | None:
        for record in records:
            if not isinstance(record, dict) or not record.get("id"):
                continue
            source_number = mappers.meta_value(record, mappers.SOURCE_NUMBER_META)
            if str(source_number or "") == key or (not source_number and str(record.get("number")) == key):
                return str(record["id"])
        if not scan:
            return None
        for page in range(1, ORDER_SCAN_LIMIT // MAX_PER_PAGE + 1):
            data, response = self._call("GET", RESOURCES[E.ORDER], params={
                "orderby": "id", "order": "desc", "per_page": MAX_PER_PAGE, "page": page})
            found = self._order_with_number(data if isinstance(data, list) else [], key, scan=False)
            total_pages = self._int_header(response, "X-WP-TotalPages") or 0
            if found or page >= total_pages:
                return found
        return None

    def find_by_natural_keys(self, entity: EntityType, keys: list[str]) -> dict[str, str]:
        """Orders: one scan of the newest ORDER_SCAN_LIMIT orders for all keys at once (search cannot see
        the meta). Reviews: key = "product id|email|content digest" (entities.Review.natural_key), matched
        on the product's reviews. Everything else: one filtered lookup per key."""
        entity = self._require(entity, "find")
        wanted = {k for k in keys if k}
        if entity == E.ORDER:
            found: dict[str, str] = {}
            for page in range(1, ORDER_SCAN_LIMIT // MAX_PER_PAGE + 1):
                data, response = self._call("GET", RESOURCES[E.ORDER], params={
                    "orderby": "id", "order": "desc", "per_page": MAX_PER_PAGE, "page": page})
                for record in data if isinstance(data, list) else []:
                    if not isinstance(record, dict) or not record.get("id"):
                        continue
                    number = str(mappers.meta_value(record, mappers.SOURCE_NUMBER_META) or record.get("number"))
                    if number in wanted:
                        found.setdefault(number, str(record["id"]))
                if len(found) == len(wanted) or page >= (self._int_header(response, "X-WP-TotalPages") or 0):
                    break
            return found
        if entity == E.REVIEW:
            found = {}
            by_product: dict[str, set[str]] = {}
            for key in wanted:
                by_product.setdefault(key.split("|", 1)[0], set()).add(key)
            for product_id, product_keys in by_product.items():
                for record in self._all_pages(RESOURCES[E.REVIEW], {"product": product_id, "status": "all"}):
                    if not isinstance(record, dict) or not record.get("id"):
                        continue
                    try:
                        review = mappers.to_canonical(E.REVIEW, record)
                    except RecordError:
                        continue
                    review_key = review.natural_key()
                    if review_key in product_keys:
                        found.setdefault(review_key, str(record["id"]))
            return found
        return super().find_by_natural_keys(entity, list(wanted))

    def delete(self, entity: EntityType, target_ids: list[str]) -> list[WriteResult]:
        """Forced deletes through /batch (batch deletes skip the trash). Missing records count as deleted."""
        entity = self._require(entity, "delete")
        if entity == E.TAX_CLASS:
            results = []
            for slug in target_ids:
                data, response = self._call("DELETE", f"{RESOURCES[entity]}/{slug}", params={"force": "true"},
                                            allow=(400, 404, 410))
                code, message = _wc_error(data) if response.status_code >= 300 else ("", "")
                missing = response.status_code in (404, 410) or "invalid" in code
                error = None if response.status_code < 300 or missing else (message or code)
                results.append(WriteResult(source_id=slug, target_id=None if error else slug, error=error))
            return results
        ids = [int(i) for i in target_ids]
        results = []
        for target_id, (_, error) in zip(target_ids, self._batch(RESOURCES[entity], "delete", ids), strict=True):
            if error and not _means_missing(error):
                results.append(WriteResult(source_id=target_id, error=error))
            else:
                results.append(WriteResult(source_id=target_id, target_id=target_id))
        return results


class _NotJson:
    def __repr__(self) -> str:
        return "<not JSON>"


_NOT_JSON = _NotJson()


def _wc_error(data: Any) -> tuple[str, str]:
    """(code, message) of a WC error body {"code","message","data":{"status"}}."""
    if isinstance(data, dict):
        return str(data.get("code") or ""), str(data.get("message") or "")
    return "", ""


def _means_missing(error: str) -> bool:
    text = error.lower()
    return "invalid id" in text or "invalid_id" in text or "does not exist" in text or "not found" in text


def _reason(exc: Exception) -> str:
    if isinstance(exc, RecordError):
        return exc.message
    if isinstance(exc, ValidationError):
        return "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()[:3])
    return str(exc)


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
