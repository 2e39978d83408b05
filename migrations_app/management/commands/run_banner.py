"""`make run`'s last word (a Procfile process): wait until the web server really answers, print a short
banner (address, demo login, what to click), then stay up quietly, since honcho stops every process as
soon as one exits. The demo login comes from `bootstrap_demo` (var/demo-login.json)."""
import signal
import sys
import time
import urllib.error
import urllib.request

from django.conf import settings
from django.core.management.base import BaseCommand

from .bootstrap_demo import demo_login_read


def server_answers(url: str, *, timeout: float = 2.0) -> bool:
    """Whether an HTTP server answers at `url` (any status below 500 counts: a redirect to the login page is an
    answer)."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 - our own local address
            return response.status < 500
    except urllib.error.HTTPError as exc:
        return exc.code < 500
    except (urllib.error.URLError, OSError):
        return False


def banner_lines(*, site: str, login: dict | None) -> list[str]:
    email = login["email"] if login else "demo@cartmigrate.local"
    password = (login or {}).get("password") or "(changed: python manage.py changepassword demo@cartmigrate.local)"
    return [
        f"Cartmigrate is ready: {site}/",
        f"  Log in      {email} / {password}   (support desk: {site}/admin/)",
        "  Then click  New migration, or \"Try it with sample stores\" on My Migrations after signing up",
        f"  Help        {site}/help/     Stop: Ctrl-C",
    ]


class Command(BaseCommand):
    help = "Wait until the web server answers, print how to start, then wait (a Procfile process of make run)."

    def add_arguments(self, parser):
        parser.add_argument("--url", default=settings.MIGRATOR_SITE_URL)
        parser.add_argument("--timeout", type=float, default=180.0, help="Give up waiting after this many seconds.")
        parser.add_argument("--no-wait", action="store_true", help="Exit after the banner (for tests).")

    def handle(self, *args, url, timeout, no_wait, **options):
        site = url.rstrip("/")
        deadline = time.monotonic() + timeout
        while not server_answers(f"{site}/"):
            if time.monotonic() > deadline:
                self.stderr.write(f"The web server did not answer at {site}/ within {timeout:.0f} s; see web.1 above.")
                break
            time.sleep(0.5)
        else:
            lines = banner_lines(site=site, login=demo_login_read())
            rule = "=" * max(len(line) for line in lines)
            self.stdout.write("\n".join(["", rule, self.style.SUCCESS(lines[0]), *lines[1:], rule, ""]))
            self.stdout.flush()
        if no_wait:
            return
        for stop in (signal.SIGTERM, signal.SIGINT):  # honcho's stop, or Ctrl-C: leave without a traceback
            signal.signal(stop, lambda *_: sys.exit(0))
        while True:
            signal.pause()
