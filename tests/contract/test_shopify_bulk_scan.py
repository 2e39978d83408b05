"""The check after a run scans a large Shopify entity with one bulk query instead of pages that would drain
the bucket many times over (ShopifyStream.scan_all): the same records, keys and languages as the paginated
scan, and a broken or refused bulk query falls back to pages instead of giving a short scan."""
from __future__ import annotations

import pytest

from connectors.entities import EntityType
from connectors.http import HttpClient
from connectors.shopify import ShopifyConnector, bulk_read
from sandbox.models import SandboxRecord, SandboxStore
from sandbox.services import sandbox_store_set_throttle

pytestmark = pytest.mark.django_db(transaction=True)

ENTITIES = (EntityType.PRODUCT, EntityType.CUSTOMER, EntityType.ORDER)


@pytest.fixture
def shop(shopify_store_factory):
    desc = shopify_store_factory("bulk-scan", products=30, customers=12, orders=20, languages=["en", "fr"], seed=4)
    sandbox_store_set_throttle(SandboxStore.objects.get(platform="shopify", name="bulk-scan"),
                               restore_rate=100000, bucket_size=200000)
    return desc


def connector(desc, *, bulk_points):
    conn = ShopifyConnector(base_url=desc["base_url"], credentials=desc["credentials"],
                            http=HttpClient(max_retries=1, backoff_cap=0.1))
    conn.scan_bulk_points = bulk_points
    return conn


def scanned(conn, entity):
    return sorted((r.record_id, r.natural_key, r.language, r.translations) for r in conn.scan(entity))


def bulk_queries():
    return SandboxRecord.objects.filter(resource="bulk_operations", lookup="QUERY").count()


def test_a_bulk_scan_reads_what_pages_read_with_a_few_requests(shop):
    paged, bulked = connector(shop, bulk_points=10**9), connector(shop, bulk_points=0)
    for entity in ENTITIES:
        before, calls = bulk_queries(), bulked.http.stats.calls
        expected = scanned(paged, entity)
        assert scanned(bulked, entity) == expected and len(expected) == bulked.count(entity)
        assert bulk_queries() == before + 1
        assert bulked.http.stats.calls - calls < 15  # count, find, start, polls, download, count
    products = scanned(bulked, EntityType.PRODUCT)
    assert any(key and not key.startswith("slug:") for _, key, _, _ in products)
    assert any(tr == ("fr",) for _, _, _, tr in products)


def test_a_bulk_scan_that_cannot_be_read_falls_back_to_pages(shop, monkeypatch):
    paged, bulked = connector(shop, bulk_points=10**9), connector(shop, bulk_points=0)
    expected = scanned(paged, EntityType.PRODUCT)
    monkeypatch.setattr(bulk_read, "_lines", lambda response: iter([b'{"id": "gid://shopify/Product/1"}', b"{oops"]))
    assert scanned(bulked, EntityType.PRODUCT) == expected
    monkeypatch.setattr(bulk_read, "_start", lambda *args: None)  # Shopify refuses (too many bulk queries)
    assert scanned(bulked, EntityType.PRODUCT) == expected
