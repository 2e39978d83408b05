"""Sample stores for a new account (local and test settings only, where the sandbox is installed): one click
makes a draft migration from the shared seeded sample source (settings.SANDBOX_DEMO_STORES, the one that
`seed`s) to an empty sample target of the organization's own, both checked as the wizard checks them."""
import uuid

from django.conf import settings

from accounts.models import Organization

from ..errors import ApplicationError
from ..models import StoreMigration
from .wizard import migration_setup_side

# What the shared source gets when the first account asks for it before `make run` seeded it (tests).
SAMPLE_SEED = {"products": 20, "customers": 10, "orders": 20}


def sample_stores_offered() -> bool:
    """Whether this deployment has sample stores to offer (the sandbox is installed and enabled)."""
    return bool(getattr(settings, "SANDBOX_ENABLED", False) and "sandbox" in settings.INSTALLED_APPS
                and getattr(settings, "SANDBOX_DEMO_STORES", None))


def sample_migration_create(*, organization: Organization, user, site_url: str) -> StoreMigration:
    """A new draft migration between sample stores, both connections checked over HTTP at `site_url` (the
    address this server answers on). The source is shared and only read; the target is created for this
    organization, so nobody else's runs write into it. Raises ApplicationError when samples are not offered
    or a check fails."""
    if not sample_stores_offered():
        raise ApplicationError("Sample stores are only available in local and test deployments.")
    from sandbox.services import sandbox_seed, sandbox_store_create, sandbox_store_describe

    specs = settings.SANDBOX_DEMO_STORES
    source_spec = next(s for s in specs if s.get("seed"))
    target_spec = next((s for s in specs if not s.get("seed") and s["platform"] == source_spec["platform"]),
                       next(s for s in specs if not s.get("seed")))
    source = sandbox_store_create(platform=source_spec["platform"], name=source_spec["name"],
                                  languages=source_spec["languages"])
    if not source.records.filter(resource="products").exists():
        sandbox_seed(source, languages=source_spec["languages"], seed=1, **SAMPLE_SEED)
    target = sandbox_store_create(platform=target_spec["platform"],
                                  name=f"{target_spec['name']}-{organization.pk.hex[:8]}",
                                  languages=target_spec["languages"])
    migration, key = None, uuid.uuid4().hex
    for side, sandbox_store in (("source", source), ("target", target)):
        info = sandbox_store_describe(sandbox_store, site_url=site_url)
        migration, store = migration_setup_side(organization=organization, user=user, migration=migration,
                                                wizard_key=key, side=side, platform=sandbox_store.platform,
                                                url=info["base_url"], credentials=info["credentials"])
        if not store.last_check_ok:
            raise ApplicationError(f"The sample {side} store did not answer: {store.last_check_error}")
    return migration
