"""Vendure `scan` against the real Vendure server of this session: records written from a bilingual
WooCommerce sandbox come back once each, with their natural key and the languages of their translations
(Vendure keeps them inside the entity)."""
from __future__ import annotations

import pytest

from connectors.entities import EntityType
from connectors.http import HttpClient
from connectors.vendure import VendureConnector
from connectors.woocommerce import WooCommerceConnector

E = EntityType
pytestmark = pytest.mark.django_db(transaction=True)


def test_scan_lists_written_records_with_keys_and_translation_languages(vendure_server, woo_store_factory):
    source = woo_store_factory("vendure-scan-source", products=3, customers=2, languages=["en", "fr"], seed=21)
    woo = WooCommerceConnector(base_url=source["base_url"], credentials=source["credentials"],
                               http=HttpClient(max_retries=2, backoff_cap=0.2))
    vendure = VendureConnector(base_url=vendure_server.base_url, credentials=vendure_server.credentials,
                               http=HttpClient(max_retries=2, backoff_cap=0.2))
    products = [p.model_copy(update={"category_ids": [], "manufacturer_id": None, "tax_class_id": None,
                                     "sku": f"VSCAN-{p.sku}" if p.sku else ""})
                for page in woo.read(E.PRODUCT) for p in page.items][:3]
    written = vendure.create(E.PRODUCT, products)
    assert all(r.ok for r in written), [r.error for r in written]
    customers = [c for page in woo.read(E.CUSTOMER) for c in page.items]
    customers = [c.model_copy(update={"email": f"vscan-{c.email}"}) for c in customers]
    written_customers = vendure.create(E.CUSTOMER, customers)
    assert all(r.ok for r in written_customers), [r.error for r in written_customers]

    scanned = {r.record_id: r for r in vendure.scan(E.PRODUCT)}
    for item, result in zip(products, written, strict=True):
        record = scanned[result.target_id]
        assert record.natural_key == item.natural_key()
        assert record.language == "en" and not record.is_translation
        assert record.translations == (("fr",) if "fr" in item.translations else ())
    emails = {r.record_id: r.natural_key for r in vendure.scan(E.CUSTOMER)}
    assert [emails[r.target_id] for r in written_customers] == [c.email for c in customers]
