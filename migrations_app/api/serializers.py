"""Serializers adapt: they check the shape of input and render output. Rules live in the services.

Credentials are write-only everywhere: no output serializer has a field that could carry them."""
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from .. import selectors
from ..enums import EntityStatus, RunKind
from ..models import ChangeRecord, MigrationRun, RecordError, Store, StoreMigration
from ..services.runs import AVAILABLE_KINDS
from ..services.smart_update import catalog, smart_update_next_run


def inline_choice_field(choices: list[tuple[str, str]], **kwargs) -> serializers.ChoiceField:
    """A ChoiceField whose enum stays inline in the schema instead of becoming a named component: for a second
    choice set on a field name (`status`, `kind`) that already names the main one (RunStatus, RunKind), which
    drf-spectacular's enum naming would otherwise report as a collision. (The `allOf` wrapper is what keeps
    its enum post-processing from hoisting it.)"""
    schema = {"allOf": [{"type": "string", "enum": [value for value, _ in choices]}]}
    field_class = extend_schema_field(schema)(type("InlineChoiceField", (serializers.ChoiceField,), {}))
    return field_class(choices=choices, **kwargs)


# --- strict input -----------------------------------------------------------------------------------
class StrictSerializer(serializers.Serializer):
    """Input is refused, not ignored, when it names a field the endpoint does not take (a typo, a read-only
    field such as `paused`): 400 with a message on that field."""

    def to_internal_value(self, data):
        if isinstance(data, dict):
            writable = {name for name, f in self.fields.items() if not f.read_only}
            refused = {key: ["This field is read-only." if key in self.fields else "Unknown field."]
                       for key in data if key not in writable}
            if refused:
                raise serializers.ValidationError(refused)
        return super().to_internal_value(data)


class StrictCharField(serializers.CharField):
    """A JSON string: a number, boolean or object is refused instead of turned into text."""

    default_error_messages = {"invalid": "Expected a string."}

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictBooleanField(serializers.BooleanField):
    """A JSON true or false: "maybe", "yes", 1 are refused."""

    default_error_messages = {"invalid": "Expected true or false."}

    def to_internal_value(self, data):
        if not isinstance(data, bool):
            self.fail("invalid")
        return data


# --- errors (for the schema) ----------------------------------------------------------------------


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField(help_text="What went wrong, readable by a store owner.")
    field = serializers.CharField(required=False, help_text="The input the error is about, when there is one.")


class ValidationErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        help_text='Messages per field; nested fields are dotted, e.g. "credentials.consumer_key".',
    )


class RunConflictSerializer(serializers.Serializer):
    detail = serializers.CharField()
    field = serializers.CharField(required=False)
    run_id = serializers.UUIDField(allow_null=True, help_text="The run that is already queued or running.")


# --- connectors -----------------------------------------------------------------------------------


class ConnectorCredentialFieldSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    help = serializers.CharField()
    secret = serializers.BooleanField()
    required = serializers.BooleanField()


class ConnectorOptionSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    help = serializers.CharField()
    type = serializers.ChoiceField(choices=["bool", "choice"])
    default = serializers.JSONField()
    choices = serializers.ListField(child=serializers.ListField(child=serializers.CharField()))


class ConnectorSerializer(serializers.Serializer):
    """Renders `Connector.describe()`."""

    platform = serializers.CharField()
    label = serializers.CharField()
    url_help = serializers.CharField()
    credential_fields = ConnectorCredentialFieldSerializer(many=True)
    options = ConnectorOptionSerializer(many=True)
    capabilities = serializers.DictField(help_text="Entities read and written, updatable fields, batch sizes...")
    order_statuses = serializers.DictField(
        child=serializers.CharField(), help_text="Platform order status -> canonical status."
    )


# --- stores ---------------------------------------------------------------------------------------


