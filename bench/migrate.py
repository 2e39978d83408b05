"""Benchmark: a full WooCommerce -> WooCommerce (or -> Shopify) migration of a seeded sandbox store, through
real Celery workers, with the sandbox served by gunicorn in its own processes (as a remote store would be).

    .venv/bin/python bench/migrate.py --products 2000 --customers 2000 --orders 5000 [--workers 2]
    .venv/bin/python bench/migrate.py --target shopify --products 2000 [--entities categories,products]
    .venv/bin/python bench/migrate.py --source shopify --products 2000 [--customers 200 --orders 500]

With `--target shopify` the target is a Shopify sandbox store with Standard-plan throttling (100 points/s,
bucket 2000; `--restore-rate` / `--bucket-size` change it) and the run also prints products per hour, the
THROTTLED answers and the budget efficiency: points actually spent / (elapsed seconds x restore rate),
measured on the server side by a meter in front of the sandbox (harness.ShopifyMeter). With `--source shopify`
the source is a seeded Shopify sandbox store under the same throttling (target WooCommerce) and the run
prints records read per hour and the THROTTLED answers (large entities are read with bulk queries).

Needs PostgreSQL and Redis (defaults in bench/harness.py; override with DATABASE_URL / CELERY_BROKER_URL).
Prints seeding time, migration time, entities per second, API calls, the workers' peak memory (VmHWM),
their CPU time per migrated entity and the SQL statements they sent per migrated entity (worker_meter.py).
It drops and recreates the benchmark database first.
"""
from __future__ import annotations

import argparse
import json
import time

from harness import (
    checked_stores,
    cpu_seconds,
    meter_read,
    meter_reset,
    peak_rss_mb,
    progress_of,
    reset_database_and_setup_django,
    run_and_wait,
    serving,
    sql_reset,
    sql_statements,
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--products", type=int, default=200)
    parser.add_argument("--customers", type=int, default=200)
    parser.add_argument("--orders", type=int, default=500)
    parser.add_argument("--workers", type=int, default=2, help="Celery worker processes (concurrency 1 each)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--source", choices=("woocommerce", "shopify"), default="woocommerce")
    parser.add_argument("--target", choices=("woocommerce", "shopify"), default="woocommerce")
    parser.add_argument("--entities", default="", help="comma-separated entities (default: all migratable)")
    parser.add_argument("--restore-rate", type=float, default=100.0, help="Shopify store: points per second")
    parser.add_argument("--bucket-size", type=float, default=2000.0, help="Shopify store: bucket size")
    args = parser.parse_args()
    shopify = args.target == "shopify"
    shopify_source = args.source == "shopify"
    if shopify and shopify_source:
        parser.error("one side at most is a Shopify store")

    site = reset_database_and_setup_django()
    from accounts.services import user_create
    from migrations_app.services.wizard import migratable_entities, migration_create
    from sandbox.services import sandbox_seed, sandbox_store_create

    started = time.monotonic()
    source_sb = sandbox_store_create(platform=args.source, name="bench-source")
    sandbox_seed(source_sb, products=args.products, customers=args.customers, orders=args.orders, seed=args.seed)
    target_sb = sandbox_store_create(platform=args.target, name="bench-target")
    metered_sb = target_sb if shopify else source_sb if shopify_source else None
    if metered_sb is not None:
        from sandbox.services import sandbox_store_set_throttle

        sandbox_store_set_throttle(metered_sb, restore_rate=args.restore_rate, bucket_size=args.bucket_size)
    seeded = time.monotonic() - started

    with serving(site, workers=args.workers, metered=metered_sb is not None) as workers:
        user = user_create(email="bench@example.com", password="bench-password-1")
        org = user.organizations.first()
        source, target = checked_stores(org, site, source_sb, target_sb)
        entities = [str(e) for e in migratable_entities(source=source, target=target)]
        if args.entities:
            entities = [e for e in entities if e in args.entities.split(",")]
        migration = migration_create(organization=org, user=user, source_store=source, target_store=target,
                                     entities=entities)
        if metered_sb is not None:
            from sandbox.models import SandboxStore

            SandboxStore.objects.filter(pk=metered_sb.pk).update(throttle_available=None, throttle_updated=None)
            meter_reset()
        sql_reset()
        cpu_before = sum(cpu_seconds(w.pid) for w in workers)
        run, elapsed = run_and_wait(migration, "full", user)
        worker_cpu = sum(cpu_seconds(w.pid) for w in workers) - cpu_before
        progress = progress_of(run)
        migrated = sum(p["done"] for p in progress.values())
        result = {
            "status": run.status,
            "workers": args.workers,
            "seed_seconds": round(seeded, 1),
            "migration_seconds": round(elapsed, 1),
            "entities_migrated": migrated,
            "entities_per_second": round(migrated / elapsed, 1),
            "api_calls": run.api_calls,
            "worker_peak_rss_mb": round(max(peak_rss_mb(w.pid) for w in workers), 1),
            "per_entity": progress,
        }
        if shopify or shopify_source:
            meter = meter_read()
            figures = {"throttled_answers": int(meter["throttled"]), "graphql_requests": int(meter["requests"]),
                       "points_spent": round(meter["points"]), "restore_rate": args.restore_rate}
            if shopify:
                products = progress.get("products", {}).get("done", 0)
                result["shopify"] = {"products_per_hour": round(products / elapsed * 3600), **figures,
                                     "budget_efficiency": round(meter["points"] / (elapsed * args.restore_rate), 3)}
            if shopify_source:
                result["shopify_source"] = {"records_per_hour": round(migrated / elapsed * 3600), **figures}
    # Read once the workers stopped: each pool process flushes its count when it stops.
    result["worker_cpu_seconds"] = round(worker_cpu, 1)
    result["worker_cpu_ms_per_entity"] = round(worker_cpu * 1000 / max(migrated, 1), 2)
    result["sql_statements"] = sql_statements()
    result["sql_statements_per_entity"] = round(result["sql_statements"] / max(migrated, 1), 2)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
