"""The Magento 2 streams, one module per entity (see base.py for paging, reads of changes and translations)."""
from connectors.entities import EntityType

from .base import Magento2Stream
from .categories import Magento2CategoryStream, Magento2CategoryWriter
from .coupons import Magento2CouponStream
from .customers import Magento2CustomerStream, Magento2CustomerWriter
from .manufacturers import Magento2ManufacturerStream, Magento2ManufacturerWriter
from .orders import Magento2OrderStream
from .pages import Magento2PageStream, Magento2PageWriter
from .products import Magento2ProductStream
from .products_write import Magento2ProductWriter
from .tax_classes import Magento2TaxClassStream

STREAMS: dict[EntityType, type[Magento2Stream]] = {
    EntityType.TAX_CLASS: Magento2TaxClassStream,
    EntityType.MANUFACTURER: Magento2ManufacturerWriter,
    EntityType.CATEGORY: Magento2CategoryWriter,
    EntityType.PRODUCT: Magento2ProductWriter,
    EntityType.CUSTOMER: Magento2CustomerWriter,
    EntityType.ORDER: Magento2OrderStream,
    EntityType.COUPON: Magento2CouponStream,
    EntityType.PAGE: Magento2PageWriter,
}

__all__ = ["STREAMS", "Magento2CategoryStream", "Magento2CategoryWriter", "Magento2CouponStream",
           "Magento2CustomerStream", "Magento2CustomerWriter", "Magento2ManufacturerStream",
           "Magento2ManufacturerWriter", "Magento2OrderStream", "Magento2PageStream", "Magento2PageWriter",
           "Magento2ProductStream", "Magento2ProductWriter", "Magento2Stream", "Magento2TaxClassStream"]
