from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from accounts.services import api_token_get_or_create


class Command(BaseCommand):
    help = "Print the REST API token of a user (created if missing). Use it as 'Authorization: Token <key>'."

    def add_arguments(self, parser):
        parser.add_argument("email")

    def handle(self, *args, email, **options):
        user = get_user_model().objects.filter(email__iexact=email).first()
        if user is None:
            raise CommandError(f"No user with email {email!r}.")
        self.stdout.write(api_token_get_or_create(user=user))
