"""Small shared pieces of the Shopify emulator: global ids, timestamps, cursors, the request context and
the GraphQL errors Shopify answers."""
import base64
import hashlib
import hmac
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any
from urllib.parse import quote

from django.utils.dateparse import parse_date, parse_datetime
from graphql import GraphQLError

from ..models import SandboxStore
from ..records import now_utc

API_VERSION = "2026-01"
MAX_PAGE_SIZE = 250
MAX_INPUT_ARRAY = 250
MAX_VARIANTS = 2048
MAX_OPTIONS = 3
MAX_METAFIELDS_SET = 25
MAX_QUERY_COST = 1000
ID_BASE = 7_000_000_000_000  # Shopify ids are 13-digit numbers; the sandbox's start there too.

# GraphQL type name of every resource kept as SandboxRecord rows (resource -> type).
RESOURCE_TYPES = {
    "products": "Product", "variants": "ProductVariant", "collections": "Collection", "customers": "Customer",
    "orders": "Order", "pages": "Page", "blogs": "Blog", "articles": "Article", "discounts": "DiscountCodeNode",
    "url_redirects": "UrlRedirect", "locations": "Location", "metafields": "Metafield",
    "bulk_operations": "BulkOperation",
}
TYPE_RESOURCES = {name: resource for resource, name in RESOURCE_TYPES.items()}


def gid(type_name: str, record_id: int | str) -> str:
    return f"gid://shopify/{type_name}/{record_id}"


def parse_gid(value, expected: str | tuple[str, ...] | None = None) -> tuple[str, int] | None:
    """`gid://shopify/Product/123` -> ("Product", 123); None when malformed or of another type."""
    if not isinstance(value, str) or not value.startswith("gid://shopify/"):
        return None
    parts = value[len("gid://shopify/"):].split("?")[0].split("/")
    if len(parts) != 2 or not parts[1].isdigit():
        return None
    if expected and parts[0] not in ((expected,) if isinstance(expected, str) else expected):
        return None
    return parts[0], int(parts[1])


def gid_id(value, expected: str | tuple[str, ...]) -> int | None:
    parsed = parse_gid(value, expected)
    return parsed[1] if parsed else None


def iso(value: datetime | None) -> str | None:
    """Shopify's DateTime: ISO 8601 in UTC with a Z, whole seconds."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if value else None


def parse_when(value) -> datetime | None:
    """Parse a DateTime argument or search value (ISO 8601, with or without zone, or a bare date)."""
    if isinstance(value, datetime):
        return value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip().strip("'\"")
    try:
        parsed = parse_datetime(text.replace("z", "Z"))
    except ValueError:
        parsed = None
    if parsed is None:
        try:
            day = parse_date(text)
        except ValueError:
            day = None
        if day is None:
            return None
        parsed = datetime(day.year, day.month, day.day)
    return parsed.astimezone(UTC) if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def money(value, default: str = "0.00") -> str:
    """Shopify's Decimal/Money scalars: a string with two decimals."""
    try:
        number = Decimal(str(value if value not in (None, "") else default))
    except InvalidOperation:
        raise ValueError(f"{value!r} is not a valid decimal") from None
    return str(number.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def money_v2(amount, currency: str) -> dict:
    return {"amount": money(amount), "currencyCode": currency}


def money_bag(amount, currency: str, presentment: str | None = None, presentment_amount=None) -> dict:
    return {
        "shopMoney": money_v2(amount, currency),
        "presentmentMoney": money_v2(amount if presentment_amount is None else presentment_amount,
                                     presentment or currency),
    }


def encode_cursor(record_id: int, value) -> str:
    """Shopify's cursors are base64 JSON of the last id and sort value; clients must treat them as opaque."""
    payload = json.dumps({"last_id": record_id, "last_value": value}, separators=(",", ":"))
    return base64.b64encode(payload.encode()).decode()


def decode_cursor(cursor: str) -> tuple[int, object]:
    try:
        payload = json.loads(base64.b64decode(cursor.encode(), validate=True))
        return int(payload["last_id"]), payload.get("last_value")
    except (ValueError, TypeError, KeyError, json.JSONDecodeError):
        raise GraphQLError("Invalid cursor for current pagination sort.", extensions={"code": "BAD_REQUEST"}) from None


def bad_request(message: str) -> GraphQLError:
    return GraphQLError(message, extensions={"code": "BAD_REQUEST"})


def user_error(field_path, message: str, code: str | None = None, **extra) -> dict:
    """One `userErrors` entry; `field` is the input path as strings (Shopify stringifies list indexes)."""
    path = None if field_path is None else [str(part) for part in field_path]
    return {"field": path, "message": message, "code": code, **extra}


@dataclass
class Ctx:
    """What a request knows: the store, its base URL as the client sees it, the clock, the API version
    served, whether the token may write, whether this is a bulk query (connections unbounded), and whether
    the token sees orders older than 60 days."""

    store: SandboxStore
    base_url: str
    now: datetime = field(default_factory=now_utc)
    version: str = API_VERSION
    can_write: bool = True
    bulk: bool = False
    all_orders: bool = True  # the token has read_all_orders; without it only the last 60 days of orders show
    scopes: tuple[str, ...] = ()  # the token's access scopes (currentAppInstallation.accessScopes)
    cache: dict = field(default_factory=dict)
    # Set by the engine for the request: the schema served and how to execute a document against it (a bulk
    # operation runs its query or mutation with them, without importing the engine that registers it).
    schema: Any = None
    execute: Callable[..., dict] | None = None
    # A bulk query's slice (bulk_run): the root connection returns `limit` objects after the cursor `after`
    # and notes `more` and `next` here.
    bulk_window: dict | None = None

    @property
    def currency(self) -> str:
        return self.store.settings.get("currency", "USD")


def signature(ctx_or_store, key: str) -> str:
    store = getattr(ctx_or_store, "store", ctx_or_store)
    return hmac.new(store.consumer_secret.encode(), key.encode(), hashlib.sha256).hexdigest()


def result_url(ctx: Ctx, key: str) -> str:
    return f"{ctx.base_url}/_files/{quote(key)}?X-Goog-Signature={signature(ctx, key)}"
