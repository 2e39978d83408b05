"""Emulator of the WooCommerce REST API v3 (`/wp-json/wc/v3/...`) on the generic sandbox record store."""
