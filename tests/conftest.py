import os

import hypothesis
import pytest
from django.conf import settings

# Under CI every property test draws the same examples each run: CI is a gate, exploration happens locally.
hypothesis.settings.register_profile("ci", derandomize=True, database=None, deadline=None)
if os.environ.get("CI"):
    hypothesis.settings.load_profile("ci")

pytest_plugins = ["tests.fixtures.sandbox", "tests.fixtures.worker", "tests.fixtures.shopify_schema_guard"]


def pytest_configure(config):
    # The suite runs on PostgreSQL (CI sets DATABASE_URL); never silently on SQLite.
    engine = settings.DATABASES["default"]["ENGINE"]
    if "postgresql" not in engine:
        raise pytest.UsageError(
            f"Tests need PostgreSQL (DATABASE_URL=postgres://...), got {engine}. Run them with `make test`."
        )


@pytest.fixture(autouse=True)
def _empty_shared_cache():
    """The cache is Redis (shared by processes, as in production) and outlives a test and a run: every test starts
    with no rate-limit counters (allauth's login and email limits) left by another."""
    from django.core.cache import cache

    cache.clear()
