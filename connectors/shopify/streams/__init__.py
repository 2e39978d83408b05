"""The Shopify streams, one module per entity; `STREAMS` is what the connector declares."""
from connectors.entities import EntityType

from .base import ShopifyStream
from .blog_posts import ShopifyBlogPostStream
from .categories import ShopifyCategoryStream
from .coupons import ShopifyCouponStream
from .customers import ShopifyCustomerStream
from .orders import ShopifyOrderStream
from .pages import ShopifyPageStream
from .products import ShopifyProductStream
from .reviews import ShopifyReviewStream

STREAMS: dict[EntityType, type[ShopifyStream]] = {
    stream.entity: stream
    for stream in (
        ShopifyCategoryStream,
        ShopifyProductStream,
        ShopifyCustomerStream,
        ShopifyOrderStream,
        ShopifyReviewStream,
        ShopifyCouponStream,
        ShopifyPageStream,
        ShopifyBlogPostStream,
    )
}

__all__ = [
    "STREAMS",
    "ShopifyBlogPostStream",
    "ShopifyCategoryStream",
    "ShopifyCouponStream",
    "ShopifyCustomerStream",
    "ShopifyOrderStream",
    "ShopifyPageStream",
    "ShopifyProductStream",
    "ShopifyReviewStream",
    "ShopifyStream",
]
