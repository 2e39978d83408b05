"""Magento 2 / Adobe Commerce REST emulator (see README.md)."""
