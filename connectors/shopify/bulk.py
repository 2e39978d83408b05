"""Bulk query reads: turn a list selection into a `bulkOperationRunQuery` document and rebuild each record
from the JSONL result, so that `mappers.to_canonical` sees the node shape of a paginated read.

Shopify's rules [shopify.dev/docs/api/usage/bulk-operations/queries]: at least one connection, at most five,
nested at most two levels deep; `first`/`after` and `pageInfo` mean nothing there (every object is returned).
Each object of a nested connection is its own JSONL line carrying `__parentId`, the id of the root object
it belongs to; with `groupObjects: true` those lines come right after their parent's line
[shopify.dev/docs/api/admin-graphql/latest/mutations/bulkOperationRunQuery], which is what lets the
reader stream the file one record at a time.

A child line says nothing about which connection it came from, so the document is rewritten: every
nested connection's nodes also select `cmBulkC<i>: __typename` (the alias names the connection), and every
object holding inline fragments selects `cmBulkType: __typename` (so that a union/interface object, e.g. a
discount's `items`, gets back only the connections its type has). These keys are removed again when the
record is rebuilt.

Running them: `bulk_read.read` drives a bulk query read for a stream (start or find again, poll, stream the
result file into pages from a byte offset, fall back to the paginated read); bulk creates through
bulkOperationRunMutation are in bulk_write.py.
"""
from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Iterator
from copy import copy as shallow_copy
from dataclasses import dataclass, field
from typing import Any

from graphql import (
    FieldNode,
    GraphQLError,
    InlineFragmentNode,
    NameNode,
    OperationDefinitionNode,
    SelectionSetNode,
    parse,
    print_ast,
)

logger = logging.getLogger(__name__)

BULK_MIN = 50  # an entity of at least this many new records is created by bulk mutations (bulk_write.py)
# An entity with at least this many records on the store is read with one bulk query: a paginated read of
# products or orders costs ~40-50 points a record, so 100 of them drain two Standard-plan buckets (2000
# points, 100/s) and wait ~20 s or more, while a bulk query costs ~12 points whatever its size.
BULK_READ_MIN = 100
BULK_DONE = frozenset({"COMPLETED", "FAILED", "CANCELED", "EXPIRED"})

MAX_CONNECTIONS = 5
MAX_DEPTH = 2
PARENT_KEY = "__parentId"
MARKER = "cmBulk"
TYPE_KEY = f"{MARKER}Type"
PAGINATION_ARGS = frozenset({"first", "last", "after", "before"})


class OverLimits(ValueError):
    """The selection cannot run as one bulk query (too many or too deeply nested connections)."""


@dataclass
class Connection:
    """A nested connection: where it sits in the root node (keys, each with the type the object there must
    have, or None), whether it was read through `edges`, and the `pageInfo` fields the selection asked for."""

    path: list[tuple[str, str | None]]
    edges: bool
    page_info: tuple[str, ...]


@dataclass
class BulkPlan:
    query: str
    connections: dict[str, Connection] = field(default_factory=dict)  # marker alias -> connection


def _typename(alias: str) -> FieldNode:
    return FieldNode(alias=NameNode(value=alias), name=NameNode(value="__typename"), arguments=(), directives=(),
                     selection_set=None)


def _field_names(selection_set: SelectionSetNode) -> set[str]:
    return {s.name.value for s in selection_set.selections if isinstance(s, FieldNode)}


def _with(node: Any, **changes: Any) -> Any:
    """A copy of an AST node with some attributes changed (graphql-core 3.3 nodes are frozen)."""
    copy = shallow_copy(node)
    for name, value in changes.items():
        object.__setattr__(copy, name, value)
    return copy


