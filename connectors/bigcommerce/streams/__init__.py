"""The BigCommerce streams, one module per entity (taxonomy holds brands and categories)."""
from connectors.entities import EntityType

from .base import BigCommerceStream
from .coupons import BigCommerceCouponStream
from .customers import BigCommerceCustomerStream
from .orders import BigCommerceOrderStream
from .products import BigCommerceProductStream
from .reviews import BigCommerceReviewStream
from .taxonomy import BigCommerceBrandStream, BigCommerceCategoryStream

E = EntityType
STREAMS: dict[EntityType, type[BigCommerceStream]] = {
    E.MANUFACTURER: BigCommerceBrandStream,
    E.CATEGORY: BigCommerceCategoryStream,
    E.PRODUCT: BigCommerceProductStream,
    E.CUSTOMER: BigCommerceCustomerStream,
    E.ORDER: BigCommerceOrderStream,
    E.REVIEW: BigCommerceReviewStream,
    E.COUPON: BigCommerceCouponStream,
}

__all__ = ["STREAMS", "BigCommerceBrandStream", "BigCommerceCategoryStream", "BigCommerceCouponStream",
           "BigCommerceCustomerStream", "BigCommerceOrderStream", "BigCommerceProductStream",
           "BigCommerceReviewStream", "BigCommerceStream"]
