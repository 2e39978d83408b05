"""Benchmark: a smart update after a full migration, next to the full migration itself.

    .venv/bin/python bench/smart_update.py --products 5000 --changed 1 [--workers 2]

Seeds a WooCommerce sandbox store with --products products (and their categories), migrates them to an
empty one, changes the stock of --changed percent of the products on the source, then runs a smart
update of products [quantity, stock status]. Prints, for both runs: seconds, records read from the
source, API calls; and the ratios. Needs PostgreSQL and Redis (see bench/harness.py).
"""
from __future__ import annotations

import argparse
import json
import random
import time

from harness import checked_stores, progress_of, reset_database_and_setup_django, run_and_wait, serving

OVERLAP_SECONDS = 5


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--products", type=int, default=5000)
    parser.add_argument("--changed", type=float, default=1.0, help="percent of products changed on the source")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    site = reset_database_and_setup_django()
    from accounts.services import user_create
    from connectors.entities import EntityType
    from migrations_app.models import ChangeRecord, IdMap
    from migrations_app.services.connections import connector_for
    from migrations_app.services.smart_update import smart_update_configure
    from migrations_app.services.wizard import migration_create
    from sandbox.services import sandbox_seed, sandbox_store_create

    source_sb = sandbox_store_create(platform="woocommerce", name="bench-source")
    sandbox_seed(source_sb, products=args.products, customers=0, orders=0, seed=args.seed)
    target_sb = sandbox_store_create(platform="woocommerce", name="bench-target")

    with serving(site, workers=args.workers, extra_env={"MIGRATOR_SMART_UPDATE_OVERLAP_SECONDS": str(OVERLAP_SECONDS)}):
        user = user_create(email="bench@example.com", password="bench-password-1")
        org = user.organizations.first()
        source, target = checked_stores(org, site, source_sb, target_sb)
        migration = migration_create(organization=org, user=user, source_store=source, target_store=target,
                                     entities=["categories", "products"])
        full, full_seconds = run_and_wait(migration, "full", user)
        migration.refresh_from_db()
        time.sleep(OVERLAP_SECONDS + 1)

        # The live source store changes: the stock of `changed` % of the products.
        ids = list(IdMap.objects.filter(migration=migration, entity="products", state="done")
                   .values_list("source_id", flat=True))
        chosen = random.Random(args.seed).sample(ids, max(1, round(len(ids) * args.changed / 100)))
        connector = connector_for(store=source)
        for source_id in chosen:
            product = connector.get(EntityType.PRODUCT, source_id)
            if product.variants:
                product = product.model_copy(update={"variants": [
                    v.model_copy(update={"stock_quantity": (v.stock_quantity or 0) + 3}) for v in product.variants]})
            else:
                product = product.model_copy(update={"manage_stock": True,
                                                     "stock_quantity": (product.stock_quantity or 0) + 3})
            connector.update(EntityType.PRODUCT, source_id, product, fields=["stock_quantity"])
        connector.http.close()

        smart_update_configure(migration=migration, fields={"products": ["stock_quantity", "stock_status"]})
        smart, smart_seconds = run_and_wait(migration, "smart_update", user)

        def reads(run) -> int:
            return sum(p["done"] + p["failed"] for p in progress_of(run).values())

        result = {
            "products": args.products,
            "changed_products": len(chosen),
            "full": {"status": full.status, "seconds": round(full_seconds, 1), "source_records_read": reads(full),
                     "api_calls": full.api_calls},
            "smart_update": {"status": smart.status, "seconds": round(smart_seconds, 1),
                             "source_records_read": reads(smart), "api_calls": smart.api_calls,
                             "changes_written": ChangeRecord.objects.filter(run=smart, applied=True).count()},
        }
        result["ratio"] = {
            "seconds": round(smart_seconds / full_seconds, 4),
            "source_records_read": round(reads(smart) / max(1, reads(full)), 4),
            "api_calls": round(smart.api_calls / max(1, full.api_calls), 4),
        }
        print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
