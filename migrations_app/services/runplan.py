"""What a run is, typed: built by `plans.run_plan` (validated and priced), stored on the run as
`MigrationRun.params` (`RunPlan.to_params`), and read back once by the engine (`RunPlan.from_run`).

docs/runs.md says what each kind does with it. A leaf module: it imports nothing from the other services."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..enums import RunKind

# The run's own state the engine keeps next to the plan in `params` (what a clear has done so far).
ENGINE_STATE_KEYS = frozenset({"clear_scope", "cleared", "clear_refused"})


def _tuples(value: Any) -> dict[str, tuple[str, ...]]:
    return {str(k): tuple(str(v) for v in vs or ()) for k, vs in (value or {}).items()}


@dataclass(frozen=True)
class RunPlan:
    kind: str
    entities: tuple[str, ...] = ()
    # A re-migration's own choices, on top of the migration's (None: the migration's).
    options: dict[str, Any] = field(default_factory=dict)
    language_mapping: dict[str, str] | None = None
    # Smart update: entity -> fields kept in sync, the conflict policy, what to do with source deletions.
    fields: dict[str, tuple[str, ...]] = field(default_factory=dict)
    conflict_policy: str = "source"
    deletions: str = "ignore"
    preview: bool = False
    scheduled: bool = False
    # A retry of failed records: the run it retries, the ids it reads one by one per entity (an entity
    # absent from `only` is read whole), and the ids written again in place.
    retry_of: str | None = None
    only: dict[str, tuple[str, ...]] = field(default_factory=dict)
    retry_ids: dict[str, tuple[str, ...]] = field(default_factory=dict)
    request_key: str = ""
    quote: Any = None  # rules.Quote when built by plans.run_plan; not stored in params

    @classmethod
    def from_params(cls, kind: str, params: dict | None) -> RunPlan:
        p = params or {}
        return cls(
            kind=kind, entities=tuple(p.get("entities") or ()), options=dict(p.get("options") or {}),
            language_mapping=p.get("language_mapping"), fields=_tuples(p.get("fields")),
            conflict_policy=p.get("conflict_policy") or "source", deletions=p.get("deletions") or "ignore",
            preview=bool(p.get("preview")), scheduled=bool(p.get("scheduled")), retry_of=p.get("retry_of"),
            only=_tuples(p.get("only")), retry_ids=_tuples(p.get("retry_ids")), request_key=p.get("request_key", ""),
        )

    @classmethod
    def from_run(cls, run) -> RunPlan:
        return cls.from_params(run.kind, run.params)

    def to_params(self) -> dict[str, Any]:
        """What `MigrationRun.params` stores (only what differs from the defaults)."""
        out: dict[str, Any] = {}
        if self.entities:
            out["entities"] = list(self.entities)
        if self.kind == RunKind.REMIGRATION:
            out["options"] = dict(self.options)
            out["language_mapping"] = self.language_mapping
        if self.kind == RunKind.SMART_UPDATE:
            out.update(fields={e: list(f) for e, f in self.fields.items()}, conflict_policy=self.conflict_policy,
                       deletions=self.deletions, preview=self.preview)
        if self.scheduled:
            out["scheduled"] = True
        if self.retry_of:
            out.update(retry_of=self.retry_of, only={e: list(i) for e, i in self.only.items()},
                       retry_ids={e: list(i) for e, i in self.retry_ids.items()})
        if self.request_key:
            out["request_key"] = self.request_key
        return out

    @property
    def is_retry(self) -> bool:
        return bool(self.retry_of)

    @property
    def smart(self) -> bool:
        """A smart update (or its preview) proper: field-level patches. Its retry writes records whole."""
        return self.kind == RunKind.SMART_UPDATE and not self.is_retry

    @property
    def reads_changes(self) -> bool:
        return self.kind in (RunKind.RECENT, RunKind.SMART_UPDATE)

    @property
    def rewrites_others(self) -> bool:
        """A full run or re-migration writes records an earlier run wrote again in place (docs/runs.md)."""
        return self.kind in (RunKind.FULL, RunKind.REMIGRATION) and not self.is_retry

    def target_options(self, migration) -> dict[str, Any]:
        """The target options this run works with: the migration's, with a re-migration's own on top."""
        return {**(migration.options or {}), **self.options}

    def clear_scope(self, migration) -> str | None:
        """What this run's clear phase deletes on the target before migrating: "created" (what this
        migration wrote), "all" (every record of the run's entity types) or None. Only a full run or a
        re-migration with "clear current data on target" clears; a retry never does (docs/runs.md)."""
        if self.is_retry or self.kind not in (RunKind.FULL, RunKind.REMIGRATION):
            return None
        options = self.target_options(migration)
        if not options.get("clear_target"):
            return None
        return "all" if options.get("clear_scope") == "all" else "created"

    def languages(self, migration) -> dict[str, str]:
        return migration.language_mapping or {} if self.language_mapping is None else self.language_mapping

    def only_ids(self, entity: str) -> tuple[str, ...] | None:
        """A retry's source ids for `entity`, or None when the entity is read whole."""
        return self.only.get(str(entity)) if self.is_retry and str(entity) in self.only else None
