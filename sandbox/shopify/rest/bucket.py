"""The REST Admin API's leaky bucket: every request adds one to the store's bucket, which leaks at a steady
rate; a request that finds the bucket full is answered 429. Standard plan: 40 requests, 2 per second
(https://shopify.dev/docs/api/usage/limits#rest-admin-api-rate-limits).

Kept like the GraphQL cost bucket (`..throttle`): the count lives in the store's row
(`SandboxStore.rest_bucket_used` / `rest_bucket_updated`) and is read and written under
`SELECT ... FOR UPDATE`, so every web process and thread draws from one bucket per store.
`settings["rest_throttle"] = {"bucket_size": .., "leak_rate": ..}` changes the defaults.
"""
import math
import time
from dataclasses import dataclass

from django.db import transaction

from ...models import SandboxStore

DEFAULT_REST_THROTTLE = {"bucket_size": 40.0, "leak_rate": 2.0}


@dataclass(frozen=True)
class RestBucket:
    size: float
    used: float
    leak_rate: float
    granted: bool

    def header(self) -> str:
        """`X-Shopify-Shop-Api-Call-Limit`: requests in the bucket / its size, e.g. `32/40`."""
        return f"{math.ceil(self.used)}/{int(self.size)}"


def rest_throttle_settings(store: SandboxStore) -> dict:
    return {**DEFAULT_REST_THROTTLE, **(store.settings.get("rest_throttle") or {})}


def rest_bucket_take(store: SandboxStore) -> RestBucket:
    """Add this request to the bucket when there is room (granted), else leave it as it is (429)."""
    with transaction.atomic():
        row = SandboxStore.objects.select_for_update().only(
            "id", "settings", "rest_bucket_used", "rest_bucket_updated").get(pk=store.pk)
        knobs = rest_throttle_settings(row)
        size, rate = float(knobs["bucket_size"]), float(knobs["leak_rate"])
        now = time.time()
        used = 0.0
        if row.rest_bucket_used is not None and row.rest_bucket_updated is not None:
            used = max(0.0, row.rest_bucket_used - max(0.0, now - row.rest_bucket_updated) * rate)
        granted = used + 1 <= size
        if granted:
            used += 1
        SandboxStore.objects.filter(pk=row.pk).update(rest_bucket_used=used, rest_bucket_updated=now)
    return RestBucket(size, used, rate, granted)
