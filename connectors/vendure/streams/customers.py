"""Customers: registered customers (with a user account) and their addresses, keyed by email. The `customers`
list also holds the guests of orders (no user): they are left out of reads, counts and ids. Filtered here by
modification time: a customer's `updatedAt` does not move when only an address changes. Addresses have one
`fullName`: it is split on the customer's own names, else before the last word. Passwords are never migrated."""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from connectors.base import ScannedRecord, WriteResult
from connectors.entities import Canonical, Customer, EntityType

from .. import mappers
from ..graphql import ERROR_RESULT, Op
from .base import VendureStream, country_hint

CUSTOMER_FIELDS = """id createdAt updatedAt title firstName lastName emailAddress phoneNumber user { id }
  addresses { id updatedAt fullName company streetLine1 streetLine2 city province postalCode phoneNumber
    country { code } defaultShippingAddress defaultBillingAddress }"""


class VendureCustomerStream(VendureStream):
    entity = EntityType.CUSTOMER
    list_field = "customers"
    one_field = "customer"
    delete_mutation = "deleteCustomers"
    list_total_is_count = False  # totalItems counts the guests too
    natural_key_fields = ("email",)
    updatable = {
        "first_name": ("firstName",),
        "last_name": ("lastName",),
        "phone": ("phoneNumber",),
        "billing": ("addresses",),
        "shipping": ("addresses",),
    }
    admin_link = "admin/customer/customers/{id}"

    # --- reading --------------------------------------------------------------------------------------------
    def selection(self) -> str:
        return CUSTOMER_FIELDS

    def listed(self, record: Any) -> bool:
        return not (isinstance(record, dict) and not record.get("user"))  # a guest of an order: not a customer

    def registered(self) -> Iterator[dict[str, Any]]:
        return (c for c in self._paged("customers", "id user { id }", type_name="CustomerListOptions")
                if c.get("user"))

    def count(self) -> int:
        return sum(1 for _ in self.registered())

    def list_ids(self) -> Iterator[str]:
        for customer in self.registered():
            yield str(customer["id"])

    def find_keys(self, wanted: list[str], found: dict[str, str]) -> None:
        self.lookup("customers", "emailAddress", wanted, "emailAddress", select="user { id }",
                    accept=lambda r: r.get("user"), into=found)

    def scan(self) -> Iterator[ScannedRecord]:
        """Registered customers, keyed by email."""
        self.store()
        for record in self._paged("customers", "id emailAddress user { id }", type_name="CustomerListOptions"):
            if record.get("user"):
                email = str(record.get("emailAddress") or "").strip().lower()
                yield ScannedRecord(record_id=str(record["id"]), natural_key=email or None)

    # --- writing --------------------------------------------------------------------------------------------
    def create_records(self, items: list[Canonical]) -> list[WriteResult]:
        """Two requests per page: the customers (EmailAddressConflictError is that record's error), then their
        addresses (a refused address, e.g. a country the store lacks, is a warning: the customer exists)."""
        results: dict[int, WriteResult] = {}
        ops = []
        for index, item in enumerate(items):
            assert isinstance(item, Customer)
            results[index] = WriteResult(source_id=item.source_id)
            ops.append(Op("createCustomer", {"input": ("CreateCustomerInput!", mappers.customer_input(item))},
                          "{ ... on Customer { id } " + ERROR_RESULT + " }", key=index))
        address_ops = []
        for op, (value, error) in zip(ops, self._mutate(ops), strict=True):
            if error:
                results[op.key].error = error
                continue
            results[op.key].target_id = str(value["id"])
            for address in mappers.customer_address_inputs(items[op.key]):
                address_ops.append(Op("createCustomerAddress", {"customerId": ("ID!", str(value["id"])),
                                                                "input": ("CreateAddressInput!", address)},
                                      "{ id }", key=op.key))
        for op, (_, error) in zip(address_ops, self._mutate(address_ops), strict=True):
            if error:
                results[op.key].warnings.append(f"An address was refused: {error}{country_hint(error)}")
        return [results[i] for i in range(len(items))]

    def update_record(self, target_id: str, item: Canonical, fields: list[str] | None) -> WriteResult:
        """Names and phone in place; the default billing and shipping addresses updated in place (created when
        missing; one address for both when they are the same place)."""
        assert isinstance(item, Customer)
        data = self._query(f"query One($id: ID!) {{ customer(id: $id) {{ {CUSTOMER_FIELDS} }} }}", {"id": target_id})
        raw = data.get("customer")
        if not isinstance(raw, dict):
            return WriteResult(source_id=item.source_id, error=f"Customer {target_id} does not exist on Vendure.")
        wanted = set(fields) if fields is not None else None
        result = WriteResult(source_id=item.source_id, target_id=target_id)
        ops = []
        full = mappers.customer_input(item)
        keys = {"firstName", "lastName", "phoneNumber", "title"} if wanted is None else set()
        for canonical, key in (("first_name", "firstName"), ("last_name", "lastName"), ("phone", "phoneNumber")):
            if wanted is not None and canonical in wanted:
                keys.add(key)
        if keys:
            ops.append(Op("updateCustomer", {"input": ("UpdateCustomerInput!", {
                "id": target_id, **{k: v for k, v in full.items() if k in keys}})},
                "{ ... on Customer { id } " + ERROR_RESULT + " }"))
        if wanted is None or {"billing", "shipping"} & wanted:
            addresses = raw.get("addresses") or []
            billing = next((a for a in addresses if a.get("defaultBillingAddress")), None)
            shipping = next((a for a in addresses if a.get("defaultShippingAddress")), None)
            for address in mappers.customer_address_inputs(item):
                is_billing, is_shipping = address["defaultBillingAddress"], address["defaultShippingAddress"]
                if wanted is not None and not ((is_billing and "billing" in wanted) or
                                               (is_shipping and "shipping" in wanted)):
                    continue
                current = billing if is_billing else shipping
                if is_billing and is_shipping and billing and shipping and billing["id"] != shipping["id"]:
                    ops.append(Op("deleteCustomerAddress", {"id": ("ID!", str(shipping["id"]))}, "{ success }"))
                if current:
                    ops.append(Op("updateCustomerAddress", {"input": ("UpdateAddressInput!", {
                        "id": str(current["id"]), **address})}, "{ id }"))
                else:
                    ops.append(Op("createCustomerAddress", {"customerId": ("ID!", target_id),
                                                            "input": ("CreateAddressInput!", address)}, "{ id }"))
        for op, (_, error) in zip(ops, self._mutate(ops), strict=True):
            if error and op.name == "updateCustomer":
                return WriteResult(source_id=item.source_id, error=error)
            if error:
                result.warnings.append(f"An address was refused: {error}{country_hint(error)}")
        return result