class StoreCreateInputSerializer(StrictSerializer):
    platform = StrictCharField(max_length=50, help_text="A platform key from /api/v1/connectors/.")
    url = StrictCharField(max_length=500, help_text="The store's home page; https:// is assumed if omitted.")
    credentials = serializers.DictField(
        child=StrictCharField(allow_blank=True, trim_whitespace=True, max_length=2000),
        required=False,
        default=dict,
        write_only=True,
        help_text="The connector's credential fields by key. Write-only: never returned.",
    )


class StoreSerializer(serializers.ModelSerializer):
    credentials_hint = serializers.DictField(
        child=serializers.CharField(allow_blank=True), read_only=True,
        help_text="Credentials as entered, secrets masked (e.g. cs_…a1b2).",
    )
    last_check_info = serializers.DictField(
        read_only=True, help_text="After a good check: name, currency, languages, counts... After a failed one: "
        "url, status, message."
    )

    class Meta:
        model = Store
        fields = [
            "id", "platform", "url", "name", "credentials_hint", "last_check_at", "last_check_ok",
            "last_check_info", "last_check_error", "created_at",
        ]
        read_only_fields = fields


class StoreSummarySerializer(serializers.ModelSerializer):
    class Meta:
        model = Store
        fields = ["id", "platform", "url", "name", "last_check_ok"]
        read_only_fields = fields


class StoreCheckResultSerializer(serializers.Serializer):
    """The outcome of a connection check. Always HTTP 200: `ok` says whether the store answered properly."""

    ok = serializers.BooleanField()
    checked_at = serializers.DateTimeField()
    store = StoreSerializer(help_text="The store with its updated last_check_* fields.")
    # When ok is true: what the store said about itself.
    name = serializers.CharField(required=False)
    currency = serializers.CharField(required=False)
    languages = serializers.ListField(child=serializers.CharField(), required=False)
    default_language = serializers.CharField(required=False)
    counts = serializers.DictField(child=serializers.IntegerField(), required=False, help_text="Records per entity.")
    order_statuses = serializers.ListField(child=serializers.CharField(), required=False)
    customer_groups = serializers.ListField(child=serializers.CharField(), required=False)
    platform_version = serializers.CharField(required=False)
    # When ok is false: which URL failed and why (url is also set when ok is true: the store's own address).
    url = serializers.CharField(required=False, help_text="The store's address, or the URL that failed.")
    status = serializers.IntegerField(required=False, allow_null=True, help_text="HTTP status of the failure.")
    message = serializers.CharField(required=False, help_text="Why the check failed, and what to fix.")

    def to_representation(self, store: Store) -> dict:
        body = {
            "ok": bool(store.last_check_ok),
            "checked_at": serializers.DateTimeField().to_representation(store.last_check_at),
            **(store.last_check_info or {}),
        }
        if not store.last_check_ok:
            body.setdefault("message", store.last_check_error)
            body.setdefault("url", store.url)
            body.setdefault("status", None)
        body["store"] = StoreSerializer(store, context=self.context).data
        return body


# --- migrations -----------------------------------------------------------------------------------


class OrganizationStoreField(serializers.PrimaryKeyRelatedField):
    """A store id among the requesting organization's stores: any other id, including another
    organization's store, is the same "not found" field error."""

    default_error_messages = {
        "does_not_exist": "Choose one of your stores (no store {pk_value} in your organization).",
        "incorrect_type": "Expected a store id, got {data_type}.",
    }

    def __init__(self, **kwargs):
        kwargs.setdefault("pk_field", serializers.UUIDField(format="hex_verbose"))
        super().__init__(**kwargs)

    def get_queryset(self):
        return selectors.store_list(organization=self.context["organization"])


