"""`make run` calls this: a demo account and the sandbox stores of settings.SANDBOX_DEMO_STORES (a seeded
source and empty targets), registered as stores of the demo account's organization. Idempotent: a second
call reuses them."""
import json
import os
import secrets
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from accounts.services import api_token_get_or_create, user_create
from migrations_app.models import Store
from migrations_app.services.stores import store_create

DEMO_EMAIL = "demo@cartmigrate.local"


def demo_login_path() -> Path:
    return Path(settings.VAR_DIR) / "demo-login.json"


def demo_login_save(*, email: str, password: str) -> None:
    """Keep the generated demo password for `run_banner` (local settings only; readable by this user only)."""
    path = demo_login_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as out:
        json.dump({"email": email, "password": password}, out)


def demo_login_read() -> dict | None:
    """The demo login `bootstrap_demo` generated, if its password still works; without the password if the
    account's password was changed since."""
    try:
        login = json.loads(demo_login_path().read_text())
    except (OSError, ValueError):
        return None
    user = get_user_model().objects.filter(email=login.get("email", "")).first()
    if user is None:
        return None
    if not user.check_password(login.get("password", "")):
        login["password"] = ""
    return login


class Command(BaseCommand):
    help = "Create the demo account and its sandbox stores (settings.SANDBOX_DEMO_STORES)."

    def add_arguments(self, parser):
        parser.add_argument("--products", type=int, default=60)
        parser.add_argument("--customers", type=int, default=40)
        parser.add_argument("--orders", type=int, default=80)

    def handle(self, *args, products, customers, orders, **options):
        if not settings.SANDBOX_ENABLED:
            raise CommandError("SANDBOX_ENABLED is off: the demo stores need the sandbox.")
        from sandbox.services import sandbox_seed, sandbox_store_create, sandbox_store_describe

        User = get_user_model()
        user = User.objects.filter(email=DEMO_EMAIL).first()
        password = None
        if user is None:
            password = secrets.token_urlsafe(12)
            user = user_create(email=DEMO_EMAIL, password=password, is_staff=True, is_superuser=True)
            demo_login_save(email=DEMO_EMAIL, password=password)
        else:
            password = (demo_login_read() or {}).get("password") or None
        org = user.organizations.first()

        described = {}
        for spec in settings.SANDBOX_DEMO_STORES:
            sb = sandbox_store_create(platform=spec["platform"], name=spec["name"], languages=spec["languages"])
            if spec.get("seed") and not sb.records.filter(resource="products").exists():
                sandbox_seed(sb, products=products, customers=customers, orders=orders,
                             languages=spec["languages"], seed=1)
            info = sandbox_store_describe(sb, site_url=settings.MIGRATOR_SITE_URL)
            described[spec["role"]] = info
            store = Store.objects.filter(organization=org, url=info["base_url"]).first()
            if store is None:
                store = store_create(organization=org, platform=sb.platform, url=info["base_url"],
                                     credentials=info["credentials"])
            info["store_id"] = str(store.pk)

        token = api_token_get_or_create(user=user)
        site = settings.MIGRATOR_SITE_URL
        self.stdout.write(self.style.SUCCESS("\nCartmigrate demo is ready."))
        self.stdout.write(f"  Log in:     {site}/accounts/login/  (also /admin/)")
        self.stdout.write(f"  Email:      {DEMO_EMAIL}")
        shown = password or f"(unchanged; reset with: python manage.py changepassword {DEMO_EMAIL})"
        self.stdout.write(f"  Password:   {shown}")
        self.stdout.write(f"  API token:  {token}   (Authorization: Token <key>; try {site}/api/docs/)")
        for role, info in described.items():
            label = role[0].upper() + role[1:]
            self.stdout.write(f"  {label} store: {info['base_url']}  (store id {info['store_id']})")
            credentials = info["credentials"]
            if "access_token" in credentials:
                self.stdout.write(f"      Admin API access token {credentials['access_token']}")
            else:
                self.stdout.write(f"      consumer key {credentials['consumer_key']}"
                                  f"  secret {credentials['consumer_secret']}")
        self.stdout.write(
            f"\n  Next: open {site}/ once the server answers (a banner says so), log in, click New migration and"
            "\n  paste a source and a target store from above; or sign up and click \"Try it with sample stores\".\n"
        )
        self.stdout.write(json.dumps({role.lower().replace(" ", "_"): info["base_url"]
                                      for role, info in described.items()}))
