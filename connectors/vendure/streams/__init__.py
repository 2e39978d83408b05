"""The Vendure streams, one module per entity; `STREAMS` is what the connector declares."""
from connectors.entities import EntityType

from .base import VendureStream
from .categories import VendureCategoryStream
from .customers import VendureCustomerStream
from .orders import VendureOrderStream
from .products import VendureProductStream

STREAMS: dict[EntityType, type[VendureStream]] = {
    stream.entity: stream
    for stream in (VendureCategoryStream, VendureProductStream, VendureCustomerStream, VendureOrderStream)
}

__all__ = [
    "STREAMS",
    "VendureCategoryStream",
    "VendureCustomerStream",
    "VendureOrderStream",
    "VendureProductStream",
    "VendureStream",
]
