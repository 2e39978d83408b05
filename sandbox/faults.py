"""Fault knobs shared by every emulated platform: added latency, 429s with Retry-After and 5xx answers.

With `fault_seed` set on the store the sequence of faults is deterministic per process (one seeded RNG
per store and seed); without it faults are drawn from the process-wide RNG.
"""
import random
import threading
import time
from dataclasses import dataclass

from .models import SandboxStore

_rngs: dict[tuple[int, int], random.Random] = {}
_lock = threading.Lock()


@dataclass(frozen=True)
class Fault:
    status: int
    headers: dict


def _draw(store: SandboxStore) -> float:
    if store.fault_seed is None:
        return random.random()
    with _lock:
        rng = _rngs.setdefault((store.pk, store.fault_seed), random.Random(store.fault_seed))
        return rng.random()


def fault_reset(store: SandboxStore) -> None:
    """Restart the deterministic fault sequence of `store`."""
    with _lock:
        for key in [k for k in _rngs if k[0] == store.pk]:
            del _rngs[key]


def fault_for_request(store: SandboxStore) -> Fault | None:
    """Sleep `latency_ms`, then maybe answer a fault: 429 (Retry-After: 1) with probability rate_429,
    else 500 or 503 with probability error_rate. One draw per request keeps a seeded sequence stable."""
    if store.latency_ms:
        time.sleep(store.latency_ms / 1000)
    if not store.rate_429 and not store.error_rate:
        return None
    roll = _draw(store)
    if roll < store.rate_429:
        return Fault(429, {"Retry-After": "1"})
    if roll < store.rate_429 + store.error_rate:
        # split the error band in two halves: the lower one 500, the upper one 503
        middle = store.rate_429 + store.error_rate / 2
        return Fault(500, {}) if roll < middle else Fault(503, {"Retry-After": "1"})
    return None
