"""An in-memory connector and an in-process task queue, to pin the engine's own rules.

Every real connector is tested over HTTP against its sandbox elsewhere; here the engine is the subject."""
from __future__ import annotations

import itertools
from collections import defaultdict

from connectors.base import Capabilities, Connector, Page, StoreInfo, WriteResult
from connectors.entities import MODELS, EntityType, OrderStatus, Product, validate_entity
from connectors.errors import RecordError

STORES: dict[str, dict[str, dict[str, object]]] = defaultdict(lambda: defaultdict(dict))
BAD: dict[str, dict[str, list[dict]]] = defaultdict(lambda: defaultdict(list))  # raw records failing validation
UNDELETABLE: dict[str, set[str]] = defaultdict(set)  # entities a store refuses to delete (Shopify reviews)
_ids = itertools.count(1000)


class MemoryConnector(Connector):
    platform = "memory"
    label = "Memory"
    capabilities = Capabilities(
        read=frozenset(MODELS), write=frozenset(MODELS), batch_size=5, page_size=5,
        updatable_fields={EntityType.PRODUCT: ("stock_quantity", "stock_status", "price", "description", "status"),
                          EntityType.ORDER: ("status", "shipments")},
        modified_filter=frozenset(MODELS),
    )
    order_statuses = {"new": OrderStatus.PENDING, "paid": OrderStatus.PROCESSING, "shipped": OrderStatus.COMPLETED}
    creates = 0
    reads: dict[str, int] = defaultdict(int)  # records yielded by read(), per entity (all instances)

    @property
    def store(self):
        return STORES[self.base_url]

    def check_connection(self):
        return StoreInfo(name="mem", url=self.base_url, counts={e: self.count(e) for e in MODELS})

    def count(self, entity):
        return len(self.store[entity]) + len(BAD[self.base_url][entity])

    def read(self, entity, *, checkpoint=None, modified_since=None, page_size=None):
        size = page_size or self.capabilities.page_size
        rows = sorted(
            [(int(i), item) for i, item in self.store[entity].items()]
            + [(int(r["source_id"]), r) for r in BAD[self.base_url][entity]],
            key=lambda x: x[0],
        )
        if modified_since is not None:
            rows = [(i, r) for i, r in rows
                    if not isinstance(r, dict) and r.updated_at is not None and r.updated_at >= modified_since]
        offset = (checkpoint or {}).get("offset", 0)
        while offset < len(rows):
            chunk = rows[offset: offset + size]
            offset += len(chunk)
            items, errors = [], []
            for _, row in chunk:
                if isinstance(row, dict):
                    try:
                        items.append(validate_entity(entity, row))
                    except RecordError as exc:
                        errors.append(exc)
                else:
                    items.append(row)
            type(self).reads[str(entity)] += len(chunk)
            yield Page(items=items, errors=errors, total=len(rows),
                       next_checkpoint={"offset": offset} if offset < len(rows) else None)

    def get(self, entity, record_id):
        return self.store[entity].get(str(record_id))

    def create(self, entity, items):
        results = []
        for item in items:
            if getattr(item, "name", None) == "refuse me":
                results.append(WriteResult(source_id=item.source_id, error="Refused by the store."))
                continue
            new_id = str(next(_ids))
            children = {}
            if isinstance(item, Product) and item.variants:
                variants = []
                for v in item.variants:
                    vid = str(next(_ids))
                    children[v.source_id] = vid
                    variants.append(v.model_copy(update={"source_id": vid}))
                item = item.model_copy(update={"variants": variants})
            self.store[entity][new_id] = item.model_copy(update={"source_id": new_id})
            type(self).creates += 1
            warnings = ["Variation X was refused: duplicated SKU"] if getattr(item, "name", None) == "warn me" else []
            results.append(WriteResult(source_id=item.source_id, target_id=new_id, children=children,
                                       warnings=warnings))
        return results

    def update(self, entity, target_id, item, fields=None):
        current = self.store[entity][str(target_id)]
        data = item.model_dump()
        names = fields or [n for n in data if n not in ("source_id", "variants")]  # variants keep their ids
        self.store[entity][str(target_id)] = type(current).model_validate(
            {**current.model_dump(), **{n: data[n] for n in names}})
        return WriteResult(source_id=item.source_id, target_id=str(target_id))

    def find_by_natural_key(self, entity, key):
        for record_id, item in self.store[entity].items():
            if item.natural_key() == key:
                return record_id
        return None

    def delete(self, entity, target_ids):
        if str(entity) in UNDELETABLE[self.base_url]:
            return [WriteResult(source_id=t, error=f"This store cannot delete {entity}.") for t in target_ids]
        for target_id in target_ids:
            self.store[entity].pop(str(target_id), None)
        return [WriteResult(source_id=t, target_id=t) for t in target_ids]

    def list_ids(self, entity):
        yield from list(self.store[entity])
