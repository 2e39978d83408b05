"""Tax rates (`taxes`): fields and normalisation as WC_REST_Taxes_Controller answers them.
[woocommerce-rest-api-docs wp-api-v3/_taxes.md]"""
from decimal import Decimal, InvalidOperation

from django.utils.text import slugify

from ..models import SandboxRecord
from .crud import Ctx, ResourceSpec, param_bool
from .errors import invalid_param


def tax_defaults(ctx: Ctx | None = None) -> dict:
    return {
        "country": "", "state": "", "postcode": "", "city": "", "postcodes": [], "cities": [], "rate": "0.0000",
        "name": "", "priority": 1, "compound": False, "shipping": True, "order": 0, "class": "standard",
    }


def tax_prepare(ctx: Ctx, spec: ResourceSpec, record: SandboxRecord, extras: dict, created: bool) -> None:
    """Rates keep 4 decimals; `postcodes`/`cities` lists and the legacy single `postcode`/`city` mirror
    each other (the first entry), as WC_REST_Taxes_Controller answers them."""
    data = record.data
    data["country"] = str(data.get("country") or "").upper()
    data["state"] = str(data.get("state") or "").upper()
    try:
        data["rate"] = f"{Decimal(str(data.get('rate') or 0)):.4f}"
    except InvalidOperation:
        raise invalid_param("rate", "rate is not of type string.") from None
    for one, many in (("postcode", "postcodes"), ("city", "cities")):
        if extras.get(one) not in (None, "") and not extras.get(many):
            data[many] = [str(extras[one])]
        elif isinstance(extras.get(many), list):
            data[many] = [str(v) for v in extras[many]]
        data[one] = (data.get(many) or [""])[-1] if data.get(many) else ""
    data["priority"] = int(data.get("priority") or 1)
    data["order"] = int(data.get("order") or 0)
    data["compound"], data["shipping"] = param_bool(data.get("compound")), param_bool(data.get("shipping"))
    data["class"] = slugify(str(data.get("class") or "standard")) or "standard"
