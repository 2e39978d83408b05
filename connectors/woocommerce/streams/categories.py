"""Categories: `products/categories` (empty ones included), keyed by slug, translated by WPML. Terms carry no
dates, so a read of changes reads them all. A check keys them by their name path ("Parent/Child"), since
WordPress makes a copy's slug unique by suffixing it. [_product-categories.md]"""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from connectors.base import ScannedRecord, WriteResult, name_paths
from connectors.entities import Canonical, Category, EntityType

from .. import mappers
from ..api import wc_error
from .translatable import WooCommerceTranslatableStream


class WooCommerceCategoryStream(WooCommerceTranslatableStream):
    entity = EntityType.CATEGORY
    resource = "products/categories"
    list_filters = {"hide_empty": "false"}  # empty terms migrate too [_product-categories.md: hide_empty]
    natural_key_fields = ("slug",)
    updatable = {
        "name": ("name",), "description": ("description",), "parent_id": ("parent",), "seo": ("slug",),
        "position": ("menu_order",), "image": ("image",),
    }
    admin_link = "wp-admin/term.php?taxonomy=product_cat&tag_ID={id}&post_type=product"

    def __init__(self, connector: Any) -> None:
        super().__init__(connector)
        self._links: dict[str, dict[str, Any]] = {}  # category id -> its WPML translations {lang: id}

    def payload(self, item: Canonical, context: Any) -> dict[str, Any]:
        return mappers.category_to_wc(item, migrate_images=self.connector.migrate_images)

    def translation_body(self, item: Canonical, fields: dict[str, str], lang: str, target_id: str) -> dict[str, Any]:
        """A translated term sits under the translation of its parent: WPML takes it as `parent` from the
        client and does not derive it, so without it the translated category tree would come out flat."""
        body = super().translation_body(item, fields, lang, target_id)
        if isinstance(item, Category) and item.parent_id:
            body["parent"] = self.translated_parent(item.parent_id, lang)
        return body

    def translated_parent(self, parent_id: str, lang: str) -> int:
        """The id of category `parent_id`'s translation in `lang`; 0 (top level) when it has none."""
        links = self._links.get(parent_id)
        if links is None or lang not in links:  # read again: the parent may have been translated since
            data, _ = self._call("GET", f"{self.resource}/{parent_id}", allow=(404, 410))
            found = data.get("translations") if isinstance(data, dict) else None
            links = self._links[parent_id] = found if isinstance(found, dict) else {}
        translated = links.get(lang)
        return mappers.out_id(translated) if translated and str(translated) != str(parent_id) else 0

    def after_update(self, target_id: str, item: Canonical, fields: list[str] | None, written: Any,
                     result: WriteResult) -> None:
        super().after_update(target_id, item, fields, written, result)
        if fields and "parent_id" in fields and isinstance(item, Category):
            self.move_translations(target_id, item, written, result)

    def move_translations(self, target_id: str, item: Category, written: Any, result: WriteResult) -> None:
        """A category given a new parent (a reference resolved later, a smart update of `parent_id`): its
        translations move under that parent's translations; nothing else of them is written."""
        links = written.get("translations") if isinstance(written, dict) else None
        for lang, translation_id in (links if isinstance(links, dict) else {}).items():
            if not translation_id or str(translation_id) == str(target_id):
                continue
            parent = self.translated_parent(item.parent_id, lang) if item.parent_id else 0
            data, response = self._call("PUT", f"{self.resource}/{translation_id}", params={"lang": lang},
                                        body={"parent": parent}, allow=(400, 404, 409, 410))
            if response.status_code >= 300:
                result.warnings.append(f"The {lang} translation was not moved under its parent: {wc_error(data)[1]}")

    def scan(self) -> Iterator[ScannedRecord]:
        nodes: dict[str, tuple[str, str | None]] = {}
        pending: list[ScannedRecord] = []
        for record, record_id, language, translation_of in self.scan_records():
            parent = str(record.get("parent") or "") or None
            nodes[record_id] = (str(record.get("name") or ""), None if parent == "0" else parent)
            pending.append(ScannedRecord(record_id=record_id, natural_key=None, language=language,
                                         translation_of=translation_of))
        paths = name_paths(nodes)
        for scanned in pending:
            yield ScannedRecord(record_id=scanned.record_id, natural_key=paths.get(scanned.record_id) or None,
                                language=scanned.language, translation_of=scanned.translation_of)
