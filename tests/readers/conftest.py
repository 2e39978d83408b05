"""Third-party readers of the platforms' APIs, run unchanged against the sandbox stores.

Each reader lives in its own virtualenv under `.venv-readers/<reader>/`, made by `make readers` (part of
`make test`) from `tests/readers/<reader>.txt`. A missing virtualenv fails the test with the command to run,
it is never skipped. `tls_front` starts the local TLS front (tls_front.py) for readers that insist on
`https://<shop>.myshopify.com`.
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.readers.tls_front import start_tls_front

ROOT = Path(__file__).resolve().parents[2]
READERS = ROOT / ".venv-readers"
ARTIFACTS = ROOT / "test-artifacts" / "readers"


def reader_bin(reader: str, program: str) -> Path:
    """The reader's executable in its own virtualenv; fails with the command that makes it."""
    path = READERS / reader / "bin" / program
    if not path.exists():
        pytest.fail(f"{path} is missing: run `make readers` (it builds .venv-readers/{reader} from "
                    f"tests/readers/{reader}.txt)")
    return path


@pytest.fixture
def tls_front(live_server, tmp_path):
    """The TLS front to this test's live server; the environment a reader needs to go through it."""
    front = start_tls_front(site=live_server.url, folder=tmp_path)
    env = {**os.environ, "HTTPS_PROXY": front.proxy_url, "https_proxy": front.proxy_url,
           "SSL_CERT_FILE": str(front.ca_file), "REQUESTS_CA_BUNDLE": str(front.ca_file),
           "NO_PROXY": "127.0.0.1,localhost", "no_proxy": "127.0.0.1,localhost"}
    front.env = env
    yield front
    front.stop()
