"""Fair sharing through real Celery workers on Redis (README, "Fair sharing"): every step of a demo goes to
the interactive queue, every step of a full migration to the default one. A worker that consumes only the
interactive queue (one per unit of scale, bin/worker) finishes a demo while a full migration waits for a
worker of the default queue."""
import time

import pytest

from accounts.services import user_create
from migrations_app.enums import RunStatus
from migrations_app.services.runs import run_start

from .helpers import make_migration, wait_finished

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.worker]


def test_fair_sharing_a_demo_runs_on_the_interactive_lane_alone(woo_store_factory, start_worker):
    owner = user_create(email="lanes@shop.example", password="a-long-password-1")
    other = user_create(email="big@shop.example", password="a-long-password-1")
    demo_migration = make_migration(owner, woo_store_factory("lane-src", products=12, customers=12, orders=12, seed=2),
                                    woo_store_factory("lane-dst"))
    long_migration = make_migration(other, woo_store_factory("long-src", products=5, customers=5, seed=3),
                                    woo_store_factory("long-dst"))
    interactive = start_worker("interactive", queues="interactive")
    full = run_start(migration=long_migration, kind="full", user=other)
    demo = run_start(migration=demo_migration, kind="demo", user=owner)

    wait_finished(demo, timeout=180, workers=[interactive])
    assert demo.status == RunStatus.COMPLETED, demo.error_message
    time.sleep(2)  # had the full run been on the interactive queue, it would have started by now
    full.refresh_from_db()
    assert full.status == RunStatus.QUEUED

    everything = start_worker("runs")  # a worker on every queue, as bin/worker's "runs"
    wait_finished(full, timeout=180, workers=[everything])
    assert full.status == RunStatus.COMPLETED, full.error_message
