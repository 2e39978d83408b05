"""`ShopifyConnector.create_bulk` over real HTTP against a Shopify sandbox store: a bounded call at a time
(never waiting past its deadline), results mapped back to their records by line, and idempotent by the page's
key (an operation whose start was not recorded is found again, never started twice)."""
from __future__ import annotations

import time
from decimal import Decimal

import pytest

from connectors.entities import EntityType, Product, Variant
from connectors.http import HttpClient
from connectors.shopify import ShopifyConnector

E = EntityType
pytestmark = pytest.mark.django_db(transaction=True)


def connect(store: dict) -> ShopifyConnector:
    return ShopifyConnector(base_url=store["base_url"], credentials=store["credentials"],
                            http=HttpClient(max_retries=2, backoff_cap=0.2, limiter_key=store["store"]))


def bulk_store(factory, name: str, lines_per_second: float | None) -> dict:
    from sandbox.models import SandboxStore
    from sandbox.services import sandbox_store_set_throttle

    described = factory(name)
    store = SandboxStore.objects.get(platform="shopify", name=name)
    sandbox_store_set_throttle(store, restore_rate=100000, bucket_size=200000)
    store.refresh_from_db()
    store.settings = {**store.settings, "bulk_mutation_lines_per_second": lines_per_second}
    store.save(update_fields=["settings"])
    return described


def products(count: int) -> list[Product]:
    items = [Product(source_id=str(i), name=f"Bulk {i}", sku=f"BULK-{i}", price=Decimal("3.25"), manage_stock=True,
                     stock_quantity=i) for i in range(count)]
    if count < 8:
        return items
    items[1] = Product(source_id="1", name="Shirt", slug="shirt", type="variable",
                       options=[{"name": "Size", "values": ["S", "M"]}],
                       variants=[Variant(source_id="v1", sku="SHIRT-S", price=Decimal(9), option_values={"Size": "S"}),
                                 Variant(source_id="v2", sku="SHIRT-M", price=Decimal(9), option_values={"Size": "M"})])
    items[7] = items[7].model_copy(update={"category_ids": ["999999"]})  # a collection that does not exist
    return items


def operations(name: str) -> list[tuple[str, str]]:
    from sandbox.models import SandboxRecord

    return [(o.lookup, o.status) for o in SandboxRecord.objects.filter(
        store__name=name, resource="bulk_operations").order_by("record_id")]


def test_shopify_declares_bulk_creates_of_products():
    caps = ShopifyConnector.capabilities
    assert caps.bulk_sizes == {E.PRODUCT: 250} and caps.bulk_min == 50


def test_create_bulk_returns_while_the_operation_runs_then_maps_each_line_back(shopify_store_factory):
    """A call never waits past `until`: it answers "running" with a state naming the operation; the next calls
    follow that operation (no second one) and, once it ended, give one result per item, in order, a refused
    line staying with its own record and variants mapped as with ordinary creates."""
    desc = bulk_store(shopify_store_factory, "bulk-writes", 25)
    connector = connect(desc)
    items = products(60)
    before = time.monotonic()
    written = connector.create_bulk(E.PRODUCT, items, key="page1", state=None, until=time.monotonic() + 0.5)
    assert time.monotonic() - before < 10  # staged upload + start + polls, not the 2.4 s the 60 lines take
    assert written.running and written.state["id"].startswith("gid://shopify/BulkOperation/")
    assert len(written.state["lines"]) == 60
    assert operations("bulk-writes") in ([("MUTATION", "RUNNING")], [("MUTATION", "CREATED")])
    calls = 1
    while written.running:
        written = connect(desc).create_bulk(E.PRODUCT, items, key="page1", state=written.state,
                                            until=time.monotonic() + 1)
        calls += 1
        assert calls < 60
    assert calls >= 2 and operations("bulk-writes") == [("MUTATION", "COMPLETED")]
    results = written.results
    assert [r.source_id for r in results] == [i.source_id for i in items]
    assert "Collection does not exist" in results[7].error
    assert all(r.ok for k, r in enumerate(results) if k != 7), [r.error for r in results if r.error]
    assert set(results[1].children) == {"v1", "v2"}
    for k in (0, 1, 50, 59):
        copy = connector.get(E.PRODUCT, results[k].target_id)
        assert (copy.name, copy.sku if k != 1 else "") == (items[k].name, items[k].sku if k != 1 else "")
    assert connector.get(E.PRODUCT, results[59].target_id).stock_quantity == 59
    assert connector.count(E.PRODUCT) == 59


