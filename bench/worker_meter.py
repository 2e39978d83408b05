"""The Celery app of the benchmarks' workers (`celery -A worker_meter`, with bench/ on the path): the product's
own app, plus a count of the SQL statements each worker process sends, added up in Redis
(`cartmigrate:bench:sql`). Nothing of the product changes; the count is read by harness.sql_statements()."""
from __future__ import annotations

import os
import threading

import redis
from celery.signals import worker_process_init, worker_process_shutdown
from django.db.backends.signals import connection_created
from django.dispatch import receiver

from migrator.celery import app  # noqa: F401 - the app celery -A finds here

KEY = "cartmigrate:bench:sql"
_lock = threading.Lock()
_pending = [0]
_client = redis.Redis.from_url(os.environ["MIGRATOR_REDIS_URL"])


def _flush() -> None:
    with _lock:
        count, _pending[0] = _pending[0], 0
    if count:
        _client.incrby(KEY, count)


def _count(execute, sql, params, many, context):
    with _lock:
        _pending[0] += 1
        due = _pending[0] >= 200
    if due:
        _flush()
    return execute(sql, params, many, context)


@receiver(connection_created)  # Signal.connect is no decorator: it would keep only a dead weak reference
def _install(sender, connection, **kwargs):
    if _count not in connection.execute_wrappers:
        connection.execute_wrappers.append(_count)


@worker_process_init.connect
def _started(**kwargs):
    _pending[0] = 0


@worker_process_shutdown.connect
def _stopped(**kwargs):
    _flush()
