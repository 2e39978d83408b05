"""Set-up shared by the end-to-end migration tests: stores created and checked through the services."""
from connectors.entities import EntityType
from migrations_app.enums import FINISHED_RUN_STATUSES
from migrations_app.models import MigrationRun
from migrations_app.services.connections import connector_for
from migrations_app.services.stores import store_check, store_create
from migrations_app.services.wizard import migratable_entities, migration_create

from ..fixtures.worker import wait_for


def checked_store(organization, described: dict, platform: str = "woocommerce"):
    store = store_create(organization=organization, platform=described.get("platform", platform),
                         url=described["base_url"],
                         credentials=described["credentials"])
    store = store_check(store=store)
    assert store.last_check_ok, store.last_check_error
    return store


def make_migration(owner, source_desc, target_desc, *, entities=None, **kwargs):
    org = owner.organizations.first()
    source = checked_store(org, source_desc)
    target = checked_store(org, target_desc)
    chosen = entities or [str(e) for e in migratable_entities(source=source, target=target)]
    return migration_create(organization=org, user=owner, source_store=source, target_store=target,
                            entities=chosen, **kwargs)


def wait_finished(run, *, timeout: float = 600, workers=()):
    def finished():
        run.refresh_from_db()
        return run.status in FINISHED_RUN_STATUSES

    wait_for(finished, timeout=timeout, message=f"run {run.pk} to finish", workers=workers)
    return run


def all_records(store, entity):
    connector = connector_for(store=store)
    try:
        return [item for page in connector.read(EntityType(entity)) for item in page.items]
    finally:
        connector.http.close()


def counts(store, entities):
    connector = connector_for(store=store)
    try:
        return {e: connector.count(EntityType(e)) for e in entities}
    finally:
        connector.http.close()


def latest_run(migration) -> MigrationRun:
    return MigrationRun.objects.filter(migration=migration).latest("created_at")


def mismatches(verification: dict) -> list[tuple]:
    """(entity, source_id, field, source value, target value) for every differing sampled field."""
    found = []
    for entity, report in verification.get("entities", {}).items():
        for record in report["sample"]:
            if record.get("missing"):
                found.append((entity, record["source_id"], "missing on " + record["missing"], None, None))
            for f in record["fields"]:
                if not f["equal"]:
                    found.append((entity, record["source_id"], f["field"], f["source"], f["target"]))
    return found
