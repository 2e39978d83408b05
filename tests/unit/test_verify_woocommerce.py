"""Check Result on a bilingual WooCommerce store (en + fr, WPML): a clean migration is "ok"; each problem
planted on the sandbox stores afterwards (a duplicate SKU in French, a French product that translates
nothing, a record deleted on the source, a reference to a record deleted on the target) is found and
makes the verdict "differences found". The engine runs in this process (InlineQueue), the stores over
real HTTP."""
from __future__ import annotations

import pytest

from accounts.services import user_create
from connectors.http import HttpClient
from connectors.woocommerce import WooCommerceConnector
from migrations_app.models import IdMap
from migrations_app.services.verify import run_verify
from sandbox.models import SandboxRecord
from sandbox.records import ids_allocate

from ..integration.helpers import make_migration
from .verify_helpers import findings, inline_engine, migrate, target_of

pytestmark = pytest.mark.django_db(transaction=True)
ENTITIES = ["categories", "products", "customers", "orders"]


@pytest.fixture
def inline(monkeypatch):
    return inline_engine(monkeypatch)


@pytest.fixture
def owner():
    return user_create(email="checker@shop.example", password="a-long-password-1")


@pytest.fixture
def bilingual(owner, woo_store_factory):
    source = woo_store_factory("check-source", products=6, customers=3, orders=4, languages=["en", "fr"], seed=11)
    target = woo_store_factory("check-target", languages=["en", "fr"])
    return source, target, make_migration(owner, source, target, entities=ENTITIES)


def woo(store: dict) -> WooCommerceConnector:
    return WooCommerceConnector(base_url=store["base_url"], credentials=store["credentials"],
                                http=HttpClient(max_retries=1, backoff_cap=0.1))


def test_clean_bilingual_full_migration_is_ok_with_counts_per_language(inline, owner, bilingual):
    _, _, migration = bilingual
    run = migrate(inline, migration, owner, "full")
    report = run.verification
    assert report["verdict"] == "ok", findings(report)
    assert report["problems"] == 0 and report["not_checked"] == []
    products = report["entities"]["products"]
    assert products["languages"]["en"] == {"source": 6, "target": 6, "expected": 6, "equal": True, "note": ""}
    assert products["languages"]["fr"]["source"] == products["languages"]["fr"]["target"] == 6
    assert products["duplicates"]["count"] == products["orphans"]["count"] == 0
    assert report["entities"]["customers"]["languages"] == {}  # customers have no language
    for key in ("source_count", "target_count", "migrated", "expected", "sample"):  # the keys callers know
        assert key in products


def test_demo_is_compared_to_its_id_map_then_full_migration_is_ok(inline, owner, woo_store_factory, settings):
    """The issue's case: a demo, then the full migration, of a bilingual catalog."""
    source = woo_store_factory("demo-source", products=6, languages=["en", "fr"], seed=12)
    target = woo_store_factory("demo-target", languages=["en", "fr"])
    migration = make_migration(owner, source, target, entities=["categories", "products"])
    settings.MIGRATOR_DEMO_LIMIT = 2
    demo = migrate(inline, migration, owner, "demo")
    products = demo.verification["entities"]["products"]
    assert products["source_count"] == 6 and products["target_count"] == products["migrated"] == 2
    assert products["count_check"]["equal"] and products["languages"]["fr"]["expected"] == 2
    assert demo.verification["verdict"] == "ok", findings(demo.verification)
    full = migrate(inline, migration, owner, "full")
    fr = full.verification["entities"]["products"]["languages"]["fr"]
    assert (fr["source"], fr["target"]) == (6, 6), full.verification["entities"]["products"]
    assert full.verification["verdict"] == "ok", findings(full.verification)


def test_planted_problems_are_each_found(inline, owner, bilingual):
    source, target, migration = bilingual
    run = migrate(inline, migration, owner, "full")
    assert run.verification["verdict"] == "ok", findings(run.verification)
    target_store = SandboxRecord.objects.filter(store__name=target["store"])
    target_woo, source_woo = woo(target), woo(source)
    french = [r for r in target_woo.scan("products") if r.language == "fr"]

    # 1. A duplicate SKU in French: a copy of a French translation (WooCommerce refuses it through the API).
    copied = target_store.get(resource="products", record_id=int(french[0].record_id))
    copied.pk, copied.record_id = None, ids_allocate(copied.store, "posts")[0]
    copied.save()
    # 2. A French product that is the translation of nothing.
    lonely, _ = target_woo._call("POST", "products", body={"name": "Chaise seule", "sku": "LONE-1", "lang": "fr"})
    # 3. A customer deleted on the source after it was migrated.
    customer_id = IdMap.objects.filter(migration=migration, entity="customers").values_list("source_id",
                                                                                          flat=True).first()
    source_woo._call("DELETE", f"customers/{customer_id}", params={"force": "true"})
    # 4. A category deleted on the target that migrated products refer to.
    product = next(p for page in source_woo.read("products") for p in page.items if p.category_ids)
    category_target = target_of(migration, "categories", product.category_ids[0])
    target_store.filter(resource="categories", record_id=int(category_target)).delete()

    report = run_verify(run=run)
    assert report["verdict"] == "differences found"
    products = report["entities"]["products"]
    duplicates = products["duplicates"]
    assert duplicates["count"] == 1
    assert any(g["language"] == "fr" and g["key"] == french[0].natural_key and
               {r["id"] for r in g["records"]} == {french[0].record_id, str(copied.record_id)}
               for g in duplicates["examples"])
    assert all(r["url"] for g in duplicates["examples"] for r in g["records"])
    orphans = products["orphans"]
    assert str(lonely["id"]) in {o["id"] for o in orphans["examples"]}
    assert products["languages"]["fr"]["equal"] is False and products["languages"]["fr"]["target"] == 8
    assert products["languages"]["en"]["equal"] is True

    customers = report["entities"]["customers"]
    assert customers["orphans"]["count"] == 1
    assert customers["orphans"]["examples"][0]["source_id"] == customer_id
    assert customers["orphans"]["examples"][0]["id"] == target_of(migration, "customers", customer_id)
    assert not customers["count_check"]["equal"]  # 2 on the source, 3 on the target

    categories = report["entities"]["categories"]
    assert categories["missing_on_target"]["count"] == 1
    missing = products["missing_references"]
    assert missing["count"] >= 1
    assert any(m["entity"] == "categories" and category_target in m["why"] for m in missing["examples"])
    assert report["problems"] >= 6
