"""Order refunds as WooCommerce keeps them: `shop_order_refund` objects under an order, with negative
copies of the refunded lines, and the order's `refunds` summary `[{id, reason, total: "-x.xx"}]`.

Creation follows wc_create_refund (plugins/woocommerce/includes/wc-order-functions.php) behind
WC_REST_Order_Refunds_Controller (v3): the documented request `line_items: [{id, quantity, refund_total,
refund_tax: [{id, refund_total}]}]` (RestApiUtil::adjust_create_refund_request_parameters), `amount`
summed from the lines when absent, `api_refund` (default true) going through the order's gateway,
`api_restock` (default true) putting refunded quantities back in stock; an order whose remaining
amount reaches 0 becomes `refunded`. Setting an order's status to `refunded` refunds what remains
("Order fully refunded.", no lines: wc_order_fully_refunded).
[woocommerce-rest-api-docs wp-api-v3/_order-refunds.md]
"""
from decimal import Decimal, InvalidOperation

from ..models import SandboxRecord
from ..records import ids_allocate
from .crud import Ctx, ResourceSpec, Scope, base_queryset, param_bool
from .errors import WooError
from .gateways import gateway_supports_refunds

REFUND_INVALID = ("woocommerce_rest_shop_order_refund_invalid_id", "Invalid ID.")
FULLY_REFUNDED_REASON = "Order fully refunded."
FULLY_REFUNDED_NOTE = (
    "Order status set to refunded. To return funds to the customer you will need to issue a refund through "
    "your payment gateway."
)
STATUS_LABELS = {
    "pending": "Pending payment", "processing": "Processing", "on-hold": "On hold", "completed": "Completed",
    "cancelled": "Cancelled", "refunded": "Refunded", "failed": "Failed", "checkout-draft": "Draft",
}


def _dec(value) -> Decimal:
    try:
        return Decimal(str(value if value not in (None, "") else 0))
    except InvalidOperation:
        return Decimal(0)


def neg(value: Decimal) -> str:
    """A refunded amount as WooCommerce stores it on refund lines: negative, 2 places, never "-0.00"."""
    return f"{-value:.2f}" if value else "0.00"


def refund_defaults(ctx: Ctx | None = None) -> dict:
    return {
        "amount": "0.00", "reason": "", "refunded_by": 1, "refunded_payment": False, "meta_data": [],
        "line_items": [], "shipping_lines": [], "tax_lines": [], "fee_lines": [],
    }


def refunded_total(ctx: Ctx, order_id: int) -> Decimal:
    amounts = base_queryset(ctx, "refunds").filter(parent_id=order_id).values_list("data__amount", flat=True)
    return sum((_dec(a) for a in amounts), Decimal(0))


def _request_lines(raw) -> dict[int, dict]:
    """Public format (a list of {id, quantity, refund_total, refund_tax: [{id, refund_total}]}) or the
    internal one ({item_id: {qty, refund_total, refund_tax: {tax_id: amount}}}) -> the internal one."""
    out: dict[int, dict] = {}
    if isinstance(raw, dict):
        items = [{"id": k, **v} for k, v in raw.items() if isinstance(v, dict)]
    elif isinstance(raw, list):
        items = [i for i in raw if isinstance(i, dict)]
    else:
        return out
    for item in items:
        try:
            item_id = int(item.get("id"))
        except (TypeError, ValueError):
            continue
        taxes = item.get("refund_tax") or {}
        if isinstance(taxes, list):
            taxes = {t.get("id"): t.get("refund_total") for t in taxes if isinstance(t, dict)}
        out[item_id] = {
            "qty": int(_dec(item.get("qty", item.get("quantity", 0)))),
            "refund_total": item.get("refund_total"),
            "refund_tax": {str(k): _dec(v) for k, v in taxes.items() if _dec(v)},
        }
    return out


def _amount_from_lines(lines: dict[int, dict]) -> Decimal | None:
    """Only when every line names a numeric refund_total (RestApiUtil::calculate_refund_amount_from_line_items)."""
    if not lines:
        return None
    total = Decimal(0)
    for line in lines.values():
        try:
            total += Decimal(str(line["refund_total"]))
        except (InvalidOperation, TypeError):
            return None
        total += sum(line["refund_tax"].values(), Decimal(0))
    return total


def refund_line(kind: str, item: dict, asked: dict, meta_id: int, line_id: int) -> dict:
    refund = _dec(asked["refund_total"])
    taxes = asked["refund_tax"]
    tax_total = sum(taxes.values(), Decimal(0))
    tax_list = [{"id": int(k), "total": neg(v), "subtotal": neg(v)} for k, v in taxes.items()]
    meta = [{"id": meta_id, "key": "_refunded_item_id", "value": str(item["id"])}]
    if kind == "line_items":
        qty = asked["qty"]
        return {
            "id": line_id, "name": item.get("name", ""), "product_id": item.get("product_id", 0),
            "variation_id": item.get("variation_id", 0), "quantity": -qty, "tax_class": item.get("tax_class", ""),
            "subtotal": neg(refund), "subtotal_tax": neg(tax_total), "total": neg(refund), "total_tax": neg(tax_total),
            "taxes": tax_list, "meta_data": meta, "sku": item.get("sku", ""),
            # the docs' example answers price with the sign of the refunded total: -9 for one item of 9.00
            "price": float(-refund / qty) if qty else 0.0,
            "image": item.get("image") or {"id": "", "src": ""}, "parent_name": item.get("parent_name"),
        }
    base = {k: item.get(k) for k in ("method_title", "method_id", "instance_id", "name", "tax_class", "tax_status")
            if k in item}
    return {"id": line_id, **base, "total": neg(refund), "total_tax": neg(tax_total), "taxes": tax_list,
            "meta_data": meta}


