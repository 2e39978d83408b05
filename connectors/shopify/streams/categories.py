"""Categories: Shopify collections (`collections`), keyed by handle, filtered server-side by `updated_at`,
translated. The category tree travels in a `cartmigrate.parent` metafield (Shopify collections are flat); the
parent can only be set after creation (the engine's deferred parent references), with metafieldsSet."""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from connectors.base import ScannedRecord, WriteResult, name_paths
from connectors.entities import Canonical, Category, EntityType

from .. import mappers
from ..mappers import gid, legacy
from .base import ShopifyStream, translations_selection


def collection_fields(locales: list[str]) -> str:
    return f"""id title handle descriptionHtml updatedAt seo {{ title description }} image {{ url altText }}
  cm_parent: metafield(namespace: "{mappers.NAMESPACE}", key: "parent") {{ value }} {translations_selection(locales)}"""


class ShopifyCategoryStream(ShopifyStream):
    entity = EntityType.CATEGORY
    list_field, count_field, node_type = "collections", "collectionsCount", "Collection"
    max_first = 50
    sort_updated = True
    natural_key_fields = ("slug",)
    cursor_field = "updatedAt"  # search `updated_at:>=`
    admin_link = "admin/collections/{id}"
    create_mutation = ("collectionCreate", "input", "CollectionInput!", "collection", "handle")
    delete_mutation = ("collectionDelete", "input", "CollectionDeleteInput!", "deletedCollectionId")
    translation_keys = mappers.COLLECTION_TRANSLATION_KEYS
    redirect_prefix = "/collections/"
    scan_selection = (f"""id title cm_parent: metafield(namespace: "{mappers.NAMESPACE}", key: "parent") {{ value }}""",
                      2)

    def fields(self) -> str:
        return collection_fields(self.locales())

    def find_by_natural_key(self, key: str) -> str | None:
        return self.by_field("collectionByHandle", "handle", key)

    def build(self, item: Category) -> tuple[dict[str, Any], list[str]]:
        return mappers.collection_input(item, migrate_images=self.connector.migrate_images), []

    def update(self, target_id: str, item: Canonical, fields: list[str] | None = None) -> WriteResult:
        """Only the parent can be set after creation (the engine's deferred parent references)."""
        assert isinstance(item, Category)
        if (fields is None or "parent_id" in fields) and item.parent_id:
            [(_, error)] = self._mutate([self.op("metafieldsSet", {"metafields": ("[MetafieldsSetInput!]!", [
                {**mappers.parent_metafield(item.parent_id), "ownerId": gid(self.entity, target_id)}])},
                "metafields { id }", key=0)])
            if error:
                return WriteResult(source_id=item.source_id, error=error)
        return WriteResult(source_id=item.source_id, target_id=target_id)

    def scan(self) -> Iterator[ScannedRecord]:
        """Categories are keyed by their path of names (their handles differ from store to store)."""
        categories: dict[str, tuple[str, str | None]] = {}
        translations: dict[str, tuple[str, ...] | None] = {}
        for record_id, node, _, node_translations in self.scan_nodes():
            parent = legacy((node.get("cm_parent") or {}).get("value")) or None
            categories[record_id] = (str(node.get("title") or ""), parent)
            translations[record_id] = node_translations
        language = self.connector.primary_locale
        for node_id, path in name_paths(categories).items():
            yield ScannedRecord(record_id=node_id, natural_key=path or None, language=language,
                                translations=translations[node_id])
