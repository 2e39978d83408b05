"""Query cost as Shopify calculates it (https://shopify.dev/docs/apps/build/apis/graphql-admin/rate-limits).

Default field costs: scalar and enum 0, object 1, interface and union the maximum over their possible
types; a connection costs 2 plus, for every object it may return (`first`/`last`), that object's own
cost (1 plus its object children), so nested connections multiply; a mutation field costs 10 plus the
connections selected in its payload (the payload's plain objects are free). `productSet` has the dynamic
cost of 2025-10+: 10 + variants x 0.2 + variant files x 0.6 + variant metafields x 0.4 + product
metafields x 0.4 + product files x 1.9, rounded up.

The requested cost is computed from the document before execution (sizes from `first`/`last`); the actual
cost walks the same document over the result, counting the objects really returned (a null object still
costs its 1). Page sizes above 250 are reported here, as Shopify refuses them before executing.
"""
import math

from graphql import (
    FieldNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    get_named_type,
    is_abstract_type,
    is_leaf_type,
    is_list_type,
    is_non_null_type,
)
from graphql.execution.values import get_argument_values

from .common import MAX_PAGE_SIZE

MUTATION_COST = 10


def _unwrap(type_):
    if is_non_null_type(type_):
        type_ = type_.of_type
    return type_


