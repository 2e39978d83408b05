"""Products: `products` (by SKU), keyed by SKU, filtered by `updated_at` on the server. A configurable product
travels with its children (the simple products its `configurable_product_links` name), which are read for a
page at once (`entity_id in`) and are not products of their own; the configurable attributes' option labels
come from `products/attributes` (read once). Translations: the page's records under each other store view.
[AdobeDocs commerce-webapi rest/tutorials/configurable-product/]

A read of changes also sees a child that changed (its stock, its price) without its parent: the parent is
read with it, since the child travels inside it.
"""
from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from connectors.base import Page
from connectors.entities import Canonical, EntityType
from connectors.errors import RecordError

from .. import api
from .base import Magento2Stream

MANUFACTURER = "manufacturer"


class Magento2ProductStream(Magento2Stream):
    entity = EntityType.PRODUCT
    resource = "products"
    item_path = None
    lookup_field = "sku"
    natural_key_fields = ("sku",)
    page_size = 50  # a page costs a call for its children and one per other store view
    translatable = True
    admin_link = "admin/catalog/product/edit/id/{id}/"

    def __init__(self, connector: Any) -> None:
        super().__init__(connector)
        self._parents: dict[str, str] | None = None  # child id -> configurable id
        self._attributes: dict[str, dict[str, Any]] = {}  # attribute code -> attribute (with options)
        self._attribute_ids: set[str] = set()
        self._since: datetime | None = None
        self._emitted: set[str] = set()

    def natural_key(self, item: Canonical) -> str | None:
        return item.natural_key()

    # --- children ------------------------------------------------------------------------------------------
    def parents(self) -> dict[str, str]:
        """{child id: configurable id} of the whole store, from one trimmed list of the configurables."""
        if self._parents is None:
            data, _ = self._call("GET", self.resource, params={
                **api.criteria([("type_id", "configurable", "eq")]),
                "fields": "items[id,extension_attributes[configurable_product_links]],total_count"})
            self._parents = {}
            for record in (data or {}).get("items") or []:
                links = ((record or {}).get("extension_attributes") or {}).get("configurable_product_links") or []
                for child in links:
                    self._parents.setdefault(str(child), str(record.get("id")))
        return self._parents

    def visible(self, record: Any) -> bool:
        return isinstance(record, dict) and str(record.get("id")) not in self.parents()

    def count(self) -> int:
        total = super().count()
        if not self.parents():
            return total
        data = self._list([[("entity_id", sorted(self.parents(), key=int), "in")]], page_size=1, page=1)
        return total - int(data.get("total_count") or 0)

    # --- reading ---------------------------------------------------------------------------------------------
    def read(self, *, checkpoint: dict[str, Any] | None = None, modified_since: datetime | None = None,
             page_size: int | None = None) -> Iterator[Page]:
        self._since, self._emitted = modified_since, set()
        self._parents = None  # the store may have changed since the last read
        for page in super().read(checkpoint=checkpoint, modified_since=modified_since, page_size=page_size):
            if page.total is not None and modified_since is None:
                page.total = self.count()
            yield page

    def map_records(self, records: list[Any]) -> tuple[list[Canonical], list[RecordError]]:
        if self._since is not None:  # a changed child brings its configurable along
            on_page = {str(r.get("id")) for r in records if isinstance(r, dict)}
            wanted = {self.parents()[str(r.get("id"))] for r in records
                      if isinstance(r, dict) and str(r.get("id")) in self.parents()}
            wanted -= on_page | self._emitted
            if wanted:
                records = [*records, *self._list([[("entity_id", sorted(wanted, key=int), "in")]])["items"]]
        items, errors = super().map_records(records)
        self._emitted.update(i.source_id for i in items)
        return items, errors

    def page_context(self, records: list[Any]) -> dict[str, dict[str, Any]]:
        context = super().page_context(records)
        links: dict[str, list[str]] = {}
        for record in records:
            extension = record.get("extension_attributes") if isinstance(record, dict) else None
            if isinstance(extension, dict) and record.get("type_id") == "configurable":
                links[str(record["id"])] = [str(i) for i in extension.get("configurable_product_links") or []]
                for option in extension.get("configurable_product_options") or []:
                    if isinstance(option, dict) and option.get("attribute_id") is not None:
                        self._attribute_ids.add(str(option["attribute_id"]))
        wanted = sorted({c for ids in links.values() for c in ids}, key=lambda i: int(i) if i.isdigit() else 0)
        children: dict[str, dict[str, Any]] = {}
        for start in range(0, len(wanted), api.MAX_PAGE_SIZE):
            chunk = wanted[start:start + api.MAX_PAGE_SIZE]
            for child in self._list([[("entity_id", chunk, "in")]])["items"]:
                if isinstance(child, dict):
                    children[str(child.get("id"))] = child
        context["children"] = {pid: [children[c] for c in ids if c in children] for pid, ids in links.items()}
        self.load_attributes()
        return context

    def load_attributes(self) -> None:
        """The configurable attributes met so far and `manufacturer`, with their options (each read once)."""
        known = {str(a.get("attribute_id")) for a in self._attributes.values()}
        missing = sorted(self._attribute_ids - known)
        if missing:
            data, _ = self._call("GET", "products/attributes", params=api.criteria([("attribute_id", missing, "in")]))
            for attribute in (data or {}).get("items") or []:
                if isinstance(attribute, dict) and attribute.get("attribute_code"):
                    self._attributes[str(attribute["attribute_code"])] = attribute
        if MANUFACTURER not in self._attributes:
            data, response = self._call("GET", f"products/attributes/{MANUFACTURER}", allow=(404,))
            self._attributes[MANUFACTURER] = data if response.status_code < 300 and isinstance(data, dict) else {}

    def record_context(self, record: Any) -> dict[str, Any]:
        views = self.connector.views()
        return {"attributes": self._attributes, "media_url": views.media_url,
                "store_url": views.base_urls.get(views.code, "")}