def refund_tax_lines(order_data: dict, refund_data: dict, line_ids: list[int]) -> list[dict]:
    """The refund's negative tax lines, one per rate of the order that a refunded line taxed
    (WC_Order_Refund::update_taxes); `line_ids` gives the ids, one per rate of the order."""
    out = []
    for rate, line_id in zip(order_data.get("tax_lines") or [], line_ids, strict=False):
        def taxed(kinds, rate_id=rate.get("rate_id")):
            return sum((-_dec(t.get("total")) for kind in kinds for line in refund_data.get(kind) or []
                        for t in line.get("taxes") or [] if t.get("id") == rate_id), Decimal(0))
        items, ship = taxed(("line_items", "fee_lines")), taxed(("shipping_lines",))
        if items or ship:
            out.append({"id": line_id, **{k: rate.get(k) for k in ("rate_code", "rate_id", "label", "compound",
                                                                    "rate_percent")},
                        "tax_total": neg(items), "shipping_tax_total": neg(ship), "meta_data": []})
    return out


def _restock(ctx: Ctx, order: SandboxRecord, lines: dict[int, dict]) -> None:
    """wc_restock_refunded_items: refunded quantities go back to managed stock of reduced-stock orders."""
    if not order.data.get("_sb_stock_reduced"):
        return
    from .resources import stock_derive

    for item in order.data.get("line_items") or []:
        qty = lines.get(item["id"], {}).get("qty") or 0
        rid, resource = (item.get("variation_id"), "variations") if item.get("variation_id") else (
            item.get("product_id"), "products")
        if not qty or not rid:
            continue
        target = base_queryset(ctx, resource).select_for_update().filter(record_id=rid).first()
        if target is None or not target.data.get("manage_stock"):
            continue
        data = dict(target.data)
        data["stock_quantity"] = int(data.get("stock_quantity") or 0) + qty
        target.data = stock_derive(data)
        target.date_modified_gmt = ctx.now
        target.save(update_fields=["data", "date_modified_gmt"])


def refund_prepare(ctx: Ctx, spec: ResourceSpec, record: SandboxRecord, extras: dict, created: bool) -> None:
    """Validate and build a refund the way wc_create_refund does; raise the REST controller's errors."""
    order = base_queryset(ctx, "orders").select_for_update().filter(record_id=record.parent_id).first()
    if order is None:
        raise WooError("woocommerce_rest_invalid_order_id", "Invalid order ID.", 404)
    data = record.data
    lines = _request_lines(extras.get("line_items"))
    raw_amount = extras.get("amount")
    if raw_amount in (None, ""):
        computed = _amount_from_lines(lines)
        amount = computed if computed is not None else Decimal(0)
    else:
        amount = _dec(raw_amount)
    if amount < 0:
        raise WooError("woocommerce_rest_invalid_order_refund", "Refund amount must be greater than zero.", 400)
    remaining = _dec(order.data.get("total")) - refunded_total(ctx, order.record_id)
    if amount > remaining:
        raise WooError("woocommerce_rest_cannot_create_order_refund", "Invalid refund amount.", 500)
    data["amount"] = f"{amount:.2f}"
    data["reason"] = str(data.get("reason") or "")
    by_kind = {kind: {i["id"]: i for i in order.data.get(kind) or []}
               for kind in ("line_items", "shipping_lines", "fee_lines")}
    chosen = [(kind, items[item_id], asked) for item_id, asked in lines.items()
              for kind, items in by_kind.items() if item_id in items
              if asked["qty"] or _dec(asked["refund_total"]) or asked["refund_tax"]]
    line_ids = ids_allocate(ctx.store, "order_items", len(chosen))
    meta_ids = ids_allocate(ctx.store, "meta", len(chosen))
    for (kind, item, asked), line_id, meta_id in zip(chosen, line_ids, meta_ids, strict=True):
        data[kind].append(refund_line(kind, item, asked, meta_id, line_id))
    rates = len(order.data.get("tax_lines") or []) if chosen else 0
    data["tax_lines"] = refund_tax_lines(order.data, data, ids_allocate(ctx.store, "order_items", rates))
    api_refund = extras.get("api_refund")
    if not isinstance(api_refund, bool):
        api_refund = True  # anything but a JSON boolean means the default
    if api_refund:
        method = order.data.get("payment_method") or ""
        supported = gateway_supports_refunds(ctx, method)
        if supported is None:
            raise WooError("woocommerce_rest_cannot_create_order_refund",
                           "The payment gateway for this order does not exist.", 500)
        if not supported:
            raise WooError("woocommerce_rest_cannot_create_order_refund",
                           "The payment gateway for this order does not support automatic refunds.", 500)
        data["refunded_payment"] = True
    api_restock = extras.get("api_restock")
    if api_restock is None or param_bool(api_restock):
        _restock(ctx, order, lines)
    record._sb_order = order  # noqa: SLF001 - handed to after_save in the same transaction
    record._sb_fully_refunded = amount >= remaining  # noqa: SLF001


