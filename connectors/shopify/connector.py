"""Shopify Admin GraphQL API connector (source and target).

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

Finding a record again (after a crash between a write and the id map): products by SKU search, then by the
source SKU kept as a custom ID, an `id` metafield `cartmigrate.sku` whose definition (unique values) the
connector creates before its first product write [shopify.dev/docs/apps/build/custom-data/metafields/
working-with-custom-ids]; customers by email, orders by name, collections, discounts, pages by handle or code.

Writes: many mutations share one request under aliases (`m0`, `m1`...), sized so that a request stays under
Shopify's single-query maximum of 1000 points; each alias's `userErrors` becomes that record's error with
Shopify's message. Batches of at least `BULK_MIN` products or customers go through
`bulkOperationRunMutation` (JSONL staged upload), which is not metered by the bucket. A variant's image is
the variant's `file` in `productSet`, also listed once in the product's `files` as Shopify requires.

Field patches (smart update): products through productSet/inventorySetQuantities, customers through
customerUpdate, orders through orderUpdate plus, for `status`, orderMarkAsPaid
[shopify.dev/docs/api/admin-graphql/latest/mutations/orderMarkAsPaid], a fulfillment, orderCancel
[.../mutations/orderCancel] (`refundMethod`, nothing restocked, no customer notification; Shopify cancels
only orders with nothing fulfilled) or, for a shipped order refunded, refundCreate [.../mutations/refundCreate]
of what was paid; a status Shopify cannot reach is a warning (`_status_plan`).

Reading pages: cursor pagination (`first`/`after`, checkpoint `{"after": cursor}`), sorted by id; with
`modified_since` the search `updated_at:>='...'` sorted by UPDATED_AT [shopify.dev/docs/api/usage/search-syntax].

Reading large stores: an entity with at least `bulk_read_min` (BULK_READ_MIN) records on the store (with
`modified_since`: that many changed, where Shopify's count takes the `query:` filter) is read with
one `bulkOperationRunQuery` [shopify.dev/docs/api/usage/bulk-operations/queries], which the cost bucket does not
meter: the same selection (same search filter and sort), rewritten by `bulk.plan` (no page sizes, a marker on
each nested connection), `groupObjects: true` so that child lines follow their parent, polled through
`node(id:)`, and the JSONL result streamed line by line into the node shape a paginated read gives (nested
lists whole, so no `_complete_*` queries). Pages keep the requested size; their checkpoint
`{"bulk": <operation id>, "offset": <root records read>}` re-reads the same file (its URL lives seven days)
and skips what was read, or starts again when the operation or its file is gone. Shopify refusing the
query (another app's bulk queries running, a selection over its limits of five connections two levels
deep) or the operation ending FAILED/CANCELED/EXPIRED falls back to the paginated read, with a log line.
Reviews are product metafields (namespace `cartmigrate_reviews`): a store of at least `bulk_read_min`
products has them read by one bulk query over every product's review metafields, a smaller one product by
product; "changed since" is filtered here (Shopify has no date filter on metafields).
"""
from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import Iterator
from datetime import datetime
from decimal import Decimal
from typing import Any, ClassVar

import requests

from connectors.base import (
    CLEAR_SCOPE,
    CLEAR_TARGET,
    CREATE_REDIRECTS,
    MIGRATE_IMAGES,
    Capabilities,
    Connector,
    CredentialField,
    Page,
    StoreInfo,
    WriteResult,
)
from connectors.entities import (
    BlogPost,
    Canonical,
    Category,
    Coupon,
    Customer,
    EntityType,
    Order,
    OrderStatus,
    Product,
    Shipment,
)
from connectors.entities import Page as ContentPage
from connectors.errors import AuthenticationError, ConfigError, ConnectorError, RecordError, TransientError
from connectors.ratelimit import RatePolicy

from . import bulk, mappers
from .mappers import gid, legacy

logger = logging.getLogger(__name__)

E = EntityType
API_VERSION = "2026-01"
MAX_QUERY_COST = 1000  # Shopify's single-query maximum, whatever the plan
REQUEST_BUDGET = 900  # what one batched request may cost, below the maximum with a margin for estimates
MAX_THROTTLE_WAITS = 20
BULK_MIN = 100  # creates of at least this many products/customers go through a bulk mutation
# An entity with at least this many records on the store is read with one bulk query: a paginated read of
# products or orders costs ~40-50 points a record, so 100 of them drain two Standard-plan buckets (2000
# points, 100/s) and wait ~20 s or more, while a bulk query costs ~12 points whatever its size.
BULK_READ_MIN = 100
FILTERED_COUNTS = frozenset({"productsCount", "collectionsCount", "customersCount", "ordersCount"})  # take `query:`
BULK_POLL_MAX = 10.0  # seconds between two polls of a running bulk operation, at most
BULK_WAIT_PAGE = 15.0  # while a bulk query runs, an empty page (with its checkpoint) this often
BULK_DONE = frozenset({"COMPLETED", "FAILED", "CANCELED", "EXPIRED"})
ENTITIES = frozenset({E.CATEGORY, E.PRODUCT, E.CUSTOMER, E.ORDER, E.REVIEW, E.COUPON, E.PAGE, E.BLOG_POST})
MODIFIED_FILTER = frozenset({E.CATEGORY, E.PRODUCT, E.CUSTOMER, E.ORDER, E.COUPON, E.PAGE, E.BLOG_POST})
TRANSLATABLE = {E.PRODUCT: mappers.PRODUCT_TRANSLATION_KEYS, E.CATEGORY: mappers.COLLECTION_TRANSLATION_KEYS,
                E.PAGE: mappers.PAGE_TRANSLATION_KEYS, E.BLOG_POST: mappers.ARTICLE_TRANSLATION_KEYS}
UPDATABLE: dict[EntityType, tuple[str, ...]] = {
    E.PRODUCT: ("stock_quantity", "stock_status", "price", "compare_at_price", "status", "name", "description",
                "category_ids", "seo"),
    E.ORDER: ("status", "shipments", "email", "customer_note", "shipping"),
    E.CUSTOMER: ("first_name", "last_name", "phone", "billing", "shipping"),
}
PRODUCT_LEVEL = frozenset({"status", "name", "description", "category_ids", "seo"})
VARIANT_LEVEL = frozenset({"price", "compare_at_price", "stock_quantity", "stock_status"})

# --- selections ----------------------------------------------------------------------------------------
USER_ERRORS = "userErrors { field message }"
VARIANT_FIELDS = """id sku price compareAtPrice inventoryQuantity inventoryPolicy selectedOptions { name value }
  image { url altText } inventoryItem { id tracked measurement { weight { unit value } } }"""
VARIANTS_PER_PAGE = 30
VARIANTS_MORE = 150  # per request of `_complete_variants`: ~5 points a variant keeps it under the 1000 maximum


def _tr(locales: list[str], keys: bool = True) -> str:
    return " ".join(f'tr_{loc.replace("-", "_")}: translations(locale: "{loc}") {{ key value }}' for loc in locales)


# A product's collections and images as read in a list page; more are fetched by `_complete_product_lists`.
PRODUCT_LIST_ITEMS = 10
MEDIA_FIELDS = "... on MediaImage { alt image { url } }"
PRODUCT_LISTS = {"collections": "id", "media": MEDIA_FIELDS}


def product_fields(locales: list[str]) -> str:
    return f"""id title handle descriptionHtml vendor productType status tags createdAt updatedAt
  hasOnlyDefaultVariant seo {{ title description }} options {{ name position values }}
  variants(first: {VARIANTS_PER_PAGE}) {{ pageInfo {{ hasNextPage endCursor }} nodes {{ {VARIANT_FIELDS} }} }}
  collections(first: {PRODUCT_LIST_ITEMS}) {{ pageInfo {{ hasNextPage endCursor }} nodes {{ id }} }}
  media(first: {PRODUCT_LIST_ITEMS}) {{ pageInfo {{ hasNextPage endCursor }} nodes {{ {MEDIA_FIELDS} }} }}
  cm_product: metafield(namespace: "{mappers.NAMESPACE}", key: "product") {{ value type }} {_tr(locales)}"""


def collection_fields(locales: list[str]) -> str:
    return f"""id title handle descriptionHtml updatedAt seo {{ title description }} image {{ url altText }}
  cm_parent: metafield(namespace: "{mappers.NAMESPACE}", key: "parent") {{ value }} {_tr(locales)}"""


CUSTOMER_FIELDS = """id email firstName lastName phone tags createdAt updatedAt
  emailMarketingConsent { marketingState }
  addresses(first: 5) { firstName lastName company address1 address2 city provinceCode zip countryCodeV2 phone }"""
MONEY = "{ shopMoney { amount currencyCode } }"
ORDER_LINES = 10
# An order's shipping lines, transactions and fulfillments with their tracking, as read in a list page;
# `_complete_order_lists` reads them again, whole, for an order that fills one of these lists.
ORDER_LIST_ITEMS = 5


def order_lists(shipping: int, transactions: int, fulfillments: int, tracking: int) -> str:
    return f"""shippingLines(first: {shipping}) {{ pageInfo {{ hasNextPage }} nodes {{ title code
    originalPriceSet {MONEY} }} }}
  transactions(first: {transactions}) {{ kind status gateway authorizationCode processedAt }}
  fulfillments(first: {fulfillments}) {{ createdAt trackingInfo(first: {tracking}) {{ company number url }} }}"""


ORDER_FIELDS = f"""id name email note createdAt updatedAt processedAt cancelledAt currencyCode
  displayFinancialStatus displayFulfillmentStatus discountCodes
  customer {{ id }}
  billingAddress {{ firstName lastName company address1 address2 city provinceCode zip countryCodeV2 phone }}
  shippingAddress {{ firstName lastName company address1 address2 city provinceCode zip countryCodeV2 phone }}
  subtotalPriceSet {MONEY} totalPriceSet {MONEY} totalTaxSet {MONEY} totalShippingPriceSet {MONEY}
  totalDiscountsSet {MONEY}
  taxLines {{ title rate priceSet {MONEY} }}
  lineItems(first: {ORDER_LINES}) {{ pageInfo {{ hasNextPage }} nodes {{ id name title sku quantity
    originalUnitPriceSet {MONEY} originalTotalSet {MONEY} discountedTotalSet {MONEY}
    variant {{ id product {{ id hasOnlyDefaultVariant }} }} }} }}
  {order_lists(3, ORDER_LIST_ITEMS, ORDER_LIST_ITEMS, ORDER_LIST_ITEMS)}"""
# A discount's items as read in a list page; more than this many are fetched by `_complete_coupon_items`.
COUPON_ITEMS = 10
COUPON_ITEM_FIELDS = {"products": "id", "productVariants": "product { id }", "collections": "id"}
COUPON_ITEM_TYPES = {"products": "DiscountProducts", "productVariants": "DiscountProducts",
                     "collections": "DiscountCollections"}
