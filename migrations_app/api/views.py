"""REST API, /api/v1/. Each API authenticates, takes the organization from `request.organization`,
validates input with a serializer, calls one service or selector and renders. Another organization's
objects are not found (404); errors are rendered by `errors.exception_handler`."""
from django.utils.decorators import method_decorator
from django.views.decorators.debug import sensitive_variables
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from connectors import registry

from .. import selectors
from ..services.confirm import Confirmation, run_recap
from ..services.runs import run_cancel, run_start
from ..services.smart_update import smart_update_config_get, smart_update_configure
from ..services.stores import store_check, store_create, store_delete
from ..services.wizard import migration_create
from .errors import conflict_on_application_error
from .serializers import (
    ChangeSerializer,
    ConnectorSerializer,
    ErrorSerializer,
    MigrationCreateInputSerializer,
    MigrationSerializer,
    RecordErrorFullSerializer,
    RunConflictSerializer,
    RunDetailSerializer,
    RunQuoteInputSerializer,
    RunRecapSerializer,
    RunSerializer,
    RunStartInputSerializer,
    SmartUpdateSerializer,
    StoreCheckResultSerializer,
    StoreCreateInputSerializer,
    StoreSerializer,
    ValidationErrorSerializer,
)

NOT_FOUND = OpenApiResponse(ErrorSerializer, description="No such object in your organization.")
INVALID = OpenApiResponse(ValidationErrorSerializer, description="Invalid input: messages per field.")


class HasOrganization(BasePermission):
    message = "Your account does not belong to an organization."

    def has_permission(self, request, view) -> bool:
        return bool(getattr(request, "organization", None))


class OrganizationApi(APIView):
    """Base: an authenticated member of an organization; `self.organization` is the tenant acted in."""

    permission_classes = [IsAuthenticated, HasOrganization]
    pagination_class = api_settings.DEFAULT_PAGINATION_CLASS

    @property
    def organization(self):
        return self.request.organization

    def paginated(self, queryset, serializer_class, *, context_for_page=None) -> Response:
        """One page of `queryset`; `context_for_page(rows)` adds serializer context computed for the page
        at once (e.g. the numbers of its migrations)."""
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(queryset, self.request, view=self)
        context = {"request": self.request, **(context_for_page(page) if context_for_page else {})}
        data = serializer_class(page, many=True, context=context).data
        return paginator.get_paginated_response(data)


# --- connectors -----------------------------------------------------------------------------------


class ConnectorListApi(APIView):
    pagination_class = None

    @extend_schema(
        tags=["connectors"],
        summary="Platforms you can migrate from and to",
        responses=ConnectorSerializer(many=True),
    )
    def get(self, request):
        return Response([cls.describe() for cls in registry.all_connectors().values()])


# --- stores ---------------------------------------------------------------------------------------


class StoreListApi(OrganizationApi):
    @extend_schema(tags=["stores"], summary="Your stores", responses={200: StoreSerializer(many=True), 400: INVALID})
    def get(self, request):
        return self.paginated(selectors.store_list(organization=self.organization), StoreSerializer)

    @extend_schema(
        tags=["stores"],
        summary="Connect a store",
        description="Credentials are encrypted at rest and never returned; `credentials_hint` shows them masked.",
        request=StoreCreateInputSerializer,
        responses={201: StoreSerializer, 400: INVALID},
    )
    @method_decorator(sensitive_variables())  # the credentials, in the request data and the serializer
    def post(self, request):
        data = StoreCreateInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        store = store_create(organization=self.organization, **data.validated_data)
        return Response(StoreSerializer(store).data, status=status.HTTP_201_CREATED)


class StoreDetailApi(OrganizationApi):
    @extend_schema(tags=["stores"], summary="One store", responses={200: StoreSerializer, 404: NOT_FOUND})
    def get(self, request, store_id):
        return Response(StoreSerializer(selectors.store_get(organization=self.organization, store_id=store_id)).data)

    @extend_schema(
        tags=["stores"],
        summary="Delete a store",
        responses={
            204: OpenApiResponse(description="Deleted."),
            404: NOT_FOUND,
            409: OpenApiResponse(ErrorSerializer, description="The store is used by a migration."),
        },
    )
    def delete(self, request, store_id):
        store = selectors.store_get(organization=self.organization, store_id=store_id)
        with conflict_on_application_error():
            store_delete(store=store)
        return Response(status=status.HTTP_204_NO_CONTENT)


