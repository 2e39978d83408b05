"""Vendure connector (Admin GraphQL API); see connector.py for what it keeps and what a store must configure."""
from .connector import VendureConnector

CONNECTOR = VendureConnector

__all__ = ["CONNECTOR", "VendureConnector"]