COUPON_FIELDS = f"""id codeDiscount {{ ... on DiscountCodeBasic {{ title createdAt updatedAt startsAt endsAt usageLimit
  appliesOncePerCustomer asyncUsageCount codes(first: 1) {{ nodes {{ code }} }}
  customerGets {{ value {{ ... on DiscountPercentage {{ percentage }}
    ... on DiscountAmount {{ amount {{ amount }} appliesOnEachItem }} }}
    items {{ ... on DiscountProducts {{
      products(first: {COUPON_ITEMS}) {{ pageInfo {{ hasNextPage endCursor }} nodes {{ id }} }}
      productVariants(first: {COUPON_ITEMS}) {{ pageInfo {{ hasNextPage endCursor }} nodes {{ product {{ id }} }} }} }}
      ... on DiscountCollections {{
        collections(first: {COUPON_ITEMS}) {{ pageInfo {{ hasNextPage endCursor }} nodes {{ id }} }} }} }} }}
  minimumRequirement {{ ... on DiscountMinimumSubtotal {{ greaterThanOrEqualToSubtotal {{ amount }} }} }} }} }}"""


def page_fields(locales: list[str]) -> str:
    return f"id title handle body isPublished createdAt updatedAt {_tr(locales)}"


def article_fields(locales: list[str]) -> str:
    return (f"id title handle body summary tags isPublished publishedAt createdAt updatedAt author {{ name }} "
            f"{_tr(locales)}")


# Per entity: (list field, count field, node type, page size that keeps a page under the cost maximum).
LISTS: dict[EntityType, tuple[str, str, str, int]] = {
    E.PRODUCT: ("products", "productsCount", "Product", 6),
    E.CATEGORY: ("collections", "collectionsCount", "Collection", 50),
    E.CUSTOMER: ("customers", "customersCount", "Customer", 50),
    E.ORDER: ("orders", "ordersCount", "Order", 5),
    E.COUPON: ("codeDiscountNodes", "discountCodesCount", "DiscountCodeNode", 15),  # ~45 points each
    E.PAGE: ("pages", "pagesCount", "Page", 50),
    E.BLOG_POST: ("articles", "", "Article", 50),
}
SORT_UPDATED = {E.PRODUCT, E.CATEGORY, E.CUSTOMER, E.ORDER}
REVIEW_PRODUCTS_PER_PAGE = 15
REVIEWS_PER_PRODUCT = 50
REVIEW_FIELDS = f"""metafields(first: {REVIEWS_PER_PRODUCT}, namespace: "{mappers.REVIEW_NAMESPACE}") {{
  pageInfo {{ hasNextPage endCursor }} nodes {{ id value createdAt updatedAt }} }}"""

DELETE_MUTATIONS: dict[EntityType, tuple[str, str, str]] = {  # name, argument declaration, result field
    E.PRODUCT: ("productDelete", "input: {id: $id}", "deletedProductId"),
    E.CATEGORY: ("collectionDelete", "input: {id: $id}", "deletedCollectionId"),
    E.CUSTOMER: ("customerDelete", "input: {id: $id}", "deletedCustomerId"),
    E.ORDER: ("orderDelete", "orderId: $id", "deletedId"),
    E.COUPON: ("discountCodeDelete", "id: $id", "deletedCodeDiscountId"),
    E.PAGE: ("pageDelete", "id: $id", "deletedPageId"),
    E.BLOG_POST: ("articleDelete", "id: $id", "deletedArticleId"),
}
ADMIN_PATHS = {E.PRODUCT: "products", E.CATEGORY: "collections", E.CUSTOMER: "customers", E.ORDER: "orders",
               E.COUPON: "discounts", E.PAGE: "pages", E.BLOG_POST: "articles"}

TOKEN_HELP = ("Shopify admin → Settings → Apps and sales channels → Develop apps → your app → API credentials "
              "(Admin API access token, starts with shpat_). Scopes: read/write products, inventory, customers, "
              "orders (+ read_all_orders), discounts, content, online_store_navigation, translations, locales.")


# The scopes this connector uses, as read_<x> / write_<x> (TOKEN_HELP names them for the owner).
REQUIRED_SCOPES = ("products", "inventory", "customers", "orders", "discounts", "content",
                   "online_store_navigation", "translations", "locales")

CLOSED_FO = frozenset({"CLOSED", "CANCELLED", "INCOMPLETE"})  # fulfillment orders nothing can be fulfilled on


class _StatusPlan:
    """What moving a Shopify order to a status takes: orderMarkAsPaid, a fulfillment, orderCancel (with a
    refund or not); `warnings` for the moves Shopify's API cannot make."""

    def __init__(self) -> None:
        self.mark_paid = self.fulfill = self.cancel = self.cancel_refunds = False
        self.refunds: list[tuple[str, str, Decimal]] = []  # refundCreate: (parent transaction, gateway, amount)
        self.warnings: list[str] = []


def _status_plan(order: dict[str, Any], wanted: str) -> _StatusPlan:
    plan = _StatusPlan()
    current = mappers.order_status_of(order)
    if wanted == current or wanted not in mappers.ORDER_STATUSES:
        return plan
    financial = str(order.get("displayFinancialStatus") or "PENDING").lower()
    fulfilled = any(f.get("status") == "SUCCESS" for f in order.get("fulfillments") or [])
    if order.get("cancelledAt"):
        plan.warnings.append(f"Status not changed to {wanted}: the order is cancelled on Shopify ({current}), "
                             "which cannot be undone.")
    elif wanted == "refunded" and fulfilled:
        plan.refunds = _refundable(order)  # shipped: refund the money, the order stays (not cancellable)
        if not plan.refunds:
            plan.warnings.append("Status not changed to refunded: nothing paid on the Shopify order is left "
                                 "to refund.")
    elif wanted in ("voided", "refunded"):
        if fulfilled:
            plan.warnings.append(f"Status not changed to {wanted}: Shopify cancels only orders with nothing "
                                 "fulfilled; cancel its fulfillments in the Shopify admin.")
        else:
            plan.cancel = True
            plan.cancel_refunds = wanted == "refunded"
    elif wanted in ("paid", "fulfilled") and financial in ("refunded", "partially_refunded"):
        plan.warnings.append(f"Status not changed to {wanted}: the order is {financial} on Shopify, and a "
                             "refund cannot be taken back.")
    elif wanted in ("paid", "fulfilled"):
        plan.mark_paid = financial in ("pending", "authorized", "partially_paid", "expired")
        plan.fulfill = wanted == "fulfilled"
        if wanted == "paid" and order.get("displayFulfillmentStatus") == "FULFILLED":
            plan.warnings.append("Status not changed to paid: the order is fulfilled on Shopify, and the "
                                 "connector does not cancel fulfillments.")
        elif not plan.mark_paid and financial not in mappers.PAID_STATUSES:
            plan.warnings.append(f"Status not changed to {wanted}: Shopify cannot mark a {financial} order as paid.")
            plan.fulfill = False
    else:
        plan.warnings.append(f"Status not changed to {wanted}: Shopify's API cannot set an order to {wanted} "
                             f"after it was created (it is {current}).")
    return plan


def _refundable(order: dict[str, Any]) -> list[tuple[str, str, Decimal]]:
    """(parent transaction id, gateway, amount) refunds covering what was paid and not yet refunded,
    taken from the successful SALE/CAPTURE transactions in order."""
    def amount(t: dict[str, Any]) -> Decimal:
        return Decimal(str(((t.get("amountSet") or {}).get("shopMoney") or {}).get("amount") or 0))

    done = [t for t in order.get("transactions") or [] if t.get("status") == "SUCCESS"]
    left = sum((amount(t) for t in done if t.get("kind") in ("SALE", "CAPTURE")), Decimal(0)) - sum(
        (amount(t) for t in done if t.get("kind") == "REFUND"), Decimal(0))
    out = []
    for t in done:
        if t.get("kind") in ("SALE", "CAPTURE") and left > 0:
            share = min(amount(t), left)
            out.append((t["id"], t.get("gateway") or "manual", share))
            left -= share
    return out


class _Op:
    """One aliased mutation field of a batch: `name(args) { selection }`, its variables and cost guess."""

    def __init__(self, name: str, args: dict[str, tuple[str, Any]], selection: str, *, key: Any, cost: float = 10):
        self.name, self.args, self.selection, self.key, self.cost = name, args, selection, key, cost
        self.sku_dropped = False  # productSet: written again without the SKU custom ID (see _without_taken_sku)


