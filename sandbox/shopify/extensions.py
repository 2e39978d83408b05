"""The resolvers of the `schema_*.graphql` extensions, bound once the schema is built (engine.schema_get)."""
from graphql import GraphQLSchema

from . import checkouts, events, fulfillment_orders, more_catalog, more_orders


def bind(schema: GraphQLSchema) -> None:
    for module in (more_catalog, more_orders, fulfillment_orders, events, checkouts):
        module.bind(schema)
