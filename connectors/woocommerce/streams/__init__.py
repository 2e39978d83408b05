"""The WooCommerce streams, one module per entity; `STREAMS` is what the connector declares."""
from connectors.entities import EntityType

from .base import WooCommerceStream
from .brands import WooCommerceBrandStream
from .categories import WooCommerceCategoryStream
from .coupons import WooCommerceCouponStream
from .customers import WooCommerceCustomerStream
from .orders import WooCommerceOrderStream
from .products import VARIANT_FIELDS, WooCommerceProductStream
from .reviews import WooCommerceReviewStream
from .tax_classes import WooCommerceTaxClassStream
from .translatable import WooCommerceTranslatableStream

STREAMS: dict[EntityType, type[WooCommerceStream]] = {
    stream.entity: stream
    for stream in (
        WooCommerceTaxClassStream,
        WooCommerceBrandStream,
        WooCommerceCategoryStream,
        WooCommerceProductStream,
        WooCommerceCustomerStream,
        WooCommerceOrderStream,
        WooCommerceReviewStream,
        WooCommerceCouponStream,
    )
}

__all__ = [
    "STREAMS",
    "VARIANT_FIELDS",
    "WooCommerceBrandStream",
    "WooCommerceCategoryStream",
    "WooCommerceCouponStream",
    "WooCommerceCustomerStream",
    "WooCommerceOrderStream",
    "WooCommerceProductStream",
    "WooCommerceReviewStream",
    "WooCommerceStream",
    "WooCommerceTaxClassStream",
    "WooCommerceTranslatableStream",
]