def plan(list_field: str, root_arguments: str, node_selection: str) -> BulkPlan:
    """The bulk document for `list_field(root_arguments) { nodes { node_selection } }`; raises OverLimits."""
    document = parse(f"query {{ {list_field}{f'({root_arguments})' if root_arguments else ''} "
                     f"{{ nodes {{ {node_selection} }} }} }}")
    operation = next(d for d in document.definitions if isinstance(d, OperationDefinitionNode))
    [root] = operation.selection_set.selections
    connections: dict[str, Connection] = {}
    count = [1]  # the root list is the first connection

    def connection(node: FieldNode, path: list[tuple[str, str | None]], depth: int) -> FieldNode:
        if depth > MAX_DEPTH:
            raise OverLimits(f"connection {node.name.value!r} is nested {depth} levels deep (Shopify allows "
                             f"{MAX_DEPTH})")
        count[0] += 1
        if count[0] > MAX_CONNECTIONS:
            raise OverLimits(f"more than {MAX_CONNECTIONS} connections")
        alias = f"{MARKER}C{len(connections)}"
        connections[alias] = conn = Connection(path=path, edges=False, page_info=())
        kept = []
        for child in node.selection_set.selections:
            if isinstance(child, FieldNode) and child.name.value == "pageInfo":
                conn.page_info = tuple(sorted(_field_names(child.selection_set))) if child.selection_set else ()
                continue
            if isinstance(child, FieldNode) and child.name.value == "nodes" and child.selection_set:
                inner = walk(child.selection_set, [], depth)
                child = _with(child, selection_set=_with(inner, selections=(*inner.selections, _typename(alias))))
            elif isinstance(child, FieldNode) and child.name.value == "edges" and child.selection_set:
                conn.edges = True
                parts = []
                for part in child.selection_set.selections:
                    if isinstance(part, FieldNode) and part.name.value == "node" and part.selection_set:
                        inner = walk(part.selection_set, [], depth)
                        part = _with(part, selection_set=_with(inner, selections=(*inner.selections,
                                                                                   _typename(alias))))
                    parts.append(part)
                child = _with(child, selection_set=_with(child.selection_set, selections=tuple(parts)))
            kept.append(child)
        return _with(node, selection_set=_with(node.selection_set, selections=tuple(kept)),
                     arguments=tuple(a for a in node.arguments if a.name.value not in PAGINATION_ARGS))

    def walk(selection_set: SelectionSetNode, path: list[tuple[str, str | None]], depth: int) -> SelectionSetNode:
        out = []
        for selection in selection_set.selections:
            if isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition.name.value if selection.type_condition else None
                inner = path[:-1] + [(path[-1][0], condition)] if path and condition else path
                selection = _with(selection, selection_set=walk(selection.selection_set, inner, depth))
            elif isinstance(selection, FieldNode) and selection.selection_set is not None:
                key = selection.alias.value if selection.alias else selection.name.value
                names = _field_names(selection.selection_set)
                if names & {"nodes", "edges"}:
                    selection = connection(selection, [*path, (key, None)], depth + 1)
                else:
                    inner = walk(selection.selection_set, [*path, (key, None)], depth)
                    if any(isinstance(s, InlineFragmentNode) for s in inner.selections):
                        inner = _with(inner, selections=(*inner.selections, _typename(TYPE_KEY)))
                    selection = _with(selection, selection_set=inner)
            out.append(selection)
        return _with(selection_set, selections=tuple(out))

    nodes = next(s for s in root.selection_set.selections if isinstance(s, FieldNode) and s.name.value == "nodes")
    new_nodes = _with(nodes, selection_set=walk(nodes.selection_set, [], 1))
    new_root = _with(root, selection_set=_with(root.selection_set, selections=(new_nodes,)))
    return BulkPlan(query=print_ast(_with(operation, selection_set=_with(operation.selection_set,
                                                                           selections=(new_root,)))),
                    connections=connections)


@dataclass
class Line:
    """One root record rebuilt from its lines, or why it could not be (`problem`, with an excerpt)."""

    index: int  # position among the root objects of the file, from 0
    node: dict[str, Any] | None
    problem: str = ""
    excerpt: str = ""
    root: bool = False  # a whole root record (rebuilt or spoilt), as opposed to a stray line
    end: int = 0  # byte position in the file right after the record (where the next root line starts)


def _strip(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _strip(v) for k, v in value.items() if not k.startswith(MARKER)}
    if isinstance(value, list):
        return [_strip(v) for v in value]
    return value


