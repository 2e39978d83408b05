"""Emails to the owner. The "run finished" email is sent once per run, even if a task is redelivered:
the send is claimed by a conditional update of `email_sent_at`."""
import logging

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from accounts.models import Membership

from ..enums import RunStatus
from ..models import MigrationRun
from ..selectors import run_numbers

logger = logging.getLogger(__name__)


def run_url(run: MigrationRun) -> str:
    return f"{settings.MIGRATOR_SITE_URL}/runs/{run.pk}/"


def _recipients(run: MigrationRun) -> list[str]:
    people = [run.requested_by, run.migration.created_by]
    emails = [p.email for p in people if p is not None and p.email]
    if not emails:
        owner = Membership.objects.filter(organization_id=run.organization_id, role=Membership.Role.OWNER).first()
        if owner and owner.user.email:
            emails = [owner.user.email]
    return sorted(set(emails))


def run_email_recipients(*, run: MigrationRun) -> list[str]:
    """Who the end-of-run email goes to (the run page says so while the run works)."""
    return _recipients(run)


def run_email_subject(*, run: MigrationRun, numbers) -> str:
    """The subject of the end-of-run email, from the run's numbers (selectors.run_numbers): "records
    migrated" are the records written (created + updated), record errors the records that have one."""
    what = run.get_kind_display().lower()
    if run.status == RunStatus.FAILED:
        return f"Your {what} stopped: action needed (migration {run.migration_id})"
    if numbers.errors:
        return (f"Your {what} finished with {numbers.errors} record error{'' if numbers.errors == 1 else 's'} "
                f"(migration {run.migration_id})")
    return (f"Your {what} finished: {numbers.written} record{'' if numbers.written == 1 else 's'} migrated "
            f"(migration {run.migration_id})")


def run_notify_owner(*, run_id) -> bool:
    """Send the end-of-run email (finished or failed) once. Returns whether this call sent it."""
    with transaction.atomic():
        claimed = MigrationRun.objects.filter(
            pk=run_id, email_sent_at__isnull=True,
            status__in=[RunStatus.COMPLETED, RunStatus.COMPLETED_WITH_ERRORS, RunStatus.FAILED],
        ).update(email_sent_at=timezone.now())
    if not claimed:
        return False
    run = MigrationRun.objects.select_related("migration__source_store", "migration__target_store",
                                              "requested_by", "migration__created_by").get(pk=run_id)
    recipients = _recipients(run)
    if not recipients:
        logger.warning("run %s finished but nobody to email", run.pk)
        return False
    numbers = run_numbers(run=run)
    failed = run.status == RunStatus.FAILED
    context = {
        "run": run,
        "migration": run.migration,
        "numbers": numbers,
        "url": run_url(run),
        "failed": failed,
        "site_url": settings.MIGRATOR_SITE_URL,
    }
    subject = run_email_subject(run=run, numbers=numbers)
    text = render_to_string("emails/run_finished.txt", context)
    html = render_to_string("emails/run_finished.html", context)
    message = EmailMultiAlternatives(subject, text, settings.DEFAULT_FROM_EMAIL, recipients)
    message.attach_alternative(html, "text/html")
    message.send()
    return True
