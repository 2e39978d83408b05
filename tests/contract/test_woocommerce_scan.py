"""WooCommerce `scan` over real HTTP (sandbox with WPML): every record once, translations as records of their
own with their language and their group's original, natural keys as the canonical entities define them."""
from __future__ import annotations

from collections import Counter

import pytest

from connectors.entities import EntityType
from connectors.http import HttpClient
from connectors.woocommerce import WooCommerceConnector

E = EntityType
pytestmark = pytest.mark.django_db(transaction=True)


def connect(store: dict) -> WooCommerceConnector:
    return WooCommerceConnector(base_url=store["base_url"], credentials=store["credentials"],
                                http=HttpClient(max_retries=2, backoff_cap=0.2))


def test_scan_lists_originals_and_wpml_translations_with_their_group(woo_store_factory):
    store = woo_store_factory("scan-bilingual", products=6, customers=3, orders=2, languages=["en", "fr"], seed=4)
    woo = connect(store)
    products = list(woo.scan(E.PRODUCT))
    by_lang = Counter(r.language for r in products)
    assert by_lang == {"en": 6, "fr": 6}
    originals = {r.record_id: r for r in products if not r.is_translation}
    assert {r.language for r in originals.values()} == {"en"}
    for record in products:
        if record.is_translation:
            assert record.translation_of in originals  # the WPML group's English original
            assert record.natural_key == originals[record.translation_of].natural_key  # same SKU per language
    assert {r.natural_key for r in originals.values()} == {p.natural_key() for page in woo.read(E.PRODUCT)
                                                           for p in page.items}

    categories = list(woo.scan(E.CATEGORY))
    paths = {r.natural_key for r in categories if r.language == "en"}
    assert any(path.count("/") == 2 for path in paths)  # three levels: "Top/Sub/Leaf"
    assert Counter(r.language for r in categories)["fr"] == Counter(r.language for r in categories)["en"]

    customers = list(woo.scan(E.CUSTOMER))
    assert len(customers) == 3 and all(r.language == "" and r.natural_key and "@" in r.natural_key
                                       for r in customers)
    orders = list(woo.scan(E.ORDER))
    assert sorted(r.natural_key for r in orders) == sorted(o.number for page in woo.read(E.ORDER) for o in page.items)


def test_scan_marks_a_translation_whose_original_is_gone(woo_store_factory):
    store = woo_store_factory("scan-orphan", products=2, languages=["en", "fr"], seed=1)
    woo = connect(store)
    lonely, _ = woo._call("POST", "products", body={"name": "Chaise seule", "sku": "LONE-1", "lang": "fr"})
    scanned = {r.record_id: r for r in woo.scan(E.PRODUCT)}
    record = scanned[str(lonely["id"])]
    assert record.language == "fr" and record.translation_of == "" and record.is_translation
