"""Manufacturers: WooCommerce product brands (`products/brands`, core from WooCommerce 9.6), keyed by slug;
terms carry no dates, so a read of changes reads them all. [woocommerce-rest-api-docs _product-brands.md]"""
from __future__ import annotations

from typing import Any

from connectors.entities import Canonical, EntityType

from .. import mappers
from .base import WooCommerceStream


class WooCommerceBrandStream(WooCommerceStream):
    entity = EntityType.MANUFACTURER
    resource = "products/brands"
    list_filters = {"hide_empty": "false"}  # empty terms migrate too
    natural_key_fields = ("slug",)
    optional_endpoint = True  # core from WooCommerce 9.6
    updatable = {"name": ("name",), "description": ("description",), "image": ("image",)}
    admin_link = "wp-admin/term.php?taxonomy=product_brand&tag_ID={id}&post_type=product"

    def payload(self, item: Canonical, context: Any) -> dict[str, Any]:
        return mappers.manufacturer_to_wc(item, migrate_images=self.connector.migrate_images)
