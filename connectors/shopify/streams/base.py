"""`ShopifyStream`: what every Shopify stream shares over the Admin GraphQL API.

Reading pages: cursor pagination (`first`/`after`, checkpoint `{"after": cursor}`), sorted by id; with
`modified_since` the search `updated_at:>='...'` (sorted by UPDATED_AT where the list can be)
[shopify.dev/docs/api/usage/search-syntax]. A page Shopify finds too expensive is asked again smaller.

Reading large stores: an entity with at least `bulk_read_min` (BULK_READ_MIN) records on the store (with
`modified_since`: that many changed, where Shopify's count takes the `query:` filter) is read with one
`bulkOperationRunQuery` [shopify.dev/docs/api/usage/bulk-operations/queries], which the cost bucket does not
meter: the same selection (same search filter and sort), rewritten by `bulk.plan` (no page sizes, a marker on
each nested connection), `groupObjects: true` so that child lines follow their parent, polled through
`node(id:)`, and the JSONL result streamed line by line into the node shape a paginated read gives (nested
lists whole, so no `complete` queries). Pages keep the requested size; their checkpoint
`{"bulk": <operation id>, "offset": <root records read>, "byte": <where the next one starts>}` polls the same
operation, or reads the same file (its URL lives seven days) on from that byte, or starts again when the
operation or its file is gone (`bulk_read`). Shopify refusing the
query (another app's bulk queries running, a selection over its limits of five connections two levels
deep) or the operation ending FAILED/CANCELED/EXPIRED falls back to the paginated read, with a log line.

Writing: one create mutation per record (`create_mutation`), many per request under aliases
(`ShopifyConnector._mutate`); then the translations of what was created (`translationsRegister`, with
the digests of the content Shopify holds) and, with the `create_redirects` option, a redirect from the
record's address on the source store (`redirect_prefix`). Deletes are one mutation per record, 50 a request.

Check after a run (`scan`): ids and natural keys only (`scan_selection`, about 1 point a customer or order, 6
a product), by pages, or by one bulk query where pages would cost more than a bucket holds; for translatable
resources `translations(locale:)` per published locale
says which languages each record has [shopify.dev/docs/api/admin-graphql/latest/objects/Translation], unless
the entity holds more than `scan_translations_max` records.
"""
from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar

from connectors.base import Page, ScannedRecord, WriteResult
from connectors.entities import Canonical, EntityType
from connectors.errors import ConnectorError, RecordError
from connectors.sdk import Stream
from connectors.sdk.graphql import Op

from .. import bulk, bulk_read, mappers
from ..api import REQUEST_BUDGET, USER_ERRORS, cost_in
from ..mappers import gid, legacy

if TYPE_CHECKING:
    from ..connector import ShopifyConnector

E = EntityType
FILTERED_COUNTS = frozenset({"productsCount", "collectionsCount", "customersCount", "ordersCount"})  # take `query:`


def translations_selection(locales: list[str]) -> str:
    """`tr_<locale>: translations(locale:)` for each locale (mappers read them back by alias)."""
    return " ".join(f'tr_{loc.replace("-", "_")}: translations(locale: "{loc}") {{ key value }}' for loc in locales)


