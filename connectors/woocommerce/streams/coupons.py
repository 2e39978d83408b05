"""Coupons: `coupons`, keyed by code, filtered server-side by modification time. [_coupons.md]"""
from __future__ import annotations

from typing import Any

from connectors.entities import Canonical, EntityType

from .. import mappers
from .base import WooCommerceStream


class WooCommerceCouponStream(WooCommerceStream):
    entity = EntityType.COUPON
    resource = "coupons"
    natural_key_fields = ("code",)
    lookup_param = "code"
    cursor_field = "date_modified_gmt"
    updatable = {
        "description": ("description",), "amount": ("amount",), "discount_type": ("discount_type",),
        "expires_at": ("date_expires_gmt",), "usage_limit": ("usage_limit",),
        "usage_limit_per_user": ("usage_limit_per_user",), "minimum_amount": ("minimum_amount",),
        "maximum_amount": ("maximum_amount",), "free_shipping": ("free_shipping",),
        "individual_use": ("individual_use",), "exclude_sale_items": ("exclude_sale_items",),
        "product_ids": ("product_ids",), "excluded_product_ids": ("excluded_product_ids",),
        "category_ids": ("product_categories",), "excluded_category_ids": ("excluded_product_categories",),
        "email_restrictions": ("email_restrictions",),
    }
    admin_link = "wp-admin/post.php?post={id}&action=edit"

    def payload(self, item: Canonical, context: Any) -> dict[str, Any]:
        return mappers.coupon_to_wc(item)
