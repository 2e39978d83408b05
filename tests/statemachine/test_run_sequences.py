"""Random sequences of source edits, target edits and runs of every kind (docs/runs.md), checked after
every run against a model of what the target must hold (see machine.py).

Small profile by default (a few examples of a few steps per pair, part of `make test`); the large one:
`STATEMACHINE_EXAMPLES=200 STATEMACHINE_STEPS=12 make test PYTEST_ARGS=tests/statemachine`. Under CI the
sequences are derandomized (the same ones every run, so CI is a gate, not a lottery); elsewhere each run
draws new ones. A failure prints the steps; the Hypothesis database under test-artifacts/hypothesis replays
it locally."""
import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from hypothesis.database import DirectoryBasedExampleDatabase
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from migrations_app.enums import RunKind, RunStatus

from .machine import CATALOG_FIELDS

pytestmark = [pytest.mark.django_db(transaction=True)]

EXAMPLES = int(os.environ.get("STATEMACHINE_EXAMPLES", "5"))
STEPS = int(os.environ.get("STATEMACHINE_STEPS", "8"))
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "hypothesis"

PROFILE = settings(
    max_examples=EXAMPLES, stateful_step_count=STEPS, deadline=None,
    # CI replays the same sequences each time (a gate); exploring new ones is local, with the large profile.
    derandomize=bool(os.environ.get("CI")),
    database=None if os.environ.get("CI") else DirectoryBasedExampleDatabase(str(ARTIFACTS)),
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large],
    report_multiple_bugs=False,
    # Shrinking replays whole store sequences (seconds each): opt in with STATEMACHINE_SHRINK=1.
    phases=[Phase.explicit, Phase.reuse, Phase.generate,
            *([Phase.target, Phase.shrink] if os.environ.get("STATEMACHINE_SHRINK") else [])],
)
VALUES = st.integers(min_value=1, max_value=60)
INDEXES = st.integers(min_value=0, max_value=20)
INTERRUPTS = st.sampled_from(["none", "none", "cancel", "kill"])
SOURCE_EDITS = ["name", "description", "price", "price", "stock", "stock", "status", "translation", "add_variation",
                "delete_variation", "create_product", "create_product", "delete_product", "customer", "new_customer",
                "order_create", "order_status", "order_status", "order_tracking"]
FIELD_PICKS = st.lists(st.sampled_from([(e, f) for e, fields in CATALOG_FIELDS.items() for f in fields]),
                       min_size=1, max_size=5)


class RunSequences(RuleBasedStateMachine):
    """Rules mirror what the product offers: a demo and the full migration first, then re-migrations,
    recent data, smart updates (with their preview), retries of failed records; interruptions anywhere."""

    make_scenario = None  # set by the test: the scenario factory fixture
    pair = "woo"

    @initialize()
    def stores(self):
        self.s = type(self).make_scenario(self.pair)

    def teardown(self):
        if getattr(self, "s", None):
            print("\n".join(["steps:", *self.s.steps]))

    # --- edits (one rule each side, so runs get their share of the steps) --------------------------
    @rule(what=st.sampled_from(SOURCE_EDITS), index=INDEXES, value=VALUES, flag=st.booleans(), other=st.booleans())
    def source_edit(self, what, index, value, flag, other):
        """What the store owner does on the still-live source store."""
        if what == "create_product":
            self.s.source_create_product(value, variable=flag, translated=other)
        elif what == "delete_product":
            self.s.source_delete_product(index)
        elif what in ("customer", "new_customer"):
            self.s.source_customer(index, value, create=what == "new_customer")
        elif what.startswith("order_"):
            self.s.source_order(index, value, what.removeprefix("order_"))
        else:
            self.s.source_edit_product(index, what, value)

    @precondition(lambda self: self.s.demo_done or self.s.full_done or self.s.clashes)
    @rule(what=st.sampled_from(["description", "description", "price", "price", "delete", "clash", "unclash"]),
          index=INDEXES, value=VALUES)
    def target_edit(self, what, index, value):
        """What the owner does on the new store: edits, a deletion, a product of their own with a SKU the
        source also has (the target refuses a second one), then removing it."""
        if what == "clash":
            self.s.target_clash()
        elif what == "unclash":
            self.s.target_clash_removed()
        else:
            self.s.target_edit(index, what, value)

    # --- runs ---------------------------------------------------------------------------------------
    @precondition(lambda self: not self.s.full_done and not self.s.demo_done)
    @rule()
    def demo(self):
        self.s.run(RunKind.DEMO)
        self.s.demo_done = True

    @precondition(lambda self: not self.s.full_done)
    @rule(interrupt=INTERRUPTS, at=st.integers(min_value=1, max_value=3))
    def full(self, interrupt, at):
        self.s.run(RunKind.FULL, interrupt=interrupt, at=at)
        self.s.full_done = True

    @precondition(lambda self: self.s.full_done)
    @rule(entities=st.sampled_from([["products"], ["products", "customers", "orders"], ["customers"],
                                    ["products", "orders"]]),
          clear=st.sampled_from([None, None, "created", "all"]), interrupt=INTERRUPTS,
          at=st.integers(min_value=1, max_value=3))
    def remigration(self, entities, clear, interrupt, at):
        options = {"clear_target": bool(clear), **({"clear_scope": clear} if clear else {})}
        self.s.run(RunKind.REMIGRATION, {"entities": entities, "options": options}, interrupt=interrupt, at=at)

    @precondition(lambda self: self.s.full_done)
    @rule()
    def recent(self):
        self.s.run(RunKind.RECENT)

    @precondition(lambda self: self.s.full_done)
    @rule(picks=FIELD_PICKS, policy=st.sampled_from(["source", "target"]), interrupt=INTERRUPTS,
          at=st.integers(min_value=1, max_value=3), previewed=st.booleans())
    def smart_update(self, picks, policy, interrupt, at, previewed):
        self.s.configure(self.s.smart_fields(picks), policy)
        if previewed:
            self.s.preview_then_apply(interrupt=interrupt, at=at)
        else:
            self.s.run(RunKind.SMART_UPDATE, {}, interrupt=interrupt, at=at)

    @precondition(lambda self: self.s.full_done)
    @rule(picks=FIELD_PICKS, policy=st.sampled_from(["source", "target"]))
    def preview_only(self, picks, policy):
        self.s.configure(self.s.smart_fields(picks), policy)
        self.s.run(RunKind.SMART_UPDATE, {"preview": True})

    # Enabled by what was drawn (a run happened), not by how it ended: an outcome can depend on timing (a kill
    # mid-page), and a precondition that reads it makes Hypothesis' replays draw differently.
    @precondition(lambda self: self.s.runs)
    @rule()
    def retry_failed(self):
        last = self.s.runs[-1]
        if last.status == RunStatus.COMPLETED_WITH_ERRORS and self.s.failed_ids(last):
            self.s.run(last.kind, retry_of=last)

    @invariant()
    def one_active_run_at_most(self):
        if getattr(self, "s", None):
            assert not self.s.migration.runs.filter(status__in=["queued", "running"]).exists()


@pytest.mark.parametrize("pair", ["woo", "shopify"])
def test_run_sequences_keep_the_target_a_projection_of_the_source(pair, scenario_factory):
    machine = type(f"RunSequences_{pair}", (RunSequences,), {"make_scenario": staticmethod(scenario_factory),
                                                              "pair": pair})
    run_state_machine_as_test(machine, settings=PROFILE)
