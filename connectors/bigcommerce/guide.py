"""The help center's BigCommerce page (connectors.base.PlatformGuide)."""
from connectors.base import PlatformGuide

GUIDE = PlatformGuide(
    key_steps=(
        "Log in to the BigCommerce control panel as the store owner (or a user allowed to manage API accounts).",
        "Go to Settings → Store-level API accounts (under API) and click Create API account; pick the token type "
        "V2/V3 API token and give it a name (e.g. Cartmigrate).",
        "Set the OAuth scopes listed below, then Save: BigCommerce shows the access token once and downloads a "
        "file with it.",
        "Copy the access token into the wizard. The API path shown with it reads "
        "https://api.bigcommerce.com/stores/<store hash>/v3/: the part after /stores/ is the store hash.",
        "The store URL is the API address, https://api.bigcommerce.com.",
    ),
    source_permissions=("Products: read-only", "Customers: read-only", "Orders: read-only",
                        "Marketing: read-only", "Content: read-only", "Information & settings: read-only"),
    target_permissions=("Products: modify", "Customers: modify", "Orders: modify", "Marketing: modify",
                        "Content: modify (301 redirects)", "Information & settings: read-only"),
    notes=(
        "Every app on the store shares one request quota (150 requests per 30 seconds on Standard and Plus, 450 "
        "on Pro): the migration paces itself to it, and other apps slow it down while they run.",
        "Orders are created as historical orders (external source M-MIG), so they do not count toward the "
        "store's order volume for pricing; the source's order number is kept as the external order id.",
        "BigCommerce's REST API has one language per field: translations are not migrated. Localized content "
        "exists only on Multi-Storefront stores with international enhancements.",
        "Customers' passwords cannot be moved: customers set a new one with the storefront's password reset.",
        "Delete the API account once the migration and its smart updates are over.",
    ),
    docs_url="https://developer.bigcommerce.com/docs/start/authentication/api-accounts",
)
