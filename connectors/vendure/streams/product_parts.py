"""What travels with a Vendure product and is written apart from it: tags (values of the facet "Tags"), option
groups and variants, and collection memberships (a collection's contents are its `product-id-filter`).

`VendureProductStream` is made of it. The collection memberships are cached on the connector (`_members`), since
deleting categories changes them too; the variant of each simple product written is remembered there
(`_default_variants`) for the lines of its orders.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from connectors.base import WriteResult
from connectors.entities import Product, Variant
from connectors.errors import ConfigError

from .. import mappers
from ..graphql import MAX_TAKE, Op
from .base import VendureStream


class VendureProductParts(VendureStream):
    def __init__(self, connector: Any) -> None:
        super().__init__(connector)
        self._tag_values: dict[str, str] | None = None  # tag name -> facet value id
        self._tag_facet: str | None = None

    @staticmethod
    def variants_of(item: Product) -> list[Variant]:
        """The variants of a variable product; the one variant carrying a simple product's SKU, price and stock."""
        return list(item.variants) if item.type == "variable" else [mappers.simple_variant(item)]

    def tag_ids(self, names: Iterable[str]) -> dict[str, str]:
        """Tag names -> facet value ids of the "Tags" facet; the facet and missing values are created."""
        names = sorted({n for n in names if n})
        if not names:
            return {}
        if self._tag_values is None:
            data = self._query("query Tags($options: FacetListOptions) { facets(options: $options) { items { id code "
                               "values { id name } } } }",
                               {"options": {"filter": {"code": {"contains": mappers.TAG_FACET_CODE}}}})
            found = (data.get("facets") or {}).get("items") or []
            facets = sorted((f for f in found if mappers.is_tag_facet(f["code"])),
                            key=lambda f: (f["code"] != mappers.TAG_FACET_CODE, len(f["code"]), f["code"]))
            self._tag_facet = str(facets[0]["id"]) if facets else None
            self._tag_values = {str(v["name"]): str(v["id"]) for v in (facets[0]["values"] if facets else [])}
        missing = [n for n in names if n not in self._tag_values]
        language = self.store()["default_language"]
        if missing and self._tag_facet is None:
            (value, error), = self._mutate([Op("createFacet", {"input": ("CreateFacetInput!", {
                "code": mappers.TAG_FACET_CODE, "isPrivate": False,
                "translations": [{"languageCode": language, "name": mappers.TAG_FACET_NAME}],
                "values": [{"code": mappers.slugify(n) or "tag", "translations": [{"languageCode": language,
                                                                                    "name": n}]} for n in missing],
            })}, "{ id values { id name } }")])
            if error:
                raise ConfigError(f"Could not create the Tags facet on Vendure: {error}", url=self.connector.api_url)
            self._tag_facet = str(value["id"])
            self._tag_values.update({str(v["name"]): str(v["id"]) for v in value["values"]})
        elif missing:
            (value, error), = self._mutate([Op("createFacetValues", {"input": ("[CreateFacetValueInput!]!", [
                {"facetId": self._tag_facet, "code": mappers.slugify(n) or "tag",
                 "translations": [{"languageCode": language, "name": n}]} for n in missing])}, "{ id name }")])
            if error:
                raise ConfigError(f"Could not create tags on Vendure: {error}", url=self.connector.api_url)
            self._tag_values.update({str(v["name"]): str(v["id"]) for v in value})
        return {n: self._tag_values[n] for n in names if n in self._tag_values}

    def write_variants(self, targets: dict[Any, tuple[str, Product]],
                       existing: dict[Any, dict[str, Any]] | None = None, skip: set[str] | None = None
                       ) -> dict[Any, tuple[dict[str, str], str | None]]:
        """Create the option groups and variants a product lacks on Vendure (all of them for a new product).

        `existing`: per key, the product as read from Vendure (option groups, variants) when updating; `skip`:
        source variant ids already matched to a Vendure variant. Answers, per key, (source variant id -> Vendure
        variant id for the variants created, error)."""
        store = self.store()
        language = store["default_language"]
        existing = existing or {}
        out: dict[Any, tuple[dict[str, str], str | None]] = {k: ({}, None) for k in targets}
        # 1. Option groups and options that are missing.
        group_ops, option_ops = [], []
        option_ids: dict[Any, dict[tuple[str, str], str]] = {}
        for key, (_, item) in targets.items():
            known = existing.get(key) or {}
            groups = {str(g["name"]): g for g in known.get("optionGroups") or []}
            ids = {(name, str(o["name"])): str(o["id"]) for name, g in groups.items() for o in g.get("options") or []}
            option_ids[key] = ids
            for name, values in mappers.option_groups_wanted(item) if item.type == "variable" else []:
                if name not in groups:
                    group_ops.append(Op("createProductOptionGroup", {"input": (
                        "CreateProductOptionGroupInput!", mappers.option_group_input(
                            name, values, default_language=language))}, "{ id name options { id name } }",
                        key=(key, name), group=key))
                    continue
                for value in values:
                    if (name, value) not in ids:
                        option_ops.append(Op("createProductOption", {"input": ("CreateProductOptionInput!", {
                            "productOptionGroupId": str(groups[name]["id"]), "code": mappers.slugify(value) or "option",
                            "translations": [{"languageCode": language, "name": value}]})}, "{ id name }",
                            key=(key, name, value), group=key))
        failed: dict[Any, str] = {}
        new_groups: dict[Any, list[str]] = defaultdict(list)
        for op, (value, error) in zip(group_ops, self._mutate(group_ops), strict=True):
            key, name = op.key
            if error:
                failed.setdefault(key, f"option {name}: {error}")
                continue
            new_groups[key].append(str(value["id"]))
            for option in value.get("options") or []:
                option_ids[key][(name, str(option["name"]))] = str(option["id"])
        for op, (value, error) in zip(option_ops, self._mutate(option_ops), strict=True):
            key, name, option_value = op.key
            if error:
                failed.setdefault(key, f"option {name} {option_value}: {error}")
            else:
                option_ids[key][(name, option_value)] = str(value["id"])
        # 2. Groups attached to their product, then the missing variants (in one request: in order).
        ops = []
        for key, (product_id, item) in targets.items():
            if key in failed:
                continue
            for group_id in new_groups.get(key, []):
                ops.append(Op("addOptionGroupToProduct", {"productId": ("ID!", product_id),
                                                          "optionGroupId": ("ID!", group_id)}, "{ id }", key=key,
                              group=key))
            known_skus = {str(v.get("sku")) for v in (existing.get(key) or {}).get("variants") or [] if v.get("sku")}
            inputs, sources = [], []
            for variant in self.variants_of(item):
                if (variant.sku and variant.sku in known_skus) or variant.source_id in (skip or ()):
                    continue
                try:
                    ids = [option_ids[key][(n, v)] for n, v in variant.option_values.items()]
                    inputs.append({"productId": product_id, **mappers.variant_input(
                        variant, product_name=item.name, option_ids=ids, default_language=language,
                        precision=store["precision"], custom_fields=self.has_fields("ProductVariant"))})
                except (KeyError, ValueError) as exc:
                    failed.setdefault(key, f"variant {variant.sku or variant.source_id}: {exc}")
                    break
                sources.append(variant.source_id)
            if key not in failed and inputs:
                ops.append(Op("createProductVariants", {"input": ("[CreateProductVariantInput!]!", inputs)},
                              "{ id sku }", key=(key, tuple(sources)), group=key))
        for op, (value, error) in zip(ops, self._mutate(ops), strict=True):
            key = op.key[0] if isinstance(op.key, tuple) else op.key
            if error:
                failed.setdefault(key, error)
            elif isinstance(op.key, tuple):
                made = [v for v in value or [] if isinstance(v, dict)]
                sources = op.key[1]
                if len(made) != len(sources):
                    failed.setdefault(key, f"{len(sources) - len(made)} variant(s) were not created")
                    continue
                item = targets[key][1]
                if item.type == "variable":
                    out[key] = ({s: str(v["id"]) for s, v in zip(sources, made, strict=True)}, None)
                else:
                    self.connector._default_variants[targets[key][0]] = str(made[0]["id"])
        for key, error in failed.items():
            out[key] = ({}, error)
        return out

    def collection_members(self, *, refresh: bool = False) -> dict[str, set[str]]:
        """product id -> the ids of the collections whose product-id filter lists it (cached)."""
        if self.connector._members is None or refresh:
            members: dict[str, set[str]] = defaultdict(set)
            for collection in self._paged("collections", "id filters { code args { name value } }",
                                          type_name="CollectionListOptions"):
                for product_id in mappers.product_ids_of_filters(collection.get("filters") or []):
                    members[product_id].add(str(collection["id"]))
            self.connector._members = members
        return self.connector._members

    def set_memberships(self, joins: dict[str, set[str]], leaves: dict[str, set[str]], *,
                        results: dict[str, WriteResult]) -> None:
        """Add products to (`joins`) and remove them from (`leaves`) collections: {collection id: product ids}.
        Each collection's product-id filter is rewritten once. A collection that refuses is a warning on the
        products concerned (they exist; only their category is missing)."""
        touched = sorted(set(joins) | set(leaves))
        if not touched:
            return
        current: dict[str, list[str]] = {}
        data = self._query("query Filters($options: CollectionListOptions) { collections(options: $options) { items {"
                           " id filters { code args { name value } } } } }",
                           {"options": {"take": MAX_TAKE, "filter": {"id": {"in": touched}}}})
        for collection in (data.get("collections") or {}).get("items") or []:
            current[str(collection["id"])] = mappers.product_ids_of_filters(collection.get("filters") or [])
        ops = []
        for collection_id in touched:
            if collection_id not in current:
                for product_id in joins.get(collection_id, ()):
                    if product_id in results:
                        results[product_id].warnings.append(f"Its category {collection_id} does not exist on Vendure.")
                continue
            ids = (set(current[collection_id]) | joins.get(collection_id, set())) - leaves.get(collection_id, set())
            if ids == set(current[collection_id]):
                continue
            ops.append(Op("updateCollection", {"input": ("UpdateCollectionInput!", {
                "id": collection_id, "filters": mappers.product_id_filters(ids)})}, "{ id }", key=collection_id))
        for op, (_, error) in zip(ops, self._mutate(ops, retry_safe=True), strict=True):
            if error:
                for product_id in joins.get(op.key, set()) | leaves.get(op.key, set()):
                    if product_id in results:
                        results[product_id].warnings.append(f"Its category {op.key} was not updated: {error}")
        members = self.connector._members
        if members is not None:
            for collection_id, product_ids in joins.items():
                for product_id in product_ids:
                    members[product_id].add(collection_id)
            for collection_id, product_ids in leaves.items():
                for product_id in product_ids:
                    members.get(product_id, set()).discard(collection_id)
