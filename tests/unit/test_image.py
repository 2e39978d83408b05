"""The Docker image starts as its unprivileged user with a read-only app directory (issue 13, finding 11).

No Docker engine is needed: the test lays out what the Dockerfile builds (its COPY lines into an app directory
owned by root, its ENV, its build-time collectstatic run as root) and then runs, as the Dockerfile's USER, the
production settings' import, `check --deploy`, gunicorn serving a page and a static file, and a Celery worker.
Paths the image's ENV names outside /app are its writable places: they point at a directory owned by that user.
Takes ~15 s."""
from __future__ import annotations

import os
import pwd
import shlex
import shutil
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
import requests
from cryptography.fernet import Fernet
from django.conf import settings

from tests.fixtures.worker import _database_url

ROOT = Path(__file__).resolve().parents[2]
WORKDIR = "/app"


def _dockerfile() -> tuple[list[tuple[str, str]], dict[str, str], list[str], str]:
    """(COPY source/destination pairs, ENV, RUN commands, USER) of the Dockerfile."""
    lines, current = [], ""
    for raw in (ROOT / "Dockerfile").read_text().splitlines():
        if not current and (not raw.strip() or raw.lstrip().startswith("#")):
            continue
        current += raw.rstrip().removesuffix("\\") + " "
        if not raw.rstrip().endswith("\\"):
            lines.append(current.strip())
            current = ""
    copies, env, runs, user = [], {}, [], "root"
    for line in lines:
        instruction, _, rest = line.partition(" ")
        instruction = instruction.upper()
        if instruction == "COPY":
            *sources, destination = [w for w in shlex.split(rest) if not w.startswith("--")]
            copies += [(source, destination) for source in sources]
        elif instruction == "ENV":
            env.update(word.split("=", 1) for word in shlex.split(rest))
        elif instruction == "RUN":
            runs.append(rest)
        elif instruction == "USER":
            user = rest.strip()
    return copies, env, runs, user


def _blocked_ancestor(path: Path, uid: int, gid: int) -> Path | None:
    """The first directory on the way to `path` that the user cannot traverse (mode bits only)."""
    for directory in [*reversed(path.parents), path]:
        st = directory.stat()
        bit = stat.S_IXUSR if st.st_uid == uid else stat.S_IXGRP if st.st_gid == gid else stat.S_IXOTH
        if not st.st_mode & bit:
            return directory
    return None


def _as_user(user: str, stage: Path) -> list[str]:
    """The command prefix that runs the rest as `user`.

    The image's Python lives in /usr/local; this machine's may live under a directory the user cannot enter
    (pyenv under /root, 0700). Then the command runs in a private mount namespace where that directory is an empty
    tmpfs holding only the interpreter's installation and the virtualenv, bind-mounted as they are."""
    entry = pwd.getpwnam(user)
    if shutil.which("setpriv"):
        switch = ["setpriv", f"--reuid={entry.pw_uid}", f"--regid={entry.pw_gid}", "--clear-groups", "--"]
    else:
        switch = ["runuser", "-u", user, "--"]
    needed = {Path(sys.base_prefix).resolve(), Path(sys.prefix).resolve()}
    hidden = {p: b for p in needed if (b := _blocked_ancestor(p, entry.pw_uid, entry.pw_gid))}
    if not hidden:
        return switch
    if not shutil.which("unshare"):
        pytest.skip(f"{user} cannot reach the Python installation and unshare is not installed")
    script = ["set -e"]
    for i, path in enumerate(sorted(hidden)):
        (stage / str(i)).mkdir(parents=True, exist_ok=True)
        script.append(f"mount --bind {shlex.quote(str(path))} {stage / str(i)}")
    for blocked in sorted(set(hidden.values())):
        script.append(f"mount -t tmpfs -o mode=0755 tmpfs {shlex.quote(str(blocked))}")
    for i, path in enumerate(sorted(hidden)):
        script += [f"mkdir -p {shlex.quote(str(path))}",
                   f"mount --bind {stage / str(i)} {shlex.quote(str(path))}"]
    script.append('exec "$@"')
    return ["unshare", "--mount", "--propagation", "private", "--", "sh", "-c", "\n".join(script), "sh", *switch]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def image():
    """The image's file system in a temporary directory that the image's user can traverse but not write."""
    if os.geteuid() != 0:
        pytest.skip("switching to the image's user needs root")
    if not (shutil.which("setpriv") or shutil.which("runuser")):
        pytest.skip("neither setpriv nor runuser is installed: cannot run a command as another user")
    copies, dockerfile_env, runs, user = _dockerfile()
    assert user not in ("root", "0"), "the image must not run as root"
    entry = pwd.getpwnam(user)
    base = Path(tempfile.mkdtemp(prefix="cartmigrate-image-"))  # not under pytest's 0700 root-only tmp dirs
    try:
        base.chmod(0o755)
        app, writable = base / "app", base / "writable"
        app.mkdir(mode=0o755)
        for source, destination in copies:
            target = app / destination.removeprefix(WORKDIR).lstrip("/")
            if (ROOT / source).is_dir():
                # .dockerignore leaves node_modules out (sandbox/shopify/published/ installs one for the tests)
                shutil.copytree(ROOT / source, target, ignore=shutil.ignore_patterns("__pycache__", "node_modules"),
                                dirs_exist_ok=True)
            elif destination.endswith(("/", ".")):
                target.mkdir(parents=True, exist_ok=True)
                shutil.copy2(ROOT / source, target / Path(source).name)
            else:
                shutil.copy2(ROOT / source, target)
        for path in [app, *app.rglob("*")]:
            os.chown(path, 0, 0)
            path.chmod(0o755 if path.is_dir() else 0o644)
        writable.mkdir(mode=0o755)
        os.chown(writable, entry.pw_uid, entry.pw_gid)

        env = {"PATH": f"{Path(sys.executable).parent}:/usr/local/bin:/usr/bin:/bin", "HOME": "/nonexistent",
               "LANG": "C.UTF-8"}
        for name, value in dockerfile_env.items():
            if value == WORKDIR or value.startswith(WORKDIR + "/"):
                value = str(app) + value[len(WORKDIR):]
            elif value.startswith("/"):  # a writable place: the image makes it and gives it to its user
                value = str(writable) + value
                Path(value).mkdir(parents=True, exist_ok=True)
                os.chown(value, entry.pw_uid, entry.pw_gid)
            env[name] = value
        env.setdefault("DJANGO_SETTINGS_MODULE", "migrator.settings.production")
        env.update({
            "DJANGO_SECRET_KEY": "image-test-" + Fernet.generate_key().decode(),
            "MIGRATOR_ENCRYPTION_KEY": Fernet.generate_key().decode(),
            "DJANGO_ALLOWED_HOSTS": "cartmigrate.example.com",
            "DATABASE_URL": _database_url(),
            "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
            "MIGRATOR_REDIS_URL": settings.MIGRATOR_REDIS_URL,
        })
        if any("collectstatic" in run for run in runs):  # the build step, as root
            build = subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput"], cwd=app, env=env,
                                   capture_output=True, text=True, timeout=120)
            assert build.returncode == 0, build.stdout + build.stderr
        for path in [app, *app.rglob("*")]:  # what the build made belongs to root too
            os.chown(path, 0, 0)
        as_user = _as_user(user, base / "stage")
        probe = subprocess.run([*as_user, "test", "-w", str(app)], env=env, timeout=30)
        assert probe.returncode != 0, "the app directory must not be writable by the image's user"
        yield {"app": app, "env": env, "as_user": as_user}
    finally:
        shutil.rmtree(base, ignore_errors=True)


