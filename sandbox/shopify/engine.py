"""The GraphQL engine: the schema built from schema.graphql (schema-first, graphql-core) with the
resolvers bound, and one request's execution: parse, validate, coerce variables, requested cost,
throttle charge, execute, actual cost, refund, response with `extensions.cost`."""
import logging
from pathlib import Path

from graphql import (
    DocumentNode,
    FragmentDefinitionNode,
    GraphQLError,
    GraphQLSchema,
    OperationDefinitionNode,
    build_schema,
    execute,
    parse,
)
from graphql.execution.values import get_variable_values

from . import bulk, extensions, mutations_catalog, mutations_content, mutations_sales, queries  # noqa: F401 (register)
from .common import MAX_QUERY_COST, Ctx
from .cost import CostCalculator
from .mutate import bind as bind_mutations
from .throttle import bucket_charge, bucket_peek, bucket_refund
from .validation import validation_errors, variable_errors

logger = logging.getLogger(__name__)
SCHEMA_PATH = Path(__file__).with_name("schema.graphql")
# More of Shopify's types, each file beside the module that resolves them (`extend type` of schema.graphql).
SCHEMA_EXTENSIONS = "schema_*.graphql"
RATE_LIMIT_DOCS = "https://shopify.dev/api/usage/rate-limits"
_schema: GraphQLSchema | None = None


def schema_get() -> GraphQLSchema:
    """The schema, built once per process."""
    global _schema
    if _schema is None:
        more = sorted(SCHEMA_PATH.parent.glob(SCHEMA_EXTENSIONS))
        schema = build_schema("\n".join(p.read_text() for p in (SCHEMA_PATH, *more)))
        queries.bind(schema)
        bind_mutations(schema)
        extensions.bind(schema)
        _schema = schema
    return _schema


def _format(error: GraphQLError) -> dict:
    original = error.original_error
    if original is not None and not isinstance(original, GraphQLError):
        logger.exception("Shopify sandbox resolver failed", exc_info=original)
        out = {"message": "Internal error. Looks like something went wrong on our end.", "locations": None,
               "path": error.path, "extensions": {"code": "INTERNAL_SERVER_ERROR"}}
        return {k: v for k, v in out.items() if v is not None}
    return error.formatted


def _split(document: DocumentNode, operation_name: str | None):
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    if operation_name:
        operations = [op for op in operations if op.name and op.name.value == operation_name]
    return (operations[0] if len(operations) == 1 else None), fragments


def execute_document(ctx: Ctx, document: DocumentNode, variables: dict | None, operation_name: str | None,
                     *, calculator: CostCalculator | None = None) -> dict:
    """Execute an already validated document; `{"data", "errors"?}` without cost accounting."""
    schema = schema_get()
    result = execute(schema, document, context_value=ctx, variable_values=variables or {},
                     operation_name=operation_name)
    payload: dict = {}
    if result.errors:
        payload["errors"] = [_format(e) for e in result.errors]
    payload["data"] = result.data
    return payload


def _cost(requested, actual, bucket) -> dict:
    return {"cost": {"requestedQueryCost": requested, "actualQueryCost": actual, "throttleStatus": bucket.status()}}


def graphql_request(ctx: Ctx, query: str, variables: dict | None, operation_name: str | None) -> dict:
    """One Admin API GraphQL request, answered as Shopify does (always HTTP 200 from here)."""
    schema = schema_get()
    ctx.schema, ctx.execute = schema, execute_document
    try:
        document = parse(query or "")
    except GraphQLError as exc:
        return {"errors": [exc.formatted]}
    problems = validation_errors(document, schema, ctx.version)
    if problems:
        return {"errors": problems}
    operation, fragments = _split(document, operation_name)
    if operation is None:
        message = (f'Operation name "{operation_name}" not found' if operation_name
                   else "An operation name is required")
        return {"errors": [{"message": message}]}
    refused = variable_errors(operation, variables, ctx.version)
    if refused:
        return {"errors": refused}
    coerced = get_variable_values(schema, operation.variable_definitions or (), variables or {})
    if isinstance(coerced, list):
        return {"errors": [dict(e.formatted, extensions={"code": "INVALID_VARIABLE"}) for e in coerced]}
    calculator = CostCalculator(schema, operation, fragments, coerced)
    requested = calculator.requested()
    if calculator.errors:
        return {"errors": [e.formatted for e in calculator.errors]}
    # `settings.throttle.max_query_cost` raises the single-query limit for a test store (see README, Cost)
    limit = int((ctx.store.settings.get("throttle") or {}).get("max_query_cost") or MAX_QUERY_COST)
    if requested > limit:
        return {
            "errors": [{
                "message": f"Query cost is {requested}, which exceeds the single query max cost limit "
                           f"({limit}).\n\nSee {RATE_LIMIT_DOCS} for more information on how the cost of a "
                           "query is calculated.\n\nTo query larger amounts of data with fewer limits, bulk "
                           "operations should be used instead.\nSee https://shopify.dev/api/usage/bulk-operations/"
                           "queries for usage details.\n",
                "extensions": {"code": "MAX_COST_EXCEEDED", "cost": requested, "maxCost": limit,
                               "documentation": RATE_LIMIT_DOCS},
            }],
            "extensions": _cost(requested, None, bucket_peek(ctx.store)),
        }
    granted, bucket = bucket_charge(ctx.store, requested)
    if not granted:
        return {
            "errors": [{"message": "Throttled",
                        "extensions": {"code": "THROTTLED", "documentation": RATE_LIMIT_DOCS}}],
            "extensions": _cost(requested, None, bucket),
        }
    payload = execute_document(ctx, document, variables, operation_name)
    actual = min(requested, calculator.actual(payload.get("data")))
    bucket = bucket_refund(ctx.store, requested - actual)
    payload["extensions"] = _cost(requested, actual, bucket)
    return payload
