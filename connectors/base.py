"""The connector contract. One subclass per platform; the engine only talks to this interface.

A connector declares, as data: its platform key and label, the credential fields the wizard asks
for, the options it understands, its `Capabilities` and its order statuses. It implements reading
canonical entities page by page from a checkpoint, and writing them (create, field-level update,
lookup by natural key, delete). It never imports Django apps: it gets a base URL, credentials and an
`HttpClient`, and returns canonical entities. The engine owns ordering, id mapping, checkpoints and
error accounting.
"""
from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar, Literal

from .entities import Canonical, EntityType, OrderStatus
from .errors import RecordError
from .http import HttpClient


@dataclass(frozen=True)
class CredentialField:
    key: str
    label: str
    help: str = ""  # where to find it in the platform's admin
    secret: bool = True
    required: bool = True


@dataclass(frozen=True)
class OptionField:
    key: str
    label: str
    help: str = ""
    type: Literal["bool", "choice"] = "bool"
    default: Any = False
    choices: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class PlatformGuide:
    """What the help center says about a platform, declared by its connector (generic pages name no platform):
    the steps to create the API credentials the wizard asks for, the permissions they need as a source (read)
    and as a target (write), notes, and the platform's own documentation page."""

    key_steps: tuple[str, ...]
    source_permissions: tuple[str, ...] = ()
    target_permissions: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    docs_url: str = ""


# Options every target understands; connectors add their own.
CLEAR_TARGET = OptionField(
    key="clear_target",
    label="Clear current data on target",
    help="Delete the selected entities on the target store before migrating. This cannot be undone.",
    default=False,
)
CLEAR_SCOPE = OptionField(
    key="clear_scope",
    label="What to clear",
    help="Only the data this migration created before, or every record of the selected types.",
    type="choice",
    default="created",
    choices=(("created", "Only data this migration created"), ("all", "All data of that type")),
)
MIGRATE_IMAGES = OptionField(
    key="migrate_images", label="Migrate images", help="Copy product and category images.", default=True
)
# Offered by a target only where its platform can do it; the wizard shows the others greyed out with why.
CREATE_REDIRECTS = OptionField(
    key="create_redirects", label="Create 301 redirects",
    help="Redirect the old product and category addresses to the new ones, so links and search rankings keep working.",
)
PRESERVE_IDS = OptionField(
    key="preserve_ids", label="Preserve IDs",
    help="Give products, customers and orders the same IDs on the target as on the source.",
)
CUSTOMER_PASSWORDS = OptionField(
    key="customer_passwords", label="Migrate customer passwords",
    help="Customers keep logging in with their current passwords.",
)
STANDARD_OPTIONS = (CLEAR_TARGET, CLEAR_SCOPE, MIGRATE_IMAGES, CREATE_REDIRECTS, PRESERVE_IDS, CUSTOMER_PASSWORDS)


@dataclass(frozen=True)
class Capabilities:
    read: frozenset[EntityType]
    write: frozenset[EntityType]
    # Fields that can be patched in place on the target, per entity (the smart-update catalog).
    updatable_fields: dict[EntityType, tuple[str, ...]] = field(default_factory=dict)
    # Entities whose reads can be filtered by modification time on the platform's side.
    modified_filter: frozenset[EntityType] = frozenset()
    batch_size: int = 50
    page_size: int = 100
    # Smaller pages for entities whose write costs several calls per record (e.g. products + variations),
    # so one engine step stays short.
    page_sizes: dict[EntityType, int] = field(default_factory=dict)
    # Entities the target creates in bulk (`Connector.create_bulk`): records per bulk operation, the page size
    # the engine reads for a full run or re-migration of at least `bulk_min` records of that entity.
    bulk_sizes: dict[EntityType, int] = field(default_factory=dict)
    bulk_min: int = 0
    languages: bool = False
    customer_groups: bool = False
    preserve_ids: bool = False
    customer_passwords: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {
            "read": sorted(self.read),
            "write": sorted(self.write),
            "updatable_fields": {str(k): list(v) for k, v in self.updatable_fields.items()},
            "modified_filter": sorted(self.modified_filter),
            "batch_size": self.batch_size,
            "page_sizes": {str(k): v for k, v in self.page_sizes.items()},
            "page_size": self.page_size,
            "bulk_sizes": {str(k): v for k, v in self.bulk_sizes.items()},
            "languages": self.languages,
            "customer_groups": self.customer_groups,
            "preserve_ids": self.preserve_ids,
            "customer_passwords": self.customer_passwords,
        }


@dataclass(frozen=True)
class ComparisonRules:
    """How a record written on this platform compares with its source (Check Result): platform facts that
    are not differences.

    - `case_insensitive`: fields the platform stores in its own case (entity -> field names): compared
      without case;
    - `reallocates_line_discounts`: the platform spreads an order-level discount over the lines itself with
      its own cent rounding, so a line total a cent off is not a difference (the order total is compared
      to the cent on its own)."""

    case_insensitive: dict[EntityType, frozenset[str]] = field(default_factory=dict)
    reallocates_line_discounts: bool = False


