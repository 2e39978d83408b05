"""301 redirects from a record's address on the source store to the record created here (`create_redirects`):
`PUT /v3/storefront/redirects` upserts up to 100 a call by (site, from_path), pointing at the product or category
itself (`to: {type, entity_id}`), so BigCommerce keeps the redirect right when the new URL changes later
[bigcommerce/docs reference/redirects.v3.yml]."""
from __future__ import annotations

from typing import ClassVar

from connectors.base import WriteResult
from connectors.entities import Canonical

from ..api import REDIRECT_BATCH, error_text
from .base import BigCommerceStream

SITE_ID = 1  # the default storefront's site


def source_path(item: Canonical) -> str | None:
    """The record's address on the source store as a path (`extra[<platform>]["url" | "permalink"]`)."""
    for value in item.extra.values():
        if isinstance(value, dict):
            for key in ("url", "permalink"):
                url = value.get(key)
                if isinstance(url, str) and url:
                    path = "/" + url.split("://", 1)[-1].split("/", 1)[-1] if "://" in url else url
                    return path if path.startswith("/") else "/" + path
    return None


class RedirectingStream(BigCommerceStream):
    redirect_type: ClassVar[str] = ""

    def after_create(self, items: list[Canonical], results: list[WriteResult]) -> None:
        if not self.connector.options.get("create_redirects"):
            return
        wanted: list[tuple[WriteResult, dict]] = []
        for item, result in zip(items, results, strict=True):
            path = source_path(item) if result.ok else None
            if path and path != "/":
                wanted.append((result, {"site_id": SITE_ID, "from_path": path,
                                        "to": {"type": self.redirect_type, "entity_id": int(result.target_id)}}))
        for start in range(0, len(wanted), REDIRECT_BATCH):
            chunk = wanted[start:start + REDIRECT_BATCH]
            data, response = self.call("PUT", "storefront/redirects", version="v3",
                                       body=[body for _, body in chunk], allow=(400, 409, 413, 422))
            if response.status_code >= 300:
                for result, body in chunk:
                    result.warnings.append(f"Redirect from {body['from_path']} not created: {error_text(data)}")
