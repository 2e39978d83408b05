"""Creating and configuring a migration: what the wizard, the API and the admin all call."""
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.views.decorators.debug import sensitive_variables

from accounts.models import Organization
from connectors.entities import ENTITY_ORDER, EntityType
from connectors.registry import get_connector_class

from ..enums import ACTIVE_RUN_STATUSES, MigrationState
from ..errors import ApplicationError, ValidationFailed
from ..models import MigrationRun, Store, StoreMigration
from .rules import quote_run
from .stores import normalize_store_url, store_check, store_create, store_update

SIDES = ("source", "target")

# Entities that cannot be migrated meaningfully without others (the rest of DEPENDENCIES only orders work).
REQUIRED_DEPENDENCIES: dict[EntityType, tuple[EntityType, ...]] = {
    EntityType.ORDER: (EntityType.PRODUCT, EntityType.CUSTOMER),
    EntityType.REVIEW: (EntityType.PRODUCT,),
}


def migratable_entities(*, source: Store, target: Store) -> list[EntityType]:
    """Entities the source can read and the target can write, in dependency order."""
    readable = get_connector_class(source.platform).capabilities.read
    writable = get_connector_class(target.platform).capabilities.write
    return [e for e in ENTITY_ORDER if e in readable and e in writable]


def options_clean(*, target_cls, options: dict | None, errors: dict[str, list[str]],
                  base: dict | None = None) -> dict:
    """The target's declared options, from `base` (or their defaults) overridden by `options`; problems
    are added to `errors["options"]`."""
    declared = {o.key: o for o in target_cls.option_fields}
    clean = {key: (base or {}).get(key, o.default) for key, o in declared.items()}
    if options is not None and not isinstance(options, dict):
        errors.setdefault("options", []).append('Expected an object of option keys and values, e.g. '
                                                '{"clear_target": true}.')
        return clean
    for key, value in (options or {}).items():
        option = declared.get(key)
        if option is None:
            errors.setdefault("options", []).append(f"{target_cls.label} has no option {key!r}.")
        elif option.type == "bool":
            if not isinstance(value, bool):
                errors.setdefault("options", []).append(f"{option.label}: expected true or false.")
            clean[key] = bool(value)
        elif option.type == "choice":
            if value not in {c[0] for c in option.choices}:
                errors.setdefault("options", []).append(
                    f"{option.label}: choose one of {', '.join(c[0] for c in option.choices)}."
                )
            clean[key] = value
    return clean


def _validate(*, organization, source_store, target_store, entities, options, language_mapping,
              status_mapping, group_mapping) -> tuple[list[str], dict]:
    errors: dict[str, list[str]] = {}
    for name, store in (("source_store", source_store), ("target_store", target_store)):
        if store is None or store.organization_id != organization.pk:
            errors[name] = ["Choose one of your stores."]
    if not errors and source_store.pk == target_store.pk:
        errors["target_store"] = ["The target must be a different store from the source."]
    if errors:
        raise ValidationFailed(errors)

    allowed = migratable_entities(source=source_store, target=target_store)
    chosen: list[EntityType] = []
    for raw in entities or []:
        try:
            entity = EntityType(raw)
        except ValueError:
            errors.setdefault("entities", []).append(f"{raw!r} is not an entity type.")
            continue
        if entity not in allowed:
            errors.setdefault("entities", []).append(
                f"{entity.label} cannot be migrated from {source_store.platform} to {target_store.platform}."
            )
        elif entity not in chosen:
            chosen.append(entity)
    if not chosen and "entities" not in errors:
        errors["entities"] = ["Select at least one entity to migrate."]
    for entity in chosen:
        missing = [d for d in REQUIRED_DEPENDENCIES.get(entity, ()) if d not in chosen and d in allowed]
        if missing:
            errors.setdefault("entities", []).append(
                f"{entity.label} need {' and '.join(m.label.lower() for m in missing)}: select them too."
            )

    target_cls = get_connector_class(target_store.platform)
    source_cls = get_connector_class(source_store.platform)
    clean_options = options_clean(target_cls=target_cls, options=options, errors=errors)

    def statuses(cls, store) -> set[str]:
        return set(cls.order_statuses) or set((store.last_check_info or {}).get("order_statuses", []))

    target_statuses, source_statuses = statuses(target_cls, target_store), statuses(source_cls, source_store)
    for src, dst in (status_mapping or {}).items():
        if source_statuses and src not in source_statuses:
            errors.setdefault("status_mapping", []).append(f"{src!r} is not an order status of the source store.")
        if target_statuses and dst not in target_statuses:
            errors.setdefault("status_mapping", []).append(f"{dst!r} is not an order status of the target store.")
    target_languages = set((target_store.last_check_info or {}).get("languages", []))
    for dst in (language_mapping or {}).values():
        if dst and target_languages and dst not in target_languages:
            errors.setdefault("language_mapping", []).append(
                f"{dst!r} is not a language of the target store ({', '.join(sorted(target_languages))})."
            )
    for name, value in (("group_mapping", group_mapping),):
        if value and not all(isinstance(k, str) and isinstance(v, str) for k, v in value.items()):
            errors.setdefault(name, []).append("Map names to names.")
    if errors:
        raise ValidationFailed(errors)
    return [str(e) for e in chosen], clean_options


