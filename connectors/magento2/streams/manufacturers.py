"""Manufacturers: the options of the `manufacturer` product attribute (`products/attributes/manufacturer/
options`, the empty first option left out), keyed by a slug of the label; options carry no dates."""
from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from connectors.base import Page, ScannedRecord, WriteResult
from connectors.entities import Canonical, EntityType

from .. import mappers
from . import writes
from .base import Magento2Stream

ATTRIBUTE = "manufacturer"


class Magento2ManufacturerStream(Magento2Stream):
    entity = EntityType.MANUFACTURER
    resource = f"products/attributes/{ATTRIBUTE}/options"
    id_field = "value"
    natural_key_fields = ("slug",)
    cursor_field = None
    paginated = False
    admin_link = "admin/catalog/product_attribute/"

    def options(self) -> list[dict[str, Any]]:
        data, _ = self._call("GET", self.resource)
        return [o for o in data or [] if isinstance(o, dict) and o.get("value") not in (None, "")]

    def read(self, *, checkpoint: dict[str, Any] | None = None, modified_since: datetime | None = None,
             page_size: int | None = None) -> Iterator[Page]:
        records = self.options()
        items, errors = self.map_records(records)
        yield Page(items=items, next_checkpoint=None, errors=errors, total=len(records))

    def count(self) -> int:
        return len(self.options())

    def get(self, record_id: str) -> Canonical | None:
        found = [o for o in self.options() if str(o["value"]) == str(record_id)]
        return self.map_records(found)[0][0] if found and self.map_records(found)[0] else None

    def key_of(self, record: dict[str, Any]) -> str:
        return mappers.slugify(str(record.get("label") or ""))

    def find_by_natural_keys(self, keys: list[str]) -> dict[str, str]:
        by_slug: dict[str, str] = {}
        for option in self.options():
            by_slug.setdefault(self.key_of(option), str(option["value"]))
        return {k: by_slug[k] for k in keys if k in by_slug}

    def list_ids(self) -> Iterator[str]:
        yield from (str(o["value"]) for o in self.options())

    def scan(self) -> Iterator[ScannedRecord]:
        for option in self.options():
            yield ScannedRecord(record_id=str(option["value"]), natural_key=self.key_of(option) or None)


class Magento2ManufacturerWriter(Magento2ManufacturerStream):
    """Manufacturers as a target: options of the `manufacturer` attribute, found by label or added."""

    writable = True

    def create(self, items: list[Canonical]) -> list[WriteResult]:
        by_label = {str(o.get("label") or "").casefold(): str(o["value"]) for o in self.options()}
        results = []
        for item in items:
            found = by_label.get(item.name.casefold())
            if found:
                results.append(WriteResult(source_id=item.source_id, target_id=found))
                continue
            data, error = writes.send(self, "POST", self.resource, {"option": {"label": item.name}})
            if error:
                results.append(WriteResult(source_id=item.source_id, error=error))
                continue
            value = str(data).removeprefix("id_")
            by_label[item.name.casefold()] = value
            results.append(WriteResult(source_id=item.source_id, target_id=value))
        return results

    def update(self, target_id: str, item: Canonical, fields: list[str] | None = None) -> WriteResult:
        if any(str(o["value"]) == str(target_id) for o in self.options()):
            return WriteResult(source_id=item.source_id, target_id=target_id)  # a label is all an option has
        return WriteResult(source_id=item.source_id, error=f"Manufacturer option {target_id} does not exist.")
