"""Products with their variants, options, images and custom fields: one v3 read with
`include=variants,images,custom_fields` a page, one POST a product with everything inline
[products_catalog.v3.yml "Create a product"]; smart-update patches go to the product and, for a product with
options, to its variants (matched by SKU) in the same PUT."""
from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, ClassVar

from connectors.base import WriteResult
from connectors.entities import Canonical, EntityType, Product

from .. import mappers
from ..api import PRODUCT_INCLUDE, error_text
from .redirects import RedirectingStream

VARIANT_FIELDS = {"stock_quantity", "price", "compare_at_price", "weight"}
METAFIELDS = "catalog/products/metafields"
OVERRIDES_NAMESPACE, OVERRIDES_KEY = "cartmigrate", "product"


class BigCommerceProductStream(RedirectingStream):
    entity = EntityType.PRODUCT
    resource = "catalog/products"
    include = PRODUCT_INCLUDE
    natural_key_fields = ("sku",)
    cursor_field = "date_modified"
    redirect_type: ClassVar[str] = "product"
    updatable = {
        "stock_quantity": ("inventory_level",), "price": ("price", "sale_price"),
        "compare_at_price": ("price", "sale_price"), "name": ("name",), "description": ("description",),
        "status": ("is_visible",), "featured": ("is_featured",), "weight": ("weight",),
        "category_ids": ("categories",), "manufacturer_id": ("brand_id",), "tags": ("search_keywords",),
        "seo": ("page_title", "meta_description", "custom_url"),
    }
    admin_path = "products/edit/{id}"

    def __init__(self, connector: Any) -> None:
        super().__init__(connector)
        self._overrides: dict[str, dict[str, Any]] | None = None

    def natural_key(self, item: Canonical) -> str | None:
        return item.natural_key()  # the SKU, or "slug:<slug>" for a product without one

    def page_context(self, records: list[Any]) -> Any:
        """{product id: overrides} from the app-only metafields, read once (one request a 250) when the page
        has a product with options."""
        if not any(isinstance(r, dict) and any(v.get("option_values") for v in r.get("variants") or [])
                   for r in records):
            return {}
        if self._overrides is None:
            found: dict[str, dict[str, Any]] = {}
            page = 1
            while True:
                data, meta = self.fetch_page({"namespace": OVERRIDES_NAMESPACE, "key": OVERRIDES_KEY},
                                             page, 250, path=METAFIELDS)
                for field in data:
                    try:
                        found[str(field["resource_id"])] = json.loads(field["value"])
                    except (KeyError, TypeError, ValueError):
                        continue
                if not self.has_more(meta, page, len(data), 250):
                    break
                page += 1
            self._overrides = found
        return self._overrides

    def to_canonical(self, record: dict[str, Any], context: Any) -> Canonical:
        return mappers.product_to_canonical(record, (context or {}).get(str(record.get("id"))))

    def after_create(self, items: list[Canonical], results: list[WriteResult]) -> None:
        """The product-level values BigCommerce would not give back (`mappers.product_overrides`), 50 a request;
        then the redirects."""
        wanted = []
        for item, result in zip(items, results, strict=True):
            kept = mappers.product_overrides(item) if result.ok and isinstance(item, Product) else {}
            if kept:
                wanted.append((result, {"resource_id": int(result.target_id), "namespace": OVERRIDES_NAMESPACE,
                                        "key": OVERRIDES_KEY, "value": json.dumps(kept),
                                        "permission_set": "app_only"}))
        for start in range(0, len(wanted), 50):
            chunk = wanted[start:start + 50]
            data, response = self.call("POST", METAFIELDS, body=[body for _, body in chunk], allow=(400, 409, 422))
            if response.status_code >= 300:
                for result, _ in chunk:
                    result.warnings.append(f"The product's own stock was not kept: {error_text(data)}")
        super().after_create(items, results)

    def payload(self, item: Product) -> dict[str, Any]:  # type: ignore[override]
        return mappers.product_to_bc(item, migrate_images=self.connector.migrate_images)

    def find_by_natural_keys(self, keys: list[str]) -> dict[str, str]:
        found: dict[str, str] = {}
        skus = sorted({k for k in keys if k and not k.startswith("slug:")})
        for start in range(0, len(skus), 50):
            chunk = skus[start:start + 50]
            data, _ = self.fetch_page({"sku:in": ",".join(chunk), "include_fields": "id,sku"}, 1, 250)
            for record in data:
                if isinstance(record, dict) and record.get("sku") in chunk:
                    found.setdefault(str(record["sku"]), str(record["id"]))
        slugs = {k for k in keys if k and k.startswith("slug:")}
        if slugs:
            for key, record_id in super().find_by_natural_keys(list(slugs)).items():
                found[key] = record_id
        return found

    # --- writing ------------------------------------------------------------------------------------------
    def create_one(self, item: Canonical, body: dict[str, Any]) -> WriteResult:
        """A duplicate name (409) is made unique with the SKU, a taken custom URL is given up; both warned."""
        result, data = self._unique(item, body, lambda sent: self._post(item, sent), "created")
        if result.ok and isinstance(item, Product):
            result.children = self._variant_ids(item, data.get("variants") or [])
        return result

    @staticmethod
    def _unique(item: Canonical, body: dict[str, Any],
                send: Callable[[dict[str, Any]], tuple[WriteResult, dict[str, Any]]], done: str | None
                ) -> tuple[WriteResult, dict[str, Any]]:
        """Send `body`, answering the result and the store's record. A duplicate name (409) is made unique
        with the SKU, a taken custom URL is given up, and the body is sent again, with a warning for each
        (`done`: how the name was written; None: the name's warning was given when the product was created).
        A rerun's update meets the same names as the create did, so it writes the same unique name instead of
        failing on the original one."""
        (result, data), warnings = send(body), []
        for _ in range(2):
            if result.ok or not result.error or "409" not in result.error:
                break
            if "name" in result.error.lower() and "name" in body:
                body = {**body, "name": f"{body['name']} ({item.sku or item.source_id})"}  # type: ignore[attr-defined]
                if done:
                    warnings.append(f"Another product is called {item.name!r} on BigCommerce (names are unique "
                                    f"there): {done} as {body['name']!r}.")
            elif "custom url" in result.error.lower() and "custom_url" in body:
                warnings.append(f"The URL {body['custom_url']['url']} is taken on BigCommerce: the product got one "
                                "of its own.")
                body = {k: v for k, v in body.items() if k != "custom_url"}
            else:
                break
            result, data = send(body)
        result.warnings.extend(warnings if result.ok else [])
        return result, data

    def _post(self, item: Canonical, body: dict[str, Any]) -> tuple[WriteResult, dict[str, Any]]:
        data, response = self.call("POST", self.resource, body=body, allow=(400, 409, 413, 422))
        if response.status_code >= 300:
            return WriteResult(source_id=item.source_id, error=f"BigCommerce refused it: HTTP "
                                                               f"{response.status_code} {error_text(data)}"), {}
        record = data.get("data") or {}
        return WriteResult(source_id=item.source_id, target_id=str(record["id"])), record

    @staticmethod
    def _variant_ids(item: Product, written: list[dict[str, Any]]) -> dict[str, str]:
        """{source variant id: target variant id}, matched by SKU, then by option values."""
        by_sku = {str(v.get("sku") or ""): str(v["id"]) for v in written if isinstance(v, dict) and v.get("id")}
        by_options = {tuple(sorted((o.get("option_display_name"), o.get("label")) for o in v.get("option_values")
                                   or [])): str(v["id"]) for v in written if isinstance(v, dict) and v.get("id")}
        children = {}
        for index, variant in enumerate(item.variants):
            target = by_sku.get(mappers.variant_sku(item, index)) or by_options.get(
                tuple(sorted(variant.option_values.items())))
            if target:
                children[variant.source_id] = target
        return children

    def update(self, target_id: str, item: Canonical, fields: list[str] | None = None) -> WriteResult:
        unknown = [f for f in fields or [] if f not in self.updatable]
        if unknown or not isinstance(item, Product):
            return super().update(target_id, item, fields)
        body = self.payload(item)
        variants = body.pop("variants", None)
        body.pop("images", None)  # images and custom fields are added on create only: a PUT would add them again
        body.pop("custom_fields", None)
        if fields is not None:
            keys = {key for name in fields for key in self.updatable[name]}
            body = {k: v for k, v in body.items() if k in keys}
        warnings = []
        if variants and (fields is None or VARIANT_FIELDS & set(fields)):
            existing, _ = self.call("GET", f"{self.resource}/{target_id}/variants", params={"limit": 250},
                                    allow=(404,))
            ids = self._variant_ids(item, (existing or {}).get("data") or [])
            patched = []
            for index, variant in enumerate(item.variants):
                if variant.source_id not in ids:
                    warnings.append(f"Variant {variant.sku or variant.source_id} is not on the BigCommerce product.")
                    continue
                full = variants[index]
                keep = {"inventory_level", "price", "sale_price", "weight"} if fields is None else {
                    key for name in fields if name in VARIANT_FIELDS for key in self.updatable[name]}
                patched.append({"id": int(ids[variant.source_id]), **{k: v for k, v in full.items() if k in keep}})
            if patched:
                body["variants"] = patched
        # a whole record written again (a rerun) meets the names its create met; a chosen field is news
        result, _ = self._unique(item, body, lambda sent: (self.put(target_id, item, sent), {}),
                                 None if fields is None else "written")
        result.warnings.extend(warnings)
        return result

    def delete(self, target_ids: list[str]) -> list[WriteResult]:
        """DELETE by `id:in`, 50 a call; a product that is not there counts as deleted."""
        for start in range(0, len(target_ids), 50):
            chunk = target_ids[start:start + 50]
            self.call("DELETE", self.resource, params={"id:in": ",".join(chunk)}, allow=(404,))
        return [WriteResult(source_id=t, target_id=t) for t in target_ids]
