"""factory_boy factories for the domain. Users come with their personal organization (as after signup);
stores carry really encrypted credentials and, by default, a successful connection check."""
import factory
from django.contrib.auth import get_user_model
from django.utils import timezone

from accounts.models import Organization
from accounts.selectors import organization_for_user
from accounts.services import organization_create_personal
from migrations_app.enums import MigrationState, RunKind, RunStatus
from migrations_app.models import EntityProgress, IdMap, MigrationRun, RecordError, Store, StoreMigration
from migrations_app.services.crypto import credentials_encrypt, mask_secret

PASSWORD = "correct horse battery staple"

WOO_CREDENTIALS = {"consumer_key": "ck_0123456789abcdef0123", "consumer_secret": "cs_fedcba9876543210fedc"}

CHECKED_INFO = {
    "name": "Checked store",
    "currency": "USD",
    "languages": ["en"],
    "default_language": "en",
    "counts": {"categories": 5, "products": 40, "customers": 25, "orders": 60, "reviews": 10, "coupons": 2},
    "order_statuses": [],
    "customer_groups": [],
    "platform_version": "",
}


def organization_of(user) -> Organization:
    return organization_for_user(user=user)


class UserFactory(factory.django.DjangoModelFactory):
    """A user whose username is the email, with a personal organization (accounts.services)."""

    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.com")
    username = factory.SelfAttribute("email")
    password = factory.django.Password(PASSWORD)

    @factory.post_generation
    def organization(user, create, extracted, **kwargs):
        if create:
            organization_create_personal(user=user)


class OrganizationFactory(factory.django.DjangoModelFactory):
    """An organization with an owner (a user whose personal organization this is)."""

    class Meta:
        model = Organization

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        organization = organization_of(UserFactory())
        if kwargs.get("name"):
            organization.name = kwargs["name"]
            organization.save(update_fields=["name"])
        return organization


class StoreFactory(factory.django.DjangoModelFactory):
    """A WooCommerce store with encrypted credentials; `checked=False` for a store never checked."""

    class Meta:
        model = Store

    class Params:
        credentials = WOO_CREDENTIALS
        checked = True

    organization = factory.SubFactory(OrganizationFactory)
    platform = "woocommerce"
    url = factory.Sequence(lambda n: f"https://shop{n}.example.com")
    name = factory.LazyAttribute(lambda o: o.url.split("//", 1)[1] if o.checked else "")
    credentials_encrypted = factory.LazyAttribute(lambda o: credentials_encrypt(dict(o.credentials)))
    credentials_hint = factory.LazyAttribute(
        lambda o: {k: mask_secret(v) if "secret" in k else v for k, v in o.credentials.items()}
    )
    last_check_ok = factory.LazyAttribute(lambda o: True if o.checked else None)
    last_check_at = factory.LazyAttribute(lambda o: timezone.now() if o.checked else None)
    last_check_info = factory.LazyAttribute(lambda o: {**CHECKED_INFO, "url": o.url} if o.checked else {})


class MigrationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StoreMigration

    organization = factory.SubFactory(OrganizationFactory)
    source_store = factory.SubFactory(StoreFactory, organization=factory.SelfAttribute("..organization"))
    target_store = factory.SubFactory(StoreFactory, organization=factory.SelfAttribute("..organization"))
    entities = factory.LazyFunction(lambda: ["categories", "products"])
    state = MigrationState.READY
    quote = factory.LazyFunction(lambda: {"kind": "full", "amount_cents": 2900, "currency": "USD"})


class RunFactory(factory.django.DjangoModelFactory):
    """A run with one EntityProgress row per entity of its migration."""

    class Meta:
        model = MigrationRun
        skip_postgeneration_save = True

    migration = factory.SubFactory(MigrationFactory)
    organization = factory.SelfAttribute("migration.organization")
    kind = RunKind.FULL
    status = RunStatus.QUEUED

    @factory.post_generation
    def progress(run, create, extracted, **kwargs):
        if not create:
            return
        for position, entity in enumerate(run.migration.entities):
            EntityProgress.objects.create(organization=run.organization, run=run, entity=entity, position=position)


class RecordErrorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RecordError

    run = factory.SubFactory(RunFactory)
    organization = factory.SelfAttribute("run.organization")
    entity = "products"
    source_id = factory.Sequence(str)
    message = "Price is not a number."
    excerpt = '{"price": "abc"}'


class IdMapFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = IdMap

    migration = factory.SubFactory(MigrationFactory)
    organization = factory.SelfAttribute("migration.organization")
    entity = "products"
    source_id = factory.Sequence(str)
    target_id = factory.Sequence(lambda n: str(1000 + n))
    state = "done"
