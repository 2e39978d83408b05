"""`manage.py sandbox_seed --platform PLATFORM --store NAME --products N ...`: create (and fill) a sandbox
store of one of settings.SANDBOX_PLATFORMS and print its description (base URL, credentials) as JSON."""
import json

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from sandbox.services import (
    SandboxError,
    sandbox_platforms,
    sandbox_seed,
    sandbox_store_create,
    sandbox_store_describe,
    sandbox_store_set_access_token,
    sandbox_store_set_rate_limit,
    sandbox_store_set_throttle,
    store_hooks,
)


class Command(BaseCommand):
    help = "Create a sandbox store, seed it with generated data and print its base URL and keys as JSON."

    def add_arguments(self, parser):
        parser.add_argument("--platform", required=True, choices=sorted(sandbox_platforms()))
        parser.add_argument("--store", required=True, help="Store name (a slug).")
        parser.add_argument("--products", type=int, default=0)
        parser.add_argument("--customers", type=int, default=0)
        parser.add_argument("--orders", type=int, default=0)
        parser.add_argument("--reviews", type=int, default=None)
        parser.add_argument("--coupons", type=int, default=None)
        parser.add_argument("--languages", default=None,
                            help="Comma-separated, the default first (else the platform's DEFAULT_LANGUAGES).")
        parser.add_argument("--currency", default="USD")
        parser.add_argument("--seed", type=int, default=0)
        parser.add_argument("--malformed", action="store_true", help="Add the documented bad records.")
        parser.add_argument("--empty", action="store_true", help="Only create the store (e.g. a target).")
        parser.add_argument("--site-url", default=None, help="Defaults to settings.MIGRATOR_SITE_URL.")
        parser.add_argument("--access-token", default=None, help="Token-based platforms: use this API access token.")
        parser.add_argument("--restore-rate", type=float, default=None,
                            help="Cost-based throttling: points restored per second.")
        parser.add_argument("--bucket-size", type=float, default=None,
                            help="Cost-based throttling: bucket size in points.")
        parser.add_argument("--quota", type=int, default=None,
                            help="Request-quota platforms: requests per window (e.g. 150, or 450 on Pro).")
        parser.add_argument("--quota-window-ms", type=int, default=None,
                            help="Request-quota platforms: the quota window in milliseconds (default 30000).")
        parser.add_argument("--plan", default=None, help="Request-quota platforms: the plan whose quota to use.")

    def handle(self, *args, **opts):
        if opts["languages"]:
            languages = [lang.strip() for lang in opts["languages"].split(",") if lang.strip()]
        else:
            languages = list(getattr(store_hooks(opts["platform"]), "DEFAULT_LANGUAGES", ("en",)))
        try:
            store = sandbox_store_create(
                platform=opts["platform"], name=opts["store"], languages=languages, currency=opts["currency"]
            )
            if opts["access_token"]:
                sandbox_store_set_access_token(store, opts["access_token"])
            if opts["restore_rate"] is not None or opts["bucket_size"] is not None:
                sandbox_store_set_throttle(store, restore_rate=opts["restore_rate"], bucket_size=opts["bucket_size"])
            if opts["quota"] is not None or opts["quota_window_ms"] is not None or opts["plan"]:
                sandbox_store_set_rate_limit(store, quota=opts["quota"], window_ms=opts["quota_window_ms"],
                                             plan=opts["plan"])
            counts = {}
            if not opts["empty"]:
                counts = sandbox_seed(
                    store, products=opts["products"], customers=opts["customers"], orders=opts["orders"],
                    reviews=opts["reviews"], coupons=opts["coupons"], languages=languages,
                    seed=opts["seed"], malformed=opts["malformed"],
                )
        except (SandboxError, ValueError) as exc:
            raise CommandError(str(exc)) from exc
        described = sandbox_store_describe(store, opts["site_url"] or settings.MIGRATOR_SITE_URL)
        if counts:
            described["counts"] = counts
        self.stdout.write(json.dumps(described, indent=2))
