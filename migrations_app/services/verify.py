"""After a run: counts on both sides (and per language), duplicates, orphans, missing references and a
sample of records compared field by field; one verdict."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from decimal import Decimal
from itertools import groupby
from typing import Any

from django.conf import settings
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.db.models.functions import Coalesce

from connectors.base import ComparisonRules, Connector
from connectors.entities import MODELS, Canonical, EntityType

from ..enums import IdMapState, RunKind
from ..models import IdMap, MigrationRun
from .connections import connector_for
from .mappings import status_map as order_status_map
from .runplan import RunPlan
from .values import normalize, referenced_ids, references
from .verify_scans import NOT_AVAILABLE, Scan, StoreScans, scans_drop

STRICT = ComparisonRules()

# Fields compared per entity. References are compared after mapping source ids through the id map.
COMPARED_FIELDS: dict[EntityType, tuple[str, ...]] = {
    EntityType.TAX_CLASS: ("name",),
    EntityType.MANUFACTURER: ("name", "slug"),
    EntityType.CATEGORY: ("name", "description", "parent_id"),
    EntityType.PRODUCT: ("name", "sku", "type", "price", "compare_at_price", "stock_quantity", "stock_status",
                         "description", "category_ids", "options", "variants"),
    EntityType.CUSTOMER: ("email", "first_name", "last_name", "billing", "shipping"),
    EntityType.ORDER: ("status", "email", "customer_id", "currency", "total", "lines", "shipments"),
    EntityType.REVIEW: ("product_id", "rating", "reviewer_email", "content"),
    EntityType.COUPON: ("code", "discount_type", "amount", "product_ids"),
    EntityType.PAGE: ("title", "content"),
    EntityType.BLOG_POST: ("title", "content"),
}


def _norm(value: Any) -> Any:
    """values.normalize, keeping list order (options, lines are sorted here when order carries no meaning)
    and leaving images out (platforms rewrite image URLs)."""
    return normalize(value, ignore=("image",), ordered=True)


UNMAPPED = "unmapped:"


def _map_ids(ids: dict[str, dict[str, str]], entity: str, value: Any) -> Any:
    if isinstance(value, list):
        return sorted(ids.get(entity, {}).get(str(v), f"{UNMAPPED}{v}") for v in value)
    return ids.get(entity, {}).get(str(value), f"{UNMAPPED}{value}") if value else value


def _comparable(entity: EntityType, item: Canonical, *, ids: dict[str, dict[str, str]] | None,
                status_map: dict[str, str], rules: ComparisonRules) -> dict[str, Any]:
    """The compared fields of `item`; with `ids`, source references are rewritten to target ids."""
    data = item.model_dump(mode="python")
    model = MODELS[entity]
    out: dict[str, Any] = {}
    for name in COMPARED_FIELDS.get(entity, ()):
        value = data.get(name)
        if ids is not None:
            ref = model.REFS.get(name) or model.REFS.get(f"{name}[]")
            if ref:
                value = _map_ids(ids, str(ref), value)
            elif model.MAPPED_FIELDS.get(name) == "status":
                value = status_map.get(value, value)
        elif name in ("category_ids", "product_ids") and isinstance(value, list):
            value = sorted(str(v) for v in value)
        if name in rules.case_insensitive.get(entity, ()) and isinstance(value, str):
            value = value.lower()  # the target stores it in its own case (its ComparisonRules)
        if name == "lines":
            products = (ids or {}).get("products", {})

            def sku_of(line, products=products):  # a line of a product not migrated has no SKU on the target
                if ids is not None and line.get("product_id") and str(line["product_id"]) not in products:
                    return f"{UNMAPPED}{line['sku']}"
                return line["sku"]

            value = sorted(
                [{"sku": sku_of(line), "quantity": line["quantity"], "total": line["total"]} for line in value or []],
                key=lambda x: (x["sku"], x["quantity"]),
            )
        elif name == "variants":
            value = sorted(
                [{"sku": v["sku"], "price": v["price"], "stock_quantity": v["stock_quantity"],
                  "option_values": v["option_values"]} for v in value or []],
                key=lambda x: x["sku"],
            )
        elif name == "shipments":
            value = sorted([s["tracking_number"], s["carrier"]] for s in value or [])
        out[name] = _norm(value)
    return out


def compare_records(entity: EntityType, source_item: Canonical, target_item: Canonical, *,
                    ids: dict[str, dict[str, str]], status_map: dict[str, str],
                    rules: ComparisonRules = STRICT) -> list[dict[str, Any]]:
    """Field-by-field comparison. A reference to a record this migration did not migrate (outside a
    demo's first records, or of an entity not selected) cannot be on the target: it is left out of the
    comparison and said so in `note`, instead of counting as a difference."""
    left = _comparable(entity, source_item, ids=ids, status_map=status_map, rules=rules)
    right = _comparable(entity, target_item, ids=None, status_map=status_map, rules=rules)
    out = []
    for k, value in left.items():
        note = ""
        if isinstance(value, str) and value.startswith(UNMAPPED):
            out.append({"field": k, "source": value, "target": right.get(k), "equal": True,
                        "note": "refers to a record that was not migrated: not compared"})
            continue
        if k == "lines" and any(str(line["sku"]).startswith(UNMAPPED) for line in value):
            kept = [line for line in value if not str(line["sku"]).startswith(UNMAPPED)]
            theirs = list(right.get(k) or [])
            equal = len(value) == len(theirs) and all(line in theirs for line in kept)
            out.append({"field": k, "source": value, "target": right.get(k), "equal": equal,
                        "note": f"{len(value) - len(kept)} line(s) of products that were not migrated: "
                                "compared by count only"})
            continue
        if (k == "lines" and rules.reallocates_line_discounts and value != right.get(k)
                and _reallocated(value, right.get(k) or [])):
            out.append({"field": k, "source": value, "target": right.get(k), "equal": True,
                        "note": "the target spread the order's discount over its lines with its own cent "
                                "rounding (the order total is compared on its own)"})
            continue
        if isinstance(value, list) and any(isinstance(v, str) and v.startswith(UNMAPPED) for v in value):
            kept = [v for v in value if not (isinstance(v, str) and v.startswith(UNMAPPED))]
            note = f"{len(value) - len(kept)} reference(s) to records that were not migrated: not compared"
            value = kept
        out.append({"field": k, "source": value, "target": right.get(k), "equal": value == right.get(k),
                    "note": note})
    return out


def _reallocated(ours: list[dict], theirs: list[dict]) -> bool:
    """Same lines (SKU, quantity), each total within a cent: an order-level discount that the target platform
    spread over the lines with its own rounding (a platform whose ComparisonRules say it does), not a
    difference in what was bought. The order's total is compared to the cent on its own."""
    if len(ours) != len(theirs) or any((a["sku"], a["quantity"]) != (b["sku"], b["quantity"])
                                       for a, b in zip(ours, theirs, strict=True)):
        return False
    return all(abs(Decimal(str(a["total"])) - Decimal(str(b["total"]))) <= Decimal("0.01")
               for a, b in zip(ours, theirs, strict=True))


def _sample_ids(migration_id, entity: str, size: int) -> list[tuple[str, str]]:
    rows = IdMap.objects.filter(migration_id=migration_id, entity=entity, state=IdMapState.DONE).order_by("?")
    return list(rows.values_list("source_id", "target_id")[:size])


def run_verify(*, run: MigrationRun, sample_size: int | None = None) -> dict[str, Any]:
    """Check what a run left on the target, per entity, and give one verdict.

    Per entity (keys of `entities.<entity>`): `source_count`, `target_count`, `migrated` (id map rows done),
    `expected` (records the run set out to read) and a compared `sample` (as before), plus
    - `count_check`: which two counts must be equal for this run (a demo's target against its id map, any
      other run's target against the source) and whether they are;
    - `languages`: {language: {source, target, expected, equal, note}} in the target's language codes
      (where translations are records of their own they are counted as such; where a record holds its
      translations, a language counts the records that hold a translation in it);
    - `duplicates`: target records of the same language sharing a natural key, and translations of the
      same original in the same language;
    - `orphans`: records this migration wrote whose source record is gone, translations on the target
      whose original is gone or is not a record of this migration;
    - `missing_on_target`: id map rows whose target record does not exist any more;
    - `missing_references`: references of the sampled records to a record of a migrated entity that is
      not mapped, or to a target id that does not exist on the target;
    - `not_checked`: the figures that could not be asked of a platform, and why; `problems`: this
      entity's count of findings.
    Top level: `mismatches` and `sampled` (as before), `problems` (count mismatches + language figures
    that differ + surplus duplicates + orphans + records missing on the target + missing references +
    sample differences), `not_checked` and `verdict`: "differences found" when `problems` > 0, "could not
    check" when nothing was found but something could not be checked, else "ok"."""
    migration = run.migration
    source: Connector = connector_for(store=migration.source_store)
    target: Connector = connector_for(store=migration.target_store, options=migration.options)
    size = settings.MIGRATOR_VERIFY_SAMPLE if sample_size is None else sample_size
    statuses = order_status_map(migration, source, target)
    demo = run.kind == RunKind.DEMO
    report: dict[str, Any] = {"entities": {}, "mismatches": 0, "sampled": 0, "problems": 0, "not_checked": [],
                              "verdict": VERDICT_OK}
    source_scans = StoreScans(source, run=run, side="source")
    target_scans = StoreScans(target, run=run, side="target")
    scans_drop(run=run)
    languages = _LanguageMap(
        mapping=RunPlan.from_run(run).languages(migration),
        target_default=str((migration.target_store.last_check_info or {}).get("default_language") or ""),
        target_languages=list((migration.target_store.last_check_info or {}).get("languages") or []),
    )
    migrated_entities = {str(e) for e in migration.entities or []}
    try:
        for progress in run.progress.order_by("position"):
            entity = EntityType(progress.entity)
            id_map = IdMap.objects.filter(migration=migration, entity=entity, state=IdMapState.DONE)
            sample = _sample_ids(migration.pk, entity, size)
            sources = {sid: source.get(entity, sid) for sid, _ in sample}
            wanted: dict[str, set[str]] = {}
            for item in sources.values():
                if item is None:
                    continue
                for ref_entity, values in _refs_of(item).items():
                    wanted.setdefault(ref_entity, set()).update(values)
            ids = {e: dict(IdMap.objects.filter(migration=migration, entity=e, source_id__in=v)
                           .values_list("source_id", "target_id")) for e, v in wanted.items()}
            records = []
            mismatches = 0
            targets: dict[str, Canonical | None] = {}
            for sid, tid in sample:
                src, tgt = sources.get(sid), target.get(entity, tid)
                targets[sid] = tgt
                if src is None or tgt is None:
                    records.append({"source_id": sid, "target_id": tid, "fields": [],
                                    "missing": "source" if src is None else "target",
                                    "url": target.entity_url(entity, tid)})
                    mismatches += 1
                    continue
                fields = compare_records(entity, src, tgt, ids=ids, status_map=statuses, rules=target.comparison)
                mismatches += sum(1 for f in fields if not f["equal"])
                records.append({"source_id": sid, "target_id": tid, "fields": fields,
                                "url": target.entity_url(entity, tid)})
            report["mismatches"] += mismatches
            report["sampled"] += len(records)
            source_count, target_count = source.count(entity), target.count(entity)
            entry: dict[str, Any] = {
                "source_count": source_count,
                "target_count": target_count,
                "migrated": id_map.count(),
                "expected": progress.total,
                "sample": records,
                "not_checked": [],
            }
            entry["count_check"] = _count_check(demo, source_count, target_count, entry["migrated"])
            source_scan, source_why = source_scans.get(entity)
            target_scan, target_why = target_scans.get(entity)
            for side, why in (("source", source_why), ("target", target_why)):
                if why:
                    entry["not_checked"].append({"figure": f"records on the {side} store", "why": why})
            entry["languages"] = _languages_check(entry, source_scan, target_scan, languages, id_map, demo=demo)
            entry["duplicates"] = _duplicates(target, entity, target_scan)
            entry["orphans"] = _orphans(target, entity, source_scan, target_scan, id_map)
            entry["missing_on_target"] = _missing_on_target(target, entity, target_scan, id_map)
            entry["missing_references"] = _missing_references(
                target, entity, sample, sources, targets, ids, source_scans, target_scans,
                migrated_entities=migrated_entities, demo=demo)
            entry["problems"] = (
                (0 if entry["count_check"]["equal"] else 1)
                + sum(1 for row in entry["languages"].values() if row["equal"] is False)
                + sum((entry[k] or {}).get("count", 0) for k in ("duplicates", "orphans", "missing_on_target",
                                                                  "missing_references"))
                + mismatches
            )
            report["problems"] += entry["problems"]
            report["not_checked"] += [{"entity": str(entity), "label": entity.label, **item}
                                      for item in entry["not_checked"]]
            report["entities"][str(entity)] = entry
    finally:
        source.http.close()
        target.http.close()
        scans_drop(run=run)
    if report["problems"]:
        report["verdict"] = VERDICT_DIFFERENCES
    elif report["not_checked"]:
        report["verdict"] = VERDICT_NOT_CHECKED
    return report


VERDICT_OK = "ok"
VERDICT_DIFFERENCES = "differences found"
VERDICT_NOT_CHECKED = "could not check"
EXAMPLES = 5  # examples kept per finding; the counts are complete


@dataclass
class _LanguageMap:
    """Source languages in the target's codes: an original's language becomes the target's default
    language (its fields land in the target record's own fields); a translation's language goes through
    the migration's language mapping (with a mapping, a language left out of it is not migrated)."""

    mapping: dict[str, str]
    target_default: str
    target_languages: list[str]

    def translation(self, language: str) -> str | None:
        if not self.mapping:
            return language
        return self.mapping.get(language) or None


def _count_check(demo: bool, source_count: int, target_count: int, migrated: int) -> dict[str, Any]:
    """A demo migrates only its first records: its target is compared to its id map. Any other run leaves
    the target holding what the source holds."""
    if demo:
        return {"compared": "target_count to migrated", "equal": target_count == migrated,
                "note": "" if target_count == migrated else
                f"the target holds {target_count}, the demo migrated {migrated}"}
    return {"compared": "target_count to source_count", "equal": target_count == source_count,
            "note": "" if target_count == source_count else
            f"the target holds {target_count}, the source {source_count}"}


def _per_language(scan: Scan, *, original: str | None = None, translation=None,
                  only: Q | Exists | None = None) -> tuple[Counter, bool]:
    """Records per language (a record counts in its own language and in every language it holds a
    translation for) and whether some record's in-record translations are unknown. `only`: a condition on
    the scan's rows annotated with `key` (the id of a translation's original, else the record's own id)."""
    counts: Counter = Counter()
    unknown = False
    rows = scan.rows()
    if only is not None:
        rows = rows.annotate(key=Coalesce("translation_of", "record_id")).filter(only)
    for language, translation_of, translations in rows.values_list(
            "language", "translation_of", "translations").iterator(chunk_size=BATCH_READ):
        if translation_of is not None:
            language = translation(language) if translation else language
        else:
            language = original if original is not None and language else language
        if language:
            counts[language] += 1
        if translations is None:
            unknown = True
            continue
        for code in translations:
            mapped = translation(code) if translation else code
            if mapped:
                counts[mapped] += 1
    return counts, unknown


BATCH_READ = 5000  # scanned rows read per round trip


def _languages_check(entry: dict[str, Any], source_scan: Scan | None, target_scan: Scan | None,
                     languages: _LanguageMap, id_map: QuerySet[IdMap], *, demo: bool) -> dict[str, dict[str, Any]]:
    if not source_scan and not target_scan:
        return {}
    target_originals = (target_scan.rows().filter(translation_of__isnull=True).exclude(language="")
                        .values("language").annotate(n=Count("id")).order_by("-n", "language").first()
                        if target_scan else None)
    default = languages.target_default or (target_originals["language"] if target_originals else "")
    source_counts, source_unknown = (_per_language(source_scan, original=default or None,
                                                   translation=languages.translation)
                                     if source_scan is not None else (Counter(), False))
    # What the run should have put on the target: a demo, the records of its id map; any other run, every
    # original with its translations (a translation whose original is gone from the source cannot migrate).
    if source_scan is None:
        expected_counts = Counter()
    else:
        originals = (id_map.filter(source_id=OuterRef("key")) if demo else
                     source_scan.rows().filter(translation_of__isnull=True, record_id=OuterRef("key")))
        expected_counts, _ = _per_language(source_scan, original=default or None,
                                           translation=languages.translation, only=Exists(originals))
    target_counts, target_unknown = _per_language(target_scan) if target_scan is not None else (Counter(), False)
    codes = sorted(set(source_counts) | set(target_counts), key=lambda c: (c != default, c))
    if not codes:
        return {}
    out: dict[str, dict[str, Any]] = {}
    for code in codes:
        row: dict[str, Any] = {
            "source": source_counts.get(code, 0) if source_scan is not None else None,
            "target": target_counts.get(code, 0) if target_scan is not None else None,
            "expected": expected_counts.get(code, 0) if source_scan is not None else None,
            "equal": None, "note": "",
        }
        secondary = code != default
        if source_scan is None or (secondary and source_unknown):
            row["source"] = row["expected"] = None
            row["note"] = f"source: {NOT_AVAILABLE}"
        if target_scan is None or (secondary and target_unknown):
            row["target"] = None
            row["note"] = f"target: {NOT_AVAILABLE}"
        if row["target"] is None or row["expected"] is None:
            entry["not_checked"].append({"figure": f"records in {code}", "why": row["note"]})
        elif (secondary and languages.target_languages and code not in languages.target_languages
              and not row["target"]):
            row["note"] = "not a language of the target store: its translations could not be migrated"
            entry["not_checked"].append({"figure": f"records in {code}", "why": row["note"]})
        else:
            row["equal"] = row["target"] == row["expected"]
            if not row["equal"]:
                row["note"] = (f"the target holds {row['target']}, " +
                               (f"the demo migrated {row['expected']}" if demo else
                                f"the source {row['expected']}"))
        out[code] = row
    return out


def _link(target: Connector, entity: EntityType, record_id: str) -> dict[str, Any]:
    return {"id": record_id, "url": target.entity_url(entity, record_id)}


def _groups(rows: QuerySet, *by: str) -> list[tuple[tuple, list[tuple]]]:
    """(values of `by`, members) of each group of rows sharing the values of `by` with more than one member
    (member: pk, record_id, natural_key, id_number), in the order of their first member; a group's members
    in scan order. Only the rows of such groups are read."""
    same = rows.filter(**{name: OuterRef(name) for name in by}).exclude(pk=OuterRef("pk"))
    members = (rows.filter(Exists(same)).order_by(*by, "pk")
               .values_list(*by, "pk", "record_id", "natural_key", "id_number"))
    found = [(values, [row[len(by):] for row in group])
             for values, group in groupby(members.iterator(chunk_size=BATCH_READ), key=lambda row: row[:len(by)])]
    return sorted(found, key=lambda group: group[1][0][0])


def _oldest_first(member: tuple) -> tuple:
    """The first record of a group is the oldest: numeric ids in number order."""
    _, record_id, _, number = member
    return (number, "") if number is not None else (1 << 62, record_id)


def _duplicates(target: Connector, entity: EntityType, scan: Scan | None) -> dict[str, Any] | None:
    """Target records of one language sharing a natural key (compared without case), and translations of
    one original in the same language. `count` is the surplus: records beyond the oldest of each group."""
    if scan is None:
        return None
    rows = scan.rows()
    by_key = _groups(rows.exclude(key_hash=""), "language", "key_hash")
    by_original = _groups(rows.exclude(translation_of__isnull=True).exclude(translation_of=""),
                          "language", "translation_of")
    found = [{"language": language, "key": members[0][2],
              "records": [_link(target, entity, m[1]) for m in members[:EXAMPLES]]}
             for (language, _), members in by_key]
    found += [{"language": language, "key": f"translations of #{original}",
               "records": [_link(target, entity, m[1]) for m in members[:EXAMPLES]]}
              for (language, original), members in by_original]
    # A copy of a translation is in both kinds of group: count each surplus record once.
    surplus = {m[1] for _, members in (*by_key, *by_original) for m in sorted(members, key=_oldest_first)[1:]}
    return {"count": len(surplus), "groups": len(found), "examples": found[:EXAMPLES]}


def _orphans(target: Connector, entity: EntityType, source_scan: Scan | None, target_scan: Scan | None,
             id_map: QuerySet[IdMap]) -> dict[str, Any] | None:
    """Records of this migration whose source record was deleted, and target translations whose original
    is gone or is not a record this migration wrote."""
    if source_scan is None and target_scan is None:
        return None
    examples: list[dict[str, Any]] = []
    count = 0
    if source_scan is not None:
        deleted = id_map.filter(~Exists(source_scan.rows().filter(record_id=OuterRef("source_id"))))
        count += deleted.count()
        for source_id, target_id in deleted.order_by("source_id").values_list("source_id", "target_id")[:EXAMPLES]:
            examples.append({**_link(target, entity, target_id), "source_id": source_id,
                             "why": f"its source record #{source_id} was deleted"})
    if target_scan is not None:
        rows = target_scan.rows().filter(translation_of__isnull=False).annotate(
            on_target=Exists(target_scan.rows().filter(record_id=OuterRef("translation_of"))),
            ours=Exists(id_map.filter(target_id=OuterRef("translation_of"))))
        lost = rows.filter(Q(translation_of="") | Q(on_target=False) | Q(ours=False))
        count += lost.count()
        for record_id, language, original, on_target in lost.order_by("pk").values_list(
                "record_id", "language", "translation_of", "on_target")[:EXAMPLES * 2]:
            if not original or not on_target:
                why = f"a {language} translation whose original is gone"
            else:
                why = f"a {language} translation of #{original}, which is not a record this migration wrote"
            examples.append({**_link(target, entity, record_id), "language": language, "why": why})
    return {"count": count, "examples": examples}


def _missing_on_target(target: Connector, entity: EntityType, scan: Scan | None,
                       id_map: QuerySet[IdMap]) -> dict[str, Any] | None:
    """Id map rows whose target record does not exist (deleted on the target after the run)."""
    if scan is None:
        return None
    gone = id_map.filter(~Exists(scan.rows().filter(record_id=OuterRef("target_id"))))
    return {"count": gone.count(),
            "examples": [{"source_id": s, "target_id": t} for s, t in
                         gone.order_by("source_id").values_list("source_id", "target_id")[:EXAMPLES]]}


def _missing_references(target: Connector, entity: EntityType, sample: list[tuple[str, str]],
                        sources: dict[str, Canonical | None], targets: dict[str, Canonical | None],
                        ids: dict[str, dict[str, str]], source_scans: StoreScans, target_scans: StoreScans, *,
                        migrated_entities: set[str], demo: bool) -> dict[str, Any]:
    """In the sample: a reference to a record of a migrated entity that exists on the source but has no id
    map row (not in a demo, which leaves its later records out on purpose), a mapped reference whose target
    record does not exist, and a target record's reference to an id its store does not have."""
    found: list[dict[str, Any]] = []
    for source_id, target_id in sample:
        src, tgt = sources.get(source_id), targets.get(source_id)
        if src is None or tgt is None:
            continue
        seen: set[tuple[str, str]] = set()
        for field, ref_entity, value in _ref_values(src):
            if ref_entity not in migrated_entities:
                continue
            mapped = ids.get(ref_entity, {}).get(value)
            if not mapped:
                if demo or source_scans.has(ref_entity, value) is False:
                    continue  # outside the demo, or gone from the source: nothing could be migrated
                why = f"refers to {ref_entity} #{value} on the source, which was not migrated"
            elif target_scans.has(ref_entity, mapped) is False:
                why = f"refers to {ref_entity} #{mapped} on the target, which does not exist"
                seen.add((ref_entity, mapped))
            else:
                continue
            found.append({"source_id": source_id, "target_id": target_id, "field": field,
                          "entity": ref_entity, "value": value, "why": why,
                          "url": target.entity_url(entity, target_id)})
        for field, ref_entity, value in _ref_values(tgt):
            if target_scans.has(ref_entity, value) is not False or (ref_entity, value) in seen:
                continue
            found.append({"source_id": source_id, "target_id": target_id, "field": field, "entity": ref_entity,
                          "value": value, "why": f"the target record refers to {ref_entity} #{value}, which "
                                                 "does not exist on the target",
                          "url": target.entity_url(entity, target_id)})
    return {"count": len(found), "examples": found[:EXAMPLES * 2]}


def _ref_values(item: Canonical) -> list[tuple[str, str, str]]:
    """(field path, referenced entity, id) of every reference of `item` (product variants left out)."""
    return references(item, variants=False)


def _refs_of(item: Canonical) -> dict[str, set[str]]:
    return referenced_ids([item], variants=False)
