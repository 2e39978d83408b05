"""Opt-in: the kill soak (bench/kill_soak.py) as a test. Skipped unless KILL_SOAK is set; not part of `make test`
(it takes minutes: every kill costs up to the lease plus the reaper interval).

    KILL_SOAK=1 DATABASE_URL=postgres://postgres@127.0.0.1:5432/<db> CELERY_BROKER_URL=redis://127.0.0.1:6379/<a> \\
    MIGRATOR_REDIS_URL=redis://127.0.0.1:6379/<b> .venv/bin/pytest -n0 tests/engine/test_recovery_soak.py

It runs the soak in its own database, `<db>_soak` (dropped and recreated), on the test run's Redis databases.
KILL_SOAK_ARGS overrides the size (default: 60 products, 100 customers, 150 orders, 3 kills)."""
import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(not os.environ.get("KILL_SOAK"), reason="the kill soak runs only with KILL_SOAK=1")


def test_recovery_kill_soak_finds_no_duplicate_and_no_missing_record():
    base = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/cartmigrate").rsplit("/", 1)
    name = f"{base[1]}_soak"
    env = {**os.environ, "BENCH_DB_NAME": name, "DATABASE_URL": f"{base[0]}/{name}",
           "DJANGO_SETTINGS_MODULE": "migrator.settings.local"}
    args = shlex.split(os.environ.get("KILL_SOAK_ARGS",
                                      "--products 60 --customers 100 --orders 150 --kills 3 --gap 1 4"))
    done = subprocess.run([sys.executable, "bench/kill_soak.py", *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=3600)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-4000:]
