"""People read labels, not internal names: field and entity labels, platform display names (from the connector
registry), language names, record values without Python syntax; the recent-data quote says how big the run
is; a failed first connection check leaves no stray draft in My Migrations."""
import re
from datetime import UTC, datetime, timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from connectors.registry import all_connectors
from migrations_app.enums import EntityStatus, MigrationState, RunStatus
from migrations_app.labels import language_name, readable
from migrations_app.models import ChangeRecord, EntityProgress, StoreMigration
from migrations_app.services.notify import run_notify_owner
from migrations_app.services.plans import run_plan
from tests.factories import (
    IdMapFactory,
    MigrationFactory,
    RunFactory,
    StoreFactory,
    organization_of,
)

pytestmark = pytest.mark.django_db

ADDRESS = {"first_name": "Ada", "last_name": "Byron", "address1": "12 Rue de la Paix", "postcode": "75002",
           "country": "FR", "phone": None}


text = st.text(alphabet=st.characters(blacklist_characters="{}[]'\"", blacklist_categories=("Cs",)),
               max_size=12).filter(lambda t: not re.search("None|True|False", t))
keys = st.from_regex(r"[a-z][a-z_]{0,12}", fullmatch=True)
values = st.recursive(st.none() | st.booleans() | st.integers() | text,
                      lambda inner: st.lists(inner, max_size=3) | st.dictionaries(keys, inner, max_size=3),
                      max_leaves=12)


@given(values)
def test_readable_values_have_no_python_or_json_syntax(value):
    shown = readable(value)
    assert shown and not re.search(r"[{}\[\]'\"]|None|True|False", shown)


def test_readable_address_and_language_names():
    assert readable(ADDRESS) == ("First name: Ada; Last name: Byron; Address: 12 Rue de la Paix; Postcode: 75002; "
                                 "Country: FR")
    assert [language_name(c) for c in ("en", "fr", "de", "pt_BR", "xx")] == [
        "English", "French", "German", "Brazilian Portuguese", "xx"]


def test_smart_update_changes_read_as_labels_and_values(client_in, owner):
    migration = MigrationFactory(organization=organization_of(owner), entities=["products", "orders"])
    run = RunFactory(migration=migration, kind="smart_update", status=RunStatus.COMPLETED, params={"fields": {}})
    for field, old, new in (("stock_quantity", 4, 9), ("shipping", {**ADDRESS, "postcode": "75001"}, ADDRESS),
                            ("tax_classes", None, "Reduced rate")):
        ChangeRecord.objects.create(organization=run.organization, run=run, entity="orders", source_id="7",
                                    target_id="70", kind="update", field=field, old=old, new=new, applied=True)
    html = client_in.get(f"/runs/{run.pk}/").content.decode()
    rows = re.findall(r'data-test="change-row".*?</tr>', html, re.S)
    assert len(rows) == 3
    assert "Quantity" in rows[0] and "stock_quantity" not in html
    assert "Shipping address" in rows[1] and "Postcode: 75001" in rows[1] and "{" not in rows[1]
    assert "Tax classes" in rows[2] and "tax_classes" not in html


def test_languages_read_as_names_in_the_wizard(client_in, owner):
    org = organization_of(owner)
    info = {"languages": ["en", "fr"], "default_language": "en", "counts": {"products": 3}}
    source = StoreFactory(organization=org, last_check_info=info)
    target = StoreFactory(organization=org, last_check_info={**info, "languages": ["en", "de"]})
    migration = MigrationFactory(organization=org, source_store=source, target_store=target)
    html = client_in.get(f"/migrations/{migration.pk}/configure/").content.decode()
    assert re.search(r'<label for="id_lang_fr">French</label>', html)
    assert '<option value="de">German</option>' in html


def test_run_email_names_platforms_by_their_display_names(owner):
    migration = MigrationFactory(organization=organization_of(owner), created_by=owner)
    run = RunFactory(migration=migration, status=RunStatus.COMPLETED, finished_at=timezone.now())
    assert run_notify_owner(run_id=run.pk)
    label = all_connectors()[migration.source_store.platform].label
    body = mail.outbox[-1].body
    assert f"From: {label} {migration.source_store.url}" in body
    assert f"From: {migration.source_store.platform} " not in body


def test_recent_data_quote_says_where_its_size_comes_from(owner):
    migration = MigrationFactory(organization=organization_of(owner), entities=["products"],
                                 state=MigrationState.FULL_COMPLETED,
                                 full_completed_at=timezone.now() - timedelta(days=1))
    full = RunFactory(migration=migration, kind="full", status=RunStatus.COMPLETED)
    EntityProgress.objects.filter(run=full).update(total=40, done=40, status=EntityStatus.DONE)
    # The factory's source counted 40 products at its last check, and 40 are migrated: nothing new counted.
    IdMapFactory.create_batch(40, migration=migration, entity="products", state="done")
    rule = run_plan(migration=migration, kind="recent").quote.rule
    assert "this one has 0" not in rule and "last connection check" in rule


def test_a_failed_first_check_leaves_no_stray_draft_in_my_migrations(client_in, owner):
    org = organization_of(owner)
    failed = StoreFactory(organization=org, checked=False, last_check_ok=False)
    stray = StoreMigration.objects.create(organization=org, source_store=failed, state=MigrationState.DRAFT)
    passed = StoreMigration.objects.create(organization=org, source_store=StoreFactory(organization=org),
                                           state=MigrationState.DRAFT)
    html = client_in.get("/migrations/").content.decode()
    assert f'data-migration="{passed.pk}"' in html and f'data-migration="{stray.pk}"' not in html
    assert client_in.get(f"/migrations/{stray.pk}/setup/").status_code == 200  # the wizard still has it


@pytest.mark.parametrize(("chosen", "cookie", "shown"), [
    ("Europe/Paris", "America/New_York", "2026-03-02 10:30 CET"),  # the profile wins over the browser
    ("", "America/New_York", "2026-03-02 04:30 EST"),  # else the browser's zone (the tz cookie site.js sets)
    ("", "../../etc/passwd", "2026-03-02 09:30 UTC"),  # anything else: UTC
])
def test_times_show_in_the_persons_time_zone_with_its_name(client_in, owner, chosen, cookie, shown):
    response = client_in.post(reverse("account-profile"), {"first_name": "Ada", "last_name": "", "time_zone": chosen})
    assert response.status_code == 302
    client_in.cookies["tz"] = cookie
    migration = MigrationFactory(organization=organization_of(owner))
    started = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
    RunFactory(migration=migration, status=RunStatus.COMPLETED, started_at=started, finished_at=started)
    html = client_in.get(f"/migrations/{migration.pk}/").content.decode()
    assert f'data-label="Started">{shown}</td>' in html
    assert f'<option value="{chosen}" selected>' in client_in.get("/account/").content.decode()
