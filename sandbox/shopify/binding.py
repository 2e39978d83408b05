"""Field resolvers bound onto types of the served schema, for the fields the `schema_*.graphql` extensions add.

Renderers (render.py) answer dicts; a field they do not fill is resolved here from the object the parent
renderer answered (`source`) and, for records, the record itself (fetched by the object's GID, cached for the
request, so a page of objects costs no query more)."""
from __future__ import annotations

from collections.abc import Callable

from graphql import GraphQLSchema

from ..models import SandboxRecord
from .common import Ctx, parse_gid
from .data import record_get


def bind_fields(schema: GraphQLSchema, type_name: str, resolvers: dict[str, Callable]) -> None:
    """`resolvers`: field name -> `fn(ctx, source, **arguments)`."""
    fields = schema.type_map[type_name].fields
    for name, fn in resolvers.items():
        fields[name].resolve = _adapter(fn)


def _adapter(fn: Callable):
    return lambda source, info, **args: fn(info.context, source, **args)


def source_record(ctx: Ctx, source: dict, resource: str) -> SandboxRecord | None:
    """The record a rendered object (`{"id": gid, ...}`) stands for."""
    parsed = parse_gid(source.get("id"))
    return record_get(ctx, resource, parsed[1]) if parsed else None


def wrap_field(schema: GraphQLSchema, type_name: str, field: str, annotate: Callable) -> None:
    """Keep the renderer's value of an object, list or connection field, marking each object it holds with
    `annotate(ctx, source, item)` (the parent an item's own fields need, e.g. an order for its line items)."""
    def resolve(source, info, **args):
        value = source.get(field)
        value = value(info, **args) if callable(value) else value
        if isinstance(value, list):
            items = value
        elif isinstance(value, dict):
            items = [edge["node"] for edge in value["edges"]] if "edges" in value else [value]
        else:
            items = []
        for item in items:
            annotate(info.context, source, item)
        return value

    schema.type_map[type_name].fields[field].resolve = resolve
