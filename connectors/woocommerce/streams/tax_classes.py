"""Tax classes: `taxes/classes`, one unpaginated list keyed by slug; no batch endpoint, no update, and
"standard" always exists. [woocommerce-rest-api-docs _tax-classes.md]"""
from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from connectors.base import Page, ScannedRecord, WriteResult
from connectors.entities import Canonical, EntityType

from .. import mappers
from ..api import wc_error
from .base import WooCommerceStream


class WooCommerceTaxClassStream(WooCommerceStream):
    entity = EntityType.TAX_CLASS
    resource = "taxes/classes"
    natural_key_fields = ("slug",)
    paginated = False
    admin_link = "wp-admin/admin.php?page=wc-settings&tab=tax&section={id}"

    def _records(self) -> list[Any]:
        data, _ = self._call("GET", self.resource)
        return data if isinstance(data, list) else []

    def _slugs(self) -> set[str]:
        data, _ = self._call("GET", self.resource)
        return {str(r.get("slug")) for r in data or [] if isinstance(r, dict)}

    def read(self, *, checkpoint: dict[str, Any] | None = None, modified_since: datetime | None = None,
             page_size: int | None = None) -> Iterator[Page]:
        items, errors = self.map_records(self._records())
        yield Page(items=items, next_checkpoint=None, errors=errors, total=len(items) + len(errors))

    def count(self) -> int:
        return len(self._records())

    def get(self, record_id: str) -> Canonical | None:
        data, _ = self._call("GET", self.resource)
        match = [r for r in data or [] if isinstance(r, dict) and r.get("slug") == record_id]
        return mappers.to_canonical(self.entity, match[0]) if match else None

    def list_ids(self) -> Iterator[str]:
        data, _ = self._call("GET", self.resource)
        yield from (str(r["slug"]) for r in data or [] if isinstance(r, dict) and r.get("slug"))

    def find_by_natural_key(self, key: str) -> str | None:
        if not key:
            return None
        return key if key in self._slugs() else None

    def scan(self) -> Iterator[ScannedRecord]:
        self._languages()  # every scan learns the store's languages first (one cached call), as it always did
        for record in self._records():
            if isinstance(record, dict) and record.get("slug"):
                yield ScannedRecord(record_id=str(record["slug"]), natural_key=str(record["slug"]))

    def create(self, items: list[Canonical]) -> list[WriteResult]:
        return [self._create_one(item) for item in items]

    def _create_one(self, item: Canonical) -> WriteResult:
        existing = self._slugs()
        wanted = item.slug or mappers._slug_of(item.name)
        if wanted in existing or mappers._slug_of(item.name) in existing:
            slug = wanted if wanted in existing else mappers._slug_of(item.name)
            return WriteResult(source_id=item.source_id, target_id=slug)
        data, response = self._call("POST", self.resource, body=mappers.tax_class_to_wc(item), allow=(400, 409))
        if response.status_code >= 300 or not isinstance(data, dict) or not data.get("slug"):
            code, message = wc_error(data)
            return WriteResult(source_id=item.source_id, error=message or code or "refused")
        return WriteResult(source_id=item.source_id, target_id=str(data["slug"]))

    def update(self, target_id: str, item: Canonical, fields: list[str] | None = None) -> WriteResult:
        if target_id in self._slugs():
            return WriteResult(source_id=item.source_id, target_id=target_id)  # nothing to update in WC
        return WriteResult(source_id=item.source_id, error=f"Tax class {target_id!r} does not exist.")

    def delete(self, target_ids: list[str]) -> list[WriteResult]:
        results = []
        for slug in target_ids:
            data, response = self._call("DELETE", f"{self.resource}/{slug}", params={"force": "true"},
                                        allow=(400, 404, 410))
            code, message = wc_error(data) if response.status_code >= 300 else ("", "")
            missing = response.status_code in (404, 410) or "invalid" in code
            error = None if response.status_code < 300 or missing else (message or code)
            results.append(WriteResult(source_id=slug, target_id=None if error else slug, error=error))
        return results
