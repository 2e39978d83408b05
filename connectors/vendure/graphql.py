"""A small GraphQL layer for the Vendure Admin API, on top of connectors.http.HttpClient.

- `Op` is one mutation field; `mutation_document` puts many of them in one request under aliases (`m0`,
  `m1`...). GraphQL runs the fields of a mutation one after the other, in document order
  [spec.graphql.org/October2021/#sec-Mutation], and Vendure gives each its own transaction, so a batch is
  the same writes as one request each, in a fraction of the round trips.
- A thrown error in a field whose type is non-null (most Vendure mutations) nulls the whole `data` and stops
  the fields after it [spec.graphql.org/October2021/#sec-Handling-Field-Errors]: the answers of the fields
  before it are lost although they ran. So only one record's operations share a request (`Op.group`), unless
  they may safely run twice (`failed_alias` tells which field failed).
- `outcomes` reads a batch's answer: one (value, error) per op. Vendure reports expected failures as
  `ErrorResult` members of a union inside `data` (`errorCode`, `message`)
  [docs.vendure.io/guides/developer-guide/error-handling]; unexpected ones as top-level `errors` whose `path`
  names the alias. Both become that op's error, never another op's.
- `error_kind` classifies top-level errors for the connector: "auth", "schema", "input", "transient" or
  "other".
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

ERROR_RESULT = "... on ErrorResult { errorCode message }"
MAX_TAKE = 100  # items per list query: Vendure's default `adminListQueryLimit`


@dataclass
class Op:
    """One mutation field: `name(arg: $var...) selection`. `args` maps argument name to (GraphQL type, value)."""

    name: str
    args: dict[str, tuple[str, Any]] = field(default_factory=dict)
    selection: str = ""
    key: Any = None  # the caller's tag (which record this op belongs to)
    group: Any = None  # the ops sent together (see connector._mutate); `key` when None

    @property
    def unit(self) -> Any:
        return self.key if self.group is None else self.group


def mutation_document(ops: list[Op], *, first_index: int = 0) -> tuple[str, dict[str, Any], list[str]]:
    """(document, variables, aliases) for `ops`, aliased m<first_index>, m<first_index + 1>..."""
    declarations, fields, variables, aliases = [], [], {}, []
    for offset, op in enumerate(ops):
        alias = f"m{first_index + offset}"
        aliases.append(alias)
        arguments = []
        for arg_name, (arg_type, value) in op.args.items():
            variable = f"{alias}_{arg_name}"
            declarations.append(f"${variable}: {arg_type}")
            arguments.append(f"{arg_name}: ${variable}")
            variables[variable] = value
        call = f"{op.name}({', '.join(arguments)})" if arguments else op.name
        fields.append(f"  {alias}: {call} {op.selection}".rstrip())
    header = f"mutation Batch({', '.join(declarations)})" if declarations else "mutation Batch"
    return header + " {\n" + "\n".join(fields) + "\n}", variables, aliases


def body_size(document: str, variables: dict[str, Any]) -> int:
    return len(json.dumps({"query": document, "variables": variables}, ensure_ascii=False).encode())


def error_kind(error: dict[str, Any]) -> str:
    extensions = error.get("extensions") if isinstance(error.get("extensions"), dict) else {}
    code = str(extensions.get("code") or "")
    message = str(error.get("message") or "")
    if code in ("FORBIDDEN", "UNAUTHORIZED") or "not currently authorized" in message:
        return "auth"
    if code == "GRAPHQL_VALIDATION_FAILED" or message.startswith(("Cannot query field", "Unknown argument",
                                                                   "Unknown type")):
        return "schema"
    if code in ("BAD_USER_INPUT", "USER_INPUT_ERROR") or message.startswith("Variable \"$"):
        return "input"
    if code == "INTERNAL_SERVER_ERROR" and any(m in message.lower() for m in ("timeout", "database is locked",
                                                                               "too many connections")):
        return "transient"
    return "other"


def error_message(error: dict[str, Any]) -> str:
    message = str(error.get("message") or "unknown error")
    extensions = error.get("extensions") if isinstance(error.get("extensions"), dict) else {}
    code = extensions.get("code")
    return f"{message} ({code})" if code and code not in ("INTERNAL_SERVER_ERROR", "BAD_USER_INPUT") else message


def outcomes(body: dict[str, Any], aliases: list[str]) -> list[tuple[Any, str | None]]:
    """One (value, error) per alias. An ErrorResult value is an error carrying Vendure's `message`."""
    data = body.get("data") if isinstance(body.get("data"), dict) else {}
    by_alias: dict[str, str] = {}
    for error in body.get("errors") or []:
        path = error.get("path") if isinstance(error, dict) else None
        if path and str(path[0]) in aliases:
            by_alias.setdefault(str(path[0]), error_message(error))
    out: list[tuple[Any, str | None]] = []
    for alias in aliases:
        value = data.get(alias)
        if alias in by_alias:
            out.append((None, by_alias[alias]))
        elif isinstance(value, dict) and value.get("errorCode"):
            detail = value.get("transitionError") or value.get("paymentErrorMessage") or ""
            message = str(value.get("message") or value["errorCode"])
            out.append((None, f"{message}: {detail}" if detail and detail not in message else message))
        elif value is None:
            out.append((None, "Vendure gave no answer for this operation."))
        else:
            out.append((value, None))
    return out


def unattributed_errors(body: dict[str, Any], aliases: list[str]) -> list[dict[str, Any]]:
    """Top-level errors that belong to no alias (the whole request failed)."""
    found = []
    for error in body.get("errors") or []:
        if not isinstance(error, dict):
            continue
        path = error.get("path")
        if not path or str(path[0]) not in aliases:
            found.append(error)
    return found


def failed_alias(body: dict[str, Any], aliases: list[str]) -> tuple[int, str] | None:
    """(index, message) of the field whose error nulled the whole answer, if that is what happened."""
    if isinstance(body.get("data"), dict):
        return None
    for error in body.get("errors") or []:
        path = error.get("path") if isinstance(error, dict) else None
        if path and str(path[0]) in aliases:
            return aliases.index(str(path[0])), error_message(error)
    return None
