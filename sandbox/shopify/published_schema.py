"""Shopify's published Admin GraphQL schemas, one per API version, from the npm package in `published/`.

`@shopify/dev-mcp` ships the introspection of every supported Admin API version
(`dist/data/admin_<version>.json.gz`, `admin_unstable.json.gz`); `npm ci --ignore-scripts` in
sandbox/shopify/published/ installs the pinned version (the Makefile and the test session do it). Nothing of
the package is run; the files are never copied into the repository.

Two users: the sandbox validates every request against the published schema of the version it names before
its own (so a field Shopify removed is `undefinedField` as on Shopify, and a field Shopify has but the
sandbox does not serve is named as such), and the schema guard of the test suite (`documents_check`)
validates what the connector sent against every version it claims to support."""
from __future__ import annotations

import functools
import gzip
import json
import re
from dataclasses import dataclass
from pathlib import Path

from graphql import (
    ArgumentNode,
    DocumentNode,
    FieldNode,
    GraphQLError,
    GraphQLSchema,
    OperationDefinitionNode,
    StringValueNode,
    VariableNode,
    build_client_schema,
    parse,
    validate,
)
from graphql.execution.values import get_variable_values

PACKAGE_DIR = Path(__file__).resolve().with_name("published")
DATA_DIR = PACKAGE_DIR / "node_modules" / "@shopify" / "dev-mcp" / "dist" / "data"
INSTALL_COMMAND = f"npm ci --ignore-scripts --no-audit --no-fund (in {PACKAGE_DIR})"
_FILE = re.compile(r"^admin_(\d{4}-\d{2}|unstable)\.json\.gz$")
# The bulk mutations take a whole document as a string argument: the guard validates it too.
BULK_DOCUMENT_ARGUMENTS = {"bulkOperationRunQuery": "query", "bulkOperationRunMutation": "mutation"}


class PublishedSchemaMissing(RuntimeError):
    """The npm package with the published schemas is not installed (or lacks the version asked for)."""


def published_versions() -> list[str]:
    """The Admin API versions whose schema is installed, oldest first (`unstable` last); [] when not installed."""
    if not DATA_DIR.is_dir():
        return []
    found = [m.group(1) for p in DATA_DIR.iterdir() if (m := _FILE.match(p.name))]
    return sorted(found, key=lambda v: (v == "unstable", v))


def published_installed() -> bool:
    return bool(published_versions())


@functools.cache
def published_schema(version: str) -> GraphQLSchema:
    """Shopify's Admin GraphQL schema of `version` (`YYYY-MM` or `unstable`), built once per process
    (about 0.3 s each: 10 MB of introspection, 3,000 types)."""
    path = DATA_DIR / f"admin_{version}.json.gz"
    if not path.is_file():
        if not DATA_DIR.is_dir():
            raise PublishedSchemaMissing(f"Shopify's published Admin schemas are not installed: run {INSTALL_COMMAND} "
                                         "(Node.js 20+ with npm; `make test` and `make run` do it).")
        raise PublishedSchemaMissing(f"No published Admin schema for version {version!r}; installed: "
                                     f"{', '.join(published_versions())}.")
    with gzip.open(path, "rb") as handle:
        introspection = json.loads(handle.read())
    schema = build_client_schema(introspection.get("data", introspection))
    # Shopify deprecates some implementations of non-deprecated interface fields (Node.id on ChannelDefinition),
    # which graphql-core's schema check (a newer spec rule than graphql-ruby's) refuses before validating any
    # document. The schema is Shopify's as served: it is marked checked with no problem.
    schema._validation_errors = []
    return schema


def published_version_for(version: str) -> str | None:
    """The installed schema that answers for a served `version`: itself, else the nearest later one (a release
    candidate newer than every file is closest to `unstable`); None when nothing is installed."""
    versions = published_versions()
    if not versions:
        return None
    if version in versions:
        return version
    later = [v for v in versions if v != "unstable" and v > version]
    return later[0] if later else versions[-1]


@dataclass(frozen=True)
class Invalid:
    """One recorded document that a published version refuses."""

    version: str
    document: str
    problems: tuple[str, ...]

    def describe(self) -> str:
        first_line = " ".join(self.document.split())[:160]
        return f"[{self.version}] {first_line}\n    " + "\n    ".join(self.problems)


def _inner_documents(document: DocumentNode, variables: dict | None) -> list[str]:
    """The documents given to bulkOperationRunQuery(query:) / bulkOperationRunMutation(mutation:), literal or
    through a variable."""
    inner: list[str] = []
    for definition in document.definitions:
        if not isinstance(definition, OperationDefinitionNode):
            continue
        for selection in definition.selection_set.selections:
            if not isinstance(selection, FieldNode) or selection.name.value not in BULK_DOCUMENT_ARGUMENTS:
                continue
            wanted = BULK_DOCUMENT_ARGUMENTS[selection.name.value]
            for argument in selection.arguments or ():
                if not isinstance(argument, ArgumentNode) or argument.name.value != wanted:
                    continue
                if isinstance(argument.value, StringValueNode):
                    inner.append(argument.value.value)
                elif isinstance(argument.value, VariableNode):
                    value = (variables or {}).get(argument.value.name.value)
                    if isinstance(value, str):
                        inner.append(value)
    return inner


def _problems(schema: GraphQLSchema, document: DocumentNode, variables: dict | None) -> list[str]:
    problems = [e.message for e in validate(schema, document)]
    if problems or variables is None:
        return problems
    # Variables name input fields the document does not: a removed input field fails coercion, not validation.
    for definition in document.definitions:
        if isinstance(definition, OperationDefinitionNode):
            coerced = get_variable_values(schema, definition.variable_definitions or (), variables)
            if isinstance(coerced, list):
                problems.extend(f"variables: {e.message}" for e in coerced)
    return problems


def documents_check(requests: list[dict], versions: list[str]) -> list[Invalid]:
    """Validate recorded requests (`{"query", "variables"?}`; variables None: not checked) and the bulk documents
    they carry against Shopify's published schema of each of `versions`; answers what a version refuses."""
    invalid: list[Invalid] = []
    for version in versions:
        schema = published_schema(version)
        for request in requests:
            text = request.get("query") or ""
            try:
                document = parse(text)
            except GraphQLError as exc:
                invalid.append(Invalid(version, text, (exc.message,)))
                continue
            problems = _problems(schema, document, request.get("variables"))
            if problems:
                invalid.append(Invalid(version, text, tuple(problems)))
            for inner in _inner_documents(document, request.get("variables")):
                try:
                    inner_problems = [e.message for e in validate(schema, parse(inner))]
                except GraphQLError as exc:
                    inner_problems = [exc.message]
                if inner_problems:
                    invalid.append(Invalid(version, inner, tuple(inner_problems)))
    return invalid
