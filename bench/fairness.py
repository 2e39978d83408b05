"""Benchmark: is one organization's demo held back by other organizations' long migrations?

    .venv/bin/python bench/fairness.py [--products 2000] [--big-runs 2] [--workers 2] [--interactive 1]
                                       [--one-store-server | --stores-share-cpu]

Organization B runs a free demo twice: once on idle workers, once while `--big-runs` other organizations
each run a full WooCommerce -> WooCommerce migration of `--products` products that keep every worker busy.
Prints the times (`--repeat` demos each way, each into a target store of its own) and the ratio of their
medians (the target: at most 1.5). `--interactive 0` shows the old shape (one
queue, first come first served) for comparison. Workers: `--workers` on every queue (concurrency 1 each)
plus `--interactive` on the interactive queue only, as bin/worker runs them. Needs PostgreSQL and Redis
(bench/harness.py); drops and recreates the benchmark database.

Where the stores live: on a real deployment every store is another machine, so the big runs' stores cost
our workers nothing but waiting. On this one machine they share our cores, so by default the big runs'
stores have a server of their own at nice 19 (their CPU is not ours: they only take what our processes
leave), B's stores a server of their own at normal priority (B's demo waits on them, as it would on its
real stores). `--stores-share-cpu` runs the big runs' stores at normal priority instead; `--one-store-server`
serves every store from the product's own server, as before.
"""
from __future__ import annotations

import argparse
import contextlib
import json
import statistics
import time

from harness import checked_stores, reset_database_and_setup_django, run_and_wait, serving, store_server


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--products", type=int, default=2000)
    parser.add_argument("--big-runs", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--interactive", type=int, default=1)
    parser.add_argument("--demo-size", type=int, default=30, help="products, customers and orders of B's store")
    parser.add_argument("--repeat", type=int, default=3, help="demos timed on idle and on busy workers (medians)")
    parser.add_argument("--no-step-aside", action="store_true",
                        help="long runs do not step aside for interactive runs (MIGRATOR_YIELD_SECONDS=0)")
    parser.add_argument("--one-store-server", action="store_true",
                        help="serve every store from the product's own server (by default B's stores and the "
                             "big runs' stores have servers of their own, as other owners' stores are other servers)")
    parser.add_argument("--stores-share-cpu", action="store_true",
                        help="run the big runs' store server at normal priority (by default nice 19, standing in "
                             "for stores that are other machines)")
    args = parser.parse_args()

    site = reset_database_and_setup_django()
    from accounts.services import user_create
    from migrations_app.enums import RunStatus
    from migrations_app.models import MigrationRun
    from migrations_app.services.runs import run_cancel, run_start
    from migrations_app.services.wizard import migratable_entities, migration_create
    from sandbox.services import sandbox_seed, sandbox_store_create

    started = time.monotonic()
    sandboxes = {}
    for name, size in [("demo-src", args.demo_size)] + [(f"big{i}-src", args.products) for i in range(args.big_runs)]:
        sandboxes[name] = sandbox_store_create(platform="woocommerce", name=name)
        sandbox_seed(sandboxes[name], products=size, customers=size if name == "demo-src" else 0,
                     orders=size if name == "demo-src" else 0, seed=len(sandboxes))
    demo_targets = [f"demo-dst-{state}-{n}" for state in ("idle", "busy") for n in range(args.repeat)]
    for name in demo_targets + [f"big{i}-dst" for i in range(args.big_runs)]:
        sandboxes[name] = sandbox_store_create(platform="woocommerce", name=name)
    seeded = time.monotonic() - started

    def migration_of(email: str, source: str, target: str, at: str = site):
        user = user_create(email=email, password="bench-password-1")
        org = user.organizations.first()
        src, dst = checked_stores(org, at, sandboxes[source], sandboxes[target])
        entities = [str(e) for e in migratable_entities(source=src, target=dst)]
        return user, migration_create(organization=org, user=user, source_store=src, target_store=dst,
                                      entities=entities)

    own_servers = not args.one_store_server
    with serving(site, workers=args.workers, interactive_workers=args.interactive, log_name="fairness.log",
                 extra_env={"MIGRATOR_YIELD_SECONDS": "0"} if args.no_step_aside else None), \
            (store_server() if own_servers else contextlib.nullcontext(site)) as b_site, \
            (store_server(log_name="big-stores.log", nice=0 if args.stores_share_cpu else 19, workers=2)
             if own_servers else contextlib.nullcontext(site)) as big_site:
        b_user, first_demo = migration_of("b@example.com", "demo-src", "demo-dst-idle-0", b_site)
        b_org = b_user.organizations.first()

        def demo_migration(target: str):
            src, dst = checked_stores(b_org, b_site, sandboxes["demo-src"], sandboxes[target])
            return migration_create(organization=b_org, user=b_user, source_store=src, target_store=dst,
                                    entities=list(first_demo.entities))

        idle_demos = [first_demo] + [demo_migration(f"demo-dst-idle-{n}") for n in range(1, args.repeat)]
        busy_demos = [demo_migration(f"demo-dst-busy-{n}") for n in range(args.repeat)]
        idle = [run_and_wait(demo, "demo", b_user) for demo in idle_demos]

        big_runs = []
        for i in range(args.big_runs):
            user, migration = migration_of(f"big{i}@example.com", f"big{i}-src", f"big{i}-dst", big_site)
            big_runs.append(run_start(migration=migration, kind="full", user=user))
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:  # wait until the long runs really hold the workers
            if MigrationRun.objects.filter(pk__in=[r.pk for r in big_runs], status=RunStatus.RUNNING,
                                           progress__done__gt=0).distinct().count() == len(big_runs):
                break
            time.sleep(0.5)
        busy = [run_and_wait(demo, "demo", b_user) for demo in busy_demos]
        still_running = MigrationRun.objects.filter(pk__in=[r.pk for r in big_runs], status=RunStatus.RUNNING).count()
        for run in big_runs:
            run.refresh_from_db()
            if run.is_active:
                run_cancel(run=run)

    print(json.dumps({
        "seed_seconds": round(seeded, 1),
        "workers": args.workers, "interactive_workers": args.interactive, "big_runs": args.big_runs,
        "long_runs_step_aside": not args.no_step_aside,
        "b_stores_on_their_own_server": own_servers,
        "big_runs_stores_nice": (0 if args.stores_share_cpu else 19) if own_servers else None,
        "products_per_big_run": args.products,
        "demo_idle_seconds": [round(seconds, 1) for _, seconds in idle],
        "demo_busy_seconds": [round(seconds, 1) for _, seconds in busy],
        "demo_statuses": sorted({run.status for run, _ in idle + busy}),
        "ratio_of_medians": round(statistics.median(s for _, s in busy) / statistics.median(s for _, s in idle), 2),
        "big_runs_still_running_when_demo_ended": still_running,
    }, indent=2))


if __name__ == "__main__":
    main()
