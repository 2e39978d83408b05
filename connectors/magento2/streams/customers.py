"""Customers: `customers/search`, keyed by email, filtered by `updated_at` on the server; the default billing
and shipping addresses are the canonical ones (the others travel in extra), the group is named by its code
(`customerGroups/search`, read once)."""
from __future__ import annotations

from typing import Any

from connectors.base import BulkWrite, WriteResult
from connectors.entities import Canonical, EntityType

from .. import payloads
from . import bulk, writes
from .base import Magento2Stream


class Magento2CustomerStream(Magento2Stream):
    entity = EntityType.CUSTOMER
    resource = "customers/search"
    item_path = "customers/{id}"
    lookup_field = "email"
    natural_key_fields = ("email",)
    admin_link = "admin/customer/index/edit/id/{id}/"

    def __init__(self, connector: Any) -> None:
        super().__init__(connector)
        self._groups: dict[str, str] | None = None

    def groups_by_id(self) -> dict[str, str]:
        if self._groups is None:
            data, _ = self._call("GET", "customerGroups/search", params={"searchCriteria": ""})
            self._groups = {str(g.get("id")): str(g.get("code") or "") for g in (data or {}).get("items") or []
                            if isinstance(g, dict)}
        return self._groups

    def group_names(self) -> list[str]:
        """The groups a customer can be in (NOT LOGGED IN, id 0, is for guests)."""
        return [name for gid, name in self.groups_by_id().items() if gid != "0" and name]

    def record_context(self, record: Any) -> dict[str, Any]:
        return {"groups": self.groups_by_id()}

    # --- writing (the target side) ---------------------------------------------------------------------------
    def group_id(self, name: str) -> int:
        """The id of the group named `name` (the owner's group mapping names target groups); General (1) else."""
        by_name = {n.lower(): int(i) for i, n in self.groups_by_id().items() if i.isdigit()}
        return by_name.get((name or "").lower(), 1)


class Magento2CustomerWriter(Magento2CustomerStream):
    """Customers as a target: `POST /V1/customers` without a password (Magento sends no email for it; the
    customer sets one with "Forgot your password?")."""

    writable = True
    updatable = {"first_name": ("firstname",), "last_name": ("lastname",), "billing": ("addresses",),
                 "shipping": ("addresses",), "group": ("group_id",)}

    bulk_size = 100  # customers a bulk operation creates (`/async/bulk/V1/customers`)

    def create(self, items: list[Canonical]) -> list[WriteResult]:
        return [self._write(None, item) for item in items]

    def create_bulk(self, items: list[Canonical | None], *, key: str, state: dict[str, Any] | None,
                    until: float) -> BulkWrite:
        return bulk.create_bulk(self, "customers", items, state, until, self.body, bulk.body_key)

    def body(self, item: Any) -> tuple[dict[str, Any], list[str]]:
        return payloads.customer_body(item, group_id=self.group_id(item.group))

    def update(self, target_id: str, item: Canonical, fields: list[str] | None = None) -> WriteResult:
        return self._write(target_id, item)

    def _write(self, target_id: str | None, item: Any) -> WriteResult:
        body, warnings = self.body(item)
        if target_id:
            body["customer"]["id"] = int(target_id)
        data, error = writes.send(self, "PUT" if target_id else "POST",
                                  f"customers/{target_id}" if target_id else "customers", body)
        if error or not isinstance(data, dict) or not data.get("id"):
            return WriteResult(source_id=item.source_id, error=error or "Magento answered no customer id.")
        return WriteResult(source_id=item.source_id, target_id=str(data["id"]), warnings=warnings)

    def delete(self, target_ids: list[str]) -> list[WriteResult]:
        results = []
        for target_id in target_ids:
            _, error = writes.send(self, "DELETE", f"customers/{target_id}")
            ok = not error or writes.is_missing(error)
            results.append(WriteResult(source_id=target_id, target_id=target_id if ok else None,
                                       error=None if ok else error))
        return results