class MigrationCreateInputSerializer(StrictSerializer):
    source_store = OrganizationStoreField(help_text="Id of one of your stores.")
    target_store = OrganizationStoreField(help_text="Id of another of your stores.")
    entities = serializers.ListField(
        child=StrictCharField(max_length=50), allow_empty=True, max_length=50,
        help_text='Entity types, e.g. ["products", "customers"].'
    )
    options = serializers.DictField(required=False, default=dict, help_text="Target connector options by key.")
    language_mapping = serializers.DictField(
        child=StrictCharField(allow_blank=True, max_length=50), required=False, default=dict,
        help_text="Source language -> target language (blank: skip).",
    )
    status_mapping = serializers.DictField(
        child=StrictCharField(max_length=100), required=False, default=dict,
        help_text="Source order status -> target order status.",
    )
    group_mapping = serializers.DictField(
        child=StrictCharField(max_length=100), required=False, default=dict,
        help_text="Source customer group -> target customer group.",
    )


class RunSummarySerializer(serializers.ModelSerializer):
    class Meta:
        model = MigrationRun
        fields = ["id", "kind", "status", "created_at", "started_at", "finished_at"]
        read_only_fields = fields


class MigrationSerializer(serializers.ModelSerializer):
    """A migration. `migrated` and `headline` come from selectors.migration_numbers; a list view passes
    them for its page in `context["numbers"]` (migration id -> MigrationNumbers)."""

    source_store = StoreSummarySerializer(read_only=True)
    target_store = StoreSummarySerializer(read_only=True)
    quote = serializers.DictField(read_only=True, help_text="Price of a full run: entity counts, amount in cents.")
    last_run = serializers.SerializerMethodField()
    migrated = serializers.SerializerMethodField(
        help_text="Records of the migration's entities on the target through its id map (variations are part "
        "of their products).")
    headline = serializers.SerializerMethodField(
        help_text='The migration\'s state in words, agreeing with its runs, e.g. "Full migration completed with '
        'errors".')

    class Meta:
        model = StoreMigration
        fields = [
            "id", "source_store", "target_store", "entities", "options", "language_mapping", "status_mapping",
            "group_mapping", "state", "headline", "migrated", "quote", "full_completed_at",
            "remigration_window_until", "created_at", "updated_at", "last_run",
        ]
        read_only_fields = fields

    def _numbers(self, migration: StoreMigration) -> selectors.MigrationNumbers:
        numbers = self.context.get("numbers") or {}
        if migration.pk not in numbers:
            return selectors.migration_numbers(migration=migration)
        return numbers[migration.pk]

    @extend_schema_field(OpenApiTypes.INT)
    def get_migrated(self, migration: StoreMigration) -> int:
        return self._numbers(migration).migrated

    @extend_schema_field(OpenApiTypes.STR)
    def get_headline(self, migration: StoreMigration) -> str:
        return self._numbers(migration).headline

    @extend_schema_field(RunSummarySerializer(allow_null=True))
    def get_last_run(self, migration: StoreMigration) -> dict | None:
        # Newest first (model ordering); served from the prefetch cache when the view prefetched runs.
        run = next(iter(migration.runs.all()[:1]), None)
        return RunSummarySerializer(run).data if run is not None else None


# --- runs -----------------------------------------------------------------------------------------


class RunParamsSerializer(StrictSerializer):
    """What a run may change from the migration's settings; each kind takes some (services/plans.py)."""

    entities = serializers.ListField(child=StrictCharField(max_length=50), required=False, max_length=50,
                                     help_text="remigration, recent: entity types (default: the migration's).")
    options = serializers.DictField(required=False, help_text="remigration: target options, e.g. clear_target.")
    language_mapping = serializers.DictField(child=StrictCharField(allow_blank=True, max_length=50), required=False,
                                             help_text="remigration: source language -> target language.")
    fields = serializers.DictField(child=serializers.ListField(child=StrictCharField(max_length=100), max_length=100),
                                   required=False, help_text="smart_update: entity -> fields.")
    conflict_policy = inline_choice_field([("source", "Source wins"), ("target", "Keep the target's edit")],
                                          required=False)
    deletions = inline_choice_field([("ignore", "Leave them"), ("archive", "Archive them")], required=False)
    preview = StrictBooleanField(required=False, help_text="smart_update: compute the changes, write nothing.")


