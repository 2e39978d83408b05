"""Products: products with option groups and variants (prices in minor units, stock on hand per variant, the
facet "Tags" for tags, one translation per language code), keyed by SKU (CartmigratePlugin's `productSku`, else
a variant's SKU, or "slug:<slug>"). Filtered here by modification time, on the newest `updatedAt` of the product
and its variants: a product's own does not move when only a variant's price or stock changes.

Stock: canonical `stock_quantity` is what is left to sell (Vendure's stock on hand minus what placed orders
allocated), as WooCommerce and Shopify count it; writing adds back what the target already allocated. Images are
read (asset URLs) but not written (Vendure takes uploads, not URLs); short descriptions and weights have no Vendure
field; a record larger than Vendure's default body limit (100 kB) is refused. Without CartmigratePlugin a product
keeps no product-level SKU or stock and its variants no compare-at price. Variants, tags and collection
memberships are written in product_parts.py.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from typing import Any

from connectors.base import ScannedRecord, WriteResult
from connectors.entities import Canonical, EntityType, Product

from .. import mappers
from ..graphql import Op
from .base import ASSET, language_warnings
from .product_parts import VendureProductParts

PRODUCT_FIELDS_ON_PRODUCT = frozenset({"name", "description", "status", "tags", "seo", "sku", "manage_stock",
                                       "stock_quantity", "stock_status"})
PRODUCT_FIELDS_ON_VARIANTS = frozenset({"price", "compare_at_price", "manage_stock", "stock_quantity",
                                        "stock_status"})
STOCK_KEYS = ("customFields", "variants.trackInventory", "variants.stockOnHand",
              "variants.useGlobalOutOfStockThreshold", "variants.outOfStockThreshold")


class VendureProductStream(VendureProductParts):
    entity = EntityType.PRODUCT
    list_field = "products"
    one_field = "product"
    delete_mutation = "deleteProducts"
    natural_key_fields = ("sku",)
    page_size = 25  # a product costs about five mutations: keep one engine step short
    updatable = {
        "name": ("translations",),
        "description": ("translations",),
        "status": ("enabled",),
        "price": ("variants.price",),
        "compare_at_price": ("variants.customFields",),
        "manage_stock": STOCK_KEYS,
        "stock_quantity": STOCK_KEYS,
        "stock_status": STOCK_KEYS,
        "category_ids": ("collections.filters",),
        "tags": ("facetValueIds",),
        "seo": ("translations",),
        "sku": ("customFields", "variants.sku"),
    }
    admin_link = "admin/catalog/products/{id}"

    def natural_key(self, item: Canonical) -> str | None:
        return item.natural_key()  # the SKU, else "slug:<slug>"

    # --- reading --------------------------------------------------------------------------------------------
    def selection(self) -> str:
        custom = self.connector._custom_selection
        return f"""id createdAt updatedAt enabled name slug description
          translations {{ languageCode name slug description }}
          featuredAsset {ASSET} assets {ASSET}
          facetValues {{ id name facet {{ code }} }}
          collections {{ id }}
          optionGroups {{ id code name options {{ id code name }} }}
          variants {{ id createdAt updatedAt sku price trackInventory stockOnHand stockAllocated outOfStockThreshold
            useGlobalOutOfStockThreshold featuredAsset {ASSET} options {{ id name group {{ id name }} }}
            {custom("ProductVariant")} }}
          {custom("Product")}"""

    def mapper_context(self, record: Any, store: dict[str, Any]) -> dict[str, Any]:
        return {"default_language": store["default_language"], "precision": store["precision"],
                "global_track_inventory": store["track_inventory"], "global_threshold": store["threshold"],
                "category_ids": self.categories_of(record)}

    def categories_of(self, record: Any) -> set[str]:
        """The collections a product is in: those Vendure computed (`product.collections`) and those whose
        product-id filter lists it (up to date even while Vendure's job queue still applies the filters)."""
        if not isinstance(record, dict) or not record.get("id"):
            return set()
        computed = {str(c.get("id")) for c in record.get("collections") or [] if isinstance(c, dict)}
        return computed | self.collection_members().get(str(record["id"]), set())

    def find_keys(self, wanted: list[str], found: dict[str, str]) -> None:
        by_slug: dict[str, str] = {}
        slugs = [k.removeprefix("slug:") for k in wanted if k.startswith("slug:")]
        if slugs:
            self.lookup("products", "slug", slugs, "slug", into=by_slug)
        found.update({f"slug:{k}": v for k, v in by_slug.items()})
        skus = [k for k in wanted if not k.startswith("slug:")]
        if skus and self.has_fields("Product"):
            self.lookup("products", "productSku", skus, "customFields { productSku }", into=found)
        rest = [k for k in skus if k not in found]
        if rest:
            self.lookup("productVariants", "sku", rest, "sku", select="productId", into=found)

    def scan(self) -> Iterator[ScannedRecord]:
        """Keyed by SKU (productSku, or the only variant's) else slug, with the languages of their translations."""
        default = self.store()["default_language"]
        custom = self.connector._custom_selection("Product")
        for record in self._paged("products", f"id slug translations {{ languageCode }} optionGroups {{ id }} "
                                              f"variants {{ sku }} {custom}", type_name="ProductListOptions"):
            variants = record.get("variants") or []
            if not record.get("optionGroups") and len(variants) == 1:
                sku = str(variants[0].get("sku") or "")
            else:
                sku = str((record.get("customFields") or {}).get("productSku") or "")
            slug = str(record.get("slug") or "")
            yield ScannedRecord(record_id=str(record["id"]), natural_key=sku or (f"slug:{slug}" if slug else None),
                                language=default, translations=self.languages_of(record, default))

    # --- writing --------------------------------------------------------------------------------------------
    def product_input(self, item: Product, tag_ids: dict[str, str]) -> tuple[dict[str, Any], list[str]]:
        store = self.store()
        data, skipped = mappers.product_input(item, default_language=store["default_language"],
                                              languages=store["languages"],
                                              facet_value_ids=[tag_ids[t] for t in item.tags if t in tag_ids],
                                              custom_fields=self.has_fields("Product"))
        return data, language_warnings(skipped)

    def create_records(self, items: list[Canonical]) -> list[WriteResult]:
        """Three requests per page: the products; their option groups; the groups attached and the variants.
        Then each collection gets its new products (one update per collection). A product whose variants are
        refused is deleted again and reported, so a rerun does not find half a product."""
        products = [i for i in items if isinstance(i, Product)]
        tag_ids = self.tag_ids(t for p in products for t in p.tags)
        results: dict[int, WriteResult] = {}
        created: dict[int, str] = {}
        ops = []
        for index, item in enumerate(products):
            try:
                data, warnings = self.product_input(item, tag_ids)
            except (ValueError, TypeError) as exc:
                results[index] = WriteResult(source_id=item.source_id, error=f"Could not prepare the record: {exc}")
                continue
            results[index] = WriteResult(source_id=item.source_id, warnings=warnings)
            ops.append(Op("createProduct", {"input": ("CreateProductInput!", data)}, "{ id }", key=index))
        for op, (value, error) in zip(ops, self._mutate(ops), strict=True):
            if error:
                results[op.key].error = error
            else:
                created[op.key] = str(value["id"])
        variant_outcomes = self.write_variants({i: (created[i], products[i]) for i in created})
        to_delete = []
        for index, product_id in created.items():
            children, error = variant_outcomes[index]
            if error:
                results[index].error = f"Its variants were refused: {error}"
                to_delete.append(product_id)
                continue
            results[index].target_id = product_id
            results[index].children = children
        if to_delete:
            self._mutate([Op("deleteProducts", {"ids": ("[ID!]!", to_delete)}, "{ result }")], retry_safe=True)
        joins: dict[str, set[str]] = defaultdict(set)
        for index, product_id in created.items():
            if results[index].ok:
                for category_id in products[index].category_ids:
                    joins[category_id].add(product_id)
        self.set_memberships(joins, {}, results={created[i]: results[i] for i in created if results[i].ok})
        return [results[i] for i in range(len(products))]

    def raw_product(self, product_id: str) -> dict[str, Any] | None:
        data = self._query(f"query One($id: ID!) {{ product(id: $id) {{ {self.selection()} }} }}",
                           {"id": str(product_id)})
        record = data.get("product")
        return record if isinstance(record, dict) else None

    def update_record(self, target_id: str, item: Canonical, fields: list[str] | None) -> WriteResult:
        """The product, then its variants matched by SKU (else by options), then the variants it lacks (a full
        update only), then its collections."""
        assert isinstance(item, Product)
        store = self.store()
        raw = self.raw_product(target_id)
        if raw is None:
            return WriteResult(source_id=item.source_id, error=f"Product {target_id} does not exist on Vendure.")
        wanted = set(fields) if fields is not None else None
        result = WriteResult(source_id=item.source_id, target_id=target_id)
        ops = []
        if wanted is None or wanted & PRODUCT_FIELDS_ON_PRODUCT:
            tag_ids = self.tag_ids(item.tags) if wanted is None or "tags" in wanted else {}
            data, warnings = self.product_input(item, tag_ids)
            result.warnings.extend(warnings)
            update: dict[str, Any] = {"id": target_id}
            if wanted is None or {"name", "description", "seo"} & wanted:
                update["translations"] = data["translations"]
            if wanted is None or "status" in wanted:
                update["enabled"] = data["enabled"]
            if wanted is None or "tags" in wanted:
                others = [str(v["id"]) for v in raw.get("facetValues") or []
                          if not mappers.is_tag_facet((v.get("facet") or {}).get("code"))]
                update["facetValueIds"] = others + data["facetValueIds"]
            if "customFields" in data and (wanted is None or {"sku", "manage_stock", "stock_quantity",
                                                              "stock_status"} & wanted):
                update["customFields"] = data["customFields"]
            if len(update) > 1:
                ops.append(Op("updateProduct", {"input": ("UpdateProductInput!", update)}, "{ id }"))
        children: dict[str, str] = {}
        variants_by_sku = {str(v.get("sku")): v for v in raw.get("variants") or [] if v.get("sku")}
        by_options = {tuple(sorted((str(o["group"]["name"]), str(o["name"])) for o in v.get("options") or [])): v
                      for v in raw.get("variants") or []}
        on_variants = PRODUCT_FIELDS_ON_VARIANTS | ({"sku"} if item.type == "simple" else set())
        matched: set[str] = set()
        if wanted is None or wanted & on_variants:
            updates = []
            for variant in self.variants_of(item):
                target = variants_by_sku.get(variant.sku) if variant.sku else None
                target = target or by_options.get(tuple(sorted(variant.option_values.items())))
                if target is None and item.type == "simple" and len(raw.get("variants") or []) == 1:
                    target = raw["variants"][0]
                if target is None:
                    continue
                matched.add(variant.source_id)
                if item.type == "variable":
                    children[variant.source_id] = str(target["id"])
                allocated = int(target.get("stockAllocated") or 0)
                full = mappers.variant_input(variant, product_name=item.name, option_ids=[],
                                             default_language=store["default_language"], precision=store["precision"],
                                             custom_fields=self.has_fields("ProductVariant"), allocated=allocated)
                keys = {"sku", "price", "translations", "trackInventory", "stockOnHand", "useGlobalOutOfStockThreshold",
                        "outOfStockThreshold", "customFields"} if wanted is None else set()
                if wanted is not None:
                    if "sku" in wanted:  # a simple product's SKU is its variant's
                        keys.add("sku")
                    if "price" in wanted:
                        keys.add("price")
                    if "compare_at_price" in wanted:
                        keys.add("customFields")
                    if {"manage_stock", "stock_quantity", "stock_status"} & wanted:
                        keys |= {"trackInventory", "stockOnHand", "useGlobalOutOfStockThreshold", "outOfStockThreshold"}
                patch = {k: v for k, v in full.items() if k in keys}
                if patch:
                    updates.append({"id": str(target["id"]), **patch})
            if updates:
                ops.append(Op("updateProductVariants", {"input": ("[UpdateProductVariantInput!]!", updates)},
                              "{ id }"))
        for _, error in self._mutate(ops):
            if error:
                return WriteResult(source_id=item.source_id, error=error)
        if wanted is None:  # variants the target lacks (an interrupted create, or new on the source)
            (created, error), = self.write_variants({0: (target_id, item)}, {0: raw}, skip=matched).values()
            if error:
                result.warnings.append(f"Some variants could not be created: {error}")
            children.update(created)
        if wanted is None or "category_ids" in wanted:
            have = self.collection_members(refresh=True).get(target_id, set())
            want = set(item.category_ids)
            self.set_memberships({c: {target_id} for c in want - have}, {c: {target_id} for c in have - want},
                                 results={target_id: result})
        result.children = children
        return result

    def delete(self, target_ids: list[str]) -> list[WriteResult]:
        results = super().delete(target_ids)
        self.connector._members = None
        return results
