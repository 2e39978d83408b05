"""Tax classes: `taxClasses/search` with `class_type = PRODUCT` (customer tax classes are not product data), one
small list keyed by a slug of the name; no dates, so a read of changes reads them all."""
from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from connectors.base import Page
from connectors.entities import EntityType

from .. import mappers
from .base import Magento2Stream


class Magento2TaxClassStream(Magento2Stream):
    entity = EntityType.TAX_CLASS
    resource = "taxClasses/search"
    id_field = "class_id"
    id_filter = "class_id"
    natural_key_fields = ("slug",)
    cursor_field = None
    paginated = False
    admin_link = "admin/tax/rule/"

    def groups(self) -> list:
        return [[("class_type", "PRODUCT", "eq")]]

    def read(self, *, checkpoint: dict[str, Any] | None = None, modified_since: datetime | None = None,
             page_size: int | None = None) -> Iterator[Page]:
        records = self._list(self.groups())["items"]
        items, errors = self.map_records(records)
        yield Page(items=items, next_checkpoint=None, errors=errors, total=len(records))

    def key_of(self, record: dict[str, Any]) -> str:
        return mappers.slugify(str(record.get("class_name") or ""))

    def find_by_natural_keys(self, keys: list[str]) -> dict[str, str]:
        by_slug = {self.key_of(r): str(r["class_id"]) for r in self._list(self.groups())["items"]
                   if isinstance(r, dict) and r.get("class_id") is not None}
        return {k: by_slug[k] for k in keys if k in by_slug}
