"""What is Vendure's own in GraphQL batching; the batching itself (aliases, documents, splitting, reading the
answers) is `connectors.sdk.graphql`.

- `mutation_document` puts many mutation fields in one request under aliases (`m0`, `m1`...). GraphQL runs the
  fields of a mutation one after the other, in document order [spec.graphql.org/October2021/#sec-Mutation], and
  Vendure gives each its own transaction, so a batch is the same writes as one request each, in a fraction of the
  round trips.
- A thrown error in a field whose type is non-null (most Vendure mutations) nulls the whole `data` and stops
  the fields after it [spec.graphql.org/October2021/#sec-Handling-Field-Errors]: the answers of the fields
  before it are lost although they ran. So only one record's operations share a request (`Op.group`), unless
  they may safely run twice (`failed_alias` tells which field failed).
- `outcomes` reads a batch's answer: one (value, error) per op. Vendure reports expected failures as
  `ErrorResult` members of a union inside `data` (`errorCode`, `message`)
  [docs.vendure.io/guides/developer-guide/error-handling] (`payload_error`); unexpected ones as top-level
  `errors` whose `path` names the alias. Both become that op's error, never another op's.
- `error_kind` classifies top-level errors for the connector: "auth", "schema", "input", "transient" or
  "other"; `error_message` adds Vendure's error code to the message.
"""
from __future__ import annotations

from typing import Any

from connectors.sdk import graphql as sdk
from connectors.sdk.graphql import Op, body_size, unattributed_errors

__all__ = ["ERROR_RESULT", "MAX_TAKE", "NO_ANSWER", "Op", "body_size", "error_kind", "error_message",
           "failed_alias", "mutation_document", "outcomes", "payload_error", "unattributed_errors"]

ERROR_RESULT = "... on ErrorResult { errorCode message }"
MAX_TAKE = 100  # items per list query: Vendure's default `adminListQueryLimit`
NO_ANSWER = "Vendure gave no answer for this operation."


def mutation_document(ops: list[Op]) -> tuple[str, dict[str, Any], list[str]]:
    """(document, variables, aliases) for `ops`, aliased m0, m1..."""
    return sdk.document(ops)


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


def payload_error(value: Any) -> str | None:
    """The message of an `ErrorResult` answer (with a state transition's or a payment's detail); None otherwise."""
    if not (isinstance(value, dict) and value.get("errorCode")):
        return None
    detail = value.get("transitionError") or value.get("paymentErrorMessage") or ""
    message = str(value.get("message") or value["errorCode"])
    return f"{message}: {detail}" if detail and detail not in message else message


def outcomes(body: dict[str, Any], aliases: list[str]) -> list[tuple[Any, str | None]]:
    """One (value, error) per alias. An ErrorResult value is an error carrying Vendure's `message`."""
    return sdk.answers(body, aliases, payload_error=payload_error, message=error_message, no_answer=NO_ANSWER)


def failed_alias(body: dict[str, Any], aliases: list[str]) -> tuple[int, str] | None:
    """(index, message) of the field whose error nulled the whole answer, if that is what happened."""
    return sdk.failed_alias(body, aliases, message=error_message)
