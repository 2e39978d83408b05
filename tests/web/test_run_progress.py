"""A run's overall progress (percent of records, records per minute, ETA from the measured rate, phase) on the
run page, in its live title, in My Migrations and in the API: all from the progress counters the run keeps."""
import re
from datetime import timedelta

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rest_framework.test import APIClient

from accounts.services import api_token_create
from migrations_app.enums import EntityStatus, RunStatus
from migrations_app.models import EntityProgress
from tests.factories import MigrationFactory, RunFactory, organization_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(owner):
    _token, key = api_token_create(user=owner, organization=organization_of(owner), name="progress")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def _running(owner, *, products: dict, orders: dict, started_s: int = 120):
    """A full run working for `started_s` seconds; products running, orders as given."""
    now = timezone.now()
    migration = MigrationFactory(organization=organization_of(owner), entities=["products", "orders"])
    run = RunFactory(migration=migration, status=RunStatus.RUNNING, started_at=now - timedelta(seconds=started_s),
                     quote={"entity_counts": {"products": 40, "orders": 60}, "amount_cents": 500, "currency": "USD"})
    EntityProgress.objects.filter(run=run, entity="products").update(
        **{"status": EntityStatus.RUNNING, "started_at": now - timedelta(seconds=started_s), **products})
    EntityProgress.objects.filter(run=run, entity="orders").update(**orders)
    return run


def _overall(html: str) -> int:
    return int(re.search(r'data-test="overall" data-percent="(\d+)"', html).group(1))


counts = st.integers(min_value=0, max_value=25)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(created=counts, updated=counts, unchanged=counts, skipped=counts, failed=counts,
       orders_done=st.integers(min_value=0, max_value=60))
def test_overall_percent_and_pace_agree_with_the_counters(client_in, api, owner, created, updated, unchanged,
                                                           skipped, failed, orders_done):
    total_products = created + updated + unchanged + skipped + failed + 7  # 7 still to read
    run = _running(owner, products={"created": created, "updated": updated, "unchanged": unchanged,
                                    "skipped": skipped, "failed": failed, "done": created + updated + unchanged,
                                    "total": total_products},
                   orders={"total": 60, "created": orders_done, "done": orders_done,
                           "status": EntityStatus.RUNNING if orders_done else EntityStatus.PENDING})
    processed = created + updated + unchanged + skipped + failed + orders_done
    expected = processed * 100 // (total_products + 60)

    page = client_in.get(f"/runs/{run.pk}/").content.decode()
    assert _overall(page) == expected
    assert f"<title>{expected} % · " in page
    detail = api.get(f"/api/v1/runs/{run.pk}/").json()
    assert detail["percent"] == detail["totals"]["percent"] == expected
    listed = api.get(f"/api/v1/migrations/{run.migration_id}/runs/").json()["results"][0]
    assert listed["percent"] == expected and listed["phase_label"] == "Migrating"
    if processed:
        rate = processed / 120  # per second, measured since the run started
        assert listed["records_per_minute"] == pytest.approx(rate * 60, rel=0.05)
        left = (total_products - processed + orders_done) + (60 - orders_done)
        assert listed["eta_seconds"] == pytest.approx(left / rate, rel=0.05, abs=2)
        assert 'data-test="run-eta"' in page and 'data-test="run-rate"' in page
    else:
        assert listed["records_per_minute"] is None and listed["eta_seconds"] is None
        assert 'data-test="run-eta"' not in page


def test_a_pending_entity_gets_an_eta_from_the_run_rate_once_one_is_measured(client_in, owner):
    """The per-entity ETA was "—" in every run: an entity not started (or not counted) yet has none of its
    own, and now takes the run's measured pace and its quoted count."""
    run = _running(owner, products={"created": 30, "done": 30, "total": 40}, orders={})
    page = client_in.get(f"/runs/{run.pk}/").content.decode()
    etas = dict(re.findall(r'data-entity="(\w+)">.*?data-test="eta">([^<]*)<', page, re.S))
    # 30 records in 120 s: 4 s each; 10 products and 60 orders (quoted) left.
    assert etas == {"products": "40 s", "orders": "4 min 00 s"}
    assert "about 4 min 40 s left" in page and 'data-test="close-note"' in page
    assert owner.email in page  # who the end-of-run email goes to


def test_live_partial_carries_the_title_and_my_migrations_shows_the_pace(client_in, owner):
    run = _running(owner, products={"created": 20, "done": 20, "total": 40}, orders={"total": 60})
    live = client_in.get(f"/runs/{run.pk}/live/").content.decode()
    assert live.startswith("<title>20 % · Full migration")
    listing = client_in.get("/migrations/").content.decode()
    pace = re.search(r'data-test="list-progress">(.*?)</div>', listing, re.S).group(1)
    assert "<strong>20 %</strong>" in pace and "Migrating" in pace and "records/min" in pace and "left" in pace


def test_a_finished_run_shows_its_rate_and_no_eta(client_in, api, owner):
    run = _running(owner, products={"created": 40, "done": 40, "total": 40, "status": EntityStatus.DONE},
                   orders={"created": 60, "done": 60, "total": 60, "status": EntityStatus.DONE})
    run.status, run.finished_at = RunStatus.COMPLETED, timezone.now()
    run.save()
    data = api.get(f"/api/v1/runs/{run.pk}/").json()
    assert data["percent"] == 100 and data["eta_seconds"] is None and data["phase_label"] == "Finished"
    assert data["records_per_minute"] == pytest.approx(50, rel=0.05)  # 100 records in 120 s
    page = client_in.get(f"/runs/{run.pk}/").content.decode()
    assert 'data-test="close-note"' not in page and "<title>Full migration" in page
