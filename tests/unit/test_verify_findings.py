"""The checks of run_verify on scanned records, without stores: counts per language (WPML records and
in-record translations, a demo against its id map, figures not available), duplicates counted once,
orphans, and the base contract's default. The scans are written to the database as run_verify writes them
(ScannedRow) and the checks read them there."""
import pytest

from connectors.base import ScannedRecord, name_paths
from connectors.entities import EntityType
from migrations_app.models import IdMap
from migrations_app.services import verify
from migrations_app.services.verify_scans import Scan
from tests.factories import RunFactory

pytestmark = pytest.mark.django_db


class _Links:
    label = "Test"

    def entity_url(self, entity, record_id):
        return f"https://t.example/{entity}/{record_id}"


def wpml(record_id, key, language="en", original=None):
    return ScannedRecord(record_id=record_id, natural_key=key, language=language, translation_of=original)


class Check:
    """One run's check: scans of a side spilled to the database, the id map of its entity."""

    def __init__(self, entity="products"):
        self.run = RunFactory()
        self.entity = entity

    def scan(self, side, records):
        return None if records is None else Scan.spill(run=self.run, side=side, entity=self.entity,
                                                       records=records)

    def id_map(self, id_rows):
        migration = self.run.migration
        IdMap.objects.bulk_create([IdMap(organization=migration.organization, migration=migration,
                                         entity=self.entity, source_id=s, target_id=t, state="done")
                                   for s, t in id_rows.items()])
        return IdMap.objects.filter(migration=migration, entity=self.entity, state="done")


def languages(source, target, *, demo=False, id_rows=None, mapping=None, target_languages=("en", "fr")):
    check = Check()
    entry = {"not_checked": []}
    out = verify._languages_check(
        entry, check.scan("source", source), check.scan("target", target),
        verify._LanguageMap(mapping=mapping or {}, target_default="en", target_languages=list(target_languages)),
        check.id_map(id_rows or {}), demo=demo)
    return out, entry["not_checked"]


def duplicates(target):
    return verify._duplicates(_Links(), EntityType.PRODUCT, Check().scan("target", target))


def orphans(source, target, id_rows):
    check = Check()
    return verify._orphans(_Links(), EntityType.PRODUCT, check.scan("source", source), check.scan("target", target),
                           check.id_map(id_rows))


def test_languages_count_wpml_records_and_in_record_translations_alike():
    source = [wpml("1", "A"), wpml("2", "B"), wpml("11", "A", "fr", "1"), wpml("12", "B", "fr", "2")]
    target = [ScannedRecord(record_id="101", natural_key="A", language="en", translations=("fr",)),
              ScannedRecord(record_id="102", natural_key="B", language="en", translations=())]
    rows, not_checked = languages(source, target)
    assert rows["en"] == {"source": 2, "target": 2, "expected": 2, "equal": True, "note": ""}
    assert (rows["fr"]["source"], rows["fr"]["target"], rows["fr"]["equal"]) == (2, 1, False)
    assert not_checked == []


def test_languages_of_a_demo_are_those_of_its_id_map():
    source = [wpml("1", "A"), wpml("2", "B"), wpml("11", "A", "fr", "1"), wpml("12", "B", "fr", "2")]
    target = [wpml("101", "A"), wpml("111", "A", "fr", "101")]
    rows, _ = languages(source, target, demo=True, id_rows={"1": "101"})
    assert (rows["fr"]["source"], rows["fr"]["expected"], rows["fr"]["target"], rows["fr"]["equal"]) == (2, 1, 1, True)


def test_languages_not_asked_are_not_available_and_not_checked():
    source = [wpml("1", "A"), wpml("11", "A", "fr", "1")]
    target = [ScannedRecord(record_id="101", natural_key="A", language="en", translations=None)]
    rows, not_checked = languages(source, target)
    assert rows["en"]["equal"] is True
    assert rows["fr"]["target"] is None and rows["fr"]["equal"] is None
    assert not_checked == [{"figure": "records in fr", "why": "target: not available on this platform"}]


def test_languages_go_through_the_mapping_and_a_translation_without_original_is_not_expected():
    source = [wpml("1", "A", "en"), wpml("11", "A", "de", "1"), wpml("13", "Z", "de", "")]
    target = [ScannedRecord(record_id="101", natural_key="A", language="en", translations=("fr",))]
    rows, _ = languages(source, target, mapping={"de": "fr"})
    assert (rows["fr"]["source"], rows["fr"]["expected"], rows["fr"]["equal"]) == (2, 1, True)


def test_duplicates_count_each_surplus_record_once():
    target = [wpml("1", "A"), wpml("11", "A", "fr", "1"), wpml("12", "a", "fr", "1"), wpml("2", "B"),
              wpml("3", "b")]
    found = duplicates(target)
    assert found["count"] == 2  # "12" (same key and same original in fr as "11") and "3" ("b" is "B")
    keys = {(g["language"], g["key"]) for g in found["examples"]}
    assert ("fr", "A") in keys and ("en", "B") in keys and ("fr", "translations of #1") in keys
    assert verify._duplicates(_Links(), EntityType.PRODUCT, None) is None


