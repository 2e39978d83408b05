"""The v2 collections (orders, coupons): raw arrays paged by `page`/`limit`, 204 with no body when a page is
empty [orders.v2.oas2.yml], a `/count` answer for totals."""
from __future__ import annotations

from typing import Any, ClassVar

from ..api import V2_MAX_LIMIT
from .base import BigCommerceStream


class BigCommerceV2Stream(BigCommerceStream):
    version = "v2"
    sort: ClassVar[str | None] = None

    def fetch_page(self, params: dict[str, Any], page: int, limit: int, path: str | None = None
                   ) -> tuple[list[Any], dict[str, Any]]:
        params = {k: v for k, v in params.items() if k != "include_fields"}
        if self.sort:
            params["sort"] = self.sort
        data, _ = self.call("GET", path or self.resource,
                            params={**params, "page": page, "limit": min(limit, V2_MAX_LIMIT)})
        return (data if isinstance(data, list) else []), {}

    def count(self) -> int:
        data, _ = self.call("GET", f"{self.resource}/count")
        return int((data or {}).get("count") or 0)

    def list_ids(self):
        page = 1
        while True:
            data, _ = self.fetch_page({}, page, V2_MAX_LIMIT)
            for record in data:
                if isinstance(record, dict) and record.get("id"):
                    yield str(record["id"])
            if len(data) < V2_MAX_LIMIT:
                return
            page += 1
