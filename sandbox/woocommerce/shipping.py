"""Shipping (wc/v2+): `shipping_methods`, `shipping/zones` (+ `/{id}/locations`, `/{id}/methods`).

Zone 0, "Locations not covered by your other zones", always exists, is listed first and cannot be
changed or deleted. Zones and zone methods are answered whole (not paginated), in zone order.
[woocommerce-rest-api-docs wp-api-v3/_shipping-zones.md, _shipping-zone-locations.md,
_shipping-zone-methods.md, _shipping-methods.md]
"""
import copy

from django.db import transaction

from ..models import SandboxRecord
from ..records import ids_allocate
from .crud import Ctx, base_queryset, param_bool
from .errors import WooError, missing_params

METHODS = {
    "flat_rate": ("Flat rate", "Lets you charge a fixed rate for shipping."),
    "free_shipping": ("Free shipping",
                      "Free shipping is a special method which can be triggered with coupons and minimum spends."),
    "local_pickup": ("Local pickup", "Allow customers to pick up orders themselves. By default, when using local "
                                     "pickup store base taxes will apply regardless of customer address."),
}
REST_OF_WORLD = "Locations not covered by your other zones"
ZONE_INVALID = ("woocommerce_rest_shipping_zone_invalid", "Resource does not exist.")
METHOD_INVALID = ("woocommerce_rest_shipping_zone_method_invalid", "Resource does not exist.")
LOCATION_TYPES = ("postcode", "state", "country", "continent")


def _setting(sid: str, label: str, kind: str, value: str, default: str, **extra) -> dict:
    return {"id": sid, "label": label, "description": "", "type": kind, "value": value, "default": default,
            "tip": "", "placeholder": "", **extra}


def _method_settings(method_id: str, values: dict) -> dict:
    title = METHODS[method_id][0]
    out = {"title": _setting("title", "Name", "text", title, title)}
    if method_id in ("flat_rate", "local_pickup"):
        out["tax_status"] = _setting("tax_status", "Tax status", "select", "taxable", "taxable",
                                     options={"taxable": "Taxable", "none": "None"})
        out["cost"] = _setting("cost", "Cost", "text", "0", "")
    if method_id == "free_shipping":
        out["requires"] = _setting("requires", "Free shipping requires", "select", "", "", options={
            "": "No requirement", "coupon": "A valid free shipping coupon", "min_amount": "A minimum order amount",
            "either": "A minimum order amount OR a coupon", "both": "A minimum order amount AND a coupon"})
        out["min_amount"] = _setting("min_amount", "Minimum order amount", "price", "0", "0")
    for key, value in values.items():
        if key in out:
            out[key]["value"] = str(value)
    return out


def shipping_methods(ctx: Ctx) -> list[dict]:
    return [{"id": mid, "title": title, "description": text} for mid, (title, text) in METHODS.items()]


def shipping_method(ctx: Ctx, method_id: str) -> dict:
    if method_id not in METHODS:
        raise WooError("woocommerce_rest_shipping_method_invalid", "Resource does not exist.", 404)
    title, text = METHODS[method_id]
    return {"id": method_id, "title": title, "description": text}


# ---------------------------------------------------------------- zones


def _zone_out(record: SandboxRecord | None) -> dict:
    if record is None:
        return {"id": 0, "name": REST_OF_WORLD, "order": 0}
    return {"id": record.record_id, "name": record.data.get("name", ""), "order": record.data.get("order", 0)}


def _zone(ctx: Ctx, zone_id, *, lock: bool = False) -> SandboxRecord | None:
    """The zone record (None for zone 0); 404 for an unknown id."""
    try:
        zid = int(zone_id)
    except (TypeError, ValueError):
        zid = -1
    if zid == 0:
        return None
    qs = base_queryset(ctx, "shipping_zones")
    record = (qs.select_for_update() if lock else qs).filter(record_id=zid).first()
    if record is None:
        raise WooError(ZONE_INVALID[0], ZONE_INVALID[1], 404)
    return record


def _zone_writable(record: SandboxRecord | None, verb: str) -> SandboxRecord:
    if record is None:
        raise WooError("woocommerce_rest_shipping_zone_invalid_zone",
                       f'The "locations not covered by your other zones" zone cannot be {verb}.', 403)
    return record


def zones_list(ctx: Ctx) -> list[dict]:
    rows = base_queryset(ctx, "shipping_zones").order_by("data__order", "record_id")
    return [_zone_out(None), *[_zone_out(r) for r in rows]]


def zone_get(ctx: Ctx, zone_id) -> dict:
    return _zone_out(_zone(ctx, zone_id))


def zone_create(ctx: Ctx, body: dict) -> dict:
    name = str(body.get("name") or "").strip()
    if not name:
        raise missing_params(["name"])
    record = SandboxRecord.objects.create(
        store=ctx.store, resource="shipping_zones", record_id=ids_allocate(ctx.store, "shipping_zones")[0],
        data={"name": name, "order": int(body.get("order") or 0), "locations": []},
        date_created_gmt=ctx.now, date_modified_gmt=ctx.now,
    )
    return _zone_out(record)


