"""The connector SDK without a network: streams dispatch, capabilities derived from streams, JSON accessors and
GraphQL batching under aliases."""
from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from connectors.base import Capabilities, Page, StoreInfo, WriteResult
from connectors.entities import EntityType, validate_entity
from connectors.errors import ConfigError
from connectors.sdk import Stream, StreamConnector, access
from connectors.sdk import graphql as gql

E = EntityType


class MemoryCustomers(Stream):
    entity = E.CUSTOMER
    natural_key_fields = ("email",)
    cursor_field = "modified"
    page_size = 2
    updatable = {"first_name": ("first",)}
    admin_link = "admin/customers/{id}"

    def __init__(self, connector):
        super().__init__(connector)
        self.records = {"1": {"email": "a@example.com"}, "2": {"email": "b@example.com"}}

    def read(self, *, checkpoint=None, modified_since=None, page_size=None) -> Iterator[Page]:
        items = [validate_entity(self.entity, {"source_id": k, **v}) for k, v in sorted(self.records.items())]
        yield Page(items=items, next_checkpoint=None)

    def find_by_natural_key(self, key):
        return next((k for k, v in self.records.items() if v["email"] == key), None)

    def create(self, items):
        return [WriteResult(source_id=i.source_id, target_id=str(len(self.records) + n)) for n, i in enumerate(items)]


class MemoryTaxClasses(Stream):
    entity = E.TAX_CLASS
    natural_key_fields = ("slug",)
    writable = False


class MemoryConnector(StreamConnector):
    platform = "memory"
    label = "Memory"
    streams = {E.CUSTOMER: MemoryCustomers, E.TAX_CLASS: MemoryTaxClasses}
    batch_size = 10
    supports_languages = True

    def check_connection(self) -> StoreInfo:
        return StoreInfo(name="memory", url=self.base_url)


def connector() -> MemoryConnector:
    return MemoryConnector(base_url="https://memory.example/", credentials={})


def test_capabilities_are_derived_from_the_streams():
    caps = MemoryConnector.capabilities
    assert caps.read == {E.CUSTOMER, E.TAX_CLASS} and caps.write == {E.CUSTOMER}
    assert caps.updatable_fields == {E.CUSTOMER: ("first_name",)}
    assert caps.modified_filter == {E.CUSTOMER} and caps.page_sizes == {E.CUSTOMER: 2}
    assert (caps.batch_size, caps.page_size, caps.languages, caps.customer_groups) == (10, 100, True, False)
    assert caps.as_dict()["read"] == ["customers", "tax_classes"]


def test_a_client_side_or_creation_time_cursor_is_not_a_modified_filter():
    class ClientSide(MemoryCustomers):
        cursor_filter = "client"

    class CreationTime(MemoryCustomers):
        cursor_tracks_changes = False

    for stream in (ClientSide, CreationTime):
        cls = type("C", (MemoryConnector,), {"streams": {E.CUSTOMER: stream}})
        assert cls.capabilities.modified_filter == frozenset() and cls.capabilities.read == {E.CUSTOMER}


def test_a_class_that_writes_its_capabilities_keeps_them():
    caps = Capabilities(read=frozenset({E.PRODUCT}), write=frozenset())
    cls = type("Hand", (MemoryConnector,), {"capabilities": caps})
    assert cls.capabilities is caps


