"""The store's request quota, shared by every client and process of the store.

BigCommerce gives each store a number of requests per window (Plus & Standard: 150 per 30 s); every
request of every app spends one unit, the quota refreshes when the window ends, and every response says
where the store stands: `X-Rate-Limit-Time-Window-Ms`, `X-Rate-Limit-Time-Reset-Ms`,
`X-Rate-Limit-Requests-Quota`, `X-Rate-Limit-Requests-Left`; over quota the answer is 429 with the same
headers (https://developer.bigcommerce.com/docs/start/best-practices/api-rate-limits).

The window lives in the store's own row: `throttle_updated` is when the current window started (epoch
seconds) and `throttle_available` the requests left in it, read and written under
`SELECT ... FOR UPDATE` in a short transaction, so any number of web processes spend one budget and no
two requests spend the same unit (as sandbox/shopify/throttle.py does for its bucket). What the store answered
is counted under the same lock (`quota_usage`: requests granted and refused with 429), for tests and benches
that must say how many 429s a run met.
"""
import time
from dataclasses import dataclass

from django.db import transaction

from ..models import SandboxRecord, SandboxStore
from ..records import now_utc
from .store import rate_limit_settings


@dataclass(frozen=True)
class QuotaState:
    quota: int
    left: int
    window_ms: int
    reset_ms: int

    def headers(self) -> dict:
        return {
            "X-Rate-Limit-Time-Window-Ms": str(self.window_ms),
            "X-Rate-Limit-Time-Reset-Ms": str(self.reset_ms),
            "X-Rate-Limit-Requests-Quota": str(self.quota),
            "X-Rate-Limit-Requests-Left": str(self.left),
        }


USAGE = "quota_usage"


def quota_usage(store: SandboxStore) -> dict:
    """{"granted": requests answered, "refused": 429s for an exhausted quota} since the store was made."""
    usage = SandboxRecord.objects.filter(store=store, resource=USAGE, record_id=1).first()
    return {"granted": 0, "refused": 0, **(usage.data if usage else {})}


def quota_spend(store: SandboxStore) -> tuple[bool, QuotaState]:
    """Spend one request of the store's current window: (True, state after) or (False, state) when the
    window is used up. A window starts with the first request after the previous one ended."""
    with transaction.atomic():
        row = SandboxStore.objects.select_for_update().only(
            "id", "settings", "throttle_available", "throttle_updated"
        ).get(pk=store.pk)
        limits = rate_limit_settings(row)
        quota, window = int(limits["quota"]), int(limits["window_ms"]) / 1000
        now = time.time()
        start, left = row.throttle_updated, row.throttle_available
        if start is None or left is None or now >= start + window:
            start, left = now, float(quota)
        granted = left >= 1
        if granted:
            left -= 1
        SandboxStore.objects.filter(pk=row.pk).update(throttle_available=left, throttle_updated=start)
        usage, _ = SandboxRecord.objects.get_or_create(store=row, resource=USAGE, record_id=1,
                                                       defaults={"data": {"granted": 0, "refused": 0},
                                                                 "date_created_gmt": now_utc(),
                                                                 "date_modified_gmt": now_utc()})
        usage.data["granted" if granted else "refused"] = usage.data.get("granted" if granted else "refused", 0) + 1
        SandboxRecord.objects.filter(pk=usage.pk).update(data=usage.data)
    reset_ms = max(0, int(round((start + window - now) * 1000)))
    return granted, QuotaState(quota, int(left), int(limits["window_ms"]), reset_ms)
