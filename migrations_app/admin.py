"""Django admin for support staff.

Credentials are never shown nor editable: `credentials_encrypted` is in no form and no display; only the
masked `credentials_hint` is shown, read-only. Creation goes through the services (wizard, API), so the admin
adds nothing; its actions (check a store, start, cancel, resume or retry runs, extend the re-migration
window) call the same services as the API."""
import json
import re
import uuid

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.views.main import ChangeList
from django.db import transaction
from django.db.models import CharField, OuterRef, Q, Subquery, Value
from django.db.models.functions import Cast, Coalesce, NullIf
from django.forms.models import BaseInlineFormSet
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from accounts.models import Membership

from . import selectors
from .errors import ApplicationError
from .labels import entity_label
from .models import EntityProgress, IdMap, MigrationRun, RecordError, Store, StoreMigration
from .services.remigration import (
    migration_extend_remigration_window,
    remigration_window_default,
)
from .services.rules import remigration_window_end
from .services.runs import run_cancel, run_resume, run_retry_failed, run_start
from .services.stores import store_check


def _pretty_json(value) -> str:
    if not value:
        return "—"
    return format_html("<pre>{}</pre>", json.dumps(value, indent=2, ensure_ascii=False))


SHORT_ID = re.compile(r"[0-9a-f]{8}(-[0-9a-f]{0,4})?", re.IGNORECASE)


class UUIDSearchMixin:
    """Also find rows whose `uuid_search_fields` equal a pasted UUID (exact, indexed, any case or hyphenation),
    or start with a short id as the owner's pages show it (its first 8 hex digits), on top of the usual
    `search_fields`."""

    uuid_search_fields: tuple[str, ...] = ("id",)

    def get_search_results(self, request, queryset, search_term):
        results, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        term = search_term.strip()
        by_uuid = Q()
        try:
            value = uuid.UUID(term)
        except ValueError:
            if not SHORT_ID.fullmatch(term):
                return results, may_have_duplicates
            prefix, texts = term.lower(), {}
            for field in self.uuid_search_fields:
                # A PostgreSQL uuid read as text is hyphenated lower case.
                texts[f"_text_{field.replace('__', '_')}"] = Cast(field, CharField())
                by_uuid |= Q(**{f"_text_{field.replace('__', '_')}__startswith": prefix})
            return results | queryset.filter(pk__in=queryset.annotate(**texts).filter(by_uuid).values("pk")), \
                may_have_duplicates
        for field in self.uuid_search_fields:
            by_uuid |= Q(**{field: value})
        return results | queryset.filter(by_uuid), may_have_duplicates


def owner_email_expression(*user_paths: str) -> Coalesce:
    """The email of the first of `user_paths` set (who started it, who created the migration), else of the
    organization's first owner: what support searches and reads as "the customer"."""
    first_owner = (Membership.objects.filter(organization=OuterRef("organization"), role=Membership.Role.OWNER)
                   .order_by("created_at").values("user__email")[:1])
    return Coalesce(*(NullIf(f"{path}__email", Value("")) for path in user_paths), Subquery(first_owner),
                    Value(""), output_field=CharField())


class NoWritesMixin:
    """Rows written by the engine: support looks, never edits."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class ReadOnlyAdmin(NoWritesMixin, admin.ModelAdmin):
    pass


class NumbersChangeList(ChangeList):
    """Attaches `numbers` (selectors.runs_numbers / migrations_numbers, computed for the whole page at once)
    to each row shown, so the list shows exactly what the owner's pages show."""

    numbers_of = None  # a function: rows -> {pk: numbers}

    def get_results(self, request):
        super().get_results(request)
        numbers = type(self).numbers_of(self.result_list) if self.result_list else {}
        for obj in self.result_list:
            obj.numbers = numbers.get(obj.pk)


