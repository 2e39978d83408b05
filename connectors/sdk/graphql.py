"""GraphQL batching under aliases, for every GraphQL platform (Shopify, Vendure, and the ones to come).

Many operations go in one request as aliased fields `m<i>: name(arg: $m<i>_arg) { selection }` of one document:
GraphQL runs the fields of a mutation one after the other in document order, and each keeps its own answer
under its alias [spec.graphql.org/October2021/#sec-Mutation]. This module
- builds that document (`document`), with its variables and aliases;
- splits operations into requests by a cost budget (Shopify's calculated query cost), an operation count and a
  body size (`split`);
- maps an answer back to one (value, error) per operation (`answers`): an error whose `path` names an alias is
  that operation's error; a payload error the platform reports inside `data` (Shopify `userErrors`, Vendure
  `ErrorResult`) is read by the caller's `payload_error`; a field error that nulled the whole `data` (a non-null
  field [spec.graphql.org/October2021/#sec-Handling-Field-Errors]) is the error of that operation and of the
  ones after it, and leaves the ones before it "not confirmed";
- drives it all (`run_batched`) over a caller's `send(document, variables) -> body`, which may raise
  `TooExpensive` (the chunk is split in halves and sent again) or `BatchRefused` (every operation of the chunk
  gets the message).
"""
from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

Outcome = tuple[Any, "str | None"]
NO_ANSWER = "The platform gave no answer for this operation."


@dataclass
class Op:
    """One aliased field: `name(arg: $var...) selection`. `args` maps argument name to (GraphQL type, value);
    `selection` is written as given (with its braces when the field is an object). `key` is the caller's tag,
    `group` the operations that must share a request (`key` when None), `cost` what it costs on a budget."""

    name: str
    args: dict[str, tuple[str, Any]] = field(default_factory=dict)
    selection: str = ""
    key: Any = None
    group: Any = None
    cost: float = 1.0

    @property
    def unit(self) -> Any:
        return self.key if self.group is None else self.group


class TooExpensive(Exception):  # noqa: N818 - a signal from `send`, not a failure of the batch
    """Raised by `send` when the platform refused the request for its cost or size as a whole."""


class BatchRefused(Exception):  # noqa: N818
    """Raised by `send` when the platform refused the request; every operation of it fails with the message."""


def document(ops: Sequence[Op], *, operation: str = "mutation", name: str = "Batch",
             aliases: Sequence[str] | None = None) -> tuple[str, dict[str, Any], list[str]]:
    """(document, variables, aliases) for `ops`, aliased `aliases` (default m0, m1...)."""
    aliases = list(aliases) if aliases is not None else [f"m{i}" for i in range(len(ops))]
    declarations, fields, variables = [], [], {}
    for alias, op in zip(aliases, ops, strict=True):
        arguments = []
        for arg_name, (arg_type, value) in op.args.items():
            variable = f"{alias}_{arg_name}"
            declarations.append(f"${variable}: {arg_type}")
            arguments.append(f"{arg_name}: ${variable}")
            variables[variable] = value
        call = f"{op.name}({', '.join(arguments)})" if arguments else op.name
        fields.append(f"  {alias}: {call} {op.selection}".rstrip())
    header = f"{operation} {name}({', '.join(declarations)})" if declarations else f"{operation} {name}"
    return header + " {\n" + "\n".join(fields) + "\n}", variables, aliases


def body_size(document_text: str, variables: dict[str, Any]) -> int:
    """Bytes of the JSON request body."""
    return len(json.dumps({"query": document_text, "variables": variables}, ensure_ascii=False).encode())


def split(ops: Sequence[Op], *, budget: float | None = None, max_ops: int | None = None,
          max_bytes: int | None = None) -> list[list[int]]:
    """Indices of `ops` in requests, in order: a request holds ops while their summed `cost` stays within
    `budget`, their number within `max_ops` and the body within `max_bytes`. An op over a limit on its own is
    a request of its own (the platform then says why)."""
    chunks: list[list[int]] = []
    chunk: list[int] = []
    spent = 0.0
    for index, op in enumerate(ops):
        over = bool(chunk) and (
            (budget is not None and spent + op.cost > budget)
            or (max_ops is not None and len(chunk) >= max_ops)
            or (max_bytes is not None and body_size(*document([ops[i] for i in [*chunk, index]])[:2]) > max_bytes))
        if over:
            chunks.append(chunk)
            chunk, spent = [], 0.0
        chunk.append(index)
        spent += op.cost
    if chunk:
        chunks.append(chunk)
    return chunks


