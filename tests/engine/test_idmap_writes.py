"""The id map marked done a page at a time (services.idmap): the same rows as Django's bulk_update would
write, on PostgreSQL in one statement, never touching another migration's or organization's rows."""
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from migrations_app.enums import IdMapState
from migrations_app.models import IdMap, MigrationRun
from migrations_app.services import idmap
from migrations_app.services.idmap import DoneRow, idmap_mark_done
from migrations_app.services.wizard import migration_create

from .conftest import make_store


def _migration(owner, tag):
    source = make_store(owner, f"http://source-{tag}.test")
    target = make_store(owner, f"http://target-{tag}.test")
    return migration_create(organization=source.organization, user=owner, source_store=source,
                            target_store=target, entities=["products"])


def _pending(migration, source_ids, entity="products"):
    for sid in source_ids:
        IdMap.objects.create(organization_id=migration.organization_id, migration=migration, entity=entity,
                             source_id=sid, natural_key=f"sku-{sid}")


@pytest.fixture(params=["postgresql", "portable"])
def path(request, monkeypatch):
    if request.param == "portable":
        monkeypatch.setattr(idmap.connection, "vendor", "sqlite")
    return request.param


def test_rows_of_the_page_are_marked_done_and_nothing_else_moves(queue, owner, path):
    mine, other = _migration(owner, "a"), _migration(owner, "b")
    run = MigrationRun.objects.create(organization_id=mine.organization_id, migration=mine, kind="full",
                                      requested_by=owner)
    _pending(mine, ["1", "2", "3"])
    _pending(mine, ["1"], entity="customers")
    _pending(other, ["1", "2"])
    now = timezone.now()
    rows = [DoneRow("1", "t-1", "h" * 64, {"price": "ab12"}), DoneRow("3", "t-3", "g" * 64, {}),
            DoneRow("9", "t-9", "x" * 64, {})]  # 9 left the map meanwhile (a refused pending row)

    with CaptureQueriesContext(connection) as queries:
        marked = idmap_mark_done(organization_id=mine.organization_id, migration_id=mine.pk, entity="products",
                                 run_id=run.pk, now=now, rows=rows)

    assert marked == 2
    if path == "postgresql":
        assert len(queries) == 1
    done = {r.source_id: r for r in IdMap.objects.filter(migration=mine, entity="products")}
    assert (done["1"].state, done["1"].target_id, done["1"].fields_hash, done["1"].synced, done["1"].run_id) == \
        (IdMapState.DONE, "t-1", "h" * 64, {"price": "ab12"}, run.pk)
    assert (done["3"].state, done["3"].target_id, done["3"].synced) == (IdMapState.DONE, "t-3", {})
    assert done["1"].updated_at == now
    assert (done["2"].state, done["2"].target_id) == (IdMapState.PENDING, "")
    untouched = IdMap.objects.filter(state=IdMapState.PENDING).exclude(migration=mine, entity="products")
    assert untouched.count() == 3


def test_an_empty_page_sends_nothing(queue, owner):
    mine = _migration(owner, "a")
    with CaptureQueriesContext(connection) as queries:
        assert idmap_mark_done(organization_id=mine.organization_id, migration_id=mine.pk, entity="products",
                               run_id=None, now=timezone.now(), rows=[]) == 0
    assert len(queries) == 0
