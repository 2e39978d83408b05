"""`make run` ends with a short banner printed once the web server really answers (run_banner, a Procfile
process), with the demo login bootstrap_demo generated."""
import io
import socket

import pytest
from django.core.management import call_command

from accounts.services import user_create
from migrations_app.management.commands.bootstrap_demo import DEMO_EMAIL, demo_login_read, demo_login_save

pytestmark = pytest.mark.django_db


@pytest.fixture
def var_dir(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    return tmp_path


def test_banner_waits_for_the_server_then_says_where_and_how_to_log_in(live_server, var_dir):
    user = user_create(email=DEMO_EMAIL, password="s3cret-demo-pass")
    demo_login_save(email=DEMO_EMAIL, password="s3cret-demo-pass")
    out = io.StringIO()

    call_command("run_banner", url=live_server.url, timeout=20, no_wait=True, stdout=out)

    text = out.getvalue()
    assert f"Cartmigrate is ready: {live_server.url}/" in text
    assert f"{DEMO_EMAIL} / s3cret-demo-pass" in text and "New migration" in text and f"{live_server.url}/help/" in text
    assert len(text.strip().splitlines()) <= 8  # short
    assert (var_dir / "demo-login.json").stat().st_mode & 0o077 == 0  # the password file is the user's only

    user.set_password("changed-by-the-owner")
    user.save()
    assert demo_login_read()["password"] == ""  # a password that no longer works is not shown


def test_no_banner_while_nothing_answers(var_dir):
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    out, err = io.StringIO(), io.StringIO()

    call_command("run_banner", url=f"http://127.0.0.1:{port}", timeout=1, no_wait=True, stdout=out, stderr=err)

    assert "ready" not in out.getvalue() and "did not answer" in err.getvalue()


def test_bootstrap_demo_keeps_the_generated_password_for_the_banner(var_dir):
    first, second = io.StringIO(), io.StringIO()
    call_command("bootstrap_demo", products=2, customers=1, orders=1, stdout=first)
    call_command("bootstrap_demo", products=2, customers=1, orders=1, stdout=second)

    password = demo_login_read()["password"]
    assert password and f"Password:   {password}" in first.getvalue() and f"Password:   {password}" in second.getvalue()
    assert "New migration" in first.getvalue()
