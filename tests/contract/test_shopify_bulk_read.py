"""Shopify bulk query reads that outlive a step: polling a slow operation across steps, resuming the
result file from a byte offset, and a start whose answer was lost (real HTTP against the sandbox)."""
from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from connectors.entities import EntityType as E
from connectors.http import HttpClient
from connectors.shopify import ShopifyConnector
from tests.contract.test_shopify_connector import bulk_operations, connect, dumps, generous, read_all

pytestmark = pytest.mark.django_db(transaction=True)


def _store_settings(name: str, **values) -> None:
    from sandbox.models import SandboxStore

    store = SandboxStore.objects.get(platform="shopify", name=name)
    store.settings.update(values)
    store.save(update_fields=["settings"])


def _file_gets(connector: ShopifyConnector) -> list:
    """The result-file downloads the connector makes: (status, Range asked, Content-Range, bytes)."""
    seen: list = []

    def hook(response, *args, **kwargs):
        if "/_files/" in response.url:
            seen.append((response.status_code, response.request.headers.get("Range"),
                         response.headers.get("Content-Range"), int(response.headers.get("Content-Length") or 0)))

    connector.http.session.hooks["response"].append(hook)
    return seen


@pytest.fixture
def products_store(shopify_store_factory):
    desc = shopify_store_factory("bulk-bytes", products=24, seed=5)
    generous("bulk-bytes")
    whole = connect(desc)
    whole.bulk_read_min = 1
    gets = _file_gets(whole)
    expected = dumps(read_all(whole, E.PRODUCT)[0])
    assert len(expected) == 24 and len(gets) == 1 and gets[0][1] is None
    return desc, expected, gets[0][3]


@settings(max_examples=5, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(stop_after=st.integers(1, 7), page_size=st.integers(3, 5))
def test_a_bulk_read_resumed_mid_file_reads_on_from_its_byte_and_yields_each_record_once(products_store, stop_after,
                                                                                         page_size):
    desc, expected, size = products_store
    connector = connect(desc)
    connector.bulk_read_min = 1
    pages = connector.read(E.PRODUCT, page_size=page_size)
    read = [page for _, page in zip(range(stop_after), pages, strict=False)]
    pages.close()  # the step ends here (budget spent, or the worker died)
    checkpoint = read[-1].next_checkpoint
    first = [item for page in read for item in page.items]
    if checkpoint is None:
        assert dumps(first) == expected
        return
    resumed = connect(desc)
    resumed.bulk_read_min = 1
    gets = _file_gets(resumed)
    rest, errors = read_all(resumed, E.PRODUCT, checkpoint=checkpoint, page_size=page_size)
    assert errors == [] and dumps(first + rest) == expected  # each record once, in order
    byte = checkpoint["byte"]
    assert 0 < byte < size and checkpoint["offset"] == len(first)
    assert gets == [(206, f"bytes={byte}-", f"bytes {byte}-{size - 1}/{size}", size - byte)]


def test_a_slow_bulk_query_is_polled_across_steps_without_starting_another(shopify_store_factory):
    desc = shopify_store_factory("bulk-slow", products=12, seed=4)
    generous("bulk-slow")
    _store_settings("bulk-slow", bulk_roots_per_read=2)  # six reads of its status before it completes
    connector = connect(desc)
    connector.bulk_read_min = 1
    expected_ids = sorted(str(r.record_id) for r in _products("bulk-slow"))
    pages = connector.read(E.PRODUCT, page_size=5)
    waiting = next(pages)
    pages.close()  # the engine ends its step at the first page past its budget
    assert waiting.items == [] and waiting.errors == []
    operation = waiting.next_checkpoint["bulk"]
    assert waiting.next_checkpoint == {"bulk": operation, "offset": 0, "byte": 0}
    assert bulk_operations("bulk-slow") == [("QUERY", "RUNNING")]
    steps, checkpoint, items = 0, waiting.next_checkpoint, []
    while checkpoint is not None:  # each step: a fresh connector and one page, as the engine's steps do
        steps += 1
        step = connect(desc)
        step.bulk_read_min = 1
        page = next(step.read(E.PRODUCT, checkpoint=checkpoint, page_size=5))
        assert page.next_checkpoint is None or page.next_checkpoint["bulk"] == operation
        items += page.items
        checkpoint = page.next_checkpoint
        assert steps < 30
    assert sorted(i.source_id for i in items) == expected_ids
    assert bulk_operations("bulk-slow") == [("QUERY", "COMPLETED")]


def test_a_bulk_start_whose_answer_is_lost_reuses_the_operation_it_started(shopify_store_factory):
    desc = shopify_store_factory("bulk-lost", products=9, seed=6)
    generous("bulk-lost")
    _store_settings("bulk-lost", bulk_start_answer_delay_ms=2500)  # Shopify takes it, the answer comes late
    assert connect(desc).count(E.PRODUCT) == 9  # the sandbox's first request builds its schema: not timed here
    connector = ShopifyConnector(base_url=desc["base_url"], credentials=desc["credentials"],
                                 http=HttpClient(timeout=1.0, max_retries=2, backoff_cap=0.2), options={})
    connector.bulk_read_min = 1
    items, errors = read_all(connector, E.PRODUCT)
    assert errors == [] and sorted(i.source_id for i in items) == sorted(str(r.record_id)
                                                                        for r in _products("bulk-lost"))
    assert bulk_operations("bulk-lost") == [("QUERY", "COMPLETED")]  # one operation, not one per retry
    # A step that died after the start (no checkpoint saved) finds our running operation again.
    _store_settings("bulk-lost", bulk_start_answer_delay_ms=0, bulk_roots_per_read=2)
    pages = connector.read(E.PRODUCT)
    assert next(pages).items == []
    pages.close()
    again = connect(desc)
    again.bulk_read_min = 1
    assert len(read_all(again, E.PRODUCT)[0]) == 9
    assert bulk_operations("bulk-lost") == [("QUERY", "COMPLETED")] * 2


def _products(name: str):
    from sandbox.models import SandboxRecord

    return SandboxRecord.objects.filter(store__name=name, resource="products")
