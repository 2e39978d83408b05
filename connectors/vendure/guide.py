"""The help center's Vendure page (connectors.base.PlatformGuide)."""
from connectors.base import PlatformGuide

from .streams.order_flow import PLUGIN_HELP

GUIDE = PlatformGuide(
    key_steps=(
        "In the Vendure Admin UI, go to Settings → Administrators and create an administrator for Cartmigrate "
        "(or use an existing one); give it a role with the permissions below (the SuperAdmin role has them all).",
        "Enter its username and password in the wizard; on Vendure 3.6+ with 'api-key' in "
        "authOptions.tokenMethod you can create an API key instead (Settings → Administrators → API keys).",
        "Only for a channel other than the default one: Settings → Channels → the channel's token.",
        "The store URL is the Vendure server's address, the part before /admin-api.",
    ),
    source_permissions=("ReadCatalog", "ReadCustomer", "ReadOrder", "ReadPromotion", "ReadSettings"),
    target_permissions=("CreateCatalog, UpdateCatalog, DeleteCatalog", "CreateCustomer, UpdateCustomer, "
                        "DeleteCustomer", "CreateOrder, UpdateOrder", "CreatePromotion, UpdatePromotion, "
                        "DeletePromotion", "ReadSettings"),
    notes=(f"Importing orders with their statuses on a target needs Cartmigrate's plugin: {PLUGIN_HELP}",),
    docs_url="https://docs.vendure.io/guides/core-concepts/auth/",
)
