"""The owner's mappings applied to a run: order statuses (the target's default for each source status,
then the owner's choices). A leaf module used by the engine and verification."""
from __future__ import annotations

from connectors.base import Connector
from connectors.entities import OrderStatus

from ..models import StoreMigration


def status_map(migration: StoreMigration, source: Connector, target: Connector) -> dict[str, str]:
    """Source order status -> target order status: the same status where the target has it, else the
    target's status of the same meaning (processing as the last resort), then the owner's mapping."""
    mapping: dict[str, str] = {}
    for status, meaning in source.order_statuses.items():
        default = status if status in target.order_statuses else target.default_status_for(meaning)
        mapping[status] = default or target.default_status_for(OrderStatus.PROCESSING) or status
    mapping.update(migration.status_mapping or {})
    return mapping
