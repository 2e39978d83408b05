"""A stateful model of run sequences (docs/runs.md) on sandbox stores, driven through the real services
and the engine's own step loop. The machine keeps, per migrated record, what the target must show
(`expected`: the source's projection as of the last run that wrote it, plus the owner's target edits that
survive) and the value of each smart-update field as last written (`synced`). After every run it checks
the target against that model, the id map against the target, and the run's numbers against the stores.

Used by test_run_sequences.py (Hypothesis picks the steps) and test_regressions.py (steps by hand)."""
from __future__ import annotations

import itertools
import json
import uuid
from collections import Counter, defaultdict

from accounts.services import user_create
from connectors.shopify import ShopifyConnector
from connectors.woocommerce.connector import WooCommerceConnector
from migrations_app.enums import IdMapState, RunKind, RunStatus
from migrations_app.models import ChangeRecord, EntityProgress, IdMap, MigrationRun, RecordError
from migrations_app.services import runs
from migrations_app.services.smart_update import catalog, smart_update_configure
from tests.integration.helpers import make_migration

from .driver import ENTITIES, InlineEngine, ShopifyAdmin, StoreView, WooAdmin, money, snapshot

COUNTER = itertools.count(1)
CATALOG_FIELDS = {"products": ("name", "description", "status", "price", "stock_quantity"),
                  "customers": ("first_name",), "orders": ("status", "shipments")}
ORDER_STATUSES = ("pending", "processing", "on-hold", "completed", "cancelled", "refunded")


class Violation(AssertionError):
    """docs/runs.md says otherwise."""


def _same(entity: str, expected: dict, actual: dict) -> list[str]:
    """Fields of one record that differ. Variant-level values are compared on the variants both sides
    have (whether the variant set itself matches is its own field, `variants`)."""
    diffs = []
    for name, want in expected.items():
        have = actual.get(name)
        if entity == "products" and name in ("price", "stock_quantity"):
            common = set(want) & set(have or {})
            want = {k: want[k] for k in common}
            have = {k: have[k] for k in common}
        if want != have:
            diffs.append(f"{name}: expected {want!r}, target has {have!r}")
    return diffs