@transaction.atomic
def zone_update(ctx: Ctx, zone_id, body: dict) -> dict:
    record = _zone_writable(_zone(ctx, zone_id, lock=True), "updated")
    data = dict(record.data)
    if body.get("name"):
        data["name"] = str(body["name"])
    if body.get("order") is not None:
        data["order"] = int(body["order"] or 0)
    record.data = data
    record.save(update_fields=["data"])
    return _zone_out(record)


@transaction.atomic
def zone_delete(ctx: Ctx, zone_id, force: bool) -> dict:
    record = _zone_writable(_zone(ctx, zone_id, lock=True), "deleted")
    if not force:
        raise WooError("woocommerce_rest_trash_not_supported", "Shipping zones do not support trashing.", 501)
    out = _zone_out(record)
    base_queryset(ctx, "shipping_zone_methods").filter(parent_id=record.record_id).delete()
    record.delete()
    return out


def zone_locations(ctx: Ctx, zone_id) -> list[dict]:
    record = _zone(ctx, zone_id)
    return copy.deepcopy(record.data.get("locations") or []) if record else []


@transaction.atomic
def zone_locations_set(ctx: Ctx, zone_id, body) -> list[dict]:
    """PUT replaces the zone's locations with the list given ({code, type}, type defaulting to country)."""
    record = _zone_writable(_zone(ctx, zone_id, lock=True), "updated")
    locations = []
    for item in body if isinstance(body, list) else []:
        if not isinstance(item, dict) or not item.get("code"):
            continue
        kind = item.get("type") or "country"
        if kind not in LOCATION_TYPES:
            kind = "country"
        locations.append({"code": str(item["code"]), "type": kind})
    record.data = {**record.data, "locations": locations}
    record.save(update_fields=["data"])
    return copy.deepcopy(locations)


# ---------------------------------------------------------------- zone methods


def _method_out(record: SandboxRecord) -> dict:
    data = record.data
    method_id = data["method_id"]
    settings = _method_settings(method_id, data.get("settings") or {})
    return {
        "id": record.record_id, "instance_id": record.record_id, "title": settings["title"]["value"],
        "order": data.get("order", 0), "enabled": bool(data.get("enabled", True)), "method_id": method_id,
        "method_title": METHODS[method_id][0], "method_description": f"<p>{METHODS[method_id][1]}</p>\n",
        "settings": settings,
    }


def zone_methods(ctx: Ctx, zone_id) -> list[dict]:
    record = _zone(ctx, zone_id)
    rows = base_queryset(ctx, "shipping_zone_methods").filter(parent_id=record.record_id if record else 0)
    return [_method_out(r) for r in rows.order_by("data__order", "record_id")]


def _zone_method(ctx: Ctx, zone_id, instance_id, *, lock: bool = False) -> SandboxRecord:
    record = _zone(ctx, zone_id)
    qs = base_queryset(ctx, "shipping_zone_methods").filter(parent_id=record.record_id if record else 0)
    try:
        iid = int(instance_id)
    except (TypeError, ValueError):
        iid = 0
    found = (qs.select_for_update() if lock else qs).filter(record_id=iid).first()
    if found is None:
        raise WooError(METHOD_INVALID[0], METHOD_INVALID[1], 404)
    return found


def zone_method_get(ctx: Ctx, zone_id, instance_id) -> dict:
    return _method_out(_zone_method(ctx, zone_id, instance_id))


def _method_apply(data: dict, body: dict) -> dict:
    if "order" in body:
        data["order"] = int(body.get("order") or 0)
    if "enabled" in body:
        data["enabled"] = param_bool(body["enabled"])
    if isinstance(body.get("settings"), dict):
        values = dict(data.get("settings") or {})
        for key, value in body["settings"].items():
            values[key] = value.get("value") if isinstance(value, dict) else value
        data["settings"] = values
    return data


def zone_method_create(ctx: Ctx, zone_id, body: dict) -> dict:
    record = _zone(ctx, zone_id)
    method_id = body.get("method_id")
    if not method_id:
        raise missing_params(["method_id"])
    if method_id not in METHODS:
        raise WooError("woocommerce_rest_shipping_zone_method_invalid", "Resource does not exist.", 404)
    data = _method_apply({"method_id": method_id, "order": 0, "enabled": True, "settings": {}}, body)
    created = SandboxRecord.objects.create(
        store=ctx.store, resource="shipping_zone_methods",
        record_id=ids_allocate(ctx.store, "shipping_zone_methods")[0], parent_id=record.record_id if record else 0,
        data=data, date_created_gmt=ctx.now, date_modified_gmt=ctx.now,
    )
    return _method_out(created)


@transaction.atomic
def zone_method_update(ctx: Ctx, zone_id, instance_id, body: dict) -> dict:
    record = _zone_method(ctx, zone_id, instance_id, lock=True)
    record.data = _method_apply(dict(record.data), body)
    record.save(update_fields=["data"])
    return _method_out(record)


@transaction.atomic
def zone_method_delete(ctx: Ctx, zone_id, instance_id, force: bool) -> dict:
    record = _zone_method(ctx, zone_id, instance_id, lock=True)
    if not force:
        raise WooError("woocommerce_rest_trash_not_supported", "Shipping methods do not support trashing.", 501)
    out = _method_out(record)
    record.delete()
    return out
