"""Shopify (Admin GraphQL API) connector: see connector.py for transport, pacing and paging, mappers.py
for the JSON <-> canonical translations and the documented mappings."""
from .connector import ShopifyConnector

CONNECTOR = ShopifyConnector

__all__ = ["CONNECTOR", "ShopifyConnector"]
