"""Sequences of runs on the sandbox stores over real HTTP, driven by the engine's own step loop in this
process (docs/runs.md): the findings of issue 11 that need a real platform's shape (WPML translations as
records of their own, Shopify reviews that cannot be deleted)."""
import pytest

from accounts.services import user_create
from migrations_app.enums import RunKind, RunStatus
from migrations_app.models import EntityProgress, IdMap, MigrationRun
from migrations_app.services import engine
from migrations_app.services.runs import run_start
from sandbox.models import SandboxRecord

from .helpers import counts, make_migration

pytestmark = pytest.mark.django_db(transaction=True)


class InlineEngine:
    """Runs what the engine enqueues, in this process, in order (the same handlers as tasks.py)."""

    handlers = {
        "run_advance_task": lambda run_id: engine.run_advance(run_id=run_id),
        "entity_step_task": lambda run_id, entity: engine.entity_step(run_id=run_id, entity=entity),
        "run_clear_task": lambda run_id: engine.run_clear(run_id=run_id),
        "run_finalize_task": lambda run_id: engine.run_finalize(run_id=run_id),
    }

    def __init__(self):
        self.jobs = []

    def __call__(self, task_name, *args, countdown=None):
        self.jobs.append((task_name, args))

    def run(self, migration, kind, **params) -> MigrationRun:
        migration.refresh_from_db()
        started = run_start(migration=migration, kind=kind, user=migration.created_by, params=params)
        self.jobs.append(("run_advance_task", (str(started.pk),)))
        for _ in range(5000):
            if not self.jobs:
                break
            name, args = self.jobs.pop(0)
            self.handlers[name](*args)
        started.refresh_from_db()
        return started


@pytest.fixture
def inline(monkeypatch):
    queue = InlineEngine()
    monkeypatch.setattr(engine, "_enqueue", queue)
    return queue


@pytest.fixture
def owner():
    return user_create(email="owner@sequences.example", password="a-long-password-1")


def _live(store_desc, resource, lang=None):
    rows = SandboxRecord.objects.filter(store__name=store_desc["store"], resource=resource).exclude(status="trash")
    return rows.filter(lang=lang) if lang else rows


def test_bilingual_demo_then_full_keeps_one_french_copy_of_each_product(owner, woo_store_factory, inline,
                                                                        settings, mailoutbox):
    """Finding 1: demo then full on en + fr WooCommerce stores left 30 English and 40 French products for
    a source of 30 + 30 (the demo's French translations orphaned, then created again), and every report
    said 0 differences."""
    settings.MIGRATOR_DEMO_LIMIT = 10
    source = woo_store_factory("seq-bi-source", products=30, customers=4, orders=6, languages=["en", "fr"], seed=5)
    target = woo_store_factory("seq-bi-target", languages=["en", "fr"])
    migration = make_migration(owner, source, target, entities=["categories", "products"])
    demo = inline.run(migration, RunKind.DEMO)
    assert demo.status in (RunStatus.COMPLETED, RunStatus.COMPLETED_WITH_ERRORS), demo.error_message
    assert _live(target, "products", "fr").exclude(parent_id__isnull=False).count() > 0  # the demo wrote fr

    full = inline.run(migration, RunKind.FULL)
    assert full.status in (RunStatus.COMPLETED, RunStatus.COMPLETED_WITH_ERRORS), full.error_message
    for resource in ("products", "categories"):
        for lang in ("en", "fr"):
            assert _live(target, resource, lang).count() == _live(source, resource, lang).count(), (resource, lang)
    # Every French product on the target is the translation of a product the id map knows.
    mapped = set(IdMap.objects.filter(migration=migration, entity="products").values_list("target_id", flat=True))
    groups = {str(r.group_id or r.record_id) for r in _live(target, "products", "en")}
    assert {str(r.record_id) for r in _live(target, "products", "en")} == mapped
    assert all(str(r.group_id) in groups for r in _live(target, "products", "fr"))
    products = EntityProgress.objects.get(run=full, entity="products")
    assert products.updated == EntityProgress.objects.get(run=demo, entity="products").created
    assert products.created + products.updated == counts(migration.source_store, ["products"])["products"]


