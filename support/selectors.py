"""Reads on support tickets. Every function takes the organization: another tenant's ticket is a 404."""
import math
from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.db.models import Count, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone

from accounts.models import Organization
from connectors.base import Connector
from connectors.registry import all_connectors
from migrations_app.services import rules
from migrations_app.services.rules import Quote, quote_recent, quote_remigration, quote_run, quote_smart_update

from .models import Ticket, TicketMessage


def ticket_list(*, organization: Organization) -> QuerySet[Ticket]:
    """The organization's tickets, most recently active first, with their message count."""
    return (Ticket.objects.filter(organization=organization).select_related("migration", "created_by")
            .annotate(message_count=Count("messages")).order_by("-updated_at"))


def ticket_get(*, organization: Organization, ticket_id) -> Ticket:
    return get_object_or_404(Ticket.objects.filter(organization=organization)
                             .select_related("migration", "run", "created_by"), pk=ticket_id)


def ticket_messages(*, ticket: Ticket) -> QuerySet[TicketMessage]:
    """The thread, oldest first."""
    return TicketMessage.objects.filter(organization=ticket.organization_id, ticket=ticket).select_related("author")


# --- the help center -------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Example:
    what: str
    quote: Quote


def help_platforms() -> list[type[Connector]]:
    """The platforms with a help page, in the registry's order."""
    return [cls for cls in all_connectors().values() if cls.guide is not None]


def help_platform(*, platform: str) -> type[Connector]:
    cls = all_connectors().get(platform)
    if cls is None or cls.guide is None:
        raise Http404("No such platform.")
    return cls


def help_rules(*, today: date | None = None, full_total: int = 1000) -> dict:
    """The numbers behind the pricing and re-run rules, from the settings the rules read, with worked examples
    computed by the same functions that quote real runs (migrations_app.services.rules), so the help center
    can never say something the code does not do."""
    today = today or timezone.localdate()
    in_window = today + timedelta(days=30)
    remigration_cap = math.floor(full_total * settings.MIGRATOR_REMIGRATION_CAP + 1e-9)
    recent_cap = math.floor(full_total * settings.MIGRATOR_RECENT_CAP + 1e-9)

    def remigration(n: int, end: date | None) -> Quote:
        return quote_remigration(entity_counts={"products": n}, full_total=full_total, window_end=end, today=today)

    def recent(n: int) -> Quote:
        return quote_recent(entity_counts={"products": n}, full_total=full_total, window_end=in_window, today=today)

    tiers, lower = [], 0
    for upto, cents in rules._tiers():  # the very tiers price_for_entities applies
        tiers.append({"from": lower + 1, "to": upto or None, "cents": cents})
        lower = upto
    return {
        "currency": settings.MIGRATOR_CURRENCY,
        "demo_limit": settings.MIGRATOR_DEMO_LIMIT,
        "min_price_cents": settings.MIGRATOR_MIN_PRICE_CENTS,
        "tiers": tiers,
        "free_days": settings.MIGRATOR_REMIGRATION_FREE_DAYS,
        "remigration_percent": round(settings.MIGRATOR_REMIGRATION_CAP * 100),
        "recent_percent": round(settings.MIGRATOR_RECENT_CAP * 100),
        "full_total": full_total,
        "full_quote": quote_run(kind="full", entity_counts={"products": full_total}),
        "examples": [
            Example(f"A re-migration of {remigration_cap} records in the window", remigration(remigration_cap,
                                                                                              in_window)),
            Example(f"A re-migration of {remigration_cap + 100} records in the window",
                    remigration(remigration_cap + 100, in_window)),
            Example(f"A re-migration of {full_total} records after the window",
                    remigration(full_total, today - timedelta(days=1))),
            Example(f"Recent data: {recent_cap} new records in the window", recent(recent_cap)),
            Example(f"Recent data: {recent_cap + 50} new records in the window", recent(recent_cap + 50)),
            Example("A smart update", quote_smart_update(entity_counts={"products": full_total})),
        ],
    }
