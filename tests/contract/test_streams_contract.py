"""The stream contract, run over every (connector, stream) pair of every registered `StreamConnector`.

Against a small seeded sandbox store of the platform, over real HTTP, each stream's declarations must be true:
- natural key: the key the stream computes for every record it reads finds that record through the stream's
  `find_by_natural_keys` (and `find_by_natural_key`), and is the key the engine stores (`Canonical.natural_key`);
- cursor: the declared cursor field is on every record, and a read of changes honours it (after the newest
  record: nothing; before the oldest: everything); a stream without a cursor returns everything;
- page size: pages of a read hold at most the page size asked, and together are the full read.

A new platform gets the suite by declaring its streams and a recipe in `SEEDED_STORES`. The last tests show the
checks fail on a wrong declaration (a natural key the platform cannot look up, a cursor it does not filter on).
"""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from connectors.entities import MODELS, EntityType
from connectors.http import HttpClient
from connectors.registry import all_connectors
from connectors.sdk import Stream, StreamConnector

E = EntityType
STREAM_CONNECTORS = {p: c for p, c in sorted(all_connectors().items()) if issubclass(c, StreamConnector)}
PAIRS = [(platform, entity) for platform, cls in STREAM_CONNECTORS.items() for entity in cls.streams]
IDS = [f"{platform}-{entity}" for platform, entity in PAIRS]

# platform -> (store factory fixture, seed options): a small store holding records of every stream.
SEEDED_STORES: dict[str, tuple[str, dict]] = {
    "woocommerce": ("woo_store_factory", {"products": 4, "customers": 3, "orders": 3, "reviews": 4, "coupons": 3,
                                          "seed": 21}),
    "shopify": ("shopify_store_factory", {"products": 4, "customers": 3, "orders": 3, "coupons": 3, "pages": 3,
                                          "articles": 3, "seed": 21}),
    "magento2": ("magento2_store_factory", {"products": 4, "customers": 3, "orders": 7, "coupons": 3, "seed": 21}),
    "bigcommerce": ("bigcommerce_store_factory", {"products": 4, "customers": 3, "orders": 3, "reviews": 4,
                                                  "coupons": 3, "quota": 100000, "seed": 21}),
}
PAGE = 2  # small enough that every seeded stream has several pages


def _shopify_reviews(connector: StreamConnector) -> None:
    """Shopify has no reviews of its own: they are the metafields a migration writes, so write a few."""
    from connectors.entities import Review

    products = sorted(p.source_id for p in read_all(connector, E.PRODUCT)[0])
    reviews = [Review(source_id=f"r{k}", product_id=products[k % 3], reviewer=f"R{k}", reviewer_email=f"r{k}@x.io",
                      rating=1 + k % 5, content=f"Review {k}") for k in range(7)]
    assert all(r.ok for r in connector.create(E.REVIEW, reviews))


# platform -> what the seeder cannot make, written through the connector once the store is seeded.
PREPARE = {"shopify": _shopify_reviews}
# platform -> the test module that runs the checks below against a real store of it (no sandbox).
COVERED_ELSEWHERE: dict[str, str] = {"vendure": "tests/realstores/test_vendure_streams.py"}
SANDBOX_PAIRS = [(platform, entity) for platform, entity in PAIRS if platform not in COVERED_ELSEWHERE]


def test_every_stream_connector_is_checked_against_a_store():
    assert set(STREAM_CONNECTORS) <= set(SEEDED_STORES) | set(COVERED_ELSEWHERE)


def read_all(connector: StreamConnector, entity: EntityType, **kwargs) -> tuple[list, list]:
    items, pages = [], []
    for page in connector.read(entity, **kwargs):
        pages.append(page)
        items.extend(page.items)
    return items, pages


# --- the checks (plain functions, so a wrong declaration can be run through them) --------------------------------
def check_natural_keys(connector: StreamConnector, stream: Stream) -> None:
    items, _ = read_all(connector, stream.entity)
    assert items, f"{stream.entity}: the seeded store has no records to check"
    by_key: dict[str, set[str]] = {}
    for item in items:
        key = stream.natural_key(item)
        if key:
            by_key.setdefault(key, set()).add(item.source_id)
    assert by_key, f"{stream.entity}: no record has a natural key {stream.natural_key_fields}"
    found = connector.find_by_natural_keys(stream.entity, list(by_key))
    lost = {key: ids for key, ids in by_key.items() if found.get(key) not in ids}
    assert not lost, (f"{stream.entity}: declared natural key {stream.natural_key_fields} does not find "
                      f"{len(lost)} of {len(by_key)} records by their key, e.g. {next(iter(lost.items()))}")
    key, ids = next(iter(by_key.items()))
    assert connector.find_by_natural_key(stream.entity, key) in ids
    for item in items:
        assert stream.natural_key(item) == item.natural_key(), (
            f"{stream.entity}: the stream's key differs from the one the engine stores for {item.source_id}")


def check_cursor(connector: StreamConnector, stream: Stream) -> None:
    items, _ = read_all(connector, stream.entity)
    assert items, f"{stream.entity}: the seeded store has no records to check"
    every = sorted(i.source_id for i in items)
    if not stream.cursor_field:
        later, _ = read_all(connector, stream.entity, modified_since=datetime.now(UTC) + timedelta(days=1))
        assert sorted(i.source_id for i in later) == every, (
            f"{stream.entity}: declares no cursor, so a read of changes must return every record")
        return
    values = [stream.cursor_value(i) for i in items]
    assert all(v is not None for v in values), (
        f"{stream.entity}: declared cursor {stream.cursor_field!r} is missing on records read")
    after, _ = read_all(connector, stream.entity, modified_since=max(values) + timedelta(seconds=2))
    assert after == [], (f"{stream.entity}: a read of changes after the newest record returned {len(after)} "
                         f"records: cursor {stream.cursor_field!r} ({stream.cursor_filter}) is not honoured")
    before, _ = read_all(connector, stream.entity, modified_since=min(values) - timedelta(seconds=2))
    assert sorted(i.source_id for i in before) == every, (
        f"{stream.entity}: a read of changes before the oldest record did not return every record")


