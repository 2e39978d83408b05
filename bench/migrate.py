"""Benchmark: a full WooCommerce -> WooCommerce migration of a seeded sandbox store, through real Celery
workers, with the sandbox served by gunicorn in its own processes (as a remote store would be).

    .venv/bin/python bench/migrate.py --products 2000 --customers 2000 --orders 5000 [--workers 2]

Needs PostgreSQL and Redis (defaults below; override with DATABASE_URL / CELERY_BROKER_URL). Prints
seeding time, migration time, entities per second, API calls and the workers' peak memory (VmHWM).
It drops and recreates the benchmark database first.
"""
from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DB_NAME = "cartmigrate_bench"
os.environ.setdefault("DATABASE_URL", f"postgres://postgres@127.0.0.1:5432/{DB_NAME}")
os.environ.setdefault("CELERY_BROKER_URL", "redis://127.0.0.1:6379/12")
os.environ.setdefault("MIGRATOR_REDIS_URL", "redis://127.0.0.1:6379/11")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "migrator.settings.local")
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--products", type=int, default=200)
    parser.add_argument("--customers", type=int, default=200)
    parser.add_argument("--orders", type=int, default=500)
    parser.add_argument("--workers", type=int, default=2, help="Celery worker processes (concurrency 1 each)")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    subprocess.run(["dropdb", "-h", "127.0.0.1", "-U", "postgres", "--if-exists", DB_NAME], check=True)
    subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "postgres", DB_NAME], check=True)
    subprocess.run([sys.executable, "manage.py", "migrate", "-v", "0"], cwd=ROOT, check=True)

    import django

    port = free_port()
    site = f"http://127.0.0.1:{port}"
    os.environ["MIGRATOR_SITE_URL"] = site
    django.setup()
    from accounts.services import user_create
    from migrations_app.enums import FINISHED_RUN_STATUSES
    from migrations_app.models import EntityProgress, MigrationRun
    from migrations_app.services.runs import run_start
    from migrations_app.services.stores import store_check, store_create
    from migrations_app.services.wizard import migratable_entities, migration_create
    from migrator.celery import app
    from sandbox.services import sandbox_seed, sandbox_store_create, sandbox_store_describe

    app.control.purge()
    started = time.monotonic()
    source_sb = sandbox_store_create(platform="woocommerce", name="bench-source")
    sandbox_seed(source_sb, products=args.products, customers=args.customers, orders=args.orders, seed=args.seed)
    target_sb = sandbox_store_create(platform="woocommerce", name="bench-target")
    seeded = time.monotonic() - started

    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    log = open(ROOT / "var" / "bench.log", "w")  # noqa: SIM115
    web = subprocess.Popen([sys.executable, "-m", "gunicorn", "migrator.wsgi:application", "--bind",
                            f"127.0.0.1:{port}", "--workers", "2", "--threads", "4", "--log-level", "warning"],
                           cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    workers = [
        subprocess.Popen([sys.executable, "-m", "celery", "-A", "migrator", "worker", "--concurrency=1",
                          "--prefetch-multiplier=1", "--loglevel=WARNING", "-n", f"bench{i}@%h",
                          "--without-gossip", "--without-mingle"],
                         cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        for i in range(args.workers)
    ]
    try:
        import requests

        for _ in range(100):
            try:
                requests.get(site + "/", timeout=1)
                break
            except requests.RequestException:
                time.sleep(0.2)
        user = user_create(email="bench@example.com", password="bench-password-1")
        org = user.organizations.first()
        stores = []
        for sb in (source_sb, target_sb):
            info = sandbox_store_describe(sb, site_url=site)
            store = store_check(store=store_create(organization=org, platform="woocommerce", url=info["base_url"],
                                                   credentials=info["credentials"]))
            assert store.last_check_ok, store.last_check_error
            stores.append(store)
        entities = [str(e) for e in migratable_entities(source=stores[0], target=stores[1])]
        migration = migration_create(organization=org, user=user, source_store=stores[0], target_store=stores[1],
                                     entities=entities)
        t0 = time.monotonic()
        run = run_start(migration=migration, kind="full", user=user)
        while True:
            run.refresh_from_db()
            if run.status in FINISHED_RUN_STATUSES:
                break
            time.sleep(1)
        elapsed = time.monotonic() - t0
        progress = {p.entity: {"done": p.done, "failed": p.failed, "total": p.total}
                    for p in EntityProgress.objects.filter(run=run)}
        migrated = sum(p["done"] for p in progress.values())
        peak = max(peak_rss_mb(w.pid) for w in workers)
        result = {
            "status": run.status,
            "workers": args.workers,
            "seed_seconds": round(seeded, 1),
            "migration_seconds": round(elapsed, 1),
            "entities_migrated": migrated,
            "entities_per_second": round(migrated / elapsed, 1),
            "api_calls": MigrationRun.objects.get(pk=run.pk).api_calls,
            "worker_peak_rss_mb": round(peak, 1),
            "per_entity": progress,
        }
        print(json.dumps(result, indent=2))
    finally:
        for proc in [web, *workers]:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in [web, *workers]:
            proc.wait(timeout=30)


if __name__ == "__main__":
    main()
