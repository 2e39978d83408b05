"""`VendureStream`: one Vendure Admin API list (`collections`, `products`, `customers`, `orders`) as a stream.

Reading pages with `sort: {id: ASC}` and a `{"skip": n, "take": k}` checkpoint is safe for the same reason as
WooCommerce's page numbers: ids only grow, so records created during a read land after the last page; a record
deleted during the read can shift a page left by one.

Changes (`modified_since`): only orders are filtered by Vendure (`updatedAt`, `cursor_filter = "server"`). A
product's `updatedAt` does not move when only a variant's price or stock changes, nor a customer's when only an
address changes, nor a collection's when only a translation changes: those entities are filtered here, on the
newest `updatedAt` of the record and its parts (the mappers' `updated_at`).

Writes: entity modules implement `create_records` and `update_record` over the connector's `_mutate` (batched
mutations, see graphql.py); deletes are the entity's `delete<Entities>` mutation, many records a request.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, ClassVar

from connectors.base import Page, WriteResult
from connectors.entities import Canonical
from connectors.errors import RecordError
from connectors.sdk import Stream

from .. import mappers
from ..graphql import MAX_TAKE, Op

if TYPE_CHECKING:
    from ..connector import VendureConnector

ASSET = "{ source preview name }"
LIST_OPTIONS = {"collections": "CollectionListOptions", "products": "ProductListOptions",
                "customers": "CustomerListOptions", "orders": "OrderListOptions",
                "productVariants": "ProductVariantListOptions"}


class VendureStream(Stream):
    list_field: ClassVar[str]  # the Admin API list query (`collections`)
    one_field: ClassVar[str]  # the Admin API query of one record (`collection`)
    delete_mutation: ClassVar[str] = ""  # `deleteCollections`
    cursor_field = "updatedAt"
    cursor_filter = "client"
    list_total_is_count: ClassVar[bool] = True  # False when the list holds records the stream leaves out
    connector: VendureConnector

    # --- transport (the connector's) ------------------------------------------------------------------------
    def _query(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        return self.connector._query(query, variables)

    def _mutate(self, ops: list[Op], **kwargs: Any) -> list[tuple[Any, str | None]]:
        return self.connector._mutate(ops, **kwargs)

    def store(self) -> dict[str, Any]:
        return self.connector.store()

    def has_fields(self, entity_name: str) -> bool:
        return self.connector.has_fields(entity_name)

    def _paged(self, field: str, fields: str, *, options: dict[str, Any] | None = None, type_name: str = ""
               ) -> Iterator[dict[str, Any]]:
        """Every item of a list query, MAX_TAKE at a time, by id."""
        skip = 0
        options_type = type_name or f"{field[0].upper()}{field[1:-1]}ListOptions"
        while True:
            data = self._query(f"query List($options: {options_type}) {{ {field}(options: $options) {{ totalItems "
                               f"items {{ {fields} }} }} }}",
                               {"options": {**(options or {}), "skip": skip, "take": MAX_TAKE, "sort": {"id": "ASC"}}})
            result = data.get(field) or {}
            items = result.get("items") or []
            yield from (i for i in items if isinstance(i, dict))
            skip += len(items)
            if not items or skip >= int(result.get("totalItems") or 0):
                return

    # --- reading --------------------------------------------------------------------------------------------
    @property
    def options_type(self) -> str:
        return LIST_OPTIONS[self.list_field]

    def selection(self) -> str:
        """The fields of a record the mappers read."""
        raise NotImplementedError

    def list_filter(self) -> dict[str, Any]:
        """The filter of every list query of the entity."""
        return {}

    def read(self, *, checkpoint: dict[str, Any] | None = None, modified_since: datetime | None = None,
             page_size: int | None = None) -> Iterator[Page]:
        """Pages in id order from `checkpoint` ({"skip", "take"}). With `modified_since`: filtered by Vendure
        (`cursor_filter = "server"`) or here, on the newest `updatedAt` of the record and its parts."""
        checkpoint = checkpoint or {}
        take = max(1, min(MAX_TAKE, int(checkpoint.get("take") or page_size or self.connector.capabilities.page_size)))
        skip = max(0, int(checkpoint.get("skip") or 0))
        filters = self.list_filter()
        on_server = self.cursor_filter == "server"
        if modified_since is not None and on_server:
            since = modified_since - timedelta(milliseconds=1)  # "after" is exclusive
            filters[self.cursor_field] = {"after": mappers.format_time(since)}
        while True:
            records, total = self.list_page(skip, take, filters)
            items, errors = self.map_records(records)
            if modified_since is not None and not on_server:
                items = [i for i in items if i.updated_at is None or i.updated_at >= modified_since]
            skip += len(records)
            more = bool(records) and skip < total
            next_checkpoint = {"skip": skip, "take": take} if more else None
            yield Page(items=items, next_checkpoint=next_checkpoint, errors=errors,
                       total=None if not self.list_total_is_count or modified_since else total)
            if next_checkpoint is None:
                return

    def list_page(self, skip: int, take: int, filters: dict[str, Any]) -> tuple[list[dict[str, Any]], int]:
        options: dict[str, Any] = {"skip": skip, "take": take, "sort": {"id": "ASC"}}
        if filters:
            options["filter"] = filters
        data = self._query(f"query Page($options: {self.options_type}) {{ {self.list_field}(options: $options) {{ "
                           f"totalItems items {{ {self.selection()} }} }} }}", {"options": options})
        result = data.get(self.list_field) or {}
        items = result.get("items") if isinstance(result.get("items"), list) else []
        return items, int(result.get("totalItems") or 0)

    def map_records(self, records: list[Any]) -> tuple[list[Canonical], list[RecordError]]:
        items: list[Canonical] = []
        errors: list[RecordError] = []
        store = self.store()
        for record in records:
            if not self.listed(record):
                continue
            context = self.mapper_context(record, store)
            try:
                items.append(mappers.to_canonical(self.entity, self.prepared(record), **context))
            except RecordError as exc:
                errors.append(exc)
        return items, errors

    def listed(self, record: Any) -> bool:
        """False for a record of the list that is not one of the entity's (a guest of an order)."""
        return True

    def mapper_context(self, record: Any, store: dict[str, Any]) -> dict[str, Any]:
        """What the mapper needs besides the record (default language, money precision, memberships)."""
        return {}

    def prepared(self, record: Any) -> Any:
        """The record as the mapper reads it."""
        return record

    def count(self) -> int:
        _, total = self.list_page_ids(take=1)
        return total

    def list_page_ids(self, *, take: int, skip: int = 0) -> tuple[list[str], int]:
        options: dict[str, Any] = {"skip": skip, "take": take, "sort": {"id": "ASC"}}
        if self.list_filter():
            options["filter"] = self.list_filter()
        data = self._query(f"query Ids($options: {self.options_type}) {{ {self.list_field}(options: $options) {{ "
                           "totalItems items { id } } }", {"options": options})
        result = data.get(self.list_field) or {}
        return [str(i["id"]) for i in result.get("items") or []], int(result.get("totalItems") or 0)

    def get(self, record_id: str) -> Canonical | None:
        data = self._query(f"query One($id: ID!) {{ {self.one_field}(id: $id) {{ {self.selection()} }} }}",
                           {"id": str(record_id)})
        record = data.get(self.one_field)
        if not isinstance(record, dict):
            return None
        items, errors = self.map_records([record])
        if errors and not items:
            raise errors[0]
        return items[0] if items else None

    def list_ids(self) -> Iterator[str]:
        """Every id without mapping (malformed records can still be cleared)."""
        skip = 0
        while True:
            ids, total = self.list_page_ids(take=MAX_TAKE, skip=skip)
            yield from ids
            skip += len(ids)
            if not ids or skip >= total:
                return

    @staticmethod
    def languages_of(record: dict[str, Any], default: str) -> tuple[str, ...]:
        """The languages other than `default` a record holds a translation for (translations live inside the
        entity [docs.vendure.io/guides/developer-guide/translations/])."""
        codes = {str(t.get("languageCode")) for t in record.get("translations") or [] if isinstance(t, dict)}
        return tuple(sorted(codes - {default, "None"}))

    # --- natural keys ---------------------------------------------------------------------------------------
    def find_by_natural_key(self, key: str) -> str | None:
        return self.find_by_natural_keys([key]).get(key) if key else None

    def find_by_natural_keys(self, keys: list[str]) -> dict[str, str]:
        """Many keys at once: one filtered list query per kind of key (`in` operator)."""
        wanted = sorted({k for k in keys if k})
        found: dict[str, str] = {}
        if wanted:
            self.find_keys(wanted, found)
        return found

    def find_keys(self, wanted: list[str], found: dict[str, str]) -> None:
        """Put {key: id} of the records of keys `wanted` into `found`."""
        raise NotImplementedError

    def lookup(self, field: str, filter_field: str, values: list[str], returned: str, *, into: dict[str, str],
               select: str = "", accept: Callable[[dict[str, Any]], Any] | None = None) -> None:
        """Records whose `filter_field` is one of `values`; `into[value] = id` (product id for variants)."""
        for start in range(0, len(values), MAX_TAKE):
            chunk = values[start:start + MAX_TAKE]
            options = {"take": MAX_TAKE, "sort": {"id": "ASC"}, "filter": {filter_field: {"in": chunk}}}
            data = self._query(f"query Find($options: {LIST_OPTIONS[field]}) {{ {field}(options: $options) {{ "
                               f"items {{ id {returned} {select} }} }} }}", {"options": options})
            lowered = {k.lower(): k for k in chunk}
            for record in (data.get(field) or {}).get("items") or []:
                if accept is not None and not accept(record):
                    continue
                key = lowered.get(str(dig(record, returned) or "").lower())
                if key is not None and key not in into:
                    into[key] = str(record.get("productId") or record["id"])

    # --- writing --------------------------------------------------------------------------------------------
    def create(self, items: list[Canonical]) -> list[WriteResult]:
        """Create records; one result per item, in order. Not idempotent by itself: the engine writes a pending
        id-map row first and, after a crash, finds what was written with find_by_natural_keys."""
        return self.create_records(items) if items else []

    def create_records(self, items: list[Canonical]) -> list[WriteResult]:
        raise NotImplementedError

    def update(self, target_id: str, item: Canonical, fields: list[str] | None = None) -> WriteResult:
        """Overwrite a record with `item`, or with `fields` patch only those canonical fields (`updatable`).
        Idempotent: writing the same item twice leaves the same record (variants matched by SKU, addresses
        updated in place, an order completed only up to the state it lacks)."""
        unknown = [f for f in fields or [] if f not in self.updatable]
        if unknown:
            return WriteResult(source_id=item.source_id,
                               error=f"Vendure cannot update {', '.join(unknown)} of {self.entity.label.lower()}.")
        try:
            return self.update_record(target_id, item, fields)
        except (ValueError, TypeError) as exc:
            return WriteResult(source_id=item.source_id, error=f"Could not prepare the record: {exc}")

    def update_record(self, target_id: str, item: Canonical, fields: list[str] | None) -> WriteResult:
        raise NotImplementedError

    def delete(self, target_ids: list[str]) -> list[WriteResult]:
        """Delete records, many a request (`delete<Entities>` may run twice). Missing ones count as deleted."""
        ops = [Op(self.delete_mutation, {"ids": ("[ID!]!", [str(i)])}, "{ result message }", key=i)
               for i in target_ids]
        results = []
        for target_id, (value, error) in zip(target_ids, self._mutate(ops, retry_safe=True), strict=True):
            answer = (value or [{}])[0] if isinstance(value, list) else {}
            if error and not means_missing(error):
                results.append(WriteResult(source_id=target_id, error=error))
            elif answer.get("result") == "NOT_DELETED":
                results.append(WriteResult(source_id=target_id, error=str(answer.get("message") or "not deleted")))
            else:
                results.append(WriteResult(source_id=target_id, target_id=target_id))
        return results


def dig(record: dict[str, Any], path: str) -> Any:
    """record["customFields"]["productSku"] for "customFields { productSku }"; record[path] otherwise."""
    if "{" in path:
        outer, inner = path.split("{", 1)
        value = record.get(outer.strip())
        return value.get(inner.strip(" }")) if isinstance(value, dict) else None
    return record.get(path.split()[0])


def means_missing(error: str) -> bool:
    text = error.lower()
    return "no " in text and "with the id" in text or "not found" in text or "entity_not_found" in text


def language_warnings(skipped: list[str]) -> list[str]:
    return [f"The {', '.join(skipped)} translation was left out: the Vendure channel does not offer that language "
            "(Settings → Channels → available languages)."] if skipped else []


def country_hint(error: str) -> str:
    if "country" in error.lower():
        return " (add the country in Vendure: Settings → Countries, and to a zone)"
    return ""
