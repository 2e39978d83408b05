"""`WooCommerceStream`: one WooCommerce REST collection (`/wp-json/wc/v3/<resource>`) as a stream.

Reading pages with `orderby=id&order=asc` and a `{"page": n, "per_page": k}` checkpoint is safe because
WordPress ids only grow: records created during a read land after the last page, and a record modified during a
filtered read at worst shifts later pages right (a duplicate, which the engine's id map absorbs), never left (a
gap). Only a record *deleted* during the read can shift a page left by one; such a record is gone anyway. The
checkpoint keeps `per_page` so a resumed read keeps the same page boundaries even if the caller asks for another
page size.

Writes go through `/batch` (creates, forced deletes); updates are one PUT per record with only the WC keys of the
patched fields (`updatable`). Entity modules override the hooks `record_context` (what a record needs besides its
JSON), `write_context` / `payload` (the request body), `update_body`, `after_create` / `after_update` (what is
written next to the record: variations, notes, translations).
"""
from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, ClassVar

import requests

from connectors.base import Page, ScannedRecord, WriteResult
from connectors.entities import Canonical
from connectors.errors import ConfigError, RecordError
from connectors.sdk import Stream

from .. import mappers
from ..api import MAX_PER_PAGE, means_missing, wc_error

if TYPE_CHECKING:
    from ..connector import WooCommerceConnector