class RunConfirmSerializer(StrictSerializer):
    """The client's "yes" to a run that costs money or clears the target (services/confirm.py)."""

    amount_cents = serializers.IntegerField(
        min_value=0, max_value=10**12, required=False,
        help_text="The quoted price in cents (`quote.amount_cents` of POST .../runs/quote/), 0 when free. "
        "Required when the run costs money or clears the target; a run whose price differs is refused (400).")
    target_host = StrictCharField(
        max_length=300, required=False, allow_blank=True,
        help_text="The target store's host (`target_host` of the quote), required when the run deletes every "
        "record of the selected types on the target (clear_scope `all`).")


class RunStartInputSerializer(StrictSerializer):
    kind = inline_choice_field(
        [(k.value, k.label) for k in RunKind if k in AVAILABLE_KINDS],
        help_text="demo: a free sample of each entity; full: everything, charged per the quote. After the full "
        "migration: remigration, recent (records new on the source), smart_update (changes only).",
    )
    params = RunParamsSerializer(
        required=False,
        help_text="remigration: {entities, options, language_mapping}; recent: {entities}; smart_update: "
        "{fields, conflict_policy, deletions, preview} (defaults: the migration's smart-update settings).",
    )
    confirm = RunConfirmSerializer(
        required=False,
        help_text="Needed for a run that costs money or clears the target: echo the quoted price (and, to "
        "clear every record of a type, the target's host). Get both from POST .../runs/quote/.")


class RunQuoteInputSerializer(RunStartInputSerializer):
    confirm = None  # a quote needs no confirmation


class RunRecapSerializer(serializers.Serializer):
    """What a run would do and cost before it starts (services/confirm.run_recap): the same plan and quote
    the run is charged with."""

    kind = inline_choice_field(RunKind.choices, read_only=True)
    quote = serializers.DictField(help_text="amount_cents, currency, billable_entities, entity_counts and "
                                            "the rule (what is free and why).")
    source_url = serializers.CharField()
    target_url = serializers.CharField()
    entities = serializers.ListField(child=serializers.DictField(), help_text="entity, label, count.")
    clear_scope = serializers.CharField(allow_null=True, help_text="null, `created` (what this migration "
                                        "created) or `all` (every record of the selected types).")
    confirmation_required = serializers.BooleanField(help_text="Send `confirm.amount_cents` to start it.")
    target_host_required = serializers.BooleanField(help_text="Send `confirm.target_host` too.")
    target_host = serializers.CharField()


class RunWarningSerializer(serializers.Serializer):
    entity = serializers.CharField(allow_blank=True, required=False)
    count = serializers.IntegerField(required=False)
    message = serializers.CharField()


