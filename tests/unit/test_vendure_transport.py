"""Vendure connector transport rules with a scripted GraphQL server (no Vendure, no network): logins and API
keys, error classification, one record per request for writes, credentials never in messages."""
from __future__ import annotations

import json

import pytest
import requests
from requests.adapters import BaseAdapter

from connectors.entities import Category, EntityType
from connectors.errors import AuthenticationError, ConfigError, TransientError
from connectors.http import HttpClient
from connectors.vendure import VendureConnector
from connectors.vendure import connector as vendure_module

BASE = "https://vendure.example.com"
PASSWORD = "s3cret-Passw0rd"
STORE = {"data": {"activeChannel": {"id": "1", "code": "__default_channel__", "defaultLanguageCode": "en",
                                    "availableLanguageCodes": ["en"], "defaultCurrencyCode": "USD",
                                    "availableCurrencyCodes": ["USD"], "trackInventory": True, "outOfStockThreshold": 0,
                                    "seller": {"name": "Default seller"}},
                  "globalSettings": {"trackInventory": True, "outOfStockThreshold": 0,
                                     "serverConfig": {"moneyStrategyPrecision": 2, "entityCustomFields": []}}}}


class ScriptedGraphQL(BaseAdapter):
    """Answers POSTs with `handler(query, variables, headers) -> (status, body, headers)`."""

    def __init__(self, handler):
        super().__init__()
        self.handler = handler
        self.calls: list[tuple[str, dict, dict]] = []

    def send(self, request, **kwargs):
        payload = json.loads(request.body)
        headers = dict(request.headers)
        self.calls.append((payload["query"], payload.get("variables") or {}, headers))
        status, body, answer_headers = self.handler(payload["query"], payload.get("variables") or {}, headers)
        response = requests.Response()
        response.status_code = status
        response.url = request.url
        response.request = request
        response.headers.update(answer_headers or {})
        response._content = body if isinstance(body, bytes) else json.dumps(body).encode()
        return response

    def close(self):
        pass


@pytest.fixture(autouse=True)
def _no_cached_tokens():
    vendure_module._TOKENS.clear()
    yield
    vendure_module._TOKENS.clear()


def connector_with(handler, **credentials) -> tuple[VendureConnector, ScriptedGraphQL]:
    http = HttpClient(max_retries=1, backoff_cap=0.01)
    adapter = ScriptedGraphQL(handler)
    http.session.mount("https://", adapter)
    connector = VendureConnector(base_url=BASE + "/admin-api/", credentials=credentials or {
        "username": "admin", "password": PASSWORD}, http=http)
    return connector, adapter


def test_a_password_login_sends_the_returned_token_as_bearer_and_the_url_loses_admin_api():
    def handler(query, variables, headers):
        if "login(" in query:
            return 200, {"data": {"login": {"id": "1", "identifier": "admin"}}}, {"vendure-auth-token": "tok-1"}
        assert headers["Authorization"] == "Bearer tok-1"
        return 200, STORE, {}

    connector, adapter = connector_with(handler)
    assert connector.base_url == BASE and connector.store()["currency"] == "USD"
    assert [c[1].get("password") for c in adapter.calls] == [PASSWORD, None]


def test_an_api_key_goes_in_its_header_without_a_login_and_a_channel_token_in_vendure_token():
    def handler(query, variables, headers):
        assert "login(" not in query
        assert headers["vendure-api-key"] == "key-1" and headers["vendure-token"] == "chan"
        return 200, STORE, {}

    connector, _ = connector_with(handler, api_key="key-1", channel_token="chan")
    assert connector.store()["default_language"] == "en"


def test_refused_credentials_are_an_authentication_error_naming_the_url_not_the_password():
    def handler(query, variables, headers):
        return 200, {"data": {"login": {"errorCode": "INVALID_CREDENTIALS_ERROR",
                                        "message": "The provided credentials are invalid"}}}, {}

    connector, _ = connector_with(handler)
    with pytest.raises(AuthenticationError) as caught:
        connector.check_connection()
    assert f"{BASE}/admin-api" in str(caught.value) and "credentials are invalid" in str(caught.value)
    assert PASSWORD not in str(caught.value)


