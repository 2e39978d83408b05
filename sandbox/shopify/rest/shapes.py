"""Small pieces shared by the REST renderers: REST's timestamps, money and ids."""
from datetime import UTC, datetime

from ...models import SandboxRecord
from ..common import gid, money, parse_when


def rest_time(value) -> str | None:
    """REST timestamps are ISO 8601 with the shop's offset; the sandbox shop's zone is UTC."""
    when = value if isinstance(value, datetime) else parse_when(value)
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S+00:00") if when else None


def created(record: SandboxRecord) -> str:
    return rest_time(record.date_created_gmt)


def updated(record: SandboxRecord) -> str:
    return rest_time(record.date_modified_gmt)


def price_set(amount, currency: str, presentment: str | None = None) -> dict:
    return {"shop_money": {"amount": money(amount), "currency_code": currency},
            "presentment_money": {"amount": money(amount), "currency_code": presentment or currency}}


def admin_id(type_name: str, record_id) -> str:
    return gid(type_name, record_id)


def tags_text(tags) -> str:
    """REST tags are one comma-and-space separated string."""
    return ", ".join(tags or [])


def lower_enum(value: str | None) -> str | None:
    return value.lower() if isinstance(value, str) else value
