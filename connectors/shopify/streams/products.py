"""Products: `products`, keyed by SKU (by handle, "slug:<handle>", without one), filtered server-side by
`updated_at`, translated (`translationsRegister`), written with `productSet` [shopify.dev/docs/api/
admin-graphql/latest/mutations/productSet] (a variant's image is the variant's `file`, also listed once in
the product's `files` as Shopify requires); pages of a full run go through `bulkOperationRunMutation` (JSONL
staged upload, `create_bulk`, bulk_write.py), which the cost bucket does not meter, `bulk_size` at a time.

Finding a product again (after a crash between a write and the id map): by SKU search, then by the source SKU
kept as a custom ID, an `id` metafield `cartmigrate.sku` whose definition (unique values) the stream creates
before its first product write [shopify.dev/docs/apps/build/custom-data/metafields/working-with-custom-ids].

Writing a product again (an update without `fields`) sends productSet without metafields: productSet replaces
the lists it is given, and its metafields would delete every other metafield of the product (its reviews, the
owner's own); ours are set with `metafieldsSet` (`set_product_metafields`). Field patches (smart update):
productSet for product-level fields, productVariantsBulkUpdate / inventorySetQuantities for variant-level ones,
metafieldsSet for the stock overrides.
"""
from __future__ import annotations

import json
import logging
from typing import Any

from connectors.base import BulkWrite, WriteResult
from connectors.entities import Canonical, EntityType, Product
from connectors.errors import RecordError
from connectors.sdk import access
from connectors.sdk.graphql import Op

from .. import bulk_write, mappers
from ..api import USER_ERRORS, user_error
from ..mappers import gid, legacy
from .base import ShopifyStream, translations_selection

logger = logging.getLogger(__name__)

E = EntityType
VARIANT_FIELDS = """id sku price compareAtPrice inventoryQuantity inventoryPolicy selectedOptions { name value }
  image { url altText } inventoryItem { id tracked measurement { weight { unit value } } }"""
VARIANTS_PER_PAGE = 30
VARIANTS_MORE = 150  # per request of `complete_variants`: ~5 points a variant keeps it under the 1000 maximum
# A product's collections and images as read in a list page; more are fetched by `complete_lists`.
PRODUCT_LIST_ITEMS = 10
MEDIA_FIELDS = "... on MediaImage { alt image { url } }"
PRODUCT_LISTS = {"collections": "id", "media": MEDIA_FIELDS}
PRODUCT_SELECTION = ("product {{ id handle variants(first: {n}) {{ nodes {{ id sku "
                     "selectedOptions {{ name value }} }} }} }}")
VARIANT_LEVEL = frozenset({"price", "compare_at_price", "stock_quantity", "stock_status"})
SKU_DEFINITION = """id type { name } capabilities { uniqueValues { enabled } }"""


def product_fields(locales: list[str]) -> str:
    return f"""id title handle descriptionHtml vendor productType status tags createdAt updatedAt
  hasOnlyDefaultVariant seo {{ title description }} options {{ name position values }}
  variants(first: {VARIANTS_PER_PAGE}) {{ pageInfo {{ hasNextPage endCursor }} nodes {{ {VARIANT_FIELDS} }} }}
  collections(first: {PRODUCT_LIST_ITEMS}) {{ pageInfo {{ hasNextPage endCursor }} nodes {{ id }} }}
  media(first: {PRODUCT_LIST_ITEMS}) {{ pageInfo {{ hasNextPage endCursor }} nodes {{ {MEDIA_FIELDS} }} }}
  cm_product: metafield(namespace: "{mappers.NAMESPACE}", key: "product") {{ value type }} \
{translations_selection(locales)}"""


def product_set_cost(product_input: dict[str, Any]) -> float:
    """productSet's dynamic cost [shopify.dev/changelog/dynamic-complexity-cost-for-productset-mutation]."""
    variants = product_input.get("variants") or []
    return (10 + 0.2 * len(variants) + 0.6 * sum(1 for v in variants if v.get("file"))
            + 0.4 * sum(len(v.get("metafields") or []) for v in variants)
            + 0.4 * len(product_input.get("metafields") or []) + 1.9 * len(product_input.get("files") or [])) + 1


