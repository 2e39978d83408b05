"""Vendure connector (Admin GraphQL API): see connector.py for transport and authentication, streams/ for the
entities (streams/orders.py for what a store must configure), mappers.py for the JSON <-> canonical translations."""
from .connector import VendureConnector

CONNECTOR = VendureConnector

__all__ = ["CONNECTOR", "VendureConnector"]
