"""Products as a target: simple products, and variable ones as configurables with their children.

A variable product's options must be select attributes of the store (matched by code or by label: "Color" ->
`color`); their values are found by label and the missing ones added (`POST /V1/products/attributes/{code}/
options`). The children are created first (simple, "Not Visible Individually", with their option values), then
the configurable naming them (`configurable_product_options`, `configurable_product_links`). Updates address a
product by SKU (`PUT /V1/products/{sku}`): the SKU of a target id is read first."""
from __future__ import annotations

from typing import Any

from connectors.base import WriteResult
from connectors.entities import Canonical, Product

from .. import api, mappers, payloads
from . import writes
from .products import Magento2ProductStream

VARIANT_FIELDS = frozenset({"price", "compare_at_price", "stock_quantity", "stock_status", "manage_stock"})


class Magento2ProductWriter(Magento2ProductStream):
    writable = True
    updatable = {
        "price": ("price", "custom_attributes"), "compare_at_price": ("price", "custom_attributes"),
        "stock_quantity": ("extension_attributes",), "stock_status": ("extension_attributes",),
        "manage_stock": ("extension_attributes",), "status": ("status",), "name": ("name",),
        "description": ("custom_attributes",), "short_description": ("custom_attributes",),
        "category_ids": ("extension_attributes",), "seo": ("custom_attributes",), "weight": ("weight",),
    }

    def __init__(self, connector: Any) -> None:
        super().__init__(connector)
        self._select: dict[str, dict[str, Any]] | None = None  # attribute code -> select attribute

    # --- option attributes ---------------------------------------------------------------------------------
    def select_attributes(self) -> dict[str, dict[str, Any]]:
        if self._select is None:
            data, _ = self._call("GET", "products/attributes", params=api.criteria(
                [("frontend_input", "select", "eq")]))
            self._select = {str(a["attribute_code"]): a for a in (data or {}).get("items") or []
                            if isinstance(a, dict) and a.get("attribute_code")}
        return self._select

    def attribute_for(self, name: str) -> dict[str, Any] | None:
        code = mappers.slugify(name).replace("-", "_")
        attributes = self.select_attributes()
        if code in attributes:
            return attributes[code]
        return next((a for a in attributes.values()
                     if str(a.get("default_frontend_label") or "").casefold() == name.casefold()), None)

    def option_id(self, attribute: dict[str, Any], label: str) -> str:
        labels = {v.casefold(): k for k, v in mappers.option_labels(attribute).items()}
        if label.casefold() in labels:
            return labels[label.casefold()]
        code = attribute["attribute_code"]
        data, error = writes.send(self, "POST", f"products/attributes/{code}/options", {"option": {"label": label}})
        if error:
            raise ValueError(f"option {label!r} of {code} could not be added: {error}")
        value = str(data).removeprefix("id_")
        attribute.setdefault("options", []).append({"label": label, "value": value})
        return value

    # --- writing ---------------------------------------------------------------------------------------------
    def create(self, items: list[Canonical]) -> list[WriteResult]:
        return [self._create(item) for item in items]

    def _create(self, item: Any) -> WriteResult:
        result = WriteResult(source_id=item.source_id)
        try:
            if item.type == "variable" and item.variants:
                body = self._configurable(item, result)
            else:
                body = payloads.product_body(item)
        except ValueError as exc:
            return WriteResult(source_id=item.source_id, error=f"Could not prepare the product: {exc}")
        data, error = writes.send(self, "POST", "products", body)
        if error or not isinstance(data, dict) or not data.get("id"):
            return WriteResult(source_id=item.source_id, error=error or "Magento answered no product id.",
                               children=result.children)
        result.target_id = str(data["id"])
        self._after_write(item, str(data.get("sku")), result)
        return result

    def _configurable(self, item: Product, result: WriteResult) -> dict[str, Any]:
        """Create the children; the configurable's body naming them (their source -> target ids in `result`)."""
        attributes = []
        for option in item.options:
            attribute = self.attribute_for(option.name)
            if attribute is None:
                raise ValueError(f"Magento has no select attribute for the option {option.name!r}: create it (Stores "
                                 "→ Attributes → Product) in the Default attribute set, then migrate again")
            attributes.append((option, attribute))
        links, values = [], {}
        for variant in item.variants:
            chosen = {}
            for option, attribute in attributes:
                label = variant.option_values.get(option.name)
                if label:
                    value = self.option_id(attribute, label)
                    chosen[attribute["attribute_code"]] = value
                    values.setdefault(attribute["attribute_code"], []).append(value)
            data, error = writes.send(self, "POST", "products", payloads.child_body(item, variant, chosen))
            if error or not isinstance(data, dict) or not data.get("id"):
                result.warnings.append(f"Variant {variant.sku or variant.source_id} was refused: {error}")
                continue
            links.append(int(data["id"]))
            result.children[variant.source_id] = str(data["id"])
        options = []
        for position, (option, attribute) in enumerate(attributes):
            used = dict.fromkeys(values.get(attribute["attribute_code"], []))
            options.append({"attribute_id": str(attribute["attribute_id"]), "label": option.name, "position": position,
                            "values": [{"value_index": int(v)} for v in used]})
        return payloads.product_body(item, links=links, options=options)

    def _after_write(self, item: Any, sku: str, result: WriteResult) -> None:
        writes.write_translations(self, item, f"products/{sku}", lambda f: payloads.product_translation(f, sku),
                                  result)
        if item.images and self.connector.options.get("migrate_images", True):
            result.warnings.append("Images were not sent: Magento's REST API takes an image's content, not its "
                                   "address; add them in the admin or with an import.")

    def sku_of(self, target_id: str) -> str | None:
        records = self._list([[("entity_id", target_id, "eq")]])["items"]
        return next((str(r["sku"]) for r in records if isinstance(r, dict) and str(r.get("id")) == str(target_id)),
                    None)

    def update(self, target_id: str, item: Canonical, fields: list[str] | None = None) -> WriteResult:
        sku = self.sku_of(target_id)
        if sku is None:
            return WriteResult(source_id=item.source_id, error=f"Product {target_id} is not on the Magento store.")
        body = payloads.product_body(item)["product"]
        body["sku"] = sku
        body.pop("type_id", None)
        if fields is not None:
            keys = {k for f in fields for k in self.updatable.get(f, ())}
            body = {k: v for k, v in body.items() if k in keys or k == "sku"}
        result = WriteResult(source_id=item.source_id, target_id=target_id)
        _, error = writes.send(self, "PUT", f"products/{sku}", {"product": body})
        if error:
            return WriteResult(source_id=item.source_id, error=error)
        if getattr(item, "type", "") == "variable" and (fields is None or VARIANT_FIELDS & set(fields)):
            for variant in item.variants:
                if not variant.sku:
                    continue
                child = payloads.child_body(item, variant, {})["product"]
                patch = {"sku": variant.sku, "price": child["price"], "extension_attributes": {
                    "stock_item": child["extension_attributes"]["stock_item"]}}
                _, error = writes.send(self, "PUT", f"products/{variant.sku}", {"product": patch})
                if error:
                    result.warnings.append(f"Variant {variant.sku} not updated: {error}")
        if fields is None:
            self._after_write(item, sku, result)
        return result

    def delete(self, target_ids: list[str]) -> list[WriteResult]:
        """Deletes the product and, for a configurable, its children (Magento leaves them behind)."""
        results = []
        for target_id in target_ids:
            records = self._list([[("entity_id", target_id, "eq")]])["items"]
            record = next((r for r in records if isinstance(r, dict) and str(r.get("id")) == str(target_id)), None)
            if record is None:
                results.append(WriteResult(source_id=target_id, target_id=target_id))
                continue
            links = (record.get("extension_attributes") or {}).get("configurable_product_links") or []
            children = self._list([[("entity_id", links, "in")]])["items"] if links else []
            _, error = writes.send(self, "DELETE", f"products/{record['sku']}")
            for child in children:
                writes.send(self, "DELETE", f"products/{child['sku']}")
            ok = not error or writes.is_missing(error)
            results.append(WriteResult(source_id=target_id, target_id=target_id if ok else None,
                                       error=None if ok else error))
        return results