def _numbers_changelist(numbers_of) -> type[ChangeList]:
    return type("NumbersChangeList", (NumbersChangeList,), {"numbers_of": staticmethod(numbers_of)})


class ReadOnlyInline(NoWritesMixin, admin.TabularInline):
    extra = 0
    can_delete = False


def _titled_filter(title: str) -> type[admin.AllValuesFieldListFilter]:
    class TitledFilter(admin.AllValuesFieldListFilter):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.title = title

    return TitledFilter


# --- stores ---------------------------------------------------------------------------------------


@admin.register(Store)
class StoreAdmin(admin.ModelAdmin):
    list_display = ["platform", "url", "name", "organization", "last_check_ok"]
    list_filter = ["platform", "last_check_ok"]
    search_fields = ["url", "name", "organization__name", "organization__memberships__user__email"]
    list_select_related = ["organization"]
    exclude = ["credentials_encrypted"]
    fields = [
        "id", "organization", "platform", "url", "name", "credentials", "last_check_at", "last_check_ok",
        "check_info", "last_check_error", "created_at",
    ]
    readonly_fields = [f for f in fields if f != "name"]
    actions = ["check_connection"]

    def has_add_permission(self, request) -> bool:
        return False  # credentials are entered by the owner (wizard or API), never by support

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # services.stores.store_delete (owner) is the only way a store goes

    @admin.display(description="Credentials (masked)")
    def credentials(self, store: Store) -> str:
        if not store.credentials_hint:
            return "—"
        return format_html_join(
            "", "<div><code>{}</code>: <code>{}</code></div>", sorted(store.credentials_hint.items())
        )

    @admin.display(description="Last check info")
    def check_info(self, store: Store) -> str:
        return _pretty_json(store.last_check_info)

    @admin.action(description="Check connection of selected stores")
    def check_connection(self, request, queryset):
        for store in queryset:
            store = store_check(store=store)
            if store.last_check_ok:
                self.message_user(request, f"{store.url}: connected ({store.name}).", messages.SUCCESS)
            else:
                self.message_user(request, f"{store.url}: {store.last_check_error}", messages.ERROR)


# --- migrations -----------------------------------------------------------------------------------


class RemigrationWindowForm(forms.Form):
    until = forms.DateField(
        label="Free re-migration window ends on",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text="The last day the owner can re-run the migration at no charge. Must be in the future.",
    )


