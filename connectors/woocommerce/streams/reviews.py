"""Reviews: `products/reviews` (every status, not only approved). Reviews have no key of their own: the key is
"product id|reviewer email|content digest" (entities.Review.natural_key), matched on the product's reviews.
wc/v3 gives reviews no modification date: the cursor is the creation time (`after`), so an edited old review
is not seen by a read of changes. [_product-reviews.md]"""
from __future__ import annotations

from typing import Any

from connectors.entities import Canonical, EntityType
from connectors.errors import RecordError

from .. import mappers
from .base import WooCommerceStream


class WooCommerceReviewStream(WooCommerceStream):
    entity = EntityType.REVIEW
    resource = "products/reviews"
    list_filters = {"status": "all"}  # default is "approved" only
    natural_key_fields = ("product_id", "reviewer_email", "content")
    cursor_field = "date_created_gmt"
    cursor_tracks_changes = False
    since_param = "after"
    updatable = {"content": ("review",), "rating": ("rating",), "status": ("status",), "verified": ("verified",)}
    admin_link = "wp-admin/comment.php?action=editcomment&c={id}"

    def natural_key(self, item: Canonical) -> str | None:
        return item.natural_key()  # the email lower-cased and the content digested

    def payload(self, item: Canonical, context: Any) -> dict[str, Any]:
        return mappers.review_to_wc(item)

    def find_by_natural_key(self, key: str) -> str | None:
        if not key:
            return None
        return self.find_by_natural_keys([key]).get(key)

    def find_by_natural_keys(self, keys: list[str]) -> dict[str, str]:
        found: dict[str, str] = {}
        by_product: dict[str, set[str]] = {}
        for key in {k for k in keys if k}:
            by_product.setdefault(key.split("|", 1)[0], set()).add(key)
        for product_id, product_keys in by_product.items():
            for record in self._all_pages(self.resource, {"product": product_id, "status": "all"}):
                if not isinstance(record, dict) or not record.get("id"):
                    continue
                try:
                    review = mappers.to_canonical(self.entity, record)
                except RecordError:
                    continue
                review_key = review.natural_key()
                if review_key in product_keys:
                    found.setdefault(review_key, str(record["id"]))
        return found
