"""Outbound HTTP for connectors: one requests session, explicit timeouts, retries with exponential
backoff and jitter on timeouts and 5xx, 429 honoured with Retry-After, an optional per-store rate
limiter, an SSRF guard, and call statistics. Credentials never reach the logs: URLs are logged with
their query values masked."""
from __future__ import annotations

import ipaddress
import logging
import os
import random
import re
import socket
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

import requests
import requests.adapters
import requests.auth
import urllib3
import urllib3.connection
from urllib3.exceptions import ConnectTimeoutError, NewConnectionError

from .errors import RateLimited, TransientError, UnsafeURLError
from .ratelimit import RateLimiter, RatePolicy

logger = logging.getLogger(__name__)

RETRY_STATUSES = frozenset({500, 502, 503, 504, 520, 521, 522, 524})
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
_SECRET_HINTS = ("key", "secret", "token", "signature", "password", "auth")


def mask_url(url: str) -> str:
    """The URL with every query value whose name looks secret replaced by ***."""
    parts = urlsplit(url)
    if not parts.query:
        return url
    query = [(k, "***" if any(h in k.lower() for h in _SECRET_HINTS) else v) for k, v in parse_qsl(parts.query)]
    return urlunsplit(parts._replace(query=urlencode(query)))


def check_url_is_wellformed(url: str) -> None:
    """Refuse what no HTTP client can request: a bad port, an unclosed IPv6 bracket, a host name that is not
    valid IDNA (a label over 63 characters, say)."""
    try:
        parts = urlsplit(url)
        host, _port = parts.hostname, parts.port
        if host and not host.replace(".", "").isdigit() and ":" not in host:
            host.encode("idna")
    except (ValueError, UnicodeError) as exc:
        raise UnsafeURLError(f"{url!r} is not a valid URL ({exc}).", url=url) from None
    if parts.scheme not in ("http", "https") or not host:
        raise UnsafeURLError(f"{url!r} is not an http(s) URL.", url=url)
    if "@" in parts.netloc:  # user:password@host: credentials belong in the credential fields
        raise UnsafeURLError(f"{url!r} is not a valid store address (it holds a user name).", url=url)


def check_url_is_public(url: str) -> None:
    """Refuse URLs that are malformed or resolve to an address that is not globally routable (private,
    loopback, link-local, shared 100.64/10 with cloud metadata at 100.100.100.200, reserved, multicast,
    unspecified, and IPv4 addresses mapped into IPv6): the SSRF guard, as checked when a store is saved.
    Requests themselves check the address they connect to (GuardedAdapter), so a name that resolves
    differently later (DNS rebinding) is caught there."""
    check_url_is_wellformed(url)
    parts = urlsplit(url)
    public_addresses(parts.hostname, parts.port or (443 if parts.scheme == "https" else 80), url=url)


def public_addresses(host: str, port: int, *, url: str = "") -> list[tuple]:
    """Resolve `host` once; every address must be globally routable (one that is not refuses them all: a
    name answering both is an attack or a misconfiguration). Returns getaddrinfo's entries."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise UnsafeURLError(f"The host name {host!r} could not be resolved ({exc}).", url=url or host) from None
    for info in infos:
        address = ipaddress.ip_address(str(info[4][0]).split("%")[0])
        mapped = getattr(address, "ipv4_mapped", None)
        if not address.is_global or address.is_multicast or (mapped is not None and not mapped.is_global):
            raise UnsafeURLError(
                f"{host} resolves to {address}, a private or local address this service may not call.",
                url=url or host,
            )
    return infos


class _GuardedConnectionMixin:
    """Resolves the host once, checks every address, and connects to a checked address: the address
    checked is the address used. TLS still verifies and sends SNI for the host name (self.host)."""

    def _new_conn(self):
        infos = public_addresses(self._dns_host, self.port, url=f"{self.host}:{self.port}")
        host, last = self._dns_host, None
        try:
            for info in infos:
                self._dns_host = str(info[4][0])
                try:
                    return super()._new_conn()
                except (NewConnectionError, ConnectTimeoutError) as exc:
                    last = exc
            raise last
        finally:
            self._dns_host = host


class _GuardedHTTPConnection(_GuardedConnectionMixin, urllib3.connection.HTTPConnection):
    pass


class _GuardedHTTPSConnection(_GuardedConnectionMixin, urllib3.connection.HTTPSConnection):
    pass


class _GuardedHTTPPool(urllib3.HTTPConnectionPool):
    ConnectionCls = _GuardedHTTPConnection


class _GuardedHTTPSPool(urllib3.HTTPSConnectionPool):
    ConnectionCls = _GuardedHTTPSConnection


class GuardedAdapter(requests.adapters.HTTPAdapter):
    """requests' adapter whose connections may only reach globally routable addresses."""

    def init_poolmanager(self, *args, **kwargs):
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {"http": _GuardedHTTPPool, "https": _GuardedHTTPSPool}


