"""Connections to a store are kept between the steps of a run (connectors.http.ADAPTERS), per store."""
import os
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from connectors.http import ADAPTERS, AdapterPool, HttpClient


class KeepAlive(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    connections = 0
    cookies_seen: list[str] = []

    def setup(self):
        type(self).connections += 1
        super().setup()

    def do_GET(self):  # noqa: N802
        type(self).cookies_seen.append(self.headers.get("Cookie", ""))
        body = b"{}"
        self.send_response(200)
        if self.path == "/login":
            self.send_header("Set-Cookie", "session=owner-a; Path=/")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), KeepAlive)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    KeepAlive.connections, KeepAlive.cookies_seen = 0, []
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    ADAPTERS.close()


def step(url: str, key: str, calls: int = 3) -> None:
    """What one engine step does with a store: build a client, send a few requests, close it."""
    client = HttpClient(pool_key=key)
    for _ in range(calls):
        assert client.request("GET", url + "/x").status_code == 200
    client.close()


def test_steps_of_one_store_reuse_one_connection(server):
    for _ in range(4):
        step(server, "store:1")
    assert KeepAlive.connections == 1


def test_stores_never_share_a_connection(server):
    step(server, "store:1")
    step(server, "store:2")
    step(server, "store:1")
    assert KeepAlive.connections == 2


def test_a_client_without_a_key_opens_and_closes_its_own(server):
    step(server, "")
    step(server, "")
    assert KeepAlive.connections == 2


def test_cookies_do_not_outlive_the_client(server):
    client = HttpClient(pool_key="store:1")
    client.request("GET", server + "/login")
    client.request("GET", server + "/x")
    client.close()
    step(server, "store:1", calls=1)
    assert KeepAlive.cookies_seen == ["", "session=owner-a", ""]


def test_the_least_recently_used_store_is_closed_beyond_the_size(server):
    pool = AdapterPool(size=2)
    first = pool.adapter("store:1", guarded=False)
    pool.adapter("store:2", guarded=False)
    assert pool.adapter("store:1", guarded=False) is first
    pool.adapter("store:3", guarded=False)  # store:2 is the least recently used now
    assert pool.adapter("store:1", guarded=False) is first
    assert pool.created == 3
    pool.adapter("store:2", guarded=False)
    assert pool.created == 4


def test_a_forked_child_starts_without_the_parents_connections(server):
    step(server, "store:1")
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: a new connection of its own, never the parent's socket
        try:
            inherited = len(ADAPTERS._adapters)
            step(server, "store:1", calls=1)
            os.write(write, str(inherited).encode())
        finally:
            os._exit(0)
    os.waitpid(pid, 0)
    assert int(os.read(read, 16)) == 0
    assert KeepAlive.connections == 2
    step(server, "store:1", calls=1)  # the parent's connection is still its own
    assert KeepAlive.connections == 2


class Recorder(KeepAlive):
    seen: list[tuple[str, str]] = []

    def do_GET(self):  # noqa: N802
        type(self).seen.append((self.path, self.headers.get("Authorization", "")))
        super().do_GET()


def test_no_netrc_credential_reaches_a_store_and_a_configured_proxy_still_carries_requests(tmp_path, monkeypatch):
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    Recorder.seen = []
    port = httpd.server_address[1]
    (tmp_path / ".netrc").write_text("machine 127.0.0.1 login someone password secret-of-another-tool\n")
    monkeypatch.setenv("NETRC", str(tmp_path / ".netrc"))
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    try:
        HttpClient().request("GET", f"http://127.0.0.1:{port}/direct")
        monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{port}")  # the proxy gets the absolute URL
        monkeypatch.setenv("NO_PROXY", "")
        HttpClient().request("GET", "http://store.example.test/through-proxy")
    finally:
        httpd.shutdown()
    assert Recorder.seen[0] == ("/direct", "")
    assert Recorder.seen[1][0] == "http://store.example.test/through-proxy"