def error_message(error: dict[str, Any]) -> str:
    return str(error.get("message") or "unknown error")


def alias_errors(body: dict[str, Any], aliases: Sequence[str], *,
                 message: Callable[[dict[str, Any]], str] = error_message) -> dict[str, str]:
    """{alias: message of its first error} for the top-level errors whose `path` starts with an alias."""
    by_alias: dict[str, str] = {}
    for error in body.get("errors") or []:
        path = error.get("path") if isinstance(error, dict) else None
        if path and str(path[0]) in aliases:
            by_alias.setdefault(str(path[0]), message(error))
    return by_alias


def unattributed_errors(body: dict[str, Any], aliases: Sequence[str]) -> list[dict[str, Any]]:
    """Top-level errors that belong to no alias (the whole request failed)."""
    return [e for e in body.get("errors") or []
            if isinstance(e, dict) and not (e.get("path") and str(e["path"][0]) in aliases)]


def failed_alias(body: dict[str, Any], aliases: Sequence[str], *,
                 message: Callable[[dict[str, Any]], str] = error_message) -> tuple[int, str] | None:
    """(index, message) of the field whose error nulled the whole `data`, if that is what happened."""
    if isinstance(body.get("data"), dict):
        return None
    for error in body.get("errors") or []:
        path = error.get("path") if isinstance(error, dict) else None
        if path and str(path[0]) in aliases:
            return list(aliases).index(str(path[0])), message(error)
    return None


def answers(body: dict[str, Any], aliases: Sequence[str], *,
            payload_error: Callable[[Any], str | None] | None = None, keep_payload: bool = False,
            message: Callable[[dict[str, Any]], str] = error_message, no_answer: str = NO_ANSWER
            ) -> list[Outcome]:
    """One (value, error) per alias, in order.

    `payload_error(value)` reads an error the platform put inside the answer (None when there is none); with
    `keep_payload` such an answer keeps its value next to the error (Shopify's payloads carry what was written)."""
    failed = failed_alias(body, aliases, message=message)
    if failed is not None:
        at, why = failed
        return [(None, why if position >= at else f"Not confirmed: a later operation of the same request failed "
                 f"({why}).") for position in range(len(aliases))]
    data = body.get("data") if isinstance(body.get("data"), dict) else {}
    by_alias = alias_errors(body, aliases, message=message)
    out: list[Outcome] = []
    for alias in aliases:
        value = data.get(alias)
        problem = payload_error(value) if payload_error is not None and value is not None else None
        if alias in by_alias:
            out.append((None, by_alias[alias]))
        elif problem:
            out.append((value if keep_payload else None, problem))
        elif value is None:
            out.append((None, no_answer))
        else:
            out.append((value, None))
    return out


def run_batched(ops: Sequence[Op], send: Callable[[str, dict[str, Any]], dict[str, Any]], *,
                operation: str = "mutation", budget: float | None = None, max_ops: int | None = None,
                max_bytes: int | None = None, payload_error: Callable[[Any], str | None] | None = None,
                keep_payload: bool = False, message: Callable[[dict[str, Any]], str] = error_message,
                no_answer: str = NO_ANSWER) -> list[Outcome]:
    """Run `ops` in as few requests as the limits allow; one (value, error) per op, in order.

    Aliases are `m<index of the op in ops>`, so an alias names the same op whatever request it went in."""
    results: list[Outcome] = [(None, no_answer)] * len(ops)

    def run(chunk: list[int]) -> None:
        text, variables, aliases = document([ops[i] for i in chunk], operation=operation,
                                            aliases=[f"m{i}" for i in chunk])
        try:
            body = send(text, variables)
        except TooExpensive as exc:
            if len(chunk) > 1:
                half = len(chunk) // 2
                run(chunk[:half])
                run(chunk[half:])
                return
            for index in chunk:
                results[index] = (None, str(exc) or "The operation is too expensive for one request.")
            return
        except BatchRefused as exc:
            for index in chunk:
                results[index] = (None, str(exc))
            return
        outcomes = answers(body, aliases, payload_error=payload_error, keep_payload=keep_payload,
                           message=message, no_answer=no_answer)
        for index, outcome in zip(chunk, outcomes, strict=True):
            results[index] = outcome

    for chunk in split(ops, budget=budget, max_ops=max_ops, max_bytes=max_bytes):
        run(chunk)
    return results