class AdapterPool:
    """The connection pools of one worker process, kept between the steps of a run, one set per store.

    Each step builds its connectors afresh (a step may run in any worker), so without this every step
    opened new TCP (and on real stores TLS) connections to the same store. A client built with a
    `pool_key` mounts the adapters kept under that key: urllib3's pools are thread-safe and hold no
    credential (authentication travels with each request; cookies stay in the client's own session), and
    keys are per store, so no two tenants ever share a connection. At most `size` keys are kept; the
    least recently used one is closed. A forked child starts with none of its parent's sockets."""

    def __init__(self, size: int = 32) -> None:
        self.size = size
        self._adapters: OrderedDict[tuple[str, bool], requests.adapters.HTTPAdapter] = OrderedDict()
        self._lock = threading.Lock()
        self.created = 0

    def adapter(self, key: str, *, guarded: bool) -> requests.adapters.HTTPAdapter:
        with self._lock:
            adapter = self._adapters.get((key, guarded))
            if adapter is None:
                adapter = GuardedAdapter() if guarded else requests.adapters.HTTPAdapter()
                self._adapters[(key, guarded)] = adapter
                self.created += 1
                while len(self._adapters) > self.size:
                    self._adapters.popitem(last=False)[1].close()
            self._adapters.move_to_end((key, guarded))
            return adapter

    def forget(self) -> None:
        """Drop every adapter without touching its sockets (they belong to the parent after a fork)."""
        self._adapters = OrderedDict()
        self._lock = threading.Lock()

    def close(self) -> None:
        with self._lock:
            for adapter in self._adapters.values():
                adapter.close()
            self._adapters.clear()


ADAPTERS = AdapterPool()
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=ADAPTERS.forget)


REDIRECTS = frozenset({301, 302, 303, 307, 308})
MAX_REDIRECTS = 5
# What a request keeps when a redirect leads to another origin (scheme, host or port): nothing that could
# carry a credential (Authorization, X-Shopify-Access-Token, X-Auth-Token, cookies, query keys ...).
CROSS_ORIGIN_HEADERS = frozenset({"accept", "accept-language", "content-type", "user-agent"})


@dataclass
class HttpStats:
    calls: int = 0
    retries: int = 0
    throttled: int = 0
    waited_seconds: float = 0.0
    by_method: dict[str, int] = field(default_factory=dict)


