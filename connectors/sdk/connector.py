"""`StreamConnector`: a `Connector` made of declared streams.

A platform's connector subclasses it, keeps transport, authentication, pacing and the connection check, and
declares `streams` ({EntityType: Stream subclass}). Every `Connector` method (read, count, get, create, update,
find_by_natural_key(s), delete, list_ids, entity_url, scan) is dispatched to the entity's stream, after
`require` checked the stream exists (a `ConfigError` naming the platform otherwise). `capabilities` is derived
from the streams when the class is created (`derive_capabilities`), so what the wizard, the API and the engine
are told is what the streams really declare.
"""
from __future__ import annotations

import copy
from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Any, ClassVar

from connectors.base import BulkWrite, Capabilities, Connector, Page, ScannedRecord, WriteResult
from connectors.entities import ENTITY_ORDER, Canonical, EntityType
from connectors.errors import ConfigError

from .stream import Stream

WRITE_ACTIONS = frozenset({"write", "delete"})


def derive_capabilities(connector: type[StreamConnector]) -> Capabilities:
    """Capabilities from the declared streams: read/write sets, the smart-update catalog (`updatable`), the
    entities filtered by modification time on the platform's side, and per-entity page sizes; the rest from
    the connector's class attributes. Entities are listed in canonical order."""
    streams = [(entity, _stream_class(connector.streams[entity]))
               for entity in ENTITY_ORDER if entity in connector.streams]
    return Capabilities(
        read=frozenset(e for e, s in streams if s.readable),
        write=frozenset(e for e, s in streams if s.writable),
        updatable_fields={e: tuple(s.updatable) for e, s in streams if s.writable and s.updatable},
        modified_filter=frozenset(e for e, s in streams if s.readable and s.filters_changes_on_server()),
        batch_size=connector.batch_size,
        page_size=connector.default_page_size,
        page_sizes={e: s.page_size for e, s in streams if s.page_size is not None},
        bulk_sizes={e: s.bulk_size for e, s in streams if s.writable and s.bulk_size},
        bulk_min=connector.bulk_min,
        languages=connector.supports_languages,
        customer_groups=connector.supports_customer_groups,
        preserve_ids=connector.supports_preserve_ids,
        customer_passwords=connector.supports_customer_passwords,
    )


def _stream_class(spec: type[Stream] | Stream) -> type[Stream]:
    return spec if isinstance(spec, type) else type(spec)


class StreamConnector(Connector):
    streams: ClassVar[Mapping[EntityType, type[Stream] | Stream]] = {}
    batch_size: ClassVar[int] = 50  # records per write request
    default_page_size: ClassVar[int] = 100  # records per read page of a stream that declares none
    bulk_min: ClassVar[int] = 0  # fewest records of an entity written in bulk (streams declaring `bulk_size`)
    supports_languages: ClassVar[bool] = False
    supports_customer_groups: ClassVar[bool] = False
    supports_preserve_ids: ClassVar[bool] = False
    supports_customer_passwords: ClassVar[bool] = False
    # How `require` says an entity is not supported; {label}, {action} and {entity} are filled in.
    unsupported_message: ClassVar[str] = "{label} cannot {action} {entity}."

    def __init_subclass__(cls, **kwargs: Any) -> None:
        """Derive `capabilities` from the streams, unless the class writes its own (a test double may)."""
        super().__init_subclass__(**kwargs)
        if cls.streams and "capabilities" not in cls.__dict__:
            cls.capabilities = derive_capabilities(cls)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._stream_instances: dict[EntityType, Stream] = {}

    # --- streams -------------------------------------------------------------------------------------------
    def require(self, entity: Any, action: str) -> EntityType:
        """`entity` as an EntityType when a stream of this connector can `action` it; ConfigError otherwise."""
        entity = EntityType(entity)
        spec = self.streams.get(entity)
        cls = _stream_class(spec) if spec is not None else None
        if cls is None or (action in WRITE_ACTIONS and not cls.writable) or (
                action not in WRITE_ACTIONS and not cls.readable):
            raise ConfigError(self.unsupported_message.format(label=self.label, action=action,
                                                              entity=entity.label.lower()))
        return entity

    def stream(self, entity: Any, action: str = "use") -> Stream:
        """This connector's instance of the entity's stream (created once)."""
        entity = self.require(entity, action)
        instance = self._stream_instances.get(entity)
        if instance is None:
            spec = self.streams[entity]
            if isinstance(spec, Stream):
                instance = copy.copy(spec)
                instance.connector = self
            else:
                instance = spec(self)
            self._stream_instances[entity] = instance
        return instance

    # --- the Connector contract, dispatched ------------------------------------------------------------------
    def read(self, entity: EntityType, *, checkpoint: dict[str, Any] | None = None,
             modified_since: datetime | None = None, page_size: int | None = None) -> Iterator[Page]:
        yield from self.stream(entity, "read").read(checkpoint=checkpoint, modified_since=modified_since,
                                                    page_size=page_size)

    def count(self, entity: EntityType) -> int:
        return self.stream(entity, "count").count()

    def get(self, entity: EntityType, record_id: str) -> Canonical | None:
        return self.stream(entity, "read").get(record_id)

    def create(self, entity: EntityType, items: list[Canonical]) -> list[WriteResult]:
        return self.stream(entity, "write").create(items)

    def create_bulk(self, entity: EntityType, items: list[Canonical | None], *, key: str,
                    state: dict[str, Any] | None, until: float) -> BulkWrite:
        return self.stream(entity, "write").create_bulk(items, key=key, state=state, until=until)

    def update(self, entity: EntityType, target_id: str, item: Canonical, fields: list[str] | None = None
               ) -> WriteResult:
        return self.stream(entity, "write").update(target_id, item, fields)

    def find_by_natural_key(self, entity: EntityType, key: str) -> str | None:
        return self.stream(entity, "find").find_by_natural_key(key)

    def find_by_natural_keys(self, entity: EntityType, keys: list[str]) -> dict[str, str]:
        return self.stream(entity, "find").find_by_natural_keys(keys)

    def delete(self, entity: EntityType, target_ids: list[str]) -> list[WriteResult]:
        return self.stream(entity, "delete").delete(target_ids)

    def list_ids(self, entity: EntityType) -> Iterator[str]:
        yield from self.stream(entity, "list").list_ids()

    def entity_url(self, entity: EntityType, record_id: str) -> str | None:
        entity = EntityType(entity)
        return self.stream(entity).entity_url(record_id) if entity in self.streams else None

    def scan(self, entity: EntityType) -> Iterator[ScannedRecord]:
        yield from self.stream(entity, "list").scan()
