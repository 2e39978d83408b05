"""Coupons (v2 marketing): no modification dates (read whole), found by `code`; a coupon restricted to
products and categories at once, or with exclusions, is written with what BigCommerce can hold and a warning."""
from __future__ import annotations

from typing import Any

from connectors.base import WriteResult
from connectors.entities import Canonical, Coupon, EntityType

from .. import mappers
from ..api import error_text
from .v2 import BigCommerceV2Stream


class BigCommerceCouponStream(BigCommerceV2Stream):
    entity = EntityType.COUPON
    resource = "coupons"
    natural_key_fields = ("code",)
    updatable = {"amount": ("amount",), "expires_at": ("expires",), "usage_limit": ("max_uses",)}
    admin_path = "marketing/coupons/{id}/edit"

    def to_canonical(self, record: dict[str, Any], context: Any) -> Canonical:
        return mappers.coupon_to_canonical(record)

    def payload(self, item: Coupon) -> dict[str, Any]:  # type: ignore[override]
        return mappers.coupon_to_bc(item)[0]

    def find_by_natural_keys(self, keys: list[str]) -> dict[str, str]:
        found = {}
        for key in {k for k in keys if k}:
            data, _ = self.call("GET", self.resource, params={"code": key})
            for record in data if isinstance(data, list) else []:
                if str(record.get("code") or "").lower() == key.lower():
                    found[key] = str(record["id"])
        return found

    def create_one(self, item: Canonical, body: dict[str, Any]) -> WriteResult:
        data, response = self.call("POST", self.resource, body=body, allow=(400, 409, 422))
        if response.status_code >= 300:
            return WriteResult(source_id=item.source_id, error=f"BigCommerce refused it: HTTP "
                                                               f"{response.status_code} {error_text(data)}")
        result = WriteResult(source_id=item.source_id, target_id=str(data["id"]))
        warnings = mappers.coupon_to_bc(item)[1]  # type: ignore[arg-type]
        if warnings:
            result.warnings.append("Partly migrated: " + " ".join(warnings))
        return result
