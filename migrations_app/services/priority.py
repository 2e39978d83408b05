"""Long runs step aside while an interactive run works (README, "Fair sharing").

Lanes give a demo or a smart update a worker of its own, but on a small machine the long runs' workers, the
database serving them and their stores still take the CPU the demo needs. So an interactive run marks itself
active in the shared cache at each of its pages (and while it is checked), and a long run's step, between two
of its pages, waits while some interactive run younger than MIGRATOR_YIELD_WINDOW_SECONDS is active, at most
MIGRATOR_YIELD_SECONDS per page. A demo lasts seconds, so the long runs lose seconds; an interactive run that
goes on for minutes (a smart update of a big store) stops being waited for once it is older than the window.
The step's lease is kept by its heartbeat thread meanwhile, and the pause counts against the step's budget."""
from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.cache import cache

KEY = "cm:interactive-runs"
MARK_SECONDS = 15.0  # an entry not refreshed for this long is over (its worker died, or it ended unseen)
SLICE = 0.2  # seconds between two looks at the cache while waiting


def _active(now: float) -> dict[str, list[float]]:
    entries = cache.get(KEY) or {}
    return {run: times for run, times in entries.items() if isinstance(times, list) and times[1] > now}


def interactive_mark(run_id: Any) -> None:
    """An interactive run is working now (called at each of its pages). `[since, until]` per run: since is
    when it was first seen, so that the window of MIGRATOR_YIELD_WINDOW_SECONDS counts from its start."""
    if settings.MIGRATOR_YIELD_SECONDS <= 0:
        return
    now = time.time()
    entries = _active(now)
    since = entries.get(str(run_id), [now, 0.0])[0]
    entries[str(run_id)] = [since, now + MARK_SECONDS]
    cache.set(KEY, entries, timeout=int(MARK_SECONDS) + 5)


def interactive_done(run_id: Any) -> None:
    """The interactive run ended: long runs need not wait for it any more."""
    entries = _active(time.time())
    if entries.pop(str(run_id), None) is not None:
        cache.set(KEY, entries, timeout=int(MARK_SECONDS) + 5)


def waiting_for(now: float | None = None) -> int:
    """How many interactive runs a long run steps aside for now."""
    now = time.time() if now is None else now
    window = settings.MIGRATOR_YIELD_WINDOW_SECONDS
    return sum(1 for since, _ in _active(now).values() if now - since < window)


def step_aside(*, sleep: Callable[[float], None] | None = None) -> float:
    """Between two pages of a long run: wait while an interactive run is active (at most
    MIGRATOR_YIELD_SECONDS). Returns the seconds waited."""
    limit = settings.MIGRATOR_YIELD_SECONDS
    if limit <= 0 or not waiting_for():
        return 0.0
    sleep = sleep or time.sleep
    started = time.monotonic()
    while time.monotonic() - started < limit and waiting_for():
        sleep(SLICE)
    return time.monotonic() - started
