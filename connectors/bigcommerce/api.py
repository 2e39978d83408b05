"""BigCommerce REST Management API constants and error reading shared by the connector and its streams."""
from __future__ import annotations

from typing import Any

MAX_LIMIT = 250  # v3 `limit` maximum (413 beyond) [docs/start/about/common-query-params.mdx]
V2_MAX_LIMIT = 250  # v2 orders `limit` maximum [orders.v2.oas2.yml]
PRODUCT_BATCH = 10  # PUT /catalog/products takes at most 10 products [products_catalog.v3.yml]
CUSTOMER_BATCH = 10  # POST/PUT /customers take at most 10 customers [customers.v3.yml]
REDIRECT_BATCH = 100  # PUT /storefront/redirects [redirects.v3.yml]
PRODUCT_INCLUDE = "variants,images,custom_fields"
ORDER_INCLUDE = "consignments.line_items"
# Requests of other workers possibly on their way while a response's headers are read: kept in reserve.
QUOTA_RESERVE = 3

TOKEN_HELP = ("BigCommerce control panel → Settings → Store-level API accounts → Create API account (token type "
              "V2/V3 API token). The API path shows the store hash: https://api.bigcommerce.com/stores/<hash>/v3/.")


def error_text(data: Any) -> str:
    """What a v3 (`{status, title, errors}`) or v2 (`[{status, message}]`) error body says."""
    if isinstance(data, list) and data and isinstance(data[0], dict):
        return "; ".join(str(e.get("message") or e.get("details") or "") for e in data if isinstance(e, dict))
    if isinstance(data, dict):
        title = str(data.get("title") or data.get("message") or "")
        errors = data.get("errors")
        if isinstance(errors, dict) and errors:
            details = "; ".join(f"{k}: {v}" for k, v in list(errors.items())[:5])
            return f"{title} ({details})" if title else details
        return title
    return str(data or "")[:300] if isinstance(data, str) else ""
