"""Check Result with a Shopify target: per-language counts are the products holding a translation in the
locale; a second product with a migrated SKU is a duplicate; where the translations cannot be asked
(more products than `scan_translations_max`) the figure says "not available on this platform" and the
verdict is "could not check", never "ok"."""
from __future__ import annotations

from decimal import Decimal

import pytest

from accounts.services import user_create
from connectors.entities import EntityType, Product
from connectors.http import HttpClient
from connectors.shopify import ShopifyConnector
from migrations_app.services.verify import run_verify
from sandbox.models import SandboxStore
from sandbox.services import sandbox_store_set_throttle

from ..integration.helpers import make_migration
from .verify_helpers import findings, inline_engine, migrate

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def inline(monkeypatch):
    return inline_engine(monkeypatch)


@pytest.fixture
def owner():
    return user_create(email="shop-checker@shop.example", password="a-long-password-1")


def test_shopify_target_duplicates_and_figures_not_available(inline, owner, woo_store_factory, shopify_store_factory,
                                                             monkeypatch):
    source = woo_store_factory("to-shop-source", products=4, customers=2, languages=["en", "fr"], seed=8)
    target = shopify_store_factory("to-shop-target", languages=["en", "fr"])
    sandbox_store_set_throttle(SandboxStore.objects.get(platform="shopify", name="to-shop-target"),
                               restore_rate=100000, bucket_size=200000)
    migration = make_migration(owner, source, target, entities=["categories", "products", "customers"])
    run = migrate(inline, migration, owner, "full")
    assert run.verification["verdict"] == "ok", findings(run.verification)
    fr = run.verification["entities"]["products"]["languages"]["fr"]
    assert (fr["source"], fr["target"], fr["equal"]) == (4, 4, True)

    shop = ShopifyConnector(base_url=target["base_url"], credentials=target["credentials"],
                            http=HttpClient(max_retries=1, backoff_cap=0.1))
    sku = next(r.natural_key for r in shop.scan(EntityType.PRODUCT) if not r.natural_key.startswith("slug:"))
    [copy] = shop.create(EntityType.PRODUCT, [Product(source_id="copy", name="A copy", sku=sku, price=Decimal("5"))])
    assert copy.ok, copy.error
    report = run_verify(run=run)
    assert report["verdict"] == "differences found"
    duplicates = report["entities"]["products"]["duplicates"]
    assert duplicates["count"] == 1 and duplicates["examples"][0]["key"] == sku
    assert copy.target_id in {r["id"] for r in duplicates["examples"][0]["records"]}
    assert all("/admin/products/" in r["url"] for r in duplicates["examples"][0]["records"])

    shop.delete(EntityType.PRODUCT, [copy.target_id])
    monkeypatch.setattr(ShopifyConnector, "scan_translations_max", 2)  # too many products to ask each one
    report = run_verify(run=run)
    fr = report["entities"]["products"]["languages"]["fr"]
    assert fr["target"] is None and fr["equal"] is None and "not available on this platform" in fr["note"]
    assert report["problems"] == 0, findings(report)
    assert report["verdict"] == "could not check"
    assert {(n["entity"], n["figure"]) for n in report["not_checked"]} >= {("products", "records in fr")}
