from django.apps import AppConfig


class MigrationsAppConfig(AppConfig):
    name = "migrations_app"
    verbose_name = "Migrations"

    def ready(self) -> None:
        # Once the app registry is ready: every log line carries its task's tenant, and the tasks are
        # registered with the Celery app in every process (services/queue.py queues them by name).
        from . import logcontext, tasks  # noqa: F401

        logcontext.install()
