"""The stream contract (tests/contract/test_streams_contract.py) for every Vendure stream, against the real Vendure
server of this session (Vendure has no sandbox, so the generic suite skips it): the declarations agree with the
derived capabilities, the natural key finds every record, the cursor is on every record and a read of changes
honours it, pages hold at most the page size asked; and the checks fail on a wrong declaration.

The store is a channel of its own ("streams"), seeded once for the module with records read from a WooCommerce
sandbox store and written through the connector."""
from __future__ import annotations

import pytest

from connectors.entities import EntityType
from connectors.http import HttpClient
from connectors.vendure import VendureConnector
from connectors.vendure.streams import VendureCustomerStream
from tests.contract.test_streams_contract import PAGE, check_cursor, check_natural_keys, check_pages, with_stream
from tests.contract.test_streams_contract import test_stream_declarations_are_consistent as check_declarations
from tests.realstores.test_vendure_connector import migrate, vendure, woo

E = EntityType
pytestmark = pytest.mark.django_db(transaction=True)

_SEEDED: dict[str, str] = {}  # the channel token, once the module's store is seeded (the server lives all session)


def _stream_emails(entity, item):
    """Customers are shared by email across Vendure channels: keep this module's customers apart."""
    if entity == E.CUSTOMER or (entity == E.ORDER and item.customer_id):
        email = item.email.split("@")[0] + "@streams.example.net"
        billing = item.billing.model_copy(update={"email": email}) if item.billing.email else item.billing
        return item.model_copy(update={"email": email, "billing": billing})
    return item


@pytest.fixture
def seeded_vendure(request, vendure_server) -> VendureConnector:
    """A connector on a Vendure channel holding several records of every stream (seeded on first use)."""
    if "token" not in _SEEDED:
        token = vendure_server.channel("streams")
        source = woo(request.getfixturevalue("woo_store_factory")(
            "vendure-streams", products=4, customers=3, orders=4, seed=21))
        migrate(source, vendure(vendure_server, **vendure_server.credentials, channel_token=token),
                transform=_stream_emails)
        _SEEDED["token"] = token
    return VendureConnector(base_url=vendure_server.base_url,
                            credentials={**vendure_server.credentials, "channel_token": _SEEDED["token"]},
                            http=HttpClient(max_retries=2, backoff_cap=0.2))


@pytest.mark.parametrize("entity", list(VendureConnector.streams), ids=str)
def test_vendure_stream_keeps_its_declarations_against_a_real_store(seeded_vendure, entity):
    check_declarations("vendure", entity)
    assert seeded_vendure.count(entity) > PAGE  # several pages of every stream
    stream = seeded_vendure.stream(entity)
    check_natural_keys(seeded_vendure, stream)
    check_cursor(seeded_vendure, stream)
    check_pages(seeded_vendure, stream)


def test_the_checks_fail_on_a_wrong_vendure_declaration(seeded_vendure):
    class CustomersByFirstName(VendureCustomerStream):
        natural_key_fields = ("first_name",)  # wrong: Vendure customers are looked up by email

    connector = with_stream(VendureConnector, CustomersByFirstName)(
        base_url=seeded_vendure.base_url, credentials=seeded_vendure.credentials, http=seeded_vendure.http)
    with pytest.raises(AssertionError, match="does not find"):
        check_natural_keys(connector, connector.stream(E.CUSTOMER))
