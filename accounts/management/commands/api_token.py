from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.http import Http404
from django.utils import timezone

from accounts.errors import AccountError
from accounts.selectors import organization_for_user, organization_get_for_user
from accounts.services import api_token_create


class Command(BaseCommand):
    help = (
        "Create a REST API token for a user and print its key (shown only this once). "
        "Use it as 'Authorization: Token <key>'. Tokens are listed and revoked on the account page."
    )

    def add_arguments(self, parser):
        parser.add_argument("email")
        parser.add_argument("--name", help="Token name (default: 'command line' and the current time).")
        parser.add_argument("--organization", help="Organization id (default: the user's first organization).")

    def handle(self, *args, email, name=None, organization=None, **options):
        user = get_user_model().objects.filter(email__iexact=email).first()
        if user is None:
            raise CommandError(f"No user with email {email!r}.")
        if organization:
            try:
                org = organization_get_for_user(user=user, organization_id=organization)
            except Http404 as exc:
                raise CommandError(f"{email} is not a member of organization {organization}.") from exc
        else:
            org = organization_for_user(user=user)
            if org is None:
                raise CommandError(f"{email} does not belong to any organization.")
        name = name or f"command line {timezone.now():%Y-%m-%d %H:%M:%S}"
        try:
            _token, key = api_token_create(user=user, organization=org, name=name)
        except AccountError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(key)
