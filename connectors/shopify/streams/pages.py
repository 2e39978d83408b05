"""Pages: `pages`, keyed by handle, filtered server-side by `updated_at`, translated, created with pageCreate;
Shopify's API cannot change them in place here."""
from __future__ import annotations

from typing import Any

from connectors.entities import EntityType, Page

from .. import mappers
from .base import ShopifyStream, translations_selection


class ShopifyPageStream(ShopifyStream):
    entity = EntityType.PAGE
    list_field, count_field, node_type = "pages", "pagesCount", "Page"
    max_first = 50
    natural_key_fields = ("slug",)
    cursor_field = "updatedAt"  # search `updated_at:>=`
    admin_link = "admin/pages/{id}"
    create_mutation = ("pageCreate", "page", "PageCreateInput!", "page", "")
    delete_mutation = ("pageDelete", "id", "ID!", "deletedPageId")
    translation_keys = mappers.PAGE_TRANSLATION_KEYS

    def fields(self) -> str:
        return f"id title handle body isPublished createdAt updatedAt {translations_selection(self.locales())}"

    def find_by_natural_key(self, key: str) -> str | None:
        return self.first(f"handle:'{self.quoted(key)}'")

    def build(self, item: Page) -> tuple[dict[str, Any], list[str]]:
        return mappers.page_input(item), []