class StoreCheckApi(OrganizationApi):
    @extend_schema(
        tags=["stores"],
        summary="Check the connection to a store",
        description=(
            "Reaches the store with its credentials and records the outcome on the store. The answer is **200 "
            "whether or not the store could be reached**: the check itself was performed. `ok` says how it went: "
            "`true` with what the store said (name, currency, languages, counts per entity, ...), or `false` with "
            "`url` (the URL that failed), `status` (its HTTP status, if any) and `message` (why, and what to fix)."
        ),
        request=None,
        responses={200: StoreCheckResultSerializer, 404: NOT_FOUND},
        examples=[
            OpenApiExample(
                "Store unreachable",
                value={"ok": False, "url": "https://shop.example.com/wp-json/wc/v3/", "status": None,
                       "message": "Could not reach https://shop.example.com/ ...",
                       "checked_at": "2025-01-01T00:00:00Z"},
                response_only=True,
            ),
        ],
    )
    def post(self, request, store_id):
        store = selectors.store_get(organization=self.organization, store_id=store_id)
        store = store_check(store=store)
        return Response(StoreCheckResultSerializer(store).data)


# --- migrations -----------------------------------------------------------------------------------


class MigrationListApi(OrganizationApi):
    @extend_schema(tags=["migrations"], summary="Your migrations",
                   responses={200: MigrationSerializer(many=True), 400: INVALID})
    def get(self, request):
        migrations = selectors.migration_list(organization=self.organization).prefetch_related("runs")
        return self.paginated(migrations, MigrationSerializer, context_for_page=lambda rows: {
            "numbers": selectors.migrations_numbers(migrations=rows)})

    @extend_schema(
        tags=["migrations"],
        summary="Configure a migration",
        description="Validated against both stores' connectors; the answer carries the quote of a full run.",
        request=MigrationCreateInputSerializer,
        responses={201: MigrationSerializer, 400: INVALID},
    )
    def post(self, request):
        data = MigrationCreateInputSerializer(data=request.data, context={"organization": self.organization})
        data.is_valid(raise_exception=True)
        migration = migration_create(organization=self.organization, user=request.user, **data.validated_data)
        return Response(MigrationSerializer(migration).data, status=status.HTTP_201_CREATED)


class MigrationDetailApi(OrganizationApi):
    @extend_schema(tags=["migrations"], summary="One migration", responses={200: MigrationSerializer, 404: NOT_FOUND})
    def get(self, request, migration_id):
        migration = selectors.migration_get(organization=self.organization, migration_id=migration_id)
        return Response(MigrationSerializer(migration).data)


class MigrationRunListApi(OrganizationApi):
    @extend_schema(
        tags=["runs"], summary="Runs of a migration",
        responses={200: RunSerializer(many=True), 400: INVALID, 404: NOT_FOUND},
    )
    def get(self, request, migration_id):
        migration = selectors.migration_get(organization=self.organization, migration_id=migration_id)
        return self.paginated(selectors.run_list(organization=self.organization, migration=migration), RunSerializer,
                              context_for_page=lambda rows: {"run_numbers": selectors.runs_numbers(runs=rows)})

    @extend_schema(
        tags=["runs"],
        summary="Start a run (demo, full, remigration, recent or smart_update)",
        description="At most one run of a migration is active: starting another while one is queued or running "
        "answers 409 with the active run's id. A run that costs money or clears the target needs `confirm` "
        "(see POST .../runs/quote/): without it, or with a price that is not the current one, 400 on "
        "`confirm.amount_cents` / `confirm.target_host`.",
        request=RunStartInputSerializer,
        responses={
            201: RunDetailSerializer,
            400: OpenApiResponse(ErrorSerializer, description="The run cannot start (e.g. a store is unchecked)."),
            404: NOT_FOUND,
            409: OpenApiResponse(RunConflictSerializer, description="A run of this migration is already active."),
        },
    )
    def post(self, request, migration_id):
        migration = selectors.migration_get(organization=self.organization, migration_id=migration_id)
        data = RunStartInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        confirm = data.validated_data.get("confirm") or {}
        run = run_start(migration=migration, kind=data.validated_data["kind"], user=request.user,
                        params=dict(data.validated_data.get("params") or {}) or None,
                        confirm=Confirmation(amount_cents=confirm.get("amount_cents"),
                                             target_host=confirm.get("target_host", "")))
        return Response(RunDetailSerializer(run).data, status=status.HTTP_201_CREATED)


class MigrationRunQuoteApi(OrganizationApi):
    @extend_schema(
        tags=["runs"], summary="What a run would do and cost (nothing starts)",
        description="The price (with the rule: what is free and why), the stores, the entities and what would "
        "be cleared, from the same plan the run is charged with. A run that costs money or clears the target "
        "starts only with `confirm` echoing `quote.amount_cents` (and `target_host` for clear_scope `all`).",
        request=RunQuoteInputSerializer, responses={200: RunRecapSerializer, 400: INVALID, 404: NOT_FOUND},
    )
    def post(self, request, migration_id):
        migration = selectors.migration_get(organization=self.organization, migration_id=migration_id)
        data = RunQuoteInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        recap = run_recap(migration=migration, kind=data.validated_data["kind"],
                          params=dict(data.validated_data.get("params") or {}) or None)
        return Response(RunRecapSerializer(recap.as_dict()).data)


