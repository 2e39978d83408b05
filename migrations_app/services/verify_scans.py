"""The scans of the check after a run, kept in the database instead of the worker's memory.

`Connector.scan` lists every record of an entity on a store; the check needs those lists for counts per
language, duplicates, orphans and missing records. Held in memory they grew with the store (about 25 MB per
100,000 records a side), so they are written to `ScannedRow` page by page as the scan goes and the checks
ask them in SQL (verify.py). The rows belong to one run's check and are deleted when it ends."""
from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import QuerySet

from connectors.base import Connector, ScannedRecord
from connectors.entities import EntityType
from connectors.errors import ConnectorError

from ..models import IdMap, MigrationRun, ScannedRow

BATCH = 2000  # rows written per INSERT while a scan goes
NOT_AVAILABLE = "not available on this platform"


def _key_hash(natural_key: str | None) -> str:
    return hashlib.blake2b(natural_key.casefold().encode(), digest_size=20).hexdigest() if natural_key else ""


def _id_number(record_id: str) -> int | None:
    return int(record_id) if record_id.isdigit() and len(record_id) <= 18 else None


@dataclass
class Scan:
    """The records of one entity listed on one side: `rows()` to ask them, `size` how many there are."""

    run_id: object
    side: str
    entity: str
    size: int = 0
    _known: dict[str, bool] = field(default_factory=dict, repr=False)

    def rows(self) -> QuerySet[ScannedRow]:
        return ScannedRow.objects.filter(run_id=self.run_id, side=self.side, entity=self.entity)

    def __bool__(self) -> bool:
        return self.size > 0

    def has(self, record_id: str) -> bool:
        """Whether the store has a record with this id (asked once per id)."""
        if record_id not in self._known:
            self._known[record_id] = self.rows().filter(record_id=record_id).exists()
        return self._known[record_id]

    @classmethod
    def spill(cls, *, run: MigrationRun, side: str, entity: str, records: Iterable[ScannedRecord]) -> Scan:
        """Write `records` (any iterable, consumed once) as this run's rows of `side` and `entity`."""
        scan = cls(run_id=run.pk, side=side, entity=str(entity))
        batch: list[ScannedRow] = []
        for record in records:
            batch.append(ScannedRow(
                organization_id=run.organization_id, run_id=run.pk, side=side, entity=scan.entity,
                record_id=record.record_id, id_number=_id_number(record.record_id),
                natural_key=record.natural_key or "", key_hash=_key_hash(record.natural_key),
                language=record.language or "", translation_of=record.translation_of,
                translations=None if record.translations is None else list(record.translations)))
            if len(batch) >= BATCH:
                ScannedRow.objects.bulk_create(batch)
                scan.size += len(batch)
                batch = []
        if batch:
            ScannedRow.objects.bulk_create(batch)
            scan.size += len(batch)
        if scan.size >= ANALYZE_FROM:
            _statistics()
        return scan


ANALYZE_FROM = 500  # rows of a scan from which the tables' statistics are refreshed before the checks ask them


def _statistics() -> None:
    """Refresh PostgreSQL's statistics of the scanned rows and the id map. Rows written a moment ago are not in
    them yet (autovacuum comes later): the planner would take a scan of 100,000 rows for one row and join it
    to the id map row by row, 10,000 x 10,000 comparisons for a store of 10,000 products (9 s instead of
    10 ms). ANALYZE reads a sample of each table, not all of it."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {ScannedRow._meta.db_table}, {IdMap._meta.db_table}")


class StoreScans:
    """`Connector.scan` of each entity at most once per store and check, kept for the references of later
    entities."""

    def __init__(self, connector: Connector, *, run: MigrationRun, side: str):
        self.connector = connector
        self.run = run
        self.side = side
        self.done: dict[str, tuple[Scan | None, str]] = {}

    def get(self, entity: EntityType | str) -> tuple[Scan | None, str]:
        """(the scan, "") or (None, why the records could not be listed)."""
        entity = EntityType(entity)
        if entity not in self.done:
            try:
                scan = Scan.spill(run=self.run, side=self.side, entity=entity,
                                  records=self.connector.scan(entity))
                self.done[entity] = (scan, "")
            except NotImplementedError:
                self.done[entity] = (None, f"{NOT_AVAILABLE} ({self.connector.label} cannot list "
                                           f"{entity.label.lower()} for a check)")
            except ConnectorError as exc:
                self.done[entity] = (None, f"could not be listed: {exc.message}")
            if self.done[entity][0] is None:  # a scan that failed half way leaves no rows behind
                Scan(run_id=self.run.pk, side=self.side, entity=str(entity)).rows().delete()
        return self.done[entity]

    def has(self, entity: str, record_id: str) -> bool | None:
        """Whether an entity already listed on this store has this id; None when it was not listed (not
        checked against)."""
        scan = self.done.get(entity, (None, ""))[0]
        return None if scan is None else scan.has(record_id)


def scans_drop(*, run: MigrationRun) -> None:
    """Delete what a check of this run wrote (at its end, and before a check starts again)."""
    ScannedRow.objects.filter(run_id=run.pk).delete()
