"""The resource table: every collection the emulator serves, with BigCommerce's field names and types
(reference/catalog/*.v3.yml, customers.v3.yml, orders.v2.oas2.yml, redirects.v3.yml in bigcommerce/docs)."""
from .engine import Resource

S, N, F, B, L, D = str, int, float, bool, list, dict

PRODUCTS = Resource(
    "products",
    fields={"name": S, "type": S, "sku": S, "description": S, "weight": F, "width": F, "depth": F, "height": F,
            "price": F, "cost_price": F, "retail_price": F, "sale_price": F, "map_price": F, "tax_class_id": N,
            "product_tax_code": S, "categories": L, "brand_id": N, "inventory_level": N,
            "inventory_warning_level": N, "inventory_tracking": S, "fixed_cost_shipping_price": F,
            "is_free_shipping": B, "is_visible": B, "is_featured": B, "related_products": L, "warranty": S,
            "bin_picking_number": S, "upc": S, "mpn": S, "gtin": S, "search_keywords": S, "availability": S,
            "availability_description": S, "sort_order": N, "condition": S, "is_condition_shown": B,
            "order_quantity_minimum": N, "order_quantity_maximum": N, "page_title": S, "meta_keywords": L,
            "meta_description": S, "preorder_release_date": S, "preorder_message": S, "is_preorder_only": B,
            "is_price_hidden": B, "price_hidden_label": S, "custom_url": D, "open_graph_type": S,
            "open_graph_title": S, "open_graph_description": S, "open_graph_use_meta_description": B,
            "open_graph_use_product_name": B, "open_graph_use_image": B, "total_sold": N, "view_count": N},
    required=("name", "type", "weight", "price"),
    defaults={"sku": "", "description": "", "width": 0.0, "depth": 0.0, "height": 0.0, "cost_price": 0.0,
              "retail_price": 0.0, "sale_price": 0.0, "map_price": 0.0, "tax_class_id": 0, "categories": [],
              "brand_id": 0, "inventory_level": 0, "inventory_warning_level": 0, "inventory_tracking": "none",
              "is_free_shipping": False, "is_visible": True, "is_featured": False, "related_products": [-1],
              "warranty": "", "upc": "", "mpn": "", "gtin": "", "search_keywords": "", "availability": "available",
              "availability_description": "", "sort_order": 0, "condition": "New", "is_condition_shown": False,
              "order_quantity_minimum": 0, "order_quantity_maximum": 0, "page_title": "", "meta_keywords": [],
              "meta_description": "", "is_preorder_only": False, "is_price_hidden": False,
              "price_hidden_label": "", "total_sold": 0, "view_count": 0, "reviews_count": 0,
              "reviews_rating_sum": 0},
    unique=(("name", "The product name is a duplicate"), ("custom_url", "The custom URL is a duplicate")),
    lookup="sku",
    filters=("name", "sku", "price", "weight", "condition", "brand_id", "is_visible", "is_featured",
             "is_free_shipping", "inventory_level", "total_sold", "type", "availability"),
)
VARIANTS = Resource(
    "variants",
    fields={"sku": S, "price": F, "sale_price": F, "retail_price": F, "cost_price": F, "map_price": F, "weight": F,
            "width": F, "height": F, "depth": F, "inventory_level": N, "inventory_warning_level": N,
            "option_values": L, "image_url": S, "upc": S, "mpn": S, "gtin": S, "bin_picking_number": S,
            "purchasing_disabled": B, "purchasing_disabled_message": S, "is_free_shipping": B,
            "fixed_cost_shipping_price": F},
    required=("sku",),
    defaults={"price": None, "sale_price": None, "retail_price": None, "cost_price": 0.0, "weight": None,
              "inventory_level": 0, "inventory_warning_level": 0, "option_values": [], "image_url": "",
              "upc": "", "mpn": "", "gtin": "", "purchasing_disabled": False, "purchasing_disabled_message": "",
              "is_free_shipping": False},
    lookup="sku", filters=("sku", "upc", "inventory_level"), parent_field="product_id", dates=False,
)
OPTIONS = Resource("options", fields={"display_name": S, "type": S, "sort_order": N, "option_values": L, "config": D},
                   required=("display_name", "type"), defaults={"sort_order": 0, "option_values": [], "config": {}},
                   lookup="display_name", parent_field="product_id", dates=False)
