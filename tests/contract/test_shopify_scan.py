"""Shopify `scan` over real HTTP against the Admin GraphQL sandbox: ids and natural keys by paginated queries,
translations as the locales each resource holds one for (Shopify keeps them inside the resource), and no
translations asked above `scan_translations_max` records."""
from __future__ import annotations

from collections import Counter

import pytest

from connectors.entities import EntityType
from connectors.http import HttpClient
from connectors.shopify import ShopifyConnector

E = EntityType
pytestmark = pytest.mark.django_db(transaction=True)


def connect(store: dict) -> ShopifyConnector:
    return ShopifyConnector(base_url=store["base_url"], credentials=store["credentials"],
                            http=HttpClient(max_retries=2, backoff_cap=0.2))


def test_scan_gives_natural_keys_and_locales_with_a_translation(shopify_store_factory):
    store = shopify_store_factory("scan-shop", products=5, customers=3, orders=2, languages=["en", "fr"], seed=2)
    shop = connect(store)
    products = list(shop.scan(E.PRODUCT))
    read = [p for page in shop.read(E.PRODUCT) for p in page.items]
    assert sorted(r.natural_key for r in products) == sorted(p.natural_key() for p in read)
    assert {r.language for r in products} == {"en"} and not any(r.is_translation for r in products)
    assert all(r.translations == ("fr",) for r in products)  # the seed translates every product

    customers = list(shop.scan(E.CUSTOMER))
    assert sorted(r.natural_key for r in customers) == sorted(
        c.email for page in shop.read(E.CUSTOMER) for c in page.items)
    assert all(r.language == "" and r.translations == () for r in customers)
    orders = list(shop.scan(E.ORDER))
    assert sorted(r.natural_key for r in orders) == sorted(o.number for page in shop.read(E.ORDER) for o in page.items)
    categories = list(shop.scan(E.CATEGORY))
    assert len(categories) == shop.count(E.CATEGORY) and all(r.natural_key for r in categories)


def test_scan_does_not_ask_translations_above_its_limit(shopify_store_factory, monkeypatch):
    store = shopify_store_factory("scan-shop-big", products=3, languages=["en", "fr"], seed=3)
    monkeypatch.setattr(ShopifyConnector, "scan_translations_max", 2)
    products = list(connect(store).scan(E.PRODUCT))
    assert len(products) == 3 and all(r.translations is None for r in products)
    assert Counter(r.natural_key for r in products).most_common(1)[0][1] == 1
