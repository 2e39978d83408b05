"""Declarations every registered connector must keep true (parametrized over the registry)."""
import json

import pytest

from connectors.base import Connector
from connectors.entities import MODELS, EntityType, OrderStatus
from connectors.registry import all_connectors

CONNECTORS = sorted(all_connectors().items())


@pytest.mark.parametrize(("platform", "cls"), CONNECTORS, ids=[p for p, _ in CONNECTORS])
def test_connector_declarations_are_consistent(platform, cls: type[Connector]):
    assert cls.platform == platform and cls.label
    assert cls.credential_fields, "the wizard needs at least one credential field"
    caps = cls.capabilities
    assert caps.read and caps.write
    assert set(caps.modified_filter) <= set(caps.read)
    for entity, fields in caps.updatable_fields.items():
        assert entity in caps.write, f"{entity} is updatable but not writable"
        known = set(MODELS[EntityType(entity)].model_fields)
        assert set(fields) <= known, f"{entity}: unknown canonical fields {set(fields) - known}"
    assert all(isinstance(v, OrderStatus) for v in cls.order_statuses.values())
    if EntityType.ORDER in caps.write:
        assert cls.default_status_for(OrderStatus.PROCESSING), "orders need a status to land in"
    assert {"clear_target", "clear_scope"} <= {o.key for o in cls.option_fields}
    json.dumps(cls.describe())  # what /api/v1/connectors/ serves