class RunSerializer(serializers.ModelSerializer):
    migration = serializers.UUIDField(source="migration_id", read_only=True)
    charge_cents = serializers.SerializerMethodField(
        help_text="What the run costs, in cents of the quote's currency; always 0 for a failed or cancelled run.")
    charged = serializers.SerializerMethodField(help_text="False for a failed or cancelled run: never charged.")
    warnings = RunWarningSerializer(
        many=True, read_only=True,
        help_text="What the owner must know besides record errors, e.g. target records a clear could not delete.")
    percent = serializers.SerializerMethodField(
        help_text="Records processed of the records to read, in whole percent (the progress counters).")
    records_per_minute = serializers.SerializerMethodField(
        help_text="Records processed per minute since the run started; null before the first is processed.")
    eta_seconds = serializers.SerializerMethodField(
        help_text="Seconds left at the measured rate while the run works; null before a rate is measured "
        "and once it has ended.")
    phase_label = serializers.SerializerMethodField(
        help_text="What the run is doing, in words: waiting for a worker, clearing the target store, "
        "migrating, checking the result, finished.")

    class Meta:
        model = MigrationRun
        fields = [
            "id", "migration", "kind", "status", "phase", "phase_label", "percent", "records_per_minute",
            "eta_seconds", "cancel_requested", "error_message", "charge_cents", "charged", "warnings",
            "created_at", "started_at", "finished_at",
        ]
        read_only_fields = fields

    def _numbers(self, run: MigrationRun) -> selectors.RunNumbers:
        """The run's numbers, computed once per run (and for a whole page at once when the view put them in
        `context["run_numbers"]`)."""
        cache = self.context.setdefault("_run_numbers", {})
        if run.pk not in cache:
            page = self.context.get("run_numbers") or {}
            cache[run.pk] = page[run.pk] if run.pk in page else selectors.run_numbers(run=run)
        return cache[run.pk]

    @extend_schema_field(OpenApiTypes.INT)
    def get_percent(self, run: MigrationRun) -> int:
        return self._numbers(run).percent

    @extend_schema_field(serializers.FloatField(allow_null=True))
    def get_records_per_minute(self, run: MigrationRun) -> float | None:
        rate = self._numbers(run).per_minute
        return None if rate is None else round(rate, 1)

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_eta_seconds(self, run: MigrationRun) -> int | None:
        return self._numbers(run).eta_seconds

    @extend_schema_field(OpenApiTypes.STR)
    def get_phase_label(self, run: MigrationRun) -> str:
        return self._numbers(run).phase_label

    @extend_schema_field(OpenApiTypes.INT)
    def get_charge_cents(self, run: MigrationRun) -> int:
        return selectors.run_charge_cents(run=run)

    @extend_schema_field(OpenApiTypes.BOOL)
    def get_charged(self, run: MigrationRun) -> bool:
        return selectors.run_is_charged(run=run)


class EntityNumbersSerializer(serializers.Serializer):
    """One entity of a run (selectors.EntityNumbers); docs/runs.md "Numbers" defines each count."""

    entity = serializers.CharField()
    status = inline_choice_field(EntityStatus.choices, read_only=True)
    total = serializers.IntegerField(allow_null=True, help_text="Records to read; null until counted.")
    read = serializers.IntegerField(help_text="created + updated + unchanged + skipped + failed.")
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    unchanged = serializers.IntegerField(help_text="Read, and needed no write.")
    skipped = serializers.IntegerField(help_text="Read, and not part of this run.")
    failed = serializers.IntegerField(help_text="Not written; each has a record error.")
    errors = serializers.IntegerField(help_text="Records with a record error (failed, or partly migrated).")
    done = serializers.IntegerField(help_text="created + updated + unchanged.")
    processed = serializers.IntegerField(help_text="done + skipped + failed.")
    written = serializers.IntegerField(help_text="created + updated: the records migrated.")
    percent = serializers.IntegerField()


class RecordErrorSerializer(serializers.ModelSerializer):
    class Meta:
        model = RecordError
        fields = ["id", "entity", "source_id", "message", "created_at"]
        read_only_fields = fields


class RecordErrorFullSerializer(RecordErrorSerializer):
    """A record error with the short excerpt of the source record it is about."""

    class Meta(RecordErrorSerializer.Meta):
        fields = [*RecordErrorSerializer.Meta.fields, "excerpt"]
        read_only_fields = fields


class RunTotalsSerializer(serializers.Serializer):
    """A run's numbers summed over its entities (selectors.run_numbers), as every page shows them."""

    total = serializers.IntegerField(allow_null=True, help_text="Null while any entity's total is not known.")
    read = serializers.IntegerField()
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    unchanged = serializers.IntegerField()
    skipped = serializers.IntegerField()
    failed = serializers.IntegerField()
    errors = serializers.IntegerField()
    done = serializers.IntegerField()
    processed = serializers.IntegerField()
    written = serializers.IntegerField()
    percent = serializers.IntegerField()
    summary = serializers.CharField()
    per_minute = serializers.FloatField(allow_null=True, help_text="Records processed per minute so far.")
    eta_seconds = serializers.IntegerField(allow_null=True, help_text="Seconds left at the measured rate.")
    phase = serializers.CharField(help_text="queued, clear, migrate, verify or finished.")
    phase_label = serializers.CharField()


