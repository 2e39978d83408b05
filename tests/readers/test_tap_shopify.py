"""Singer's tap-shopify (PyPI, its own virtualenv), unchanged, against a seeded sandbox shop reached through the
local TLS front as `https://<shop>.myshopify.com`.

Discovery runs in full (it reads `shop.json` over REST and the app's scopes over GraphQL). Sync runs the
streams the sandbox serves every field of, with every field selected, and their record counts must equal the
shop's. The tap's other streams (products, customers, orders, order_refunds, order_shipping_lines,
transactions, fulfillment_orders, events, abandoned_checkouts) ask for fields the sandbox does not serve yet: it
answers each with a `notServedBySandbox` error naming it (never a made-up value). They join SYNCED as the
sandbox grows.
"""
from __future__ import annotations

import json
import subprocess
from collections import Counter

import pytest

from sandbox.models import SandboxRecord, SandboxStore
from sandbox.services import sandbox_store_set_throttle
from tests.readers.conftest import ARTIFACTS, reader_bin

pytestmark = pytest.mark.django_db(transaction=True)



def _metafields(owner_type):
    return lambda rows: sum(1 for r in rows["metafields"] if r.data.get("ownerType", "PRODUCT") == owner_type)


# tap stream -> its expected record count from the shop's records (resource -> rows)
SYNCED = {
    "metafields_products": _metafields("PRODUCT"), "metafields_collections": _metafields("COLLECTION"),
    "metafields_customers": _metafields("CUSTOMER"), "metafields_orders": _metafields("ORDER"),
    "locations": lambda rows: sum(1 for r in rows["locations"] if r.data.get("isActive", True)),
    "product_variants": lambda rows: len(rows["variants"]),
    "inventory_items": lambda rows: len(rows["variants"]),
    "inventory_levels": lambda rows: sum(len(r.data.get("inventory") or {}) for r in rows["variants"]),
    "collections": lambda rows: len(rows["collections"]),
}
ALL_STREAMS = {"abandoned_checkouts", "collections", "customers", "events", "fulfillment_orders", "inventory_items",
               "inventory_levels", "locations", "metafields_collections", "metafields_customers",
               "metafields_orders", "metafields_products", "order_refunds", "order_shipping_lines", "orders",
               "product_variants", "products", "transactions"}


def _select(catalog: dict, streams) -> dict:
    """Select the streams and every field of them (what a user ticking everything does)."""
    for stream in catalog["streams"]:
        if stream["tap_stream_id"] not in streams:
            continue
        for entry in stream["metadata"]:
            if entry["breadcrumb"] == [] or entry["metadata"].get("inclusion") == "available":
                entry["metadata"]["selected"] = True
    return catalog


def _run(tap, args, env, log):
    done = subprocess.run([str(tap), *args], env=env, capture_output=True, text=True, timeout=600)
    log.write_text(done.stderr)
    return done


def test_tap_shopify_discovers_every_stream_and_syncs_the_served_ones_with_every_field(
        shopify_store_factory, tls_front, tmp_path):
    tap = reader_bin("tap-shopify", "tap-shopify")
    shop = shopify_store_factory("reader-shop", products=6, customers=5, orders=8, seed=3)
    store = SandboxStore.objects.get(platform="shopify", name="reader-shop")
    sandbox_store_set_throttle(store, restore_rate=100000, bucket_size=200000)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    config = tmp_path / "config.json"
    # results_per_page 3: the tap nests connections sized by it (`metafields(first: $first)` in
    # `products(first: $first)`) or fixed (`countryHarmonizedSystemCodes(first: 175)`, a collection's
    # `products(first: 250)`), so its default (250) asks 125,752, 44,252 and 64,502 points by Shopify's published
    # cost rules, far above the 1,000 a query may ask. Whether Shopify prices these lower for real is not
    # documented; the sandbox follows the docs.
    config.write_text(json.dumps({"shop": "reader-shop", "access_token": shop["credentials"]["access_token"],
                                  "start_date": "2015-01-01T00:00:00Z", "date_window_size": 36500,
                                  "request_timeout": 60, "results_per_page": 3}))

    found = _run(tap, ["--config", str(config), "--discover"], tls_front.env, ARTIFACTS / "tap-shopify-discover.log")
    assert found.returncode == 0, found.stderr[-3000:]
    catalog = json.loads(found.stdout)
    assert {s["tap_stream_id"] for s in catalog["streams"]} == ALL_STREAMS

    (tmp_path / "catalog.json").write_text(json.dumps(_select(catalog, SYNCED)))
    synced = _run(tap, ["--config", str(config), "--catalog", str(tmp_path / "catalog.json")], tls_front.env,
                  ARTIFACTS / "tap-shopify-sync.log")
    (ARTIFACTS / "tap-shopify-records.jsonl").write_text(synced.stdout)
    assert synced.returncode == 0, synced.stderr[-3000:]
    messages = [json.loads(line) for line in synced.stdout.splitlines() if line.startswith("{")]
    records = Counter(m["stream"] for m in messages if m["type"] == "RECORD")
    rows = {name: list(SandboxRecord.objects.filter(store=store, resource=name))
            for name in ("metafields", "locations", "variants", "collections")}
    assert {stream: records[stream] for stream in SYNCED} == {stream: count(rows) for stream, count in SYNCED.items()}
    assert sum(records.values()) > 0
    assert not tls_front.refused, tls_front.refused  # nothing tried to leave through the front
    # every record carries the shop read from shop.json
    assert {m["record"]["_sdc_shop_myshopify_domain"] for m in messages if m["type"] == "RECORD"} == \
        {"reader-shop.myshopify.com"}
