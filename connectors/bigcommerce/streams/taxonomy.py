"""Brands (manufacturers) and categories: v3 catalog collections without modification dates (read whole), one
POST per record, found again by the slug of their custom URL."""
from __future__ import annotations

from typing import Any, ClassVar

from connectors.base import WriteResult
from connectors.entities import Canonical, Category, EntityType, Manufacturer

from .. import mappers
from .base import BigCommerceStream
from .redirects import RedirectingStream


class BigCommerceBrandStream(BigCommerceStream):
    entity = EntityType.MANUFACTURER
    resource = "catalog/brands"
    natural_key_fields = ("slug",)
    updatable = {"name": ("name",), "image": ("image_url",)}
    admin_path = "brands/{id}/edit"

    def to_canonical(self, record: dict[str, Any], context: Any) -> Canonical:
        return mappers.brand_to_canonical(record)

    def payload(self, item: Manufacturer) -> dict[str, Any]:  # type: ignore[override]
        return mappers.brand_to_bc(item)


class BigCommerceCategoryStream(RedirectingStream):
    entity = EntityType.CATEGORY
    resource = "catalog/categories"
    natural_key_fields = ("slug",)
    redirect_type: ClassVar[str] = "category"
    updatable = {"name": ("name",), "description": ("description",), "parent_id": ("parent_id",),
                 "position": ("sort_order",), "image": ("image_url",),
                 "seo": ("page_title", "meta_description", "custom_url")}
    admin_path = "products/categories/{id}/edit"

    def to_canonical(self, record: dict[str, Any], context: Any) -> Canonical:
        return mappers.category_to_canonical(record)

    def payload(self, item: Category) -> dict[str, Any]:  # type: ignore[override]
        return mappers.category_to_bc(item)

    def create_one(self, item: Canonical, body: dict[str, Any]) -> WriteResult:
        """A custom URL another record holds (409) is given up, not the category: BigCommerce makes its own."""
        result = super().create_one(item, body)
        if result.error and "custom url" in result.error.lower() and "custom_url" in body:
            result = super().create_one(item, {k: v for k, v in body.items() if k != "custom_url"})
            if result.ok:
                result.warnings.append(f"The URL {body['custom_url']['url']} is taken on BigCommerce: the category "
                                       "got one of its own.")
        return result