def test_remigration_clearing_created_data_takes_the_french_translations_with_it(owner, woo_store_factory, inline):
    source = woo_store_factory("seq-clr-source", products=12, languages=["en", "fr"], seed=6)
    target = woo_store_factory("seq-clr-target", languages=["en", "fr"])
    migration = make_migration(owner, source, target, entities=["categories", "products"])
    assert inline.run(migration, RunKind.FULL).status == RunStatus.COMPLETED
    again = inline.run(migration, RunKind.REMIGRATION, options={"clear_target": True, "clear_scope": "created"})
    assert again.status == RunStatus.COMPLETED, (again.error_message, list(again.record_errors.all()[:3]))
    for lang in ("en", "fr"):
        assert _live(target, "products", lang).count() == _live(source, "products", lang).count(), lang


def test_woo_to_shopify_demo_then_full_with_every_entity_completes(owner, woo_store_factory, shopify_store_factory,
                                                                   inline, settings):
    """Finding 2: with reviews selected, the full run after a demo failed at once ("The target refused to
    delete reviews"), offered no way on, and was priced. Now nothing is cleared after a demo (its records
    are written again in place) and the run completes, reviews included."""
    settings.MIGRATOR_DEMO_LIMIT = 3
    source = woo_store_factory("seq-shop-source", products=8, customers=5, orders=8, reviews=6, seed=7)
    target = shopify_store_factory("seq-shop-target")
    migration = make_migration(owner, source, target)
    assert "reviews" in migration.entities
    demo = inline.run(migration, RunKind.DEMO)
    assert demo.status in (RunStatus.COMPLETED, RunStatus.COMPLETED_WITH_ERRORS), demo.error_message
    full = inline.run(migration, RunKind.FULL)
    assert full.status in (RunStatus.COMPLETED, RunStatus.COMPLETED_WITH_ERRORS), full.error_message
    assert full.charge_cents == full.quote["amount_cents"]
    target_counts = counts(migration.target_store, migration.entities)
    for entity in migration.entities:
        mapped = IdMap.objects.filter(migration=migration, entity=entity, state="done").count()
        assert target_counts[entity] == mapped, entity

    # Clearing what this migration created: Shopify cannot delete reviews (metafields); they are kept,
    # named on the run, and written again in place.
    reviews_before = target_counts["reviews"]
    again = inline.run(migration, RunKind.REMIGRATION, options={"clear_target": True, "clear_scope": "created"})
    assert again.status in (RunStatus.COMPLETED, RunStatus.COMPLETED_WITH_ERRORS), again.error_message
    [warning] = [w for w in again.warnings if w["entity"] == "reviews"]
    assert warning["count"] == reviews_before
    assert counts(migration.target_store, ["reviews"])["reviews"] == reviews_before


def test_demo_order_linked_to_products_outside_the_demo_is_relinked_by_the_full_run(owner, woo_store_factory,
                                                                                      inline, settings):
    """Found by the new Check Result: a demo order whose lines point at products the demo did not migrate
    was written again by the full run without its lines' products (WooCommerce's order update never
    re-sends line items). Its lines are now linked in place, by line id."""
    settings.MIGRATOR_DEMO_LIMIT = 2
    source = woo_store_factory("seq-lines-source", products=6, customers=3, orders=4, seed=8)
    target = woo_store_factory("seq-lines-target")
    migration = make_migration(owner, source, target, entities=["categories", "products", "customers", "orders"])
    inline.run(migration, RunKind.DEMO)
    full = inline.run(migration, RunKind.FULL)
    assert full.status == RunStatus.COMPLETED, (full.error_message, list(full.record_errors.values_list("message")))
    products = dict(IdMap.objects.filter(migration=migration, entity="products").values_list("source_id", "target_id"))
    orders = dict(IdMap.objects.filter(migration=migration, entity="orders").values_list("source_id", "target_id"))
    for order in _live(source, "orders"):
        written = _live(target, "orders").get(record_id=int(orders[str(order.record_id)]))
        wanted = [products.get(str(line["product_id"]), "0") for line in order.data["line_items"]]
        assert [str(line["product_id"]) for line in written.data["line_items"]] == wanted, order.record_id
        assert written.data["total"] == order.data["total"]
    assert full.verification.get("verdict") == "ok", full.verification.get("problems")
