"""Shared set-up of the benchmarks: a fresh PostgreSQL database, the sandbox served by gunicorn in its own
processes (as a remote store would be), real Celery workers on Redis, and helpers to run and measure."""
from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DB_NAME = os.environ.get("BENCH_DB_NAME", "cartmigrate_bench")  # dropped and recreated by every run


def configure_environment() -> None:
    os.environ.setdefault("DATABASE_URL", f"postgres://postgres@127.0.0.1:5432/{DB_NAME}")
    # Not 14/13 nor the databases `make test` moves them to for its xdist workers (12/11, 10/9, ...: settings/test.py):
    # a bench beside the suite would share its broker, and each side would take the other's tasks.
    os.environ.setdefault("CELERY_BROKER_URL", "redis://127.0.0.1:6379/6")
    os.environ.setdefault("MIGRATOR_REDIS_URL", "redis://127.0.0.1:6379/5")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "migrator.settings.local")
    # As deployed (settings.production): with DEBUG on, Django would keep each worker's SQL statements in memory.
    os.environ.setdefault("DJANGO_DEBUG", "0")
    os.environ["MIGRATOR_EMAIL_VERIFICATION"] = "none"
    os.environ["EMAIL_URL"] = "dummymail://"
    os.environ["DJANGO_LOG_LEVEL"] = "WARNING"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def peak_rss_mb(pid: int) -> float:
    """Peak resident memory (VmHWM) of a process and its children, in MB (the largest one)."""
    pids = [pid] + [int(p) for p in subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True)
                    .stdout.split()]
    peaks = []
    for p in pids:
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    peaks.append(int(line.split()[1]) / 1024)
        except FileNotFoundError:
            pass
    return max(peaks or [0.0])


def reset_database_and_setup_django() -> str:
    """Drop and recreate the benchmark database, migrate, set Django up; returns the site URL to serve."""
    configure_environment()
    subprocess.run(["dropdb", "-h", "127.0.0.1", "-U", "postgres", "--if-exists", DB_NAME], check=True)
    subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "postgres", DB_NAME], check=True)
    subprocess.run([sys.executable, "manage.py", "migrate", "-v", "0"], cwd=ROOT, check=True)
    port = free_port()
    site = f"http://127.0.0.1:{port}"
    os.environ["MIGRATOR_SITE_URL"] = site
    import django

    django.setup()
    from migrator.celery import app

    app.control.purge()
    return site


METER_PREFIX = "cartmigrate:bench:shopify:"


class ShopifyMeter:
    """WSGI wrapper that watches the Shopify Admin GraphQL answers the sandbox gives (as a proxy in front of
    a store would) and adds up, in Redis: points actually spent (`actualQueryCost`), THROTTLED answers and
    requests. The benchmark reads them to report the budget efficiency; the connector is not involved."""

    def __init__(self, app, redis_url: str):
        import redis

        self.app = app
        self.redis = redis.Redis.from_url(redis_url)

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        if "/sandbox/shopify/" not in path or not path.endswith("/graphql.json"):
            return self.app(environ, start_response)
        body = b"".join(self.app(environ, start_response))
        with contextlib.suppress(ValueError, AttributeError, TypeError):
            import json

            answer = json.loads(body)
            cost = (answer.get("extensions") or {}).get("cost") or {}
            pipe = self.redis.pipeline()
            pipe.incr(METER_PREFIX + "requests")
            if cost.get("actualQueryCost") is not None:
                pipe.incrbyfloat(METER_PREFIX + "points", float(cost["actualQueryCost"]))
            if any((e.get("extensions") or {}).get("code") == "THROTTLED" for e in answer.get("errors") or []
                   if isinstance(e, dict)):
                pipe.incr(METER_PREFIX + "throttled")
            pipe.execute()
        return [body]


def metered_application():
    """gunicorn entry point (`harness:metered_application()`): the site wrapped in ShopifyMeter."""
    configure_environment()
    from migrator.wsgi import application

    return ShopifyMeter(application, os.environ["MIGRATOR_REDIS_URL"])


def sql_reset() -> None:
    import redis

    redis.Redis.from_url(os.environ["MIGRATOR_REDIS_URL"]).delete("cartmigrate:bench:sql")


def sql_statements() -> int:
    """SQL statements the workers sent since sql_reset() (counted by worker_meter.py; flushed every 200 and
    when a pool process stops, so read it after the workers stopped)."""
    import redis

    return int(redis.Redis.from_url(os.environ["MIGRATOR_REDIS_URL"]).get("cartmigrate:bench:sql") or 0)


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) of a process and every descendant, living or reaped, in seconds."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    todo = [pid]
    while todo:
        p = todo.pop()
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:
            continue
        total += sum(int(v) for v in fields[11:15]) / tick  # utime, stime, cutime, cstime
        todo += [int(c) for c in subprocess.run(["pgrep", "-P", str(p)], capture_output=True, text=True).stdout.split()]
    return total


