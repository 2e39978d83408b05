"""Magento 2 / Adobe Commerce (REST) connector: see connector.py for transport, store views and the connection
check, streams/ for paging and reads of changes, mappers.py for the JSON <-> canonical translations."""
from .connector import Magento2Connector

CONNECTOR = Magento2Connector

__all__ = ["CONNECTOR", "Magento2Connector"]
