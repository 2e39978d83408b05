"""Categories: `products/categories` (empty ones included), keyed by slug, translated by WPML. Terms carry no
dates, so a read of changes reads them all. A check keys them by their name path ("Parent/Child"), since
WordPress makes a copy's slug unique by suffixing it. [_product-categories.md]"""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from connectors.base import ScannedRecord, name_paths
from connectors.entities import Canonical, EntityType

from .. import mappers
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

    def payload(self, item: Canonical, context: Any) -> dict[str, Any]:
        return mappers.category_to_wc(item, migrate_images=self.connector.migrate_images)

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