class ShopifyStream(Stream):
    list_field: ClassVar[str]  # the query's list field (`products`)
    count_field: ClassVar[str] = ""  # its count field (`productsCount`); "" when Shopify has none
    node_type: ClassVar[str]  # the node's GraphQL type, for `node(id:)`
    max_first: ClassVar[int] = 50  # records per list request that keep a page under the cost maximum
    sort_updated: ClassVar[bool] = False  # a read of changes sorts by UPDATED_AT (else by ID)
    # (mutation, argument, GraphQL type, payload field, extra selection of the created node)
    create_mutation: ClassVar[tuple[str, str, str, str, str]]
    # (mutation, argument, GraphQL type, payload field of the deleted id); the argument holds {id} for an input
    delete_mutation: ClassVar[tuple[str, str, str, str]]
    translation_keys: ClassVar[dict[str, str] | None] = None  # canonical field -> Shopify translation key
    redirect_prefix: ClassVar[str | None] = None  # the storefront path of the entity, for redirects
    scan_selection: ClassVar[tuple[str, int]] = ("id handle", 1)  # lean selection of `scan`, cost of a node
    counted_at_connection: ClassVar[bool] = True  # counted by the connection check
    connector: ShopifyConnector

    # --- transport (the connector's) ------------------------------------------------------------------------
    def _graphql(self, query: str, variables: dict[str, Any] | None = None, **kwargs: Any) -> dict[str, Any]:
        return self.connector._graphql(query, variables, **kwargs)

    def _mutate(self, ops: list[Op], **kwargs: Any) -> list[tuple[Any, str | None]]:
        return self.connector._mutate(ops, **kwargs)

    @staticmethod
    def op(name: str, args: dict[str, tuple[str, Any]], selection: str, *, key: Any, cost: float = 10) -> Op:
        """One aliased mutation field; `selection` without its braces, `userErrors` added."""
        return Op(name=name, args=args, selection=f"{{ {selection} {USER_ERRORS} }}", key=key, cost=cost)

    # --- reading --------------------------------------------------------------------------------------------
    def locales(self) -> list[str]:
        """The published locales whose translations a read selects (none for an entity never translated)."""
        return self.connector.published_locales if self.translation_keys else []

    def fields(self) -> str:
        """The node selection of a read."""
        raise NotImplementedError

    def search(self, modified_since: datetime | None) -> tuple[str | None, str]:
        """The search filter and sort of a list read: changes since a moment (sorted by UPDATED_AT where the
        list can be), else everything by ID."""
        query_text = f"updated_at:>='{mappers.format_time(modified_since)}'" if modified_since else None
        return query_text, "UPDATED_AT" if modified_since and self.sort_updated else "ID"

    def read(self, *, checkpoint: dict[str, Any] | None = None, modified_since: datetime | None = None,
             page_size: int | None = None) -> Iterator[Page]:
        if (checkpoint or {}).get("after"):
            yield from self.read_pages(checkpoint, modified_since, page_size)
        else:
            yield from bulk_read.read(self, checkpoint, modified_since, page_size)

    def worth_bulk(self, modified_since: datetime | None) -> bool:
        """A bulk query pays off from `bulk_read_min` records: counted with the same `updated_at` filter
        where Shopify's count takes one, so that a smart update of a few changes on a big store reads
        them by pages instead of waiting for a bulk operation (of which a shop runs only a few at once)."""
        query_text, _ = self.search(modified_since)
        if query_text is None or self.count_field not in FILTERED_COUNTS:
            return self.count() >= self.connector.bulk_read_min
        return self.count_where(query_text) >= self.connector.bulk_read_min

    def bulk_plan(self, modified_since: datetime | None) -> bulk.BulkPlan:
        query_text, sort = self.search(modified_since)
        arguments = f"sortKey: {sort}" + (f", query: {json.dumps(query_text)}" if query_text else "")
        return bulk.plan(self.list_field, arguments, self.fields())

    def unbulked(self, modified_since: datetime | None, page_size: int | None) -> Iterator[Page]:
        """The paginated read from the start, when a bulk query is not used."""
        yield from self.read_pages(None, modified_since, page_size)

    def read_pages(self, checkpoint: dict[str, Any] | None, modified_since: datetime | None, page_size: int | None
                   ) -> Iterator[Page]:
        """The paginated read: `first`/`after` cursors, checkpoint `{"after": cursor}`."""
        field = self.list_field
        first = max(1, min(page_size or self.connector.capabilities.page_size, self.max_first, 250))
        query_text, sort = self.search(modified_since)
        document = f"""query($first: Int!, $after: String, $query: String) {{
          {field}(first: $first, after: $after, query: $query, sortKey: {sort}) {{
            pageInfo {{ hasNextPage endCursor }} nodes {{ {self.fields()} }} }} }}"""
        after = (checkpoint or {}).get("after")
        while True:
            try:
                data = self._graphql(document, {"first": first, "after": after, "query": query_text})
            except ConnectorError as exc:
                if exc.detail != "MAX_COST_EXCEEDED" or first == 1:
                    raise
                first = max(1, int(first * self.connector._request_budget() // max(cost_in(exc.message), 1)))
                continue
            connection = data[field]
            items, errors = self.to_items(connection["nodes"])
            info = connection["pageInfo"]
            after = info["endCursor"]
            yield Page(items=items, errors=errors,
                       next_checkpoint={"after": after} if info["hasNextPage"] and after else None)
            if not info["hasNextPage"] or not after:
                return

    def complete(self, node: dict[str, Any]) -> None:
        """Fetch what a list page cut short of a node (more variants, lines, items), in place."""

    def to_items(self, nodes: list[dict[str, Any]]) -> tuple[list[Canonical], list[RecordError]]:
        items, errors = [], []
        for node in nodes:
            self.complete(node)
            try:
                items.append(mappers.to_canonical(self.entity, node))
            except RecordError as exc:
                errors.append(exc)
        return items, errors

    def count(self) -> int:
        return self.count_where(None)

    def count_where(self, query_text: str | None) -> int:
        """Shopify's count of the list, with a `query:` search filter when one is given."""
        count_field = self.count_field
        if query_text is None:
            data = self._graphql(f"{{ {count_field} {{ count }} }}", cost=1)
        else:
            data = self._graphql(f"query($q: String) {{ {count_field}(query: $q) {{ count }} }}", {"q": query_text},
                                 cost=1)
        return int((data.get(count_field) or {}).get("count") or 0)

    def get(self, record_id: str) -> Canonical | None:
        data = self._graphql(f"""query($id: ID!) {{ node(id: $id) {{ ... on {self.node_type} {{
            {self.fields()} }} }} }}""", {"id": gid(self.entity, record_id)})
        node = data.get("node")
        if not node or not node.get("id"):
            return None
        items, errors = self.to_items([node])
        if errors:
            raise errors[0]
        return items[0]

    # --- natural keys -------------------------------------------------------------------------------------------
    @staticmethod
    def quoted(key: str) -> str:
        return key.replace("\\", "\\\\").replace("'", "\\'")

    def first(self, query_text: str) -> str | None:
        """The id of the first record of the list that the search `query_text` finds."""
        field = self.list_field
        data = self._graphql(f"query($q: String!) {{ {field}(first: 1, query: $q) {{ nodes {{ id }} }} }}",
                             {"q": query_text}, cost=3)
        nodes = data[field]["nodes"]
        return legacy(nodes[0]["id"]) if nodes else None

    def by_field(self, field: str, argument: str, value: str) -> str | None:
        """The id of `field(argument: value)` (`collectionByHandle(handle:)`...), None when nothing is there."""
        node = self._graphql(f"query($v: String!) {{ {field}({argument}: $v) {{ id }} }}", {"v": value},
                             cost=1).get(field)
        return legacy(node["id"]) if node else None

    # --- writing ------------------------------------------------------------------------------------------------
    def build(self, item: Canonical) -> tuple[dict[str, Any], list[str]]:
        """The create mutation's input for `item` and the warnings it comes with; RecordError when it cannot."""
        raise NotImplementedError

    def create(self, items: list[Canonical]) -> list[WriteResult]:
        return self.create_with(items, self.build)

    def create_with(self, items: list[Canonical], build: Callable[[Any], tuple[dict[str, Any], list[str]]],
                    extra_args: dict[str, tuple[str, Any]] | None = None,
                    mutation: tuple[str, str, str, str, str] | None = None) -> list[WriteResult]:
        """Create records with one `create_mutation` (or `mutation`) each, batched; `build(item) -> (input,
        warnings)`."""
        name, arg, arg_type, result_field, extra_selection = mutation or self.create_mutation
        results: list[WriteResult | None] = [None] * len(items)
        ops, owners = [], []
        warnings: dict[int, list[str]] = {}
        for i, item in enumerate(items):
            try:
                payload, warns = build(item)
            except RecordError as exc:
                results[i] = WriteResult(source_id=item.source_id, error=exc.message)
                continue
            warnings[i] = warns
            ops.append(self.op(name, {arg: (arg_type, payload), **(extra_args or {})},
                               f"{result_field} {{ id {extra_selection} }}", key=i))
            owners.append(i)
        for index, (payload, error) in zip(owners, self._mutate(ops), strict=True):
            item = items[index]
            node = (payload or {}).get(result_field) if payload else None
            if error or not node:
                results[index] = WriteResult(source_id=item.source_id, error=error or "Shopify created nothing.")
            else:
                results[index] = WriteResult(source_id=item.source_id, target_id=legacy(node["id"]),
                                             warnings=warnings.get(index, []))
                results[index].extra_node = node  # type: ignore[union-attr]
        out = [r for r in results if r is not None]
        self.after_create(items, out)
        return out

    def after_create(self, items: list[Canonical], results: list[WriteResult]) -> None:
        """Translations and redirects of what was just created (their failures are warnings)."""
        written = [(item, result) for item, result in zip(items, results, strict=True) if result.ok]
        if self.translation_keys:
            self.register_translations(written)
        if self.redirect_prefix and self.connector.options.get("create_redirects"):
            self.create_redirects(written)

    def register_translations(self, written: list[tuple[Canonical, WriteResult]]) -> None:
        wanted = [(item, result) for item, result in written if item.translations]
        if not wanted:
            return
        locales = set(self.connector.published_locales)
        digests: dict[str, dict[str, str]] = {}
        ids = [gid(self.entity, r.target_id) for _, r in wanted]
        for start in range(0, len(ids), 25):
            chunk = ids[start:start + 25]
            data = self._graphql("""query($ids: [ID!]!, $n: Int!) { translatableResourcesByIds(first: $n,
                resourceIds: $ids) { nodes { resourceId translatableContent { key digest } } } }""",
                                 {"ids": chunk, "n": len(chunk)}, cost=2 + 2 * len(chunk))
            for node in data["translatableResourcesByIds"]["nodes"]:
                digests[node["resourceId"]] = {c["key"]: c["digest"] for c in node["translatableContent"]
                                               if c["digest"]}
        ops, owners = [], []
        for item, result in wanted:
            resource = gid(self.entity, result.target_id)
            inputs = []
            for locale, fields in item.translations.items():
                if locale not in locales:
                    result.warnings.append(f"Translation {locale!r} not registered: it is not a published language "
                                           "of the Shopify store.")
                    continue
                inputs += mappers.translation_inputs(fields, self.translation_keys or {}, locale,
                                                     digests.get(resource, {}))
            if inputs:
                ops.append(self.op("translationsRegister", {"resourceId": ("ID!", resource),
                                                            "translations": ("[TranslationInput!]!", inputs)},
                                   "translations { key }", key=len(owners)))
                owners.append(result)
        for result, (_, error) in zip(owners, self._mutate(ops), strict=True):
            if error:
                result.warnings.append(f"Translations not registered: {error}")

    def create_redirects(self, written: list[tuple[Canonical, WriteResult]]) -> None:
        ops, owners = [], []
        prefix = self.redirect_prefix
        for item, result in written:
            source = _source_path(item)
            handle = (getattr(result, "extra_node", None) or {}).get("handle")
            if not source or not handle or source.rstrip("/") == f"{prefix}{handle}":
                continue
            ops.append(self.op("urlRedirectCreate", {"urlRedirect": ("UrlRedirectInput!", {
                "path": source, "target": f"{prefix}{handle}"})}, "urlRedirect { id }", key=len(owners)))
            owners.append(result)
        for result, (_, error) in zip(owners, self._mutate(ops), strict=True):
            if error and "taken" not in error.lower():
                result.warnings.append(f"Redirect not created: {error}")

    def update(self, target_id: str, item: Canonical, fields: list[str] | None = None) -> WriteResult:
        """Shopify's API cannot change this entity in place: a whole write again is left as it is."""
        if fields:
            return WriteResult(source_id=item.source_id,
                               error=f"Shopify's API cannot change {self.entity.label.lower()} in place.")
        return WriteResult(source_id=item.source_id, target_id=target_id)

    def delete(self, target_ids: list[str]) -> list[WriteResult]:
        """One delete mutation per record, 50 a request; a record that is not there counts as deleted."""
        name, arg, arg_type, result_field = self.delete_mutation
        ops = []
        for i, target_id in enumerate(target_ids):
            record = gid(self.entity, target_id)
            ops.append(self.op(name, {arg: (arg_type, {"id": record} if arg == "input" else record)}, result_field,
                               key=i))
        out = []
        for target_id, (_payload, error) in zip(
                target_ids, self._mutate(ops, budget=float("inf"), max_ops=50, no_answer="Shopify gave no answer.",
                                         refuse_batch=False), strict=True):
            missing = error and ("not exist" in error.lower() or "not found" in error.lower())
            out.append(WriteResult(source_id=target_id, target_id=target_id) if not error or missing
                       else WriteResult(source_id=target_id, error=error))
        return out

    # --- check after a run --------------------------------------------------------------------------------------
    def scan(self) -> Iterator[ScannedRecord]:
        for node_id, node, language, translations in self.scan_nodes():
            yield ScannedRecord(record_id=node_id, natural_key=self.scan_key(node), language=language,
                                translations=translations)

    def scan_nodes(self) -> Iterator[tuple[str, dict[str, Any], str, tuple[str, ...] | None]]:
        """(id, node, language, translations) of every record, read with the lean `scan_selection`."""
        selection, per_node = self.scan_selection
        locales = self.locales()
        language = self.connector.primary_locale if self.translation_keys else ""
        count = self.count() if self.count_field else None
        ask = bool(locales) and (count is None or count <= self.connector.scan_translations_max)
        if ask:
            selection = f"{selection} {translations_selection(locales)}"
            per_node += len(locales)
        for node in self.scan_all(selection, per_node, count):
            record_id = legacy(node.get("id"))
            if not record_id:
                continue
            translations: tuple[str, ...] | None = None
            if ask:
                translations = tuple(loc for loc in locales if node.get(f"tr_{loc.replace('-', '_')}"))
            elif not locales:
                translations = ()
            yield record_id, node, language, translations

    def scan_all(self, selection: str, per_node: int, count: int | None) -> Iterator[dict[str, Any]]:
        """Every node with `selection`: by one bulk query when paging would cost more points than
        `scan_bulk_points` (a Standard plan's bucket), else (or when the bulk query does not serve) by pages."""
        field = self.list_field
        if count is not None and count * per_node > self.connector.scan_bulk_points:
            try:
                plan = bulk.plan(field, "sortKey: ID", selection)
            except bulk.OverLimits:
                plan = None
            nodes = plan and bulk_read.query_nodes(self.connector, self.entity, plan,
                                                   wait_seconds=self.connector.scan_bulk_wait)
            if nodes is not None:
                yield from nodes
                return
        first = max(1, min(250, int((REQUEST_BUDGET - 2) // per_node)))
        document = f"""query($first: Int!, $after: String) {{ {field}(first: $first, after: $after, sortKey: ID) {{
          pageInfo {{ hasNextPage endCursor }} nodes {{ {selection} }} }} }}"""
        after = None
        while True:
            connection = self._graphql(document, {"first": first, "after": after}, cost=2 + first * per_node)[field]
            yield from connection["nodes"]
            info = connection["pageInfo"]
            after = info["endCursor"]
            if not info["hasNextPage"] or not after:
                return

    def scan_key(self, node: dict[str, Any]) -> str | None:
        """The canonical natural key (entities.Canonical.natural_key) from the lean selection of `scan`."""
        return str(node.get("handle") or "") or None


def _source_path(item: Canonical) -> str | None:
    """The record's address on the source store, as a path: `extra[<platform>]["url" | "permalink"]`."""
    for value in item.extra.values():
        if isinstance(value, dict):
            for key in ("url", "permalink"):
                url = value.get(key)
                if isinstance(url, str) and url:
                    path = "/" + url.split("://", 1)[-1].split("/", 1)[-1] if "://" in url else url
                    return path if path.startswith("/") else "/" + path
    return None
