"""The help center: per platform (from the connector's guide, for every platform of the registry), the rules
page (its numbers and examples are the rule functions' own), the FAQ and the checklist; linked from the
wizard's credential fields and from the migration and run pages."""
import math
from datetime import date, timedelta

import pytest
from django.test import override_settings
from django.utils.html import escape
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from connectors.registry import all_connectors
from migrations_app.services.rules import price_for_entities, quote_remigration
from support.selectors import help_rules
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
PLATFORMS = sorted(all_connectors())


def test_every_platform_of_the_registry_has_a_help_page_from_its_connector(client):
    index = client.get("/help/").content.decode()

    for platform, cls in all_connectors().items():
        assert cls.guide is not None and cls.guide.key_steps, platform
        assert f'href="/help/platforms/{platform}/"' in index
        html = client.get(f"/help/platforms/{platform}/").content.decode()
        assert cls.label in html
        for text in (*cls.guide.key_steps, *cls.guide.source_permissions, *cls.guide.target_permissions):
            assert escape(text) in html
        for field in cls.credential_fields:
            assert field.label in html


def test_unknown_platform_help_page_is_404(client):
    assert client.get("/help/platforms/no-such-cart/").status_code == 404


@pytest.mark.parametrize("platform", PLATFORMS)
def test_wizard_credential_fields_link_to_the_platform_help(client, platform):
    client.force_login(UserFactory())

    html = client.get("/migrations/new/fields/", {"side": "target", "target-platform": platform}).content.decode()

    assert f'href="/help/platforms/{platform}/"' in html


@override_settings(MIGRATOR_REMIGRATION_FREE_DAYS=45, MIGRATOR_REMIGRATION_CAP=1.25, MIGRATOR_RECENT_CAP=0.2,
                   MIGRATOR_DEMO_LIMIT=7, MIGRATOR_MIN_PRICE_CENTS=1500, MIGRATOR_PRICE_TIERS="500:4,0:2")
def test_rules_page_says_the_configured_numbers(client):
    html = client.get("/help/rules/").content.decode()

    assert 'data-test="free-days">45<' in html
    assert 'data-test="remigration-percent">125 %<' in html
    assert 'data-test="recent-percent">20 %<' in html
    assert 'data-test="demo-limit">7<' in html
    assert "records 1 to 500: USD 0.04 each" in html and "records 501 and above: USD 0.02 each" in html
    assert 'data-test="min-price">USD 15.00<' in html
    # the example's 1000 records: 500 × 4 + 500 × 2 = 3000 cents, above the minimum
    assert 'data-test="full-example">USD 30.00<' in html


def test_rules_examples_are_what_the_rules_quote():
    rules = help_rules(today=date(2026, 1, 10), full_total=1000)
    free_at_cap, priced_over_cap, after_window, recent_free, recent_over, smart = rules["examples"]

    assert free_at_cap.quote.amount_cents == 0
    assert priced_over_cap.quote.amount_cents == price_for_entities(100) > 0
    assert after_window.quote.amount_cents == price_for_entities(1000)
    assert recent_free.quote.amount_cents == 0
    assert recent_over.quote.amount_cents == price_for_entities(50) > 0
    assert smart.quote.amount_cents == 0


@hsettings(max_examples=40, deadline=None)
@given(full_total=st.integers(min_value=1, max_value=200_000), cap=st.sampled_from([1.0, 1.05, 1.1, 1.25, 1.5]))
def test_the_help_rule_free_up_to_the_cap_is_the_code_rule(full_total, cap):
    """What the help says ("free while at most cap % of the full migration's records") is where the quote
    stops being free, for any size and cap."""
    today = date(2026, 1, 10)
    allowance = math.floor(full_total * cap + 1e-9)
    with override_settings(MIGRATOR_REMIGRATION_CAP=cap):
        def quote(n):
            return quote_remigration(entity_counts={"products": n}, full_total=full_total,
                                     window_end=today + timedelta(days=1), today=today)
        assert quote(allowance).amount_cents == 0
        assert quote(allowance + 1).amount_cents == price_for_entities(1) > 0


def test_faq_and_checklist_render_and_name_every_platform(client):
    faq = client.get("/help/faq/").content.decode()
    checklist = client.get("/help/checklist/").content.decode()

    assert all(cls.label in faq for cls in all_connectors().values())
    assert 'data-test="checklist-front"' in checklist and 'data-test="checklist-back"' in checklist


def test_help_pages_are_public_and_link_support_only_when_signed_in(client):
    assert 'href="/support/"' not in client.get("/help/").content.decode()
    client.force_login(UserFactory())
    assert 'href="/support/"' in client.get("/help/").content.decode()
