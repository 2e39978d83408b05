"""The Celery app's own hooks."""
import pytest
from celery.signals import task_postrun
from django.db import connection
from django.test import override_settings

from accounts.models import Organization


@pytest.mark.django_db
def test_with_debug_on_a_worker_forgets_the_sql_of_a_task_when_it_ends():
    import migrator.celery  # noqa: F401 - the app connects its signal handlers

    with override_settings(DEBUG=True):
        list(Organization.objects.all()[:1])
        assert connection.queries  # Django logs every statement with DEBUG on
        task_postrun.send(sender=None, task_id="t", task=None, args=(), kwargs={}, retval=None, state="SUCCESS")
        assert connection.queries == []
