"""Enqueueing the engine's Celery tasks: the one place that does it, always after the current transaction
commits (a task never starts before the rows it reads exist). Tasks are looked up by name in the Celery
app, so no service imports tasks.py (which imports the services).

Two lanes (README, "Fair sharing"): the steps of interactive runs (a free demo, a smart update) go to
the `interactive` queue, everything else to the default queue. Every worker consumes both (both are in
CELERY_TASK_QUEUES), and each unit of scale (bin/worker) also runs one worker that consumes only
`interactive`: a demo never waits behind another organization's long migration."""
from __future__ import annotations

from typing import Any

from celery import current_app
from django.conf import settings
from django.db import transaction

from ..enums import RunKind
from ..models import MigrationRun

# The names the engine uses -> the tasks' registered names (migrations_app/tasks.py).
TASKS = {
    "run_advance_task": "migrations.run_advance",
    "entity_step_task": "migrations.entity_step",
    "run_clear_task": "migrations.run_clear",
    "run_finalize_task": "migrations.run_finalize",
}

# Short runs an owner waits for in front of the page. A smart update carries only what changed.
INTERACTIVE_KINDS = frozenset({RunKind.DEMO, RunKind.SMART_UPDATE})


def is_interactive(kind: str) -> bool:
    return kind in INTERACTIVE_KINDS


def queue_for(kind: str | None) -> str:
    """The queue of a run of this kind (an unknown run: the default queue)."""
    if kind is not None and is_interactive(kind):
        return settings.MIGRATOR_INTERACTIVE_QUEUE
    return settings.CELERY_TASK_DEFAULT_QUEUE


def queue_for_run(run_id: Any) -> str:
    kind = MigrationRun.objects.filter(pk=run_id).values_list("kind", flat=True).first()
    return queue_for(kind)


def enqueue(task: str, *args: Any, countdown: float | None = None) -> None:
    """Queue `task` (a key of TASKS; its first argument is a run id) with `args` on the run's lane once the
    current transaction commits (at once outside one)."""
    name = TASKS[task]
    arguments = [str(a) for a in args]
    lane = queue_for_run(args[0])
    transaction.on_commit(
        lambda: current_app.tasks[name].apply_async(args=arguments, countdown=countdown, queue=lane)
    )
