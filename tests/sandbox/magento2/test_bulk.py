"""The asynchronous and bulk web API: accepted with a bulk_uuid, run by the in-process consumer, reported by
the bulk status endpoints."""
import json

from .conftest import MagentoClient


def _status(client: MagentoClient, uuid: str, detailed: bool = False) -> dict:
    return client.ok("GET", f"bulk/{uuid}/{'detailed-status' if detailed else 'status'}")


def _async_product_save_is_accepted_then_run(m2):
    response = m2.call("POST", "products", prefix="async/V1",
                       json={"product": {"sku": "ASYNC-1", "name": "Async", "price": 3}})
    assert response.status_code == 202
    accepted = response.json()
    assert set(accepted) == {"bulk_uuid", "request_items", "errors"} and accepted["errors"] is False
    assert accepted["request_items"][0]["status"] == "accepted" and accepted["request_items"][0]["id"] == 0
    status = _status(m2, accepted["bulk_uuid"])
    assert status["operation_count"] == 1 and status["bulk_id"] == accepted["bulk_uuid"]
    assert status["description"] == "Topic async.magento.catalog.api.productrepositoryinterface.save.post"
    assert status["user_type"] == 1
    assert status["operations_list"][0]["status"] == 1
    assert "ProductRepository" in status["operations_list"][0]["result_message"]
    assert m2.ok("GET", "products/ASYNC-1")["price"] == 3


def _bulk_put_by_sku_reports_each_operation(m2):
    m2.ok("POST", "products", json={"product": {"sku": "B-1", "name": "B1"}})
    body = [{"sku": "B-1", "product": {"price": 9}},
            {"sku": "B-2", "product": {"name": "B2", "type_id": "nonsense"}},
            {"sku": "B-3", "product": {"name": "B3", "price": 4}}]
    response = m2.call("PUT", "products/bySku", prefix="async/bulk/V1", code="all", json=body)
    assert response.status_code == 202
    accepted = response.json()
    assert [i["id"] for i in accepted["request_items"]] == [0, 1, 2]
    detailed = _status(m2, accepted["bulk_uuid"], detailed=True)
    assert [op["status"] for op in detailed["operations_list"]] == [1, 3, 1]
    failed = detailed["operations_list"][1]
    assert failed["result_message"] == 'Invalid value of "nonsense" provided for the type_id field.'
    assert failed["topic_name"] == "async.magento.catalog.api.productrepositoryinterface.save.put"
    assert json.loads(json.loads(failed["serialized_data"])["meta_information"]) == body[1]
    assert json.loads(detailed["operations_list"][0]["result_serialized_data"])["price"] == 9
    assert m2.ok("GET", "products/B-3")["name"] == "B3"
    assert m2.ok("GET", f"bulk/{accepted['bulk_uuid']}/operation-status/3") == 1


def _async_errors_unknown_bulk_get_and_acl(m2):
    assert m2.call("GET", "products", prefix="async/V1").status_code == 404
    not_array = m2.call("POST", "products", prefix="async/bulk/V1", json={"product": {"sku": "x"}})
    assert not_array.status_code == 400
    missing = m2.get("bulk/00000000-0000-0000-0000-000000000000/status")
    assert missing.status_code == 404
    assert missing.json() == {"message": "Bulk uuid %bulkUuid not exist",
                              "parameters": {"bulkUuid": "00000000-0000-0000-0000-000000000000"}}
    limited = MagentoClient(m2.described, token=m2.described["read_only_credentials"]["access_token"])
    denied = limited.call("POST", "customers", prefix="async/V1", json={"customer": {"email": "a@b.c"}})
    assert denied.status_code == 401


def _consumer_runs_without_a_status_call(m2):
    """Open operations run a bounded batch at a time at the start of any API request of the store."""
    body = [{"product": {"sku": f"Q-{i}", "name": f"Q {i}"}} for i in range(5)]
    assert m2.call("POST", "products", prefix="async/bulk/V1", json=body).status_code == 202
    assert m2.search("products", {"filter_groups": [{"filters": [
        {"field": "sku", "value": "Q-%", "condition_type": "like"}]}]})["total_count"] == 5


def test_async_and_bulk_life_cycle(m2):
    """Async save, bulk by SKU with a failing element, lazy consumer, errors."""
    _async_product_save_is_accepted_then_run(m2)
    _bulk_put_by_sku_reports_each_operation(m2)
    _consumer_runs_without_a_status_call(m2)
    _async_errors_unknown_bulk_get_and_acl(m2)