class MigrationSmartUpdateApi(OrganizationApi):
    @extend_schema(tags=["smart update"], summary="Smart-update settings of a migration",
                   responses={200: SmartUpdateSerializer, 404: NOT_FOUND})
    def get(self, request, migration_id):
        migration = selectors.migration_get(organization=self.organization, migration_id=migration_id)
        return Response(SmartUpdateSerializer(smart_update_config_get(migration=migration)).data)

    @extend_schema(
        tags=["smart update"], summary="Save the smart-update selection and schedule",
        description="Fields per entity from the catalog, conflict policy, deletions and schedule. A schedule "
        "other than `once` starts smart updates until paused or the migration is marked live.",
        request=SmartUpdateSerializer, responses={200: SmartUpdateSerializer, 400: INVALID, 404: NOT_FOUND},
    )
    def put(self, request, migration_id):
        migration = selectors.migration_get(organization=self.organization, migration_id=migration_id)
        data = SmartUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = {k: v for k, v in data.validated_data.items() if k in (
            "fields", "conflict_policy", "deletions", "schedule", "interval_seconds")}
        config = smart_update_configure(migration=migration, **values)
        return Response(SmartUpdateSerializer(config).data)


class MigrationSmartUpdatePreviewApi(OrganizationApi):
    @extend_schema(
        tags=["smart update"], summary="Preview a smart update",
        description="Starts a smart-update run that computes the changes without writing them; follow the run "
        "and read its changes at /runs/{id}/changes/.",
        request=None, responses={201: RunDetailSerializer, 400: ErrorSerializer, 404: NOT_FOUND,
                                 409: RunConflictSerializer},
    )
    def post(self, request, migration_id):
        migration = selectors.migration_get(organization=self.organization, migration_id=migration_id)
        run = run_start(migration=migration, kind="smart_update", user=request.user, params={"preview": True})
        return Response(RunDetailSerializer(run).data, status=status.HTTP_201_CREATED)


# --- runs -----------------------------------------------------------------------------------------


class RunListApi(OrganizationApi):
    @extend_schema(tags=["runs"], summary="Your runs, newest first",
                   responses={200: RunSerializer(many=True), 400: INVALID})
    def get(self, request):
        return self.paginated(selectors.run_list(organization=self.organization), RunSerializer,
                              context_for_page=lambda rows: {"run_numbers": selectors.runs_numbers(runs=rows)})


class RunDetailApi(OrganizationApi):
    @extend_schema(
        tags=["runs"],
        summary="A run with its progress",
        description="Totals and progress per entity (the numbers every page shows: docs/runs.md, \"Numbers\"), "
        "warnings, verification and the first 100 record errors (`errors_count` counts the records with an error, "
        "a record with several messages once; every message is at /runs/{id}/errors/).",
        responses={200: RunDetailSerializer, 404: NOT_FOUND},
    )
    def get(self, request, run_id):
        return Response(RunDetailSerializer(selectors.run_get(organization=self.organization, run_id=run_id)).data)


class RunErrorListApi(OrganizationApi):
    @extend_schema(
        tags=["runs"],
        summary="Records a run could not migrate, and why",
        responses={200: RecordErrorFullSerializer(many=True), 400: INVALID, 404: NOT_FOUND},
    )
    def get(self, request, run_id):
        run = selectors.run_get(organization=self.organization, run_id=run_id)
        return self.paginated(selectors.run_errors(run=run), RecordErrorFullSerializer)


class RunChangeListApi(OrganizationApi):
    @extend_schema(tags=["runs"], summary="What a smart update changed (or its preview would change)",
                   responses={200: ChangeSerializer(many=True), 400: INVALID, 404: NOT_FOUND})
    def get(self, request, run_id):
        run = selectors.run_get(organization=self.organization, run_id=run_id)
        return self.paginated(selectors.run_changes(run=run), ChangeSerializer)


class RunCancelApi(OrganizationApi):
    @extend_schema(
        tags=["runs"],
        summary="Cancel a run",
        description="A queued run stops at once; a running one after its current page.",
        request=None,
        responses={
            200: RunSerializer,
            404: NOT_FOUND,
            409: OpenApiResponse(ErrorSerializer, description="The run has already finished."),
        },
    )
    def post(self, request, run_id):
        run = selectors.run_get(organization=self.organization, run_id=run_id)
        with conflict_on_application_error():
            run = run_cancel(run=run)
        return Response(RunSerializer(run).data)
