"""Coupons: `coupons/search` (one code each), with the cart price rule that gives each its discount
(`salesRules/search`, `rule_id in` for a page), keyed by code. Coupons and rules carry no modification time, so
a read of changes reads them all."""
from __future__ import annotations

from typing import Any

from connectors.entities import EntityType

from .. import api
from .base import Magento2Stream


class Magento2CouponStream(Magento2Stream):
    entity = EntityType.COUPON
    resource = "coupons/search"
    id_field = "coupon_id"
    id_filter = "coupon_id"
    lookup_field = "code"
    natural_key_fields = ("code",)
    cursor_field = None
    admin_link = "admin/sales_rule/promo_quote/"

    def page_context(self, records: list[Any]) -> dict[str, dict[str, Any]]:
        rule_ids = sorted({r.get("rule_id") for r in records if isinstance(r, dict) and r.get("rule_id")})
        rules: dict[str, dict[str, Any]] = {}
        if rule_ids:
            data, _ = self._call("GET", "salesRules/search", params=api.criteria([("rule_id", rule_ids, "in")]))
            rules = {str(r.get("rule_id")): r for r in (data or {}).get("items") or [] if isinstance(r, dict)}
        return {"rule": {str(r.get("coupon_id")): rules.get(str(r.get("rule_id")), {})
                         for r in records if isinstance(r, dict)}}
