"""Shopify (Admin GraphQL API) connector: connector.py for transport, pacing and the connection check,
streams/ for one stream per entity (paging, bulk reads, writes), bulk.py for bulk operations, mappers.py for
the JSON <-> canonical translations and the documented mappings."""
from .connector import ShopifyConnector

CONNECTOR = ShopifyConnector

__all__ = ["CONNECTOR", "ShopifyConnector"]