def test_orphans_are_deleted_sources_and_translations_without_a_migrated_original():
    source = [wpml("1", "A")]
    target = [wpml("101", "A"), wpml("102", "B"), wpml("111", "A", "fr", "101"), wpml("112", "B", "fr", "102"),
              wpml("113", "C", "fr", ""), wpml("114", "D", "fr", "999")]
    found = orphans(source, target, {"1": "101", "2": "102"})
    whys = {o.get("source_id") or o["id"]: o["why"] for o in found["examples"]}
    assert found["count"] == 3
    assert "was deleted" in whys["2"] and "original is gone" in whys["113"] and "original is gone" in whys["114"]
    assert "111" not in whys and "112" not in whys  # translations of records of this migration
    found = orphans(source, [*target, wpml("115", "E", "fr", "777"), wpml("777", "E")], {"1": "101", "2": "102"})
    assert any("not a record this migration wrote" in o["why"] for o in found["examples"])


def test_missing_on_target_lists_id_map_rows_whose_record_is_gone():
    check = Check("customers")
    found = verify._missing_on_target(_Links(), EntityType.CUSTOMER, check.scan("target", [wpml("101", "a@b.c", "")]),
                                      check.id_map({"1": "101", "2": "102"}))
    assert found == {"count": 1, "examples": [{"source_id": "2", "target_id": "102"}]}


def test_count_check_of_a_demo_is_against_its_id_map():
    assert verify._count_check(True, 30, 10, 10)["equal"]
    assert not verify._count_check(False, 30, 10, 10)["equal"]


def test_name_paths_follow_parents_and_stop_at_cycles():
    paths = name_paths({"1": ("Top", None), "2": ("Sub", "1"), "3": ("Leaf", "2"), "8": ("X", "9"), "9": ("Y", "8")})
    assert paths["3"] == "Top/Sub/Leaf" and paths["1"] == "Top"
    assert paths["8"] == "Y/X"


def test_scan_is_not_available_by_default():
    from tests.engine.memory import MemoryConnector

    with pytest.raises(NotImplementedError):
        list(MemoryConnector(base_url="memory://x", credentials={}).scan(EntityType.PRODUCT))


# --- the figures in SQL equal those of the plain definitions, on any scans -----------------------------------
from collections import Counter  # noqa: E402

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

ids = st.sampled_from([str(n) for n in range(1, 13)] + ["gid://x/7", "a"])
records = st.lists(st.builds(
    ScannedRecord, record_id=ids, natural_key=st.sampled_from([None, "", "A", "a", "B", "Ä", "ä"]),
    language=st.sampled_from(["", "en", "fr"]), translation_of=st.sampled_from([None, None, "", "1", "2", "9"]),
    translations=st.sampled_from([(), ("fr",), ("fr", "de"), None])), max_size=12, unique_by=lambda r: r.record_id)


def plain_per_language(scan, original=None, translation=None, only=None):
    counts, unknown = Counter(), False
    for r in scan:
        if only is not None and (r.translation_of if r.is_translation else r.record_id) not in only:
            continue
        language = (translation(r.language) if translation else r.language) if r.is_translation else (
            original if original is not None and r.language else r.language)
        if language:
            counts[language] += 1
        if r.translations is None:
            unknown = True
            continue
        counts.update(m for m in ((translation(c) if translation else c) for c in r.translations) if m)
    return counts, unknown


def plain_surplus(scan):
    groups = {}
    for r in scan:
        if r.natural_key:
            groups.setdefault(("k", r.language, r.natural_key.casefold()), []).append(r.record_id)
        if r.translation_of:
            groups.setdefault(("t", r.language, r.translation_of), []).append(r.record_id)
    order = lambda i: (int(i), "") if i.isdigit() else (1 << 62, i)  # noqa: E731
    return {i for m in groups.values() if len(m) > 1 for i in sorted(m, key=order)[1:]}, \
        sum(1 for m in groups.values() if len(m) > 1)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(source=records, target=records, id_rows=st.dictionaries(ids, ids, max_size=6), demo=st.booleans())
def test_sql_figures_equal_the_plain_definitions(source, target, id_rows, demo):
    check = Check()
    src, tgt, id_map = check.scan("source", source), check.scan("target", target), check.id_map(id_rows)
    mapping = {"fr": "fr"}.get
    assert verify._per_language(src, original="en", translation=mapping) == plain_per_language(
        source, original="en", translation=mapping)
    originals = set(id_rows) if demo else {r.record_id for r in source if not r.is_translation}
    rows, _ = languages(source, target, demo=demo, id_rows=id_rows, mapping={"fr": "fr"})
    expected, _ = plain_per_language(source, original="en", translation=mapping, only=originals)
    assert {code: row["expected"] for code, row in rows.items() if row["expected"] is not None} == {
        code: expected.get(code, 0) for code, row in rows.items() if row["expected"] is not None}
    found = verify._duplicates(_Links(), EntityType.PRODUCT, tgt)
    assert (found["count"], found["groups"]) == (len(plain_surplus(target)[0]), plain_surplus(target)[1])
    on_target = {r.record_id for r in target}
    lost = [r for r in target if r.is_translation and (not r.translation_of or r.translation_of not in on_target
                                                       or r.translation_of not in set(id_rows.values()))]
    deleted = [s for s in id_rows if s not in {r.record_id for r in source}]
    assert verify._orphans(_Links(), EntityType.PRODUCT, src, tgt, id_map)["count"] == len(deleted) + len(lost)
    gone = sorted((s, t) for s, t in id_rows.items() if t not in on_target)
    assert verify._missing_on_target(_Links(), EntityType.PRODUCT, tgt, id_map) == {
        "count": len(gone), "examples": [{"source_id": s, "target_id": t} for s, t in gone[:verify.EXAMPLES]]}
