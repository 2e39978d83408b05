"""Pricing and run rules: plain functions over numbers from settings (unit-tested)."""
from dataclasses import asdict, dataclass

from django.conf import settings


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
