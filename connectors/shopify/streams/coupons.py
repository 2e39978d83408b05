"""Coupons: basic and free-shipping code discounts (`codeDiscountNodes`), keyed by code, filtered server-side by
`updated_at`, created with discountCodeBasicCreate, or discountCodeFreeShippingCreate for a coupon that only takes
the shipping off; Shopify's API cannot change them in place here."""
from __future__ import annotations

from typing import Any

from connectors.base import WriteResult
from connectors.entities import Canonical, Coupon, EntityType

from .. import mappers
from .base import ShopifyStream

# A discount's items as read in a list page; more than this many are fetched by `complete`.
COUPON_ITEMS = 10
COUPON_ITEM_FIELDS = {"products": "id", "productVariants": "product { id }", "collections": "id"}
COUPON_ITEM_TYPES = {"products": "DiscountProducts", "productVariants": "DiscountProducts",
                     "collections": "DiscountCollections"}
COMMON_FIELDS = """title createdAt updatedAt startsAt endsAt usageLimit appliesOncePerCustomer asyncUsageCount
  codes(first: 1) { nodes { code } }
  minimumRequirement { ... on DiscountMinimumSubtotal { greaterThanOrEqualToSubtotal { amount } } }"""
COUPON_FIELDS = f"""id codeDiscount {{ __typename
  ... on DiscountCodeFreeShipping {{ {COMMON_FIELDS} }}
  ... on DiscountCodeBasic {{ {COMMON_FIELDS}
  customerGets {{ value {{ ... on DiscountPercentage {{ percentage }}
    ... on DiscountAmount {{ amount {{ amount }} appliesOnEachItem }} }}
    items {{ ... on DiscountProducts {{
      products(first: {COUPON_ITEMS}) {{ pageInfo {{ hasNextPage endCursor }} nodes {{ id }} }}
      productVariants(first: {COUPON_ITEMS}) {{ pageInfo {{ hasNextPage endCursor }} nodes {{ product {{ id }} }} }} }}
      ... on DiscountCollections {{
        collections(first: {COUPON_ITEMS}) {{ pageInfo {{ hasNextPage endCursor }} nodes {{ id }} }} }} }} }} }} }}"""
FREE_SHIPPING = ("discountCodeFreeShippingCreate", "freeShippingCodeDiscount", "DiscountCodeFreeShippingInput!",
                 "codeDiscountNode", "")


def _items(node: dict[str, Any] | None) -> dict[str, Any]:
    return ((((node or {}).get("codeDiscount") or {}).get("customerGets") or {}).get("items")) or {}


class ShopifyCouponStream(ShopifyStream):
    entity = EntityType.COUPON
    list_field, count_field, node_type = "codeDiscountNodes", "discountCodesCount", "DiscountCodeNode"
    max_first = 15  # ~45 points each
    natural_key_fields = ("code",)
    cursor_field = "updatedAt"  # search `updated_at:>=`
    admin_link = "admin/discounts/{id}"
    create_mutation = ("discountCodeBasicCreate", "basicCodeDiscount", "DiscountCodeBasicInput!",
                       "codeDiscountNode", "")
    delete_mutation = ("discountCodeDelete", "id", "ID!", "deletedCodeDiscountId")
    scan_selection = ("id codeDiscount { ... on DiscountCodeBasic { codes(first: 1) { nodes { code } } } "
                      "... on DiscountCodeFreeShipping { codes(first: 1) { nodes { code } } } }", 5)

    def fields(self) -> str:
        return COUPON_FIELDS

    def complete(self, node: dict[str, Any]) -> None:
        """Discounts restricted to more products, variants or collections than a list page holds: fetch
        the rest (a discount takes up to 250 of each per write, and may have been given more over time)."""
        items = _items(node)
        for field, selection in COUPON_ITEM_FIELDS.items():
            connection = items.get(field) or {}
            while (connection.get("pageInfo") or {}).get("hasNextPage"):
                data = self._graphql(f"""query($id: ID!, $after: String) {{ codeDiscountNode(id: $id) {{
                    codeDiscount {{ ... on DiscountCodeBasic {{ customerGets {{ items {{
                      ... on {COUPON_ITEM_TYPES[field]} {{ {field}(first: 250, after: $after) {{
                        pageInfo {{ hasNextPage endCursor }} nodes {{ {selection} }} }} }} }} }} }} }} }} }}""",
                                     {"id": node["id"], "after": connection["pageInfo"]["endCursor"]})
                more = _items(data.get("codeDiscountNode")).get(field) or {"nodes": [], "pageInfo": {}}
                connection["nodes"].extend(more["nodes"])
                connection["pageInfo"] = more["pageInfo"]

    def find_by_natural_key(self, key: str) -> str | None:
        return self.by_field("codeDiscountNodeByCode", "code", key)

    def scan_key(self, node: dict[str, Any]) -> str | None:
        codes = ((node.get("codeDiscount") or {}).get("codes") or {}).get("nodes") or []
        return str(codes[0].get("code") or "") or None if codes else None

    def build(self, item: Coupon) -> tuple[dict[str, Any], list[str]]:
        return mappers.coupon_input(item)

    def create(self, items: list[Canonical]) -> list[WriteResult]:
        """A coupon that only takes the shipping off is a free-shipping discount on Shopify; the others are
        basic discounts (a basic one's free shipping is a warning: one code is one discount)."""
        free = [isinstance(item, Coupon) and mappers.is_free_shipping_only(item) for item in items]
        basic = iter(self.create_with([item for item, f in zip(items, free, strict=True) if not f], self.build))
        shipping = iter(self.create_with([item for item, f in zip(items, free, strict=True) if f],
                                         mappers.free_shipping_input, mutation=FREE_SHIPPING) if any(free) else [])
        return [next(shipping) if f else next(basic) for f in free]
