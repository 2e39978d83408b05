"""API error rendering: one JSON shape for every failure a client can act on.

- Invalid input (serializer errors, the services' `ValidationFailed`, a body that is not JSON): 400
  `{"detail": "...", "errors": {"field": ["message", ...]}}`; nested fields are dotted (`credentials.consumer_key`).
- `ApplicationError`: 400 `{"detail": "...", "field": "..."}` (`field` only when the service named one); 409 when
  the error is about a run that is already active (`{"detail", "field", "run_id"}`) or when the view marked it a
  state conflict with `conflict_on_application_error()`.
- Another organization's object is simply not found: 404 `{"detail": "Not found."}`, whatever the model.
- Everything else keeps DRF's rendering (401/403 `{"detail": ...}`, 405, 415, ...).
"""
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from ..errors import ApplicationError, ValidationFailed

INVALID_INPUT = "Some fields need attention."


@contextmanager
def conflict_on_application_error() -> Iterator[None]:
    """Render an `ApplicationError` raised inside the block as 409: the request was fine, the object's state
    does not allow it (a store still used by a migration, a run that already finished)."""
    try:
        yield
    except ApplicationError as exc:
        exc.http_status = status.HTTP_409_CONFLICT
        raise


def flatten_errors(detail: Any, prefix: str = "") -> dict[str, list[str]]:
    """DRF's nested error detail -> {"dotted.field": [messages]}."""
    flat: dict[str, list[str]] = {}
    if isinstance(detail, dict):
        for key, value in detail.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            for field, messages in flatten_errors(value, name).items():
                flat.setdefault(field, []).extend(messages)
    elif isinstance(detail, list):
        for index, value in enumerate(detail):
            if isinstance(value, dict | list):
                # A list of objects: errors of item `index`.
                for field, messages in flatten_errors(value, f"{prefix}.{index}" if prefix else str(index)).items():
                    flat.setdefault(field, []).extend(messages)
            else:
                flat.setdefault(prefix or "non_field_errors", []).append(str(value))
    else:
        flat.setdefault(prefix or "non_field_errors", []).append(str(detail))
    return flat


def _application_error_response(exc: ApplicationError) -> Response:
    body: dict[str, Any] = {"detail": exc.message}
    if exc.field:
        body["field"] = exc.field
    run_id = exc.extra.get("run_id")
    if "run_id" in exc.extra:
        body["run_id"] = run_id
    code = getattr(exc, "http_status", None) or (
        status.HTTP_409_CONFLICT if "run_id" in exc.extra else status.HTTP_400_BAD_REQUEST
    )
    return Response(body, status=code)


def exception_handler(exc, context):
    if isinstance(exc, ValidationFailed):
        return Response({"detail": exc.message, "errors": exc.errors}, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, ApplicationError):
        return _application_error_response(exc)
    if isinstance(exc, exceptions.ValidationError):
        return Response(
            {"detail": INVALID_INPUT, "errors": flatten_errors(exc.detail)}, status=status.HTTP_400_BAD_REQUEST
        )
    if isinstance(exc, exceptions.ParseError):
        # Every 400 has the same shape: the body itself is the field at fault.
        return Response({"detail": "The request body could not be read.", "errors": {"body": [str(exc.detail)]}},
                        status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, Http404):
        # Same answer for "does not exist" and "belongs to another organization", without naming the model.
        exc = exceptions.NotFound()
    return drf_exception_handler(exc, context)