@dataclass
class StoreInfo:
    name: str
    url: str
    currency: str = ""
    languages: list[str] = field(default_factory=list)
    default_language: str = ""
    counts: dict[str, int] = field(default_factory=dict)
    order_statuses: list[str] = field(default_factory=list)
    customer_groups: list[str] = field(default_factory=list)
    platform_version: str = ""
    warnings: list[str] = field(default_factory=list)  # connected, but something will not work (e.g. a scope)

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "url": self.url,
            "currency": self.currency,
            "languages": self.languages,
            "default_language": self.default_language,
            "counts": self.counts,
            "order_statuses": self.order_statuses,
            "customer_groups": self.customer_groups,
            "platform_version": self.platform_version,
            "warnings": self.warnings,
        }


@dataclass
class Page:
    """One page of a read. `next_checkpoint` resumes right after this page; None means the read is done.

    `errors` are records of this page that could not be read or validated; they count as processed."""

    items: list[Canonical]
    next_checkpoint: dict[str, Any] | None
    errors: list[RecordError] = field(default_factory=list)
    total: int | None = None


@dataclass
class WriteResult:
    """Outcome of writing one record. Exactly one of `target_id` and `error` is set.

    `children` maps ids of nested records written with it (product variants) source id -> target id.
    `warnings` say what of a written record did not arrive (a refused variation or translation); the
    engine stores them as record errors so the owner sees them."""

    source_id: str
    target_id: str | None = None
    error: str | None = None
    children: dict[str, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.error is None and self.target_id is not None


@dataclass
class BulkWrite:
    """Where a bulk create (`Connector.create_bulk`) stands. `state` is the connector's own JSON-safe note of
    its operation (its id, which item each line holds): the engine keeps it in the run's checkpoint and gives
    it back on the next call. `results` is None while the operation runs, else one per item in order; a None
    result means the platform gave no outcome for that item (an operation that stopped half-way): the engine
    looks for the record by natural key before writing it again."""

    state: dict[str, Any] | None
    results: list[WriteResult | None] | None = None

    @property
    def running(self) -> bool:
        return self.results is None


@dataclass(frozen=True)
class ScannedRecord:
    """One record of an entity on a store, as `Connector.scan` sees it: enough to count records per
    language, find duplicates by natural key and find translations left without their original.

    - `record_id`: the record's id on that store.
    - `natural_key`: what identifies it on any store (entities.Canonical.natural_key(); categories use their
      name path "Parent/Child", since platforms make slugs unique by suffixing a copy's slug).
    - `language`: the language of the record's own fields ("" where the platform has no languages for it).
    - `translation_of`: where translations are records of their own (a multilingual plugin's), a translation
      carries the id of its group's original; "" when the group has no original in the default language any
      more; None for an original (or a record that is not a translation).
    - `translations`: where translations live inside the record (most GraphQL platforms), the other languages it
      holds a translation for; None when they could not be asked (too costly, or not available).
    """

    record_id: str
    natural_key: str | None
    language: str = ""
    translation_of: str | None = None
    translations: tuple[str, ...] | None = ()

    @property
    def is_translation(self) -> bool:
        return self.translation_of is not None


def name_paths(nodes: dict[str, tuple[str, str | None]]) -> dict[str, str]:
    """{id: "Grandparent/Parent/Name"} from {id: (name, parent id)}; a parent not in `nodes` ends the path,
    and a cycle stops where it closes."""
    paths: dict[str, str] = {}
    for record_id in nodes:
        parts, seen, current = [], set(), record_id
        while current in nodes and current not in seen:
            seen.add(current)
            name, parent = nodes[current]
            parts.append(name)
            current = parent or ""
        paths[record_id] = "/".join(reversed(parts))
    return paths


class Connector(ABC):
    do_not_call_in_templates: ClassVar[bool] = True  # a template reads `cls.label`, never instantiates
    platform: ClassVar[str]
    label: ClassVar[str]
    credential_fields: ClassVar[tuple[CredentialField, ...]] = ()
    option_fields: ClassVar[tuple[OptionField, ...]] = (CLEAR_TARGET, CLEAR_SCOPE, MIGRATE_IMAGES)
    capabilities: ClassVar[Capabilities]
    # The platform's order statuses and what each means canonically (used for default status mapping).
    order_statuses: ClassVar[dict[str, OrderStatus]] = {}
    url_help: ClassVar[str] = "The address of the store's home page, e.g. https://shop.example.com"
    # The help center's page for this platform (where to find the keys, permissions); None: no page.
    guide: ClassVar[PlatformGuide | None] = None
    # The brand colour of the dot shown beside the platform's name.
    color: ClassVar[str] = "#7b8794"
    # How a record written here compares with its source (verification).
    comparison: ClassVar[ComparisonRules] = ComparisonRules()

    def __init__(self, *, base_url: str, credentials: dict[str, str], http: HttpClient | None = None,
                 options: dict[str, Any] | None = None):
        self.base_url = base_url.rstrip("/")
        self.credentials = credentials
        self.http = http or HttpClient()
        self.options = options or {}

    # --- reading ---------------------------------------------------------------------------------
    @abstractmethod
    def check_connection(self) -> StoreInfo:
        """Reach the store with the credentials; return what the wizard shows. Raises ConfigError."""

    @abstractmethod
    def read(self, entity: EntityType, *, checkpoint: dict[str, Any] | None = None,
             modified_since: datetime | None = None, page_size: int | None = None) -> Iterator[Page]:
        """Yield pages of `entity` in a stable order, starting right after `checkpoint`.

        With `modified_since`, only records modified at or after that moment (server-side filter when
        `capabilities.modified_filter` has the entity, client-side otherwise)."""

    @abstractmethod
    def count(self, entity: EntityType) -> int:
        """How many records of `entity` the store holds."""

    @abstractmethod
    def get(self, entity: EntityType, record_id: str) -> Canonical | None:
        """One record by its id on this store, or None if it does not exist."""

    # --- writing ---------------------------------------------------------------------------------
    @abstractmethod
    def create(self, entity: EntityType, items: list[Canonical]) -> list[WriteResult]:
        """Create records (references already rewritten to this store's ids). One result per item,
        in order. A refused item is a result with `error`, not an exception."""

    def create_bulk(self, entity: EntityType, items: list[Canonical | None], *, key: str,
                    state: dict[str, Any] | None, until: float) -> BulkWrite:
        """Create `items` with one asynchronous bulk operation of the platform, for entities in
        `capabilities.bulk_sizes`. Never blocks past `until` (a `time.monotonic()` deadline): it returns
        `BulkWrite(state, None)` while the operation runs, and the engine calls again with the same items in the
        same order, the same `key` and the `state` it was given, until the results come.

        Idempotent by `key` (stable for the page being written): with `state` None it first looks for an
        operation already started for `key` (a start whose answer was lost in a crash) and follows that one,
        so a page is never started twice. An item may be None on a later call (the engine could not read it
        again); its line is still mapped, with a None result. A platform that refuses the operation outright
        writes the items by ordinary requests instead; one that is busy with another bulk operation answers
        `BulkWrite(state, None)` and is asked again."""
        raise NotImplementedError(f"{self.label} cannot create {EntityType(entity).label.lower()} in bulk.")

    @abstractmethod
    def update(self, entity: EntityType, target_id: str, item: Canonical, fields: list[str] | None = None
               ) -> WriteResult:
        """Overwrite a record with `item`; with `fields`, patch only those canonical fields."""

    @abstractmethod
    def find_by_natural_key(self, entity: EntityType, key: str) -> str | None:
        """The id of the record whose natural key (sku, email, order number, slug, code) is `key`."""

    def find_by_natural_keys(self, entity: EntityType, keys: list[str]) -> dict[str, str]:
        """{key: id} for the keys that exist, many at once (reconciling a crashed run's page). Platforms
        whose lookups are expensive per key override this with one scan."""
        found: dict[str, str] = {}
        for key in keys:
            record_id = self.find_by_natural_key(entity, key)
            if record_id:
                found[key] = record_id
        return found

    @abstractmethod
    def delete(self, entity: EntityType, target_ids: list[str]) -> list[WriteResult]:
        """Delete records for good (no trash). Missing records count as deleted."""

    def list_ids(self, entity: EntityType) -> Iterator[str]:
        """Every id of `entity` on this store (for "clear all data of that type")."""
        for page in self.read(entity):
            for item in page.items:
                yield item.source_id

    def entity_url(self, entity: EntityType, record_id: str) -> str | None:
        """A link a person can open to see the record in the store's admin, if there is one."""
        return None

    def scan(self, entity: EntityType) -> Iterator[ScannedRecord]:
        """Every record of `entity` on this store, translations included, as `ScannedRecord`s, in any order.

        Used after a run to check the result (counts per language, duplicates by natural key, orphan
        translations), on the source and on the target. Cost: one paged pass over the entity with the
        fewest fields the platform allows; never a write. Raises NotImplementedError where the platform
        (or this connector) cannot answer it: the check then says "not available on this platform" for the
        figures that need it."""
        raise NotImplementedError(f"{self.label} cannot list {EntityType(entity).label.lower()} for a check.")

    # --- helpers ---------------------------------------------------------------------------------
    @classmethod
    def describe(cls) -> dict[str, Any]:
        return {
            "platform": cls.platform,
            "label": cls.label,
            "url_help": cls.url_help,
            "credential_fields": [
                {"key": f.key, "label": f.label, "help": f.help, "secret": f.secret, "required": f.required}
                for f in cls.credential_fields
            ],
            "options": [
                {"key": o.key, "label": o.label, "help": o.help, "type": o.type, "default": o.default,
                 "choices": [list(c) for c in o.choices]}
                for o in cls.option_fields
            ],
            "capabilities": cls.capabilities.as_dict(),
            "order_statuses": {k: str(v) for k, v in cls.order_statuses.items()},
        }

    @classmethod
    def default_status_for(cls, canonical: OrderStatus) -> str | None:
        """This platform's status for a canonical status (first declared match)."""
        for status, meaning in cls.order_statuses.items():
            if meaning == canonical:
                return status
        return None