@admin.register(StoreMigration)
class StoreMigrationAdmin(UUIDSearchMixin, admin.ModelAdmin):
    list_display = ["id", "route", "state", "headline", "migrated", "created_at", "organization", "owner_email"]
    list_filter = [
        "state",
        ("source_store__platform", _titled_filter("source platform")),
        ("target_store__platform", _titled_filter("target platform")),
    ]
    search_fields = [
        "source_store__url", "target_store__url", "created_by__email", "organization__memberships__user__email",
    ]
    uuid_search_fields = ("id",)
    list_select_related = ["source_store", "target_store", "organization"]
    search_help_text = "Email of the customer, migration id (or its first 8 characters), store URL."
    fields = [
        "id", "organization", "source_store", "target_store", "entities", "options_display", "language_mapping",
        "status_mapping", "group_mapping", "state", "headline", "migrated", "quote_display", "full_completed_at",
        "remigration_window", "created_by", "created_at", "updated_at", "runs_link",
    ]
    readonly_fields = fields  # the window changes through the "extend" action (a service), like everything else
    actions = ["start_demo", "start_full", "extend_remigration_window"]

    def get_changelist(self, request, **kwargs):
        return _numbers_changelist(lambda rows: selectors.migrations_numbers(migrations=rows))

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(owner_email=owner_email_expression("created_by"))

    @admin.display(description="Owner email", ordering="owner_email")
    def owner_email(self, migration: StoreMigration) -> str:
        return migration.owner_email or "—"

    @staticmethod
    def _migration_numbers(migration: StoreMigration) -> selectors.MigrationNumbers:
        numbers = getattr(migration, "numbers", None)
        if numbers is None:
            numbers = migration.numbers = selectors.migration_numbers(migration=migration)
        return numbers

    @admin.display(description="Headline")
    def headline(self, migration: StoreMigration) -> str:
        return self._migration_numbers(migration).headline

    @admin.display(description="Migrated")
    def migrated(self, migration: StoreMigration) -> int:
        """Records of the migration's entities on the target through its id map (docs/runs.md)."""
        return self._migration_numbers(migration).migrated

    def has_add_permission(self, request) -> bool:
        return False  # services.wizard.migration_create validates a configuration against both connectors

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # deleting would drop the id map that keeps re-runs from duplicating records

    @admin.display(description="Source → target")
    def route(self, migration: StoreMigration) -> str:
        def side(store: Store | None) -> str:
            return f"{store.platform} {store.url}" if store is not None else "(not chosen yet)"

        return f"{side(migration.source_store)} → {side(migration.target_store)}"

    @admin.display(description="Free re-migration window")
    def remigration_window(self, migration: StoreMigration) -> str:
        end = remigration_window_end(full_completed_at=migration.full_completed_at,
                                     extended_until=migration.remigration_window_until)
        if end is None:
            return f"Opens when the full migration completes ({settings.MIGRATOR_REMIGRATION_FREE_DAYS} days)"
        if migration.remigration_window_until == end:
            text = f"Extended until {end:%Y-%m-%d}"
        else:
            text = f"Until {end:%Y-%m-%d} ({settings.MIGRATOR_REMIGRATION_FREE_DAYS} days after the full migration)"
        return text + (" (ended)" if end < timezone.localdate() else "")

    @admin.display(description="Options")
    def options_display(self, migration: StoreMigration) -> str:
        return _pretty_json(migration.options)

    @admin.display(description="Quote")
    def quote_display(self, migration: StoreMigration) -> str:
        return _pretty_json(migration.quote)

    def _start(self, request, queryset, kind: str) -> None:
        for migration in queryset.select_related("source_store", "target_store"):
            try:
                run = run_start(migration=migration, kind=kind, user=request.user)
            except ApplicationError as exc:
                self.message_user(request, f"Migration {migration.pk}: {exc.message}", messages.ERROR)
            else:
                url = reverse("admin:migrations_app_migrationrun_change", args=[run.pk])
                self.message_user(request, format_html('Migration {}: <a href="{}">{} queued</a>.', migration.pk,
                                                       url, run.get_kind_display()), messages.SUCCESS)

    @admin.action(description="Start a free demo run (on the owner's behalf)", permissions=["change"])
    def start_demo(self, request, queryset):
        self._start(request, queryset, "demo")

    @admin.action(description="Start a full migration run (on the owner's behalf)", permissions=["change"])
    def start_full(self, request, queryset):
        self._start(request, queryset, "full")

    @admin.action(description="Extend the free re-migration window", permissions=["change"])
    def extend_remigration_window(self, request, queryset):
        """First POST (from the changelist): show a date form. Second POST ("apply"): set the date on every
        selected migration, all or none."""
        selected = list(queryset.select_related("source_store", "target_store"))
        initial = {"until": max(remigration_window_default(migration=m) for m in selected)}
        form = RemigrationWindowForm(request.POST if "apply" in request.POST else None, initial=initial)
        if form.is_valid():
            until = form.cleaned_data["until"]
            try:
                with transaction.atomic():
                    for migration in selected:
                        migration_extend_remigration_window(migration=migration, until=until)
            except ApplicationError as exc:
                form.add_error("until" if exc.field == "until" else None, exc.message)
            else:
                self.message_user(request, f"Free re-migration window extended until {until:%Y-%m-%d} for "
                                           f"{len(selected)} migration(s).", messages.SUCCESS)
                return None  # back to the changelist
        context = {
            **self.admin_site.each_context(request),
            "title": "Extend the free re-migration window",
            "opts": self.model._meta,
            "form": form,
            "migrations": selected,
            "action_name": "extend_remigration_window",
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/migrations_app/storemigration/extend_remigration_window.html",
                                context)

    @admin.display(description="Runs")
    def runs_link(self, migration: StoreMigration) -> str:
        url = reverse("admin:migrations_app_migrationrun_changelist") + f"?migration__id__exact={migration.pk}"
        return format_html('<a href="{}">{} run(s)</a>', url, migration.runs.count())