def _assemble(bulk_plan: BulkPlan, root: dict[str, Any], children: dict[str, list[dict[str, Any]]]
              ) -> dict[str, Any]:
    for alias, conn in bulk_plan.connections.items():
        holder: Any = root
        for key, required in conn.path[:-1]:
            holder = holder.get(key) if isinstance(holder, dict) else None
            if not isinstance(holder, dict) or (required and holder.get(TYPE_KEY) != required):
                holder = None
                break
        if holder is None:
            continue
        owner_key, required = conn.path[-1]
        if required and holder.get(TYPE_KEY) != required:
            continue
        found = children.get(alias, [])
        value: dict[str, Any] = {"edges": [{"node": n} for n in found]} if conn.edges else {"nodes": found}
        if conn.page_info:
            value["pageInfo"] = {name: (False if name.startswith("has") else None) for name in conn.page_info}
        holder[owner_key] = value
    return _strip(root)


def records(bulk_plan: BulkPlan, lines: Iterable[bytes | str], *, skip: int = 0, first_index: int = 0,
            first_byte: int = 0) -> Iterator[Line]:
    """Rebuild root records from a grouped JSONL stream, one at a time (a record is complete when the next
    root line or the end arrives). The first `skip` root objects are passed over without being rebuilt.
    `lines` come without their newline; when they start in the middle of the file (a Range read from a
    root line), `first_index` and `first_byte` say where, so that `Line.index` and `Line.end` are positions
    in the whole file.

    A line that is not JSON spoils the record being assembled (it may have been one of its children, so the
    record may be incomplete): that record comes back with a `problem`. So does a record with a child line
    of no known connection; a child line whose parent is not the record being assembled comes back on its
    own. Only well-formed root lines count as root objects, so `skip` means the same on a re-read."""
    index = first_index - 1
    position = first_byte  # where the current line starts
    root: dict[str, Any] | None = None
    children: dict[str, list[dict[str, Any]]] = {}
    problem, excerpt = "", ""

    def finish(end: int) -> Line | None:
        if root is None or index < skip:
            return None
        if problem:
            return Line(index=index, node={"id": root.get("id")}, problem=problem, excerpt=excerpt, root=True,
                        end=end)
        return Line(index=index, node=_assemble(bulk_plan, root, children), root=True, end=end)

    for number, raw in enumerate(lines, start=1):
        text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else raw
        start, position = position, position + (len(raw) if isinstance(raw, bytes) else len(raw.encode())) + 1
        if not text.strip():
            continue
        try:
            value = json.loads(text)
            if not isinstance(value, dict):
                raise ValueError("not an object")
        except ValueError:
            if root is not None and index >= skip:
                problem = problem or f"Line {number} of Shopify's bulk file, within or right after this record, " \
                                     "could not be read."
                excerpt = excerpt or text[:200]
            elif root is None and skip == 0:
                yield Line(index=index, node=None, problem=f"Line {number} of Shopify's bulk file is not valid "
                           "JSON.", excerpt=text[:200])
            continue
        parent = value.pop(PARENT_KEY, None)
        if parent is None:
            done = finish(start)
            if done is not None:
                yield done
            index += 1
            root, children, problem, excerpt = value, {}, "", ""
            continue
        if index < skip:
            continue
        alias = next((k for k in value if k.startswith(f"{MARKER}C")), None)
        if root is None or parent != root.get("id") or alias not in bulk_plan.connections:
            if root is not None and parent == root.get("id"):
                problem = problem or f"Line {number} of Shopify's bulk file belongs to no known list."
                excerpt = excerpt or text[:200]
            else:
                yield Line(index=index, node={"id": parent}, problem=f"Line {number} of Shopify's bulk file "
                           "does not follow its parent record.", excerpt=text[:200])
            continue
        children.setdefault(alias, []).append(value)
    done = finish(position)
    if done is not None:
        yield done


def user_errors_text(errors: list[dict[str, Any]]) -> str:
    return "; ".join(str(e.get("message")) for e in errors) or "no reason given"


__all__ = ["BULK_MIN", "BULK_READ_MIN", "BulkPlan", "GraphQLError", "Line", "OverLimits", "plan", "records",
           "user_errors_text"]
