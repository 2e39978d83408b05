"""Benchmark: does a worker's memory stay flat as the store grows? Products only, at several sizes.

    .venv/bin/python bench/scale.py [--sizes 1000,10000,100000] [--workers 2]

For each size: a fresh benchmark database, a WooCommerce sandbox store seeded with that many products (and
their categories), a full WooCommerce -> WooCommerce migration of categories and products through real
Celery workers, then one line with the seeding time, the migration time, products per second and the
workers' peak resident memory (VmHWM of the largest worker process). Last, the ratio of the largest size's
peak to the smallest's (the target: within 1.10). Needs PostgreSQL and Redis (bench/harness.py).
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time

from harness import (
    checked_stores,
    peak_rss_mb,
    progress_of,
    reset_database_and_setup_django,
    run_and_wait,
    serving,
)


def one_size(products: int, workers: int, seed: int) -> dict:
    site = reset_database_and_setup_django()
    from accounts.services import user_create
    from migrations_app.services.wizard import migration_create
    from sandbox.services import sandbox_seed, sandbox_store_create

    started = time.monotonic()
    source_sb = sandbox_store_create(platform="woocommerce", name="scale-source")
    sandbox_seed(source_sb, products=products, customers=0, orders=0, seed=seed)
    target_sb = sandbox_store_create(platform="woocommerce", name="scale-target")
    seeded = time.monotonic() - started
    with serving(site, workers=workers, log_name=f"scale-{products}.log") as procs:
        user = user_create(email=f"scale{products}@example.com", password="bench-password-1")
        org = user.organizations.first()
        source, target = checked_stores(org, site, source_sb, target_sb)
        migration = migration_create(organization=org, user=user, source_store=source, target_store=target,
                                     entities=["categories", "products"])
        run, elapsed = run_and_wait(migration, "full", user)
        peak = max(peak_rss_mb(p.pid) for p in procs)
    done = progress_of(run).get("products", {}).get("done", 0)
    return {"products": products, "status": run.status, "products_migrated": done,
            "seed_seconds": round(seeded, 1), "migration_seconds": round(elapsed, 1),
            "products_per_second": round(done / elapsed, 1), "worker_peak_rss_mb": round(peak, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)  # one size, in a process of its own
    args = parser.parse_args()
    if args.one:
        print(json.dumps(one_size(args.one, args.workers, args.seed)))
        return
    results = []
    for size in [int(s) for s in args.sizes.split(",")]:  # each size in a fresh process and a fresh database
        out = subprocess.run([sys.executable, __file__, "--one", str(size), "--workers", str(args.workers),
                              "--seed", str(args.seed)], check=True, capture_output=True, text=True).stdout
        results.append(json.loads(out.strip().splitlines()[-1]))
        print(json.dumps(results[-1]), flush=True)
    smallest, largest = results[0], results[-1]
    print(json.dumps({"peak_rss_ratio_largest_to_smallest":
                      round(largest["worker_peak_rss_mb"] / smallest["worker_peak_rss_mb"], 3)}))


if __name__ == "__main__":
    main()