@transaction.atomic
def migration_create(*, organization: Organization, user, source_store: Store, target_store: Store,
                     entities: list[str], options: dict | None = None, language_mapping: dict | None = None,
                     status_mapping: dict | None = None, group_mapping: dict | None = None) -> StoreMigration:
    """Validate a migration's configuration against both connectors and save it with its quote."""
    chosen, clean_options = _validate(
        organization=organization, source_store=source_store, target_store=target_store, entities=entities,
        options=options, language_mapping=language_mapping, status_mapping=status_mapping,
        group_mapping=group_mapping,
    )
    migration = StoreMigration.objects.create(
        organization=organization,
        source_store=source_store,
        target_store=target_store,
        entities=chosen,
        options=clean_options,
        language_mapping=language_mapping or {},
        status_mapping=status_mapping or {},
        group_mapping=group_mapping or {},
        state=MigrationState.READY,
        created_by=user if getattr(user, "is_authenticated", False) else None,
    )
    migration.quote = migration_quote(migration=migration)
    migration.save(update_fields=["quote"])
    return migration


def migration_quote(*, migration: StoreMigration) -> dict:
    counts = (migration.source_store.last_check_info or {}).get("counts", {})
    entity_counts = {e: int(counts.get(e, 0)) for e in migration.entities}
    return quote_run(kind="full", entity_counts=entity_counts).as_dict()


def _draft_get_or_create(*, organization: Organization, user, wizard_key: str) -> StoreMigration:
    """The draft this wizard form started, or a new one. The form's one-time key makes a double submit
    (two quick clicks, a resent POST) land on the same draft instead of creating two."""
    wizard_key = (wizard_key or "")[:64]  # saved and looked up alike (the column holds 64 characters)
    if wizard_key:
        found = StoreMigration.objects.filter(organization=organization, wizard_key=wizard_key).first()
        if found:
            return found
    try:
        with transaction.atomic():
            return StoreMigration.objects.create(
                organization=organization, state=MigrationState.DRAFT, wizard_key=wizard_key,
                created_by=user if getattr(user, "is_authenticated", False) else None,
            )
    except IntegrityError:
        return StoreMigration.objects.get(organization=organization, wizard_key=wizard_key)


@sensitive_variables("credentials")
def migration_setup_side(*, organization: Organization, user, migration: StoreMigration | None,
                         wizard_key: str = "", side: str, platform: str, url: str,
                         credentials: dict[str, str]) -> tuple[StoreMigration, Store]:
    """The wizard's Setup step for one side: save the store (creating the draft migration on the first
    check) and check its connection. Returns the migration and the checked store; the store's
    `last_check_ok` / `last_check_info` say how the check went.

    Before the first run a side can change platform or address freely (the draft goes back to
    configuring); once a run has started only the credentials can change, because the id map ties
    the migration to those two stores."""
    if side not in SIDES:
        raise ApplicationError(f"Unknown side {side!r}.", field="side")
    with transaction.atomic():  # a refused store leaves no draft behind
        if migration is None:
            migration = _draft_get_or_create(organization=organization, user=user, wizard_key=wizard_key)
        if migration.organization_id != organization.pk:
            raise ApplicationError("Migration not found.")
        store = _setup_store(organization=organization, migration=migration, side=side, platform=platform,
                             url=url, credentials=credentials)
    store = store_check(store=store)
    return migration, store


