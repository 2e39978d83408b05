"""Customers (v3, `include=addresses`): written ten a POST [customers.v3.yml: "up to 10 customers"]; a batch
BigCommerce refuses as a whole (one taken email refuses all ten) is sent again one by one, so only the bad
record fails. Groups travel by name (v2 customer groups; a missing one is created)."""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from connectors.base import WriteResult
from connectors.entities import Canonical, Customer, EntityType

from .. import mappers
from ..api import CUSTOMER_BATCH, error_text
from .base import BigCommerceStream


class BigCommerceCustomerStream(BigCommerceStream):
    entity = EntityType.CUSTOMER
    resource = "customers"
    include = "addresses"
    natural_key_fields = ("email",)
    cursor_field = "date_modified"
    updatable = {"first_name": ("first_name",), "last_name": ("last_name",), "phone": ("phone",),
                 "email": ("email",), "group": ("customer_group_id",)}
    admin_path = "customers/{id}/edit"

    def page_context(self, records: list[Any]) -> Any:
        return self.connector.customer_groups()

    def to_canonical(self, record: dict[str, Any], context: Any) -> Canonical:
        return mappers.customer_to_canonical(record, context or {})

    def payload(self, item: Customer) -> dict[str, Any]:  # type: ignore[override]
        return mappers.customer_to_bc(item, self.connector.customer_group_id(item.group))

    def get(self, record_id: str) -> Canonical | None:
        data, _ = self.fetch_page({**self.list_params(), "id:in": record_id}, 1, 1)
        items, errors = self.map_records(data)
        if errors and not items:
            raise errors[0]
        return items[0] if items else None

    def find_by_natural_keys(self, keys: list[str]) -> dict[str, str]:
        found: dict[str, str] = {}
        emails = sorted({k.lower() for k in keys if k})
        for start in range(0, len(emails), 50):
            data, _ = self.fetch_page({"email:in": ",".join(emails[start:start + 50]),
                                       "include_fields": "id,email"}, 1, 250)
            for record in data:
                if isinstance(record, dict) and record.get("email"):
                    found.setdefault(str(record["email"]).lower(), str(record["id"]))
        return {k: found[k.lower()] for k in keys if k and k.lower() in found}

    def create(self, items: list[Canonical]) -> list[WriteResult]:
        results: list[WriteResult | None] = [None] * len(items)
        pending: list[tuple[int, dict[str, Any]]] = []
        for index, item in enumerate(items):
            try:
                pending.append((index, self.payload(item)))
            except (ValueError, TypeError, KeyError) as exc:
                results[index] = WriteResult(source_id=item.source_id, error=f"Could not prepare the record: {exc}")
        for start in range(0, len(pending), CUSTOMER_BATCH):
            chunk = pending[start:start + CUSTOMER_BATCH]
            for (index, _), outcome in zip(chunk, self._post([body for _, body in chunk]), strict=True):
                results[index] = WriteResult(source_id=items[index].source_id, **outcome)
        return [r for r in results if r is not None]

    def _post(self, bodies: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
        data, response = self.call("POST", self.resource, body=bodies, allow=(400, 409, 413, 422))
        if response.status_code < 300:
            by_email = {str(c.get("email") or "").lower(): str(c["id"]) for c in data.get("data") or []}
            for body in bodies:
                target = by_email.get(body["email"].lower())
                yield {"target_id": target} if target else {"error": "BigCommerce gave no answer for this customer."}
            return
        if len(bodies) > 1:
            for body in bodies:
                yield from self._post([body])
            return
        yield {"error": f"BigCommerce refused it: HTTP {response.status_code} {error_text(data)}"}

    def put(self, target_id: str, item: Canonical, body: dict[str, Any]) -> WriteResult:
        body.pop("addresses", None)
        if body:
            data, response = self.call("PUT", self.resource, body=[{"id": int(target_id), **body}],
                                       allow=(400, 404, 409, 422))
            if response.status_code >= 300:
                return WriteResult(source_id=item.source_id, error=f"BigCommerce refused the update: HTTP "
                                                                   f"{response.status_code} {error_text(data)}")
        return WriteResult(source_id=item.source_id, target_id=target_id)

    def delete(self, target_ids: list[str]) -> list[WriteResult]:
        for start in range(0, len(target_ids), 50):
            self.call("DELETE", self.resource, params={"id:in": ",".join(target_ids[start:start + 50])}, allow=(404,))
        return [WriteResult(source_id=t, target_id=t) for t in target_ids]