IMAGES = Resource("images", fields={"image_url": S, "is_thumbnail": B, "sort_order": N, "description": S},
                  required=("image_url",), defaults={"is_thumbnail": False, "sort_order": 0, "description": ""},
                  parent_field="product_id", dates=False)
CUSTOM_FIELDS = Resource("custom_fields", fields={"name": S, "value": S}, required=("name", "value"),
                         parent_field="product_id", dates=False)
# Product metafields: data an app keeps on a product, private to it with `permission_set` app_only
# (reference/catalog/product-metafields_catalog.v3.yml; the batch /catalog/products/metafields).
METAFIELDS = Resource("metafields", fields={"namespace": S, "key": S, "value": S, "permission_set": S,
                                            "description": S},
                      required=("namespace", "key", "value", "permission_set"), defaults={"description": ""},
                      filters=("namespace", "key"), parent_field="resource_id")
REVIEWS = Resource("reviews", fields={"title": S, "text": S, "status": S, "rating": N, "email": S, "name": S,
                                      "date_reviewed": S},
                   required=("title", "date_reviewed"),
                   defaults={"text": "", "status": "pending", "rating": 0, "email": "", "name": ""},
                   filters=("status",), parent_field="product_id")
CATEGORIES = Resource(
    "categories",
    fields={"parent_id": N, "name": S, "description": S, "views": N, "sort_order": N, "page_title": S,
            "search_keywords": S, "meta_keywords": L, "meta_description": S, "layout_file": S, "is_visible": B,
            "default_product_sort": S, "image_url": S, "custom_url": D},
    required=("parent_id", "name"),
    defaults={"description": "", "views": 0, "sort_order": 0, "page_title": "", "search_keywords": "",
              "meta_keywords": [], "meta_description": "", "layout_file": "category.html", "is_visible": True,
              "default_product_sort": "use_store_settings", "image_url": ""},
    unique=(("custom_url", "The custom URL is a duplicate"),),
    lookup="name", filters=("name", "page_title", "is_visible"), parent_field="parent_id", dates=False,
)
BRANDS = Resource("brands", fields={"name": S, "page_title": S, "meta_keywords": L, "meta_description": S,
                                    "image_url": S, "search_keywords": S, "custom_url": D},
                  required=("name",),
                  defaults={"page_title": "", "meta_keywords": [], "meta_description": "", "image_url": "",
                            "search_keywords": ""},
                  unique=(("name", "Brand name is a duplicate"), ("custom_url", "The custom URL is a duplicate")),
                  lookup="name", filters=("name", "page_title"), dates=False)
CUSTOMERS = Resource(
    "customers",
    fields={"email": S, "first_name": S, "last_name": S, "company": S, "phone": S, "notes": S, "tax_exempt_category": S,
            "customer_group_id": N, "registration_ip_address": S, "accepts_product_review_abandoned_cart_emails": B,
            "store_credit_amounts": L, "origin_channel_id": N, "channel_ids": L, "addresses": L, "authentication": D,
            "attributes": L, "form_fields": L},
    required=("email", "first_name", "last_name"),
    defaults={"company": "", "phone": "", "notes": "", "tax_exempt_category": "", "customer_group_id": 0,
              "registration_ip_address": "", "accepts_product_review_abandoned_cart_emails": False,
              "store_credit_amounts": [{"amount": 0}], "origin_channel_id": 1, "channel_ids": None},
    lookup="email", filters=("email", "name", "company", "customer_group_id", "registration_ip_address"),
)
ADDRESSES = Resource(
    "addresses",
    fields={"customer_id": N, "first_name": S, "last_name": S, "company": S, "address1": S, "address2": S, "city": S,
            "state_or_province": S, "postal_code": S, "country_code": S, "phone": S, "address_type": S},
    required=("customer_id", "first_name", "last_name", "address1", "city", "country_code"),
    defaults={"company": "", "address2": "", "state_or_province": "", "postal_code": "", "phone": "",
              "address_type": "residential"},
    filters=("company", "name"), parent_field="customer_id", dates=False,
)
