"""The rules after the full migration: the free window, the 110 % re-migration cap, the 10 % recent cap."""
from datetime import UTC, date, datetime, timedelta

import pytest

from migrations_app.services.rules import (
    price_for_entities,
    quote_recent,
    quote_remigration,
    remigration_window_end,
)

COMPLETED = datetime(2026, 3, 1, 12, tzinfo=UTC)
TODAY = date(2026, 3, 15)


@pytest.fixture(autouse=True)
def rules(settings):
    settings.MIGRATOR_REMIGRATION_FREE_DAYS = 90
    settings.MIGRATOR_REMIGRATION_CAP = 1.10
    settings.MIGRATOR_RECENT_CAP = 0.10
    settings.MIGRATOR_PRICE_TIERS = "1000:5,10000:3,0:1"


def test_window_is_90_days_after_the_full_migration_or_what_support_set():
    assert remigration_window_end(full_completed_at=COMPLETED, extended_until=None) == date(2026, 5, 30)
    assert remigration_window_end(full_completed_at=COMPLETED, extended_until=date(2026, 9, 1)) == date(2026, 9, 1)
    # An extension earlier than the normal end does not shorten it.
    assert remigration_window_end(full_completed_at=COMPLETED, extended_until=date(2026, 4, 1)) == date(2026, 5, 30)


def test_remigration_within_window_and_cap_is_free():
    quote = quote_remigration(entity_counts={"products": 600, "orders": 500}, full_total=1000,
                              window_end=date(2026, 5, 30), today=TODAY)
    assert quote.amount_cents == 0 and quote.billable_entities == 0
    assert "110%" in quote.rule and "1100" in quote.rule


def test_remigration_at_115_percent_quotes_the_excess_only():
    quote = quote_remigration(entity_counts={"products": 1150}, full_total=1000, window_end=date(2026, 5, 30),
                              today=TODAY)
    assert quote.billable_entities == 50
    assert quote.amount_cents == price_for_entities(50) == 250
    assert "50 beyond" in quote.rule


def test_remigration_after_the_window_is_quoted_whole():
    end = date(2026, 5, 30)
    quote = quote_remigration(entity_counts={"products": 900}, full_total=1000, window_end=end,
                              today=end + timedelta(days=1))
    assert quote.billable_entities == 900 and quote.amount_cents == price_for_entities(900)
    assert "ended on 2026-05-30" in quote.rule
    on_last_day = quote_remigration(entity_counts={"products": 900}, full_total=1000, window_end=end, today=end)
    assert on_last_day.amount_cents == 0


def test_recent_data_is_free_under_10_percent_and_quoted_beyond():
    free = quote_recent(entity_counts={"orders": 100}, full_total=1000, window_end=date(2026, 5, 30), today=TODAY)
    assert free.amount_cents == 0
    paid = quote_recent(entity_counts={"orders": 130}, full_total=1000, window_end=date(2026, 5, 30), today=TODAY)
    assert paid.billable_entities == 30 and paid.amount_cents == 150
