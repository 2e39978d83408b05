"""CMS pages: `cmsPage/search`, keyed by identifier (the URL key), filtered by `update_time` on the server.
A page belongs to store views (`store_id`) rather than having per-view values, so it carries no translations."""
from __future__ import annotations

from typing import Any

from connectors.base import WriteResult
from connectors.entities import Canonical, EntityType

from .. import payloads
from . import writes
from .base import Magento2Stream


class Magento2PageStream(Magento2Stream):
    entity = EntityType.PAGE
    resource = "cmsPage/search"
    item_path = "cmsPage/{id}"
    id_filter = "page_id"
    lookup_field = "identifier"
    natural_key_fields = ("slug",)
    cursor_field = "update_time"
    in_language = True
    admin_link = "admin/cms/page/edit/page_id/{id}/"

    def record_context(self, record: Any) -> dict[str, Any]:
        views = self.connector.views()
        return {"store_url": views.base_urls.get(views.code, "")}


class Magento2PageWriter(Magento2PageStream):
    """CMS pages as a target (all store views)."""

    writable = True
    updatable = {"title": ("title",), "content": ("content",), "status": ("active",), "seo": ("meta_title",)}

    def create(self, items: list[Canonical]) -> list[WriteResult]:
        return [self._write(None, item) for item in items]

    def update(self, target_id: str, item: Canonical, fields: list[str] | None = None) -> WriteResult:
        return self._write(target_id, item)

    def _write(self, target_id: str | None, item: Any) -> WriteResult:
        body = payloads.page_body(item)
        data, error = writes.send(self, "PUT" if target_id else "POST",
                                  f"cmsPage/{target_id}" if target_id else "cmsPage", body)
        if error or not isinstance(data, dict) or not data.get("id"):
            return WriteResult(source_id=item.source_id, error=error or "Magento answered no page id.")
        return WriteResult(source_id=item.source_id, target_id=str(data["id"]))

    def delete(self, target_ids: list[str]) -> list[WriteResult]:
        results = []
        for target_id in target_ids:
            _, error = writes.send(self, "DELETE", f"cmsPage/{target_id}")
            ok = not error or writes.is_missing(error)
            results.append(WriteResult(source_id=target_id, target_id=target_id if ok else None,
                                       error=None if ok else error))
        return results
