"""Payment gateways (`payment_gateways`, wc/v2+): WooCommerce core's BACS, cheque, COD and PayPal Standard,
plus the WooCommerce Stripe Gateway plugin that the seeded orders were paid with. Not paginated; a PUT
changes title, description, order, enabled and setting values, kept in the store's settings.
[woocommerce-rest-api-docs wp-api-v3/_payment-gateways.md]
"""
import copy

from .crud import Ctx
from .errors import WooError

TITLE_TIP = "This controls the title which the user sees during checkout."


def _setting(sid: str, label: str, kind: str, value: str, default: str, description: str = "", **extra) -> dict:
    return {"id": sid, "label": label, "description": description, "type": kind, "value": value,
            "default": default, "tip": description, "placeholder": "", **extra}


def _title(value: str) -> dict:
    return _setting("title", "Title", "text", value, value, TITLE_TIP)


GATEWAYS = [
    {
        "id": "bacs", "title": "Direct bank transfer",
        "description": "Make your payment directly into our bank account. Please use your Order ID as the payment "
                       "reference. Your order will not be shipped until the funds have cleared in our account.",
        "order": 0, "enabled": True, "method_title": "Direct bank transfer",
        "method_description": "Take payments in person via BACS. More commonly known as direct bank/wire transfer.",
        "method_supports": ["products"],
        "settings": {"title": _title("Direct bank transfer"), "instructions": _setting(
            "instructions", "Instructions", "textarea", "", "",
            "Instructions that will be added to the thank you page and emails.")},
    },
    {
        "id": "cheque", "title": "Check payments",
        "description": "Please send a check to Store Name, Store Street, Store Town, Store State / County, Store "
                       "Postcode.",
        "order": 1, "enabled": False, "method_title": "Check payments",
        "method_description": "Take payments in person via checks. This offline gateway can also be useful to test "
                              "purchases.",
        "method_supports": ["products"],
        "settings": {"title": _title("Check payments"), "instructions": _setting(
            "instructions", "Instructions", "textarea", "", "",
            "Instructions that will be added to the thank you page and emails.")},
    },
    {
        "id": "cod", "title": "Cash on delivery", "description": "Pay with cash upon delivery.",
        "order": 2, "enabled": True, "method_title": "Cash on delivery",
        "method_description": "Have your customers pay with cash (or by other means) upon delivery.",
        "method_supports": ["products"],
        "settings": {"title": _title("Cash on delivery"), "enable_for_virtual": _setting(
            "enable_for_virtual", "Accept COD if the order is virtual", "checkbox", "yes", "yes")},
    },
    {
        "id": "paypal", "title": "PayPal",
        "description": "Pay via PayPal; you can pay with your credit card if you don't have a PayPal account.",
        "order": 3, "enabled": True, "method_title": "PayPal Standard",
        "method_description": "PayPal Standard redirects customers to PayPal to enter their payment information.",
        "method_supports": ["products", "refunds"],
        "settings": {"title": _title("PayPal"), "testmode": _setting(
            "testmode", "PayPal sandbox", "checkbox", "yes", "no")},
    },
    {
        "id": "stripe", "title": "Credit Card (Stripe)", "description": "Pay with your credit card via Stripe.",
        "order": 4, "enabled": True, "method_title": "Stripe",
        "method_description": "Accept debit and credit cards in 135+ currencies, methods such as Alipay, and one-touch "
                              "checkout with Apple Pay.",
        "method_supports": ["products", "refunds", "tokenization", "add_payment_method"],
        "settings": {"title": _title("Credit Card (Stripe)"), "testmode": _setting(
            "testmode", "Enable Test Mode", "checkbox", "yes", "yes")},
    },
]
BY_ID = {g["id"]: g for g in GATEWAYS}
WRITABLE = ("title", "description", "order", "enabled")
INVALID = ("woocommerce_rest_payment_gateway_invalid", "Resource does not exist.")


def gateway_get(ctx: Ctx, gateway_id: str) -> dict:
    """One gateway with the store's overrides applied; 404 woocommerce_rest_payment_gateway_invalid."""
    if gateway_id not in BY_ID:
        raise WooError(INVALID[0], INVALID[1], 404)
    out = copy.deepcopy(BY_ID[gateway_id])
    override = (ctx.store.settings.get("payment_gateways") or {}).get(gateway_id) or {}
    out.update({k: v for k, v in override.items() if k in WRITABLE})
    for key, value in (override.get("settings") or {}).items():
        if key in out["settings"]:
            out["settings"][key]["value"] = value
    if "title" in override:
        out["settings"]["title"]["value"] = out["title"]
    return out


def gateways_list(ctx: Ctx) -> list[dict]:
    return sorted((gateway_get(ctx, gid) for gid in BY_ID), key=lambda g: (g["order"], g["id"]))


def gateway_update(ctx: Ctx, gateway_id: str, body: dict) -> dict:
    gateway_get(ctx, gateway_id)
    settings = dict(ctx.store.settings)
    overrides = dict(settings.get("payment_gateways") or {})
    current = dict(overrides.get(gateway_id) or {})
    for key in WRITABLE:
        if key in body:
            current[key] = bool(body[key]) if key == "enabled" else (
                int(body[key] or 0) if key == "order" else str(body[key]))
    if isinstance(body.get("settings"), dict):
        values = dict(current.get("settings") or {})
        for key, value in body["settings"].items():
            if key in BY_ID[gateway_id]["settings"]:
                values[key] = value.get("value") if isinstance(value, dict) else value
        current["settings"] = values
    overrides[gateway_id] = current
    settings["payment_gateways"] = overrides
    ctx.store.settings = settings
    ctx.store.save(update_fields=["settings"])
    return gateway_get(ctx, gateway_id)


def gateway_supports_refunds(ctx: Ctx, gateway_id: str) -> bool | None:
    """None when the store has no such gateway (wc_refund_payment's first failure)."""
    if gateway_id not in BY_ID:
        return None
    return "refunds" in BY_ID[gateway_id]["method_supports"]