def meter_reset() -> None:
    import redis

    client = redis.Redis.from_url(os.environ["MIGRATOR_REDIS_URL"])
    for name in ("requests", "points", "throttled"):
        client.delete(METER_PREFIX + name)


def meter_read() -> dict[str, float]:
    import redis

    client = redis.Redis.from_url(os.environ["MIGRATOR_REDIS_URL"])
    return {name: float(client.get(METER_PREFIX + name) or 0) for name in ("requests", "points", "throttled")}


def _wait_for_site(site: str) -> None:
    """Until the server answers (at most about 20 s)."""
    import requests

    for _ in range(100):
        try:
            requests.get(site + "/", timeout=1)
            return
        except requests.RequestException:
            time.sleep(0.2)


@contextlib.contextmanager
def serving(site: str, *, workers: int, extra_env: dict[str, str] | None = None, log_name: str = "bench.log",
            metered: bool = False, interactive_workers: int = 0):
    """gunicorn serving the site (sandbox included), `workers` Celery workers on every queue and
    `interactive_workers` on the interactive queue only (bin/worker's shape: with those, the others run at
    nice 10); yields the worker processes.
    With `metered`, the site is wrapped in ShopifyMeter."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1", **(extra_env or {}),
           "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT / "bench"), str(ROOT), os.environ.get("PYTHONPATH")]))}
    (ROOT / "var").mkdir(exist_ok=True)
    log = open(ROOT / "var" / log_name, "w")  # noqa: SIM115 - closed below
    port = site.rsplit(":", 1)[1]
    app = ["--pythonpath", str(ROOT / "bench"), "harness:metered_application()"] if metered else \
        ["migrator.wsgi:application"]
    web = subprocess.Popen([sys.executable, "-m", "gunicorn", *app, "--bind",
                            f"127.0.0.1:{port}", "--workers", "2", "--threads", "4", "--log-level", "warning"],
                           cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    procs = [
        subprocess.Popen([*(["nice", "-n", "10"] if interactive_workers and i < workers else []),
                          sys.executable, "-m", "celery", "-A", "worker_meter", "worker", "--concurrency=1",
                          "--prefetch-multiplier=1", "--loglevel=WARNING", "-n", f"bench{i}@%h",
                          "--without-gossip", "--without-mingle", *(["-Q", "interactive"] if i >= workers else [])],
                         cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        for i in range(workers + interactive_workers)
    ]
    try:
        _wait_for_site(site)
        yield procs
    finally:
        for proc in [web, *procs]:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in [web, *procs]:
            proc.wait(timeout=30)
        log.close()


@contextlib.contextmanager
def store_server(*, log_name: str = "store-server.log", nice: int = 0, workers: int = 1):
    """One more gunicorn serving the sandbox, on a port of its own: the stores of another owner, which in real
    life are other servers than the first owner's stores. `nice` > 0 stands in for those servers being other
    machines: their CPU is not ours, so here they only take what our processes leave. Yields its site URL."""
    port = free_port()
    site = f"http://127.0.0.1:{port}"
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    log = open(ROOT / "var" / log_name, "w")  # noqa: SIM115 - closed below
    web = subprocess.Popen([*(["nice", "-n", str(nice)] if nice else []), sys.executable, "-m", "gunicorn",
                            "migrator.wsgi:application", "--bind", f"127.0.0.1:{port}", "--workers", str(workers),
                            "--threads", "4", "--log-level", "warning"],
                           cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        _wait_for_site(site)
        yield site
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(web.pid, signal.SIGTERM)
        web.wait(timeout=30)
        log.close()


def checked_stores(org, site: str, *sandboxes, platform: str | None = None):
    """Stores for the sandbox stores, each on its own platform (or `platform` for all)."""
    from migrations_app.services.stores import store_check, store_create
    from sandbox.services import sandbox_store_describe

    stores = []
    for sb in sandboxes:
        info = sandbox_store_describe(sb, site_url=site)
        store = store_check(store=store_create(organization=org, platform=platform or sb.platform,
                                               url=info["base_url"],
                                               credentials=info["credentials"]))
        assert store.last_check_ok, store.last_check_error
        stores.append(store)
    return stores


def run_and_wait(migration, kind: str, user, params: dict | None = None):
    """Start a run and wait for it; returns (run, seconds)."""
    from migrations_app.enums import FINISHED_RUN_STATUSES
    from migrations_app.services.runs import run_start

    t0 = time.monotonic()
    run = run_start(migration=migration, kind=kind, user=user, params=params)
    while True:
        run.refresh_from_db()
        if run.status in FINISHED_RUN_STATUSES:
            return run, time.monotonic() - t0
        time.sleep(0.2)  # short runs (a demo takes seconds) are timed to a fifth of a second


def progress_of(run) -> dict:
    from migrations_app.models import EntityProgress

    return {p.entity: {"done": p.done, "failed": p.failed, "total": p.total, "created": p.created,
                       "updated": p.updated} for p in EntityProgress.objects.filter(run=run)}
