"""`Stream`: one entity of one platform, declared as data plus a few hooks (the Airbyte/Singer idea).

A stream declares
- `entity`: the canonical entity it reads and writes;
- `natural_key_fields`: the canonical fields that identify a record on any store; `natural_key(item)` computes the
  key of a canonical record from them, `find_by_natural_keys(keys)` asks the platform for records by those keys;
- `cursor_field`: the platform field a read of changes (`modified_since`) filters on, or None when the platform
  cannot tell what changed (every record is read); `cursor_filter` says whether the platform filters ("server")
  or the stream drops older records after reading them ("client"); `cursor_tracks_changes` is False when the
  cursor is a creation time (a change to an old record is not seen);
- `page_size`: records per page the stream prefers (None: the connector's), `paginated` False for a list the
  platform returns whole; `page_counts` "parents" when the platform nests the records in a parent and a page
  holds the records of `page_size` parents (Shopify reviews: product metafields, so many reviews a product);
- `bulk_size`: records per bulk create when the platform creates them with an asynchronous bulk operation
  (`create_bulk`, Shopify's bulkOperationRunMutation); the engine then reads pages that large for full runs;
- `updatable`: canonical field -> the platform keys it is written to, for field-level patches (the smart-update
  catalog);
- `admin_link`: a path template (`{id}`) under the store's base URL where a person can open a record.

and implements the hooks `read / get / count / create / create_bulk / update / find_by_natural_key(s) / delete /
list_ids / scan`. A hook a stream does not implement raises NotImplementedError (list_ids has a default over `read`).
The connector (`StreamConnector`) creates one instance per connector instance, so a stream may cache what it
learned from the store (tag ids, say) for the life of that connector.
"""
from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from connectors.base import BulkWrite, Page, ScannedRecord, WriteResult
from connectors.entities import Canonical, EntityType

if TYPE_CHECKING:
    from .connector import StreamConnector


class Stream:
    entity: ClassVar[EntityType]
    natural_key_fields: ClassVar[tuple[str, ...]] = ()
    cursor_field: ClassVar[str | None] = None
    cursor_filter: ClassVar[Literal["server", "client"]] = "server"
    cursor_tracks_changes: ClassVar[bool] = True
    page_size: ClassVar[int | None] = None
    bulk_size: ClassVar[int | None] = None  # records per bulk create (`create_bulk`); None: no bulk writes
    paginated: ClassVar[bool] = True
    page_counts: ClassVar[Literal["records", "parents"]] = "records"
    readable: ClassVar[bool] = True
    writable: ClassVar[bool] = True
    updatable: ClassVar[Mapping[str, tuple[str, ...]]] = {}
    admin_link: ClassVar[str | None] = None

    def __init__(self, connector: StreamConnector) -> None:
        self.connector = connector

    # --- declarations read by the connector and the contract suite ------------------------------------------
    @classmethod
    def filters_changes_on_server(cls) -> bool:
        """True when a read of changes is filtered by modification time on the platform's side
        (`Capabilities.modified_filter`)."""
        return bool(cls.cursor_field) and cls.cursor_filter == "server" and cls.cursor_tracks_changes

    def natural_key(self, item: Canonical) -> str | None:
        """The key of a canonical record: the declared fields' values joined by "|"; None when one is empty.
        Streams whose key has a fallback or a digest (a product without SKU, a review) override this."""
        values = [getattr(item, name, None) for name in self.natural_key_fields]
        if not values or any(v in (None, "") for v in values):
            return None
        return "|".join(str(v) for v in values)

    def cursor_value(self, item: Canonical) -> datetime | None:
        """The value of the cursor field on a canonical record (what `modified_since` is compared with)."""
        return getattr(item, "updated_at", None)

    def entity_url(self, record_id: str) -> str | None:
        if not self.admin_link:
            return None
        return f"{self.connector.base_url}/{self.admin_link.format(id=record_id)}"

    # --- hooks ------------------------------------------------------------------------------------------------
    def read(self, *, checkpoint: dict[str, Any] | None = None, modified_since: datetime | None = None,
             page_size: int | None = None) -> Iterator[Page]:
        """Pages in a stable order from `checkpoint` (see `Connector.read`)."""
        raise NotImplementedError

    def count(self) -> int:
        raise NotImplementedError

    def get(self, record_id: str) -> Canonical | None:
        raise NotImplementedError

    def create(self, items: list[Canonical]) -> list[WriteResult]:
        """One result per item, in order; a refused item is a result with `error`."""
        raise NotImplementedError

    def create_bulk(self, items: list[Canonical | None], *, key: str, state: dict[str, Any] | None,
                    until: float) -> BulkWrite:
        """A bulk create of a stream declaring `bulk_size` (see `Connector.create_bulk`)."""
        raise NotImplementedError

    def update(self, target_id: str, item: Canonical, fields: list[str] | None = None) -> WriteResult:
        """Overwrite `target_id` with `item`; with `fields`, patch only those (keys of `updatable`)."""
        raise NotImplementedError

    def find_by_natural_key(self, key: str) -> str | None:
        """The id of the record whose natural key is `key`. Defaults to `find_by_natural_keys([key])` when the
        stream implements that one."""
        if type(self).find_by_natural_keys is Stream.find_by_natural_keys:
            raise NotImplementedError
        return self.find_by_natural_keys([key]).get(key)

    def find_by_natural_keys(self, keys: list[str]) -> dict[str, str]:
        """{key: id} for the keys that exist. Defaults to one `find_by_natural_key` per key."""
        if type(self).find_by_natural_key is Stream.find_by_natural_key:
            raise NotImplementedError
        found: dict[str, str] = {}
        for key in keys:
            record_id = self.find_by_natural_key(key)
            if record_id:
                found[key] = record_id
        return found

    def delete(self, target_ids: list[str]) -> list[WriteResult]:
        """Delete for good; a missing record counts as deleted."""
        raise NotImplementedError

    def list_ids(self) -> Iterator[str]:
        """Every id of the entity on the store; defaults to the ids of a full read."""
        for page in self.read():
            for item in page.items:
                yield item.source_id

    def scan(self) -> Iterator[ScannedRecord]:
        """Every record as a `ScannedRecord` (see `Connector.scan`); NotImplementedError where it cannot be asked."""
        raise NotImplementedError(
            f"{self.connector.label} cannot list {self.entity.label.lower()} for a check.")