def order_refunds_sync(ctx: Ctx, order: SandboxRecord) -> None:
    """Rewrite the order's `refunds` summary, newest first, as WC_REST_Orders_V2_Controller renders it."""
    rows = base_queryset(ctx, "refunds").filter(parent_id=order.record_id).order_by(
        "-date_created_gmt", "-record_id").values_list("record_id", "data__reason", "data__amount")
    order.data = {**order.data, "refunds": [
        {"id": rid, "reason": reason or "", "total": f"-{_dec(amount):.2f}"} for rid, reason, amount in rows
    ]}


def order_note_add(ctx: Ctx, order_id: int, text: str) -> None:
    SandboxRecord.objects.create(
        store=ctx.store, resource="order_notes", record_id=ids_allocate(ctx.store, "comments")[0],
        parent_id=order_id, data={"author": "system", "note": text, "customer_note": False},
        date_created_gmt=ctx.now, date_modified_gmt=ctx.now,
    )


def refund_after_save(ctx: Ctx, spec: ResourceSpec, record: SandboxRecord, created: bool) -> None:
    order = getattr(record, "_sb_order", None)
    if order is None:
        return
    order_refunds_sync(ctx, order)
    if record._sb_fully_refunded and order.data.get("status") != "refunded":  # noqa: SLF001
        before = order.data.get("status", "")
        order.data["status"] = order.status = "refunded"
        order_note_add(ctx, order.record_id, f"Order status changed from {STATUS_LABELS.get(before, before)} "
                                             "to Refunded.")
    order.date_modified_gmt = ctx.now
    order.save(update_fields=["data", "status", "date_modified_gmt"])


def refund_after_delete(ctx: Ctx, spec: ResourceSpec, record: SandboxRecord) -> None:
    order = base_queryset(ctx, "orders").select_for_update().filter(record_id=record.parent_id).first()
    if order is not None:
        order_refunds_sync(ctx, order)
        order.save(update_fields=["data"])


def order_refund_remaining(ctx: Ctx, order: SandboxRecord) -> None:
    """An order that becomes `refunded` refunds what remains (wc_order_fully_refunded), without lines
    and without going through the gateway; the order keeps its status."""
    remaining = _dec(order.data.get("total")) - refunded_total(ctx, order.record_id)
    if remaining > 0:
        data = {**refund_defaults(), "amount": f"{remaining:.2f}", "reason": FULLY_REFUNDED_REASON}
        SandboxRecord.objects.create(
            store=ctx.store, resource="refunds", record_id=ids_allocate(ctx.store, "posts")[0],
            parent_id=order.record_id, data=data, date_created_gmt=ctx.now, date_modified_gmt=ctx.now,
        )
        order_refunds_sync(ctx, order)
    order_note_add(ctx, order.record_id, FULLY_REFUNDED_NOTE)


REFUND_KEYS = (
    "id", "date_created", "date_created_gmt", "amount", "reason", "refunded_by", "refunded_payment", "meta_data",
    "line_items", "shipping_lines", "tax_lines", "fee_lines",
)


def refund_render(ctx: Ctx, record: SandboxRecord, out: dict) -> None:
    """WC_REST_Order_Refunds_V2_Controller::get_formatted_item_data: these keys, in this order."""
    ordered = {k: out[k] for k in REFUND_KEYS if k in out}
    out.clear()
    out.update(ordered)


def refunds_spec(posts_orderby: dict, order_invalid: tuple[str, str]) -> ResourceSpec:
    """`orders/{order_id}/refunds`: no trash (DELETE deletes without `force`), no update route."""
    return ResourceSpec(
        name="refunds", sequence="posts", invalid=REFUND_INVALID, defaults=refund_defaults,
        read_only=frozenset({"refunded_payment", "line_items", "shipping_lines", "tax_lines", "fee_lines",
                             "amount"}),
        write_only=frozenset({"api_refund", "api_restock", "line_items", "amount"}),
        scope=Scope("order_id", "orders", order_invalid, list_missing_parent=True,
                    mismatch=("woocommerce_rest_invalid_order_refund_id", "Invalid order refund ID.")),
        orderby=posts_orderby,
        trash_message="The shop_order_refund does not support trashing.",
        prepare=refund_prepare, after_save=refund_after_save, after_delete=refund_after_delete,
        render=refund_render, force_default=True,
    )