# --- runs -----------------------------------------------------------------------------------------


class EntityProgressInline(ReadOnlyInline):
    model = EntityProgress
    fields = [
        "entity", "status", "total", "done", "created", "updated", "unchanged", "skipped", "failed", "attempts",
        "lease_owner",
        "lease_until", "started_at", "finished_at",
    ]
    readonly_fields = fields


class FirstRowsFormSet(BaseInlineFormSet):
    """Only the first `limit` rows: a run can have many thousands of record errors."""

    limit = 50

    def get_queryset(self):
        if not hasattr(self, "_first_rows"):
            self._first_rows = list(super().get_queryset()[: self.limit])
        return self._first_rows


class RecordErrorInline(ReadOnlyInline):
    model = RecordError
    formset = FirstRowsFormSet
    fields = ["entity", "source_id", "message", "created_at"]
    readonly_fields = fields
    verbose_name_plural = f"Record errors (first {FirstRowsFormSet.limit}; all of them under Record errors)"


@admin.register(MigrationRun)
class MigrationRunAdmin(UUIDSearchMixin, ReadOnlyAdmin):
    list_display = ["id", "migration", "kind", "status", "progress_summary", "written", "errors_count", "price",
                    "organization", "owner_email", "created_at", "finished_at"]
    list_filter = ["status", "kind"]
    search_fields = ["migration__source_store__url", "migration__target_store__url", "requested_by__email",
                     "migration__created_by__email", "organization__memberships__user__email"]
    search_help_text = "Email of the customer, run or migration id (or its first 8 characters), store URL."
    uuid_search_fields = ("id", "migration__id")
    list_select_related = ["migration", "organization"]
    fields = [
        "id", "organization", "migration", "kind", "status", "phase", "cancel_requested", "error_message",
        "numbers_summary", "progress_summary", "warnings_display", "quote_display", "price", "api_calls",
        "verification_display", "params", "requested_by", "created_at", "started_at", "finished_at", "heartbeat_at",
        "email_sent_at", "record_errors_link",
    ]
    readonly_fields = fields
    inlines = [EntityProgressInline, RecordErrorInline]
    actions = ["cancel_runs", "resume_runs", "retry_failed_records"]

    def get_changelist(self, request, **kwargs):
        return _numbers_changelist(lambda rows: selectors.runs_numbers(runs=rows))

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(
            owner_email=owner_email_expression("requested_by", "migration__created_by"))

    @admin.display(description="Owner email", ordering="owner_email")
    def owner_email(self, run: MigrationRun) -> str:
        return run.owner_email or "—"

    def has_run_control_permission(self, request) -> bool:
        return request.user.has_perm("migrations_app.change_migrationrun")

    @staticmethod
    def _run_numbers(run: MigrationRun) -> selectors.RunNumbers:
        numbers = getattr(run, "numbers", None)
        if numbers is None:
            numbers = run.numbers = selectors.run_numbers(run=run)
        return numbers

    @admin.display(description="Progress")
    def progress_summary(self, run: MigrationRun) -> str:
        return self._run_numbers(run).progress_text

    @admin.display(description="Numbers")
    def numbers_summary(self, run: MigrationRun) -> str:
        return self._run_numbers(run).summary

    @admin.display(description="Migrated")
    def written(self, run: MigrationRun) -> int:
        """Records written: created + updated."""
        return self._run_numbers(run).written

    @admin.display(description="Errors")
    def errors_count(self, run: MigrationRun) -> int:
        """Records with a record error."""
        return self._run_numbers(run).errors

    @admin.display(description="Price")
    def price(self, run: MigrationRun) -> str:
        return self._run_numbers(run).price_label

    @admin.display(description="Warnings")
    def warnings_display(self, run: MigrationRun) -> str:
        warnings = self._run_numbers(run).warnings
        if not warnings:
            return "—"
        return format_html_join("", "<div>{}{} — {}</div>", (
            (f"{entity_label(w['entity'])}: " if w.get("entity") else "", w.get("count", ""), w.get("message", ""))
            for w in warnings))

    @admin.display(description="Quote")
    def quote_display(self, run: MigrationRun) -> str:
        return _pretty_json(run.quote)

    @admin.display(description="Verification")
    def verification_display(self, run: MigrationRun) -> str:
        return _pretty_json(run.verification)

    @admin.display(description="All record errors")
    def record_errors_link(self, run: MigrationRun) -> str:
        url = reverse("admin:migrations_app_recorderror_changelist") + f"?run__id__exact={run.pk}"
        return format_html('<a href="{}">{} record error(s)</a>', url, run.record_errors.count())

    def _each_run(self, request, queryset, service, done: str) -> None:
        for run in queryset:
            try:
                run = service(run=run)
            except ApplicationError as exc:
                self.message_user(request, f"Run {run.pk}: {exc.message}", messages.ERROR)
            else:
                self.message_user(request, f"Run {run.pk}: {done} (now {run.get_status_display().lower()}).",
                                  messages.SUCCESS)

    @admin.action(description="Cancel selected runs", permissions=["run_control"])
    def cancel_runs(self, request, queryset):
        self._each_run(request, queryset, run_cancel, "cancelled")

    @admin.action(description="Resume selected runs", permissions=["run_control"])
    def resume_runs(self, request, queryset):
        self._each_run(request, queryset, run_resume, "resumed")

    @admin.action(description="Retry failed records", permissions=["run_control"])
    def retry_failed_records(self, request, queryset):
        for run in queryset.select_related("migration__source_store", "migration__target_store"):
            try:
                retry = run_retry_failed(run=run, user=request.user)
            except ApplicationError as exc:
                self.message_user(request, f"Run {run.pk}: {exc.message}", messages.WARNING)
            else:
                url = reverse("admin:migrations_app_migrationrun_change", args=[retry.pk])
                self.message_user(request, format_html(
                    'Run {}: its failed records are being retried in <a href="{}">run {}</a>.', run.pk, url,
                    retry.pk), messages.SUCCESS)


@admin.register(RecordError)
class RecordErrorAdmin(ReadOnlyAdmin):
    list_display = ["id", "run", "entity", "source_id", "short_message", "created_at"]
    list_filter = ["entity"]
    search_fields = ["source_id", "message"]
    list_select_related = ["run"]
    show_full_result_count = False
    fields = ["id", "organization", "run", "entity", "source_id", "message", "excerpt", "created_at"]
    readonly_fields = fields

    @admin.display(description="Message")
    def short_message(self, error: RecordError) -> str:
        return error.message if len(error.message) <= 120 else error.message[:119] + "…"


@admin.register(IdMap)
class IdMapAdmin(ReadOnlyAdmin):
    list_display = ["migration", "entity", "source_id", "target_id", "natural_key", "state", "updated_at"]
    list_filter = ["entity", "state"]
    search_fields = ["source_id", "target_id"]
    list_select_related = ["migration"]
    show_full_result_count = False
    fields = [
        "organization", "migration", "entity", "source_id", "target_id", "natural_key", "state", "fields_hash",
        "source_updated_at", "run", "updated_at",
    ]
    readonly_fields = fields
