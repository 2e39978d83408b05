"""Kill soak: a full WooCommerce -> WooCommerce migration of a seeded sandbox store through real Celery workers
(and a real beat running the reaper), while the workers are SIGKILLed at random moments (the whole worker:
main process and pool child, as when a machine or container dies) and restarted at once, N times. At the end
the source and the target are compared record by record, per entity: counts, duplicates on the target by
natural key, records missing on the target, and a content hash of every record (references compared
through the referenced records' natural keys, ids and dates left out).

    .venv/bin/python bench/kill_soak.py --products 1000 --customers 1500 --orders 2000 --kills 20 --overlap

(about 5,100 records: 1,000 products with their variations, 500 reviews, 50 categories, 10 coupons, 1,500
customers, 2,000 orders). Needs PostgreSQL and Redis (defaults in bench/harness.py; BENCH_DB_NAME names the
database, dropped and recreated first, default `cartmigrate_soak`). The recovery settings are the defaults
unless given (--lease, --renew, --reaper-interval, or MIGRATOR_* in the environment).

Without --overlap the next kill comes only after the previous one recovered (clean figures, but a run of
5,000 records lasts for about 10 kills); with it, every --gap seconds (mostly a worker in the middle of a step).
A kill is measured from the moment the worker is gone: for each entity whose lease the killed worker held,
until that entity's next committed page (its counters move, or it finishes): "recovery". A kill that hit a
worker holding no lease (idle, between steps, advancing or verifying the run) is listed apart with the
time until the run next made progress. Prints a summary table and a JSON line; exits 1 on any duplicate,
missing record, content difference, or a run that did not complete.
"""
from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal

os.environ.setdefault("BENCH_DB_NAME", "cartmigrate_soak")

from harness import (  # noqa: E402 - BENCH_DB_NAME is read when harness is imported
    ROOT,
    checked_stores,
    progress_of,
    reset_database_and_setup_django,
    serving,
)

POLL = 0.25
VOLATILE = {"source_id", "id", "updated_at", "created_at", "date_created", "date_modified", "extra"}
# Not the migration's to keep: WooCommerce sets an order's date_paid itself when the order is created paid
# (read-only in its REST API, like date_created; the engine's Check Result knows it too).
IGNORED = {"orders": {"paid_at"}}
NUMERIC = {"rate"}  # "10" and "10.0" are the same tax rate


# --- workers ----------------------------------------------------------------------------------------------
@dataclass
class Worker:
    name: str
    proc: subprocess.Popen
    started: float = field(default_factory=time.monotonic)

    def pids(self) -> set[int]:
        """The worker's main process and its pool children."""
        children = subprocess.run(["pgrep", "-P", str(self.proc.pid)], capture_output=True, text=True).stdout
        return {self.proc.pid, *(int(p) for p in children.split())}


class Fleet:
    """Celery worker processes (concurrency 1 each) and one beat, all started and stopped here."""

    def __init__(self, env: dict[str, str], log):
        self.env, self.log = env, log
        self.workers: list[Worker] = []
        self.generation = 0
        self.beat = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "migrator", "beat", "--loglevel=WARNING"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)

    def start(self, slot: int) -> Worker:
        self.generation += 1
        proc = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "migrator", "worker", "--concurrency=1",
             "--prefetch-multiplier=1", "--loglevel=WARNING", "-n", f"soak{slot}-{self.generation}@%h",
             "--without-gossip", "--without-mingle"],
            cwd=ROOT, env=self.env, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)
        worker = Worker(name=f"soak{slot}-{self.generation}", proc=proc)
        if slot < len(self.workers):
            self.workers[slot] = worker
        else:
            self.workers.append(worker)
        return worker

    def kill(self, slot: int) -> set[int]:
        """SIGKILL the whole worker (its process group); answers the pids that died."""
        worker = self.workers[slot]
        pids = worker.pids()
        with contextlib.suppress(ProcessLookupError):
            os.killpg(worker.proc.pid, signal.SIGKILL)
        worker.proc.wait(timeout=30)
        for pid in pids - {worker.proc.pid}:  # pool children die with the group; make sure they are gone
            for _ in range(40):
                if not os.path.exists(f"/proc/{pid}"):
                    break
                time.sleep(0.05)
        return pids

    def stop(self) -> None:
        procs = [w.proc for w in self.workers] + [self.beat]
        for proc in procs:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in procs:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)


# --- observing the run ------------------------------------------------------------------------------------
def entity_state(run_id) -> dict[str, dict]:
    from migrations_app.models import EntityProgress

    return {
        p["entity"]: {"moved": p["done"] + p["failed"] + p["skipped"], "status": p["status"],
                      "owner": p["lease_owner"]}
        for p in EntityProgress.objects.filter(run_id=run_id).values(
            "entity", "done", "failed", "skipped", "status", "lease_owner")
    }


