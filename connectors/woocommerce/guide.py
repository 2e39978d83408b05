"""The help center's WooCommerce page (connectors.base.PlatformGuide)."""
from connectors.base import PlatformGuide

GUIDE = PlatformGuide(
    key_steps=(
        "Log in to the WordPress admin of the store as an administrator (the key acts as the user it belongs to).",
        "Go to WooCommerce → Settings → Advanced → REST API and click Add key.",
        "Give it a description (e.g. Cartmigrate), pick that administrator as the user and set Permissions to "
        "Read/Write; click Generate API key.",
        "Copy the Consumer key (starts with ck_) and the Consumer secret (starts with cs_) into the wizard: the "
        "secret is shown only once.",
        "The store URL is the address of the WordPress site's home page (https://…); pretty permalinks must be on "
        "(Settings → Permalinks: anything but Plain) so that /wp-json/ answers.",
    ),
    source_permissions=("Read (Read/Write also works)",),
    target_permissions=("Read/Write",),
    notes=(
        "Use HTTPS: over plain HTTP many hosts strip the key from the request.",
        "A security plugin or firewall that blocks /wp-json/ blocks the migration too: allow it for the time of "
        "the migration.",
        "With WPML, translations are migrated with their products, categories and pages.",
        "Revoke the key (same page, Revoke) once the migration and its smart updates are over.",
    ),
    docs_url="https://woocommerce.github.io/woocommerce-rest-api-docs/#authentication",
)
