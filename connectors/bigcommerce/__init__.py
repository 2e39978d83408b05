"""BigCommerce connector (REST Management API: catalog and customers v3, orders v2)."""
from .connector import BigCommerceConnector

__all__ = ["BigCommerceConnector"]
