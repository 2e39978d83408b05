"""Shopify's REST Admin API (legacy, still served to custom apps and called by third-party readers), read
side: the same store data as the GraphQL endpoint, rendered in REST's snake_case shapes."""
