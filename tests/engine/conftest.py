import pytest

from accounts.services import user_create
from connectors.entities import EntityType, validate_entity
from migrations_app.enums import RunStatus
from migrations_app.models import Store
from migrations_app.services import connections, engine
from migrations_app.services.crypto import credentials_encrypt
from migrations_app.services.runs import run_start

from .memory import BAD, STORES, UNDELETABLE, MemoryConnector


class InlineQueue:
    """Collects what the engine enqueues and runs it in this process, in order."""

    def __init__(self):
        self.jobs = []

    def __call__(self, task_name, *args, countdown=None):
        self.jobs.append((task_name, args))

    def drain(self, limit=10_000, before_each=None):
        handlers = {
            "run_advance_task": lambda run_id: engine.run_advance(run_id=run_id),
            "entity_step_task": lambda run_id, entity: engine.entity_step(run_id=run_id, entity=entity),
            "run_clear_task": lambda run_id: engine.run_clear(run_id=run_id),
            "run_finalize_task": lambda run_id: engine.run_finalize(run_id=run_id),
        }
        ran = 0
        while self.jobs and ran < limit:
            name, args = self.jobs.pop(0)
            if before_each:
                before_each(name, args)
            handlers[name](*args)
            ran += 1
        return ran


@pytest.fixture
def queue(monkeypatch):
    q = InlineQueue()
    monkeypatch.setattr(engine, "_enqueue", q)
    monkeypatch.setattr(connections, "get_connector_class", lambda platform: MemoryConnector)
    for module in ("wizard", "smart_update", "plans"):
        monkeypatch.setattr(f"migrations_app.services.{module}.get_connector_class", lambda platform: MemoryConnector)
    return q


@pytest.fixture
def owner(db):
    return user_create(email="owner@example.com", password="pw-123456789")


def make_store(owner, url):
    STORES.pop(url, None)
    BAD.pop(url, None)
    UNDELETABLE.pop(url, None)
    org = owner.organizations.first()
    return Store.objects.create(
        organization=org, platform="memory", url=url, credentials_encrypted=credentials_encrypt({}),
        last_check_ok=True, last_check_info={"counts": {}},
    )


def seed_memory(url, *, categories=4, products=12, customers=8, orders=15):
    data = STORES[url]
    # Children before parents in id order, on purpose: parents are fixed after the entity is done.
    data[EntityType.CATEGORY]["1"] = validate_entity("categories",
                                                     {"source_id": "1", "name": "Child", "parent_id": "3"})
    data[EntityType.CATEGORY]["2"] = validate_entity("categories", {"source_id": "2", "name": "Solo"})
    data[EntityType.CATEGORY]["3"] = validate_entity("categories", {"source_id": "3", "name": "Parent"})
    for i in range(4, 4 + categories - 3):
        data[EntityType.CATEGORY][str(i)] = validate_entity("categories", {"source_id": str(i), "name": f"C{i}"})
    for i in range(1, products + 1):
        data[EntityType.PRODUCT][str(100 + i)] = validate_entity("products", {
            "source_id": str(100 + i), "name": f"Product {i}", "sku": f"SKU-{i}", "type": "variable",
            "price": "10.00", "category_ids": ["1", "3"],
            "options": [{"name": "Size", "values": ["S", "M"]}],
            "variants": [{"source_id": f"{100 + i}-S", "sku": f"SKU-{i}-S", "option_values": {"Size": "S"}},
                         {"source_id": f"{100 + i}-M", "sku": f"SKU-{i}-M", "option_values": {"Size": "M"}}],
        })
    for i in range(1, customers + 1):
        data[EntityType.CUSTOMER][str(500 + i)] = validate_entity("customers", {
            "source_id": str(500 + i), "email": f"c{i}@example.com", "first_name": f"C{i}"})
    for i in range(1, orders + 1):
        pid = 100 + (i % products) + 1
        data[EntityType.ORDER][str(900 + i)] = validate_entity("orders", {
            "source_id": str(900 + i), "number": f"#{900 + i}", "status": "paid" if i % 2 else "shipped",
            "customer_id": str(500 + (i % customers) + 1) if i % 5 else None,
            "lines": [{"name": "Line", "product_id": str(pid), "variant_id": f"{pid}-M", "quantity": 2,
                       "sku": f"SKU-{pid - 100}-M"}],
        })
    return data


@pytest.fixture
def migrated(db, queue, owner):
    """A completed full migration of the memory stores."""
    from migrations_app.services.wizard import migration_create

    source = make_store(owner, "http://source.test")
    target = make_store(owner, "http://target.test")
    seed_memory(source.url)
    migration = migration_create(organization=source.organization, user=owner, source_store=source,
                                 target_store=target, entities=["categories", "products", "customers", "orders"])
    run(queue, migration, "full")
    migration.refresh_from_db()
    assert migration.full_completed_at is not None
    return migration


def run(queue, migration, kind, **params):
    started = run_start(migration=migration, kind=kind, user=migration.created_by, params=params)
    queue("run_advance_task", str(started.pk))
    queue.drain()
    started.refresh_from_db()
    assert started.status in (RunStatus.COMPLETED, RunStatus.COMPLETED_WITH_ERRORS), started.error_message
    return started
