"""Benchmark: does the check after a run keep a flat memory as the stores grow? The check alone, at sizes a full
migration bench takes hours to reach here.

    .venv/bin/python bench/check_scale.py [--sizes 1000,10000,100000]

For each size: a fresh benchmark database; two WooCommerce sandbox stores seeded alike (same seed: the same
categories and products under the same ids), the target standing for what a full migration of the source left;
a full run of categories and products whose id map pairs each record with its copy; then, in a process of its
own, the check after that run (`run_verify`, what a worker runs when a run ends: counts, counts per language,
duplicates, orphans, records missing on the target, a sample compared field by field) over real HTTP, and one
line with its time, its verdict and the process's peak resident memory (VmHWM). Last, the ratio of the
largest size's peak to the smallest's. `bench/scale.py` measures the whole migration the same way.
Needs PostgreSQL and Redis (bench/harness.py).
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

from harness import checked_stores, configure_environment, reset_database_and_setup_django, serving


def one_size(products: int, seed: int) -> dict:
    site = reset_database_and_setup_django()
    from django.utils import timezone

    from accounts.services import user_create
    from migrations_app.models import EntityProgress, IdMap, MigrationRun
    from migrations_app.services.wizard import migration_create
    from sandbox.models import SandboxRecord
    from sandbox.services import sandbox_seed, sandbox_store_create

    started = time.monotonic()
    stores = []
    for name in ("check-source", "check-target"):
        store = sandbox_store_create(platform="woocommerce", name=name)
        sandbox_seed(store, products=products, customers=0, orders=0, seed=seed)
        stores.append(store)
    seeded = time.monotonic() - started
    with serving(site, workers=0, log_name=f"check-scale-{products}.log"):
        user = user_create(email=f"check{products}@example.com", password="bench-password-1")
        org = user.organizations.first()
        source, target = checked_stores(org, site, *stores)
        entities = ["categories", "products"]
        migration = migration_create(organization=org, user=user, source_store=source, target_store=target,
                                     entities=entities)
        run = MigrationRun.objects.create(organization=org, migration=migration, kind="full", status="completed",
                                          started_at=timezone.now(), finished_at=timezone.now())
        for position, entity in enumerate(entities):
            ids = list(SandboxRecord.objects.filter(store=stores[0], resource=entity, lang__in=["", "en"])
                       .values_list("record_id", flat=True))
            EntityProgress.objects.create(organization=org, run=run, entity=entity, position=position,
                                          total=len(ids), done=len(ids), status="done")
            IdMap.objects.bulk_create([IdMap(organization=org, migration=migration, entity=entity,
                                             source_id=str(i), target_id=str(i), state="done") for i in ids],
                                      batch_size=5000)
        out = subprocess.run([sys.executable, __file__, "--check", str(run.pk)], check=True, capture_output=True,
                             text=True, env={**os.environ}).stdout
    return {"products": products, "seed_seconds": round(seeded, 1), **json.loads(out.strip().splitlines()[-1])}


def check(run_id: str) -> dict:
    """The check after the run, in this process (as a worker runs it), and this process's peak memory."""
    configure_environment()
    import django

    django.setup()
    from migrations_app.models import MigrationRun
    from migrations_app.services.verify import run_verify

    run = MigrationRun.objects.get(pk=run_id)
    started = time.monotonic()
    report = run_verify(run=run)
    elapsed = time.monotonic() - started
    peak = next(int(line.split()[1]) / 1024 for line in Path("/proc/self/status").read_text().splitlines()
                if line.startswith("VmHWM:"))
    return {"check_seconds": round(elapsed, 1), "verdict": report["verdict"], "problems": report["problems"],
            "target_products": report["entities"]["products"]["target_count"],
            "check_peak_rss_mb": round(peak, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)  # one size, in a process of its own
    parser.add_argument("--check", help=argparse.SUPPRESS)  # the check of one run, in a process of its own
    args = parser.parse_args()
    if args.check:
        print(json.dumps(check(args.check)))
        return
    if args.one:
        print(json.dumps(one_size(args.one, args.seed)))
        return
    results = []
    for size in [int(s) for s in args.sizes.split(",")]:
        out = subprocess.run([sys.executable, __file__, "--one", str(size), "--seed", str(args.seed)],
                             check=True, capture_output=True, text=True).stdout
        results.append(json.loads(out.strip().splitlines()[-1]))
        print(json.dumps(results[-1]), flush=True)
    print(json.dumps({"check_peak_rss_ratio_largest_to_smallest":
                      round(results[-1]["check_peak_rss_mb"] / results[0]["check_peak_rss_mb"], 3)}))


if __name__ == "__main__":
    main()
