"""Enqueueing the engine's Celery tasks: the one place that does it, always after the current transaction
commits (a task never starts before the rows it reads exist). Tasks are looked up by name in the Celery
app, so no service imports tasks.py (which imports the services)."""
from __future__ import annotations

from typing import Any

from celery import current_app
from django.db import transaction

# The names the engine uses -> the tasks' registered names (migrations_app/tasks.py).
TASKS = {
    "run_advance_task": "migrations.run_advance",
    "entity_step_task": "migrations.entity_step",
    "run_clear_task": "migrations.run_clear",
    "run_finalize_task": "migrations.run_finalize",
}


def enqueue(task: str, *args: Any, countdown: float | None = None) -> None:
    """Queue `task` (a key of TASKS) with `args` once the current transaction commits (at once outside one)."""
    name = TASKS[task]
    arguments = [str(a) for a in args]
    transaction.on_commit(lambda: current_app.tasks[name].apply_async(args=arguments, countdown=countdown))