@sensitive_variables("credentials")
def _setup_store(*, organization, migration: StoreMigration, side: str, platform: str, url: str,
                 credentials: dict[str, str]) -> Store:
    if MigrationRun.objects.filter(migration=migration, status__in=ACTIVE_RUN_STATUSES).exists():
        raise ApplicationError("A run of this migration is in progress; wait for it to end or cancel it.")
    has_runs = MigrationRun.objects.filter(migration=migration).exists()
    current: Store | None = getattr(migration, f"{side}_store")
    other: Store | None = getattr(migration, f"{'target' if side == 'source' else 'source'}_store")
    store = None
    if current is not None and current.platform == platform:
        shared = StoreMigration.objects.filter(organization=organization).exclude(pk=migration.pk).filter(
            Q(source_store=current) | Q(target_store=current)).exists()
        if has_runs and normalize_store_url(url) != current.url:
            raise ValidationFailed({"url": [
                "This migration has already run against this store; start a new migration for another address."]})
        store = current if not shared else None
    elif current is not None and has_runs:
        raise ValidationFailed({"platform": [
            "This migration has already run; start a new migration to use another platform."]})
    if store is not None:
        store = store_update(store=store, url=url, credentials=credentials)
    else:
        store = store_create(organization=organization, platform=platform, url=url, credentials=credentials)
        setattr(migration, f"{side}_store", store)
        migration.state = MigrationState.DRAFT  # the configuration must be confirmed again
        migration.save()
    if other is not None and other.url == store.url and other.platform == store.platform:
        raise ValidationFailed({"url": ["The source and the target must be different stores."]})
    return store


def migration_setup_ready(*, migration: StoreMigration) -> None:
    """Raise ValidationFailed unless both stores are saved and their last connection check passed."""
    errors: dict[str, list[str]] = {}
    for side in SIDES:
        store: Store | None = getattr(migration, f"{side}_store")
        if store is None:
            errors[side] = [f"Enter the {side} store and check its connection."]
        elif not store.last_check_ok:
            errors[side] = [f"The connection to the {side} store ({store.url}) has not passed its check yet."]
    if not errors and migration.source_store_id == migration.target_store_id:
        errors["target"] = ["The target must be a different store from the source."]
    if errors:
        raise ValidationFailed(errors)


@transaction.atomic
def migration_configure(*, migration: StoreMigration, entities: list[str], options: dict | None = None,
                        language_mapping: dict | None = None, status_mapping: dict | None = None,
                        group_mapping: dict | None = None) -> StoreMigration:
    """The wizard's Configure step: validate against both connectors, save, quote; a draft becomes ready."""
    migration_setup_ready(migration=migration)
    locked = StoreMigration.objects.select_for_update().get(pk=migration.pk)
    if MigrationRun.objects.filter(migration=locked, status__in=ACTIVE_RUN_STATUSES).exists():
        raise ApplicationError("A run of this migration is in progress; change the configuration when it ends.")
    chosen, clean_options = _validate(
        organization=migration.organization, source_store=migration.source_store,
        target_store=migration.target_store, entities=entities, options=options,
        language_mapping=language_mapping, status_mapping=status_mapping, group_mapping=group_mapping,
    )
    migration.entities = chosen
    migration.options = clean_options
    # "" = do not migrate that language (the engine drops translations whose language maps to nothing).
    migration.language_mapping = language_mapping or {}
    migration.status_mapping = status_mapping or {}
    migration.group_mapping = {k: v for k, v in (group_mapping or {}).items() if v}
    if migration.state == MigrationState.DRAFT:
        migration.state = MigrationState.READY
    migration.quote = migration_quote(migration=migration)
    migration.save()
    return migration
