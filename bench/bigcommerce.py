"""Benchmark: a full BigCommerce -> Shopify migration of a seeded sandbox store through real Celery workers (the
sandbox under gunicorn in its own processes), printing each store's budget efficiency side by side:

- BigCommerce: requests the store answered during the run / (quota per window x elapsed seconds / window),
  counted by the sandbox itself (its `quota_usage`), with the 429s it answered;
- Shopify: points actually spent / (elapsed seconds x restore rate), measured by harness.ShopifyMeter.

    BENCH_DB_NAME=cartmigrate_bench_bc .venv/bin/python bench/bigcommerce.py --products 40 --customers 12 --orders 45
    [--quota 150 --window-ms 30000] [--workers 2]

Needs PostgreSQL and Redis (defaults in bench/harness.py). It drops and recreates the benchmark database first.
"""
from __future__ import annotations

import argparse
import json

from harness import meter_read, meter_reset, progress_of, reset_database_and_setup_django, run_and_wait, serving


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--products", type=int, default=40)
    parser.add_argument("--customers", type=int, default=12)
    parser.add_argument("--orders", type=int, default=45)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--quota", type=int, default=150, help="BigCommerce: requests per window (Standard: 150)")
    parser.add_argument("--window-ms", type=int, default=30000)
    parser.add_argument("--restore-rate", type=float, default=100.0, help="Shopify store: points per second")
    parser.add_argument("--bucket-size", type=float, default=2000.0, help="Shopify store: bucket size")
    args = parser.parse_args()

    site = reset_database_and_setup_django()
    from accounts.services import user_create
    from migrations_app.services.stores import store_check, store_create
    from migrations_app.services.wizard import migratable_entities, migration_create
    from sandbox.bigcommerce.quota import quota_usage
    from sandbox.services import (
        sandbox_seed,
        sandbox_store_create,
        sandbox_store_describe,
        sandbox_store_set_rate_limit,
        sandbox_store_set_throttle,
    )

    source_sb = sandbox_store_create(platform="bigcommerce", name="bench-bc")
    sandbox_seed(source_sb, products=args.products, customers=args.customers, orders=args.orders, seed=1)
    sandbox_store_set_rate_limit(source_sb, quota=args.quota, window_ms=args.window_ms)
    target_sb = sandbox_store_create(platform="shopify", name="bench-shop")
    sandbox_store_set_throttle(target_sb, restore_rate=args.restore_rate, bucket_size=args.bucket_size)

    with serving(site, workers=args.workers, metered=True):
        user = user_create(email="bench@example.com", password="bench-password-1")
        org = user.organizations.first()
        stores = []
        for sb in (source_sb, target_sb):
            info = sandbox_store_describe(sb, site_url=site)
            credentials = {k: v for k, v in info["credentials"].items() if k != "client_id"}
            store = store_check(store=store_create(organization=org, platform=sb.platform, url=info["base_url"],
                                                   credentials=credentials))
            assert store.last_check_ok, store.last_check_error
            stores.append(store)
        source, target = stores
        entities = [str(e) for e in migratable_entities(source=source, target=target)]
        migration = migration_create(organization=org, user=user, source_store=source, target_store=target,
                                     entities=entities)
        meter_reset()
        before = quota_usage(source_sb)
        run, elapsed = run_and_wait(migration, "full", user)
        after = quota_usage(source_sb)
        meter = meter_read()
    spent = after["granted"] - before["granted"]
    available = args.quota * elapsed / (args.window_ms / 1000)
    progress = progress_of(run)
    print(json.dumps({
        "status": run.status, "migration_seconds": round(elapsed, 1),
        "entities_migrated": sum(p["done"] for p in progress.values()), "per_entity": progress,
        "bigcommerce": {"requests": spent, "quota_available": round(available), "http_429": after["refused"] -
                        before["refused"], "budget_efficiency": round(spent / available, 3),
                        "quota": f"{args.quota} per {args.window_ms} ms"},
        "shopify": {"points_spent": round(meter["points"]), "graphql_requests": int(meter["requests"]),
                    "throttled_answers": int(meter["throttled"]),
                    "budget_efficiency": round(meter["points"] / (elapsed * args.restore_rate), 3)},
    }, indent=2))


if __name__ == "__main__":
    main()