def test_an_expired_session_logs_in_once_more_then_gives_up_with_an_authentication_error():
    logins = []

    def handler(query, variables, headers):
        if "login(" in query:
            logins.append(1)
            return 200, {"data": {"login": {"id": "1"}}}, {"vendure-auth-token": f"tok-{len(logins)}"}
        return 200, {"errors": [{"message": "You are not currently authorized to perform this action",
                                 "extensions": {"code": "FORBIDDEN"}}], "data": None}, {}

    connector, _ = connector_with(handler)
    with pytest.raises(AuthenticationError, match="permissions"):
        connector.store()
    assert len(logins) == 2


def test_a_schema_this_server_lacks_is_a_config_error_and_5xx_on_a_read_is_transient():
    def schema(query, variables, headers):
        return 400, {"errors": [{"message": "Cannot query field \"productSku\" on type \"Product\".",
                                 "extensions": {"code": "GRAPHQL_VALIDATION_FAILED"}}]}, {}

    connector, _ = connector_with(schema, api_key="k")
    with pytest.raises(ConfigError, match="CartmigratePlugin"):
        connector.store()

    def down(query, variables, headers):
        return 503, b"<html>maintenance</html>", {}

    connector, adapter = connector_with(down, api_key="k")
    with pytest.raises(TransientError):
        connector.store()
    assert len(adapter.calls) == 2  # a read is retried


def test_not_a_graphql_answer_is_a_config_error_naming_the_admin_api():
    connector, _ = connector_with(lambda q, v, h: (404, b"<html>Not found</html>", {}), api_key="k")
    with pytest.raises(ConfigError, match="No Vendure Admin API at https://vendure.example.com/admin-api"):
        connector.check_connection()


def test_each_records_writes_go_in_their_own_request_so_a_failure_stays_with_its_record():
    def handler(query, variables, headers):
        if "activeChannel" in query:
            return 200, STORE, {}
        name = variables["m0_input"]["translations"][0]["name"]
        if name == "Broken":  # a thrown error nulls the whole answer (non-null field)
            return 200, {"data": None, "errors": [{"message": "boom", "path": ["m0"]}]}, {}
        return 200, {"data": {"m0": {"id": f"id-{name}"}}}, {}

    connector, adapter = connector_with(handler, api_key="k")
    results = connector.create(EntityType.CATEGORY, [Category(source_id=str(i), name=n)
                                                     for i, n in enumerate(["Shoes", "Broken", "Hats"])])
    assert [(r.target_id, r.error) for r in results] == [("id-Shoes", None), (None, "boom"), ("id-Hats", None)]
    assert len([c for c in adapter.calls if "createCollection" in c[0]]) == 3


def test_safe_writes_share_a_request_and_are_sent_again_one_by_one_when_one_fails():
    def handler(query, variables, headers):
        if "deleteProducts" not in query:
            return 200, STORE, {}
        if len(variables) > 1:
            return 200, {"data": None, "errors": [{"message": "No Product with the id \"2\" could be found",
                                                   "path": ["m1"], "extensions": {"code": "ENTITY_NOT_FOUND"}}]}, {}
        (ids,) = variables.values()
        if ids == ["2"]:
            return 200, {"data": None, "errors": [{"message": "No Product with the id \"2\" could be found",
                                                   "path": ["m0"]}]}, {}
        return 200, {"data": {"m0": [{"result": "DELETED", "message": None}]}}, {}

    connector, adapter = connector_with(handler, api_key="k")
    results = connector.delete(EntityType.PRODUCT, ["1", "2", "3"])
    assert all(r.ok for r in results)  # a missing record counts as deleted
    assert len([c for c in adapter.calls if "deleteProducts" in c[0]]) == 4
