"""Mounted at /sandbox/ when SANDBOX_ENABLED. Each platform package contributes its own URLs."""
urlpatterns: list = []
