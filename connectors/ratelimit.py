"""Per-store token buckets. With Redis, every worker on every machine draws from one bucket per store,
so together they respect the store's API budget; without Redis the bucket lives in this process.

A bucket holds up to `capacity` tokens and refills at `rate` tokens per second. `acquire(cost)` waits
until the bucket can cover `cost`. Platforms that report their own budget (a GraphQL cost throttle)
call `sync()` with what the server said, so the shared bucket follows the server's view.
"""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass


@dataclass(frozen=True)
class RatePolicy:
    rate: float  # tokens per second
    capacity: float  # bucket size


class RateLimiter:
    def acquire(self, key: str, policy: RatePolicy, cost: float = 1.0) -> float:
        """Block until `cost` tokens are taken from `key`'s bucket; return the seconds waited."""
        waited = 0.0
        while True:
            wait = self._try_take(key, policy, cost)
            if wait <= 0:
                return waited
            time.sleep(wait)
            waited += wait

    def sync(self, key: str, policy: RatePolicy, available: float) -> None:
        """Set the bucket to what the platform reports as available now."""
        raise NotImplementedError

    def _try_take(self, key: str, policy: RatePolicy, cost: float) -> float:
        raise NotImplementedError


class LocalRateLimiter(RateLimiter):
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._buckets: dict[str, tuple[float, float]] = {}  # key -> (tokens, timestamp)

    def _refill(self, key: str, policy: RatePolicy, now: float) -> float:
        tokens, stamp = self._buckets.get(key, (policy.capacity, now))
        return min(policy.capacity, tokens + (now - stamp) * policy.rate)

    def _try_take(self, key: str, policy: RatePolicy, cost: float) -> float:
        with self._lock:
            now = time.monotonic()
            tokens = self._refill(key, policy, now)
            if tokens >= cost:
                self._buckets[key] = (tokens - cost, now)
                return 0.0
            self._buckets[key] = (tokens, now)
            return (cost - tokens) / policy.rate

    def sync(self, key: str, policy: RatePolicy, available: float) -> None:
        with self._lock:
            self._buckets[key] = (min(policy.capacity, available), time.monotonic())


# KEYS[1] bucket key; ARGV: rate, capacity, cost, ttl. Uses the Redis server clock so that workers on
# different machines agree. Returns the seconds to wait (0 = taken), as a string for precision.
_TAKE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local rate, cap, cost = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local b = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
local tokens, ts = tonumber(b[1]), tonumber(b[2])
if tokens == nil then tokens = cap; ts = now end
tokens = math.min(cap, tokens + (now - ts) * rate)
local wait = 0
if tokens >= cost then tokens = tokens - cost else wait = (cost - tokens) / rate end
redis.call('HSET', KEYS[1], 'tokens', tokens, 'ts', now)
redis.call('EXPIRE', KEYS[1], tonumber(ARGV[4]))
return tostring(wait)
"""
_SYNC = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
redis.call('HSET', KEYS[1], 'tokens', math.min(tonumber(ARGV[2]), tonumber(ARGV[1])), 'ts', now)
redis.call('EXPIRE', KEYS[1], tonumber(ARGV[3]))
return 1
"""


class RedisRateLimiter(RateLimiter):
    def __init__(self, url: str, prefix: str = "cartmigrate:ratelimit:") -> None:
        import redis

        self._redis = redis.Redis.from_url(url)
        self._prefix = prefix
        self._take = self._redis.register_script(_TAKE)
        self._sync = self._redis.register_script(_SYNC)

    def _ttl(self, policy: RatePolicy) -> int:
        return max(60, int(policy.capacity / max(policy.rate, 0.001)) * 2)

    def _try_take(self, key: str, policy: RatePolicy, cost: float) -> float:
        return float(self._take(keys=[self._prefix + key], args=[policy.rate, policy.capacity, cost,
                                                                   self._ttl(policy)]))

    def sync(self, key: str, policy: RatePolicy, available: float) -> None:
        self._sync(keys=[self._prefix + key], args=[available, policy.capacity, self._ttl(policy)])


_local = LocalRateLimiter()


def rate_limiter_for(redis_url: str | None) -> RateLimiter:
    """The shared Redis limiter when a Redis URL is configured, else this process's buckets."""
    return RedisRateLimiter(redis_url) if redis_url else _local
