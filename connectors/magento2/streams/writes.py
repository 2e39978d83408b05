"""Writing to Magento 2 (the target side), synchronously, one request per record: what the streams share.

Magento's REST API has no batch endpoint for these writes except the asynchronous bulk API
(`/async/bulk/V1/...`, which needs the store's message-queue consumers running); this connector writes through
the synchronous endpoints. Global (admin) values are written under the `all` code; a translation is a `PUT` of
the scoped fields under its store view's code. A refused record is its WriteResult's error, a translation
that does not arrive a warning.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from connectors.base import WriteResult
from connectors.entities import Canonical

from .. import api

if TYPE_CHECKING:
    from .base import Magento2Stream

ADMIN = "all"


def send(stream: Magento2Stream, method: str, path: str, body: Any = None, *, code: str = ADMIN
         ) -> tuple[Any, str | None]:
    """(answer, None) or (None, Magento's message) for a write Magento refused (4xx)."""
    data, response = stream._call(method, path, body=body, code=code, allow=(400, 404, 409))
    if response.status_code >= 300:
        return None, api.magento_message(data) or f"HTTP {response.status_code}"
    return data, None


def view_codes(stream: Magento2Stream) -> dict[str, str]:
    """{language: store view code} of the views holding translations."""
    return {language: code for code, language in stream.connector.views().translation_views.items()}


def write_translations(stream: Magento2Stream, item: Canonical, path: str, body_of: Any,
                       result: WriteResult) -> None:
    """PUT each translation under its view's code; a language without a view is a warning."""
    codes = view_codes(stream)
    for language, fields in item.translations.items():
        code = codes.get(language)
        if code is None:
            result.warnings.append(f"Translation {language!r} not written: no store view of the Magento store has "
                                   "that language.")
            continue
        _, error = send(stream, "PUT", path, body_of(fields), code=code)
        if error:
            result.warnings.append(f"Translation {language!r} refused: {error}")


def is_missing(error: str) -> bool:
    text = error.lower()
    return "doesn't exist" in text or "no such entity" in text or "does not exist" in text
