"""WooCommerce (REST API v3) connector: see connector.py for transport and paging, mappers.py for the
JSON <-> canonical translations."""
from .connector import WooCommerceConnector

CONNECTOR = WooCommerceConnector

__all__ = ["CONNECTOR", "WooCommerceConnector"]
