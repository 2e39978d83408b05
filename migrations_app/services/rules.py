"""Pricing and run rules: plain functions over numbers from settings (unit-tested)."""
import math
from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.utils import timezone


def _tiers() -> list[tuple[int, int]]:
    """MIGRATOR_PRICE_TIERS "1000:5,10000:3,0:1" -> [(1000, 5), (10000, 3), (0, 1)]; 0 = no upper bound."""
    tiers = []
    for part in settings.MIGRATOR_PRICE_TIERS.split(","):
        upto, cents = part.split(":")
        tiers.append((int(upto), int(cents)))
    return tiers


@dataclass(frozen=True)
class Quote:
    kind: str
    entity_counts: dict[str, int]
    billable_entities: int
    amount_cents: int
    currency: str
    rule: str

    def as_dict(self) -> dict:
        return asdict(self)


def price_for_entities(count: int) -> int:
    """Graduated price in cents for `count` entities: each tier's rate applies to the entities in it."""
    remaining, lower, cents = count, 0, 0
    for upto, rate in _tiers():
        span = remaining if upto == 0 else max(0, min(remaining, upto - lower))
        cents += span * rate
        remaining -= span
        lower = upto
        if remaining <= 0:
            break
    return cents


def quote_run(*, kind: str, entity_counts: dict[str, int]) -> Quote:
    total = sum(entity_counts.values())
    if kind == "demo":
        return Quote(kind, entity_counts, 0, 0, settings.MIGRATOR_CURRENCY,
                     f"The demo is free (up to {settings.MIGRATOR_DEMO_LIMIT} records per entity).")
    amount = max(settings.MIGRATOR_MIN_PRICE_CENTS, price_for_entities(total)) if total else 0
    return Quote(kind, entity_counts, total, amount, settings.MIGRATOR_CURRENCY,
                 "Full migration: per-entity price by tiers of the total, with a minimum.")


# --- after the full migration: the free window, re-migration, recent data, smart update -------------
def remigration_window_end(*, full_completed_at: datetime | None, extended_until: date | None) -> date | None:
    """Last day of the free re-migration window: MIGRATOR_REMIGRATION_FREE_DAYS after the full migration
    completed, or the later date support set. None before the full migration completed."""
    if full_completed_at is None:
        return extended_until  # support may open a window ahead of time
    end = timezone.localdate(full_completed_at) + timedelta(days=settings.MIGRATOR_REMIGRATION_FREE_DAYS)
    return max(end, extended_until) if extended_until else end


def _money(cents: int) -> str:
    return f"{settings.MIGRATOR_CURRENCY} {cents / 100:,.2f}"


def _capped_quote(*, kind: str, entity_counts: dict[str, int], full_total: int, cap: float,
                  window_end: date | None, today: date, what: str, size: str = "") -> Quote:
    """Free within the window while the total stays within `cap` × the full migration's total; the
    entities beyond the cap are priced per entity; after the window all of it is priced. `size` says how
    big this run is in words (default: "this one has N")."""
    total = sum(entity_counts.values())
    size = size or f"this one has {total}"
    if window_end is None:
        amount = price_for_entities(total)
        return Quote(kind, entity_counts, total, amount, settings.MIGRATOR_CURRENCY,
                     f"No completed full migration: all {total} entities are priced ({_money(amount)}).")
    if today > window_end:
        amount = price_for_entities(total)
        return Quote(kind, entity_counts, total, amount, settings.MIGRATOR_CURRENCY,
                     f"The free window ended on {window_end:%Y-%m-%d}: all {total} entities of this {what} are "
                     f"priced ({_money(amount)}).")
    allowance = math.floor(full_total * cap + 1e-9)
    percent = round(cap * 100)
    if total <= allowance:
        return Quote(kind, entity_counts, 0, 0, settings.MIGRATOR_CURRENCY,
                     f"Free: until {window_end:%Y-%m-%d} a {what} of up to {percent}% of the full migration's "
                     f"{full_total} entities ({allowance}) costs nothing; {size}.")
    excess = total - allowance
    amount = price_for_entities(excess)
    return Quote(kind, entity_counts, excess, amount, settings.MIGRATOR_CURRENCY,
                 f"Free up to {allowance} entities ({percent}% of the full migration's {full_total}) until "
                 f"{window_end:%Y-%m-%d}; the {excess} beyond are priced ({_money(amount)}).")


def quote_remigration(*, entity_counts: dict[str, int], full_total: int, window_end: date | None,
                      today: date) -> Quote:
    """Re-migration: free and unlimited in the window while within MIGRATOR_REMIGRATION_CAP (110 %)."""
    return _capped_quote(kind="remigration", entity_counts=entity_counts, full_total=full_total,
                         cap=settings.MIGRATOR_REMIGRATION_CAP, window_end=window_end, today=today,
                         what="re-migration")


def quote_recent(*, entity_counts: dict[str, int], full_total: int, window_end: date | None,
                 today: date) -> Quote:
    """Recent data: free in the window while under MIGRATOR_RECENT_CAP (10 %) of the full migration."""
    # Its size is an estimate: the source's counts at its last connection check, less what was migrated.
    total = sum(entity_counts.values())
    size = (f"the source's last connection check counted about {total} record{'' if total == 1 else 's'} "
            "not migrated yet" if total else
            "the source's last connection check counted no record that is not migrated yet (check the source "
            "store again for a fresh count); new records are counted as the run reads them")
    return _capped_quote(kind="recent", entity_counts=entity_counts, full_total=full_total,
                         cap=settings.MIGRATOR_RECENT_CAP, window_end=window_end, today=today,
                         what="recent-data run", size=size)


def quote_smart_update(*, entity_counts: dict[str, int]) -> Quote:
    """Smart updates carry over changes only; they are included with a completed full migration."""
    return Quote("smart_update", entity_counts, 0, 0, settings.MIGRATOR_CURRENCY,
                 "Included with the full migration: a smart update carries over changes only.")