def check_pages(connector: StreamConnector, stream: Stream) -> None:
    caps = connector.capabilities
    assert caps.page_sizes.get(stream.entity, caps.page_size) == (stream.page_size or caps.page_size)
    everything, _ = read_all(connector, stream.entity)
    items, pages = read_all(connector, stream.entity, page_size=PAGE)
    assert [i.source_id for i in items] == [i.source_id for i in everything]
    if not stream.paginated:
        assert len(pages) == 1 and pages[0].next_checkpoint is None
        return
    if stream.page_counts == "parents":  # a page holds the records of PAGE parents: more pages than parents/PAGE
        assert len(pages) > 1 and all(p.next_checkpoint for p in pages[:-1]), [len(p.items) for p in pages]
        return
    assert all(len(p.items) + len(p.errors) <= PAGE for p in pages), [len(p.items) for p in pages]
    if len(everything) > PAGE:
        assert len(pages) > 1 and all(p.next_checkpoint for p in pages[:-1])


# --- the suite ---------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("platform", "entity"), PAIRS, ids=IDS)
def test_stream_declarations_are_consistent(platform, entity):
    cls = STREAM_CONNECTORS[platform]
    stream = cls.streams[entity]
    fields = set(MODELS[entity].model_fields)
    assert stream.entity == entity
    assert stream.natural_key_fields and set(stream.natural_key_fields) <= fields
    assert set(stream.updatable) <= fields
    assert stream.cursor_filter in ("server", "client")
    assert stream.page_size is None or 0 < stream.page_size <= cls.default_page_size
    caps = cls.capabilities
    assert (entity in caps.read) == stream.readable and (entity in caps.write) == stream.writable
    assert tuple(caps.updatable_fields.get(entity, ())) == tuple(stream.updatable)
    assert (entity in caps.modified_filter) == stream.filters_changes_on_server()


@pytest.fixture
def seeded(request):
    """A function seeding the sandbox store of a platform (once per test) and connecting to it."""

    def connect(platform: str, cls: type[StreamConnector] | None = None) -> StreamConnector:
        if platform not in SEEDED_STORES:
            pytest.fail(f"Declare how to seed a sandbox store for {platform} in SEEDED_STORES.")
        fixture, options = SEEDED_STORES[platform]
        store = request.getfixturevalue(fixture)(f"streams-{platform}", **options)
        connector = (cls or STREAM_CONNECTORS[platform])(base_url=store["base_url"], credentials=store["credentials"],
                                                         http=HttpClient(max_retries=2, backoff_cap=0.2))
        if platform in PREPARE:
            PREPARE[platform](connector)
        return connector

    return connect


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(("platform", "entity"), SANDBOX_PAIRS, ids=[f"{p}-{e}" for p, e in SANDBOX_PAIRS])
def test_stream_keeps_its_declarations_against_the_sandbox(seeded, platform, entity):
    connector = seeded(platform)
    stream = connector.stream(entity)
    check_natural_keys(connector, stream)
    check_cursor(connector, stream)
    check_pages(connector, stream)


# --- the checks catch wrong declarations ----------------------------------------------------------------------------
def with_stream(base: type[StreamConnector], stream: type[Stream]) -> type[StreamConnector]:
    """`base` with one stream replaced (its capabilities derived again)."""
    return type(f"Wrong{base.__name__}", (base,), {"streams": {**base.streams, stream.entity: stream}})


@pytest.mark.django_db(transaction=True)
def test_the_checks_fail_on_a_wrong_natural_key_or_cursor(seeded):
    from connectors.woocommerce.streams import WooCommerceCategoryStream, WooCommerceCustomerStream

    class CustomersByFirstName(WooCommerceCustomerStream):
        natural_key_fields = ("first_name",)  # wrong: WooCommerce looks customers up by email

    class CustomersFilteredOnTheServer(WooCommerceCustomerStream):
        cursor_filter = "server"
        since_param = "updated_after"  # wrong: not a WooCommerce filter, so every record comes back

    class CategoriesWithACursor(WooCommerceCategoryStream):
        cursor_field = "date_modified_gmt"  # wrong: terms carry no dates

    woocommerce = STREAM_CONNECTORS["woocommerce"]
    connector = seeded("woocommerce", with_stream(woocommerce, CustomersByFirstName))
    check_natural_keys(connector, connector.stream(E.ORDER))  # the right declarations pass...
    check_cursor(connector, connector.stream(E.ORDER))
    with pytest.raises(AssertionError, match="does not find"):  # ...the wrong ones do not
        check_natural_keys(connector, connector.stream(E.CUSTOMER))

    connector = with_stream(woocommerce, CustomersFilteredOnTheServer)(
        base_url=connector.base_url, credentials=connector.credentials, http=connector.http)
    assert E.CUSTOMER in type(connector).capabilities.modified_filter  # what the wrong stream claims
    with pytest.raises(AssertionError, match="is not honoured"):
        check_cursor(connector, connector.stream(E.CUSTOMER))

    connector = with_stream(woocommerce, CategoriesWithACursor)(
        base_url=connector.base_url, credentials=connector.credentials, http=connector.http)
    with pytest.raises(AssertionError, match="is missing on records"):
        check_cursor(connector, connector.stream(E.CATEGORY))
