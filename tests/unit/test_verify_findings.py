"""The checks of run_verify on scanned records, without stores: counts per language (WPML records and
in-record translations, a demo against its id map, figures not available), duplicates counted once,
orphans, and the base contract's default."""
import pytest

from connectors.base import ScannedRecord, name_paths
from connectors.entities import EntityType
from migrations_app.services import verify


class _Links:
    label = "Test"

    def entity_url(self, entity, record_id):
        return f"https://t.example/{entity}/{record_id}"


def wpml(record_id, key, language="en", original=None):
    return ScannedRecord(record_id=record_id, natural_key=key, language=language, translation_of=original)


def languages(source, target, *, demo=False, id_rows=None, mapping=None, target_languages=("en", "fr")):
    entry = {"not_checked": []}
    out = verify._languages_check(
        entry, source, target, verify._LanguageMap(mapping=mapping or {}, target_default="en",
                                                   target_languages=list(target_languages)),
        id_rows or {}, demo=demo)
    return out, entry["not_checked"]


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
    found = verify._duplicates(_Links(), EntityType.PRODUCT, target)
    assert found["count"] == 2  # "12" (same key and same original in fr as "11") and "3" ("b" is "B")
    keys = {(g["language"], g["key"]) for g in found["examples"]}
    assert ("fr", "A") in keys and ("en", "B") in keys and ("fr", "translations of #1") in keys
    assert verify._duplicates(_Links(), EntityType.PRODUCT, None) is None


def test_orphans_are_deleted_sources_and_translations_without_a_migrated_original():
    source = [wpml("1", "A")]
    target = [wpml("101", "A"), wpml("102", "B"), wpml("111", "A", "fr", "101"), wpml("112", "B", "fr", "102"),
              wpml("113", "C", "fr", ""), wpml("114", "D", "fr", "999")]
    found = verify._orphans(_Links(), EntityType.PRODUCT, source, target, {"1": "101", "2": "102"})
    whys = {o.get("source_id") or o["id"]: o["why"] for o in found["examples"]}
    assert found["count"] == 3
    assert "was deleted" in whys["2"] and "original is gone" in whys["113"] and "original is gone" in whys["114"]
    assert "111" not in whys and "112" not in whys  # translations of records of this migration
    found = verify._orphans(_Links(), EntityType.PRODUCT, source, [*target, wpml("115", "E", "fr", "777"),
                                                                   wpml("777", "E")], {"1": "101", "2": "102"})
    assert any("not a record this migration wrote" in o["why"] for o in found["examples"])


def test_missing_on_target_lists_id_map_rows_whose_record_is_gone():
    found = verify._missing_on_target(_Links(), EntityType.CUSTOMER, [wpml("101", "a@b.c", "")],
                                      {"1": "101", "2": "102"})
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