class ShopifyConnector(Connector):
    platform = "shopify"
    label = "Shopify"
    url_help = "The store's myshopify address, e.g. https://your-store.myshopify.com"
    credential_fields = (CredentialField(key="access_token", label="Admin API access token", help=TOKEN_HELP),)
    option_fields = (CLEAR_TARGET, CLEAR_SCOPE, MIGRATE_IMAGES, CREATE_REDIRECTS)
    capabilities = Capabilities(
        read=ENTITIES,
        write=ENTITIES,
        updatable_fields=UPDATABLE,
        modified_filter=MODIFIED_FILTER,
        batch_size=50,
        page_size=50,
        page_sizes={E.PRODUCT: 25, E.ORDER: 25},
        languages=True,
        customer_groups=True,
    )
    # Standard plan defaults; replaced by the store's own throttleStatus after the first answer.
    rate_policy: ClassVar[RatePolicy] = RatePolicy(rate=100.0, capacity=2000.0)
    order_statuses: ClassVar[dict[str, OrderStatus]] = mappers.ORDER_STATUSES

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if self.http.policy is None:
            self.http.policy = self.rate_policy
        self._costs: dict[int, float] = {}  # document hash -> last requested cost
        self._shop: dict[str, Any] | None = None
        self._location: str | None = None
        self._blog: str | None = None
        self._sku_id: bool | None = None  # products carry the source SKU as a custom ID (see `_sku_custom_id`)
        self._sku_tried = False
        self.points_spent = 0.0
        self.throttled = 0
        self.bulk_read_min = BULK_READ_MIN
        self._last_errors: list[dict[str, Any]] = []

    # --- transport -------------------------------------------------------------------------------------
    @property
    def api_url(self) -> str:
        return f"{self.base_url}/admin/api/{API_VERSION}/graphql.json"

    def _graphql(self, query: str, variables: dict[str, Any] | None = None, *, cost: float | None = None,
                 mutation: bool = False) -> dict[str, Any]:
        """Run one document; return `data` (with per-field errors left to the caller via `_errors`).

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
            throttled = isinstance(errors, list) and any(_code(e) == "THROTTLED" for e in errors)
            if throttled:
                over = _over_bucket(extensions)
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
            code = _code(error)
            if code == "ACCESS_DENIED":
                raise AuthenticationError(f"The access token lacks a permission: {error.get('message')} "
                                          f"{TOKEN_HELP}", url=self.api_url, detail=code)
            if code == "MAX_COST_EXCEEDED":
                raise ConnectorError(f"A request was too expensive for Shopify: {error.get('message')}",
                                     url=self.api_url, detail=code)
            if code == "INTERNAL_SERVER_ERROR":
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
    def _mutate(self, ops: list[_Op]) -> list[tuple[Any, str | None]]:
        """Run ops in as few requests as the cost maximum allows; one (payload, error) per op, in order.
        An op's error is its `userErrors` (Shopify's messages) or the GraphQL error on its alias."""
        results: list[tuple[Any, str | None]] = [(None, None)] * len(ops)
        chunk: list[int] = []
        spent = 0.0
        for index, op in enumerate(ops):
            if chunk and spent + op.cost > self._request_budget():
                self._run_ops(ops, chunk, results)
                chunk, spent = [], 0.0
            chunk.append(index)
            spent += op.cost
        if chunk:
            self._run_ops(ops, chunk, results)
        return results

    def _run_ops(self, ops: list[_Op], chunk: list[int], results: list) -> None:
        declarations, fields, variables = [], [], {}
        for index in chunk:
            op = ops[index]
            arguments = []
            for arg_name, (arg_type, value) in op.args.items():
                variable = f"m{index}_{arg_name}"
                declarations.append(f"${variable}: {arg_type}")
                arguments.append(f"{arg_name}: ${variable}")
                variables[variable] = value
            fields.append(f"m{index}: {op.name}({', '.join(arguments)}) {{ {op.selection} }}")
        document = f"mutation Batch({', '.join(declarations)}) {{\n" + "\n".join(fields) + "\n}"
        try:
            data = self._graphql(document, variables, cost=sum(ops[i].cost for i in chunk), mutation=True)
        except ConnectorError as exc:
            if exc.detail == "MAX_COST_EXCEEDED" and len(chunk) > 1:
                half = len(chunk) // 2
                self._run_ops(ops, chunk[:half], results)
                self._run_ops(ops, chunk[half:], results)
                return
            if type(exc) is ConnectorError:
                for index in chunk:
                    results[index] = (None, exc.message)
                return
            raise
        by_alias = {}
        for error in self._last_errors:
            path = error.get("path") or []
            if path:
                by_alias.setdefault(str(path[0]), str(error.get("message")))
        for index in chunk:
            payload = data.get(f"m{index}")
            user_errors = (payload or {}).get("userErrors") or []
            if f"m{index}" in by_alias:
                results[index] = (None, by_alias[f"m{index}"])
            elif user_errors:
                results[index] = (payload, "; ".join(_user_error(e) for e in user_errors))
            elif payload is None:
                results[index] = (None, "Shopify gave no answer for this record.")
            else:
                results[index] = (payload, None)

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

    def check_connection(self) -> StoreInfo:
        try:
            data = self.shop()
        except TransientError as exc:
            raise ConfigError(f"Could not reach Shopify at {self.api_url}: {exc.message}", url=self.api_url) from None
        shop = data["shop"]
        counts = {str(e): self.count(e) for e in sorted(self.capabilities.read, key=list(EntityType).index)
                  if e != E.REVIEW}
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

    # --- reading ---------------------------------------------------------------------------------------
    def _fields(self, entity: EntityType) -> str:
        locales = self.published_locales if entity in TRANSLATABLE else []
        return {
            E.PRODUCT: lambda: product_fields(locales), E.CATEGORY: lambda: collection_fields(locales),
            E.CUSTOMER: lambda: CUSTOMER_FIELDS, E.ORDER: lambda: ORDER_FIELDS, E.COUPON: lambda: COUPON_FIELDS,
            E.PAGE: lambda: page_fields(locales), E.BLOG_POST: lambda: article_fields(locales),
        }[entity]()

    def read(self, entity: EntityType, *, checkpoint: dict[str, Any] | None = None,
             modified_since: datetime | None = None, page_size: int | None = None) -> Iterator[Page]:
        entity = self._require(entity, "read")
        if entity == E.REVIEW and not (checkpoint or {}).get("bulk"):
            yield from self._read_reviews(checkpoint, modified_since, bulk=not (checkpoint or {}).get("after"))
            return
        if entity == E.REVIEW:
            yield from self._recent_reviews(self._read_bulk(entity, checkpoint, None, REVIEW_PRODUCTS_PER_PAGE),
                                            modified_since)
            return
        if (checkpoint or {}).get("after"):
            yield from self._read_pages(entity, checkpoint, modified_since, page_size)
        else:
            yield from self._read_bulk(entity, checkpoint, modified_since, page_size)

    def _read_pages(self, entity: EntityType, checkpoint: dict[str, Any] | None, modified_since: datetime | None,
                    page_size: int | None) -> Iterator[Page]:
        """The paginated read: `first`/`after` cursors, checkpoint `{"after": cursor}`."""
        field, _, _, max_first = LISTS[entity]
        first = max(1, min(page_size or self.capabilities.page_size, max_first, 250))
        query_text, sort = _filter(entity, modified_since)
        document = f"""query($first: Int!, $after: String, $query: String) {{
          {field}(first: $first, after: $after, query: $query, sortKey: {sort}) {{
            pageInfo {{ hasNextPage endCursor }} nodes {{ {self._fields(entity)} }} }} }}"""
        after = (checkpoint or {}).get("after")
        while True:
            try:
                data = self._graphql(document, {"first": first, "after": after, "query": query_text})
            except ConnectorError as exc:
                if exc.detail != "MAX_COST_EXCEEDED" or first == 1:
                    raise
                first = max(1, int(first * self._request_budget() // max(_cost_in(exc.message), 1)))
                continue
            connection = data[field]
            items, errors = self._to_items(entity, connection["nodes"])
            info = connection["pageInfo"]
            after = info["endCursor"]
            yield Page(items=items, errors=errors,
                       next_checkpoint={"after": after} if info["hasNextPage"] and after else None)
            if not info["hasNextPage"] or not after:
                return

    # --- bulk query reads ------------------------------------------------------------------------------
    def _read_bulk(self, entity: EntityType, checkpoint: dict[str, Any] | None, modified_since: datetime | None,
                   page_size: int | None) -> Iterator[Page]:
        """Read the whole entity with one `bulkOperationRunQuery` when the store holds at least
        `bulk_read_min` of it [shopify.dev/docs/api/usage/bulk-operations/queries]; else, or when Shopify
        will not run it, the paginated read. Pages hold `page_size` root records; their checkpoint
        `{"bulk": <operation id>, "offset": <root records read>}` re-reads the same result file (its URL
        lives seven days) from there, or, when that operation is gone, starts again."""
        resume = str((checkpoint or {}).get("bulk") or "")
        if not resume.startswith("gid://shopify/BulkOperation/"):
            resume = ""
        offset = int((checkpoint or {}).get("offset") or 0) if resume else 0
        if not resume and not self._worth_bulk(entity, modified_since):
            yield from self._unbulked(entity, modified_since, page_size)
            return
        try:
            bulk_plan = self._bulk_plan(entity, modified_since)
        except bulk.OverLimits as exc:
            logger.info("Shopify %s: the selection does not fit a bulk query (%s); paginated read", entity, exc)
            yield from self._unbulked(entity, modified_since, page_size)
            return
        size = max(1, page_size or self.capabilities.page_size)
        for attempt in ("resume", "new") if resume else ("new",):
            if attempt == "new":
                offset = 0
                operation = self._bulk_start(entity, bulk_plan)
                if operation is None:
                    break
            else:
                operation = resume
            status = yield from self._bulk_wait(operation, offset)
            if status.get("status") != "COMPLETED":
                logger.warning("Shopify %s: bulk operation %s ended %s (%s)%s", entity, operation,
                               status.get("status"), status.get("errorCode"),
                               "; starting again" if attempt == "resume" else "; paginated read")
                continue
            if not status.get("url"):  # Shopify gives no file when nothing matched
                yield Page(items=[], next_checkpoint=None)
                return
            response = self.http.request("GET", status["url"], stream=True, idempotent=True, cost=0)
            if response.status_code >= 400:
                response.close()
                logger.warning("Shopify %s: the result file of bulk operation %s is gone (HTTP %s)%s", entity,
                               operation, response.status_code,
                               "; starting again" if attempt == "resume" else "; paginated read")
                continue
            yield from self._bulk_pages(entity, bulk_plan, operation, response, offset, size)
            return
        yield from self._unbulked(entity, modified_since, page_size)

    def _worth_bulk(self, entity: EntityType, modified_since: datetime | None) -> bool:
        """A bulk query pays off from `bulk_read_min` records: counted with the same `updated_at` filter
        where Shopify's count takes one, so that a smart update of a few changes on a big store reads
        them by pages instead of waiting for a bulk operation (of which a shop runs only a few at once)."""
        if entity == E.REVIEW:
            return self.count(E.PRODUCT) >= self.bulk_read_min  # metafields: no date filter
        if entity not in LISTS:
            return False
        query_text, _ = _filter(entity, modified_since)
        if query_text is None or LISTS[entity][1] not in FILTERED_COUNTS:
            return self.count(entity) >= self.bulk_read_min
        return self._count(entity, query_text) >= self.bulk_read_min

    def _unbulked(self, entity: EntityType, modified_since: datetime | None, page_size: int | None
                  ) -> Iterator[Page]:
        """The paginated read from the start, when a bulk query is not used."""
        if entity == E.REVIEW:
            yield from self._read_reviews(None, modified_since, bulk=False)
        else:
            yield from self._read_pages(entity, None, modified_since, page_size)

    def _bulk_plan(self, entity: EntityType, modified_since: datetime | None) -> bulk.BulkPlan:
        if entity == E.REVIEW:  # reviews are product metafields: every product with them
            return bulk.plan("products", "sortKey: ID", f"id {REVIEW_FIELDS}")
        field = LISTS[entity][0]
        query_text, sort = _filter(entity, modified_since)
        arguments = f"sortKey: {sort}" + (f", query: {json.dumps(query_text)}" if query_text else "")
        return bulk.plan(field, arguments, self._fields(entity))

    def _bulk_start(self, entity: EntityType, bulk_plan: bulk.BulkPlan) -> str | None:
        """Start the bulk query; None (with a log line) when Shopify refuses, e.g. because as many bulk
        queries as this API version allows per shop are already running."""
        data = self._graphql("""mutation($q: String!) { bulkOperationRunQuery(query: $q, groupObjects: true) {
            bulkOperation { id status } userErrors { field message code } } }""", {"q": bulk_plan.query},
                             cost=10, mutation=True)
        payload = data.get("bulkOperationRunQuery") or {}
        if payload.get("userErrors") or not payload.get("bulkOperation"):
            logger.warning("Shopify %s: bulk query refused (%s); paginated read", entity,
                           bulk.user_errors_text(payload.get("userErrors") or []))
            return None
        return payload["bulkOperation"]["id"]

    def _bulk_wait(self, operation: str, offset: int) -> Iterator[Page]:
        """Poll until the operation ends; meanwhile an empty page every BULK_WAIT_PAGE seconds (its
        checkpoint points at the operation, so a run stopped while Shopify works picks it up again).
        Returns the operation's last status."""
        delay, since_page = 0.25, time.monotonic()
        while True:
            node = self._graphql("""query($id: ID!) { node(id: $id) { ... on BulkOperation { id status errorCode
                url rootObjectCount } } }""", {"id": operation}, cost=1).get("node")
            if not node or not node.get("status"):
                return {"status": "MISSING"}
            if node["status"] in BULK_DONE:
                return node
            if time.monotonic() - since_page >= BULK_WAIT_PAGE:
                yield Page(items=[], next_checkpoint={"bulk": operation, "offset": offset})
                since_page = time.monotonic()
            time.sleep(delay)
            delay = min(delay * 2, BULK_POLL_MAX)

    def _bulk_pages(self, entity: EntityType, bulk_plan: bulk.BulkPlan, operation: str,
                    response: requests.Response, offset: int, size: int) -> Iterator[Page]:
        """Stream the JSONL result into pages; a page is held back until the next record shows there is
        more, so that only the last page says the read is done."""
        items: list[Canonical] = []
        errors: list[RecordError] = []
        ready: Page | None = None
        consumed = offset
        try:
            for line in bulk.records(bulk_plan, response.iter_lines(chunk_size=1 << 16), skip=offset):
                if ready is not None:
                    yield ready
                    ready = None
                if line.problem:
                    errors.append(RecordError(line.problem, source_id=legacy((line.node or {}).get("id")) or "",
                                              excerpt=line.excerpt))
                else:
                    mapped, failed = self._to_items(entity, [line.node])
                    items += mapped
                    errors += failed
                if line.root:
                    consumed = line.index + 1
                if len(items) + len(errors) >= size:
                    ready = Page(items=items, errors=errors, next_checkpoint={"bulk": operation, "offset": consumed})
                    items, errors = [], []
        except requests.RequestException as exc:
            raise TransientError(f"Shopify's bulk result file broke off: {exc}", url=self.api_url) from None
        finally:
            response.close()
        if ready is not None and not items and not errors:
            ready.next_checkpoint = None
            yield ready
            return
        if ready is not None:
            yield ready
        yield Page(items=items, errors=errors, next_checkpoint=None)

    def _to_items(self, entity: EntityType, nodes: list[dict[str, Any]]) -> tuple[list[Canonical], list[RecordError]]:
        items, errors = [], []
        if entity == E.REVIEW:  # product nodes with their review metafields
            for product in nodes:
                for node in product["metafields"]["nodes"]:
                    try:
                        items.append(mappers.to_canonical(E.REVIEW, node, product_id=legacy(product["id"])))
                    except RecordError as exc:
                        errors.append(exc)
            return items, errors
        for node in nodes:
            if entity == E.PRODUCT:
                self._complete_variants(node)
                self._complete_product_lists(node)
            if entity == E.ORDER and node.get("lineItems", {}).get("pageInfo", {}).get("hasNextPage"):
                self._complete_lines(node)
            if entity == E.ORDER and _fills_a_list(node):
                self._complete_order_lists(node)
            if entity == E.COUPON:
                self._complete_coupon_items(node)
            try:
                items.append(mappers.to_canonical(entity, node))
            except RecordError as exc:
                errors.append(exc)
        return items, errors

    def _complete_variants(self, node: dict[str, Any]) -> None:
        """Products with more variants than a list page holds: fetch the rest (up to Shopify's 2048)."""
        connection = node.get("variants") or {}
        while (connection.get("pageInfo") or {}).get("hasNextPage"):
            data = self._graphql(f"""query($id: ID!, $after: String) {{ product(id: $id) {{
                variants(first: {VARIANTS_MORE}, after: $after) {{ pageInfo {{ hasNextPage endCursor }}
                nodes {{ {VARIANT_FIELDS} }} }} }} }}""",
                {"id": node["id"], "after": connection["pageInfo"]["endCursor"]})
            more = data["product"]["variants"]
            node["variants"]["nodes"].extend(more["nodes"])
            connection["pageInfo"] = more["pageInfo"]

    def _complete_product_lists(self, node: dict[str, Any]) -> None:
        """Products in more collections, or with more images, than a list page holds: fetch the rest."""
        for field, selection in PRODUCT_LISTS.items():
            connection = node.get(field) or {}
            while (connection.get("pageInfo") or {}).get("hasNextPage"):
                data = self._graphql(f"""query($id: ID!, $after: String) {{ product(id: $id) {{
                    {field}(first: 100, after: $after) {{ pageInfo {{ hasNextPage endCursor }}
                    nodes {{ {selection} }} }} }} }}""",
                                     {"id": node["id"], "after": connection["pageInfo"]["endCursor"]})
                more = (data.get("product") or {}).get(field) or {"nodes": [], "pageInfo": {}}
                connection["nodes"].extend(more["nodes"])
                connection["pageInfo"] = more["pageInfo"]

    def _complete_coupon_items(self, node: dict[str, Any]) -> None:
        """Discounts restricted to more products, variants or collections than a list page holds: fetch
        the rest (a discount takes up to 250 of each per write, and may have been given more over time)."""
        items = ((node.get("codeDiscount") or {}).get("customerGets") or {}).get("items") or {}
        for field, selection in COUPON_ITEM_FIELDS.items():
            connection = items.get(field) or {}
            while (connection.get("pageInfo") or {}).get("hasNextPage"):
                data = self._graphql(f"""query($id: ID!, $after: String) {{ codeDiscountNode(id: $id) {{
                    codeDiscount {{ ... on DiscountCodeBasic {{ customerGets {{ items {{
                      ... on {COUPON_ITEM_TYPES[field]} {{ {field}(first: 250, after: $after) {{
                        pageInfo {{ hasNextPage endCursor }} nodes {{ {selection} }} }} }} }} }} }} }} }} }}""",
                                     {"id": node["id"], "after": connection["pageInfo"]["endCursor"]})
                more = ((((data.get("codeDiscountNode") or {}).get("codeDiscount") or {}).get("customerGets") or {})
                        .get("items") or {}).get(field) or {"nodes": [], "pageInfo": {}}
                connection["nodes"].extend(more["nodes"])
                connection["pageInfo"] = more["pageInfo"]

    def _complete_order_lists(self, node: dict[str, Any]) -> None:
        """An order with more shipping lines, transactions, fulfillments or tracking numbers than a list
        page reads: read those lists again, whole (rare: a few parcels, a few payments)."""
        # ~730 points: under the 1000 maximum (fulfillments x tracking numbers multiply)
        data = self._graphql(f"""query($id: ID!) {{ order(id: $id) {{ {order_lists(50, 50, 25, 20)} }} }}""",
                             {"id": node["id"]})
        node.update(data["order"] or {})

    def _complete_lines(self, node: dict[str, Any]) -> None:
        data = self._graphql(f"""query($id: ID!) {{ order(id: $id) {{ lineItems(first: 100) {{ nodes {{
            id name title sku quantity originalUnitPriceSet {MONEY} originalTotalSet {MONEY}
            discountedTotalSet {MONEY} variant {{ id product {{ id hasOnlyDefaultVariant }} }} }} }} }} }}""",
                             {"id": node["id"]})
        node["lineItems"] = data["order"]["lineItems"]

    @staticmethod
    def _recent_reviews(pages: Iterator[Page], modified_since: datetime | None) -> Iterator[Page]:
        """Reviews changed since a moment: Shopify cannot filter metafields by date, so it is done here."""
        for page in pages:
            if modified_since is not None:
                page = Page(items=[r for r in page.items if r.updated_at and r.updated_at >= modified_since],
                            errors=page.errors, next_checkpoint=page.next_checkpoint)
            yield page

    def _read_reviews(self, checkpoint: dict[str, Any] | None, modified_since: datetime | None, *,
                      bulk: bool) -> Iterator[Page]:
        """Reviews are product metafields: read product by product (with `bulk`, from a store of at least
        `bulk_read_min` products, one bulk query over every product's review metafields)."""
        if bulk:
            yield from self._recent_reviews(self._read_bulk(E.REVIEW, None, None, REVIEW_PRODUCTS_PER_PAGE),
                                            modified_since)
            return
        document = f"""query($first: Int!, $after: String) {{ products(first: $first, after: $after) {{
          pageInfo {{ hasNextPage endCursor }} nodes {{ id {REVIEW_FIELDS} }} }} }}"""
        after = (checkpoint or {}).get("after")
        while True:
            connection = self._graphql(document, {"first": REVIEW_PRODUCTS_PER_PAGE, "after": after})["products"]
            items, errors = [], []
            for product in connection["nodes"]:
                fields = product["metafields"]
                nodes = list(fields["nodes"])
                while fields["pageInfo"]["hasNextPage"]:
                    fields = self._graphql(f"""query($id: ID!, $after: String) {{ product(id: $id) {{
                        metafields(first: {REVIEWS_PER_PRODUCT}, after: $after, namespace: "{mappers.REVIEW_NAMESPACE}")
                        {{ pageInfo {{ hasNextPage endCursor }} nodes {{ id value createdAt updatedAt }} }} }} }}""",
                                           {"id": product["id"], "after": fields["pageInfo"]["endCursor"]}
                                           )["product"]["metafields"]
                    nodes.extend(fields["nodes"])
                for node in nodes:
                    try:
                        review = mappers.to_canonical(E.REVIEW, node, product_id=legacy(product["id"]))
                    except RecordError as exc:
                        errors.append(exc)
                        continue
                    if modified_since is None or (review.updated_at and review.updated_at >= modified_since):
                        items.append(review)
            info = connection["pageInfo"]
            after = info["endCursor"]
            yield Page(items=items, errors=errors,
                       next_checkpoint={"after": after} if info["hasNextPage"] and after else None)
            if not info["hasNextPage"] or not after:
                return

    def count(self, entity: EntityType) -> int:
        entity = self._require(entity, "count")
        if entity == E.REVIEW:
            return sum(len(page.items) + len(page.errors) for page in self.read(entity))
        if entity == E.BLOG_POST:
            data = self._graphql("{ blogs(first: 50) { nodes { articlesCount { count } } } }", cost=60)
            return sum(int((b.get("articlesCount") or {}).get("count") or 0) for b in data["blogs"]["nodes"])
        return self._count(entity)

    def _count(self, entity: EntityType, query_text: str | None = None) -> int:
        """Shopify's count of an entity's list, with a `query:` search filter when one is given."""
        count_field = LISTS[entity][1]
        if query_text is None:
            data = self._graphql(f"{{ {count_field} {{ count }} }}", cost=1)
        else:
            data = self._graphql(f"query($q: String) {{ {count_field}(query: $q) {{ count }} }}", {"q": query_text},
                                 cost=1)
        return int((data.get(count_field) or {}).get("count") or 0)

    def get(self, entity: EntityType, record_id: str) -> Canonical | None:
        entity = self._require(entity, "read")
        if entity == E.REVIEW:
            data = self._graphql("""query($id: ID!) { node(id: $id) { ... on Metafield { id value createdAt updatedAt
                namespace owner { ... on Product { id } } } } }""", {"id": gid(E.REVIEW, record_id)}, cost=3)
            node = data.get("node")
            if not node or node.get("namespace") != mappers.REVIEW_NAMESPACE:
                return None
            return mappers.to_canonical(E.REVIEW, node, product_id=legacy((node.get("owner") or {}).get("id")))
        type_name = LISTS[entity][2]
        data = self._graphql(f"""query($id: ID!) {{ node(id: $id) {{ ... on {type_name} {{
            {self._fields(entity)} }} }} }}""",
                             {"id": gid(entity, record_id)})
        node = data.get("node")
        if not node or not node.get("id"):
            return None
        items, errors = self._to_items(entity, [node])
        if errors:
            raise errors[0]
        return items[0]

    def entity_url(self, entity: EntityType, record_id: str) -> str | None:
        path = ADMIN_PATHS.get(EntityType(entity))
        return f"{self.base_url}/admin/{path}/{record_id}" if path else None

    def _require(self, entity: Any, action: str) -> EntityType:
        entity = EntityType(entity)
        if entity not in ENTITIES:
            raise ConfigError(f"Shopify connector cannot {action} {entity.label.lower()}.")
        return entity

    # --- natural keys ----------------------------------------------------------------------------------
    def find_by_natural_key(self, entity: EntityType, key: str) -> str | None:
        entity = self._require(entity, "look up")
        quoted = key.replace("\\", "\\\\").replace("'", "\\'")
        if entity == E.PRODUCT:
            if key.startswith("slug:"):
                node = self._graphql("query($h: String!) { productByHandle(handle: $h) { id } }",
                                     {"h": key[5:]}, cost=1).get("productByHandle")
                return legacy(node["id"]) if node else None
            found = self._first("products", f"sku:'{quoted}'")
            if found:
                return found
            if not self._sku_custom_id(create=False):
                return None
            node = self._graphql("""query($v: String!) { productByIdentifier(identifier: {customId: {
                namespace: "cartmigrate", key: "sku", value: $v}}) { id } }""", {"v": key}, cost=1
                                 ).get("productByIdentifier")
            return legacy(node["id"]) if node else None
        if entity == E.CATEGORY:
            node = self._graphql("query($h: String!) { collectionByHandle(handle: $h) { id } }", {"h": key},
                                 cost=1).get("collectionByHandle")
            return legacy(node["id"]) if node else None
        if entity == E.CUSTOMER:
            return self._first("customers", f"email:'{quoted}'")
        if entity == E.ORDER:
            name = key if key.startswith("#") else f"#{key}"
            return self._first("orders", f"name:'{name}'")
        if entity == E.COUPON:
            node = self._graphql("query($c: String!) { codeDiscountNodeByCode(code: $c) { id } }", {"c": key},
                                 cost=1).get("codeDiscountNodeByCode")
            return legacy(node["id"]) if node else None
        if entity == E.PAGE:
            return self._first("pages", f"handle:'{quoted}'")
        if entity == E.BLOG_POST:
            return self._first("articles", f"handle:'{quoted}'")
        return None  # reviews: written by metafield key, so writing one again overwrites it

    SKU_DEFINITION = """id type { name } capabilities { uniqueValues { enabled } }"""

    def _sku_custom_id(self, *, create: bool) -> bool:
        """Whether products carry the source SKU as a custom ID: an `id` metafield definition (unique values)
        for cartmigrate.sku, which `productByIdentifier` needs to find a product the search index does not show
        yet (right after a crash). Created before the first product is written; Shopify only allows unique
        values on a definition that has no metafields yet, so a store whose products already carry the key
        as text keeps it, and lookups rely on the SKU search alone."""
        if self._sku_id is None or (create and not self._sku_id and not self._sku_tried):
            self._sku_tried = self._sku_tried or create
            data = self._graphql(f"""query {{ metafieldDefinitions(first: 1, ownerType: PRODUCT,
                namespace: "{mappers.NAMESPACE}", key: "sku") {{ nodes {{ {self.SKU_DEFINITION} }} }} }}""", cost=3)
            nodes = data["metafieldDefinitions"]["nodes"]
            if not nodes and create:
                made = self._graphql(f"""mutation($d: MetafieldDefinitionInput!) {{
                    metafieldDefinitionCreate(definition: $d) {{ createdDefinition {{ {self.SKU_DEFINITION} }}
                    userErrors {{ field message code }} }} }}""", {"d": {
                    "name": "Source SKU (Cartmigrate)", "namespace": mappers.NAMESPACE, "key": "sku", "type": "id",
                    "ownerType": "PRODUCT",
                    "description": "The product's SKU on the store it was migrated from; used to find it again."}},
                    cost=10, mutation=True)["metafieldDefinitionCreate"]
                if made["createdDefinition"]:
                    nodes = [made["createdDefinition"]]
                else:
                    logger.warning("No custom ID definition for product SKUs on %s: %s", self.base_url,
                                   "; ".join(_user_error(e) for e in made["userErrors"]))
            self._sku_id = bool(nodes and nodes[0]["type"]["name"] == "id"
                                and nodes[0]["capabilities"]["uniqueValues"]["enabled"])
            if not nodes and not create:
                self._sku_id = None  # not written yet: ask again next time
        return bool(self._sku_id)

    def _first(self, field: str, query_text: str) -> str | None:
        data = self._graphql(f"query($q: String!) {{ {field}(first: 1, query: $q) {{ nodes {{ id }} }} }}",
                             {"q": query_text}, cost=3)
        nodes = data[field]["nodes"]
        return legacy(nodes[0]["id"]) if nodes else None

    # --- writing ---------------------------------------------------------------------------------------
    @property
    def migrate_images(self) -> bool:
        return bool(self.options.get("migrate_images", True))

    def create(self, entity: EntityType, items: list[Canonical]) -> list[WriteResult]:
        entity = self._require(entity, "write")
        writer = {
            E.PRODUCT: self._create_products, E.CATEGORY: self._create_categories,
            E.CUSTOMER: self._create_customers, E.ORDER: self._create_orders, E.REVIEW: self._write_reviews,
            E.COUPON: self._create_coupons, E.PAGE: self._create_pages, E.BLOG_POST: self._create_articles,
        }[entity]
        return writer(items)

    def _simple(self, entity: EntityType, items: list[Canonical], build, name: str, arg: str, arg_type: str,
                result_field: str, extra_selection: str = "", extra_args: dict | None = None) -> list[WriteResult]:
        """Create records with one mutation each (batched); `build(item) -> (input, warnings)`."""
        results: list[WriteResult | None] = [None] * len(items)
        ops, owners = [], []
        warnings: dict[int, list[str]] = {}
        for i, item in enumerate(items):
            try:
                payload, warns = build(item)
            except RecordError as exc:
                results[i] = WriteResult(source_id=item.source_id, error=exc.message)
                continue
            warnings[i] = warns
            ops.append(_Op(name, {arg: (arg_type, payload), **(extra_args or {})},
                           f"{result_field} {{ id {extra_selection} }} {USER_ERRORS}", key=i))
            owners.append(i)
        for index, (payload, error) in zip(owners, self._mutate(ops), strict=True):
            item = items[index]
            node = (payload or {}).get(result_field) if payload else None
            if error or not node:
                results[index] = WriteResult(source_id=item.source_id, error=error or "Shopify created nothing.")
            else:
                results[index] = WriteResult(source_id=item.source_id, target_id=legacy(node["id"]),
                                             warnings=warnings.get(index, []))
                results[index].extra_node = node  # type: ignore[union-attr]
        out = [r for r in results if r is not None]
        self._after_create(entity, items, out)
        return out

    def _after_create(self, entity: EntityType, items: list[Canonical], results: list[WriteResult]) -> None:
        """Translations and redirects of what was just created (their failures are warnings)."""
        written = [(item, result) for item, result in zip(items, results, strict=True) if result.ok]
        if entity in TRANSLATABLE:
            self._register_translations(entity, written)
        if self.options.get("create_redirects") and entity in (E.PRODUCT, E.CATEGORY):
            self._create_redirects(entity, written)

    # --- products --------------------------------------------------------------------------------------
    PRODUCT_SELECTION = ("product {{ id handle variants(first: {n}) {{ nodes {{ id sku "
                         "selectedOptions {{ name value }} }} }} }}")

    def _create_products(self, items: list[Canonical], target_ids: dict[int, str] | None = None) -> list[WriteResult]:
        results: list[WriteResult | None] = [None] * len(items)
        ops = []
        for i, item in enumerate(items):
            assert isinstance(item, Product)
            try:
                product_input = mappers.product_set_input(
                    item, location_id=self.location_id, migrate_images=self.migrate_images,
                    target_id=(target_ids or {}).get(i))
            except RecordError as exc:
                results[i] = WriteResult(source_id=item.source_id, error=exc.message)
                continue
            if item.sku:
                product_input["metafields"].append({
                    "namespace": mappers.NAMESPACE, "key": "sku", "value": item.sku,
                    "type": "id" if self._sku_custom_id(create=True) else "single_line_text_field"})
            n = min(250, max(1, len(product_input["variants"])))
            ops.append(_Op("productSet", {"input": ("ProductSetInput!", product_input),
                                          "synchronous": ("Boolean", True)},
                           self.PRODUCT_SELECTION.format(n=n) + " " + USER_ERRORS, key=i,
                           cost=_product_set_cost(product_input) + 2 + n * 2))
        if len(ops) >= BULK_MIN and target_ids is None:
            outcomes = self._bulk("productSet", "input", "ProductSetInput!", ops,
                                  self.PRODUCT_SELECTION.format(n=250))
        else:
            outcomes = self._mutate(ops)
        outcomes = self._without_taken_sku(ops, outcomes)
        warnings: dict[int, list[str]] = {}
        for op in ops:
            if op.sku_dropped:
                warnings[op.key] = [f"SKU {items[op.key].sku} is already the custom ID of another product on "
                                    "Shopify: this one was written without it."]
        for op, (payload, error) in zip(ops, outcomes, strict=True):
            item = items[op.key]
            product = (payload or {}).get("product")
            if error or not product:
                results[op.key] = WriteResult(source_id=item.source_id, error=error or "Shopify created no product.")
                continue
            results[op.key] = WriteResult(source_id=item.source_id, target_id=legacy(product["id"]),
                                          children=self._match_variants(item, product),
                                          warnings=warnings.get(op.key, []))
            results[op.key].extra_node = product  # type: ignore[union-attr]
        out = [r for r in results if r is not None]
        self._after_create(E.PRODUCT, items, out)
        return out

    def _without_taken_sku(self, ops: list[_Op], outcomes: list[tuple[Any, str | None]]
                           ) -> list[tuple[Any, str | None]]:
        """Products refused because another product already has their SKU as its custom ID (a source with
        duplicate SKUs) are written again without it."""
        again = []
        for index, (op, (_, error)) in enumerate(zip(ops, outcomes, strict=True)):
            metafields = op.args["input"][1].get("metafields") or []
            last = len(metafields) - 1
            if error and last >= 0 and metafields[last]["key"] == "sku" and metafields[last]["type"] == "id" \
                    and f"input.metafields.{last}.value" in error:
                metafields.pop()
                op.sku_dropped = True
                again.append(index)
        if again:
            for index, outcome in zip(again, self._mutate([ops[i] for i in again]), strict=True):
                outcomes[index] = outcome
        return outcomes

    @staticmethod
    def _match_variants(item: Product, product: dict[str, Any]) -> dict[str, str]:
        if item.type == "simple" or not item.variants:
            return {}
        written = mappers._nodes(product.get("variants"))
        by_options = {tuple(sorted((o["name"], o["value"]) for o in v["selectedOptions"])): v["id"] for v in written}
        by_sku = {v["sku"]: v["id"] for v in written if v.get("sku")}
        children = {}
        for variant in item.variants:
            found = by_sku.get(variant.sku) if variant.sku else None
            found = found or by_options.get(tuple(sorted(variant.option_values.items())))
            if found:
                children[variant.source_id] = legacy(found)
        return children

    def _product_variants(self, target_id: str) -> list[dict[str, Any]]:
        nodes, after = [], None
        while True:
            data = self._graphql("""query($id: ID!, $after: String) { product(id: $id) { id
                variants(first: 250, after: $after) { pageInfo { hasNextPage endCursor }
                nodes { id sku inventoryQuantity selectedOptions { name value } inventoryItem { id tracked } } } } }""",
                                 {"id": gid(E.PRODUCT, target_id), "after": after})
            product = data.get("product")
            if not product:
                return []
            nodes.extend(product["variants"]["nodes"])
            if not product["variants"]["pageInfo"]["hasNextPage"]:
                return nodes
            after = product["variants"]["pageInfo"]["endCursor"]

    def _update_product(self, target_id: str, item: Product, fields: list[str] | None) -> WriteResult:
        if fields is None:
            results = self._create_products([item], target_ids={0: target_id})
            return results[0]
        wanted = set(fields)
        warnings: list[str] = []
        product_input: dict[str, Any] = {"id": gid(E.PRODUCT, target_id)}
        if "name" in wanted:
            product_input["title"] = item.name
        if "description" in wanted:
            product_input["descriptionHtml"] = item.description
        if "status" in wanted:
            product_input["status"] = item.status.upper()
        if "seo" in wanted:
            product_input["seo"] = {"title": item.seo.title or None, "description": item.seo.description or None}
        if "category_ids" in wanted:
            product_input["collections"] = [gid(E.CATEGORY, c) for c in item.category_ids]
        if wanted & {"stock_quantity", "stock_status"}:
            product_input["metafields"] = [{"namespace": mappers.NAMESPACE, "key": "product", "type": "json",
                                            "value": json.dumps(mappers.product_overrides(item), sort_keys=True)}]
        ops = []
        if len(product_input) > 1:
            ops.append(_Op("productSet", {"input": ("ProductSetInput!", product_input)},
                           f"product {{ id }} {USER_ERRORS}",
                           key="product", cost=12))
        if wanted & VARIANT_LEVEL:
            variants = self._product_variants(target_id)
            if not variants:
                return WriteResult(source_id=item.source_id, error="The product no longer exists on Shopify.")
            sources = item.variants if item.type == "variable" and item.variants else [item]
            by_sku = {v["sku"]: v for v in variants if v.get("sku")}
            by_options = {tuple(sorted((o["name"], o["value"]) for o in v["selectedOptions"])): v for v in variants}
            updates, quantities = [], []
            for source in sources:
                target = by_sku.get(source.sku) if source.sku else None
                if target is None and source is not item:
                    target = by_options.get(tuple(sorted(source.option_values.items())))
                if target is None and source is item:
                    target = variants[0]
                if target is None:
                    warnings.append(f"Variant {source.sku or source.source_id} is not on Shopify; not updated.")
                    continue
                update: dict[str, Any] = {"id": target["id"]}
                if "price" in wanted:
                    update["price"] = mappers.money_str(source.price)
                if "compare_at_price" in wanted:
                    update["compareAtPrice"] = mappers.money_str(source.compare_at_price) \
                        if source.compare_at_price is not None else None
                if "stock_status" in wanted:
                    update["inventoryPolicy"] = "CONTINUE" if source.stock_status == "backorder" else "DENY"
                if "stock_quantity" in wanted and bool(source.manage_stock) != target["inventoryItem"]["tracked"]:
                    update["inventoryItem"] = {"tracked": bool(source.manage_stock)}  # the source began (or
                    # stopped) managing stock: without tracking Shopify keeps no quantity
                if len(update) > 1:
                    updates.append(update)
                if "stock_quantity" in wanted and source.manage_stock and source.stock_quantity is not None:
                    quantities.append({"inventoryItemId": target["inventoryItem"]["id"], "locationId": self.location_id,
                                       "quantity": int(source.stock_quantity)})
            if updates:
                ops.append(_Op("productVariantsBulkUpdate", {"productId": ("ID!", gid(E.PRODUCT, target_id)),
                                                             "variants": ("[ProductVariantsBulkInput!]!", updates)},
                               f"product {{ id }} {USER_ERRORS}", key="variants", cost=10))
            if quantities:
                ops.append(_Op("inventorySetQuantities", {"input": ("InventorySetQuantitiesInput!", {
                    "name": "available", "reason": "correction", "ignoreCompareQuantity": True,
                    "referenceDocumentUri": f"gid://cartmigrate/SmartUpdate/{item.source_id}",
                    "quantities": quantities})}, f"inventoryAdjustmentGroup {{ id }} {USER_ERRORS}",
                               key="inventory", cost=10))
        errors = [error for _, error in self._mutate(ops) if error]
        if errors:
            return WriteResult(source_id=item.source_id, error="; ".join(errors))
        return WriteResult(source_id=item.source_id, target_id=target_id, warnings=warnings)

    # --- collections -----------------------------------------------------------------------------------
    def _create_categories(self, items: list[Canonical]) -> list[WriteResult]:
        def build(item: Category):
            return mappers.collection_input(item, migrate_images=self.migrate_images), []

        return self._simple(E.CATEGORY, items, build, "collectionCreate", "input", "CollectionInput!", "collection",
                            "handle")

    def _update_category(self, target_id: str, item: Category, fields: list[str] | None) -> WriteResult:
        """Only the parent can be set after creation (the engine's deferred parent references)."""
        if (fields is None or "parent_id" in fields) and item.parent_id:
            [(_, error)] = self._mutate([_Op("metafieldsSet", {"metafields": ("[MetafieldsSetInput!]!", [
                {**mappers.parent_metafield(item.parent_id), "ownerId": gid(E.CATEGORY, target_id)}])},
                f"metafields {{ id }} {USER_ERRORS}", key=0)])
            if error:
                return WriteResult(source_id=item.source_id, error=error)
        return WriteResult(source_id=item.source_id, target_id=target_id)

    # --- customers -------------------------------------------------------------------------------------
    def _create_customers(self, items: list[Canonical]) -> list[WriteResult]:
        results = self._simple(E.CUSTOMER, items, lambda item: (mappers.customer_input(item), []), "customerCreate",
                               "input", "CustomerInput!", "customer")
        retry = [i for i, r in enumerate(results) if r.error and "Phone" in r.error]
        if retry:  # a phone another customer already has (or Shopify finds invalid): keep it on the addresses
            again = self._simple(E.CUSTOMER, [items[i] for i in retry],
                                 lambda item: (mappers.customer_input(item, with_phone=False),
                                               [f"Phone {item.phone} was refused by Shopify; kept on the addresses."]),
                                 "customerCreate", "input", "CustomerInput!", "customer")
            for i, result in zip(retry, again, strict=True):
                results[i] = result
        return results

    def _update_customer(self, target_id: str, item: Customer, fields: list[str] | None) -> WriteResult:
        full = mappers.customer_input(item)
        wanted = set(fields) if fields is not None else {"first_name", "last_name", "phone", "billing", "shipping",
                                                         "email", "group"}
        customer_input: dict[str, Any] = {"id": gid(E.CUSTOMER, target_id)}
        if "first_name" in wanted:
            customer_input["firstName"] = item.first_name
        if "last_name" in wanted:
            customer_input["lastName"] = item.last_name
        if "phone" in wanted:
            customer_input["phone"] = item.phone or None
        if wanted & {"billing", "shipping"}:
            customer_input["addresses"] = full["addresses"]
        if "email" in wanted:
            customer_input["email"] = item.email
        if "group" in wanted and "tags" in full:
            customer_input["tags"] = full["tags"]
        [(_, error)] = self._mutate([_Op("customerUpdate", {"input": ("CustomerInput!", customer_input)},
                                         f"customer {{ id }} {USER_ERRORS}", key=0)])
        if error:
            return WriteResult(source_id=item.source_id, error=error)
        return WriteResult(source_id=item.source_id, target_id=target_id)

    # --- orders ----------------------------------------------------------------------------------------
    def _default_variants(self, product_ids: set[str]) -> dict[str, str]:
        """Product id -> its first variant (order lines of products without variants name the product)."""
        out: dict[str, str] = {}
        ids = sorted(product_ids)
        for start in range(0, len(ids), 50):
            chunk = ids[start:start + 50]
            data = self._graphql("""query($ids: [ID!]!) { nodes(ids: $ids) { ... on Product { id
                variants(first: 1) { nodes { id } } } } }""", {"ids": [gid(E.PRODUCT, i) for i in chunk]},
                                 cost=2 + 4 * len(chunk))
            for node in data.get("nodes") or []:
                if node and node.get("variants", {}).get("nodes"):
                    out[legacy(node["id"])] = legacy(node["variants"]["nodes"][0]["id"])
        return out

    def _create_orders(self, items: list[Canonical]) -> list[WriteResult]:
        wanted = {line.product_id for item in items for line in item.lines if line.product_id and not line.variant_id}
        defaults = self._default_variants(wanted) if wanted else {}
        currency = self.shop()["shop"].get("currencyCode") or "USD"

        def build(item: Order):
            return mappers.order_create_input(item, currency=currency, location_id=self.location_id,
                                              default_variants=defaults)

        results = self._simple(E.ORDER, items, build, "orderCreate", "order", "OrderCreateOrderInput!", "order",
                               extra_selection="fulfillments(first: 1) { id status trackingInfo(first: 1) { company "
                                               "number url } }",
                               extra_args={"options": ("OrderCreateOptionsInput", {
                                   "inventoryBehaviour": "BYPASS", "sendReceipt": False,
                                   "sendFulfillmentReceipt": False})})
        self._more_tracking(items, results)
        return results

    def _more_tracking(self, items: list[Canonical], results: list[WriteResult]) -> None:
        """orderCreate's fulfillment takes one tracking number and no URL: the others, and the URLs, are set on
        that fulfillment right after."""
        by_source = {item.source_id: item for item in items}
        ops, owners = [], []
        for result in results:
            item = by_source[result.source_id]
            fulfillments = (getattr(result, "extra_node", None) or {}).get("fulfillments") or []
            if result.ok and fulfillments and (len(item.shipments) > 1 or any(
                    shipment.tracking_url for shipment in item.shipments)):
                ops.append(self._tracking_op(fulfillments[0]["id"], item.shipments))
                owners.append(result)
        for result, (_, error) in zip(owners, self._mutate(ops) if ops else [], strict=True):
            if error:
                result.warnings.append(f"Only the first tracking number was attached, without its URL: {error}")

    def _update_order(self, target_id: str, item: Order, fields: list[str] | None) -> WriteResult:
        wanted = set(fields) if fields is not None else {"shipments"}
        ops = []
        order_input: dict[str, Any] = {"id": gid(E.ORDER, target_id)}
        if "email" in wanted and item.email:
            order_input["email"] = item.email
        if "customer_note" in wanted:
            order_input["note"] = item.customer_note
        if "shipping" in wanted and mappers.address_out(item.shipping):
            order_input["shippingAddress"] = mappers.address_out(item.shipping)
        if len(order_input) > 1:
            ops.append(_Op("orderUpdate", {"input": ("OrderInput!", order_input)}, f"order {{ id }} {USER_ERRORS}",
                           key="order"))
        warnings: list[str] = []
        new_shipments = "shipments" in wanted and bool(item.shipments)
        if new_shipments or "status" in wanted:
            data = self._graphql("""query($id: ID!) { order(id: $id) { id cancelledAt displayFinancialStatus
                displayFulfillmentStatus transactions(first: 20) { id kind status gateway
                  amountSet { shopMoney { amount } } }
                fulfillments(first: 20) {
                id status trackingInfo(first: 10) { company number url } }
                fulfillmentOrders(first: 5) { nodes { id status
                  lineItems(first: 100) { nodes { id remainingQuantity } } } }
                } }""", {"id": gid(E.ORDER, target_id)})
            order = data.get("order")
            if not order:
                return WriteResult(source_id=item.source_id, error="The order no longer exists on Shopify.")
            more, warnings = self._status_and_tracking_ops(order, item, status="status" in wanted,
                                                           tracking=new_shipments)
            ops += more
        errors = [error for _, error in self._mutate(ops) if error]
        if errors:
            return WriteResult(source_id=item.source_id, error="; ".join(errors))
        return WriteResult(source_id=item.source_id, target_id=target_id, warnings=warnings)

    def _status_and_tracking_ops(self, order: dict[str, Any], item: Order, *, status: bool, tracking: bool
                                 ) -> tuple[list[_Op], list[str]]:
        """The mutations that move `order` (as read from Shopify) to `item.status` (see `_status_plan`) and
        give it `item.shipments`' new tracking numbers, in the order they must run; and the warnings."""
        open_orders = [fo for fo in order["fulfillmentOrders"]["nodes"] if fo["status"] not in CLOSED_FO
                       and any(li["remainingQuantity"] > 0 for li in fo["lineItems"]["nodes"])]
        plan = _status_plan(order, item.status) if status else _StatusPlan()
        warnings = list(plan.warnings)
        ops: list[_Op] = []
        if plan.mark_paid:
            ops.append(_Op("orderMarkAsPaid", {"input": ("OrderMarkAsPaidInput!", {"id": order["id"]})},
                           f"order {{ id }} {USER_ERRORS}", key="paid"))
        known = {t["number"] for f in order["fulfillments"] for t in f["trackingInfo"]}
        new = [s for s in item.shipments if s.tracking_number not in known] if tracking else []
        if new and plan.cancel:
            warnings.append("Tracking numbers not written: the order is being cancelled.")
        elif (new or plan.fulfill) and open_orders:
            fulfillment: dict[str, Any] = {
                "lineItemsByFulfillmentOrder": [{"fulfillmentOrderId": fo["id"]} for fo in open_orders],
                "notifyCustomer": False}
            if new:
                fulfillment["trackingInfo"] = {"numbers": [s.tracking_number for s in new],
                                               "company": new[0].carrier or None}
                if new[0].tracking_url:
                    fulfillment["trackingInfo"]["url"] = new[0].tracking_url
            ops.append(_Op("fulfillmentCreate", {"fulfillment": ("FulfillmentInput!", fulfillment)},
                           f"fulfillment {{ id }} {USER_ERRORS}", key="fulfillment"))
        elif new and order["fulfillments"]:
            ops.append(self._add_tracking(order["fulfillments"], new))
        elif new:
            warnings.append("Tracking numbers not written: the order has nothing left to fulfill and no "
                            "fulfillment to carry them on Shopify.")
        if plan.refunds:
            ops.append(_Op("refundCreate", {"input": ("RefundInput!", {
                "orderId": order["id"], "notify": False,
                "note": "Refunded on the source store; carried over by Cartmigrate.",
                "transactions": [{"orderId": order["id"], "parentId": parent, "gateway": gateway,
                                  "amount": str(amount), "kind": "REFUND"}
                                 for parent, gateway, amount in plan.refunds]})},
                f"refund {{ id }} {USER_ERRORS}", key="refund"))
        if plan.cancel:
            ops.append(_Op("orderCancel", {
                "orderId": ("ID!", order["id"]), "reason": ("OrderCancelReason!", "OTHER"),
                "restock": ("Boolean!", False), "notifyCustomer": ("Boolean", False),
                "refundMethod": ("OrderCancelRefundMethodInput!",  # non-null: required from 2026-07
                                 {"originalPaymentMethodsRefund": plan.cancel_refunds}),
                "staffNote": ("String", "Cancelled on the source store; carried over by Cartmigrate.")},
                "job { id } userErrors: orderCancelUserErrors { field message }", key="cancel"))
        return ops, warnings

    @classmethod
    def _add_tracking(cls, fulfillments: list[dict[str, Any]], new: list[Shipment]) -> _Op:
        """Nothing is left to fulfill: the new numbers join the latest fulfillment's tracking
        (fulfillmentTrackingInfoUpdate replaces the list, so the numbers it has are sent again)."""
        done = [f for f in fulfillments if f["status"] == "SUCCESS"] or fulfillments
        latest = done[-1]
        kept = [Shipment(tracking_number=t["number"], carrier=t["company"] or "", tracking_url=t["url"] or "")
                for t in latest["trackingInfo"] if t["number"]]
        return cls._tracking_op(latest["id"], kept + new)

    @staticmethod
    def _tracking_op(fulfillment_id: str, shipments: list[Shipment]) -> _Op:
        """Set a fulfillment's tracking to `shipments` (one company: the first one given)."""
        tracking: dict[str, Any] = {"numbers": [s.tracking_number for s in shipments],
                                    "company": next((s.carrier for s in shipments if s.carrier), None)}
        if all(s.tracking_url for s in shipments):
            tracking["urls"] = [s.tracking_url for s in shipments]
        return _Op("fulfillmentTrackingInfoUpdate", {"fulfillmentId": ("ID!", fulfillment_id),
                                                     "trackingInfoInput": ("FulfillmentTrackingInput!", tracking),
                                                     "notifyCustomer": ("Boolean", False)},
                   f"fulfillment {{ id }} {USER_ERRORS}", key="tracking")

    # --- reviews, coupons, pages, articles ---------------------------------------------------------------
    def _write_reviews(self, items: list[Canonical]) -> list[WriteResult]:
        ops = [_Op("metafieldsSet", {"metafields": ("[MetafieldsSetInput!]!", [mappers.review_metafield(item)])},
                   f"metafields {{ id }} {USER_ERRORS}", key=i) for i, item in enumerate(items)]
        out = []
        for item, (payload, error) in zip(items, self._mutate(ops), strict=True):
            fields = (payload or {}).get("metafields") or []
            if error or not fields:
                out.append(WriteResult(source_id=item.source_id, error=error or "Shopify stored no review."))
            else:
                out.append(WriteResult(source_id=item.source_id, target_id=legacy(fields[0]["id"])))
        return out

    def _create_coupons(self, items: list[Canonical]) -> list[WriteResult]:
        def build(item: Coupon):
            return mappers.coupon_input(item)

        return self._simple(E.COUPON, items, build, "discountCodeBasicCreate", "basicCodeDiscount",
                            "DiscountCodeBasicInput!", "codeDiscountNode")

    def _create_pages(self, items: list[Canonical]) -> list[WriteResult]:
        def build(item: ContentPage):
            return mappers.page_input(item), []

        return self._simple(E.PAGE, items, build, "pageCreate", "page", "PageCreateInput!", "page")

    def _blog_id(self) -> str:
        if self._blog is None:
            nodes = self._graphql("{ blogs(first: 1) { nodes { id } } }", cost=3)["blogs"]["nodes"]
            if nodes:
                self._blog = nodes[0]["id"]
            else:
                [(payload, error)] = self._mutate([_Op("blogCreate", {"blog": ("BlogCreateInput!", {"title": "News"})},
                                                       f"blog {{ id }} {USER_ERRORS}", key=0)])
                if error:
                    raise ConfigError(f"Shopify refused to create a blog for the posts: {error}")
                self._blog = payload["blog"]["id"]
        return self._blog

    def _create_articles(self, items: list[Canonical]) -> list[WriteResult]:
        blog = self._blog_id()

        def build(item: BlogPost):
            return mappers.article_input(item, blog), []

        return self._simple(E.BLOG_POST, items, build, "articleCreate", "article", "ArticleCreateInput!", "article")

    # --- translations and redirects ----------------------------------------------------------------------
    def _register_translations(self, entity: EntityType, written: list[tuple[Canonical, WriteResult]]) -> None:
        wanted = [(item, result) for item, result in written if item.translations]
        if not wanted:
            return
        locales = set(self.published_locales)
        key_map = TRANSLATABLE[entity]
        digests: dict[str, dict[str, str]] = {}
        ids = [gid(entity, r.target_id) for _, r in wanted]
        for start in range(0, len(ids), 25):
            chunk = ids[start:start + 25]
            data = self._graphql("""query($ids: [ID!]!, $n: Int!) { translatableResourcesByIds(first: $n,
                resourceIds: $ids) { nodes { resourceId translatableContent { key digest } } } }""",
                                 {"ids": chunk, "n": len(chunk)}, cost=2 + 2 * len(chunk))
            for node in data["translatableResourcesByIds"]["nodes"]:
                digests[node["resourceId"]] = {c["key"]: c["digest"] for c in node["translatableContent"]
                                               if c["digest"]}
        ops, owners = [], []
        for item, result in wanted:
            resource = gid(entity, result.target_id)
            inputs = []
            for locale, fields in item.translations.items():
                if locale not in locales:
                    result.warnings.append(f"Translation {locale!r} not registered: it is not a published language "
                                           "of the Shopify store.")
                    continue
                inputs += mappers.translation_inputs(fields, key_map, locale, digests.get(resource, {}))
            if inputs:
                ops.append(_Op("translationsRegister", {"resourceId": ("ID!", resource),
                                                        "translations": ("[TranslationInput!]!", inputs)},
                               f"translations {{ key }} {USER_ERRORS}", key=len(owners)))
                owners.append(result)
        for result, (_, error) in zip(owners, self._mutate(ops), strict=True):
            if error:
                result.warnings.append(f"Translations not registered: {error}")

    def _create_redirects(self, entity: EntityType, written: list[tuple[Canonical, WriteResult]]) -> None:
        ops, owners = [], []
        prefix = "/products/" if entity == E.PRODUCT else "/collections/"
        for item, result in written:
            source = _source_path(item)
            handle = (getattr(result, "extra_node", None) or {}).get("handle")
            if not source or not handle or source.rstrip("/") == f"{prefix}{handle}":
                continue
            ops.append(_Op("urlRedirectCreate", {"urlRedirect": ("UrlRedirectInput!", {
                "path": source, "target": f"{prefix}{handle}"})}, f"urlRedirect {{ id }} {USER_ERRORS}",
                key=len(owners)))
            owners.append(result)
        for result, (_, error) in zip(owners, self._mutate(ops), strict=True):
            if error and "taken" not in error.lower():
                result.warnings.append(f"Redirect not created: {error}")

    # --- update / delete -----------------------------------------------------------------------------
    def update(self, entity: EntityType, target_id: str, item: Canonical, fields: list[str] | None = None
               ) -> WriteResult:
        entity = self._require(entity, "update")
        if entity == E.PRODUCT:
            return self._update_product(target_id, item, fields)
        if entity == E.CUSTOMER:
            return self._update_customer(target_id, item, fields)
        if entity == E.ORDER:
            return self._update_order(target_id, item, fields)
        if entity == E.CATEGORY:
            return self._update_category(target_id, item, fields)
        if entity == E.REVIEW:
            result = self._write_reviews([item])[0]
            return result
        if fields:
            return WriteResult(source_id=item.source_id,
                               error=f"Shopify's API cannot change {entity.label.lower()} in place.")
        return WriteResult(source_id=item.source_id, target_id=target_id)

    def delete(self, entity: EntityType, target_ids: list[str]) -> list[WriteResult]:
        entity = self._require(entity, "delete")
        if entity == E.REVIEW:
            return [WriteResult(source_id=t, error="Reviews are metafields; this API version cannot delete them.")
                    for t in target_ids]
        name, call, result_field = DELETE_MUTATIONS[entity]
        ops = []
        for i, target_id in enumerate(target_ids):
            ops.append(_Op(name, {"id": ("ID!", gid(entity, target_id))}, f"{result_field} {USER_ERRORS}", key=i))
            ops[-1].call = call  # type: ignore[attr-defined]
        out = []
        # The delete mutations take their id in different shapes; wrap them to one `$id` argument each.
        for target_id, (_payload, error) in zip(target_ids, self._delete_ops(ops), strict=True):
            missing = error and ("not exist" in error.lower() or "not found" in error.lower())
            out.append(WriteResult(source_id=target_id, target_id=target_id) if not error or missing
                       else WriteResult(source_id=target_id, error=error))
        return out

    def _delete_ops(self, ops: list[_Op]) -> list[tuple[Any, str | None]]:
        results: list[tuple[Any, str | None]] = []
        for start in range(0, len(ops), 50):
            chunk = ops[start:start + 50]
            declarations = ", ".join(f"$id{i}: ID!" for i in range(len(chunk)))
            fields = "\n".join(
                f"m{i}: {op.name}({op.call.replace('$id', f'$id{i}')}) {{ {op.selection} }}"  # type: ignore[attr-defined]
                for i, op in enumerate(chunk))
            data = self._graphql(f"mutation Delete({declarations}) {{ {fields} }}",
                                 {f"id{i}": op.args["id"][1] for i, op in enumerate(chunk)},
                                 cost=10 * len(chunk), mutation=True)
            for i in range(len(chunk)):
                payload = data.get(f"m{i}")
                errors = (payload or {}).get("userErrors") or []
                results.append((payload, "; ".join(_user_error(e) for e in errors) if errors else
                                (None if payload else "Shopify gave no answer.")))
        return results

    # --- bulk mutations ------------------------------------------------------------------------------
    def _bulk(self, name: str, arg: str, arg_type: str, ops: list[_Op], selection: str) -> list[tuple[Any, str | None]]:
        """Run one mutation per op through bulkOperationRunMutation [shopify.dev/docs/api/usage/bulk-operations/
        imports]: stage a JSONL file of variables, run, poll, read the JSONL results (by `__lineNumber`).
        Falls back to batched requests when another bulk mutation is running."""
        staged = self._graphql("""mutation($input: [StagedUploadInput!]!) { stagedUploadsCreate(input: $input) {
            stagedTargets { url parameters { name value } } userErrors { field message } } }""",
                               {"input": [{"resource": "BULK_MUTATION_VARIABLES", "filename": "cartmigrate.jsonl",
                                           "mimeType": "text/jsonl", "httpMethod": "POST"}]}, cost=10, mutation=True)
        target = staged["stagedUploadsCreate"]["stagedTargets"][0]
        params = {p["name"]: p["value"] for p in target["parameters"]}
        body = "".join(json.dumps({arg: op.args[arg][1]}) + "\n" for op in ops).encode()
        upload = self.http.request("POST", target["url"], data=params, files={"file": ("cartmigrate.jsonl", body)},
                                   idempotent=True)
        if upload.status_code >= 300:
            raise TransientError(f"Shopify's staged upload refused the bulk file (HTTP {upload.status_code}).",
                                 url=target["url"])
        mutation = f"mutation call(${arg}: {arg_type}) {{ {name}({arg}: ${arg}) {{ {selection} {USER_ERRORS} }} }}"
        run = self._graphql("""mutation($m: String!, $path: String!) { bulkOperationRunMutation(mutation: $m,
            stagedUploadPath: $path, clientIdentifier: "cartmigrate-import") { bulkOperation { id status }
            userErrors { field message code } } }""", {"m": mutation, "path": params["key"]}, cost=10, mutation=True)
        payload = run["bulkOperationRunMutation"]
        if payload["userErrors"] or not payload["bulkOperation"]:
            logger.info("Bulk mutation refused (%s); using batched requests", payload["userErrors"])
            return self._mutate(ops)
        operation = payload["bulkOperation"]["id"]
        deadline = time.monotonic() + 1800
        while True:
            status = self._graphql("""query($id: ID!) { node(id: $id) { ... on BulkOperation { status errorCode url
                partialDataUrl } } }""", {"id": operation}, cost=1)["node"]
            if status["status"] in ("COMPLETED", "FAILED", "CANCELED", "EXPIRED"):
                break
            if time.monotonic() > deadline:
                raise TransientError("Shopify's bulk mutation did not finish in 30 minutes.", url=self.api_url)
            self._sleep(1.0)
        url = status.get("url") or status.get("partialDataUrl")
        results: list[tuple[Any, str | None]] = [
            (None, f"Shopify's bulk mutation ended {status['status']} ({status.get('errorCode')}).")] * len(ops)
        if url:
            text = self.http.request("GET", url).text
            for line in text.splitlines():
                if not line.strip():
                    continue
                row = json.loads(line)
                index = int(row.get("__lineNumber", -1))
                if not 0 <= index < len(ops):
                    continue
                data = (row.get("data") or {}).get(name)
                errors = (data or {}).get("userErrors") or []
                if row.get("errors"):
                    results[index] = (None, "; ".join(str(e.get("message")) for e in row["errors"]))
                elif errors:
                    results[index] = (data, "; ".join(_user_error(e) for e in errors))
                else:
                    results[index] = (data, None)
        return results