class Scenario:
    """One migration between fresh sandbox stores, its model, and the steps applied to it."""

    def __init__(self, *, pair: str, engine: InlineEngine, woo_store_factory, shopify_store_factory,
                 products: int = 4, customers: int = 3, orders: int = 4, seed: int | None = None):
        n = next(COUNTER)
        tag = f"{n}-{uuid.uuid4().hex[:6]}"
        self.pair, self.engine, self.steps = pair, engine, []
        self.owner = user_create(email=f"owner-{tag}@statemachine.example", password="a-long-password-1")
        self.source_desc = woo_store_factory(f"sm-src-{tag}", products=products, customers=customers, orders=orders,
                                             languages=["en", "fr"], seed=n if seed is None else seed,
                                             coupons=0, reviews=0)
        if pair == "woo":
            self.target_desc = woo_store_factory(f"sm-tgt-{tag}", languages=["en", "fr"])
            self.tgt = WooAdmin(self.target_desc)
        else:
            self.target_desc = shopify_store_factory(f"sm-shop-{tag}", languages=["en", "fr"])
            from sandbox.models import SandboxStore
            from sandbox.services import sandbox_store_set_throttle

            sandbox_store_set_throttle(SandboxStore.objects.get(platform="shopify", name=self.target_desc["store"]),
                                       restore_rate=100000, bucket_size=200000)
            self.tgt = ShopifyAdmin(self.target_desc)
        self.migration = make_migration(self.owner, self.source_desc, self.target_desc, entities=list(ENTITIES))
        self.src = WooAdmin(self.source_desc)
        self.expected: dict[str, dict[str, dict]] = {e: {} for e in ENTITIES}
        self.synced: dict[str, dict[str, dict]] = {e: {} for e in ENTITIES}
        self.gone: dict[str, set[str]] = {e: set() for e in ENTITIES}  # target copy deleted by the owner
        self.owner_made: set[str] = set()  # target product ids the owner created
        self.clashes: dict[str, str] = {}  # source product id -> owner's target product with its SKU
        self.full_done = False
        self.demo_done = False
        self.runs: list[MigrationRun] = []
        self.catalog = catalog(migration=self.migration)

    def close(self):
        self.src.close()
        self.tgt.close()

    def note(self, text: str) -> None:
        self.steps.append(text)

    # --- the source, as its owner edits it --------------------------------------------------------------
    def source_products(self) -> list[dict]:
        return sorted(self.src.all("products"), key=lambda p: p["id"])

    def source_edit_product(self, index: int, what: str, value: int) -> None:
        products = self.source_products()
        if not products:
            return
        product = products[index % len(products)]
        pid = product["id"]
        variations = self.src.all(f"products/{pid}/variations") if product["type"] == "variable" else []
        if what == "name":
            self.src.call("PUT", f"products/{pid}", json={"name": f"{product['name'].split(' #')[0]} #{value}"})
        elif what == "description":
            self.src.call("PUT", f"products/{pid}", json={"description": f"<p>Source text {value}.</p>"})
        elif what in ("price", "stock"):
            body = ({"regular_price": f"{10 + value}.50", "sale_price": ""} if what == "price"
                    else {"manage_stock": True, "stock_quantity": value})
            if variations:
                variation = variations[value % len(variations)]
                self.src.call("PUT", f"products/{pid}/variations/{variation['id']}", json=body)
            else:
                self.src.call("PUT", f"products/{pid}", json=body)
        elif what == "status":
            self.src.call("PUT", f"products/{pid}", json={"status": "draft" if product["status"] == "publish"
                                                          else "publish"})
        elif what == "translation":
            fr = (product.get("translations") or {}).get("fr")
            if fr and int(fr) != pid:
                self.src.call("PUT", f"products/{fr}", params={"lang": "fr"}, json={"name": f"Produit {value}"})
            else:
                self.src.call("POST", "products", params={"lang": "fr"},
                              json={"name": f"Produit {value}", "lang": "fr", "translation_of": pid})
        elif what == "add_variation" and variations:
            options = [a for a in product["attributes"] if a.get("variation")]
            option = options[0]
            self.added = getattr(self, "added", 0) + 1  # a SKU and an option of its own (WooCommerce refuses
            # a duplicate SKU), however often the same value is drawn
            self.src.call("POST", f"products/{pid}/variations", json={
                "sku": f"{product['sku']}-NEW{value}-{self.added}", "regular_price": f"{20 + value}.00",
                "manage_stock": True, "stock_quantity": value,
                "attributes": [{"id": option.get("id", 0), "name": option["name"],
                                "option": f"New{value}-{self.added}"}]})
        elif what == "delete_variation" and len(variations) > 1:
            variation = variations[value % len(variations)]
            self.src.call("DELETE", f"products/{pid}/variations/{variation['id']}", params={"force": "true"})
        else:
            return
        self.note(f"source: {what} of product {pid} ({value})")

    def source_create_product(self, value: int, variable: bool, translated: bool) -> None:
        sku = f"NEW-{value}-{uuid.uuid4().hex[:4]}"
        body = {"name": f"Fresh {value}", "sku": sku, "regular_price": f"{5 + value}.00", "manage_stock": True,
                "stock_quantity": value, "description": f"<p>Fresh {value}.</p>"}
        if variable:
            body.update(type="variable", attributes=[{"name": "Size", "options": ["S", "M"], "variation": True,
                                                      "visible": True}])
        created = self.src.call("POST", "products", json=body)
        if variable:
            for size in ("S", "M"):
                self.src.call("POST", f"products/{created['id']}/variations", json={
                    "sku": f"{sku}-{size}", "regular_price": f"{5 + value}.00", "manage_stock": True,
                    "stock_quantity": value, "attributes": [{"name": "Size", "option": size}]})
        if translated:
            self.src.call("POST", "products", params={"lang": "fr"},
                          json={"name": f"Nouveau {value}", "lang": "fr", "translation_of": created["id"]})
        self.note(f"source: new {'variable ' if variable else ''}product {created['id']} {sku}"
                  f"{' with a French translation' if translated else ''}")

    def source_delete_product(self, index: int) -> None:
        products = self.source_products()
        if len(products) < 2:
            return
        product = products[index % len(products)]
        self.src.call("DELETE", f"products/{product['id']}", params={"force": "true"})
        self.note(f"source: delete product {product['id']}")

    def source_customer(self, index: int, value: int, create: bool) -> None:
        if create:
            made = self.src.call("POST", "customers", json={"email": f"new{value}-{uuid.uuid4().hex[:4]}@example.com",
                                                            "first_name": f"New{value}"})
            self.note(f"source: new customer {made['id']}")
            return
        customers = sorted(self.src.all("customers"), key=lambda c: c["id"])
        customer = customers[index % len(customers)]
        self.src.call("PUT", f"customers/{customer['id']}", json={"first_name": f"Renamed{value}"})
        self.note(f"source: customer {customer['id']} first name")

    def source_order(self, index: int, value: int, what: str) -> None:
        orders = sorted(self.src.all("orders"), key=lambda o: o["id"])
        if what == "create":
            products = self.source_products()
            customers = sorted(self.src.all("customers"), key=lambda c: c["id"])
            product = products[index % len(products)]
            line = {"product_id": product["id"], "quantity": 1}
            if product["type"] == "variable" and product.get("variations"):
                line["variation_id"] = product["variations"][0]
            made = self.src.call("POST", "orders", json={
                "status": ORDER_STATUSES[value % 3], "customer_id": customers[index % len(customers)]["id"],
                "line_items": [line]})
            self.note(f"source: new order {made['id']}")
            return
        if what == "tracking" and self.pair == "shopify":
            # A Shopify tracking number lives on a fulfillment: only shipped orders carry one (see
            # test_regressions: a tracking number of an unshipped order is dropped without a word).
            orders = [o for o in orders if o["status"] == "completed"] or orders[:0]
            if not orders:
                return
        order = orders[index % len(orders)]
        if what == "status":
            status = ORDER_STATUSES[value % len(ORDER_STATUSES)]
            if self.pair == "shopify":  # moves Shopify can make: forward only (README, smart update)
                status = {"pending": "processing", "on-hold": "processing", "processing": "completed"}.get(
                    order["status"], order["status"])
            self.src.call("PUT", f"orders/{order['id']}", json={"status": status})
            self.note(f"source: order {order['id']} status {order['status']} -> {status}")
        else:
            meta = next((m["value"] for m in order.get("meta_data") or []
                         if m["key"] == "_wc_shipment_tracking_items"), []) or []
            number = f"1Z{value:04d}{uuid.uuid4().hex[:6].upper()}"
            meta = [*meta, {"tracking_provider": "", "custom_tracking_provider": "UPS", "custom_tracking_link": "",
                            "tracking_number": number, "date_shipped": 1767225600, "tracking_id": number.lower()}]
            self.src.call("PUT", f"orders/{order['id']}",
                          json={"meta_data": [{"key": "_wc_shipment_tracking_items", "value": meta}]})
            self.note(f"source: order {order['id']} tracking {number}")

    # --- the target, as its owner edits it --------------------------------------------------------------
    def _mapped(self, entity: str) -> list[tuple[str, str]]:
        rows = IdMap.objects.filter(migration=self.migration, entity=entity, state=IdMapState.DONE)
        return sorted((r.source_id, r.target_id) for r in rows if r.source_id not in self.gone[entity])

    def target_edit(self, index: int, what: str, value: int) -> None:
        mapped = self._mapped("products")
        if not mapped:
            return
        source_id, target_id = mapped[index % len(mapped)]
        model = self.expected["products"].get(source_id)
        if model is None:
            return
        if what == "description":
            text = f"<p>Written for the new store {value}.</p>"
            if self.pair == "woo":
                self.tgt.call("PUT", f"products/{target_id}", json={"description": text})
            else:
                self.tgt.gql("mutation($p: ProductUpdateInput!) { productUpdate(product: $p) { userErrors "
                             "{ message } } }", {"p": {"id": f"gid://shopify/Product/{target_id}",
                                                        "descriptionHtml": text}})
            model["description"] = text
        elif what == "price":
            price = f"{70 + value}.25"
            if self.pair == "woo":
                variations = self.tgt.all(f"products/{target_id}/variations")
                if variations:
                    variation = variations[value % len(variations)]
                    self.tgt.call("PUT", f"products/{target_id}/variations/{variation['id']}",
                                  json={"regular_price": price, "sale_price": ""})
                    key = variation["sku"]
                else:
                    self.tgt.call("PUT", f"products/{target_id}", json={"regular_price": price, "sale_price": ""})
                    key = ""
            else:
                data = self.tgt.gql("query($id: ID!) { product(id: $id) { variants(first: 50) "
                                    "{ nodes { id sku } } hasOnlyDefaultVariant } }",
                                    {"id": f"gid://shopify/Product/{target_id}"})["product"]
                nodes = data["variants"]["nodes"]
                variant = nodes[value % len(nodes)]
                self.tgt.gql("mutation($p: ID!, $v: [ProductVariantsBulkInput!]!) { productVariantsBulkUpdate("
                             "productId: $p, variants: $v) { userErrors { message } } }",
                             {"p": f"gid://shopify/Product/{target_id}", "v": [{"id": variant["id"], "price": price}]})
                key = "" if len(model["price"]) == 1 and "" in model["price"] else variant["sku"]
            if key in model["price"]:
                model["price"] = {**model["price"], key: money(price)}
        elif what == "delete":
            if self.pair == "woo":
                # As in the WordPress admin, where WPML offers to delete the translations with it.
                product = self.tgt.call("GET", f"products/{target_id}")
                for lang, translated in (product.get("translations") or {}).items():
                    if lang != "en" and int(translated) != int(target_id):
                        self.tgt.call("DELETE", f"products/{translated}", params={"force": "true"})
                self.tgt.call("DELETE", f"products/{target_id}", params={"force": "true"})
            else:
                self.tgt.gql("mutation($i: ProductDeleteInput!) { productDelete(input: $i) { userErrors "
                             "{ message } } }", {"i": {"id": f"gid://shopify/Product/{target_id}"}})
            self.gone["products"].add(source_id)
        self.note(f"target: {what} of product {target_id} (source {source_id})")

    def target_clash(self) -> bool:
        """The owner creates on the target a product with the SKU of a source product not migrated yet
        (the target refuses a second one: a failed record until the owner removes theirs)."""
        if self.pair != "woo":
            return False
        mapped = {s for s, _ in IdMap.objects.filter(migration=self.migration, entity="products")
                  .values_list("source_id", "target_id")}
        for product in self.source_products():
            if str(product["id"]) not in mapped and str(product["id"]) not in self.clashes and product["sku"]:
                made = self.tgt.call("POST", "products", json={"name": "Owner's own", "sku": product["sku"],
                                                                "regular_price": "1.00"})
                self.owner_made.add(str(made["id"]))
                self.clashes[str(product["id"])] = str(made["id"])
                self.note(f"target: owner creates product {made['id']} with SKU {product['sku']}")
                return True
        return False

    def target_clash_removed(self) -> None:
        for source_id, target_id in list(self.clashes.items()):
            self.tgt.call("DELETE", f"products/{target_id}", params={"force": "true"})
            self.owner_made.discard(target_id)
            del self.clashes[source_id]
            self.note(f"target: owner deletes their product {target_id}")

    # --- runs -----------------------------------------------------------------------------------------
    def start(self, kind: str, params: dict | None = None) -> MigrationRun:
        self.migration.refresh_from_db()
        return runs.run_start(migration=self.migration, kind=kind, user=self.owner, params=params or {})

    def finish(self, run: MigrationRun, interrupt: str = "none", at: int = 1) -> MigrationRun:
        """Drive the run to its end; `interrupt`: "cancel" after `at` jobs then resume, or "kill" in the
        `at`-th page commit (the job is lost; the reaper resumes the run)."""
        if interrupt == "cancel":
            self.engine.drain(stop_after=at)
            run.refresh_from_db()
            if run.is_active:
                runs.run_cancel(run=run)
                self.engine.drain()  # the steps queued before the cancel see it and stop
                run.refresh_from_db()
                assert run.status == RunStatus.CANCELLED, run.status
                run = runs.run_resume(run=run)
                self.note(f"  cancelled after {at} steps, resumed")
        elif interrupt == "kill":
            self.engine.kill_on_commit, self.engine._commits = at, 0
        kills = self.engine.kills
        run = self.engine.finish(run)
        self.engine.kill_on_commit = None
        if self.engine.kills > kills:
            self.note("  a step died mid-page; the reaper resumed the run")
        return run

    def run(self, kind: str, params: dict | None = None, *, interrupt: str = "none", at: int = 1,
            retry_of: MigrationRun | None = None) -> MigrationRun:
        before = snapshot(self.migration.target_store)
        self.migration.refresh_from_db()
        self.marks_before = json.loads(json.dumps(self.migration.high_water or {}))
        run = runs.run_retry_failed(run=retry_of, user=self.owner) if retry_of else self.start(kind, params)
        self.note(f"run {run.kind} {json.dumps(run.params, sort_keys=True)} interrupt={interrupt}@{at}")
        run = self.finish(run, interrupt, at)
        self.runs.append(run)
        self.migration.refresh_from_db()
        self.check_run(run, before)
        return run

    # --- the model -------------------------------------------------------------------------------------
    def projection(self, entity: str, fields: dict) -> dict:
        """What the target must show for a source record (the tracked fields through the mappings)."""
        out = dict(fields)
        if entity == "orders" and self.pair == "woo":
            del out["number"]  # WooCommerce numbers an order by its own id (core has no settable number)
        if entity == "orders" and self.pair == "shopify":
            out["status"] = ShopifyConnector.default_status_for(WooCommerceConnector.order_statuses[fields["status"]])
        return out

    def failed_ids(self, run: MigrationRun) -> dict[str, set[str]]:
        out: dict[str, set[str]] = defaultdict(set)
        for entity, source_id, message in RecordError.objects.filter(run=run).values_list(
                "entity", "source_id", "message"):
            if not message.startswith("Partly migrated"):
                out[entity].add(source_id)
        return out

    def _write_whole(self, entity: str, source_id: str, fields: dict) -> None:
        projected = self.projection(entity, fields)
        self.expected[entity][source_id] = projected
        self.synced[entity][source_id] = dict(projected)

    def apply(self, run: MigrationRun, source: StoreView, target: StoreView) -> None:
        """Move the model as docs/runs.md says this run moves the target."""
        failed = self.failed_ids(run)
        chosen = [p.entity for p in EntityProgress.objects.filter(run=run)]
        params = run.params or {}
        if params.get("preview"):
            return
        if run.kind == RunKind.DEMO and not params.get("retry_of"):
            for entity in ENTITIES:
                for source_id in IdMap.objects.filter(migration=self.migration, entity=entity,
                                                      state=IdMapState.DONE).values_list("source_id", flat=True):
                    if source_id in source.records[entity]:
                        self._write_whole(entity, source_id, source.records[entity][source_id])
            return
        if params.get("retry_of"):
            for entity, ids in (params.get("retry_ids") or {}).items():
                for source_id in ids:
                    if source_id in source.records.get(entity, {}) and source_id not in failed[entity]:
                        self._write_whole(entity, source_id, source.records[entity][source_id])
                        self.gone[entity].discard(source_id)
            return
        for entity in chosen:
            records = source.records[entity]
            if run.kind in (RunKind.FULL, RunKind.REMIGRATION) and params.get("clear_scope") in ("created", "all"):
                for source_id in list(self.expected[entity]):
                    if source_id not in records:  # deleted on the source: cleared, not written again
                        del self.expected[entity][source_id]
                        self.synced[entity].pop(source_id, None)
            for source_id, fields in records.items():
                if source_id in failed[entity]:
                    continue
                known = source_id in self.expected[entity]
                if run.kind in (RunKind.FULL, RunKind.REMIGRATION) or not known:
                    self._write_whole(entity, source_id, fields)
                    continue
                if run.kind == RunKind.SMART_UPDATE:
                    self._smart(entity, source_id, fields, params)

    def _smart(self, entity: str, source_id: str, fields: dict, params: dict) -> None:
        selected = [f for f in (params.get("fields") or {}).get(entity, ()) if f in CATALOG_FIELDS[entity]]
        projected = self.projection(entity, fields)
        model, base = self.expected[entity][source_id], self.synced[entity][source_id]
        for name in selected:
            new, old, theirs = projected[name], base.get(name), model.get(name)
            if new == old:
                continue
            base[name] = new
            if theirs == new:
                continue
            edited = theirs != old
            if not edited or params.get("conflict_policy", "source") == "source":
                model[name] = new

    # --- the checks -------------------------------------------------------------------------------------
    def check_run(self, run: MigrationRun, before: StoreView) -> None:
        errors = list(RecordError.objects.filter(run=run).values_list("entity", "source_id", "message"))
        progress = list(EntityProgress.objects.filter(run=run))
        where = f"run {run.kind} {run.pk} ({run.status})"
        if run.status not in (RunStatus.COMPLETED, RunStatus.COMPLETED_WITH_ERRORS):
            raise Violation(f"{where} did not complete: {run.error_message!r}")
        if errors and run.status != RunStatus.COMPLETED_WITH_ERRORS:
            raise Violation(f"{where} recorded {len(errors)} errors and says completed: {errors[:3]}")
        if not errors and run.status == RunStatus.COMPLETED_WITH_ERRORS:
            raise Violation(f"{where} says completed with errors and has none")
        failed = self.failed_ids(run)
        for p in progress:
            numbers = (p.created, p.updated, p.unchanged, p.skipped, p.failed)
            if p.total is not None and sum(numbers) != p.total:
                raise Violation(f"{where} {p.entity}: created+updated+unchanged+skipped+failed = {sum(numbers)} "
                                f"{numbers}, total {p.total}")
            if p.failed != len(failed.get(p.entity, ())):
                raise Violation(f"{where} {p.entity}: failed {p.failed} but {len(failed.get(p.entity, ()))} "
                                f"failed records: {sorted(failed.get(p.entity, ()))}")
        source = snapshot(self.migration.source_store)
        target = snapshot(self.migration.target_store)
        params = run.params or {}
        cleared = params.get("clear_scope") in ("created", "all")
        for p in progress:
            delta = len(target.records[p.entity]) - len(before.records[p.entity])
            if params.get("preview"):
                if p.created or p.updated:
                    raise Violation(f"{where} preview counts writes on {p.entity}: {p.created}/{p.updated}")
            elif not cleared and delta != p.created:
                raise Violation(f"{where} {p.entity}: created {p.created}, but the target has {delta:+d} records")
            if run.kind == RunKind.RECENT and p.updated:
                raise Violation(f"{where} {p.entity}: a recent-data run rewrote {p.updated} existing records")
        if params.get("preview"):
            if target.records != before.records:
                raise Violation(f"{where}: a preview changed the target")
            if ChangeRecord.objects.filter(run=run, applied=True).exists():
                raise Violation(f"{where}: a preview says it applied changes")
        self.check_marks(run, progress, failed)
        if run.kind == RunKind.DEMO:
            from django.conf import settings

            over = {p.entity: p.created for p in progress if p.created > settings.MIGRATOR_DEMO_LIMIT}
            if over:
                raise Violation(f"{where}: the demo created more than its limit: {over}")
        gone_before = {e: set(ids) for e, ids in self.gone.items()}
        self.apply(run, source, target)
        self.check_state(source, target, run)
        if run.kind in (RunKind.FULL, RunKind.REMIGRATION) and not params.get("preview"):
            for p in progress:
                silent = (gone_before[p.entity] & self.gone[p.entity]) - failed.get(p.entity, set())
                silent &= set(source.records[p.entity])
                if silent:
                    raise Violation(f"{where} {p.entity}: {sorted(silent)} deleted on the target were neither "
                                    "written again nor reported as failed")

    def check_marks(self, run: MigrationRun, progress, failed) -> None:
        """Marks (docs/runs.md, "Sync points"): never past the start of the run that set them; demo, preview
        and retry runs move none; an entity with a failed record in the run keeps its marks."""
        from datetime import datetime

        where = f"run {run.kind} {run.pk}"
        after = self.migration.high_water or {}

        def moments(value):
            if isinstance(value, dict):
                for v in value.values():
                    yield from moments(v)
            elif isinstance(value, str):
                yield datetime.fromisoformat(value)

        for entity, value in after.items():
            late = [m for m in moments(value) if m > run.started_at]
            if late:
                raise Violation(f"{where}: {entity} mark {late[0].isoformat()} is after the run's start "
                                f"{run.started_at.isoformat()}")
        frozen = run.kind == RunKind.DEMO or (run.params or {}).get("preview") or (run.params or {}).get("retry_of")
        for p in progress:
            if (frozen or failed.get(p.entity)) and after.get(p.entity) != self.marks_before.get(p.entity):
                why = "demo/preview/retry" if frozen else "it had failed records"
                raise Violation(f"{where}: {p.entity} marks moved {self.marks_before.get(p.entity)} -> "
                                f"{after.get(p.entity)} ({why})")

    def check_state(self, source: StoreView, target: StoreView, run: MigrationRun | None = None) -> None:
        where = f"after run {run.kind} {run.pk}" if run else "now"
        for entity in ENTITIES:
            rows = dict(IdMap.objects.filter(migration=self.migration, entity=entity, state=IdMapState.DONE)
                        .values_list("source_id", "target_id"))
            pending = list(IdMap.objects.filter(migration=self.migration, entity=entity, state=IdMapState.PENDING)
                           .values_list("source_id", flat=True))
            if pending:
                raise Violation(f"{where}: {entity} id map rows left pending: {pending}")
            owned = self.owner_made if entity == "products" else set()
            orphans = set(target.records[entity]) - set(rows.values()) - owned
            if orphans:
                raise Violation(f"{where}: {entity} on the target the id map does not account for: {sorted(orphans)}")
            dupes = [k for k, n in Counter(target.keys[entity]).items() if n > 1]
            if dupes:
                raise Violation(f"{where}: duplicate {entity} natural keys on the target: {dupes}")
            for source_id in list(self.gone[entity]):
                if rows.get(source_id) in target.records[entity]:
                    self.gone[entity].discard(source_id)  # written again (clear, retry)
            for source_id, target_id in rows.items():
                if target_id not in target.records[entity] and source_id not in self.gone[entity]:
                    raise Violation(f"{where}: {entity} {source_id} -> {target_id} is mapped but not on the target")
            model_ids = set(self.expected[entity])
            missing = model_ids - set(rows)
            if missing:
                raise Violation(f"{where}: {entity} the model expects on the target but the id map lost: "
                                f"{sorted(missing)}")
            extra = set(rows) - model_ids
            if extra:
                raise Violation(f"{where}: {entity} mapped but not written by any run the model knows: {sorted(extra)}")
            for source_id, want in self.expected[entity].items():
                target_id = rows[source_id]
                if source_id in self.gone[entity]:
                    continue
                diffs = _same(entity, want, target.records[entity][target_id])
                if diffs:
                    raise Violation(f"{where}: {entity} {source_id} -> {target_id}: {'; '.join(diffs)}")
        if self.pair == "woo":
            self._check_wpml()

    def _check_wpml(self) -> None:
        """No French translation without its original, no two products with one SKU in one language."""
        products = self.tgt.all("products", lang="all")
        ids = {p["id"] for p in products}
        seen = Counter((p.get("lang"), p["sku"]) for p in products if p.get("sku"))
        dupes = [k for k, n in seen.items() if n > 1]
        if dupes:
            raise Violation(f"duplicate SKUs per language on the target: {dupes}")
        for p in products:
            if p.get("lang") == "fr":
                original = (p.get("translations") or {}).get("en")
                if not original or int(original) not in ids:
                    raise Violation(f"French product {p['id']} on the target has no original ({original})")

    # --- preview and smart update --------------------------------------------------------------------
    def smart_fields(self, picks: list[tuple[str, str]]) -> dict[str, list[str]]:
        fields: dict[str, list[str]] = {}
        for entity, name in picks:
            if name in self.catalog.get(entity, ()):
                fields.setdefault(entity, [])
                if name not in fields[entity]:
                    fields[entity].append(name)
        return fields or {"products": ["stock_quantity"]}

    def configure(self, fields: dict, policy: str) -> None:
        smart_update_configure(migration=self.migration, fields=fields, conflict_policy=policy)
        self.note(f"smart update configured: {fields} policy={policy}")

    def preview_then_apply(self, interrupt: str = "none", at: int = 1) -> None:
        preview = self.run(RunKind.SMART_UPDATE, {"preview": True})
        planned = {(c.entity, c.source_id, c.field, c.kind, c.will_apply)
                   for c in ChangeRecord.objects.filter(run=preview)}
        smart = self.run(RunKind.SMART_UPDATE, {}, interrupt=interrupt, at=at)
        done = {(c.entity, c.source_id, c.field, c.kind, c.applied) for c in ChangeRecord.objects.filter(run=smart)}
        if planned != done:
            raise Violation(f"the preview planned {sorted(planned - done)} that the smart update did not do; the "
                            f"smart update did {sorted(done - planned)} that the preview did not plan")
