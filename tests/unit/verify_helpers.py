"""Shared by the Check Result tests: the engine run in this process, a run to its end, what a report found."""
from __future__ import annotations

from migrations_app.enums import IdMapState, RunStatus
from migrations_app.models import IdMap
from migrations_app.services import engine, runs
from migrations_app.services.runs import run_start

from ..engine.conftest import InlineQueue


def inline_engine(monkeypatch) -> InlineQueue:
    """Everything the engine and run_start enqueue runs in this process when the queue is drained."""
    queue = InlineQueue()
    monkeypatch.setattr(engine, "_enqueue", queue)
    monkeypatch.setattr(runs, "_enqueue_advance", lambda run_id: queue("run_advance_task", str(run_id)))
    return queue


def migrate(inline, migration, owner, kind: str):
    run = run_start(migration=migration, kind=kind, user=owner)
    inline.drain()
    run.refresh_from_db()
    assert run.status == RunStatus.COMPLETED, (run.status, run.error_message)
    return run


def findings(report: dict) -> dict:
    """What made the verdict: per entity, the checks that found something (for assertion messages)."""
    out = {}
    for entity, v in report["entities"].items():
        found = {k: v[k] for k in ("duplicates", "orphans", "missing_on_target", "missing_references")
                 if (v.get(k) or {}).get("count")}
        if not v["count_check"]["equal"]:
            found["count_check"] = v["count_check"]
        found.update({f"lang {code}": row for code, row in v["languages"].items() if row["equal"] is False})
        found.update({f"sample {s['source_id']}": [f for f in s["fields"] if not f["equal"]] or s.get("missing")
                      for s in v["sample"] if s.get("missing") or any(not f["equal"] for f in s["fields"])})
        if found or v["not_checked"]:
            out[entity] = {**found, "not_checked": v["not_checked"]}
    return out


def target_of(migration, entity: str, source_id: str) -> str:
    return IdMap.objects.get(migration=migration, entity=entity, source_id=source_id, state=IdMapState.DONE).target_id
