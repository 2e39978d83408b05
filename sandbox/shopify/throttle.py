"""Shopify's cost-based leaky bucket, shared by every process that serves the sandbox.

The bucket's state (points available, when) lives in the store's own database row
(`SandboxStore.throttle_available` / `throttle_updated`) and every read-modify-write happens under
`SELECT ... FOR UPDATE` in a short transaction, so any number of gunicorn workers (or threads) draw from
one bucket per store and no two requests can spend the same points. The database was chosen over Redis
because it is always there (SQLite in `make run`, PostgreSQL in tests and the benchmark): one code path,
no second source of truth. A request costs two tiny transactions: `charge` (requested cost, up front) and
`refund` (requested - actual, after execution), as Shopify documents
(https://shopify.dev/docs/apps/build/apis/graphql-admin/rate-limits).

Clock: `time.time()` of the serving process; processes of one sandbox share a machine and its clock.
"""
import time
from dataclasses import dataclass

from django.db import transaction

from ..models import SandboxStore
from .store import throttle_settings


@dataclass(frozen=True)
class BucketState:
    maximum: float
    available: float
    restore_rate: float

    def status(self) -> dict:
        """`throttleStatus` as Shopify renders it (maximum and rate as floats, available as an int)."""
        return {
            "maximumAvailable": float(self.maximum),
            "currentlyAvailable": int(self.available),
            "restoreRate": float(self.restore_rate),
        }


def _locked(store: SandboxStore) -> tuple[SandboxStore, float, float, float, float]:
    row = SandboxStore.objects.select_for_update().only(
        "id", "settings", "throttle_available", "throttle_updated"
    ).get(pk=store.pk)
    settings = throttle_settings(row)
    maximum, rate = settings["bucket_size"], settings["restore_rate"]
    now = time.time()
    if row.throttle_available is None or row.throttle_updated is None:
        available = maximum
    else:
        available = min(maximum, row.throttle_available + max(0.0, now - row.throttle_updated) * rate)
    return row, maximum, rate, available, now


def _save(row: SandboxStore, available: float, now: float) -> None:
    SandboxStore.objects.filter(pk=row.pk).update(throttle_available=available, throttle_updated=now)


def bucket_charge(store: SandboxStore, cost: float) -> tuple[bool, BucketState]:
    """Take `cost` points if the bucket holds them: (True, state after) or (False, state) when throttled."""
    with transaction.atomic():
        row, maximum, rate, available, now = _locked(store)
        granted = available >= cost
        if granted:
            available -= cost
        _save(row, available, now)
    return granted, BucketState(maximum, available, rate)


def bucket_refund(store: SandboxStore, points: float) -> BucketState:
    """Give back `points` (requested minus actual cost), never above the bucket size."""
    with transaction.atomic():
        row, maximum, rate, available, now = _locked(store)
        available = min(maximum, available + max(0.0, points))
        _save(row, available, now)
    return BucketState(maximum, available, rate)


def bucket_peek(store: SandboxStore) -> BucketState:
    """The bucket now, without taking anything (for responses that charged nothing)."""
    settings = throttle_settings(store)
    maximum, rate = settings["bucket_size"], settings["restore_rate"]
    row = SandboxStore.objects.only("throttle_available", "throttle_updated").get(pk=store.pk)
    if row.throttle_available is None or row.throttle_updated is None:
        return BucketState(maximum, maximum, rate)
    available = min(maximum, row.throttle_available + max(0.0, time.time() - row.throttle_updated) * rate)
    return BucketState(maximum, available, rate)