def owner_pid(owner: str) -> int | None:
    """The pid in a lease owner `<task>@<host>:<pid>` (engine.lease_owner_id)."""
    try:
        return int(owner.rsplit(":", 1)[1])
    except (IndexError, ValueError):
        return None


def pick_victim(fleet: Fleet, state: dict[str, dict], rng: random.Random) -> int:
    """Mostly a worker in the middle of a step (holding a lease), sometimes any worker."""
    holders = {owner_pid(s["owner"]) for s in state.values() if s["status"] == "running" and s["owner"]}
    busy = [slot for slot, w in enumerate(fleet.workers) if w.pids() & holders]
    if busy and rng.random() < 0.8:
        return rng.choice(busy)
    return rng.randrange(len(fleet.workers))


@dataclass
class Kill:
    at: float  # monotonic, once the worker was gone
    phase: str
    held: dict[str, int]  # entity -> its counter at the kill
    recovered: dict[str, float] = field(default_factory=dict)  # entity -> seconds to its next committed page
    base_total: int = 0
    run_recovered: float | None = None  # a kill without a lease: seconds until the run moved again

    def pending(self) -> bool:
        return len(self.recovered) < len(self.held) or (not self.held and self.run_recovered is None)


def observe(kills: list[Kill], run_id, now: float) -> bool:
    """Note recoveries; answers whether the run is finished."""
    from migrations_app.enums import FINISHED_RUN_STATUSES
    from migrations_app.models import MigrationRun

    state = entity_state(run_id)
    total = sum(s["moved"] for s in state.values())
    run = MigrationRun.objects.filter(pk=run_id).values("status", "phase").get()
    for kill in kills:
        for entity, before in kill.held.items():
            if entity in kill.recovered:
                continue
            s = state[entity]
            if s["moved"] > before or s["status"] != "running":
                kill.recovered[entity] = now - kill.at
        if not kill.held and kill.run_recovered is None and (
                total > kill.base_total or run["phase"] != kill.phase or run["status"] in FINISHED_RUN_STATUSES):
            kill.run_recovered = now - kill.at
    return run["status"] in FINISHED_RUN_STATUSES


# --- comparing the stores ---------------------------------------------------------------------------------
def _canonical(value):
    if isinstance(value, dict):
        return {k: (str(Decimal(v).normalize()) if k in NUMERIC and isinstance(v, str) and v else _canonical(v))
                for k, v in sorted(value.items()) if k not in VOLATILE}
    if isinstance(value, list):
        return sorted((_canonical(v) for v in value), key=lambda v: json.dumps(v, sort_keys=True, default=str))
    return value


def read_store(store, entities: list[str]) -> dict[str, list]:
    from connectors.entities import EntityType
    from migrations_app.services.connections import connector_for

    connector = connector_for(store=store)
    try:
        out = {}
        for entity in entities:
            items = []
            for page in connector.read(EntityType(entity)):
                if page.errors:
                    raise SystemExit(f"unreadable {entity} on {store.url}: {[e.message for e in page.errors][:3]}")
                items.extend(page.items)
            out[entity] = items
        return out
    finally:
        connector.http.close()


def fingerprints(records: dict[str, list]) -> dict[str, list[tuple[str, str, dict]]]:
    """entity -> [(natural key, content hash, compared content)], references replaced by the natural keys
    they point at."""
    from connectors.entities import VARIANTS
    from migrations_app.services.values import iter_ref_values

    keys: dict[str, dict[str, str]] = {e: {i.source_id: i.natural_key() or "" for i in items}
                                       for e, items in records.items()}
    keys[VARIANTS] = {v.source_id: v.sku or json.dumps(sorted(v.option_values.items()))
                      for item in records.get("products", []) for v in getattr(item, "variants", [])}
    out: dict[str, list[tuple[str, str]]] = {}
    for entity, items in records.items():
        rows = []
        for item in items:
            data = item.model_dump(mode="json")
            for path, ref_entity in type(item).REFS.items():
                for container, key, value in list(iter_ref_values(data, path)):
                    if value:
                        container[key] = "ref:" + keys.get(str(ref_entity), {}).get(str(value), f"?{value}")
            natural = item.natural_key() or ""
            extra = data.get("extra") or {}
            source_number = extra.get("source_number") or next(
                (v["source_number"] for v in extra.values() if isinstance(v, dict) and v.get("source_number")), None)
            if entity == "orders" and source_number:  # a WooCommerce target keeps the source's number in meta
                data["number"] = natural = str(source_number)
            if entity == "reviews":  # its key names the product by id: use the product's key instead
                natural = f"{data['product_id']}|{natural.split('|', 1)[1]}"
            content = _canonical({k: v for k, v in data.items() if k not in IGNORED.get(entity, ())})
            digest = hashlib.sha256(json.dumps(content, sort_keys=True, default=str).encode()).hexdigest()
            rows.append((natural, digest, content))
        out[entity] = rows
    return out