def _filter(entity: EntityType, modified_since: datetime | None) -> tuple[str | None, str]:
    """The search filter and sort of a list read: changes since a moment sorted by UPDATED_AT, else all by ID."""
    query_text = f"updated_at:>='{mappers.format_time(modified_since)}'" if modified_since else None
    return query_text, "UPDATED_AT" if modified_since and entity in SORT_UPDATED else "ID"


def _fills_a_list(order: dict[str, Any]) -> bool:
    """Whether a list page may have cut one of the order's lists short (see ORDER_LIST_ITEMS)."""
    if ((order.get("shippingLines") or {}).get("pageInfo") or {}).get("hasNextPage"):
        return True
    fulfillments = order.get("fulfillments") or []
    return (len(order.get("transactions") or []) >= ORDER_LIST_ITEMS or len(fulfillments) >= ORDER_LIST_ITEMS
            or any(len(f.get("trackingInfo") or []) >= ORDER_LIST_ITEMS for f in fulfillments))


def _over_bucket(cost: dict[str, Any] | None) -> tuple[int, int] | None:
    """(requested, bucket size) when a THROTTLED query costs more than the whole bucket can ever hold."""
    try:
        requested = int(cost["requestedQueryCost"])
        size = int(float(cost["throttleStatus"]["maximumAvailable"]))
    except (KeyError, TypeError, ValueError):
        return None
    return (requested, size) if requested > size else None


