"""Customers: `customers`, keyed by email. WooCommerce cannot filter customers by modification time
[_customers.md], so a read of changes reads them all and keeps those modified since (client side)."""
from __future__ import annotations

from typing import Any

from connectors.entities import Canonical, EntityType

from .. import mappers
from .base import WooCommerceStream


class WooCommerceCustomerStream(WooCommerceStream):
    entity = EntityType.CUSTOMER
    resource = "customers"
    natural_key_fields = ("email",)
    lookup_param = "email"
    cursor_field = "date_modified_gmt"
    cursor_filter = "client"
    updatable = {
        "first_name": ("first_name",),
        "last_name": ("last_name",),
        "phone": ("billing",),
        "billing": ("billing",),
        "shipping": ("shipping",),
    }
    admin_link = "wp-admin/user-edit.php?user_id={id}"

    def payload(self, item: Canonical, context: Any) -> dict[str, Any]:
        return mappers.customer_to_wc(item)

    def update_body(self, target_id: str, item: Canonical, full: dict[str, Any], fields: list[str] | None
                    ) -> dict[str, Any]:
        if "username" in full:
            full.pop("username")  # usernames cannot be changed in WordPress
        body = super().update_body(target_id, item, full, fields)
        if fields is not None and "phone" in fields and "billing" not in fields:
            body["billing"] = {"phone": full["billing"]["phone"]}  # the phone lives in the billing address
        return body
