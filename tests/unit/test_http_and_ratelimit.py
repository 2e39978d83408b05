"""HttpClient against a real local HTTP server; rate limiter against real Redis."""
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.conf import settings

from connectors.errors import RateLimited, TransientError, UnsafeURLError
from connectors.http import HttpClient, check_url_is_public, mask_url
from connectors.ratelimit import LocalRateLimiter, RatePolicy, RedisRateLimiter


class Script(BaseHTTPRequestHandler):
    answers: list[tuple[int, dict]] = []
    seen: list[str] = []
    headers_seen: list[dict] = []

    def do_GET(self):  # noqa: N802
        type(self).seen.append(self.path)
        type(self).headers_seen.append({k.lower(): v for k, v in self.headers.items()})
        status, headers = type(self).answers.pop(0) if type(self).answers else (200, {})
        self.send_response(status)
        for k, v in headers.items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args):
        pass

    do_POST = do_GET  # noqa: N815 - http.server's hook name


@pytest.fixture
def server():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Script)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    Script.answers, Script.seen, Script.headers_seen = [], [], []
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


def test_http_retries_5xx_then_succeeds(server):
    Script.answers = [(503, {}), (502, {}), (200, {})]
    client = HttpClient(max_retries=3, backoff_base=0.01, backoff_cap=0.02)
    assert client.request("GET", server + "/x").status_code == 200
    assert client.stats.calls == 3 and client.stats.retries == 2


def test_http_honours_retry_after_on_429(server):
    Script.answers = [(429, {"Retry-After": "1"}), (200, {})]
    client = HttpClient(max_retries=2, backoff_base=0.01)
    started = time.monotonic()
    assert client.request("GET", server + "/x").status_code == 200
    assert time.monotonic() - started >= 0.95
    assert client.stats.throttled == 1


def test_http_gives_up_with_the_url_and_reason(server):
    Script.answers = [(500, {})] * 3
    client = HttpClient(max_retries=2, backoff_base=0.01, backoff_cap=0.02)
    with pytest.raises(TransientError) as info:
        client.request("GET", server + "/x?consumer_secret=cs_abc")
    assert "HTTP 500" in info.value.message
    assert "cs_abc" not in str(info.value) and "/x" in info.value.url


def test_http_persistent_429_raises_rate_limited(server):
    Script.answers = [(429, {"Retry-After": "0"})] * 2
    with pytest.raises(RateLimited):
        HttpClient(max_retries=1).request("GET", server + "/x")


def test_http_guard_refuses_private_addresses():
    with pytest.raises(UnsafeURLError, match="private or local"):
        HttpClient(allow_private=False).request("GET", "http://127.0.0.1:9/")
    with pytest.raises(UnsafeURLError):
        check_url_is_public("ftp://example.com/")


def test_mask_url_hides_secret_query_values():
    masked = mask_url("http://s/wp-json/wc/v3/products?consumer_key=ck_1&consumer_secret=cs_2&page=3")
    assert "ck_1" not in masked and "cs_2" not in masked and "page=3" in masked


@pytest.mark.parametrize("limiter_factory", [LocalRateLimiter, lambda: RedisRateLimiter(settings.MIGRATOR_REDIS_URL)])
def test_rate_limiter_spends_burst_then_waits_for_refill(limiter_factory):
    limiter = limiter_factory()
    key = f"test:{time.monotonic_ns()}"
    policy = RatePolicy(rate=20.0, capacity=5.0)
    started = time.monotonic()
    for _ in range(5):
        assert limiter.acquire(key, policy) == 0
    waited = sum(limiter.acquire(key, policy) for _ in range(4))
    assert waited > 0.1
    assert time.monotonic() - started >= 0.15


def test_redis_rate_limiter_is_shared_between_instances():
    key = f"shared:{time.monotonic_ns()}"
    policy = RatePolicy(rate=1.0, capacity=2.0)
    a, b = RedisRateLimiter(settings.MIGRATOR_REDIS_URL), RedisRateLimiter(settings.MIGRATOR_REDIS_URL)
    assert a._try_take(key, policy, 1) == 0
    assert b._try_take(key, policy, 1) == 0
    assert a._try_take(key, policy, 1) > 0  # the bucket both draw from is empty


def test_http_does_not_resend_a_write_the_store_may_have_processed(server):
    Script.answers = [(500, {}), (200, {})]
    client = HttpClient(max_retries=3, backoff_base=0.01)
    with pytest.raises(TransientError, match="HTTP 500"):
        client.request("POST", server + "/batch", json={"create": []})
    assert Script.seen == ["/batch"]  # sent once: the engine reconciles by natural key instead


def test_http_resends_a_write_refused_with_429_or_marked_idempotent(server):
    Script.answers = [(429, {"Retry-After": "0"}), (503, {}), (200, {})]
    client = HttpClient(max_retries=3, backoff_base=0.01)
    assert client.request("POST", server + "/batch", idempotent=True).status_code == 200
    assert len(Script.seen) == 3