class ShopifyProductStream(ShopifyStream):
    entity = E.PRODUCT
    list_field, count_field, node_type = "products", "productsCount", "Product"
    max_first = 6
    sort_updated = True
    natural_key_fields = ("sku",)
    cursor_field = "updatedAt"  # search `updated_at:>=`
    page_size = 25
    bulk_size = 250  # productSet lines of one bulk mutation (a page of a full run; ~2 KB a line, far below 20 MB)
    updatable = {
        "stock_quantity": ("inventorySetQuantities", "inventoryItem.tracked", "metafield cartmigrate.product"),
        "stock_status": ("inventoryPolicy", "metafield cartmigrate.product"),
        "price": ("price",),
        "compare_at_price": ("compareAtPrice",),
        "status": ("status",),
        "name": ("title",),
        "description": ("descriptionHtml",),
        "category_ids": ("collections",),
        "seo": ("seo",),
    }
    admin_link = "admin/products/{id}"
    delete_mutation = ("productDelete", "input", "ProductDeleteInput!", "deletedProductId")
    translation_keys = mappers.PRODUCT_TRANSLATION_KEYS
    redirect_prefix = "/products/"
    scan_selection = (f"""id handle hasOnlyDefaultVariant options {{ name values }}
          variants(first: 1) {{ nodes {{ sku }} }}
          cm_product: metafield(namespace: "{mappers.NAMESPACE}", key: "product") {{ value type }}""", 6)

    def __init__(self, connector: Any) -> None:
        super().__init__(connector)
        self._sku_id: bool | None = None  # products carry the source SKU as a custom ID (see `sku_custom_id`)
        self._sku_tried = False

    def natural_key(self, item: Canonical) -> str | None:
        return item.natural_key()  # the SKU, else "slug:<handle>"

    def fields(self) -> str:
        return product_fields(self.locales())

    # --- reading --------------------------------------------------------------------------------------------
    def complete(self, node: dict[str, Any]) -> None:
        self.complete_variants(node)
        self.complete_lists(node)

    def complete_variants(self, node: dict[str, Any]) -> None:
        """Products with more variants than a list page holds: fetch the rest (up to Shopify's 2048)."""
        connection = node.get("variants") or {}
        while (connection.get("pageInfo") or {}).get("hasNextPage"):
            data = self._graphql(f"""query($id: ID!, $after: String) {{ product(id: $id) {{
                variants(first: {VARIANTS_MORE}, after: $after) {{ pageInfo {{ hasNextPage endCursor }}
                nodes {{ {VARIANT_FIELDS} }} }} }} }}""",
                {"id": node["id"], "after": connection["pageInfo"]["endCursor"]})
            more = data["product"]["variants"]
            node["variants"]["nodes"].extend(more["nodes"])
            connection["pageInfo"] = more["pageInfo"]

    def complete_lists(self, node: dict[str, Any]) -> None:
        """Products in more collections, or with more images, than a list page holds: fetch the rest."""
        for field, selection in PRODUCT_LISTS.items():
            connection = node.get(field) or {}
            while (connection.get("pageInfo") or {}).get("hasNextPage"):
                data = self._graphql(f"""query($id: ID!, $after: String) {{ product(id: $id) {{
                    {field}(first: 100, after: $after) {{ pageInfo {{ hasNextPage endCursor }}
                    nodes {{ {selection} }} }} }} }}""",
                                     {"id": node["id"], "after": connection["pageInfo"]["endCursor"]})
                more = (data.get("product") or {}).get(field) or {"nodes": [], "pageInfo": {}}
                connection["nodes"].extend(more["nodes"])
                connection["pageInfo"] = more["pageInfo"]

    def scan_key(self, node: dict[str, Any]) -> str | None:
        options = node.get("options") or []
        simple = bool(node.get("hasOnlyDefaultVariant")) or (
            len(options) == 1 and options[0].get("name") == mappers.DEFAULT_OPTION[0]
            and options[0].get("values") == [mappers.DEFAULT_OPTION[1]])
        variants = access.items_of(node.get("variants"))
        overrides = mappers._metafield(node, "product") or {}
        sku = overrides.get("sku") if isinstance(overrides, dict) and "sku" in overrides else (
            (variants[0].get("sku") or "") if simple and variants else "")
        handle = node.get("handle") or ""
        return sku or (f"slug:{handle}" if handle else None)

    # --- natural keys ---------------------------------------------------------------------------------------
    def find_by_natural_key(self, key: str) -> str | None:
        if key.startswith("slug:"):
            return self.by_field("productByHandle", "handle", key[5:])
        found = self.first(f"sku:'{self.quoted(key)}'")
        if found:
            return found
        if not self.sku_custom_id(create=False):
            return None
        node = self._graphql("""query($v: String!) { productByIdentifier(identifier: {customId: {
            namespace: "cartmigrate", key: "sku", value: $v}}) { id } }""", {"v": key}, cost=1
                             ).get("productByIdentifier")
        return legacy(node["id"]) if node else None

    def sku_custom_id(self, *, create: bool) -> bool:
        """Whether products carry the source SKU as a custom ID: an `id` metafield definition (unique values)
        for cartmigrate.sku, which `productByIdentifier` needs to find a product the search index does not show
        yet (right after a crash). Created before the first product is written; Shopify only allows unique
        values on a definition that has no metafields yet, so a store whose products already carry the key
        as text keeps it, and lookups rely on the SKU search alone."""
        if self._sku_id is None or (create and not self._sku_id and not self._sku_tried):
            self._sku_tried = self._sku_tried or create
            data = self._graphql(f"""query {{ metafieldDefinitions(first: 1, ownerType: PRODUCT,
                namespace: "{mappers.NAMESPACE}", key: "sku") {{ nodes {{ {SKU_DEFINITION} }} }} }}""", cost=3)
            nodes = data["metafieldDefinitions"]["nodes"]
            if not nodes and create:
                made = self._graphql(f"""mutation($d: MetafieldDefinitionInput!) {{
                    metafieldDefinitionCreate(definition: $d) {{ createdDefinition {{ {SKU_DEFINITION} }}
                    userErrors {{ field message code }} }} }}""", {"d": {
                    "name": "Source SKU (Cartmigrate)", "namespace": mappers.NAMESPACE, "key": "sku", "type": "id",
                    "ownerType": "PRODUCT",
                    "description": "The product's SKU on the store it was migrated from; used to find it again."}},
                    cost=10, mutation=True)["metafieldDefinitionCreate"]
                if made["createdDefinition"]:
                    nodes = [made["createdDefinition"]]
                else:
                    logger.warning("No custom ID definition for product SKUs on %s: %s", self.connector.base_url,
                                   "; ".join(user_error(e) for e in made["userErrors"]))
            self._sku_id = bool(nodes and nodes[0]["type"]["name"] == "id"
                                and nodes[0]["capabilities"]["uniqueValues"]["enabled"])
            if not nodes and not create:
                self._sku_id = None  # not written yet: ask again next time
        return bool(self._sku_id)

    # --- writing --------------------------------------------------------------------------------------------
    def create(self, items: list[Canonical]) -> list[WriteResult]:
        return self.write(items)

    def write(self, items: list[Canonical], target_ids: dict[int, str] | None = None) -> list[WriteResult]:
        """productSet each item (over `target_ids[i]` when given: a product written again), by requests."""
        results, ops, held = self.set_ops(items, target_ids)
        return self.finish(items, results, ops, self._mutate(ops), held, target_ids)

    def create_bulk(self, items: list[Canonical | None], *, key: str, state: dict[str, Any] | None,
                    until: float) -> BulkWrite:
        """productSet each item through one bulk mutation (bulk_write.py); an item given as None (not read
        again after an interruption) has no op and no result."""
        present = [(index, item) for index, item in enumerate(items) if item is not None]
        results, ops, held = self.set_ops([item for _, item in present], None)
        places = [op.key for op in ops]  # positions in `present`
        for op in ops:
            op.key = present[op.key][0]  # the bulk lines name their item by its place in `items`
            op.selection = f"{{ {PRODUCT_SELECTION.format(n=250)} {USER_ERRORS} }}"  # one document for all lines
        state, outcomes = bulk_write.run(self.connector, ops, key=key, state=state, until=until)
        if outcomes is None:
            return BulkWrite(state=state, results=None)
        answered = [(op, outcome) for op, outcome in zip(ops, outcomes, strict=True) if outcome is not None]
        for op, place in zip(ops, places, strict=True):
            op.key = place
        written = self.finish([item for _, item in present], results, [op for op, _ in answered],
                              [outcome for _, outcome in answered], held, None)
        by_source = {result.source_id: result for result in written}
        return BulkWrite(state=state, results=[by_source.get(item.source_id) if item is not None else None
                                               for item in items])

    def set_ops(self, items: list[Canonical], target_ids: dict[int, str] | None
                ) -> tuple[list[WriteResult | None], list[Op], dict[int, list[dict[str, Any]]]]:
        """The productSet op of each item (key: its index), the results of those that cannot be written, and
        the metafields held back from an update (set by `set_product_metafields`)."""
        connector = self.connector
        results: list[WriteResult | None] = [None] * len(items)
        ops: list[Op] = []
        held: dict[int, list[dict[str, Any]]] = {}
        for i, item in enumerate(items):
            assert isinstance(item, Product)
            try:
                product_input = mappers.product_set_input(
                    item, location_id=connector.location_id, migrate_images=connector.migrate_images,
                    target_id=(target_ids or {}).get(i))
            except RecordError as exc:
                results[i] = WriteResult(source_id=item.source_id, error=exc.message)
                continue
            if item.sku:
                product_input["metafields"].append({
                    "namespace": mappers.NAMESPACE, "key": "sku", "value": item.sku,
                    "type": "id" if self.sku_custom_id(create=True) else "single_line_text_field"})
            if target_ids is not None:
                # productSet replaces a list it is given: its metafields would delete every other metafield
                # of the product (its reviews, the owner's own); an update sets ours with metafieldsSet.
                held[i] = product_input.pop("metafields")
            n = min(250, max(1, len(product_input["variants"])))
            ops.append(self.op("productSet", {"input": ("ProductSetInput!", product_input),
                                              "synchronous": ("Boolean", True)},
                               PRODUCT_SELECTION.format(n=n), key=i,
                               cost=product_set_cost(product_input) + 2 + n * 2))
        return results, ops, held

    def finish(self, items: list[Canonical], results: list[WriteResult | None], ops: list[Op],
               outcomes: list[tuple[Any, str | None]], held: dict[int, list[dict[str, Any]]],
               target_ids: dict[int, str] | None) -> list[WriteResult]:
        """Results from the ops' outcomes (a SKU taken as another product's custom ID written again without
        it, held metafields set), then translations and redirects of what was written. An item without an op
        nor a result (no outcome from a bulk operation) gets no result."""
        dropped: set[int] = set()  # products written without their SKU custom ID
        outcomes = self.without_taken_sku(ops, outcomes, dropped)
        if target_ids is not None:
            outcomes = self.set_product_metafields(ops, outcomes, held, dropped)
        for op, (payload, error) in zip(ops, outcomes, strict=True):
            item = items[op.key]
            product = (payload or {}).get("product")
            if error or not product:
                results[op.key] = WriteResult(source_id=item.source_id, error=error or "Shopify created no product.")
                continue
            warnings = [f"SKU {item.sku} is already the custom ID of another product on Shopify: this one was "
                        "written without it."] if op.key in dropped else []
            results[op.key] = WriteResult(source_id=item.source_id, target_id=legacy(product["id"]),
                                          children=self.match_variants(item, product), warnings=warnings)
            results[op.key].extra_node = product  # type: ignore[union-attr]
        out = [r for r in results if r is not None]
        self.after_create([item for index, item in enumerate(items) if results[index] is not None], out)
        return out

    def without_taken_sku(self, ops: list[Op], outcomes: list[tuple[Any, str | None]], dropped: set[int]
                          ) -> list[tuple[Any, str | None]]:
        """Products refused because another product already has their SKU as its custom ID (a source with
        duplicate SKUs) are written again without it."""
        again = []
        for index, (op, (_, error)) in enumerate(zip(ops, outcomes, strict=True)):
            metafields = op.args["input"][1].get("metafields") or []
            last = len(metafields) - 1
            if error and last >= 0 and metafields[last]["key"] == "sku" and metafields[last]["type"] == "id" \
                    and f"input.metafields.{last}.value" in error:
                metafields.pop()
                dropped.add(op.key)
                again.append(index)
        if again:
            for index, outcome in zip(again, self._mutate([ops[i] for i in again]), strict=True):
                outcomes[index] = outcome
        return outcomes

    def set_product_metafields(self, ops: list[Op], outcomes: list[tuple[Any, str | None]],
                               held: dict[int, list[dict[str, Any]]], dropped: set[int]
                               ) -> list[tuple[Any, str | None]]:
        """The metafields held back from updating productSets, set on each product written; a SKU that is
        already another product's custom ID is dropped (metafieldsSet is atomic) and the rest set again."""
        sets: list[Op] = []
        for index, (op, (payload, error)) in enumerate(zip(ops, outcomes, strict=True)):
            product = (payload or {}).get("product")
            if error or not product or not held.get(op.key):
                continue
            metafields = [{**m, "ownerId": product["id"]} for m in held[op.key]]
            sets.append(self.op("metafieldsSet", {"metafields": ("[MetafieldsSetInput!]!", metafields)},
                                "metafields { id }", key=index))
        again = []
        for set_op, (_, error) in zip(sets, self._mutate(sets), strict=True):
            metafields = set_op.args["metafields"][1]
            last = len(metafields) - 1
            if error and metafields[last]["key"] == "sku" and metafields[last]["type"] == "id" \
                    and f"metafields.{last}.value" in error:
                metafields.pop()
                dropped.add(ops[set_op.key].key)
                again.append(set_op)
            elif error:
                outcomes[set_op.key] = (None, error)
        for set_op, (_, error) in zip(again, self._mutate(again), strict=True):
            if error:
                outcomes[set_op.key] = (None, error)
        return outcomes

    @staticmethod
    def match_variants(item: Product, product: dict[str, Any]) -> dict[str, str]:
        if item.type == "simple" or not item.variants:
            return {}
        written = access.items_of(product.get("variants"))
        by_options = {tuple(sorted((o["name"], o["value"]) for o in v["selectedOptions"])): v["id"] for v in written}
        by_sku = {v["sku"]: v["id"] for v in written if v.get("sku")}
        children = {}
        for variant in item.variants:
            found = by_sku.get(variant.sku) if variant.sku else None
            found = found or by_options.get(tuple(sorted(variant.option_values.items())))
            if found:
                children[variant.source_id] = legacy(found)
        return children

    def variants_of(self, target_id: str) -> list[dict[str, Any]]:
        nodes, after = [], None
        while True:
            data = self._graphql("""query($id: ID!, $after: String) { product(id: $id) { id
                variants(first: 250, after: $after) { pageInfo { hasNextPage endCursor }
                nodes { id sku inventoryQuantity selectedOptions { name value } inventoryItem { id tracked } } } } }""",
                                 {"id": gid(E.PRODUCT, target_id), "after": after})
            product = data.get("product")
            if not product:
                return []
            nodes.extend(product["variants"]["nodes"])
            if not product["variants"]["pageInfo"]["hasNextPage"]:
                return nodes
            after = product["variants"]["pageInfo"]["endCursor"]

    def update(self, target_id: str, item: Canonical, fields: list[str] | None = None) -> WriteResult:
        assert isinstance(item, Product)
        if fields is None:
            return self.write([item], target_ids={0: target_id})[0]
        wanted = set(fields)
        warnings: list[str] = []
        product_input: dict[str, Any] = {"id": gid(E.PRODUCT, target_id)}
        if "name" in wanted:
            product_input["title"] = item.name
        if "description" in wanted:
            product_input["descriptionHtml"] = item.description
        if "status" in wanted:
            product_input["status"] = item.status.upper()
        if "seo" in wanted:
            product_input["seo"] = {"title": item.seo.title or None, "description": item.seo.description or None}
        if "category_ids" in wanted:
            product_input["collections"] = [gid(E.CATEGORY, c) for c in item.category_ids]
        ops = []
        if wanted & {"stock_quantity", "stock_status"}:  # metafieldsSet: productSet would drop the others
            ops.append(self.op("metafieldsSet", {"metafields": ("[MetafieldsSetInput!]!", [{
                "ownerId": gid(E.PRODUCT, target_id), "namespace": mappers.NAMESPACE, "key": "product",
                "type": "json", "value": json.dumps(mappers.product_overrides(item), sort_keys=True)}])},
                "metafields { id }", key="metafields"))
        if len(product_input) > 1:
            ops.append(self.op("productSet", {"input": ("ProductSetInput!", product_input)}, "product { id }",
                               key="product", cost=12))
        if wanted & VARIANT_LEVEL:
            variants = self.variants_of(target_id)
            if not variants:
                return WriteResult(source_id=item.source_id, error="The product no longer exists on Shopify.")
            more, warnings = self.variant_ops(target_id, item, wanted, variants)
            ops += more
        errors = [error for _, error in self._mutate(ops) if error]
        if errors:
            return WriteResult(source_id=item.source_id, error="; ".join(errors))
        return WriteResult(source_id=item.source_id, target_id=target_id, warnings=warnings)

    def variant_ops(self, target_id: str, item: Product, wanted: set[str], variants: list[dict[str, Any]]
                    ) -> tuple[list[Op], list[str]]:
        """The productVariantsBulkUpdate / inventorySetQuantities of a patch of variant-level fields, and the
        warnings for source variants not on Shopify."""
        warnings: list[str] = []
        sources = item.variants if item.type == "variable" and item.variants else [item]
        by_sku = {v["sku"]: v for v in variants if v.get("sku")}
        by_options = {tuple(sorted((o["name"], o["value"]) for o in v["selectedOptions"])): v for v in variants}
        updates, quantities = [], []
        for source in sources:
            target = by_sku.get(source.sku) if source.sku else None
            if target is None and source is not item:
                target = by_options.get(tuple(sorted(source.option_values.items())))
            if target is None and source is item:
                target = variants[0]
            if target is None:
                warnings.append(f"Variant {source.sku or source.source_id} is not on Shopify; not updated.")
                continue
            update: dict[str, Any] = {"id": target["id"]}
            if "price" in wanted:
                update["price"] = mappers.money_str(source.price)
            if "compare_at_price" in wanted:
                update["compareAtPrice"] = mappers.money_str(source.compare_at_price) \
                    if source.compare_at_price is not None else None
            if "stock_status" in wanted:
                update["inventoryPolicy"] = "CONTINUE" if source.stock_status == "backorder" else "DENY"
            if "stock_quantity" in wanted and bool(source.manage_stock) != target["inventoryItem"]["tracked"]:
                update["inventoryItem"] = {"tracked": bool(source.manage_stock)}  # the source began (or
                # stopped) managing stock: without tracking Shopify keeps no quantity
            if len(update) > 1:
                updates.append(update)
            if "stock_quantity" in wanted and source.manage_stock and source.stock_quantity is not None:
                # changeFromQuantity null: the source is the truth, no compare-and-swap (ignoreCompareQuantity,
                # deprecated in 2026-01, is gone from 2026-04: the schema guard, tests/fixtures/shopify_schema_guard.py)
                quantities.append({"inventoryItemId": target["inventoryItem"]["id"],
                                   "locationId": self.connector.location_id, "quantity": int(source.stock_quantity),
                                   "changeFromQuantity": None})
        ops = []
        if updates:
            ops.append(self.op("productVariantsBulkUpdate", {"productId": ("ID!", gid(E.PRODUCT, target_id)),
                                                             "variants": ("[ProductVariantsBulkInput!]!", updates)},
                               "product { id }", key="variants"))
        if quantities:
            ops.append(self.op("inventorySetQuantities", {"input": ("InventorySetQuantitiesInput!", {
                "name": "available", "reason": "correction",
                "referenceDocumentUri": f"gid://cartmigrate/SmartUpdate/{item.source_id}",
                "quantities": quantities})}, "inventoryAdjustmentGroup { id }", key="inventory"))
        return ops, warnings
