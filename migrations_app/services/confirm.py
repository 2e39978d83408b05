"""The owner's confirmation of a run that costs money or deletes data.

`run_recap` says what a run will do before it starts (price and the rule behind it, stores, entities, what
will be cleared) from the very plan and quote `run_start` charges (services/plans.run_plan): nothing here
prices anything. `run_start(..., confirm=...)` checks the confirmation against the plan it is about to
start (`confirmation_check`), so a price that changed in between is never charged without a new "yes".

The rule: a run that costs money or clears the target needs the quoted price echoed back (0 when free);
clearing every record of a type ("all", not only what this migration created) also needs the target
store's host typed in."""
from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings

from connectors.entities import EntityType
from connectors.registry import all_connectors

from ..enums import RunKind
from ..errors import ValidationFailed
from ..models import StoreMigration
from .plans import run_plan
from .rules import Quote
from .runplan import RunPlan


@dataclass(frozen=True)
class Confirmation:
    """What the owner confirmed: the price they saw (cents) and, for a clear of everything, the host typed."""

    amount_cents: int | None = None
    target_host: str = ""


@dataclass(frozen=True)
class RunRecap:
    """Everything the confirmation step shows about a run before it starts."""

    migration: StoreMigration
    plan: RunPlan
    kind_label: str
    source_label: str
    target_label: str
    target_host: str
    entities: tuple[dict, ...]  # {"entity", "label", "count"} in the run's order; count: records quoted
    clear_scope: str | None  # None, "created" (what this migration wrote) or "all" (every record of the types)

    @property
    def kind(self) -> str:
        return self.plan.kind

    @property
    def quote(self) -> Quote:
        return self.plan.quote

    @property
    def needs_confirmation(self) -> bool:
        return bool(self.quote.amount_cents) or self.clear_scope is not None

    @property
    def needs_typed_host(self) -> bool:
        return self.clear_scope == "all"

    @property
    def free_note(self) -> str:
        """What comes free with this run and why (the quote's rule says how this run itself is priced)."""
        if self.kind != RunKind.FULL:
            return ""
        return (f"Records a demo created are updated in place, not charged twice. After this run, smart updates are "
                f"included, and for {settings.MIGRATOR_REMIGRATION_FREE_DAYS} days re-migrations up to "
                f"{round(settings.MIGRATOR_REMIGRATION_CAP * 100)}% of its records are free.")

    @property
    def clear_labels(self) -> list[str]:
        return [e["label"] for e in self.entities] if self.clear_scope else []

    def as_dict(self) -> dict:
        return {
            "kind": self.kind, "quote": self.quote.as_dict(),
            "source_url": self.migration.source_store.url, "target_url": self.migration.target_store.url,
            "entities": [dict(e) for e in self.entities], "clear_scope": self.clear_scope,
            "confirmation_required": self.needs_confirmation, "target_host_required": self.needs_typed_host,
            "target_host": self.target_host,
        }


def store_host(url: str) -> str:
    """"https://Shop.example.com:8443/path" -> "shop.example.com:8443": what a typed confirmation asks for."""
    parts = urlsplit(url if "//" in url else f"//{url}")
    host = (parts.hostname or "").lower()
    return f"{host}:{parts.port}" if parts.port else host


def _label(platform: str) -> str:
    cls = all_connectors().get(platform)
    return cls.label if cls else platform


def run_recap(*, migration: StoreMigration, kind: str, params: dict | None = None) -> RunRecap:
    """What a run of `kind` with `params` would do and cost, from services/plans.run_plan (the plan and
    quote run_start stores and charges). Raises what run_plan raises (ApplicationError/ValidationFailed)."""
    plan = run_plan(migration=migration, kind=kind, params=params)
    counts = plan.quote.entity_counts or {}
    entities = tuple({"entity": e, "label": EntityType(e).label, "count": int(counts.get(e, 0))}
                     for e in plan.entities)
    kind_label = RunKind(kind).label if kind in RunKind.values else kind
    return RunRecap(
        migration=migration, plan=plan, kind_label=kind_label,
        source_label=_label(migration.source_store.platform), target_label=_label(migration.target_store.platform),
        target_host=store_host(migration.target_store.url), entities=entities,
        clear_scope=plan.clear_scope(migration),
    )


def _money(quote: Quote) -> str:
    return f"{quote.currency} {quote.amount_cents / 100:,.2f}" if quote.amount_cents else "free"


def confirmation_check(*, migration: StoreMigration, plan: RunPlan, confirm: Confirmation) -> None:
    """Refuse to start `plan` unless `confirm` matches it (the module's rule). Raises ValidationFailed on
    `confirm.amount_cents` / `confirm.target_host` with what to send instead."""
    clear = plan.clear_scope(migration)
    quote = plan.quote
    if not quote.amount_cents and clear is None:
        return
    errors: dict[str, list[str]] = {}
    if confirm.amount_cents is None:
        errors["confirm.amount_cents"] = [
            f"This run is {_money(quote)}{' and clears data on the target store' if clear else ''}: confirm "
            f"it by sending the quoted price, amount_cents {quote.amount_cents}."]
    elif confirm.amount_cents != quote.amount_cents:
        errors["confirm.amount_cents"] = [
            f"The price is now {_money(quote)} (amount_cents {quote.amount_cents}), not what was confirmed: "
            "check it and confirm again."]
    if clear == "all":
        host = store_host(migration.target_store.url)
        typed = store_host(confirm.target_host.strip()) if confirm.target_host.strip() else ""
        if typed != host:
            errors["confirm.target_host"] = [
                f"Every record of the selected types on the target store will be deleted: type its host, "
                f"{host}, to confirm."]
    if errors:
        raise ValidationFailed(errors)
