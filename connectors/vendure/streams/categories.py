"""Categories: Collections whose contents are a `product-id-filter` (nested through `parentId`,
`inheritFilters` off), keyed by slug, one translation per language code
[docs.vendure.io/reference/graphql-api/admin/object-types#collection]. Filtered here by modification time:
a collection's `updatedAt` does not move when only a translation changes."""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from connectors.base import ScannedRecord, WriteResult, name_paths
from connectors.entities import Canonical, Category, EntityType

from .. import mappers
from ..graphql import Op
from .base import ASSET, VendureStream, language_warnings

CATEGORY_FIELDS = f"""id createdAt updatedAt position isPrivate parentId name slug description
  breadcrumbs {{ id }} featuredAsset {ASSET} translations {{ languageCode name slug description }}"""


class VendureCategoryStream(VendureStream):
    entity = EntityType.CATEGORY
    list_field = "collections"
    one_field = "collection"
    delete_mutation = "deleteCollections"
    natural_key_fields = ("slug",)
    updatable = {
        "name": ("translations",),
        "description": ("translations",),
        "parent_id": ("parentId",),
        "seo": ("translations",),
    }
    admin_link = "admin/catalog/collections/{id}"  # Vendure's Admin UI (AdminUiPlugin, route "admin")

    # --- reading --------------------------------------------------------------------------------------------
    def selection(self) -> str:
        return CATEGORY_FIELDS

    def mapper_context(self, record: Any, store: dict[str, Any]) -> dict[str, Any]:
        return {"default_language": store["default_language"]}

    def find_keys(self, wanted: list[str], found: dict[str, str]) -> None:
        self.lookup("collections", "slug", wanted, "slug", into=found)

    def scan(self) -> Iterator[ScannedRecord]:
        """Keyed by name path ("Parent/Child"), with the languages of their translations."""
        default = self.store()["default_language"]
        nodes: dict[str, tuple[str, str | None]] = {}
        translated: dict[str, tuple[str, ...]] = {}
        for record in self._paged("collections", "id name parentId translations { languageCode }",
                                  type_name="CollectionListOptions"):
            nodes[str(record["id"])] = (str(record.get("name") or ""), str(record.get("parentId") or "") or None)
            translated[str(record["id"])] = self.languages_of(record, default)
        for record_id, path in name_paths(nodes).items():
            yield ScannedRecord(record_id=record_id, natural_key=path or None, language=default,
                                translations=translated[record_id])

    # --- writing --------------------------------------------------------------------------------------------
    def create_records(self, items: list[Canonical]) -> list[WriteResult]:
        store = self.store()
        ops, results, warnings = [], {}, {}
        for index, item in enumerate(items):
            assert isinstance(item, Category)
            data, skipped = mappers.collection_input(item, default_language=store["default_language"],
                                                     languages=store["languages"])
            warnings[index] = language_warnings(skipped)
            ops.append(Op("createCollection", {"input": ("CreateCollectionInput!", data)}, "{ id }", key=index))
        for op, (value, error) in zip(ops, self._mutate(ops), strict=True):
            item = items[op.key]
            results[op.key] = (WriteResult(source_id=item.source_id, error=error) if error else
                               WriteResult(source_id=item.source_id, target_id=str(value["id"]),
                                           warnings=warnings[op.key]))
        return [results[i] for i in range(len(items))]

    def update_record(self, target_id: str, item: Canonical, fields: list[str] | None) -> WriteResult:
        """Translations and parent in place. A category without a parent is moved to the top level."""
        assert isinstance(item, Category)
        store = self.store()
        data, skipped = mappers.collection_input(item, default_language=store["default_language"],
                                                 languages=store["languages"])
        update: dict[str, Any] = {"id": target_id}
        ops = []
        if fields is None or {"name", "description", "seo"} & set(fields):
            update["translations"] = data["translations"]
        if fields is None or "parent_id" in fields:
            if item.parent_id:
                update["parentId"] = item.parent_id
            else:
                found = self._query("query Where($id: ID!) { collection(id: $id) { breadcrumbs { id } } }",
                                    {"id": target_id}).get("collection") or {}
                crumbs = found.get("breadcrumbs") or []
                if len(crumbs) > 2:  # [root, ..., itself]: not at the top level yet
                    ops.append(Op("moveCollection", {"input": ("MoveCollectionInput!", {
                        "collectionId": target_id, "parentId": str(crumbs[0]["id"]), "index": 0})}, "{ id }"))
        if len(update) > 1:
            ops.insert(0, Op("updateCollection", {"input": ("UpdateCollectionInput!", update)}, "{ id }"))
        for _, error in self._mutate(ops):
            if error:
                return WriteResult(source_id=item.source_id, error=error)
        return WriteResult(source_id=item.source_id, target_id=target_id, warnings=language_warnings(skipped))

    def delete(self, target_ids: list[str]) -> list[WriteResult]:
        results = super().delete(target_ids)
        self.connector._members = None  # products' collections are read again
        return results
