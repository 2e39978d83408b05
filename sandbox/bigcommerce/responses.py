"""BigCommerce's answers: v3 envelopes and error objects, v2 raw arrays and error lists, dates.

v3 errors: `{"status", "title", "type", "errors": {field: message}}`, e.g. a 422
`{"status":422,"title":"JSON data is missing or invalid","type":".../api-status-codes","errors":{...}}`;
v2 errors: `[{"status", "message"}]` (https://developer.bigcommerce.com/docs/start/about/status-codes).
"""
import json
from datetime import UTC, datetime

from django.http import HttpResponse

from ..records import json_bytes

ERROR_TYPE = "https://developer.bigcommerce.com/api-docs/getting-started/api-status-codes"
ROUTE_NOT_FOUND = "The route is not found, check the URL"


class ApiError(Exception):
    """An error answered in the envelope of the API version that was called."""

    def __init__(self, status: int, title: str, errors: dict | None = None):
        super().__init__(title)
        self.status = status
        self.title = title
        self.errors = errors or {}


def invalid(errors: dict, title: str = "JSON data is missing or invalid") -> ApiError:
    return ApiError(422, title, errors)


def not_found(title: str = "The requested resource was not found.") -> ApiError:
    return ApiError(404, title)


def json_response(payload, status: int = 200, headers: dict | None = None) -> HttpResponse:
    response = HttpResponse(json_bytes(payload), status=status, content_type="application/json")
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def text_response(text: str, status: int) -> HttpResponse:
    return HttpResponse(text.encode(), status=status, content_type="text/plain")


def empty_response(status: int = 204) -> HttpResponse:
    return HttpResponse(b"", status=status)


def ok(data, meta: dict | None = None, status: int = 200) -> HttpResponse:
    """A v3 answer: `{"data": ..., "meta": {...}}`."""
    return json_response({"data": data, "meta": meta or {}}, status)


def raw(payload, status: int = 200) -> HttpResponse:
    """A v2 answer: the object or array itself; an empty array is a 204 with no body."""
    if isinstance(payload, list) and not payload:
        return empty_response(204)
    return json_response(payload, status)


def error_response(version: str, error: ApiError) -> HttpResponse:
    if version == "v2":
        return json_response([{"status": error.status, "message": error.title}], error.status)
    return json_response({"status": error.status, "title": error.title, "type": ERROR_TYPE,
                          "errors": error.errors}, error.status)


def v3_date(value: datetime | None) -> str | None:
    """ISO 8601 with an explicit offset: `2026-12-05T06:49:43+00:00`."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S+00:00") if value else None


def v2_date(value: datetime | None) -> str:
    """RFC 2822, as v2 renders every date: `Sat, 05 Dec 2026 06:49:43 +0000` ("" when unset)."""
    return value.astimezone(UTC).strftime("%a, %d %b %Y %H:%M:%S +0000") if value else ""


def parse_date(value: str) -> datetime | None:
    """A filter's date: unix seconds, ISO 8601 (a date alone means its start) or RFC 2822."""
    from email.utils import parsedate_to_datetime

    value = (value or "").strip()
    if not value:
        return None
    if value.isdigit():
        return datetime.fromtimestamp(int(value), UTC)
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00").replace(" ", "+"))
    except ValueError:
        try:
            parsed = parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def body_json(request):
    """The request body as JSON; a body that is not JSON is BigCommerce's 422 / 400."""
    if not request.body:
        raise invalid({}, "The request body is empty or not valid JSON.")
    try:
        return json.loads(request.body)
    except ValueError:
        raise ApiError(400, "The request body is not valid JSON.") from None
