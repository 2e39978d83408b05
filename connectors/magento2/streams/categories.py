"""Categories: `categories/list` below the store roots (`level >= 2`: Root Catalog is level 0, each store's
root category level 1), read whole (a catalog has hundreds at most) so that each category's storefront path
(its ancestors' url keys) is known; keyed by url key. A category under a store root has no parent on any other
platform. Translations: the same list under each other store view's code."""
from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from connectors.base import Page, ScannedRecord, WriteResult, name_paths
from connectors.entities import Canonical, EntityType

from .. import mappers, payloads
from . import writes
from .base import Magento2Stream


class Magento2CategoryStream(Magento2Stream):
    entity = EntityType.CATEGORY
    resource = "categories/list"
    natural_key_fields = ("slug",)
    cursor_filter = "client"
    paginated = False
    translatable = True
    admin_link = "admin/catalog/category/edit/id/{id}/"

    def groups(self) -> list:
        return [[("level", 2, "gteq")]]

    def read(self, *, checkpoint: dict[str, Any] | None = None, modified_since: datetime | None = None,
             page_size: int | None = None) -> Iterator[Page]:
        records = self._list(self.groups())["items"]
        items, errors = self.map_records(records)
        if modified_since is not None:
            items = [i for i in items if i.updated_at is None or i.updated_at >= modified_since]
        yield Page(items=items, next_checkpoint=None, errors=errors, total=None if modified_since else len(records))

    def get(self, record_id: str) -> Canonical | None:
        """From the whole list: a category's parent and storefront path need its ancestors."""
        items = next(iter(self.read())).items
        return next((i for i in items if i.source_id == str(record_id)), None)

    def count(self) -> int:
        return int(self._list(self.groups(), page_size=1, page=1).get("total_count") or 0)

    def page_context(self, records: list[Any]) -> dict[str, dict[str, Any]]:
        context = super().page_context(records)
        by_id = {str(r.get("id")): r for r in records if isinstance(r, dict)}
        keys = {i: mappers._custom_text(mappers.custom(r), "url_key") for i, r in by_id.items()}
        parents, paths = {}, {}
        store_url = self.connector.views().base_urls.get(self.connector.store_code, "")
        for source_id, record in by_id.items():
            parent = str(record.get("parent_id") or "")
            parents[source_id] = parent if parent in by_id else None
            ancestors = [p for p in str(record.get("path") or "").split("/")[2:] if p]
            if ancestors and all(p in keys and keys[p] for p in ancestors):
                paths[source_id] = "/".join(keys[p] for p in ancestors)
            else:
                paths[source_id] = ""
        context["parent_id"] = parents
        context["url_path"] = paths
        context["store_url"] = dict.fromkeys(by_id, store_url)
        return context

    def translations_of(self, records: list[Any]) -> dict[str, dict[str, Any]]:
        """The whole list again under each other view (categories are read whole)."""
        found: dict[str, dict[str, Any]] = {}
        wanted = {str(r.get("id")) for r in records if isinstance(r, dict)}
        for code, language in self.connector.views().translation_views.items():
            for record in self._list(self.groups(), code=code)["items"]:
                if isinstance(record, dict) and str(record.get("id")) in wanted:
                    found.setdefault(str(record["id"]), {})[language] = record
        return found

    def find_by_natural_keys(self, keys: list[str]) -> dict[str, str]:
        by_key: dict[str, str] = {}
        for record in self._list(self.groups())["items"]:
            if isinstance(record, dict):
                key = mappers._custom_text(mappers.custom(record), "url_key").lower()
                by_key.setdefault(key, str(record["id"]))
        return {k: by_key[k.lower()] for k in keys if k and k.lower() in by_key}

    def scan(self) -> Iterator[ScannedRecord]:
        """Keyed by name path ("Parent/Child"), as every platform's categories are checked."""
        items = [i for page in self.read() for i in page.items]
        paths = name_paths({i.source_id: (i.name, i.parent_id) for i in items})
        language = self.connector.views().language
        for item in items:
            yield ScannedRecord(record_id=item.source_id, natural_key=paths.get(item.source_id) or None,
                                language=language, translations=tuple(item.translations))


class Magento2CategoryWriter(Magento2CategoryStream):
    """Categories as a target: created under the parent's id, or under the store's root category."""

    writable = True
    updatable = {"name": ("name",), "description": ("custom_attributes",), "parent_id": ("parent_id",),
                 "seo": ("custom_attributes",), "position": ("position",)}

    def create(self, items: list[Canonical]) -> list[WriteResult]:
        return [self._write(None, item) for item in items]

    def update(self, target_id: str, item: Canonical, fields: list[str] | None = None) -> WriteResult:
        return self._write(target_id, item, fields)

    def _write(self, target_id: str | None, item: Any, fields: list[str] | None = None) -> WriteResult:
        body = payloads.category_body(item, parent_id=item.parent_id or self.connector.root_category())
        if fields is not None:
            keys = {k for f in fields for k in self.updatable.get(f, ())}
            body = {"category": {k: v for k, v in body["category"].items() if k in keys}}
        path = f"categories/{target_id}" if target_id else "categories"
        data, error = writes.send(self, "PUT" if target_id else "POST", path, body)
        if error or not isinstance(data, dict) or not data.get("id"):
            return WriteResult(source_id=item.source_id, error=error or "Magento answered no category id.")
        result = WriteResult(source_id=item.source_id, target_id=str(data["id"]))
        if fields is None or {"name", "description", "seo"} & set(fields):
            writes.write_translations(self, item, f"categories/{data['id']}", payloads.category_translation, result)
        return result

    def delete(self, target_ids: list[str]) -> list[WriteResult]:
        results = []
        for target_id in target_ids:
            _, error = writes.send(self, "DELETE", f"categories/{target_id}")
            ok = not error or writes.is_missing(error)
            results.append(WriteResult(source_id=target_id, target_id=target_id if ok else None,
                                       error=None if ok else error))
        return results