class RunDetailSerializer(RunSerializer):
    """A run with its totals, per-entity progress and first record errors, each read through selectors."""

    ERRORS_SHOWN = 100

    quote = serializers.DictField(read_only=True)
    verification = serializers.DictField(read_only=True, help_text="Counts on both sides and a sampled comparison.")
    totals = serializers.SerializerMethodField()
    progress = serializers.SerializerMethodField()
    errors = serializers.SerializerMethodField()
    errors_count = serializers.SerializerMethodField()

    class Meta(RunSerializer.Meta):
        fields = [*RunSerializer.Meta.fields, "quote", "verification", "totals", "progress", "errors",
                  "errors_count"]
        read_only_fields = fields

    @extend_schema_field(RunTotalsSerializer)
    def get_totals(self, run: MigrationRun) -> dict:
        return self._numbers(run).as_dict()

    @extend_schema_field(EntityNumbersSerializer(many=True))
    def get_progress(self, run: MigrationRun) -> list:
        return [e.as_dict() for e in self._numbers(run).entities]

    @extend_schema_field(RecordErrorSerializer(many=True))
    def get_errors(self, run: MigrationRun) -> list:
        """The first 100 record errors; all of them at /runs/{id}/errors/."""
        return RecordErrorSerializer(selectors.run_errors(run=run)[: self.ERRORS_SHOWN], many=True).data

    @extend_schema_field(OpenApiTypes.INT)
    def get_errors_count(self, run: MigrationRun) -> int:
        """Records with a record error (totals.errors); a record with several messages counts once."""
        return self._numbers(run).errors


# --- smart update ----------------------------------------------------------------------------------
class SmartUpdateSerializer(StrictSerializer):
    """A migration's smart-update settings (GET answers the defaults until they are saved)."""

    fields = serializers.DictField(
        child=serializers.ListField(child=StrictCharField(max_length=100), max_length=100),
        help_text="entity -> canonical fields kept in sync; see `catalog` for what can be chosen.",
    )
    conflict_policy = inline_choice_field(
        [("source", "Source wins"), ("target", "Keep the target's edit")], default="source",
        help_text="When a selected field was also edited on the target since the last sync.",
    )
    deletions = inline_choice_field(
        [("ignore", "Leave them"), ("archive", "Archive them")], default="ignore",
        help_text="What happens on the target to products deleted on the source.",
    )
    schedule = inline_choice_field(
        [("once", "Only when started"), ("hourly", "Hourly"), ("daily", "Daily"), ("weekly", "Weekly"),
         ("interval", "Every interval_seconds")], default="once",
    )
    interval_seconds = serializers.IntegerField(default=3600, min_value=1, max_value=366 * 24 * 3600)
    paused = serializers.BooleanField(read_only=True)
    catalog = serializers.SerializerMethodField(help_text="entity -> fields that can be kept in sync.")
    next_run_at = serializers.SerializerMethodField()

    @extend_schema_field(serializers.DictField(child=serializers.ListField(child=serializers.CharField())))
    def get_catalog(self, config) -> dict:
        return catalog(migration=config.migration)

    @extend_schema_field(serializers.DateTimeField(allow_null=True))
    def get_next_run_at(self, config):
        return smart_update_next_run(config=config) if config.pk else None


class ChangeSerializer(serializers.ModelSerializer):
    kind = serializers.CharField(read_only=True, help_text="update, conflict (also edited on the target), create "
                                 "(new on the source) or archive (deleted on the source).")
    old = serializers.JSONField(read_only=True, help_text="The target's value before.")
    new = serializers.JSONField(read_only=True, help_text="The source's value.")
    target_value = serializers.JSONField(read_only=True, help_text="Of a conflict: the target's own edit.")

    class Meta:
        model = ChangeRecord
        fields = ["entity", "source_id", "target_id", "kind", "field", "old", "new", "target_value", "will_apply",
                  "applied"]
        read_only_fields = fields
