"""`make run` survives a killed worker (issue 13, finding 10): the Procfile wraps the worker in bin/restart-on-exit,
which starts it again, while honcho's stop (SIGTERM to the process group) still stops everything. Slow-ish: the
first test takes ~3 s, the second (a real Celery worker under honcho, on the test Redis) ~15 s."""
from __future__ import annotations

import os
import shlex
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]
WRAPPER = ROOT / "bin" / "restart-on-exit"


def _ppid(pid: int) -> int:
    try:
        return int((Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, IndexError, ValueError):
        return 0


def _children(pid: int) -> list[int]:
    return [int(e.name) for e in Path("/proc").iterdir() if e.name.isdigit() and _ppid(int(e.name)) == pid]


def _descendants(pid: int) -> list[int]:
    result, todo = [], [pid]
    while todo:
        for child in _children(todo.pop()):
            result.append(child)
            todo.append(child)
    return result


def _cmdline(pid: int) -> list[str]:
    try:
        return (Path("/proc") / str(pid) / "cmdline").read_bytes().decode(errors="replace").split("\0")
    except OSError:
        return []


def _alive(pid: int) -> bool:
    try:
        state = (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _wait_for(predicate, timeout: float, message: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out after {timeout:.0f} s: {message}")


def _stop_group(process: subprocess.Popen) -> int:
    """What honcho does on Ctrl-C: SIGTERM to the process group; SIGKILL if it is still there after 15 s."""
    os.killpg(process.pid, signal.SIGTERM)
    try:
        return process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
        raise AssertionError("did not stop on SIGTERM") from None


def test_restart_on_exit_restarts_a_killed_command_and_stops_with_its_group():
    wrapper = subprocess.Popen([str(WRAPPER), "sleep", "300"], start_new_session=True,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        first = _wait_for(lambda: [p for p in _children(wrapper.pid) if _cmdline(p)[:1] == ["sleep"]], 10,
                          "the command to start")[0]
        os.kill(first, signal.SIGKILL)
        second = _wait_for(lambda: [p for p in _children(wrapper.pid)
                                    if p != first and _cmdline(p) == ["sleep", "300", ""]], 10, "a restart")[0]
        assert wrapper.poll() is None
        assert _stop_group(wrapper) == 128 + signal.SIGTERM  # the command's own status, passed on
        assert not _alive(second)
    finally:
        if wrapper.poll() is None:
            os.killpg(wrapper.pid, signal.SIGKILL)
        wrapper.wait(timeout=10)


def test_restart_on_exit_stops_when_only_the_wrapper_is_told_to():
    wrapper = subprocess.Popen([str(WRAPPER), "sleep", "300"], start_new_session=True,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        child = _wait_for(lambda: _children(wrapper.pid), 10, "the command to start")[0]
        wrapper.send_signal(signal.SIGTERM)
        wrapper.wait(timeout=15)
        assert not _alive(child) and not _children(wrapper.pid)
    finally:
        if wrapper.poll() is None:
            os.killpg(wrapper.pid, signal.SIGKILL)
            wrapper.wait(timeout=10)


def _procfile_worker_command() -> str:
    for line in (ROOT / "Procfile").read_text().splitlines():
        name, _, command = line.partition(":")
        if name.strip() == "worker":
            return command.strip()
    raise AssertionError("the Procfile has no worker")


@pytest.mark.worker
def test_make_run_worker_comes_back_after_a_kill_and_honcho_keeps_running():
    """`honcho start worker` with the Procfile's worker entry: SIGKILL the Celery worker; honcho is still running
    and a new worker answers a ping on the broker."""
    from migrator.celery import app

    env = {
        **{k: v for k, v in os.environ.items() if k != "PYTEST_XDIST_WORKER"},
        "DJANGO_SETTINGS_MODULE": "migrator.settings.test",
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
        "MIGRATOR_REDIS_URL": settings.MIGRATOR_REDIS_URL,
        "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}",
        "PYTHONUNBUFFERED": "1",
    }
    name = f"restart-{os.getpid()}@{socket.gethostname()}"
    # A worker name of its own, so the ping below hears this worker only.
    command = f"{_procfile_worker_command()} --without-gossip --without-mingle -n {shlex.quote(name)}"
    procfile = Path(f"/tmp/cartmigrate-procfile-{os.getpid()}")
    procfile.write_text(f"worker: {command}\n")
    log = tempfile.TemporaryFile()  # noqa: SIM115 - closed below
    honcho = subprocess.Popen([sys.executable, "-m", "honcho", "-f", str(procfile), "-d", str(ROOT), "start"],
                              cwd=ROOT, env=env, start_new_session=True, stdout=log, stderr=subprocess.STDOUT)
    started: set[int] = set()

    def is_celery(pid: int) -> bool:
        argv = _cmdline(pid)
        return bool(argv) and (Path(argv[0]).name == "celery" or (len(argv) > 1 and Path(argv[1]).name == "celery"
                                                                  and Path(argv[0]).name.startswith("python")))

    def celery_mains() -> list[int]:
        """The worker's main process: a celery process whose parent (the wrapper) is not one (pool processes)."""
        return [p for p in _descendants(honcho.pid) if _alive(p) and is_celery(p) and not is_celery(_ppid(p))]

    try:
        first = _wait_for(lambda: app.control.ping(destination=[name], timeout=1) and celery_mains(), 60,
                          "the worker to start")[0]
        started.update(_descendants(honcho.pid))
        os.kill(first, signal.SIGKILL)
        _wait_for(lambda: not _alive(first), 10, "the killed worker to go")
        second = _wait_for(lambda: [p for p in celery_mains() if p != first], 30, "a new worker process")[0]
        assert honcho.poll() is None, "honcho stopped after the worker was killed"
        _wait_for(lambda: app.control.ping(destination=[name], timeout=1), 60, "the new worker to answer")
        assert honcho.poll() is None and _alive(second)
        started.update(_descendants(honcho.pid))
    finally:
        procfile.unlink(missing_ok=True)
        if honcho.poll() is None:
            honcho.send_signal(signal.SIGTERM)  # honcho stops its processes as on Ctrl-C
            try:
                honcho.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(honcho.pid, signal.SIGKILL)
                honcho.wait(timeout=10)
        log.seek(0)
        output = log.read().decode(errors="replace")
        log.close()
        leftovers = [p for p in started if _alive(p) and is_celery(p)]
        for pid in leftovers:
            os.kill(pid, signal.SIGKILL)
    assert honcho.returncode is not None and not leftovers, output[-3000:]
