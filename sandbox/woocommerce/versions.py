"""The legacy namespaces `wc/v1` (WooCommerce 2.6) and `wc/v2` (3.0), still registered by WooCommerce 9.x
next to `wc/v3` and served by the same data: a route exists in the namespaces whose controllers register
it (plugins/woocommerce/includes/rest-api/Controllers/Version1, Version2, Version3), and v1 answers
orders, refunds and products with its older field set [woocommerce-rest-api-docs wp-api-v1/_orders.md,
_order-refunds.md, _products.md]; v2 answers product reviews under products/{id}/reviews
[wp-api-v2/_product-reviews.md]. Everything else is answered as wc/v3 answers it.
"""
from .resources import money

V1, V2, V3 = "v1", "v2", "v3"
ALL = frozenset({V1, V2, V3})
SINCE_V2 = frozenset({V2, V3})
# route id -> namespaces that serve it; a route not listed here is served by all three.
ROUTE_VERSIONS: dict[str, frozenset] = {
    "variations": SINCE_V2,  # v1 has no variations controller (variations are written through products)
    "reviews": frozenset({V3}),  # products/reviews is v3; v1/v2 read products/{id}/reviews
    "product_reviews": frozenset({V1, V2}),
    "system_status": SINCE_V2, "system_status_tools": SINCE_V2, "payment_gateways": SINCE_V2,
    "shipping_zones": SINCE_V2, "shipping_zone_locations": SINCE_V2, "shipping_zone_methods": SINCE_V2,
    "shipping_methods": SINCE_V2,
    "all_refunds": frozenset({V3}),  # GET /wc/v3/refunds, WooCommerce 9.0+
    "index_v3": frozenset({V3}),
}

V1_ORDER_FIELDS = (
    "id", "parent_id", "status", "order_key", "number", "currency", "version", "prices_include_tax", "date_created",
    "date_modified", "customer_id", "discount_total", "discount_tax", "shipping_total", "shipping_tax", "cart_tax",
    "total", "total_tax", "billing", "shipping", "payment_method", "payment_method_title", "transaction_id",
    "customer_ip_address", "customer_user_agent", "created_via", "customer_note", "date_completed", "date_paid",
    "cart_hash", "line_items", "tax_lines", "shipping_lines", "fee_lines", "coupon_lines", "refunds",
)
V1_LINE_FIELDS = (
    "id", "name", "sku", "product_id", "variation_id", "quantity", "tax_class", "price", "subtotal", "subtotal_tax",
    "total", "total_tax", "taxes", "meta",
)
V1_PRODUCT_DROP = frozenset({
    "date_created_gmt", "date_modified_gmt", "date_on_sale_from_gmt", "date_on_sale_to_gmt", "meta_data", "brands",
    "stock_status", "low_stock_amount", "has_options", "post_password", "global_unique_id", "type_label",
})


def route_available(route: str, version: str) -> bool:
    return version in ROUTE_VERSIONS.get(route, ALL)


def _v1_meta(meta_data) -> list[dict]:
    """v1 line items carry `meta` [{key, label, value}] instead of `meta_data`; hidden keys stay hidden."""
    return [{"key": m.get("key"), "label": m.get("key"), "value": m.get("value")}
            for m in meta_data or [] if isinstance(m, dict) and not str(m.get("key", "")).startswith("_")]


def _v1_line(line: dict) -> dict:
    out = {k: line[k] for k in V1_LINE_FIELDS if k in line}
    if "price" in line:
        out["price"] = money(line["price"])
    out["meta"] = _v1_meta(line.get("meta_data"))
    return out


def _v1_lines(out: dict) -> None:
    for kind in ("line_items", "shipping_lines", "fee_lines", "tax_lines", "coupon_lines"):
        if isinstance(out.get(kind), list):
            out[kind] = [_v1_line(x) if kind == "line_items" else
                         {k: v for k, v in x.items() if k != "meta_data"} for x in out[kind]]


def _v1_order(out: dict) -> dict:
    out = {k: out[k] for k in V1_ORDER_FIELDS if k in out}
    _v1_lines(out)
    return out


def _v1_refund(out: dict) -> dict:
    slim = {k: out[k] for k in ("id", "date_created", "amount", "reason", "line_items") if k in out}
    slim["line_items"] = [_v1_line(x) for x in slim.get("line_items") or []]
    return slim


def _v1_product(out: dict) -> dict:
    out = {k: v for k, v in out.items() if k not in V1_PRODUCT_DROP}
    if "stock_status" in out or "manage_stock" in out:
        out["in_stock"] = out.get("stock_status", "instock") != "outofstock"
    return out


def legacy_review(out: dict, version: str) -> dict:
    """products/{id}/reviews (v1, v2): {id, date_created[, date_created_gmt], review, rating, name, email,
    verified} [wp-api-v2/_product-reviews.md]."""
    review = {"id": out["id"], "date_created": out.get("date_created")}
    if version == V2:
        review["date_created_gmt"] = out.get("date_created_gmt")
    review.update(review=out.get("review", ""), rating=out.get("rating", 0), name=out.get("reviewer", ""),
                  email=out.get("reviewer_email", ""), verified=bool(out.get("verified")))
    return review


def adapt(resource: str, version: str, out):
    """Reshape one rendered wc/v3 record (or a list, or a batch answer) for the namespace asked."""
    if version == V3:
        return out
    if isinstance(out, list):
        return [adapt(resource, version, item) for item in out]
    if not isinstance(out, dict) or "error" in out:
        return out
    if resource == "product_reviews":
        return legacy_review(out, version)
    if version != V1:
        return out
    if set(out) <= {"create", "update", "delete"}:
        return {k: adapt(resource, version, v) for k, v in out.items()}
    if resource == "orders":
        return _v1_order(out)
    if resource == "refunds":
        return _v1_refund(out)
    if resource == "products":
        return _v1_product(out)
    return out
