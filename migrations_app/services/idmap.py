"""Writing the id map a page at a time.

Django's `bulk_update` builds one CASE WHEN expression per row and field; for a page of 100 records it cost
more worker CPU than the page's HTTP calls (py-spy on the Woo -> Woo bench). On PostgreSQL the page's rows go
in as arrays instead: one UPDATE joined to `unnest(...)`, no expression tree, no lookup of primary keys first.
Other databases (SQLite for `make run`) keep bulk_update."""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import connection

from ..enums import IdMapState
from ..models import IdMap

# The table name is the model's own (no input reaches the text); every value is a parameter.
_MARK_DONE_SET = """
       SET state = %s, target_id = v.target_id, fields_hash = v.fields_hash,
           synced = v.synced::jsonb, run_id = %s, updated_at = %s
      FROM unnest(%s::varchar[], %s::varchar[], %s::varchar[], %s::text[])
           AS v(source_id, target_id, fields_hash, synced)
     WHERE m.organization_id = %s AND m.migration_id = %s AND m.entity = %s
       AND m.source_id = v.source_id"""
_MARK_DONE_SQL = f"UPDATE {IdMap._meta.db_table} AS m {_MARK_DONE_SET}"  # noqa: S608


@dataclass(frozen=True)
class DoneRow:
    """A record written whole to the target: its id there, the hash of what was written, the smart-update
    baseline of the target's update catalog."""

    source_id: str
    target_id: str
    fields_hash: str
    synced: dict[str, Any]


def idmap_mark_done(*, organization_id: Any, migration_id: Any, entity: str, run_id: Any, now: datetime,
                    rows: list[DoneRow]) -> int:
    """Mark the id-map rows of `rows` done (rows no longer in the map are left alone); returns how many."""
    if not rows:
        return 0
    if connection.vendor != "postgresql":
        return _mark_done_portable(organization_id, migration_id, entity, run_id, now, rows)
    with connection.cursor() as cursor:
        cursor.execute(
            _MARK_DONE_SQL,
            [IdMapState.DONE, run_id, now,
             [r.source_id for r in rows], [r.target_id for r in rows], [r.fields_hash for r in rows],
             [json.dumps(r.synced) for r in rows],
             organization_id, migration_id, entity],
        )
        return cursor.rowcount


def _mark_done_portable(organization_id: Any, migration_id: Any, entity: str, run_id: Any, now: datetime,
                        rows: list[DoneRow]) -> int:
    pks = dict(IdMap.objects.filter(organization_id=organization_id, migration_id=migration_id, entity=entity,
                                    source_id__in=[r.source_id for r in rows]).values_list("source_id", "pk"))
    return IdMap.objects.bulk_update(
        [IdMap(pk=pks[r.source_id], state=IdMapState.DONE, target_id=r.target_id, fields_hash=r.fields_hash,
               synced=r.synced, run_id=run_id, updated_at=now) for r in rows if r.source_id in pks],
        ["state", "target_id", "fields_hash", "synced", "run", "updated_at"],
    )
