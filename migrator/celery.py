"""Celery application: configuration from Django settings (CELERY_ prefix), tasks from installed apps."""
import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "migrator.settings.local")

app = Celery("migrator")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
