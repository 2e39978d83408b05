"""Long runs step aside while an interactive run works (services/priority.py): only while one is active and
younger than the window, never longer than MIGRATOR_YIELD_SECONDS per page, and not at all when disabled."""
import time

import pytest
from django.core.cache import cache

from migrations_app.services import priority


@pytest.fixture(autouse=True)
def _settings(settings):
    settings.MIGRATOR_YIELD_SECONDS = 10.0
    settings.MIGRATOR_YIELD_WINDOW_SECONDS = 120.0
    cache.delete(priority.KEY)
    yield settings
    cache.delete(priority.KEY)


def test_a_long_run_waits_until_the_interactive_run_is_done():
    priority.interactive_mark("demo-1")
    priority.interactive_mark("demo-2")
    assert priority.waiting_for() == 2
    naps = []

    def nap(seconds):
        naps.append(seconds)
        priority.interactive_done("demo-1" if len(naps) == 1 else "demo-2")

    waited = priority.step_aside(sleep=nap)
    assert len(naps) == 2 and waited < 1.0
    assert priority.waiting_for() == 0
    assert priority.step_aside(sleep=nap) == 0.0 and len(naps) == 2


def test_the_wait_is_bounded_per_page(_settings):
    _settings.MIGRATOR_YIELD_SECONDS = 0.3
    priority.interactive_mark("demo-1")
    started = time.monotonic()
    priority.step_aside(sleep=lambda s: time.sleep(0.05))
    assert 0.3 <= time.monotonic() - started < 1.0
    assert priority.waiting_for() == 1  # still active: the next page waits again, no longer than the bound


def test_an_interactive_run_older_than_the_window_is_not_waited_for(_settings, monkeypatch):
    priority.interactive_mark("smart-update")
    later = time.time() + 121
    assert priority.waiting_for(now=time.time()) == 1
    cache.set(priority.KEY, {"smart-update": [time.time() - 121, later]})
    assert priority.waiting_for() == 0
    priority.interactive_mark("smart-update")  # marking again keeps when it was first seen
    assert priority.waiting_for() == 0


def test_a_mark_that_is_not_refreshed_lapses(monkeypatch):
    priority.interactive_mark("demo-1")
    assert priority.waiting_for(now=time.time() + priority.MARK_SECONDS + 1) == 0


def test_disabled_means_no_marks_and_no_waiting(_settings):
    _settings.MIGRATOR_YIELD_SECONDS = 0
    priority.interactive_mark("demo-1")
    assert cache.get(priority.KEY) is None
    assert priority.step_aside(sleep=lambda s: pytest.fail("waited")) == 0.0
