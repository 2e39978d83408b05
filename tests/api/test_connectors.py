from connectors import registry
from connectors.base import Capabilities
from connectors.entities import EntityType
from connectors.woocommerce import WooCommerceConnector

URL = "/api/v1/connectors/"


def test_connector_list_describes_every_registered_connector(api_client):
    response = api_client.get(URL)

    assert response.status_code == 200
    body = response.json()
    assert [c["platform"] for c in body] == list(registry.all_connectors())
    woo = next(c for c in body if c["platform"] == "woocommerce")
    assert woo == WooCommerceConnector.describe()
    assert {f["key"] for f in woo["credential_fields"]} == {"consumer_key", "consumer_secret"}
    assert "products" in woo["capabilities"]["read"]
    assert {o["key"] for o in woo["options"]} >= {"clear_target", "migrate_images"}


def test_connector_list_reads_the_registry(api_client, monkeypatch):
    class TinyConnector(WooCommerceConnector):
        platform = "tiny"
        label = "Tiny"
        capabilities = Capabilities(read=frozenset({EntityType.PRODUCT}), write=frozenset())

    monkeypatch.setattr(registry, "all_connectors", lambda: {"tiny": TinyConnector})

    body = api_client.get(URL).json()

    assert [c["platform"] for c in body] == ["tiny"]
    assert body[0]["capabilities"]["read"] == ["products"]


def test_connector_list_needs_authentication(client, db):
    response = client.get(URL)

    assert response.status_code == 401
