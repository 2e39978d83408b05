"""Re-encrypt every store's credentials with the first MIGRATOR_ENCRYPTION_KEY.

Rotation: put the new key first in MIGRATOR_ENCRYPTION_KEY (keep the old one after it), deploy, run
this command, then drop the old key."""
from django.core.management.base import BaseCommand
from django.db import transaction

from migrations_app.models import Store
from migrations_app.services.crypto import credentials_rotate


class Command(BaseCommand):
    help = "Re-encrypt all store credentials with the current (first) encryption key."

    def handle(self, *args, **options):
        count = 0
        with transaction.atomic():
            for store in Store.objects.select_for_update().only("pk", "credentials_encrypted"):
                store.credentials_encrypted = credentials_rotate(store.credentials_encrypted)
                store.save(update_fields=["credentials_encrypted"])
                count += 1
        self.stdout.write(f"Re-encrypted the credentials of {count} store(s).")
