import pytest
from django.conf import settings

pytest_plugins = ["tests.fixtures.sandbox", "tests.fixtures.worker"]


def pytest_configure(config):
    # The suite runs on PostgreSQL (CI sets DATABASE_URL); never silently on SQLite.
    engine = settings.DATABASES["default"]["ENGINE"]
    if "postgresql" not in engine:
        raise pytest.UsageError(
            f"Tests need PostgreSQL (DATABASE_URL=postgres://...), got {engine}. Run them with `make test`."
        )