class HttpClient:
    def __init__(self, *, timeout: float = 30.0, max_retries: int = 5, backoff_base: float = 0.5,
                 backoff_cap: float = 30.0, limiter: RateLimiter | None = None, limiter_key: str = "",
                 policy: RatePolicy | None = None, allow_private: bool = True,
                 user_agent: str = "Cartmigrate/0.1 (+store migration)", pool_key: str = "") -> None:
        self.timeout = timeout
        self.max_retries = max_retries
        self.backoff_base = backoff_base
        self.backoff_cap = backoff_cap
        self.limiter = limiter
        self.limiter_key = limiter_key
        self.policy = policy
        self.allow_private = allow_private
        self.stats = HttpStats()
        self.session = requests.Session()
        # requests looks up proxy variables and ~/.netrc on every request (~0.4 ms of CPU each); a store's
        # credentials never come from .netrc, so the environment is read per request only where a proxy is set.
        self.session.trust_env = bool(requests.utils.getproxies())
        self.session.headers["User-Agent"] = user_agent
        self.pooled = bool(pool_key)
        if pool_key:
            adapter = ADAPTERS.adapter(pool_key, guarded=not allow_private)
        elif not allow_private:
            adapter = GuardedAdapter()
        else:
            adapter = None
        if adapter is not None:
            self.session.mount("http://", adapter)
            self.session.mount("https://", adapter)

    def close(self) -> None:
        """Close the client; a pooled client leaves its connections open for the next step."""
        if self.pooled:
            self.session.cookies.clear()
            return
        self.session.close()

    def _guard(self, url: str) -> None:
        """Refuse a malformed or non-http(s) URL before anything is sent; where private addresses are
        refused, the address itself is checked when the connection is made (GuardedAdapter)."""
        if not self.allow_private:
            check_url_is_wellformed(url)

    def _backoff(self, attempt: int) -> float:
        # Full jitter: a random wait up to the exponential ceiling, capped.
        return random.uniform(0, min(self.backoff_cap, self.backoff_base * (2 ** attempt)))

    @staticmethod
    def retry_after_seconds(response: requests.Response, default: float) -> float:
        value = response.headers.get("Retry-After")
        if not value:
            return default
        try:
            return max(0.0, float(value))
        except ValueError:
            pass
        try:
            return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
        except (TypeError, ValueError):
            return default

    def request(self, method: str, url: str, *, cost: float = 1.0, idempotent: bool | None = None,
                **kwargs: Any) -> requests.Response:
        """Send a request; retry what is worth retrying; return any other response for the caller to read.

        A request that is not idempotent (POST, PATCH; say `idempotent=True` for a read sent as POST) is
        retried only when the store provably did not take it: the connection was never made, or it answered
        429. After a timeout or a 5xx it may have been processed, so TransientError goes up and the engine
        reconciles by natural key instead of writing twice.

        Raises TransientError when the store stays unreachable or keeps failing, RateLimited when it
        keeps answering 429, UnsafeURLError for a forbidden address."""
        self._guard(url)
        kwargs.setdefault("timeout", self.timeout)
        safe = method.upper() in IDEMPOTENT_METHODS if idempotent is None else idempotent
        last_problem = ""
        for attempt in range(self.max_retries + 1):
            if self.limiter and self.policy:
                self.stats.waited_seconds += self.limiter.acquire(self.limiter_key, self.policy, cost)
            self.stats.calls += 1
            self.stats.by_method[method] = self.stats.by_method.get(method, 0) + 1
            sent = True
            try:
                response = self._send(method, url, kwargs)
            except requests.ConnectTimeout:
                sent, last_problem = False, f"could not connect within {kwargs['timeout']:.0f} s"
            except requests.Timeout:
                last_problem = f"no answer within {kwargs['timeout']:.0f} s"
            except requests.ConnectionError as exc:
                sent = not _never_connected(exc)
                last_problem = f"connection failed ({_short_reason(exc)})"
            else:
                if response.status_code == 429:
                    self.stats.throttled += 1
                    wait = min(self.retry_after_seconds(response, self._backoff(attempt)), 300.0)
                    last_problem = f"HTTP 429 Too Many Requests (asked to wait {wait:.1f} s)"
                    if attempt < self.max_retries:
                        logger.info("429 from %s, waiting %.1f s", mask_url(url), wait)
                        self._sleep(wait)
                        continue
                    raise RateLimited(f"The store keeps rate limiting us: {last_problem}.", url=mask_url(url),
                                      status=429, retry_after=wait)
                if response.status_code not in RETRY_STATUSES:
                    return response
                last_problem = f"HTTP {response.status_code} {response.reason}"
            if sent and not safe:
                raise TransientError(f"The store answered a write with: {last_problem}; it is checked before "
                                     "being sent again.", url=mask_url(url))
            if attempt < self.max_retries:
                wait = self._backoff(attempt)
                self.stats.retries += 1
                logger.info("%s %s: %s; retry %d in %.1f s", method, mask_url(url), last_problem, attempt + 1, wait)
                self._sleep(wait)
        tries = self.max_retries + 1
        plural = "try" if tries == 1 else "tries"
        raise TransientError(f"The store did not answer properly after {tries} {plural}: {last_problem}.",
                             url=mask_url(url))

    def _send(self, method: str, url: str, kwargs: dict[str, Any]) -> requests.Response:
        """One request. Redirects are followed here, never by requests: at most MAX_REDIRECTS hops, each
        checked by the guard, and a hop to another origin carries no credential (no auth, cookies, query
        parameters or headers beyond CROSS_ORIGIN_HEADERS)."""
        if kwargs.get("allow_redirects") is False:
            return self.session.request(method, url, **kwargs)
        kwargs = {**kwargs, "allow_redirects": False}
        origin = _origin(url)
        response = self.session.request(method, url, **kwargs)
        for _ in range(MAX_REDIRECTS):
            location = response.headers.get("Location")
            if response.status_code not in REDIRECTS or not location:
                return response
            url = urljoin(response.url or url, location)
            self._guard(url)
            kwargs.pop("params", None)  # the Location is the whole next URL
            if response.status_code == 303 or (response.status_code in (301, 302) and method.upper() == "POST"):
                method = "GET"
                kwargs = {k: v for k, v in kwargs.items() if k not in ("data", "json", "files")}
            if _origin(url) != origin:
                kwargs = {k: v for k, v in kwargs.items() if k not in ("auth", "cookies")}
                kwargs["headers"] = {k: v for k, v in (kwargs.get("headers") or {}).items()
                                     if k.lower() in CROSS_ORIGIN_HEADERS}
                kwargs["auth"] = _NoAuth()
            response.close()
            response = self.session.request(method, url, **kwargs)
        raise UnsafeURLError(f"More than {MAX_REDIRECTS} redirects from {mask_url(url)}.", url=mask_url(url))

    def _sleep(self, seconds: float) -> None:
        self.stats.waited_seconds += seconds
        time.sleep(seconds)


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    return parts.scheme, (parts.hostname or "").lower(), parts.port or (443 if parts.scheme == "https" else 80)


class _NoAuth(requests.auth.AuthBase):
    """No credentials at all: overrides the session's auth and the .netrc lookup requests would do."""

    def __call__(self, request):
        request.headers.pop("Authorization", None)
        return request


def _never_connected(exc: requests.ConnectionError) -> bool:
    """True when the TCP connection was never established, so the request cannot have been processed."""
    text = repr(exc)
    return any(marker in text for marker in ("NewConnectionError", "Connection refused", "Name or service not known",
                                             "Failed to resolve", "No route to host"))


def _short_reason(exc: Exception) -> str:
    """'[Errno 111] Connection refused' out of requests' nested exception text."""
    text = str(exc)
    match = re.search(r"\[Errno -?\d+\] [^'\")]+", text)
    if match:
        return match.group(0).strip()
    for marker in ("Name or service not known", "Connection refused", "timed out", "Connection reset"):
        if marker in text:
            return marker
    return text[:200]
