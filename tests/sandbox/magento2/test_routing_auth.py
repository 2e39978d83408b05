"""Store codes, store discovery, tokens and ACL errors of the Magento 2 sandbox, over real HTTP."""
import time

from sandbox.models import SandboxRecord

from .conftest import MagentoClient

NOT_AUTHORIZED = "The consumer isn't authorized to access %resources."


def _store_codes_route_to_views_and_unknown_code_is_no_route(m2):
    assert m2.call("GET", "store/storeViews", code="default").status_code == 200
    assert m2.call("GET", "store/storeViews", code="fr").status_code == 200
    assert m2.call("GET", "store/storeViews", code="all").status_code == 200
    assert m2.call("GET", "store/storeViews", code=None).status_code == 200  # no code: the default view
    unknown = m2.call("GET", "store/storeViews", code="nl")
    assert unknown.status_code == 404
    assert unknown.json() == {"message": "Request does not match any route."}
    assert m2.call("GET", "nothing/here").json() == {"message": "Request does not match any route."}
    assert m2.call("DELETE", "store/storeViews").status_code == 404


def _store_discovery_lists_views_locales_and_urls(m2):
    views = m2.ok("GET", "store/storeViews")
    assert [(v["id"], v["code"]) for v in views] == [(0, "admin"), (1, "default"), (2, "fr")]
    configs = {c["code"]: c for c in m2.ok("GET", "store/storeConfigs")}
    assert configs["default"]["locale"] == "en_US" and configs["fr"]["locale"] == "fr_FR"
    assert configs["fr"]["base_currency_code"] == "USD"
    assert configs["fr"]["base_url"] != configs["default"]["base_url"]
    assert all(c["base_url"].startswith(m2.described["base_url"]) for c in configs.values())
    assert [w["code"] for w in m2.ok("GET", "store/websites")] == ["admin", "base"]
    groups = m2.ok("GET", "store/storeGroups")
    assert groups[1]["root_category_id"] == 2 and groups[1]["default_store_id"] == 1


def _wrong_token_and_guest_get_the_acl_error_of_the_route(m2):
    wrong = m2.get("products", {"searchCriteria[pageSize]": 1}, token="wrong-token")
    assert wrong.status_code == 401
    assert wrong.json() == {"message": NOT_AUTHORIZED, "parameters": {"resources": "Magento_Catalog::products"}}
    guest = MagentoClient(m2.described, token="").get("store/storeViews")
    assert guest.status_code == 401
    assert guest.json() == {"message": NOT_AUTHORIZED, "parameters": {"resources": "Magento_Backend::store"}}


def _limited_acl_token_reads_catalog_but_not_customers(m2):
    limited = MagentoClient(m2.described, token=m2.described["read_only_credentials"]["access_token"])
    assert limited.get("store/storeConfigs").status_code == 200
    assert limited.get("products", {"searchCriteria[pageSize]": 1}).status_code == 200
    denied = limited.get("customers/search", {"searchCriteria[pageSize]": 1})
    assert denied.status_code == 401
    assert denied.json() == {"message": NOT_AUTHORIZED, "parameters": {"resources": "Magento_Customer::customer"}}
    assert limited.get("orders", {"searchCriteria[pageSize]": 1}).json()["parameters"] == {
        "resources": "Magento_Sales::actions_view"}


def _admin_token_is_a_bare_string_valid_for_four_hours(m2):
    credentials = m2.described["credentials"]
    response = m2.call("POST", "integration/admin/token", token="",
                       json={"username": credentials["admin_username"], "password": credentials["admin_password"]})
    assert response.status_code == 200
    token = response.json()
    assert isinstance(token, str) and len(token) == 32
    admin = MagentoClient(m2.described, token=token)
    assert admin.get("customers/search", {"searchCriteria[pageSize]": 1}).status_code == 200
    row = SandboxRecord.objects.get(resource="admin_tokens", lookup=token)
    assert 4 * 3600 - 60 < row.data["expires_at"] - time.time() <= 4 * 3600
    row.data["expires_at"] = time.time() - 1
    row.save()
    expired = admin.get("customers/search", {"searchCriteria[pageSize]": 1})
    assert expired.status_code == 401 and expired.json()["message"] == NOT_AUTHORIZED


def _admin_token_refuses_wrong_and_missing_credentials(m2):
    wrong = m2.call("POST", "integration/admin/token", token="", json={"username": "admin", "password": "nope"})
    assert wrong.status_code == 401
    assert wrong.json()["message"].startswith("The account sign-in was incorrect")
    missing = m2.call("POST", "integration/admin/token", token="", json={"username": "admin"})
    assert missing.status_code == 400
    assert missing.json()["errors"] == [{"message": '"%fieldName" is required. Enter and try again.',
                                         "parameters": {"fieldName": "password"}}]


def _list_without_search_criteria_and_bad_json_are_400(m2):
    response = m2.get("products")
    assert response.status_code == 400
    assert response.json() == {"message": '"%fieldName" is required. Enter and try again.',
                               "parameters": {"fieldName": "searchCriteria"}}
    bad = m2.call("POST", "products", data=b"{nope", headers={"Content-Type": "application/json"})
    assert bad.status_code == 400 and bad.json() == {"message": "Decoding error."}


def test_store_codes_and_discovery(m2):
    """One store, several checks: each live_server test flushes the database."""
    _store_codes_route_to_views_and_unknown_code_is_no_route(m2)
    _store_discovery_lists_views_locales_and_urls(m2)
    _list_without_search_criteria_and_bad_json_are_400(m2)


def test_tokens_and_acl(m2):
    """Wrong token, guest, limited ACL and admin tokens on one store."""
    _wrong_token_and_guest_get_the_acl_error_of_the_route(m2)
    _limited_acl_token_reads_catalog_but_not_customers(m2)
    _admin_token_is_a_bare_string_valid_for_four_hours(m2)
    _admin_token_refuses_wrong_and_missing_credentials(m2)
