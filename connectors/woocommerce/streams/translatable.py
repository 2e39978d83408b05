"""`WooCommerceTranslatableStream`: a collection WPML translates (products, categories).

With WPML, each translation is a record of its own carrying `lang` and a `translations` map {lang: id} of its
group [wpml.org/documentation/related-projects/woocommerce-multilingual/using-wordpress-rest-api-woocommerce-
multilingual/]. Reads list the default language and fetch the translations of a page with one `include=` call
per language; they travel inside their original (`Canonical.translations`). Writes put them back in place;
deletes take them along with their original. A store with one language behaves as a plain collection.
"""
from __future__ import annotations

import logging
from typing import Any

from connectors.base import WriteResult
from connectors.entities import Canonical

from .. import mappers
from ..api import MAX_PER_PAGE, wc_error
from .base import WooCommerceStream

logger = logging.getLogger(__name__)


class WooCommerceTranslatableStream(WooCommerceStream):
    def multilingual(self) -> tuple[str, list[str], bool]:
        default, languages = self._languages()
        return default, languages, bool(default) and len(languages) > 1

    def list_params(self) -> dict[str, Any]:
        params = super().list_params()
        default, _, multilingual = self.multilingual()
        if multilingual:
            params["lang"] = default  # WPML: default-language records; translations fetched per page
        return params

    def visible(self, records: list[Any]) -> list[Any]:
        """With WPML, a list may also hold translations; they travel inside their original instead."""
        default, _, multilingual = self.multilingual()
        if not multilingual:
            return records
        return [r for r in records if not (isinstance(r, dict) and r.get("lang") and r["lang"] != default)]

    def page_context(self, records: list[Any]) -> dict[str, dict[str, Any]]:
        """{"translations": {original id: {lang: translated record}}} for a page, one `include=` call per language."""
        wanted: dict[str, dict[int, str]] = {}  # lang -> {translation id: original id}
        for record in records:
            if not isinstance(record, dict):
                continue
            own = record.get("lang")
            links = record.get("translations")
            if not isinstance(links, dict):
                continue
            for lang, translation_id in links.items():
                if lang == own or not translation_id or str(translation_id) == str(record.get("id")):
                    continue
                try:
                    wanted.setdefault(str(lang), {})[int(translation_id)] = str(record.get("id"))
                except (TypeError, ValueError):
                    continue
        found: dict[str, dict[str, dict[str, Any]]] = {}
        for lang, ids in wanted.items():
            id_list = sorted(ids)
            for start in range(0, len(id_list), MAX_PER_PAGE):
                chunk = id_list[start:start + MAX_PER_PAGE]
                data, _ = self._call("GET", self.resource, params={
                    "lang": lang, "include": ",".join(map(str, chunk)), "per_page": MAX_PER_PAGE})
                for translated in data if isinstance(data, list) else []:
                    if isinstance(translated, dict) and translated.get("id") in ids:
                        found.setdefault(ids[translated["id"]], {})[lang] = translated
        return {"translations": found}

    def language_of(self, record: dict[str, Any], default: str, languages: list[str]) -> tuple[str, str | None]:
        """WPML's `lang`; a translation's group original is the default-language entry of its `translations`;
        "" when the group has no original any more."""
        record_id = str(record["id"])
        language = str(record.get("lang") or default)
        translation_of = None
        if default and len(languages) > 1 and language != default:
            links = record.get("translations") if isinstance(record.get("translations"), dict) else {}
            original = links.get(default)
            translation_of = str(original) if original and str(original) != record_id else ""
        return language, translation_of

    def translations_of(self, ids: list[int]) -> dict[int, list[int]]:
        """{original id: [ids of its WPML translations]} for records of a multilingual store."""
        _, _, multilingual = self.multilingual()
        if not multilingual or not ids:
            return {}
        out: dict[int, list[int]] = {}
        wanted = set(ids)
        for start in range(0, len(ids), MAX_PER_PAGE):
            chunk = ids[start:start + MAX_PER_PAGE]
            data, _ = self._call("GET", self.resource, params={
                "include": ",".join(map(str, chunk)), "lang": "all", "per_page": MAX_PER_PAGE})
            for record in data if isinstance(data, list) else []:
                links = record.get("translations") if isinstance(record, dict) else None
                if not isinstance(links, dict) or record.get("id") not in wanted:
                    continue
                others = [int(t) for t in links.values() if t and int(t) != record["id"] and int(t) not in wanted]
                if others:
                    out[record["id"]] = others
        return out

    def after_create(self, target_id: str, item: Canonical, result: WriteResult) -> None:
        if item.translations:
            self.write_translations(target_id, item, existing={}, warnings=result.warnings)

    def after_update(self, target_id: str, item: Canonical, fields: list[str] | None, written: Any,
                     result: WriteResult) -> None:
        if fields is None and item.translations:
            links = written.get("translations") if isinstance(written, dict) else None
            self.write_translations(target_id, item, existing=links if isinstance(links, dict) else None,
                                    warnings=result.warnings)

    def translation_body(self, item: Canonical, fields: dict[str, str], lang: str, target_id: str) -> dict[str, Any]:
        return mappers.translation_to_wc(self.entity, fields, lang=lang, original_id=target_id)

    def write_translations(self, target_id: str, item: Canonical, *, existing: dict[str, Any] | None = None,
                           warnings: list[str] | None = None) -> None:
        """Write the WPML translations of the record `target_id` in place: a language that already has a
        translation on the target is updated (PUT of that translation), one without is created with
        `lang` + `translation_of`. `existing` is the record's WPML `translations` map ({lang: id}); None
        reads it. Writing a record again (a full run after a demo, a re-migration) so never creates a
        second translation."""
        default, languages = self._languages()
        wanted = {lang: fields for lang, fields in item.translations.items()
                  if lang != default and (not languages or lang in languages)}
        if not wanted:
            return
        if existing is None:
            data, _ = self._call("GET", f"{self.resource}/{target_id}", allow=(404, 410))
            existing = data.get("translations") if isinstance(data, dict) else None
            existing = existing if isinstance(existing, dict) else {}
        for lang, fields in wanted.items():
            body = self.translation_body(item, fields, lang, target_id)
            translation_id = existing.get(lang)
            if translation_id and str(translation_id) != str(target_id):
                body.pop("translation_of", None)
                data, response = self._call("PUT", f"{self.resource}/{translation_id}", params={"lang": lang},
                                            body=body, allow=(400, 404, 409, 410))
            else:
                data, response = self._call("POST", self.resource, params={"lang": lang}, body=body,
                                            allow=(400, 409))
            if response.status_code >= 300:
                message = wc_error(data)[1]
                if warnings is not None:
                    warnings.append(f"The {lang} translation was refused: {message}")
                logger.info("Translation %s of %s %s was refused: %s", lang, self.entity, target_id, message)