def _cost_in(message: str) -> int:
    match = re.search(r"Query cost is (\d+)", message)
    return int(match.group(1)) if match else MAX_QUERY_COST * 2


def _code(error: Any) -> str:
    return str(((error or {}).get("extensions") or {}).get("code") or "") if isinstance(error, dict) else ""


def _user_error(error: dict[str, Any]) -> str:
    field = ".".join(str(f) for f in error.get("field") or [])
    message = str(error.get("message") or "invalid")
    return f"{field}: {message}" if field else message


def _product_set_cost(product_input: dict[str, Any]) -> float:
    """productSet's dynamic cost [shopify.dev/changelog/dynamic-complexity-cost-for-productset-mutation]."""
    variants = product_input.get("variants") or []
    return (10 + 0.2 * len(variants) + 0.6 * sum(1 for v in variants if v.get("file"))
            + 0.4 * sum(len(v.get("metafields") or []) for v in variants)
            + 0.4 * len(product_input.get("metafields") or []) + 1.9 * len(product_input.get("files") or [])) + 1


def _source_path(item: Canonical) -> str | None:
    """The record's address on the source store, as a path: `extra[<platform>]["url" | "permalink"]`."""
    for value in item.extra.values():
        if isinstance(value, dict):
            for key in ("url", "permalink"):
                url = value.get(key)
                if isinstance(url, str) and url:
                    path = "/" + url.split("://", 1)[-1].split("/", 1)[-1] if "://" in url else url
                    return path if path.startswith("/") else "/" + path
    return None
