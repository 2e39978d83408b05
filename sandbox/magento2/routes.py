"""The route table of the emulator, as Magento's `webapi.xml` files declare it: method, path, handler,
the ACL resource a caller needs (None: anonymous) and, for writes, the service contract whose name makes
the async topic. https://developer.adobe.com/commerce/webapi/rest/use-rest/rest-endpoints/
"""
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

from . import attributes, bulk, catalog, customers, sales, stores
from .auth import admin_token_create


@dataclass(frozen=True)
class Route:
    method: str
    pattern: re.Pattern
    handler: Callable
    resource: str | None
    service: tuple[str, str] | None = None


def _compile(path: str) -> re.Pattern:
    return re.compile("^" + re.sub(r":(\w+)", r"(?P<\1>[^/]+)", path) + "/?$")


CATALOG = "Magento_Catalog::products"
PRODUCT_REPO = ("Magento\\Catalog\\Api\\ProductRepositoryInterface", "save")
SALES = "Magento_Sales::actions_view"
_TABLE = [
    ("POST", "integration/admin/token", admin_token_create, None, None),
    ("GET", "store/storeViews", stores.views, "Magento_Backend::store", None),
    ("GET", "store/storeGroups", stores.store_groups, "Magento_Backend::store", None),
    ("GET", "store/websites", stores.websites, "Magento_Backend::store", None),
    ("GET", "store/storeConfigs", stores.configs, "Magento_Backend::store", None),
    ("GET", "products/attributes", attributes.attribute_list, "Magento_Catalog::attributes_attributes", None),
    ("GET", "products/attributes/:code", attributes.attribute_get, "Magento_Catalog::attributes_attributes", None),
    ("GET", "products/attributes/:code/options", attributes.attribute_options_get,
     "Magento_Catalog::attributes_attributes", None),
    ("POST", "products/attributes/:code/options", attributes.attribute_option_add,
     "Magento_Catalog::attributes_attributes",
     ("Magento\\Catalog\\Api\\ProductAttributeOptionManagementInterface", "add")),
    ("GET", "products/attribute-sets/sets/list", attributes.attribute_set_list, "Magento_Catalog::sets", None),
    ("GET", "products/attribute-sets/:set_id", attributes.attribute_set_get, "Magento_Catalog::sets", None),
    ("GET", "products", catalog.product_list, CATALOG, None),
    ("POST", "products", catalog.product_save, CATALOG, PRODUCT_REPO),
    ("GET", "products/:sku", catalog.product_get, CATALOG, None),
    ("PUT", "products/:sku", catalog.product_save, CATALOG, PRODUCT_REPO),
    ("DELETE", "products/:sku", catalog.product_delete, CATALOG,
     ("Magento\\Catalog\\Api\\ProductRepositoryInterface", "deleteById")),
    ("GET", "products/:sku/media", catalog.media_list, CATALOG, None),
    ("POST", "products/:sku/media", catalog.media_add, CATALOG,
     ("Magento\\Catalog\\Api\\ProductAttributeMediaGalleryManagementInterface", "create")),
    ("GET", "configurable-products/:sku/children", catalog.children_list, CATALOG, None),
    ("POST", "configurable-products/:sku/child", catalog.child_add, CATALOG,
     ("Magento\\ConfigurableProduct\\Api\\LinkManagementInterface", "addChild")),
    ("DELETE", "configurable-products/:sku/children/:child_sku", catalog.child_remove, CATALOG,
     ("Magento\\ConfigurableProduct\\Api\\LinkManagementInterface", "removeChild")),
    ("GET", "configurable-products/:sku/options/all", catalog.options_all, CATALOG, None),
    ("POST", "configurable-products/:sku/options", catalog.option_add, CATALOG,
     ("Magento\\ConfigurableProduct\\Api\\OptionRepositoryInterface", "save")),
    ("GET", "categories", attributes.category_tree, "Magento_Catalog::categories", None),
    ("GET", "categories/list", attributes.category_list, "Magento_Catalog::categories", None),
    ("GET", "categories/:category_id", attributes.category_get, "Magento_Catalog::categories", None),
    ("POST", "categories", attributes.category_save, "Magento_Catalog::categories",
     ("Magento\\Catalog\\Api\\CategoryRepositoryInterface", "save")),
    ("PUT", "categories/:category_id", attributes.category_save, "Magento_Catalog::categories",
     ("Magento\\Catalog\\Api\\CategoryRepositoryInterface", "save")),
    ("DELETE", "categories/:category_id", attributes.category_delete, "Magento_Catalog::categories",
     ("Magento\\Catalog\\Api\\CategoryRepositoryInterface", "deleteByIdentifier")),
    ("GET", "customers/search", customers.customer_search, "Magento_Customer::customer", None),
    ("GET", "customers/:customer_id", customers.customer_get, "Magento_Customer::customer", None),
    ("POST", "customers", customers.customer_save, "Magento_Customer::manage",
     ("Magento\\Customer\\Api\\AccountManagementInterface", "createAccount")),
    ("PUT", "customers/:customer_id", customers.customer_save, "Magento_Customer::manage",
     ("Magento\\Customer\\Api\\CustomerRepositoryInterface", "save")),
    ("DELETE", "customers/:customer_id", customers.customer_delete, "Magento_Customer::delete",
     ("Magento\\Customer\\Api\\CustomerRepositoryInterface", "deleteById")),
    ("GET", "customerGroups/search", customers.group_search, "Magento_Customer::group", None),
    ("GET", "taxClasses/search", customers.tax_class_search, "Magento_Tax::manage_tax", None),
    ("GET", "orders", sales.order_list, SALES, None),
    ("GET", "orders/:order_id", sales.order_get, SALES, None),
    ("POST", "orders/:order_id/comments", sales.order_comment, "Magento_Sales::comment",
     ("Magento\\Sales\\Api\\OrderManagementInterface", "addComment")),
    ("POST", "orders/:order_id/cancel", partial(sales.order_action, action="cancel"), "Magento_Sales::cancel",
     ("Magento\\Sales\\Api\\OrderManagementInterface", "cancel")),
    ("POST", "orders/:order_id/hold", partial(sales.order_action, action="hold"), "Magento_Sales::hold",
     ("Magento\\Sales\\Api\\OrderManagementInterface", "hold")),
    ("POST", "orders/:order_id/unhold", partial(sales.order_action, action="unhold"), "Magento_Sales::unhold",
     ("Magento\\Sales\\Api\\OrderManagementInterface", "unHold")),
    ("POST", "order/:order_id/ship", sales.order_ship, "Magento_Sales::ship",
     ("Magento\\Sales\\Api\\ShipOrderInterface", "execute")),
    ("POST", "order/:order_id/invoice", sales.order_invoice, "Magento_Sales::sales_invoice",
     ("Magento\\Sales\\Api\\InvoiceOrderInterface", "execute")),
    ("GET", "invoices", partial(sales.sales_doc_list, kind="invoices"), "Magento_Sales::sales_invoice", None),
    ("GET", "invoices/:doc_id", partial(sales.sales_doc_get, kind="invoices"), "Magento_Sales::sales_invoice", None),
    ("GET", "shipments", partial(sales.sales_doc_list, kind="shipments"), "Magento_Sales::shipment", None),
    ("GET", "shipment/:doc_id", partial(sales.sales_doc_get, kind="shipments"), "Magento_Sales::shipment", None),
    ("POST", "shipment/track", sales.track_add, "Magento_Sales::shipment",
     ("Magento\\Sales\\Api\\ShipmentTrackRepositoryInterface", "save")),
    ("GET", "creditmemos", partial(sales.sales_doc_list, kind="creditmemos"), "Magento_Sales::sales_creditmemo",
     None),
    ("GET", "creditmemo/:doc_id", partial(sales.sales_doc_get, kind="creditmemos"),
     "Magento_Sales::sales_creditmemo", None),
    # VERIFY: Magento_InventoryApi webapi.xml resource names
    ("GET", "inventory/source-items", sales.source_items, "Magento_InventoryApi::source", None),
    ("POST", "inventory/source-items", sales.source_items_save, "Magento_InventoryApi::source_edit",
     ("Magento\\InventoryApi\\Api\\SourceItemsSaveInterface", "execute")),
    ("GET", "cmsPage/search", partial(customers.cms_search, kind="cms_pages"), "Magento_Cms::page", None),
    ("GET", "cmsPage/:cms_id", partial(customers.cms_get, kind="cms_pages"), "Magento_Cms::page", None),
    ("POST", "cmsPage", partial(customers.cms_save, kind="cms_pages"), "Magento_Cms::save",
     ("Magento\\Cms\\Api\\PageRepositoryInterface", "save")),
    ("PUT", "cmsPage/:cms_id", partial(customers.cms_save, kind="cms_pages"), "Magento_Cms::save",
     ("Magento\\Cms\\Api\\PageRepositoryInterface", "save")),
    ("DELETE", "cmsPage/:cms_id", partial(customers.cms_delete, kind="cms_pages"), "Magento_Cms::page_delete",
     ("Magento\\Cms\\Api\\PageRepositoryInterface", "deleteById")),
    ("GET", "cmsBlock/search", partial(customers.cms_search, kind="cms_blocks"), "Magento_Cms::block", None),
    ("GET", "cmsBlock/:cms_id", partial(customers.cms_get, kind="cms_blocks"), "Magento_Cms::block", None),
    ("POST", "cmsBlock", partial(customers.cms_save, kind="cms_blocks"), "Magento_Cms::block",
     ("Magento\\Cms\\Api\\BlockRepositoryInterface", "save")),
    ("GET", "salesRules/search", customers.sales_rule_search, "Magento_SalesRule::quote", None),
    ("GET", "coupons/search", customers.coupon_search, "Magento_SalesRule::quote", None),
    ("GET", "bulk/:bulk_uuid/status", bulk.bulk_status, "Magento_Logging::system_magento_logging_bulk_operations",
     None),
    ("GET", "bulk/:bulk_uuid/detailed-status", bulk.bulk_detailed_status,
     "Magento_Logging::system_magento_logging_bulk_operations", None),
    ("GET", "bulk/:bulk_uuid/operation-status/:status", bulk.bulk_operation_count,
     "Magento_Logging::system_magento_logging_bulk_operations", None),
]
ROUTES = [Route(method, _compile(path), handler, resource, service)
          for method, path, handler, resource, service in _TABLE]


def route_match(method: str, path: str) -> tuple[Route | None, dict]:
    """The first route of `method` whose path matches (literal routes are listed before `:param` ones)."""
    for route in ROUTES:
        if route.method == method:
            match = route.pattern.match(path)
            if match:
                return route, match.groupdict()
    return None, {}
