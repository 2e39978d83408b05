"""What the run-sequence state machine drives and observes, kept apart from its rules:

- `InlineEngine`: the engine's own step loop, in this process (services.engine._enqueue and
  services.runs._enqueue_advance collected and drained in order), with the two interruptions of the
  product: a cancel between steps, and a step that dies mid-page (its job is lost; the reaper brings the
  run back once its heartbeat is stale).
- `WooAdmin` / `ShopifyAdmin`: a store owner's edits over the stores' real HTTP APIs (`requests` on the
  WooCommerce REST API; the Shopify Admin GraphQL API).
- `snapshot`: the tracked fields of every record of a store, per language, read back through the store's
  connector, as plain comparable values (what the projection of the source must equal).
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from decimal import Decimal

import requests
from django.conf import settings

from connectors.entities import EntityType
from migrations_app.enums import FINISHED_RUN_STATUSES
from migrations_app.models import MigrationRun
from migrations_app.services import engine
from migrations_app.services.connections import connector_for

ENTITIES = ("products", "customers", "orders")
TIMEOUT = 30


class WorkerKilled(Exception):
    """What a worker killed mid-page looks like to the step loop: the step never returns."""


# --- the engine, in process ---------------------------------------------------------------------------
class InlineEngine:
    """Collects what the engine enqueues and runs it here, in order (the same handlers as the tasks)."""

    def __init__(self):
        self.jobs: list[tuple[str, tuple]] = []
        self.kill_on_commit: int | None = None  # die in the n-th page commit of a step (1-based)
        self._commits = 0
        self.kills = 0

    def __call__(self, task_name, *args, countdown=None):
        self.jobs.append((task_name, tuple(str(a) for a in args)))

    def enqueue_advance(self, run_id) -> None:
        self.jobs.append(("run_advance_task", (str(run_id),)))

    def install(self, monkeypatch) -> None:
        from migrations_app.services import runs

        monkeypatch.setattr(engine, "_enqueue", self)
        monkeypatch.setattr(runs, "_enqueue_advance", self.enqueue_advance)
        real_commit = engine._commit_page

        def commit(ctx, progress, page, out):
            # The target writes of this page happened; their outcome was never committed.
            if self.kill_on_commit is not None and (out.results or out.changes):
                self._commits += 1
                if self._commits >= self.kill_on_commit:
                    self.kill_on_commit = None
                    raise WorkerKilled(f"killed while committing a page of {ctx.entity}")
            return real_commit(ctx, progress, page, out)

        monkeypatch.setattr(engine, "_commit_page", commit)

    def _handle(self, name, args):
        handlers = {
            "run_advance_task": lambda run_id: engine.run_advance(run_id=run_id),
            "entity_step_task": lambda run_id, entity: engine.entity_step(run_id=run_id, entity=entity),
            "run_clear_task": lambda run_id: engine.run_clear(run_id=run_id),
            "run_finalize_task": lambda run_id: engine.run_finalize(run_id=run_id),
        }
        handlers[name](*args)

    def drain(self, *, stop_after: int | None = None, limit: int = 2000) -> tuple[int, bool]:
        """Run queued jobs in order. Answers (jobs run, whether a worker was "killed"): a killed job is
        dropped, as the broker would once the worker is gone (the reaper resends its work)."""
        ran, killed = 0, False
        while self.jobs and ran < limit and (stop_after is None or ran < stop_after):
            name, args = self.jobs.pop(0)
            try:
                self._handle(name, args)
            except WorkerKilled:
                killed = True
                self.kills += 1
            ran += 1
        return ran, killed

    def finish(self, run: MigrationRun, *, reaps: int = 6) -> MigrationRun:
        """Drain until the run has finished; a run left running without queued work (a dead worker) is
        brought back by the reaper once its heartbeat is stale (real time: the setting is small)."""
        for _ in range(reaps + 1):
            self.drain()
            run.refresh_from_db()
            if run.status in FINISHED_RUN_STATUSES:
                return run
            time.sleep(settings.MIGRATOR_HEARTBEAT_STALE_SECONDS + 0.2)
            engine.runs_reap()
        run.refresh_from_db()
        return run


# --- owner edits over HTTP ------------------------------------------------------------------------------
class WooAdmin:
    """The WooCommerce REST API of a sandbox store, as the store owner (or their admin plugins) use it."""

    def __init__(self, described: dict):
        self.base = described["base_url"].rstrip("/") + "/wp-json/wc/v3/"
        creds = described["credentials"]
        self.auth = (creds["consumer_key"], creds["consumer_secret"])
        self.session = requests.Session()

    def call(self, method: str, path: str, *, params=None, json=None, ok=(200, 201)):
        response = self.session.request(method, self.base + path, params=params, json=json, auth=self.auth,
                                        timeout=TIMEOUT)
        assert response.status_code in ok, (method, path, response.status_code, response.text[:500])
        return response.json()

    def all(self, path: str, **params) -> list[dict]:
        out, page = [], 1
        while True:
            batch = self.call("GET", path, params={"per_page": 100, "page": page, **params})
            out.extend(batch)
            if len(batch) < 100:
                return out
            page += 1

    def close(self):
        self.session.close()


class ShopifyAdmin:
    """The Admin GraphQL API of a Shopify sandbox store."""

    VERSION = "2026-01"

    def __init__(self, described: dict):
        self.url = described["base_url"].rstrip("/") + f"/admin/api/{self.VERSION}/graphql.json"
        self.headers = {"X-Shopify-Access-Token": described["credentials"]["access_token"]}
        self.session = requests.Session()

    def gql(self, query: str, variables: dict | None = None) -> dict:
        response = self.session.post(self.url, json={"query": query, "variables": variables or {}},
                                     headers=self.headers, timeout=TIMEOUT)
        assert response.status_code == 200, response.text[:500]
        body = response.json()
        assert not body.get("errors"), body["errors"]
        return body["data"]

    def close(self):
        self.session.close()


# --- what a store holds, as comparable values -----------------------------------------------------------
def money(value) -> str | None:
    if value is None or value == "":
        return None
    return str(Decimal(str(value)).quantize(Decimal("0.01")))


@dataclass
class StoreView:
    """Tracked fields per entity and record id, and every natural key seen (for duplicate checks)."""

    records: dict[str, dict[str, dict]] = field(default_factory=dict)
    keys: dict[str, list[tuple]] = field(default_factory=dict)


def product_fields(item) -> dict:
    if item.variants:
        price = {v.sku or repr(sorted(v.option_values.items())): money(v.price) for v in item.variants}
        stock = {v.sku or repr(sorted(v.option_values.items())): (v.stock_quantity if v.manage_stock else None)
                 for v in item.variants}
    else:
        price = {"": money(item.price)}
        stock = {"": item.stock_quantity if item.manage_stock else None}
    fr = (item.translations or {}).get("fr") or {}
    return {
        "name": item.name, "sku": item.sku, "status": item.status, "description": (item.description or "").strip(),
        "price": price, "stock_quantity": stock, "variants": sorted(price), "fr_name": fr.get("name"),
    }


def customer_fields(item) -> dict:
    return {"email": item.email.lower(), "first_name": item.first_name}


def order_fields(item) -> dict:
    return {"number": item.number, "status": item.status,
            "shipments": sorted({s.tracking_number for s in item.shipments})}


FIELDS = {"products": product_fields, "customers": customer_fields, "orders": order_fields}


def snapshot(store) -> StoreView:
    connector = connector_for(store=store)
    view = StoreView()
    try:
        for entity in ENTITIES:
            records, keys = {}, []
            for page in connector.read(EntityType(entity)):
                assert not page.errors, [(e.source_id, e.message) for e in page.errors]
                for item in page.items:
                    records[item.source_id] = FIELDS[entity](item)
                    if entity == "products":
                        keys.extend(("en", sku) for sku in [item.sku, *(v.sku for v in item.variants)] if sku)
                    elif entity == "customers":
                        keys.append(("", item.email.lower()))
                    else:
                        keys.append(("", item.number))
            view.records[entity], view.keys[entity] = records, keys
    finally:
        connector.http.close()
    return view
