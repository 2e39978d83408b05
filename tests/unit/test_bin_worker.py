"""bin/worker, one unit of scale: a worker on every queue (at a lower CPU priority) and one on the
interactive queue only; SIGTERM stops both, and when either dies the unit exits for its orchestrator to
restart it (README, "Fair sharing")."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

from .test_restart_on_exit import _children, _cmdline, _wait_for

ROOT = Path(__file__).resolve().parents[2]


def _nice(pid: int) -> int:
    return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[16])


def _start() -> subprocess.Popen:
    env = {
        **{k: v for k, v in os.environ.items() if k != "PYTEST_XDIST_WORKER"},
        "DJANGO_SETTINGS_MODULE": "migrator.settings.test",
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
        "MIGRATOR_REDIS_URL": settings.MIGRATOR_REDIS_URL,
        "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}",
        "WORKER_CONCURRENCY": "1",
    }
    return subprocess.Popen([str(ROOT / "bin" / "worker"), "--without-gossip", "--without-mingle",
                             "--loglevel=WARNING"], cwd=ROOT, env=env, start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _mains(unit: subprocess.Popen) -> dict[str, int]:
    """The two celery main processes of the unit, by node name prefix (runs, interactive)."""
    found = {}
    for pid in _children(unit.pid):  # bin/worker's own children; their pool processes carry the same argv
        argv = _cmdline(pid)
        if "-n" in argv and any(Path(a).name == "celery" for a in argv[:3]):
            found[argv[argv.index("-n") + 1].split("@")[0]] = pid
    return found


@pytest.mark.worker
def test_bin_worker_runs_both_lanes_and_stops_as_a_unit():
    from migrator.celery import app

    host = socket.gethostname()
    unit = _start()
    try:
        _wait_for(lambda: len(app.control.ping(destination=[f"runs@{host}", f"interactive@{host}"], timeout=1)) == 2,
                  90, "both workers of the unit to answer")
        queues = {name: {q["name"] for q in qs} for name, qs in
                  (app.control.inspect(destination=[f"runs@{host}", f"interactive@{host}"], timeout=2)
                   .active_queues() or {}).items()}
        assert queues == {f"runs@{host}": {"celery", "interactive"}, f"interactive@{host}": {"interactive"}}
        mains = _mains(unit)
        assert _nice(mains["runs"]) > _nice(mains["interactive"])

        os.kill(mains["interactive"], signal.SIGKILL)  # one of the two dies: the unit exits
        unit.wait(timeout=30)
        _wait_for(lambda: not _mains(unit) or all(not Path(f"/proc/{p}").exists() for p in _mains(unit).values()),
                  30, "the other worker to stop")
    finally:
        if unit.poll() is None:
            os.killpg(unit.pid, signal.SIGKILL)
            unit.wait(timeout=10)


@pytest.mark.worker
def test_bin_worker_sigterm_stops_both():
    from migrator.celery import app

    host = socket.gethostname()
    unit = _start()
    try:
        _wait_for(lambda: len(app.control.ping(destination=[f"runs@{host}", f"interactive@{host}"], timeout=1)) == 2,
                  90, "both workers of the unit to answer")
        mains = list(_mains(unit).values())
        unit.send_signal(signal.SIGTERM)
        assert unit.wait(timeout=30) is not None
        _wait_for(lambda: all(not Path(f"/proc/{p}").exists() for p in mains), 30, "both workers to stop")
    finally:
        if unit.poll() is None:
            os.killpg(unit.pid, signal.SIGKILL)
            unit.wait(timeout=10)
