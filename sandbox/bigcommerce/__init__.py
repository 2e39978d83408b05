"""BigCommerce REST Management API (v3 + v2) emulator."""