class WooCommerceStream(Stream):
    resource: ClassVar[str]  # the collection's path under /wp-json/wc/v3/
    list_filters: ClassVar[dict[str, str]] = {}  # added to every list request of the collection
    lookup_param: ClassVar[str] = "slug"  # the list filter that finds a record by its natural key
    since_param: ClassVar[str] = "modified_after"  # the list filter of a server-side cursor
    optional_endpoint: ClassVar[bool] = False  # a store may lack it: the connection check goes on without
    connector: WooCommerceConnector

    # --- transport (the connector's) ------------------------------------------------------------------------
    def _call(self, method: str, path: str, **kwargs: Any) -> tuple[Any, requests.Response]:
        return self.connector._call(method, path, **kwargs)

    def _batch(self, path: str, operation: str, payloads: list[Any]) -> list[tuple[Any, str | None]]:
        return self.connector._batch(path, operation, payloads)

    def _all_pages(self, path: str, params: dict[str, Any] | None = None) -> list[Any]:
        return self.connector._all_pages(path, params)

    def _languages(self) -> tuple[str, list[str]]:
        return self.connector._languages()

    def _total_pages(self, response: requests.Response) -> int | None:
        return self.connector._int_header(response, "X-WP-TotalPages")

    # --- reading --------------------------------------------------------------------------------------------
    def list_params(self) -> dict[str, Any]:
        return {"orderby": "id", "order": "asc", **self.list_filters}

    def read(self, *, checkpoint: dict[str, Any] | None = None, modified_since: datetime | None = None,
             page_size: int | None = None) -> Iterator[Page]:
        checkpoint = checkpoint or {}
        per_page = int(checkpoint.get("per_page") or page_size or self.connector.capabilities.page_size)
        per_page = max(1, min(MAX_PER_PAGE, per_page))
        page = max(1, int(checkpoint.get("page") or 1))
        params = self.list_params()
        client_side_since = None
        if modified_since is not None and self.cursor_field:
            if self.cursor_filter == "server":
                # WC's "after" filters are exclusive and to the second; step back one second for "at or after".
                since = mappers.format_gmt(modified_since - timedelta(seconds=1))
                params.update({self.since_param: since, "dates_are_gmt": "true"})
            else:
                client_side_since = modified_since
        while True:
            data, response = self._call("GET", self.resource, params={**params, "page": page, "per_page": per_page})
            if not isinstance(data, list):
                url = self.connector._url_of(response)
                raise ConfigError(f"{url} did not return a list.", url=url)
            total = self.connector._int_header(response, "X-WP-Total")
            total_pages = self._total_pages(response)
            items, errors = self.map_records(data)
            if client_side_since is not None:
                items = [i for i in items if self.cursor_value(i) is None or self.cursor_value(i) >= client_side_since]
                total = None  # X-WP-Total counts every record, not the filtered ones
            more = page < total_pages if total_pages is not None else len(data) == per_page
            next_checkpoint = {"page": page + 1, "per_page": per_page} if more else None
            yield Page(items=items, next_checkpoint=next_checkpoint, errors=errors, total=total)
            if next_checkpoint is None:
                return
            page += 1

    def map_records(self, records: list[Any]) -> tuple[list[Canonical], list[RecordError]]:
        items: list[Canonical] = []
        errors: list[RecordError] = []
        records = self.visible(records)
        shared = self.page_context(records)
        for record in records:
            source_id = mappers.wc_source_id(self.entity, record)
            context = {name: by_id.get(source_id, {}) for name, by_id in shared.items()}
            try:
                context.update(self.record_context(record, errors))
                items.append(mappers.to_canonical(self.entity, record, **context))
            except RecordError as exc:
                errors.append(exc)
        return items, errors

    def visible(self, records: list[Any]) -> list[Any]:
        """The records of a list that are records of their own (WPML translations travel inside originals)."""
        return records

    def page_context(self, records: list[Any]) -> dict[str, dict[str, Any]]:
        """{mapper argument: {source id: value}} fetched once for a page (translations)."""
        return {}

    def record_context(self, record: Any, errors: list[RecordError]) -> dict[str, Any]:
        """Mapper arguments fetched for one record (variations, notes); problems go to `errors`."""
        return {}

    def count(self) -> int:
        params = {**self.list_params(), "per_page": 1, "page": 1}
        data, response = self._call("GET", self.resource, params=params)
        total = self.connector._int_header(response, "X-WP-Total")
        return total if total is not None else len(data or [])

    def get(self, record_id: str) -> Canonical | None:
        data, response = self._call("GET", f"{self.resource}/{record_id}", allow=(404, 410))
        if response.status_code in (404, 410) or not isinstance(data, dict):
            return None
        items, errors = self.map_records([data])
        if errors and not items:
            raise errors[0]
        return items[0] if items else None

    def every_language_params(self) -> dict[str, Any]:
        params = self.list_params()
        if "lang" in params:
            params["lang"] = "all"  # WPML: every language, so clearing a store leaves no orphan translation
        return params

    def list_ids(self) -> Iterator[str]:
        """Every id, without mapping (so malformed records can still be cleared), WPML translations included."""
        for record in self._all_pages(self.resource, self.every_language_params()):
            if isinstance(record, dict) and record.get("id"):
                yield str(record["id"])

    def find_by_natural_key(self, key: str) -> str | None:
        """The record whose `lookup_param` (sku, email, code, slug) equals `key`, case-insensitively."""
        if not key:
            return None
        field, key = self.lookup(key)
        data, _ = self._call("GET", self.resource, params={"per_page": 10, field: key})
        for record in data if isinstance(data, list) else []:
            if not isinstance(record, dict) or not record.get("id"):
                continue
            if str(record.get(field) or "").lower() == key.lower():
                return str(record["id"])
        return None

    def lookup(self, key: str) -> tuple[str, str]:
        """(list filter, value) that finds the record of natural key `key`."""
        return self.lookup_param, key

    def find_by_natural_keys(self, keys: list[str]) -> dict[str, str]:
        found: dict[str, str] = {}
        for key in list({k for k in keys if k}):
            record_id = self.find_by_natural_key(key)
            if record_id:
                found[key] = record_id
        return found

    def scan(self) -> Iterator[ScannedRecord]:
        """Every record, one paged list (WPML: `lang=all`), read without the extra calls of `read`."""
        for record, record_id, language, translation_of in self.scan_records():
            yield ScannedRecord(record_id=record_id, natural_key=self.scan_key(record), language=language,
                                translation_of=translation_of)

    def scan_records(self) -> Iterator[tuple[dict[str, Any], str, str, str | None]]:
        """(record, id, language, id of its translation group's original) of every record."""
        default, languages = self._languages()
        params = self.every_language_params()
        page = 1
        while True:
            data, response = self._call("GET", self.resource, params={**params, "page": page,
                                                                      "per_page": MAX_PER_PAGE})
            records = data if isinstance(data, list) else []
            for record in records:
                if isinstance(record, dict) and record.get("id"):
                    yield (record, str(record["id"]), *self.language_of(record, default, languages))
            total_pages = self._total_pages(response)
            if (page >= total_pages) if total_pages is not None else len(records) < MAX_PER_PAGE:
                return
            page += 1

    def language_of(self, record: dict[str, Any], default: str, languages: list[str]) -> tuple[str, str | None]:
        """(language, translation_of) of a listed record; ("", None) where there are no languages."""
        return "", None

    def scan_key(self, record: dict[str, Any]) -> str | None:
        try:
            return mappers.to_canonical(self.entity, record).natural_key()
        except RecordError:
            return None

    # --- writing --------------------------------------------------------------------------------------------
    def write_context(self, items: list[Canonical]) -> Any:
        """What the payloads of a batch need from the store (product tag ids)."""
        return None

    def update_context(self, item: Canonical, fields: list[str] | None) -> Any:
        return None

    def payload(self, item: Canonical, context: Any) -> dict[str, Any]:
        raise NotImplementedError

    def create(self, items: list[Canonical]) -> list[WriteResult]:
        context = self.write_context(items)
        results: list[WriteResult | None] = [None] * len(items)
        pending: list[tuple[int, dict[str, Any]]] = []
        for index, item in enumerate(items):
            try:
                pending.append((index, self.payload(item, context)))
            except (ValueError, TypeError, KeyError) as exc:
                results[index] = WriteResult(source_id=item.source_id, error=f"Could not prepare the record: {exc}")
        outcomes = self._batch(self.resource, "create", [payload for _, payload in pending])
        for (index, _), (target_id, error) in zip(pending, outcomes, strict=True):
            item = items[index]
            if error:
                results[index] = WriteResult(source_id=item.source_id, error=error)
                continue
            result = WriteResult(source_id=item.source_id, target_id=str(target_id))
            self.after_create(str(target_id), item, result)
            results[index] = result
        return [r for r in results if r is not None]

    def after_create(self, target_id: str, item: Canonical, result: WriteResult) -> None:
        """Write what travels with a created record; what does not arrive goes to `result.warnings`."""

    def update(self, target_id: str, item: Canonical, fields: list[str] | None = None) -> WriteResult:
        unknown = [f for f in fields or [] if f not in self.updatable]
        if unknown:
            return WriteResult(source_id=item.source_id, error=f"WooCommerce cannot update {', '.join(unknown)} "
                                                               f"of {self.entity.label.lower()}.")
        try:
            full = self.payload(item, self.update_context(item, fields))
        except (ValueError, TypeError, KeyError) as exc:
            return WriteResult(source_id=item.source_id, error=f"Could not prepare the record: {exc}")
        body = self.update_body(target_id, item, full, fields)
        result = WriteResult(source_id=item.source_id, target_id=target_id)
        written: Any = None
        if body:
            written, response = self._call("PUT", f"{self.resource}/{target_id}", body=body,
                                           allow=(400, 404, 409, 410))
            if response.status_code >= 300:
                code, message = wc_error(written)
                return WriteResult(source_id=item.source_id, error=message or code or "refused")
        self.after_update(target_id, item, fields, written, result)
        return result

    def update_body(self, target_id: str, item: Canonical, full: dict[str, Any], fields: list[str] | None
                    ) -> dict[str, Any]:
        """The PUT body: the whole payload, or with `fields` only the WC keys of those fields."""
        if fields is None:
            return full
        keys: set[str] = set()
        for name in fields:
            if not self.patched_elsewhere(item, name):
                keys.update(self.updatable[name])
        return {k: full[k] for k in keys if k in full}

    def patched_elsewhere(self, item: Canonical, name: str) -> bool:
        """True for a field written by `after_update` instead of the record's PUT (variations' prices)."""
        return False

    def after_update(self, target_id: str, item: Canonical, fields: list[str] | None, written: Any,
                     result: WriteResult) -> None:
        """Write what travels with an updated record (`written`: the PUT's answer, None without a PUT)."""

    def delete(self, target_ids: list[str]) -> list[WriteResult]:
        """Forced deletes through /batch (batch deletes skip the trash). Missing records count as deleted."""
        ids = [int(i) for i in target_ids]
        translations = self.translations_of(ids)
        problems: dict[int, str] = {}
        if translations:
            # WPML leaves a deleted original's translations behind (orphans): they go first, with it.
            flat = [(original, tid) for original, tids in translations.items() for tid in tids]
            for (original, tid), (_, error) in zip(
                    flat, self._batch(self.resource, "delete", [tid for _, tid in flat]), strict=True):
                if error and not means_missing(error):
                    problems[original] = f"Its translation {tid} could not be deleted: {error}"
        results = []
        for target_id, (_, error) in zip(target_ids, self._batch(self.resource, "delete", ids), strict=True):
            if error and not means_missing(error):
                results.append(WriteResult(source_id=target_id, error=error))
            elif int(target_id) in problems:
                results.append(WriteResult(source_id=target_id, target_id=target_id,
                                           warnings=[problems[int(target_id)]]))
            else:
                results.append(WriteResult(source_id=target_id, target_id=target_id))
        return results

    def translations_of(self, ids: list[int]) -> dict[int, list[int]]:
        """{original id: [ids of its WPML translations]}; none for an entity WPML does not translate. (The
        store's languages are asked here all the same, as the connector always did: one cached call.)"""
        self._languages()
        return {}
