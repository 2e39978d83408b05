import pytest

from .driver import InlineEngine
from .machine import Scenario


@pytest.fixture
def engine_inline(monkeypatch, settings):
    """The engine's steps run in this process; short real-time knobs so sequences stay fast and ordered:
    a one-second overlap (edits always come after the run that precedes them), a one-second stale
    heartbeat (the reaper brings a killed step back after a short real wait), one page per step (more
    places to interrupt), a demo of 2 records per entity, a small verification sample."""
    settings.MIGRATOR_SMART_UPDATE_OVERLAP_SECONDS = 1
    settings.MIGRATOR_HEARTBEAT_STALE_SECONDS = 1
    settings.MIGRATOR_BATCH_PAGES = 1
    settings.MIGRATOR_DEMO_LIMIT = 2
    settings.MIGRATOR_VERIFY_SAMPLE = 2
    queue = InlineEngine()
    queue.install(monkeypatch)
    return queue


@pytest.fixture
def scenario_factory(engine_inline, woo_store_factory, shopify_store_factory):
    """Fresh stores, owner and organization per call: `(pair, **seed sizes) -> Scenario`."""
    made = []

    def make(pair="woo", **kw):
        scenario = Scenario(pair=pair, engine=engine_inline, woo_store_factory=woo_store_factory,
                            shopify_store_factory=shopify_store_factory, **kw)
        made.append(scenario)
        return scenario

    yield make
    for scenario in made:
        scenario.close()
