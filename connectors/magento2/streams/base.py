"""`Magento2Stream`: one searchCriteria list endpoint (`{items, search_criteria, total_count}`) as a stream.

Paging: `pageSize`/`currentPage` (checkpoint {"page", "per_page"}), stopping at `current_page * page_size >=
total_count`; a page whose records are the previous page's again (the last-page repeat of magento/magento2 #3787,
#8099, when the total moved during a read) also ends the read. Reads of changes filter `updated_at gteq` on the
server (to the second: Magento's dates have no fraction). Translatable streams read the records of a page again
under each other store view's code (one call a view, filtered by the page's ids) and keep a translation where a
field differs from the default view's (a view without values of its own answers the admin values).
"""
from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar

from connectors.base import Page, ScannedRecord
from connectors.entities import Canonical
from connectors.errors import ConfigError, RecordError
from connectors.sdk import Stream

from .. import api, mappers

if TYPE_CHECKING:
    from ..connector import Magento2Connector

Group = list[tuple[str, Any, str]]


class Magento2Stream(Stream):
    resource: ClassVar[str]  # the list route (`products`, `customers/search`)
    item_path: ClassVar[str | None] = None  # the route of one record (`customers/{id}`); None: filter the list
    id_field: ClassVar[str] = "id"  # the record's id in an answer
    id_filter: ClassVar[str] = "entity_id"  # the searchCriteria field of the id
    lookup_field: ClassVar[str] = ""  # the searchCriteria field of the natural key
    cursor_field = "updated_at"
    writable = False
    translatable: ClassVar[bool] = False
    in_language: ClassVar[bool] = False  # its text is in the default view's language (translated or not)
    connector: Magento2Connector

    def _call(self, method: str, path: str, **kwargs: Any) -> tuple[Any, Any]:
        return self.connector._call(method, path, **kwargs)

    def groups(self) -> list[Group]:
        """Filter groups every list of this stream carries (e.g. categories below the store roots)."""
        return []

    def _list(self, groups: list[Group], *, page_size: int | None = None, page: int | None = None,
              code: str | None = None, sort: list[tuple[str, str]] = ()) -> dict[str, Any]:
        data, response = self._call("GET", self.resource, params=api.criteria(
            *groups, page_size=page_size, page=page, sort=sort), code=code)
        if not isinstance(data, dict) or not isinstance(data.get("items"), list):
            raise ConfigError(f"{response.url} did not answer a list ({{items, total_count}}).", url=response.url)
        return data

    # --- reading -------------------------------------------------------------------------------------------------
    def read(self, *, checkpoint: dict[str, Any] | None = None, modified_since: datetime | None = None,
             page_size: int | None = None) -> Iterator[Page]:
        checkpoint = checkpoint or {}
        per_page = int(checkpoint.get("per_page") or page_size or self.page_size
                       or self.connector.capabilities.page_size)
        per_page = max(1, min(api.MAX_PAGE_SIZE, per_page))
        page = max(1, int(checkpoint.get("page") or 1))
        groups = self.groups()
        since = modified_since if self.cursor_field and modified_since is not None else None
        if since is not None and self.cursor_filter == "server":
            groups = [*groups, [(self.cursor_field, api.format_date(since), "gteq")]]
        previous: list[Any] = []
        while True:
            data = self._list(groups, page_size=per_page, page=page)
            records = [r for r in data["items"]]
            total = int(data.get("total_count") or 0)
            ids = [r.get(self.id_field) for r in records if isinstance(r, dict)]
            if page > 1 and ids and ids == previous:  # the last page again: the read is over
                return
            previous = ids
            items, errors = self.map_records(records)
            if since is not None and self.cursor_filter == "client":
                items = [i for i in items if self.cursor_value(i) is None or self.cursor_value(i) >= since]
            more = page * per_page < total and len(records) == per_page
            next_checkpoint = {"page": page + 1, "per_page": per_page} if more else None
            yield Page(items=items, next_checkpoint=next_checkpoint, errors=errors,
                       total=total if since is None or self.cursor_filter == "server" else None)
            if next_checkpoint is None:
                return
            page += 1

    def map_records(self, records: list[Any]) -> tuple[list[Canonical], list[RecordError]]:
        items: list[Canonical] = []
        errors: list[RecordError] = []
        records = [r for r in records if self.visible(r)]
        shared = self.page_context(records)
        for record in records:
            source_id = str(record.get(self.id_field) or "") if isinstance(record, dict) else ""
            context = {name: by_id.get(source_id, {}) for name, by_id in shared.items()}
            try:
                context.update(self.record_context(record))
                items.append(mappers.to_canonical(self.entity, record, **context))
            except RecordError as exc:
                errors.append(exc)
        return items, errors

    def visible(self, record: Any) -> bool:
        """Whether a listed record is a record of this stream (a configurable's child travels inside it)."""
        return True

    def page_context(self, records: list[Any]) -> dict[str, dict[str, Any]]:
        """{mapper argument: {source id: value}} fetched once for a page (translations, shipments)."""
        if not self.translatable:
            return {}
        return {"translations": self.translations_of(records)}

    def record_context(self, record: Any) -> dict[str, Any]:
        """Mapper arguments that do not depend on the page (the store's media URL)."""
        return {}

    def translations_of(self, records: list[Any]) -> dict[str, dict[str, Any]]:
        """{source id: {language: the record under that language's view}} for a page."""
        ids = [r.get(self.id_field) for r in records if isinstance(r, dict) and r.get(self.id_field) is not None]
        views = self.connector.views().translation_views
        found: dict[str, dict[str, Any]] = {}
        if not ids or not views:
            return found
        for code, language in views.items():
            data = self._list([[(self.id_filter, ids, "in")]], code=code)
            for record in data["items"]:
                if isinstance(record, dict) and record.get(self.id_field) is not None:
                    found.setdefault(str(record[self.id_field]), {})[language] = record
        return found

    def count(self) -> int:
        return int(self._list(self.groups(), page_size=1, page=1).get("total_count") or 0)

    def get(self, record_id: str) -> Canonical | None:
        if self.item_path:
            data, response = self._call("GET", self.item_path.format(id=record_id), allow=(404,))
            records = [data] if response.status_code < 300 and isinstance(data, dict) else []
        else:
            records = self._list([*self.groups(), [(self.id_filter, record_id, "eq")]])["items"]
            records = [r for r in records if isinstance(r, dict) and str(r.get(self.id_field)) == str(record_id)]
        if not records:
            return None
        items, errors = self.map_records(records[:1])
        if errors and not items:
            raise errors[0]
        return items[0] if items else None

    # --- natural keys ----------------------------------------------------------------------------------------
    def key_of(self, record: dict[str, Any]) -> str:
        """The natural key of a listed record, as `natural_key` computes it on the canonical record."""
        return str(record.get(self.lookup_field) or "")

    def find_by_natural_keys(self, keys: list[str]) -> dict[str, str]:
        wanted = sorted({k for k in keys if k})
        found: dict[str, str] = {}
        lowered = {k.lower(): k for k in wanted}
        for start in range(0, len(wanted), 50):
            chunk = wanted[start:start + 50]
            for record in self._list([*self.groups(), [(self.lookup_field, chunk, "in")]])["items"]:
                if not isinstance(record, dict):
                    continue
                key = lowered.get(self.key_of(record).lower())
                if key and key not in found:
                    found[key] = str(record[self.id_field])
        return found

    def list_ids(self) -> Iterator[str]:
        page = 1
        while True:
            data = self._list(self.groups(), page_size=api.MAX_PAGE_SIZE, page=page)
            for record in data["items"]:
                if isinstance(record, dict) and self.visible(record) and record.get(self.id_field) is not None:
                    yield str(record[self.id_field])
            if page * api.MAX_PAGE_SIZE >= int(data.get("total_count") or 0) or not data["items"]:
                return
            page += 1

    def scan(self) -> Iterator[ScannedRecord]:
        """Every record (translations inside it: the languages whose view holds a value of its own)."""
        language = self.connector.views().language if self.translatable or self.in_language else ""
        for page in self.read():
            for item in page.items:
                yield ScannedRecord(record_id=item.source_id, natural_key=self.natural_key(item), language=language,
                                    translations=tuple(item.translations) if self.translatable else ())
