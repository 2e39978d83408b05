"""The help center's Magento 2 page (connectors.base.PlatformGuide)."""
from connectors.base import PlatformGuide

GUIDE = PlatformGuide(
    key_steps=(
        "Sign in to the Magento admin as an administrator.",
        "Go to System → Extensions → Integrations and click Add New Integration; name it (e.g. Cartmigrate) and "
        "enter your admin password.",
        "In the API tab choose Resource Access: All, or Custom with at least Stores → Settings → All Stores, "
        "Catalog → Inventory (Products, Categories), Stores → Attributes → Product, Customers (All Customers, "
        "Customer Groups), Sales → Operations (Orders → View, Invoices, Shipments), Marketing → Cart Price Rules, "
        "Content → Elements → Pages and Stores → Taxes.",
        "Save, then click Activate → Allow, and copy the Access Token into the wizard (the other three values are "
        "not needed).",
        "Magento 2.4.4 and later accept an integration token only when Stores → Configuration → Services → OAuth → "
        "Consumer Settings → Allow OAuth Access Tokens to be used as standalone Bearer tokens is Yes; set it for "
        "the time of the migration. Without it, give an admin username and password instead (an admin user "
        "without two-factor sign-in).",
        "The store URL is the store's base URL (https://…), under which /rest/ answers. The store view code is "
        "the Code column of Stores → All Stores for the view holding your default language (usually 'default'); "
        "every other view of the website becomes a language.",
    ),
    source_permissions=("the API resources listed above (read)",),
    target_permissions=("Resource Access: All",),
    notes=(
        "Product reviews are not in Magento's REST API (only in its GraphQL API): they are not migrated from "
        "Magento.",
        "Magento's REST API has no endpoint that creates a historical order (orders are placed through carts): "
        "as a target, Magento takes the catalog, categories and customers.",
        "Revoke the integration (same page, Delete) once the migration and its smart updates are over.",
    ),
    docs_url="https://developer.adobe.com/commerce/webapi/get-started/authentication/gs-authentication-token/",
)
