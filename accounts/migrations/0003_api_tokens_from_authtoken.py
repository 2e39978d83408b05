"""Carry the keys of DRF's authtoken over to ApiToken (hashed, named "default", in the user's first organization)
and delete the plaintext keys, so existing API clients keep working without any key being stored in clear."""
import hashlib

from django.apps import apps as global_apps
from django.db import migrations


def forwards(apps, schema_editor):
    try:
        Token = apps.get_model("authtoken", "Token")
    except LookupError:
        return
    ApiToken = apps.get_model("accounts", "ApiToken")
    Membership = apps.get_model("accounts", "Membership")
    for token in Token.objects.all():
        membership = Membership.objects.filter(user_id=token.user_id).order_by("created_at").first()
        if membership is not None:
            key_hash = hashlib.sha256(token.key.encode()).hexdigest()
            ApiToken.objects.get_or_create(
                key_hash=key_hash,
                defaults={"user_id": token.user_id, "organization_id": membership.organization_id,
                          "name": "default", "prefix": token.key[:8]},
            )
            ApiToken.objects.filter(key_hash=key_hash).update(created_at=token.created)
        token.delete()


class Migration(migrations.Migration):

    dependencies = [("accounts", "0002_invitation_apitoken")] + (
        [("authtoken", "0004_alter_tokenproxy_options")] if global_apps.is_installed("rest_framework.authtoken") else []
    )

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
