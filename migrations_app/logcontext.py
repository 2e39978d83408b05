"""The organization, migration and run a task works for, bound to every log line it writes.

A task (tasks.RunTask) resolves its run's organization and migration once and `bind`s the ids into a
context variable; a log record factory (installed by `install`) copies them onto every record as
`organization_id`, `migration_id`, `run_id` and a ready-made `run_context` (" [organization=… migration=… run=…]",
empty outside a task), which the log formats print. Works for Celery's loggers and Django's alike."""
from __future__ import annotations

import contextvars
import logging

_context: contextvars.ContextVar[dict[str, str] | None] = contextvars.ContextVar("cartmigrate_run", default=None)
_installed = False


def bind(**ids: str) -> contextvars.Token:
    return _context.set({k: str(v) for k, v in ids.items() if v})


def reset(token: contextvars.Token) -> None:
    _context.reset(token)


def current() -> dict[str, str]:
    return dict(_context.get() or {})


def _decorate(record: logging.LogRecord) -> None:
    ids = _context.get() or {}
    record.organization_id = ids.get("organization_id", "")
    record.migration_id = ids.get("migration_id", "")
    record.run_id = ids.get("run_id", "")
    record.run_context = (" [" + " ".join(f"{k.removesuffix('_id')}={v}" for k, v in ids.items()) + "]"
                          if ids else "")


class RunContextFilter(logging.Filter):
    """For handlers (LOGGING, Celery's): records always carry the ids, even those made before `install`."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "run_context"):
            _decorate(record)
        return True


def install() -> None:
    """Make every log record carry the bound ids (idempotent)."""
    global _installed
    if _installed:
        return
    previous = logging.getLogRecordFactory()

    def factory(*args, **kwargs):
        record = previous(*args, **kwargs)
        _decorate(record)
        return record

    logging.setLogRecordFactory(factory)
    _installed = True