def test_http_retries_a_write_whose_connection_was_never_made():
    client = HttpClient(max_retries=1, backoff_base=0.01)
    with pytest.raises(TransientError, match="after 2 tries"):
        client.request("POST", "http://127.0.0.1:9/batch")
    assert client.stats.calls == 2


@pytest.mark.parametrize("url", ["http://[::1", "http://a:99999/", "http://127.0.0.1:8102:80/", "http://[::1]:abc/",
                                 "http://" + "a" * 300 + ".com/", "http://user:pw@shop.example/"])
def test_malformed_store_urls_are_refused_with_a_message_not_an_exception(url):
    from connectors.http import check_url_is_wellformed

    with pytest.raises(UnsafeURLError, match="not a valid"):
        check_url_is_wellformed(url)
    with pytest.raises(UnsafeURLError, match="not a valid"):
        check_url_is_public(url)


@pytest.mark.parametrize("address", ["100.100.100.200", "100.64.0.1", "169.254.169.254", "10.1.2.3", "0.0.0.0",
                                     "[::ffff:127.0.0.1]", "[fd00::1]", "192.0.2.10"])
def test_the_guard_refuses_every_address_that_is_not_global(address):
    with pytest.raises(UnsafeURLError, match="private or local"):
        check_url_is_public(f"http://{address}/latest/meta-data/")


def test_a_redirect_to_a_private_address_is_refused_before_it_is_followed(server, monkeypatch):
    """The first URL passes the guard (here: the test pretends 127.0.0.1 is public); its redirect to
    `localhost` is checked on its own and refused, and never requested."""
    import connectors.http as http

    real = http.public_addresses
    monkeypatch.setattr(http, "public_addresses", lambda host, port, url="": (
        socket.getaddrinfo(host, port, type=socket.SOCK_STREAM) if host == "127.0.0.1" else real(host, port, url=url)))
    port = server.rsplit(":", 1)[1]
    Script.answers = [(302, {"Location": f"http://localhost:{port}/internal"})]
    with pytest.raises(UnsafeURLError, match="private or local"):
        HttpClient(allow_private=False).request("GET", server + "/start")
    assert Script.seen == ["/start"]

    Script.answers, Script.seen = [(301, {"Location": "/moved"}), (200, {})], []
    assert HttpClient(allow_private=False).request("GET", server + "/start").status_code == 200
    assert Script.seen == ["/start", "/moved"]

    Script.answers, Script.seen = [(302, {"Location": "/again"})] * 7, []
    with pytest.raises(UnsafeURLError, match="More than 5 redirects"):
        HttpClient(allow_private=False).request("GET", server + "/start")
    assert len(Script.seen) == 6


def test_the_address_checked_is_the_address_connected_to(monkeypatch):
    """DNS rebinding: a name that first resolves to a public address, then to 127.0.0.1. The guard must
    connect to the address it checked, never resolve again and reach the private one."""
    import urllib3.util.connection

    answers = iter(["93.184.215.14"])
    real_getaddrinfo = socket.getaddrinfo

    def getaddrinfo(host, port, *args, **kwargs):
        if host == "rebind.example":
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (next(answers, "127.0.0.1"), port))]
        return real_getaddrinfo(host, port, *args, **kwargs)

    reached = []

    def create_connection(address, *args, **kwargs):
        reached.append(socket.getaddrinfo(address[0], address[1])[0][4][0])
        raise ConnectionRefusedError(111, "Connection refused")

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    monkeypatch.setattr(urllib3.util.connection, "create_connection", create_connection)
    with pytest.raises(TransientError, match="refused"):
        HttpClient(allow_private=False, max_retries=0).request("GET", "http://rebind.example/wp-json/")
    assert reached == ["93.184.215.14"]


def test_a_redirect_to_another_origin_carries_no_credentials(server):
    """A store that redirects elsewhere (another host name, scheme or port) must not receive the token,
    the basic auth or the query keys; a redirect on the same origin keeps them."""
    port = server.rsplit(":", 1)[1]
    secret_headers = {"X-Shopify-Access-Token": "shpat_secret", "X-Auth-Token": "bc_secret",
                      "Accept": "application/json"}
    Script.answers = [(302, {"Location": f"http://localhost:{port}/elsewhere"}), (200, {})]
    HttpClient().request("GET", server + "/start", headers=secret_headers, auth=("ck_key", "cs_secret"),
                         params={"consumer_key": "ck_key", "consumer_secret": "cs_secret"})
    first, second = Script.headers_seen
    assert first["x-shopify-access-token"] == "shpat_secret" and "authorization" in first
    assert "consumer_secret=cs_secret" in Script.seen[0]
    assert Script.seen[1] == "/elsewhere"
    assert not {"x-shopify-access-token", "x-auth-token", "authorization", "cookie"} & set(second), second
    assert second["accept"] == "application/json"

    Script.answers, Script.seen, Script.headers_seen = [(307, {"Location": "/same"}), (200, {})], [], []
    HttpClient().request("GET", server + "/start", headers=secret_headers, auth=("ck_key", "cs_secret"))
    assert Script.headers_seen[1]["x-shopify-access-token"] == "shpat_secret"
    assert "authorization" in Script.headers_seen[1]