def test_every_connector_method_goes_to_the_entity_stream():
    memory = connector()
    assert memory.stream(E.CUSTOMER) is memory.stream("customers")  # one instance per connector
    assert [i.source_id for page in memory.read(E.CUSTOMER) for i in page.items] == ["1", "2"]
    assert list(memory.list_ids(E.CUSTOMER)) == ["1", "2"]  # default: the ids of a read
    assert memory.find_by_natural_key(E.CUSTOMER, "b@example.com") == "2"
    assert memory.find_by_natural_keys(E.CUSTOMER, ["a@example.com", "x@example.com"]) == {"a@example.com": "1"}
    assert memory.entity_url(E.CUSTOMER, "7") == "https://memory.example/admin/customers/7"
    assert memory.entity_url(E.TAX_CLASS, "7") is None and memory.entity_url(E.ORDER, "7") is None
    customer = validate_entity(E.CUSTOMER, {"source_id": "9", "email": "c@example.com"})
    assert memory.create(E.CUSTOMER, [customer])[0].target_id == "2"
    assert memory.stream(E.CUSTOMER).natural_key(customer) == "c@example.com" == customer.natural_key()
    assert memory.stream(E.CUSTOMER).cursor_value(customer.model_copy(
        update={"updated_at": datetime(2024, 1, 1, tzinfo=UTC)})) == datetime(2024, 1, 1, tzinfo=UTC)


def test_unsupported_entities_and_hooks():
    memory = connector()
    with pytest.raises(ConfigError, match="Memory cannot read orders."):
        list(memory.read(E.ORDER))
    with pytest.raises(ConfigError, match="Memory cannot write tax classes."):
        memory.create(E.TAX_CLASS, [])  # a read-only stream
    with pytest.raises(NotImplementedError):
        memory.count(E.CUSTOMER)
    with pytest.raises(NotImplementedError):
        memory.find_by_natural_keys(E.TAX_CLASS, ["standard"])  # neither lookup hook implemented
    with pytest.raises(NotImplementedError, match="Memory cannot list tax classes for a check."):
        list(memory.scan(E.TAX_CLASS))
    gen = memory.read(E.ORDER)  # generators: the check happens when iterated, as Connector.read always did
    with pytest.raises(ConfigError):
        next(gen)


def test_a_stream_given_as_an_instance_is_bound_to_each_connector():
    shared = MemoryCustomers(None)
    cls = type("Shared", (MemoryConnector,), {"streams": {E.CUSTOMER: shared}})
    one, two = cls(base_url="https://one.example", credentials={}), cls(base_url="https://two.example", credentials={})
    assert one.entity_url(E.CUSTOMER, "1").startswith("https://one.example/")
    assert two.entity_url(E.CUSTOMER, "1").startswith("https://two.example/")
    assert shared.connector is None


# --- JSON accessors --------------------------------------------------------------------------------------------
def test_accessors_read_empty_values_one_way():
    data = {"none": None, "empty": "", "list": [1], "dict": {"a": 1}, "number": 5, "php_empty": []}
    assert access.text(data, "number") == "5" and access.text(data, "none") == "" and access.text(data, "x") == ""
    assert access.text(data, "empty") == ""
    with pytest.raises(ValueError, match="list: expected text"):
        access.text(data, "list")
    assert access.list_of(data, "empty") == access.list_of(data, "none") == access.list_of(data, "x") == []
    assert access.list_of(data, "list") == [1]
    with pytest.raises(ValueError, match="dict: expected a list, got dict"):
        access.list_of(data, "dict")
    assert access.mapping(data["php_empty"], "f") == {} and access.mapping("", "f") == {}
    assert access.mapping(data["dict"], "f") == {"a": 1}
    with pytest.raises(ValueError, match="f: expected an object"):
        access.mapping(5, "f")
    assert access.items_of({"items": [{"id": 1}, 2]}) == [{"id": 1}]
    assert access.items_of({"nodes": [{"id": 2}]}) == [{"id": 2}]
    assert access.items_of({"edges": [{"node": {"id": 3}}, {}]}) == [{"id": 3}]
    assert access.items_of("nope") == []


def test_woocommerce_mappers_read_json_with_the_sdk_accessors():
    from connectors.woocommerce import mappers

    assert mappers._text is access.text and mappers._list is access.list_of and mappers._dict is access.mapping


# --- GraphQL batching ------------------------------------------------------------------------------------------
def op(n: int, cost: float = 10, selection: str = "{ id userErrors { message } }") -> gql.Op:
    return gql.Op("productUpdate", {"input": ("ProductInput!", {"n": n})}, selection, key=n, cost=cost)