def _run(image, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([*image["as_user"], sys.executable, *args], cwd=image["app"], env=image["env"],
                          capture_output=True, text=True, timeout=120)


def test_image_settings_load_and_pass_the_deploy_check_as_its_user(image):
    loaded = _run(image, "-c", "import django; django.setup(); from django.conf import settings; "
                               "print(settings.STATIC_ROOT)")
    assert loaded.returncode == 0, loaded.stderr
    # --fail-level WARNING: every deploy warning counts; none is silenced.
    check = _run(image, "manage.py", "check", "--deploy", "--fail-level", "WARNING")
    assert check.returncode == 0, check.stdout + check.stderr


def _start(image, *args: str) -> subprocess.Popen:
    return subprocess.Popen([*image["as_user"], sys.executable, *args], cwd=image["app"], env=image["env"],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)


def _stop(process: subprocess.Popen) -> None:
    for sig in (signal.SIGTERM, signal.SIGKILL):
        if process.poll() is None:
            os.killpg(process.pid, sig)
        try:
            process.wait(timeout=15)
            return
        except subprocess.TimeoutExpired:
            continue


@pytest.mark.django_db
def test_image_web_and_worker_start_as_its_user(image):
    port = _free_port()
    web = _start(image, "-m", "gunicorn", "migrator.wsgi:application", "--bind", f"127.0.0.1:{port}", "--workers", "1")
    worker = _start(image, "-m", "celery", "-A", "migrator", "worker", "--loglevel=WARNING", "--concurrency=1",
                    "--without-gossip", "--without-mingle", "-n", f"image-{port}@%h")
    try:
        headers = {"Host": "cartmigrate.example.com", "X-Forwarded-Proto": "https"}
        deadline, page = time.monotonic() + 30, None
        while page is None and time.monotonic() < deadline and web.poll() is None:
            try:
                page = requests.get(f"http://127.0.0.1:{port}/accounts/login/", headers=headers, timeout=5)
            except requests.ConnectionError:
                time.sleep(0.25)
        if page is None:
            _stop(web)
            pytest.fail(f"gunicorn did not start:\n{web.stdout.read()[-3000:]}")
        assert page.status_code == 200
        # Served by WhiteNoise from what the build collected into the read-only /app.
        style = requests.get(f"http://127.0.0.1:{port}/static/css/site.css", headers=headers, timeout=5)
        assert style.status_code == 200 and style.content == (ROOT / "static/css/site.css").read_bytes()

        from migrator.celery import app  # the same broker as the worker's

        name, deadline = f"image-{port}@{socket.gethostname()}", time.monotonic() + 60
        while not app.control.ping(destination=[name], timeout=1) and time.monotonic() < deadline:
            assert worker.poll() is None, f"the worker exited:\n{worker.stdout.read()[-3000:]}"
        assert app.control.ping(destination=[name], timeout=1), "the worker did not answer a ping"
    finally:
        _stop(web)
        _stop(worker)
