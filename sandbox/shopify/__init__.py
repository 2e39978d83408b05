"""Shopify sandbox store: an emulator of the Admin GraphQL API (schema-first, graphql-core)."""
