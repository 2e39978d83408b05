"""Celery application: configuration from Django settings (CELERY_ prefix), tasks from installed apps."""
import logging
import os

from celery import Celery
from celery.signals import after_setup_logger, after_setup_task_logger, task_postrun

from migrations_app.logcontext import RunContextFilter

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "migrator.settings.local")

app = Celery("migrator")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

WORKER_FORMAT = "[%(asctime)s: %(levelname)s/%(processName)s] %(name)s%(run_context)s %(message)s"


@after_setup_logger.connect
@after_setup_task_logger.connect
def _log_run_context(logger, *args, **kwargs):
    """Worker log lines name the organization, migration and run a task works for (migrations_app.logcontext)."""
    for handler in logger.handlers:
        handler.addFilter(RunContextFilter())
        handler.setFormatter(logging.Formatter(WORKER_FORMAT))


@task_postrun.connect
def _forget_logged_queries(*args, **kwargs):
    """With DEBUG on (`make run`), Django keeps the last 9,000 SQL statements of each connection, parameters
    and all, and no request ever resets them in a worker: a long migration's bulk inserts would hold megabytes.
    Each task starts with an empty log, as each web request does."""
    from django.conf import settings
    from django.db import reset_queries

    if settings.DEBUG:
        reset_queries()
