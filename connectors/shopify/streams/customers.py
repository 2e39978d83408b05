"""Customers: `customers`, keyed by email, filtered server-side by `updated_at`; customer groups travel as
tags. A phone Shopify refuses on create (another customer has it, or it finds it invalid) is left off the
customer and kept on the addresses, with a warning. Patches go through customerUpdate."""
from __future__ import annotations

from typing import Any

from connectors.base import WriteResult
from connectors.entities import Canonical, Customer, EntityType

from .. import mappers
from ..mappers import gid
from .base import ShopifyStream

CUSTOMER_FIELDS = """id email firstName lastName phone tags createdAt updatedAt
  emailMarketingConsent { marketingState }
  addresses(first: 5) { firstName lastName company address1 address2 city provinceCode zip countryCodeV2 phone }"""


class ShopifyCustomerStream(ShopifyStream):
    entity = EntityType.CUSTOMER
    list_field, count_field, node_type = "customers", "customersCount", "Customer"
    max_first = 50
    sort_updated = True
    natural_key_fields = ("email",)
    cursor_field = "updatedAt"  # search `updated_at:>=`
    updatable = {
        "first_name": ("firstName",),
        "last_name": ("lastName",),
        "phone": ("phone",),
        "billing": ("addresses",),
        "shipping": ("addresses",),
    }
    admin_link = "admin/customers/{id}"
    create_mutation = ("customerCreate", "input", "CustomerInput!", "customer", "")
    delete_mutation = ("customerDelete", "input", "CustomerDeleteInput!", "deletedCustomerId")
    scan_selection = ("id email", 1)

    def fields(self) -> str:
        return CUSTOMER_FIELDS

    def find_by_natural_key(self, key: str) -> str | None:
        return self.first(f"email:'{self.quoted(key)}'")

    def scan_key(self, node: dict[str, Any]) -> str | None:
        return str(node.get("email") or "").strip().lower() or None

    def build(self, item: Customer) -> tuple[dict[str, Any], list[str]]:
        return mappers.customer_input(item), []

    def create(self, items: list[Canonical]) -> list[WriteResult]:
        results = self.create_with(items, self.build)
        retry = [i for i, r in enumerate(results) if r.error and "Phone" in r.error]
        if retry:  # a phone another customer already has (or Shopify finds invalid): keep it on the addresses
            again = self.create_with([items[i] for i in retry], lambda item: (
                mappers.customer_input(item, with_phone=False),
                [f"Phone {item.phone} was refused by Shopify; kept on the addresses."]))
            for i, result in zip(retry, again, strict=True):
                results[i] = result
        return results

    def update(self, target_id: str, item: Canonical, fields: list[str] | None = None) -> WriteResult:
        assert isinstance(item, Customer)
        full = mappers.customer_input(item)
        wanted = set(fields) if fields is not None else {"first_name", "last_name", "phone", "billing", "shipping",
                                                         "email", "group"}
        customer_input: dict[str, Any] = {"id": gid(self.entity, target_id)}
        if "first_name" in wanted:
            customer_input["firstName"] = item.first_name
        if "last_name" in wanted:
            customer_input["lastName"] = item.last_name
        if "phone" in wanted:
            customer_input["phone"] = item.phone or None
        if wanted & {"billing", "shipping"}:
            customer_input["addresses"] = full["addresses"]
        if "email" in wanted:
            customer_input["email"] = item.email
        if "group" in wanted and "tags" in full:
            customer_input["tags"] = full["tags"]
        [(_, error)] = self._mutate([self.op("customerUpdate", {"input": ("CustomerInput!", customer_input)},
                                             "customer { id }", key=0)])
        if error:
            return WriteResult(source_id=item.source_id, error=error)
        return WriteResult(source_id=item.source_id, target_id=target_id)
