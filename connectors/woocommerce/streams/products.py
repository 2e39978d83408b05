"""Products: `products`, keyed by SKU (by slug, "slug:<slug>", without one), filtered server-side by
modification time, translated by WPML. A variable product travels with its variations
(`products/<id>/variations`, read per product, written by batch, matched by SKU); tags are written by id, so
their names are resolved (and missing ones created) first. [woocommerce-rest-api-docs _products.md,
_product-variations.md, _product-tags.md]"""
from __future__ import annotations

import logging
from typing import Any

from connectors.base import WriteResult
from connectors.entities import Canonical, EntityType, Product, Variant, excerpt
from connectors.errors import RecordError

from .. import mappers
from ..api import reason
from .translatable import WooCommerceTranslatableStream

logger = logging.getLogger(__name__)

# Product fields that live on the variations of a variable product.
VARIANT_FIELDS = frozenset({"price", "compare_at_price", "stock_quantity", "stock_status", "manage_stock", "weight"})


class WooCommerceProductStream(WooCommerceTranslatableStream):
    entity = EntityType.PRODUCT
    resource = "products"
    natural_key_fields = ("sku",)
    lookup_param = "sku"
    cursor_field = "date_modified_gmt"
    # A product page costs a batch plus two calls per variable product (variations read + batch).
    page_size = 25
    updatable = {
        "price": ("regular_price", "sale_price"),
        "compare_at_price": ("regular_price", "sale_price"),
        "stock_quantity": ("manage_stock", "stock_quantity"),
        "stock_status": ("stock_status",),
        "manage_stock": ("manage_stock", "stock_quantity"),
        "status": ("status",),
        "name": ("name",),
        "description": ("description",),
        "short_description": ("short_description",),
        "category_ids": ("categories",),
        "seo": ("slug", "meta_data"),
        "weight": ("weight",),
        "featured": ("featured",),
        "tags": ("tags",),
        "images": ("images",),
        "manufacturer_id": ("brands",),
        "tax_class_id": ("tax_class",),
    }
    admin_link = "wp-admin/post.php?post={id}&action=edit"

    def __init__(self, connector: Any) -> None:
        super().__init__(connector)
        self._tag_cache: dict[str, int] | None = None

    def natural_key(self, item: Canonical) -> str | None:
        return item.natural_key()  # the SKU, else "slug:<slug>"

    def lookup(self, key: str) -> tuple[str, str]:
        if key.startswith("slug:"):  # entities.Product.natural_key without a SKU
            return "slug", key.removeprefix("slug:")
        return "sku", key

    # --- reading --------------------------------------------------------------------------------------------
    def record_context(self, record: Any, errors: list[RecordError]) -> dict[str, Any]:
        variations, variation_errors = self.variations_of(record)
        errors.extend(variation_errors)
        return {"variations": variations}

    def variations_of(self, record: Any) -> tuple[list[dict[str, Any]], list[RecordError]]:
        if not isinstance(record, dict) or record.get("type") != "variable" or not record.get("id"):
            return [], []
        product_id = record["id"]
        variations = self._all_pages(f"products/{product_id}/variations", {"orderby": "id", "order": "asc"})
        errors: list[RecordError] = []
        kept = []
        for variation in variations:
            if not isinstance(variation, dict) or not variation.get("id"):
                errors.append(RecordError(f"A variation of product {product_id} has no id.",
                                          source_id=f"{product_id}:?", excerpt=excerpt(variation)))
                continue
            try:
                Variant.model_validate(mappers.variant_from_wc(variation))
            except Exception as exc:  # noqa: BLE001 - any mapping failure is this variation's RecordError
                errors.append(RecordError(
                    f"Variation {variation['id']} of product {product_id} could not be read: {reason(exc)}",
                    source_id=f"{product_id}:{variation['id']}", excerpt=excerpt(variation)))
                continue
            kept.append(variation)
        returned = {v.get("id") for v in variations if isinstance(v, dict)}
        listed = record.get("variations") if isinstance(record.get("variations"), list) else []
        for variation_id in listed:
            if variation_id not in returned:
                errors.append(RecordError(
                    f"variation {variation_id} of product {product_id} could not be read: its parent is missing",
                    source_id=f"{product_id}:{variation_id}", excerpt=excerpt({"product": product_id,
                                                                               "variation": variation_id})))
        return kept, errors

    # --- writing --------------------------------------------------------------------------------------------
    def write_context(self, items: list[Canonical]) -> dict[str, int]:
        return self.resolve_tags(items)

    def update_context(self, item: Canonical, fields: list[str] | None) -> dict[str, int]:
        if fields is None or "tags" in fields:
            return self.resolve_tags([item])
        return {t: 0 for t in getattr(item, "tags", [])}  # tags are not written: no need to resolve them

    def payload(self, item: Canonical, context: Any) -> dict[str, Any]:
        return mappers.product_to_wc(item, tag_ids=context, migrate_images=self.connector.migrate_images)

    def translation_body(self, item: Canonical, fields: dict[str, str], lang: str, target_id: str) -> dict[str, Any]:
        body = super().translation_body(item, fields, lang, target_id)
        if isinstance(item, Product):
            body.setdefault("type", item.type)
        return body

    def after_create(self, target_id: str, item: Canonical, result: WriteResult) -> None:
        if isinstance(item, Product) and item.type == "variable" and item.variants:
            result.children = self.write_variations(target_id, item, warnings=result.warnings, fresh=True)
        super().after_create(target_id, item, result)

    def patched_elsewhere(self, item: Canonical, name: str) -> bool:
        return getattr(item, "type", "") == "variable" and name in VARIANT_FIELDS  # applied to the variations

    def after_update(self, target_id: str, item: Canonical, fields: list[str] | None, written: Any,
                     result: WriteResult) -> None:
        super().after_update(target_id, item, fields, written, result)
        if isinstance(item, Product) and item.type == "variable" and item.variants and (
                fields is None or VARIANT_FIELDS & set(fields)):
            result.children = self.write_variations(target_id, item, fields, warnings=result.warnings)

    def resolve_tags(self, items: list[Canonical]) -> dict[str, int]:
        """Tag names -> ids on this store; WC only accepts tags by id. Missing tags are created."""
        names = {t for item in items for t in getattr(item, "tags", []) or []}
        if not names:
            return {}
        if self._tag_cache is None:
            self._tag_cache = {str(t["name"]): int(t["id"]) for t in self._all_pages("products/tags")
                               if isinstance(t, dict) and t.get("id") and t.get("name")}
        missing = sorted(n for n in names if n not in self._tag_cache)
        if missing:
            outcomes = self._batch("products/tags", "create", [{"name": n} for n in missing])
            for name, (tag_id, error) in zip(missing, outcomes, strict=True):
                if tag_id:
                    self._tag_cache[name] = int(tag_id)
                else:
                    logger.warning("Could not create product tag %r: %s", name, error)
        return dict(self._tag_cache)

    def write_variations(self, product_id: str, item: Product, fields: list[str] | None = None,
                         warnings: list[str] | None = None, fresh: bool = False) -> dict[str, str]:
        """Create (or update, matched by SKU, else by attribute options) the variations of a variable product;
        source -> target ids. A whole write (`fields` None) also deletes the target's variations the source no
        longer has, so the product ends as the source's. With `fields`, only matched variations are updated,
        and only with the WC keys of those fields. `fresh`: the product was created by this very request, so
        it has no variations to list yet."""
        by_sku: dict[str, Any] = {}
        by_options: dict[tuple, Any] = {}
        on_target = []
        for variation in () if fresh else self._all_pages(f"products/{product_id}/variations"):
            if not isinstance(variation, dict) or not variation.get("id"):
                continue
            on_target.append(variation["id"])
            if variation.get("sku"):
                by_sku.setdefault(str(variation["sku"]), variation["id"])
            options = mappers.variant_from_wc(variation)["option_values"]
            by_options.setdefault(_options_key(options), variation["id"])
        creates, updates, matched = [], [], set()
        for variant in item.variants:
            payload = mappers.variant_to_wc(variant, migrate_images=self.connector.migrate_images)
            if fields is not None:
                keys = {k for f in fields if f in VARIANT_FIELDS for k in self.updatable[f]}
                payload = {k: v for k, v in payload.items() if k in keys}
            found = by_sku.get(variant.sku) if variant.sku else None
            if found is None and variant.option_values:
                found = by_options.get(_options_key(variant.option_values))
            if found is not None and found not in matched:
                matched.add(found)
                updates.append((variant, {"id": found, **payload}))
            elif fields is None:
                creates.append((variant, payload))
        children: dict[str, str] = {}
        path = f"products/{product_id}/variations"
        gone = [v for v in on_target if v not in matched] if fields is None else []
        if gone:  # first, so a new variation may take the SKU of one the source replaced
            for variation_id, (_, error) in zip(gone, self._batch(path, "delete", gone), strict=True):
                if error and warnings is not None:
                    warnings.append(f"Variation {variation_id} is no longer on the source but could not be "
                                    f"deleted: {error}")
        for operation, pairs in (("create", creates), ("update", updates)):
            if not pairs:
                continue
            for (variant, _), (target_id, error) in zip(
                    pairs, self._batch(path, operation, [p for _, p in pairs]), strict=True):
                if error:
                    if warnings is not None:
                        warnings.append(f"Variation {variant.source_id} ({variant.sku or 'no SKU'}) was refused: "
                                        f"{error}")
                    logger.info("Variation %s of product %s was refused: %s", variant.source_id, product_id, error)
                else:
                    children[variant.source_id] = str(target_id)
        return children


def _options_key(options: dict[str, str]) -> tuple:
    """Attribute options compared as WooCommerce does: names and values without case."""
    return tuple(sorted((str(k).strip().lower(), str(v).strip().lower()) for k, v in options.items()))