def test_create_bulk_finds_an_operation_whose_start_was_not_recorded(shopify_store_factory):
    """A crash between the start and the engine's commit of the state: the next call, with no state but the same
    key, follows the operation already started instead of starting another (nothing created twice)."""
    desc = bulk_store(shopify_store_factory, "bulk-lost", 40)
    items = products(50)
    first = connect(desc).create_bulk(E.PRODUCT, items, key="lost-page", state=None, until=time.monotonic())
    assert first.running
    again = connect(desc)
    written = again.create_bulk(E.PRODUCT, items, key="lost-page", state=None, until=time.monotonic() + 30)
    assert not written.running and written.state["id"] == first.state["id"]
    assert operations("bulk-lost") == [("MUTATION", "COMPLETED")]
    assert sum(1 for r in written.results if r.ok) == 49 and again.count(E.PRODUCT) == 49
    other = connect(desc).create_bulk(E.PRODUCT, products(50)[:2], key="another-page", state=None,
                                      until=time.monotonic())
    assert other.state["id"] != first.state["id"]  # another key is another operation


def test_create_bulk_waits_while_shopify_runs_as_many_bulk_mutations_as_it_allows(shopify_store_factory):
    """Five bulk mutations at a time (API 2026-01): the sixth page is not started, nor written by requests; it
    is asked again later (running, no operation in its state)."""
    desc = bulk_store(shopify_store_factory, "bulk-busy", 0.001)
    for k in range(5):
        assert connect(desc).create_bulk(E.PRODUCT, products(3), key=f"busy{k}", state=None,
                                         until=time.monotonic()).running
    waiting = connect(desc).create_bulk(E.PRODUCT, products(3), key="busy5", state=None, until=time.monotonic())
    assert waiting.running and "id" not in waiting.state
    assert len(operations("bulk-busy")) == 5 and connect(desc).count(E.PRODUCT) == 0


def test_create_bulk_gives_no_result_for_lines_a_stopped_operation_never_ran(shopify_store_factory):
    """An operation cancelled half-way (by the owner) gives no result file (Shopify's `partialDataUrl` is for
    FAILED operations): every item comes back without an outcome, for the engine to look for by natural key,
    and nothing is written by requests behind it."""
    import requests

    desc = bulk_store(shopify_store_factory, "bulk-stopped", 10)
    items = products(30)
    written = connect(desc).create_bulk(E.PRODUCT, items, key="stopped", state=None, until=time.monotonic() + 0.6)
    assert written.running

    def owner(query: str) -> dict:
        return requests.post(f"{desc['base_url']}/admin/api/2026-01/graphql.json", timeout=30, json={
            "query": query, "variables": {"id": written.state["id"]}},
            headers={"X-Shopify-Access-Token": desc["credentials"]["access_token"]}).json()["data"]

    while int(owner("query($id: ID!) { node(id: $id) { ... on BulkOperation { objectCount } } }")["node"]
              ["objectCount"]) < 3:
        time.sleep(0.2)
    assert owner("mutation($id: ID!) { bulkOperationCancel(id: $id) { userErrors { message } } }")[
        "bulkOperationCancel"]["userErrors"] == []
    connector = connect(desc)
    written = connector.create_bulk(E.PRODUCT, items, key="stopped", state=written.state, until=time.monotonic() + 5)
    assert not written.running and written.results == [None] * 30
    created = connector.count(E.PRODUCT)
    assert 0 < created < 30
    found = connector.find_by_natural_keys(E.PRODUCT, [i.natural_key() for i in items])
    assert len(found) == created  # what the engine finds again instead of writing it twice