def compare(source: dict[str, list], target: dict[str, list]) -> dict[str, dict]:
    src, tgt = fingerprints(source), fingerprints(target)
    report = {}
    for entity in source:
        s_keys = Counter(k for k, _, _ in src[entity])
        t_keys = Counter(k for k, _, _ in tgt[entity])
        s_hash = {k: h for k, h, _ in src[entity]}
        t_hash = {k: h for k, h, _ in tgt[entity]}
        differing = [k for k in s_keys if k in t_keys and s_hash[k] != t_hash[k]]
        if differing:  # name the fields of the first difference, to tell a real loss from a normalisation
            s_content = {k: c for k, _, c in src[entity]}[differing[0]]
            t_content = {k: c for k, _, c in tgt[entity]}[differing[0]]
            fields = sorted(f for f in set(s_content) | set(t_content) if s_content.get(f) != t_content.get(f))
            print(f"{entity} {differing[0]!r} differs in {fields}: "
                  f"{[(f, s_content.get(f), t_content.get(f)) for f in fields][:3]}"[:1500])
        report[entity] = {
            "source": len(src[entity]), "target": len(tgt[entity]),
            "duplicates": sum(n - 1 for n in t_keys.values() if n > 1),
            "missing": sum(1 for k in s_keys if k not in t_keys),
            "extra": sum(1 for k in t_keys if k not in s_keys),
            "different": len(differing),
            "source_hash": hashlib.sha256("".join(sorted(h for _, h, _ in src[entity])).encode()).hexdigest()[:12],
            "target_hash": hashlib.sha256("".join(sorted(h for _, h, _ in tgt[entity])).encode()).hexdigest()[:12],
        }
    return report


def percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


