"""WooCommerce REST API v3 facts shared by the connector and its streams: paths, limits, error bodies."""
from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from connectors.errors import RecordError

API_PATH = "/wp-json/wc/v3/"
# [woocommerce-rest-api-docs _products.md / class-wc-rest-controller.php check_batch_limit: 100 objects]
BATCH_LIMIT = 100
MAX_PER_PAGE = 100  # [class-wc-rest-crud-controller.php get_collection_params: per_page maximum 100]
ORDER_SCAN_LIMIT = 1000  # newest orders scanned by find_by_natural_key when search cannot see the meta


def wc_error(data: Any) -> tuple[str, str]:
    """(code, message) of a WC error body {"code","message","data":{"status"}}."""
    if isinstance(data, dict):
        return str(data.get("code") or ""), str(data.get("message") or "")
    return "", ""


def means_missing(error: str) -> bool:
    text = error.lower()
    return "invalid id" in text or "invalid_id" in text or "does not exist" in text or "not found" in text


def reason(exc: Exception) -> str:
    if isinstance(exc, RecordError):
        return exc.message
    if isinstance(exc, ValidationError):
        return "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()[:3])
    return str(exc)
