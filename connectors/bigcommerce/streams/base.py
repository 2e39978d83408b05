"""`BigCommerceStream`: a v3 collection read by `page`/`limit` in id order (`{data, meta.pagination}`), changes
filtered with `date_modified:min` [docs/start/about/common-query-params.mdx], written one record per POST unless a
stream batches; the v2 streams (orders, coupons) override reading.

Checkpoints are `{"page", "limit"}`: pages are in id order, so a record created during a read lands on a later
page and a resumed read goes on where it stopped.
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
from ..api import MAX_LIMIT, error_text

if TYPE_CHECKING:
    from ..connector import BigCommerceConnector


class BigCommerceStream(Stream):
    resource: ClassVar[str]  # the collection's path under /v3/ (or /v2/)
    version: ClassVar[str] = "v3"
    include: ClassVar[str] = ""  # `include=` of every read
    since_param: ClassVar[str] = "date_modified:min"
    admin_path: ClassVar[str | None] = None  # under the control panel, `{id}` filled in
    counted_at_connection: ClassVar[bool] = True
    connector: BigCommerceConnector

    def call(self, method: str, path: str, **kwargs: Any) -> tuple[Any, requests.Response]:
        return self.connector.call(method, path, version=kwargs.pop("version", self.version), **kwargs)

    def entity_url(self, record_id: str) -> str | None:
        return self.connector.admin_url() + self.admin_path.format(id=record_id) if self.admin_path else None

    # --- reading ----------------------------------------------------------------------------------------------
    def list_params(self) -> dict[str, Any]:
        return {"include": self.include} if self.include else {}

    def since_value(self, moment: datetime) -> str:
        return mappers.iso(moment - timedelta(seconds=1))  # to the second: a step back for "at or after"

    def read(self, *, checkpoint: dict[str, Any] | None = None, modified_since: datetime | None = None,
             page_size: int | None = None) -> Iterator[Page]:
        checkpoint = checkpoint or {}
        limit = max(1, min(MAX_LIMIT, int(checkpoint.get("limit") or page_size or self.page_size
                                          or self.connector.capabilities.page_size)))
        page = max(1, int(checkpoint.get("page") or 1))
        params = self.list_params()
        since = modified_since if self.cursor_field else None
        if since is not None and self.cursor_filter == "server":
            params[self.since_param] = self.since_value(since)
        while True:
            data, meta = self.fetch_page(params, page, limit)
            items, errors = self.map_records(data)
            if since is not None and self.cursor_filter == "client":
                items = [i for i in items if (self.cursor_value(i) or since) >= since]
            more = self.has_more(meta, page, len(data), limit)
            next_checkpoint = {"page": page + 1, "limit": limit} if more else None
            total = meta.get("total") if isinstance(meta, dict) and self.cursor_filter == "server" else None
            yield Page(items=items, next_checkpoint=next_checkpoint, errors=errors, total=total)
            if not more:
                return
            page += 1

    def fetch_page(self, params: dict[str, Any], page: int, limit: int, path: str | None = None
                   ) -> tuple[list[Any], dict[str, Any]]:
        """(records, pagination) of one page (of the stream's collection, or of `path`)."""
        body, response = self.call("GET", path or self.resource, params={**params, "page": page, "limit": limit})
        if not isinstance(body, dict) or not isinstance(body.get("data"), list):
            raise ConfigError(f"{response.url} did not answer a list.", url=response.url)
        return body["data"], (body.get("meta") or {}).get("pagination") or {}

    @staticmethod
    def has_more(meta: dict[str, Any], page: int, got: int, limit: int) -> bool:
        pages = meta.get("total_pages") if isinstance(meta, dict) else None
        return page < int(pages) if pages is not None else got >= limit

    def map_records(self, records: list[Any]) -> tuple[list[Canonical], list[RecordError]]:
        items: list[Canonical] = []
        errors: list[RecordError] = []
        context = self.page_context(records)
        for record in records:
            try:
                if not isinstance(record, dict):
                    raise RecordError("Not an object.", excerpt=repr(record)[:200])
                items.append(self.to_canonical(record, context))
            except (ValueError, TypeError, KeyError) as exc:
                errors.append(RecordError(f"Could not read the {self.entity.label.lower()[:-1]}: {exc}",
                                          source_id=mappers.source_id(record) if isinstance(record, dict) else ""))
            except RecordError as exc:
                exc.source_id = exc.source_id or (mappers.source_id(record) if isinstance(record, dict) else "")
                errors.append(exc)
        return items, errors

    def page_context(self, records: list[Any]) -> Any:
        """What mapping a page needs from the store besides its records (customer groups, order lines)."""
        return None

    def to_canonical(self, record: dict[str, Any], context: Any) -> Canonical:
        raise NotImplementedError

    def count(self) -> int:
        _, meta = self.fetch_page({}, 1, 1)
        return int(meta.get("total") or 0)

    def get(self, record_id: str) -> Canonical | None:
        data, response = self.call("GET", f"{self.resource}/{record_id}", params=self.list_params() or None,
                                   allow=(404,))
        if response.status_code == 404 or not isinstance(data, dict):
            return None
        record = data.get("data") if self.version == "v3" else data
        items, errors = self.map_records([record])
        if errors and not items:
            raise errors[0]
        return items[0] if items else None

    def list_ids(self) -> Iterator[str]:
        page = 1
        while True:
            data, meta = self.fetch_page({"include_fields": "id"}, page, MAX_LIMIT)
            for record in data:
                if isinstance(record, dict) and record.get("id"):
                    yield str(record["id"])
            if not self.has_more(meta, page, len(data), MAX_LIMIT):
                return
            page += 1

    def scan(self) -> Iterator[ScannedRecord]:
        for page in self.read(page_size=MAX_LIMIT):
            for item in page.items:
                yield ScannedRecord(record_id=item.source_id, natural_key=self.natural_key(item))

    def find_by_natural_keys(self, keys: list[str]) -> dict[str, str]:
        """Default: one full read (small collections: categories, brands)."""
        wanted = set(k for k in keys if k)
        found: dict[str, str] = {}
        for page in self.read(page_size=MAX_LIMIT):
            for item in page.items:
                key = self.natural_key(item)
                if key in wanted and key not in found:
                    found[key] = item.source_id
        return found

    # --- writing --------------------------------------------------------------------------------------------
    def payload(self, item: Canonical) -> dict[str, Any]:
        raise NotImplementedError

    def create(self, items: list[Canonical]) -> list[WriteResult]:
        """One POST per record (the v3 catalog creates one record a request)."""
        results = []
        for item in items:
            try:
                body = self.payload(item)
            except (ValueError, TypeError, KeyError) as exc:
                results.append(WriteResult(source_id=item.source_id, error=f"Could not prepare the record: {exc}"))
                continue
            results.append(self.create_one(item, body))
        self.after_create(items, results)
        return results

    def create_one(self, item: Canonical, body: dict[str, Any]) -> WriteResult:
        data, response = self.call("POST", self.resource, body=body, allow=(400, 409, 413, 422))
        if response.status_code >= 300:
            return WriteResult(source_id=item.source_id, error=f"BigCommerce refused it: HTTP "
                                                               f"{response.status_code} {error_text(data)}")
        record = data.get("data") if self.version == "v3" and isinstance(data, dict) else data
        return WriteResult(source_id=item.source_id, target_id=str(record["id"]))

    def after_create(self, items: list[Canonical], results: list[WriteResult]) -> None:
        """What travels with created records (redirects)."""

    def update(self, target_id: str, item: Canonical, fields: list[str] | None = None) -> WriteResult:
        unknown = [f for f in fields or [] if f not in self.updatable]
        if unknown:
            return WriteResult(source_id=item.source_id, error=f"BigCommerce cannot update {', '.join(unknown)} "
                                                               f"of {self.entity.label.lower()}.")
        try:
            body = self.payload(item)
        except (ValueError, TypeError, KeyError) as exc:
            return WriteResult(source_id=item.source_id, error=f"Could not prepare the record: {exc}")
        if fields is not None:
            keys = {key for name in fields for key in self.updatable[name]}
            body = {k: v for k, v in body.items() if k in keys}
        return self.put(target_id, item, body)

    def put(self, target_id: str, item: Canonical, body: dict[str, Any]) -> WriteResult:
        if body:
            data, response = self.call("PUT", f"{self.resource}/{target_id}", body=body, allow=(400, 404, 409, 422))
            if response.status_code >= 300:
                return WriteResult(source_id=item.source_id, error=f"BigCommerce refused the update: HTTP "
                                                                   f"{response.status_code} {error_text(data)}")
        return WriteResult(source_id=item.source_id, target_id=target_id)

    def delete(self, target_ids: list[str]) -> list[WriteResult]:
        results = []
        for target_id in target_ids:
            data, response = self.call("DELETE", f"{self.resource}/{target_id}", allow=(404, 422))
            if response.status_code == 422:
                results.append(WriteResult(source_id=target_id, error=error_text(data) or "refused"))
            else:
                results.append(WriteResult(source_id=target_id, target_id=target_id))
        return results