# --- the soak -------------------------------------------------------------------------------------------
def main() -> int:  # noqa: C901, PLR0915 - one scenario, read top to bottom
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--products", type=int, default=1000)
    parser.add_argument("--customers", type=int, default=1500)
    parser.add_argument("--orders", type=int, default=2000)
    parser.add_argument("--kills", type=int, default=20)
    parser.add_argument("--workers", type=int, default=2, help="Celery worker processes (concurrency 1 each)")
    parser.add_argument("--gap", type=float, nargs=2, default=(2.0, 12.0), metavar=("MIN", "MAX"),
                        help="seconds of work between a recovery and the next kill (uniform)")
    parser.add_argument("--overlap", action="store_true",
                        help="kill again `--gap` after the previous kill, without waiting for its recovery "
                             "(more kills per run; recoveries overlap)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--lease", type=int, help="MIGRATOR_LEASE_SECONDS for the workers")
    parser.add_argument("--renew", type=float, help="MIGRATOR_LEASE_RENEW_SECONDS for the workers")
    parser.add_argument("--reaper-interval", type=int, help="MIGRATOR_REAPER_INTERVAL_SECONDS for the beat")
    parser.add_argument("--timeout", type=float, default=7200, help="give up after this many seconds")
    args = parser.parse_args()
    rng = random.Random(args.seed)

    for name, value in (("MIGRATOR_LEASE_SECONDS", args.lease), ("MIGRATOR_LEASE_RENEW_SECONDS", args.renew),
                        ("MIGRATOR_REAPER_INTERVAL_SECONDS", args.reaper_interval)):
        if value is not None:
            os.environ[name] = str(value)
    site = reset_database_and_setup_django()
    from django.conf import settings

    from accounts.services import user_create
    from migrations_app.models import MigrationRun
    from migrations_app.services.runs import run_start
    from migrations_app.services.wizard import migratable_entities, migration_create
    from sandbox.services import sandbox_seed, sandbox_store_create

    t0 = time.monotonic()
    source_sb = sandbox_store_create(platform="woocommerce", name="soak-source")
    seeded = sandbox_seed(source_sb, products=args.products, customers=args.customers, orders=args.orders,
                          seed=args.seed)
    target_sb = sandbox_store_create(platform="woocommerce", name="soak-target")
    print(f"seeded in {time.monotonic() - t0:.0f} s: {seeded}", flush=True)

    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    log = open(ROOT / "var" / "kill_soak.log", "w")  # noqa: SIM115 - closed below
    kills: list[Kill] = []
    with serving(site, workers=0, log_name="kill_soak_web.log"):
        fleet = Fleet(env, log)
        try:
            for slot in range(args.workers):
                fleet.start(slot)
            user = user_create(email="soak@example.com", password="soak-password-1")
            org = user.organizations.first()
            source, target = checked_stores(org, site, source_sb, target_sb)
            entities = [str(e) for e in migratable_entities(source=source, target=target)]
            migration = migration_create(organization=org, user=user, source_store=source, target_store=target,
                                         entities=entities)
            started = time.monotonic()
            run = run_start(migration=migration, kind="full", user=user)
            next_kill = started + rng.uniform(*args.gap)
            finished = was_busy = False
            while not finished and time.monotonic() - started < args.timeout:
                now = time.monotonic()
                finished = observe(kills, run.pk, now)
                busy = any(k.pending() for k in kills)
                if was_busy and not busy:  # the last kill is recovered: some work before the next one
                    next_kill = now + rng.uniform(*args.gap)
                was_busy = busy
                if not finished and len(kills) < args.kills and (args.overlap or not busy) and now >= next_kill:
                    slot = pick_victim(fleet, entity_state(run.pk), rng)
                    pids = fleet.kill(slot)
                    gone = time.monotonic()
                    state = entity_state(run.pk)
                    phase = MigrationRun.objects.filter(pk=run.pk).values_list("phase", flat=True).get()
                    held = {e: s["moved"] for e, s in state.items()
                            if s["status"] == "running" and owner_pid(s["owner"]) in pids}
                    kills.append(Kill(at=gone, phase=phase, held=held,
                                      base_total=sum(s["moved"] for s in state.values())))
                    fleet.start(slot)  # a supervisor brings it back at once
                    if args.overlap:
                        next_kill = time.monotonic() + rng.uniform(*args.gap)
                    print(f"kill {len(kills):2d} at {gone - started:6.1f} s ({phase}): "
                          f"{', '.join(held) or 'no lease held'}", flush=True)
                    was_busy = True
                time.sleep(POLL)
            elapsed = time.monotonic() - started
            run.refresh_from_db()
        finally:
            fleet.stop()
            log.close()
        source_records = read_store(source, entities)
        target_records = read_store(target, entities)

    report = compare(source_records, target_records)
    recoveries = [s for k in kills for s in k.recovered.values()]
    unrecovered = sum(len(k.held) - len(k.recovered) for k in kills)
    idle = [k.run_recovered for k in kills if not k.held and k.run_recovered is not None]
    progress = progress_of(run)

    print()
    print(f"{'entity':<12}{'source':>8}{'target':>8}{'dupl.':>7}{'missing':>9}{'extra':>7}{'diff.':>7}"
          f"{'failed':>8}  hashes (source / target)")
    for entity, r in report.items():
        print(f"{entity:<12}{r['source']:>8}{r['target']:>8}{r['duplicates']:>7}{r['missing']:>9}{r['extra']:>7}"
              f"{r['different']:>7}{progress.get(entity, {}).get('failed', 0):>8}  "
              f"{r['source_hash']} / {r['target_hash']}")
    records = sum(r["source"] for r in report.values())
    print(f"\nrecords {records}, run {run.status} in {elapsed:.0f} s, kills {len(kills)} "
          f"({sum(1 for k in kills if k.held)} holding a lease, {len(recoveries)} entity recoveries, "
          f"{unrecovered} never recovered)")
    if recoveries:
        print(f"recovery (kill -> the entity's next committed page): p50 {percentile(recoveries, 0.5):.1f} s, "
              f"p95 {percentile(recoveries, 0.95):.1f} s, max {max(recoveries):.1f} s")
    if idle:
        print(f"kills without a lease (kill -> the run moved again): p50 {percentile(idle, 0.5):.1f} s, "
              f"max {max(idle):.1f} s")
    print(f"settings: lease {settings.MIGRATOR_LEASE_SECONDS} s, renew {settings.MIGRATOR_LEASE_RENEW_SECONDS} s, "
          f"reaper every {settings.MIGRATOR_REAPER_INTERVAL_SECONDS} s, "
          f"stale run {settings.MIGRATOR_HEARTBEAT_STALE_SECONDS} s, workers {args.workers}")
    bad = sum(r["duplicates"] + r["missing"] + r["extra"] + r["different"] for r in report.values())
    result = {
        "records": records, "kills": len(kills), "status": run.status, "seconds": round(elapsed),
        "duplicates": sum(r["duplicates"] for r in report.values()),
        "missing": sum(r["missing"] for r in report.values()),
        "different": sum(r["different"] for r in report.values()),
        "recovery_p50": percentile(recoveries, 0.5), "recovery_p95": percentile(recoveries, 0.95),
        "recovery_max": max(recoveries, default=None), "unrecovered": unrecovered,
        "verification": {k: run.verification.get(k) for k in ("mismatches", "duplicates", "missing")
                         if isinstance(run.verification, dict)},
        "per_entity": report,
    }
    print(json.dumps(result, default=str))
    completed = run.status in ("completed", "completed_with_errors")
    return 0 if completed and bad == 0 and unrecovered == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
