"""The help center's Shopify page (connectors.base.PlatformGuide)."""
from connectors.base import PlatformGuide

from .api import REQUIRED_SCOPES

GUIDE = PlatformGuide(
    key_steps=(
        "Create an app for your store in the Shopify Dev Dashboard (dev.shopify.com) and install it on the store; "
        "an existing custom app made in the store admin (Settings → Apps and sales channels → Develop apps) "
        "works too [shopify.dev/docs/apps/build/authentication-authorization/legacy/admin-custom-apps].",
        "Give the app the Admin API access scopes listed below, then install it (again, after a scope change).",
        "Copy its Admin API access token (starts with shpat_; shown once) into the wizard.",
        "The store URL is the store's myshopify.com address, e.g. https://your-store.myshopify.com.",
    ),
    source_permissions=tuple(f"read_{scope}" for scope in REQUIRED_SCOPES) + ("read_all_orders",),
    target_permissions=tuple(f"write_{scope}" for scope in REQUIRED_SCOPES),
    notes=(
        "Without read_all_orders Shopify returns only the last 60 days of orders: the connection check warns.",
        "write_x includes read_x: a target's token needs only the write scopes.",
        "Shopify's API cannot delete product reviews: a clear keeps them and rewrites them in place.",
        "Uninstall the app once the migration and its smart updates are over: the token stops working.",
    ),
    docs_url="https://shopify.dev/docs/api/usage/access-scopes",
)
