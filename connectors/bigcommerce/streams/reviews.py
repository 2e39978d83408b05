"""Product reviews: a child collection of each product (`/catalog/products/{id}/reviews`), so a page holds the
reviews of `page_size` products (`page_counts = "parents"`). A review's id here is "<product id>:<review id>".

BigCommerce has no store-wide review list, so counting costs one request a product, as reading does. A count
therefore reads the reviews themselves (a page of 250 costs what a total does) and keeps them for the read or
scan that follows on the same connector (the check after a run counts, then scans; a full run counts, then
reads), for `KEEP_SECONDS` and up to `KEEP_MAX` reviews (a larger store is read again rather than held in a
worker's memory); any write through the stream drops them."""
from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from connectors.base import Page, WriteResult
from connectors.entities import Canonical, EntityType, Review

from .. import mappers
from ..api import MAX_LIMIT, error_text
from .base import BigCommerceStream

PRODUCTS = "catalog/products"
KEEP_SECONDS = 300.0
KEEP_MAX = 5000


def split(record_id: str) -> tuple[str, str]:
    product, _, review = str(record_id).partition(":")
    return product, review


class BigCommerceReviewStream(BigCommerceStream):
    entity = EntityType.REVIEW
    resource = PRODUCTS
    natural_key_fields = ("product_id", "reviewer_email", "content")
    cursor_field = "date_modified"
    page_counts = "parents"
    counted_at_connection = False  # one request a product
    updatable = {"rating": ("rating",), "content": ("text",)}

    def __init__(self, connector: Any) -> None:
        super().__init__(connector)
        self._kept: dict[str, list[dict[str, Any]]] = {}  # product id -> its reviews, as the last count read them
        self._kept_at = 0.0

    def natural_key(self, item: Canonical) -> str | None:
        return item.natural_key()

    def entity_url(self, record_id: str) -> str | None:
        return self.connector.admin_url() + "products/reviews"

    def to_canonical(self, record: dict[str, Any], context: Any) -> Canonical:
        review = mappers.review_to_canonical(record)
        review.source_id = f"{record.get('product_id')}:{record.get('id')}"
        return review

    def product_ids(self, page: int, limit: int) -> tuple[list[str], bool]:
        data, meta = self.fetch_page({"include_fields": "id"}, page, limit)
        return [str(p["id"]) for p in data if isinstance(p, dict)], self.has_more(meta, page, len(data), limit)

    def reviews_of(self, product_id: str, params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        """Every review of the product (with `params`: those matching them); the ones the last count read when
        they are recent enough, each product's at most once."""
        kept = self._kept.pop(product_id, None)
        if kept is not None and not params and time.monotonic() - self._kept_at < KEEP_SECONDS:
            return kept
        return self._reviews_page_by_page(product_id, params)[0]

    def _reviews_page_by_page(self, product_id: str, params: dict[str, Any] | None = None
                              ) -> tuple[list[dict[str, Any]], int]:
        """(the reviews, how many the first answer said the product has)."""
        out, page, total = [], 1, 0
        while True:
            body, response = self.call("GET", f"{PRODUCTS}/{product_id}/reviews",
                                       params={**(params or {}), "page": page, "limit": MAX_LIMIT}, allow=(404,))
            rows = (body or {}).get("data") or [] if response.status_code == 200 else []
            out += [{**r, "product_id": r.get("product_id") or int(product_id)} for r in rows if isinstance(r, dict)]
            pagination = ((body or {}).get("meta") or {}).get("pagination", {}) if response.status_code == 200 else {}
            if page == 1:
                total = int(pagination.get("total") or len(rows))
            if page >= int(pagination.get("total_pages") or 1):
                return out, total
            page += 1

    def read(self, *, checkpoint: dict[str, Any] | None = None, modified_since: datetime | None = None,
             page_size: int | None = None) -> Iterator[Page]:
        checkpoint = checkpoint or {}
        limit = max(1, min(MAX_LIMIT, int(checkpoint.get("limit") or page_size or self.connector.default_page_size)))
        page = max(1, int(checkpoint.get("page") or 1))
        params = {self.since_param: self.since_value(modified_since)} if modified_since else {}
        while True:
            products, more = self.product_ids(page, limit)
            records = [r for product in products for r in self.reviews_of(product, params)]
            items, errors = self.map_records(records)
            next_checkpoint = {"page": page + 1, "limit": limit} if more else None
            yield Page(items=items, next_checkpoint=next_checkpoint, errors=errors)
            if not more:
                return
            page += 1

    def count(self) -> int:
        """One request a product (more for a product with over 250 reviews); the reviews read are kept for the
        read or scan that follows (module docstring)."""
        total, page, kept, held = 0, 1, {}, 0
        self._kept = {}
        while True:
            products, more = self.product_ids(page, MAX_LIMIT)
            for product in products:
                reviews, number = self._reviews_page_by_page(product)
                total += number
                held += len(reviews)
                if held <= KEEP_MAX:
                    kept[product] = reviews
            if not more:
                self._kept, self._kept_at = (kept if held <= KEEP_MAX else {}), time.monotonic()
                return total
            page += 1

    def get(self, record_id: str) -> Canonical | None:
        product, review = split(record_id)
        body, response = self.call("GET", f"{PRODUCTS}/{product}/reviews/{review}", allow=(404,))
        if response.status_code == 404 or not isinstance(body, dict):
            return None
        items, errors = self.map_records([{**body["data"], "product_id": int(product)}])
        if errors and not items:
            raise errors[0]
        return items[0] if items else None

    def list_ids(self) -> Iterator[str]:
        for page in self.read(page_size=MAX_LIMIT):
            for item in page.items:
                yield item.source_id

    def find_by_natural_keys(self, keys: list[str]) -> dict[str, str]:
        by_product: dict[str, set[str]] = {}
        for key in keys:
            if key:
                by_product.setdefault(key.split("|", 1)[0], set()).add(key)
        found: dict[str, str] = {}
        for product, wanted in by_product.items():
            if not product.isdigit():
                continue
            items, _ = self.map_records(self.reviews_of(product))
            for item in items:
                key = item.natural_key()
                if key in wanted and key not in found:
                    found[key] = item.source_id
        return found

    def payload(self, item: Review) -> dict[str, Any]:  # type: ignore[override]
        return mappers.review_to_bc(item)

    def create_one(self, item: Canonical, body: dict[str, Any]) -> WriteResult:
        self._kept = {}
        product = item.product_id  # type: ignore[attr-defined]
        data, response = self.call("POST", f"{PRODUCTS}/{product}/reviews", body=body, allow=(400, 404, 409, 422))
        if response.status_code >= 300:
            return WriteResult(source_id=item.source_id, error=f"BigCommerce refused it: HTTP "
                                                               f"{response.status_code} {error_text(data)}")
        return WriteResult(source_id=item.source_id, target_id=f"{product}:{data['data']['id']}")

    def put(self, target_id: str, item: Canonical, body: dict[str, Any]) -> WriteResult:
        self._kept = {}
        product, review = split(target_id)
        if body:
            data, response = self.call("PUT", f"{PRODUCTS}/{product}/reviews/{review}", body=body,
                                       allow=(400, 404, 422))
            if response.status_code >= 300:
                return WriteResult(source_id=item.source_id, error=f"BigCommerce refused the update: HTTP "
                                                                   f"{response.status_code} {error_text(data)}")
        return WriteResult(source_id=item.source_id, target_id=target_id)

    def delete(self, target_ids: list[str]) -> list[WriteResult]:
        self._kept = {}
        for target_id in target_ids:
            product, review = split(target_id)
            self.call("DELETE", f"{PRODUCTS}/{product}/reviews/{review}", allow=(404,))
        return [WriteResult(source_id=t, target_id=t) for t in target_ids]
