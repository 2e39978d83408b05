"""Login throttling holds across processes (issue 13, finding 7): allauth keeps its failed-login counters in the
cache, so the cache must be shared. Two separate Django servers (two processes, the test settings, the test
database and the test Redis) take wrong passwords in turn; the lockout comes at allauth's limit counted over
both, not per process. Takes ~10 s."""
from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from allauth.account import app_settings as allauth_settings
from allauth.core.internal.ratelimit import parse_rates
from django.conf import settings

from tests.factories import PASSWORD, UserFactory
from tests.fixtures.worker import _database_url

pytestmark = pytest.mark.django_db(transaction=True)  # the servers read the user from the database

ROOT = Path(__file__).resolve().parents[2]
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def two_servers():
    env = {
        **{k: v for k, v in os.environ.items() if k != "PYTEST_XDIST_WORKER"},  # URLs below are already moved
        "DJANGO_SETTINGS_MODULE": "migrator.settings.test",
        "DATABASE_URL": _database_url(),
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
        "MIGRATOR_REDIS_URL": settings.MIGRATOR_REDIS_URL,
    }
    servers = []
    for _ in range(2):
        port = _free_port()
        process = subprocess.Popen([sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"],
                                   cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        servers.append((process, f"http://127.0.0.1:{port}"))
    try:
        for process, url in servers:
            deadline = time.monotonic() + 60
            while True:
                assert process.poll() is None, "a server exited"
                try:
                    requests.get(f"{url}/accounts/login/", timeout=5)
                    break
                except requests.ConnectionError:
                    assert time.monotonic() < deadline, f"{url} did not start"
                    time.sleep(0.25)
        yield [url for _, url in servers]
    finally:
        for process, _ in servers:
            process.terminate()
            process.wait(timeout=15)


def _login(base_url: str, email: str, password: str) -> bool:
    """One sign-in through the login form in a fresh browser session: True when it signs in."""
    with requests.Session() as session:
        page = session.get(f"{base_url}/accounts/login/", timeout=10)
        token = CSRF.search(page.text).group(1)
        answer = session.post(f"{base_url}/accounts/login/", timeout=10, allow_redirects=False,
                              data={"login": email, "password": password, "csrfmiddlewaretoken": token})
        assert answer.status_code in (200, 302, 429), answer.status_code
        return answer.status_code == 302 and "sessionid" in session.cookies


def _failed_login_limit() -> int:
    """allauth's failed-login limit per address (ACCOUNT_RATE_LIMITS["login_failed"], the `key` rate)."""
    rates = parse_rates(allauth_settings.RATE_LIMITS["login_failed"])
    return next(rate.amount for rate in rates if rate.per == "key")


def test_login_lockout_counts_failures_across_processes(two_servers):
    user = UserFactory()
    limit = _failed_login_limit()
    assert limit >= 2
    servers = two_servers * limit

    for url in servers[: limit - 1]:  # one short of the limit, spread over both servers
        assert not _login(url, user.email, "wrong password")
    assert _login(servers[limit - 1], user.email, PASSWORD), "locked out before the limit"

    assert not _login(servers[limit], user.email, "wrong password")  # the limit-th failure
    # Each server alone has seen about half of the failures; together they have seen the limit.
    for url in two_servers:
        assert not _login(url, user.email, PASSWORD), f"{url} let the right password in past the lockout"