def test_document_aliases_every_operation_with_its_variables():
    text, variables, aliases = gql.document([op(0), gql.Op("shop", selection="{ name }")], operation="query",
                                            name="Many", aliases=["m4", "m5"])
    assert aliases == ["m4", "m5"]
    assert text == ("query Many($m4_input: ProductInput!) {\n  m4: productUpdate(input: $m4_input) "
                    "{ id userErrors { message } }\n  m5: shop { name }\n}")
    assert variables == {"m4_input": {"n": 0}}
    assert gql.document([gql.Op("a")])[0] == "mutation Batch {\n  m0: a\n}"


def test_split_by_budget_count_and_size():
    ops = [op(i, cost=30) for i in range(5)]
    assert gql.split(ops, budget=70) == [[0, 1], [2, 3], [4]]
    assert gql.split(ops, max_ops=3) == [[0, 1, 2], [3, 4]]
    one = gql.body_size(*gql.document(ops[:1])[:2])
    assert gql.split(ops, max_bytes=one + 60) == [[0], [1], [2], [3], [4]]
    assert gql.split([op(0, cost=500)], budget=100) == [[0]]  # too big alone: sent alone, the platform says why


def test_answers_map_back_to_their_operation():
    body = {"data": {"m0": {"id": "1", "userErrors": []}, "m1": {"id": None, "userErrors": [{"message": "bad"}]},
                     "m2": None, "m3": None},
            "errors": [{"message": "boom", "path": ["m2", "id"]}, {"message": "whole request"}]}

    def user_errors(value):
        return "; ".join(e["message"] for e in value.get("userErrors") or []) or None

    out = gql.answers(body, ["m0", "m1", "m2", "m3"], payload_error=user_errors, keep_payload=True)
    assert out[0] == ({"id": "1", "userErrors": []}, None)
    assert out[1] == ({"id": None, "userErrors": [{"message": "bad"}]}, "bad")
    assert out[2] == (None, "boom") and out[3] == (None, gql.NO_ANSWER)
    assert gql.unattributed_errors(body, ["m0", "m1", "m2", "m3"]) == [{"message": "whole request"}]


def test_a_field_error_that_nulls_the_data_fails_it_and_the_ones_after():
    body = {"data": None, "errors": [{"message": "not null", "path": ["m1"]}]}
    assert gql.failed_alias(body, ["m0", "m1", "m2"]) == (1, "not null")
    out = gql.answers(body, ["m0", "m1", "m2"])
    assert out[0][1].startswith("Not confirmed") and out[1] == (None, "not null") and out[2] == (None, "not null")


def test_run_batched_splits_halves_when_too_expensive_and_keeps_order():
    sent: list[list[str]] = []

    def send(text, variables):
        aliases = sorted({name.split("_")[0] for name in variables}, key=lambda a: int(a[1:]))
        sent.append(aliases)
        if len(aliases) > 2:
            raise gql.TooExpensive("MAX_COST_EXCEEDED")
        if "m3" in aliases:
            raise gql.BatchRefused("refused as a whole")
        return {"data": {a: {"id": a} for a in aliases}}

    ops = [op(i) for i in range(5)]
    out = gql.run_batched(ops, send, budget=1000)
    assert sent[0] == ["m0", "m1", "m2", "m3", "m4"]  # one request first, then halves
    assert sent[1:] == [["m0", "m1"], ["m2", "m3", "m4"], ["m2"], ["m3", "m4"]]
    assert out[:3] == [({"id": "m0"}, None), ({"id": "m1"}, None), ({"id": "m2"}, None)]
    assert out[3] == out[4] == (None, "refused as a whole")  # m4 went with m3

    def always_too_expensive(text, variables):
        raise gql.TooExpensive("too costly")

    assert gql.run_batched([op(0)], always_too_expensive) == [(None, "too costly")]
