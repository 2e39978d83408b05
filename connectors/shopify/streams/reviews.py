"""Reviews: product metafields (namespace `cartmigrate_reviews`, one json metafield per review whose key is
stable for one source review, so writing a review again overwrites it). A store of at least `bulk_read_min`
products has them read by one bulk query over every product's review metafields, a smaller one product by
product; "changed since" is filtered here (Shopify has no date filter on metafields). Reviews have no key of
their own: the key is "product id|reviewer email|content digest" (entities.Review.natural_key), matched on the
product's review metafields. This API version cannot delete metafields one by one."""
from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from connectors.base import Page, ScannedRecord, WriteResult
from connectors.entities import Canonical, EntityType
from connectors.errors import RecordError

from .. import bulk, bulk_read, mappers
from ..mappers import gid, legacy
from .base import ShopifyStream

REVIEW_PRODUCTS_PER_PAGE = 15
REVIEWS_PER_PRODUCT = 50
METAFIELDS = "pageInfo { hasNextPage endCursor } nodes { id value createdAt updatedAt }"
REVIEW_FIELDS = (f'metafields(first: {REVIEWS_PER_PRODUCT}, namespace: "{mappers.REVIEW_NAMESPACE}") '
                 f"{{ {METAFIELDS} }}")


class ShopifyReviewStream(ShopifyStream):
    entity = EntityType.REVIEW
    list_field, node_type = "products", "Product"
    natural_key_fields = ("product_id", "reviewer_email", "content")
    cursor_field = "updatedAt"  # the metafield's; filtered after reading (no date filter on metafields)
    cursor_filter = "client"
    counted_at_connection = False  # counting them reads them all
    max_first = REVIEW_PRODUCTS_PER_PAGE
    page_size = REVIEW_PRODUCTS_PER_PAGE  # products a page: up to 50 review metafields each (query cost)
    page_counts = "parents"

    def natural_key(self, item: Canonical) -> str | None:
        return item.natural_key()  # the email lower-cased and the content digested

    # --- reading --------------------------------------------------------------------------------------------
    def read(self, *, checkpoint: dict[str, Any] | None = None, modified_since: datetime | None = None,
             page_size: int | None = None) -> Iterator[Page]:
        products = min(page_size or REVIEW_PRODUCTS_PER_PAGE, REVIEW_PRODUCTS_PER_PAGE)
        if (checkpoint or {}).get("after"):
            pages = self.read_pages(checkpoint, None, products)
        else:
            pages = bulk_read.read(self, checkpoint, None, products)
        yield from self.recent(pages, modified_since)

    @staticmethod
    def recent(pages: Iterator[Page], modified_since: datetime | None) -> Iterator[Page]:
        """Reviews changed since a moment: Shopify cannot filter metafields by date, so it is done here."""
        for page in pages:
            if modified_since is not None:
                page = Page(items=[r for r in page.items if r.updated_at and r.updated_at >= modified_since],
                            errors=page.errors, next_checkpoint=page.next_checkpoint)
            yield page

    def worth_bulk(self, modified_since: datetime | None) -> bool:
        return self.connector.stream(EntityType.PRODUCT).count() >= self.connector.bulk_read_min

    def bulk_plan(self, modified_since: datetime | None) -> bulk.BulkPlan:
        return bulk.plan("products", "sortKey: ID", f"id {REVIEW_FIELDS}")  # every product with its reviews

    def fields(self) -> str:
        return f"id {REVIEW_FIELDS}"  # a product with its review metafields (the base stream pages them)

    def search(self, modified_since: datetime | None) -> tuple[str | None, str]:
        return None, "ID"  # no date filter on metafields: "changed since" is applied after reading (`recent`)

    def complete(self, node: dict[str, Any]) -> None:
        """A product with more reviews than a page of them: read the rest."""
        fields = node["metafields"]
        while (fields.get("pageInfo") or {}).get("hasNextPage"):
            more = self._graphql(f"""query($id: ID!, $after: String) {{ product(id: $id) {{
                metafields(first: {REVIEWS_PER_PRODUCT}, after: $after, namespace: "{mappers.REVIEW_NAMESPACE}")
                {{ {METAFIELDS} }} }} }}""", {"id": node["id"], "after": fields["pageInfo"]["endCursor"]}
                                 )["product"]["metafields"]
            fields["nodes"].extend(more["nodes"])
            fields["pageInfo"] = more["pageInfo"]

    def to_items(self, nodes: list[dict[str, Any]]) -> tuple[list[Canonical], list[RecordError]]:
        """Product nodes with their review metafields -> reviews."""
        items, errors = [], []
        for product in nodes:
            self.complete(product)
            for node in product["metafields"]["nodes"]:
                try:
                    items.append(mappers.to_canonical(self.entity, node, product_id=legacy(product["id"])))
                except RecordError as exc:
                    errors.append(exc)
        return items, errors

    def count(self) -> int:
        return sum(len(page.items) + len(page.errors) for page in self.read())

    def get(self, record_id: str) -> Canonical | None:
        data = self._graphql("""query($id: ID!) { node(id: $id) { ... on Metafield { id value createdAt updatedAt
            namespace owner { ... on Product { id } } } } }""", {"id": gid(self.entity, record_id)}, cost=3)
        node = data.get("node")
        if not node or node.get("namespace") != mappers.REVIEW_NAMESPACE:
            return None
        return mappers.to_canonical(self.entity, node, product_id=legacy((node.get("owner") or {}).get("id")))

    def scan(self) -> Iterator[ScannedRecord]:
        """Reviews are read whole (there is no lean selection of a metafield's natural key)."""
        for page in self.read():
            for item in page.items:
                yield ScannedRecord(record_id=item.source_id, natural_key=item.natural_key())
            for error in page.errors:
                yield ScannedRecord(record_id=error.source_id or "?", natural_key=None)

    # --- natural keys ---------------------------------------------------------------------------------------
    def find_by_natural_key(self, key: str) -> str | None:
        return self.find_by_natural_keys([key]).get(key) if key else None

    def find_by_natural_keys(self, keys: list[str]) -> dict[str, str]:
        """The review metafields of each product named in the keys, matched by their natural key."""
        found: dict[str, str] = {}
        by_product: dict[str, set[str]] = {}
        for key in {k for k in keys if k}:
            by_product.setdefault(key.split("|", 1)[0], set()).add(key)
        for product_id, product_keys in by_product.items():
            if not product_id.isdigit():
                continue
            data = self._graphql(f"""query($id: ID!) {{ product(id: $id) {{ id {REVIEW_FIELDS} }} }}""",
                                 {"id": gid(EntityType.PRODUCT, product_id)})
            product = data.get("product")
            if not product:
                continue
            self.complete(product)
            for review in self.to_items([product])[0]:
                review_key = review.natural_key()
                if review_key in product_keys:
                    found.setdefault(review_key, review.source_id)
        return found

    # --- writing --------------------------------------------------------------------------------------------
    def create(self, items: list[Canonical]) -> list[WriteResult]:
        """metafieldsSet, one review a metafield: a review written again overwrites its metafield."""
        ops = [self.op("metafieldsSet", {"metafields": ("[MetafieldsSetInput!]!", [mappers.review_metafield(item)])},
                       "metafields { id }", key=i) for i, item in enumerate(items)]
        out = []
        for item, (payload, error) in zip(items, self._mutate(ops), strict=True):
            fields = (payload or {}).get("metafields") or []
            if error or not fields:
                out.append(WriteResult(source_id=item.source_id, error=error or "Shopify stored no review."))
            else:
                out.append(WriteResult(source_id=item.source_id, target_id=legacy(fields[0]["id"])))
        return out

    def update(self, target_id: str, item: Canonical, fields: list[str] | None = None) -> WriteResult:
        return self.create([item])[0]

    def delete(self, target_ids: list[str]) -> list[WriteResult]:
        return [WriteResult(source_id=t, error="Reviews are metafields; this API version cannot delete them.")
                for t in target_ids]