class CostCalculator:
    def __init__(self, schema: GraphQLSchema, operation: OperationDefinitionNode, fragments: dict, variables: dict):
        self.schema = schema
        self.operation = operation
        self.fragments = fragments
        self.variables = variables or {}
        self.errors: list[GraphQLError] = []

    # ------------------------------------------------------------------ public

    def requested(self) -> int:
        root = self._root_type()
        return int(math.ceil(self._selection(self.operation.selection_set, root, None, False, root_level=True)))

    def actual(self, data) -> int:
        root = self._root_type()
        if data is None:
            return 0
        return int(math.ceil(self._selection(self.operation.selection_set, root, data, True, root_level=True)))

    # ------------------------------------------------------------------ walking

    def _root_type(self) -> GraphQLObjectType:
        return self.schema.mutation_type if self.operation.operation.value == "mutation" else self.schema.query_type

    def _is_mutation(self) -> bool:
        return self.operation.operation.value == "mutation"

    def _collect(self, selection_set, runtime: GraphQLObjectType, out: list) -> list:
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                out.append(selection)
            elif isinstance(selection, InlineFragmentNode):
                if self._applies(selection.type_condition, runtime):
                    self._collect(selection.selection_set, runtime, out)
            elif isinstance(selection, FragmentSpreadNode):
                fragment = self.fragments.get(selection.name.value)
                if fragment and self._applies(fragment.type_condition, runtime):
                    self._collect(fragment.selection_set, runtime, out)
        return out

    def _applies(self, condition, runtime: GraphQLObjectType) -> bool:
        if condition is None:
            return True
        target = self.schema.get_type(condition.name.value)
        if target is None:
            return False
        if target is runtime:
            return True
        return is_abstract_type(target) and self.schema.is_sub_type(target, runtime)

    def _selection(self, selection_set, parent, data, actual: bool, *, payload: bool = False,
                   root_level: bool = False) -> float:
        """Cost of `selection_set` on `parent` (abstract parents: the most expensive possible type)."""
        if selection_set is None:
            return 0.0
        if is_abstract_type(parent):
            candidates = self.schema.get_possible_types(parent)
            if actual and isinstance(data, dict) and data.get("__typename"):
                candidates = [t for t in candidates if t.name == data["__typename"]] or candidates
            return max((self._selection(selection_set, t, data, actual, payload=payload) for t in candidates),
                       default=0.0)
        total = 0.0
        for node in self._collect(selection_set, parent, []):
            total += self._field(node, parent, data, actual, payload=payload, root_level=root_level)
        return total

    def _args(self, field_def, node: FieldNode) -> dict:
        try:
            return get_argument_values(field_def, node, self.variables)
        except GraphQLError:
            return {}

    def _field(self, node: FieldNode, parent: GraphQLObjectType, data, actual: bool, *, payload: bool,
               root_level: bool) -> float:
        name = node.name.value
        if name.startswith("__"):
            return 0.0
        field_def = parent.fields.get(name)
        if field_def is None:
            return 0.0
        key = node.alias.value if node.alias else name
        value = data.get(key) if isinstance(data, dict) else None
        named = get_named_type(field_def.type)
        if is_leaf_type(named):
            return 0.0
        args = self._args(field_def, node)
        if root_level and self._is_mutation():
            return self._mutation(name, args) + self._selection(node.selection_set, named, value, actual, payload=True)
        if named.name.endswith("Connection") and "pageInfo" in getattr(named, "fields", {}):
            return self._connection(node, named, args, value, actual, name)
        own = 0.0 if payload else 1.0
        if is_list_type(_unwrap(field_def.type)):
            if actual:
                items = value if isinstance(value, list) else []
                return sum(own + self._selection(node.selection_set, named, item, True, payload=payload)
                           for item in items if item is not None)
            size = args.get("first") or (len(args["ids"]) if isinstance(args.get("ids"), list) else 1)
            return max(1, size) * (own + self._selection(node.selection_set, named, None, False, payload=payload))
        if actual and value is None:
            return own
        return own + self._selection(node.selection_set, named, value, actual, payload=payload)

    def _connection(self, node: FieldNode, connection: GraphQLObjectType, args: dict, value, actual: bool,
                    name: str) -> float:
        node_type = get_named_type(connection.fields["nodes"].type)
        selections = []  # (selection set of one node, list of returned node dicts)
        for child in self._collect(node.selection_set, connection, []):
            key = child.alias.value if child.alias else child.name.value
            returned = value.get(key) if isinstance(value, dict) else None
            if child.name.value == "nodes":
                selections.append((child.selection_set, returned if isinstance(returned, list) else []))
            elif child.name.value == "edges" and child.selection_set:
                edge_type = get_named_type(connection.fields["edges"].type)
                for edge_child in self._collect(child.selection_set, edge_type, []):
                    if edge_child.name.value == "node":
                        edge_key = edge_child.alias.value if edge_child.alias else "node"
                        edges = returned if isinstance(returned, list) else []
                        selections.append((edge_child.selection_set,
                                           [e.get(edge_key) for e in edges if isinstance(e, dict)]))
        if actual:
            per_selection = [
                sum(1 + self._selection(sel, node_type, item, True) for item in items if item is not None)
                for sel, items in selections
            ]
            return 2.0 + max(per_selection, default=0.0)
        size = 0
        for arg in ("first", "last"):
            requested = args.get(arg)
            if requested is None:
                continue
            if not 0 <= requested <= MAX_PAGE_SIZE:
                self.errors.append(GraphQLError(
                    f"Argument '{arg}' on Field '{name}' has an invalid value ({requested}). "
                    f"Expected a page size from 0 to {MAX_PAGE_SIZE}.",
                    node, extensions={"code": "argumentLiteralsIncompatible", "typeName": "Field",
                                      "argumentName": arg},
                ))
            size = max(size, requested)
        per_node = max((1 + self._selection(sel, node_type, None, False) for sel, _ in selections), default=0.0)
        return 2.0 + size * per_node

    def _mutation(self, name: str, args: dict) -> float:
        if name != "productSet":
            return float(MUTATION_COST)
        product = args.get("input") or {}
        variants = product.get("variants") or []
        variant_files = sum(1 for v in variants if (v or {}).get("file"))
        variant_metafields = sum(len((v or {}).get("metafields") or []) for v in variants)
        cost = (10 + len(variants) * 0.2 + variant_files * 0.6 + variant_metafields * 0.4
                + len(product.get("metafields") or []) * 0.4 + len(product.get("files") or []) * 1.9)
        return float(math.ceil(round(cost, 6)))
