"""Forms of the store owner's pages. They only shape input for the services and show the services'
errors next to the right field; they hold no business rules."""
from django import forms

from connectors.base import CLEAR_SCOPE, CLEAR_TARGET, STANDARD_OPTIONS, OptionField
from connectors.entities import EntityType
from connectors.registry import all_connectors, get_connector_class

from .enums import MigrationState, RunStatus
from .errors import ValidationFailed
from .labels import language_name
from .models import SmartUpdateConfig, Store, StoreMigration
from .services.wizard import REQUIRED_DEPENDENCIES, migratable_entities


def platform_choices(side: str) -> list[tuple[str, str]]:
    """Platforms that can be a source (they read something) or a target (they write something)."""
    out = []
    for key, cls in sorted(all_connectors().items(), key=lambda kv: kv[1].label.lower()):
        if (cls.capabilities.read if side == "source" else cls.capabilities.write):
            out.append((key, cls.label))
    return out


def add_service_errors(form: forms.Form, exc: ValidationFailed, *, field_map: dict[str, str] | None = None) -> None:
    """Put a service's field errors next to the form's fields; unknown names become form-level errors."""
    for name, messages in exc.errors.items():
        target = (field_map or {}).get(name, name)
        for message in messages:
            form.add_error(target if target in form.fields else None, message)


class StoreSideForm(forms.Form):
    """One side of the Setup step: cart type, address and the credential fields that platform declares."""

    platform = forms.ChoiceField(label="Cart type")
    url = forms.CharField(label="Store URL", max_length=500)

    def __init__(self, *args, side: str, platform: str | None = None, store: Store | None = None, **kwargs):
        kwargs.setdefault("prefix", side)
        super().__init__(*args, **kwargs)
        self.side = side
        self.store = store
        self.fields["platform"].choices = [("", "Choose a platform…")] + platform_choices(side)
        chosen = platform or (self.data.get(self.add_prefix("platform")) if self.is_bound else None)
        chosen = chosen or (store.platform if store else None)
        self.connector = all_connectors().get(chosen or "")
        if store is not None and not self.is_bound:
            self.initial.update({"platform": store.platform, "url": store.url})
        if self.connector is not None:
            self.initial.setdefault("platform", self.connector.platform)
            self.fields["url"].help_text = self.connector.url_help
            saved = store is not None and store.platform == self.connector.platform
            for field in self.connector.credential_fields:
                hint = (store.credentials_hint or {}).get(field.key, "") if saved else ""
                help_text = field.help
                if saved and hint:
                    help_text = f"Saved: {hint}. Leave blank to keep it. {field.help}".strip()
                self.fields[f"cred_{field.key}"] = forms.CharField(
                    label=field.label, required=False, help_text=help_text, max_length=500,
                    widget=forms.PasswordInput(render_value=False) if field.secret else forms.TextInput(),
                    initial=None if field.secret else hint or None,
                )

    @property
    def credential_fields(self):
        return [self[name] for name in self.fields if name.startswith("cred_")]

    def credentials(self) -> dict[str, str]:
        return {name[len("cred_"):]: value for name, value in self.cleaned_data.items()
                if name.startswith("cred_") and value}

    def field_map(self) -> dict[str, str]:
        mapping = {"url": "url", "platform": "platform"}
        if self.connector is not None:
            mapping.update({f"credentials.{f.key}": f"cred_{f.key}" for f in self.connector.credential_fields})
        return mapping


def _option_form_field(option: OptionField) -> forms.Field:
    if option.type == "choice":
        return forms.ChoiceField(label=option.label, help_text=option.help, choices=option.choices,
                                 initial=option.default, widget=forms.RadioSelect, required=False)
    return forms.BooleanField(label=option.label, help_text=option.help, initial=option.default, required=False)


class ConfigureForm(forms.Form):
    """The Configure step, built from what both connectors declare and what their checks found."""

    entities = forms.MultipleChoiceField(label="Entities to migrate", widget=forms.CheckboxSelectMultiple,
                                         required=False)

    def __init__(self, *args, migration: StoreMigration, **kwargs):
        super().__init__(*args, **kwargs)
        self.migration = migration
        source, target = migration.source_store, migration.target_store
        self.source_cls = get_connector_class(source.platform)
        self.target_cls = get_connector_class(target.platform)
        source_info, target_info = source.last_check_info or {}, target.last_check_info or {}
        counts = source_info.get("counts", {})
        allowed = migratable_entities(source=source, target=target)
        self.entity_rows = [
            {"value": str(e), "label": e.label, "count": counts.get(str(e)),
             "needs": [d.label for d in REQUIRED_DEPENDENCIES.get(e, ()) if d in allowed]}
            for e in allowed
        ]
        self.unsupported_entities = [
            e.label for e in EntityType
            if e not in allowed and (e in self.source_cls.capabilities.read or e in self.target_cls.capabilities.write)
        ]
        self.fields["entities"].choices = [(r["value"], r["label"]) for r in self.entity_rows]
        self.fields["entities"].initial = migration.entities or [r["value"] for r in self.entity_rows]

        # Options the target declares; the standard ones it lacks are listed as not available.
        declared = {o.key: o for o in self.target_cls.option_fields}
        saved_options = migration.options or {}
        self.option_names = []
        for key, option in declared.items():
            name = f"opt_{key}"
            self.fields[name] = _option_form_field(option)
            if key in saved_options:
                self.fields[name].initial = saved_options[key]
            self.option_names.append(name)
        self.unavailable_options = [o for o in STANDARD_OPTIONS if o.key not in declared]

        # Language mapping: one row per source language.
        self.language_names = []
        target_languages = target_info.get("languages") or []
        for lang in source_info.get("languages") or []:
            name = f"lang_{lang}"
            initial = (migration.language_mapping or {}).get(lang)
            if initial is None:
                initial = lang if lang in target_languages else (target_info.get("default_language") or "")
            self.fields[name] = forms.ChoiceField(
                label=language_name(lang), required=False, initial=initial,
                choices=[("", "Do not migrate this language")] + [(t, language_name(t)) for t in target_languages],
            )
            self.language_names.append(name)

        # Order status mapping: one row per source status, defaulting to the target's status of the same meaning.
        self.status_names = []
        target_statuses = list(self.target_cls.order_statuses) or target_info.get("order_statuses") or []
        source_statuses = list(self.source_cls.order_statuses) or source_info.get("order_statuses") or []
        if EntityType.ORDER in allowed:
            for status in source_statuses:
                name = f"status_{status}"
                initial = (migration.status_mapping or {}).get(status)
                if initial is None:
                    meaning = self.source_cls.order_statuses.get(status)
                    initial = (self.target_cls.default_status_for(meaning) if meaning else None) or (
                        status if status in target_statuses else "")
                self.fields[name] = forms.ChoiceField(
                    label=status, initial=initial, required=False,
                    choices=[("", "Same meaning (automatic)")] + [(t, t) for t in target_statuses],
                )
                self.status_names.append(name)

        # Customer group mapping, where both sides have groups.
        self.group_names = []
        if self.source_cls.capabilities.customer_groups and self.target_cls.capabilities.customer_groups:
            target_groups = target_info.get("customer_groups") or []
            for group in source_info.get("customer_groups") or []:
                name = f"group_{group}"
                self.fields[name] = forms.ChoiceField(
                    label=group, required=False, initial=(migration.group_mapping or {}).get(group, ""),
                    choices=[("", "No group")] + [(g, g) for g in target_groups],
                )
                self.group_names.append(name)

    def _bound(self, names):
        return [self[n] for n in names]

    @property
    def option_fields(self):
        return self._bound(self.option_names)

    @property
    def language_fields(self):
        return self._bound(self.language_names)

    @property
    def status_fields(self):
        return self._bound(self.status_names)

    @property
    def group_fields(self):
        return self._bound(self.group_names)

    @property
    def clear_fields(self):
        names = [f"opt_{CLEAR_TARGET.key}", f"opt_{CLEAR_SCOPE.key}"]
        return [self[n] for n in names if n in self.fields]

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        options = {}
        for name in self.option_names:
            key = name[len("opt_"):]
            option = next(o for o in self.target_cls.option_fields if o.key == key)
            value = data.get(name)
            if option.type == "choice" and not value:
                value = option.default
            options[key] = value
        return {
            "entities": data.get("entities") or [],
            "options": options,
            "language_mapping": {n[len("lang_"):]: data.get(n) or "" for n in self.language_names},
            "status_mapping": {n[len("status_"):]: data[n] for n in self.status_names if data.get(n)},
            "group_mapping": {n[len("group_"):]: data.get(n) or "" for n in self.group_names},
        }


class MigrationFilterForm(forms.Form):
    STATUS_CHOICES = [
        ("", "All"), ("draft", "Setup not finished"), ("not_started", "Not started"),
        *[(s.value, s.label) for s in RunStatus],
    ]
    status = forms.ChoiceField(choices=STATUS_CHOICES, required=False)
    q = forms.CharField(required=False, max_length=200, label="Search",
                        widget=forms.TextInput(attrs={"type": "search", "placeholder": "Migration id or store URL"}))


# --- after the full migration --------------------------------------------------------------------------
class EntitiesMixin:
    def _entity_field(self, migration: StoreMigration, initial=None):
        self.fields["entities"] = forms.MultipleChoiceField(
            label="Entities", widget=forms.CheckboxSelectMultiple, required=True,
            choices=[(e, EntityType(e).label) for e in migration.entities],
            initial=initial if initial is not None else list(migration.entities),
            error_messages={"required": "Select at least one entity."},
        )


class RemigrationForm(EntitiesMixin, forms.Form):
    """Re-migrate: the entities, the target's options (clear the target first?) and the languages again."""

    def __init__(self, *args, migration: StoreMigration, **kwargs):
        kwargs.setdefault("prefix", "remig")
        super().__init__(*args, **kwargs)
        self.migration = migration
        self._entity_field(migration)
        target_cls = get_connector_class(migration.target_store.platform)
        self.target_options = list(target_cls.option_fields)
        # Once the new store is live it sells on its own data: clearing it is not offered (plans.py refuses it).
        self.live = migration.state == MigrationState.LIVE
        self.clears = any(o.key == CLEAR_TARGET.key for o in self.target_options)
        if self.live:
            self.target_options = [o for o in self.target_options if o.key not in (CLEAR_TARGET.key, CLEAR_SCOPE.key)]
        for option in self.target_options:
            field = _option_form_field(option)
            field.initial = (migration.options or {}).get(option.key, option.default)
            if option.key == CLEAR_TARGET.key:
                field.initial = False  # clearing is a choice made each time, never inherited silently
            self.fields[f"opt_{option.key}"] = field
        target_languages = (migration.target_store.last_check_info or {}).get("languages") or []
        self.language_names = []
        for lang in (migration.source_store.last_check_info or {}).get("languages") or []:
            name = f"lang_{lang}"
            self.fields[name] = forms.ChoiceField(
                label=language_name(lang), required=False, initial=(migration.language_mapping or {}).get(lang, lang),
                choices=[("", "Do not migrate this language")] + [(t, language_name(t)) for t in target_languages])
            self.language_names.append(name)

    @property
    def option_fields(self):
        return [self[f"opt_{o.key}"] for o in self.target_options]

    @property
    def language_fields(self):
        return [self[n] for n in self.language_names]

    def params(self) -> dict:
        data = self.cleaned_data
        options = {}
        for option in self.target_options:
            value = data.get(f"opt_{option.key}")
            options[option.key] = (value or option.default) if option.type == "choice" else bool(value)
        if self.live and self.clears:
            options[CLEAR_TARGET.key] = False
        params = {"entities": data["entities"], "options": options}
        if self.language_names:
            params["language_mapping"] = {n[len("lang_"):]: data.get(n) or "" for n in self.language_names}
        return params


class RecentForm(EntitiesMixin, forms.Form):
    def __init__(self, *args, migration: StoreMigration, **kwargs):
        kwargs.setdefault("prefix", "recent")
        super().__init__(*args, **kwargs)
        self._entity_field(migration)

    def params(self) -> dict:
        return {"entities": self.cleaned_data["entities"]}


class SmartUpdateForm(forms.Form):
    """Which fields to keep in sync per entity, the conflict policy, deletions and the schedule."""

    conflict_policy = forms.ChoiceField(label="When the same field was also edited on the target",
                                        widget=forms.RadioSelect, choices=())
    deletions = forms.ChoiceField(label="Records deleted on the source", widget=forms.RadioSelect, choices=())
    schedule = forms.ChoiceField(label="Run", choices=())
    interval_minutes = forms.IntegerField(label="Every (minutes)", required=False, min_value=1, max_value=10080)

    def __init__(self, *args, migration: StoreMigration, config, catalog: dict[str, list[str]], labels: dict,
                 **kwargs):
        kwargs.setdefault("prefix", "smart")
        super().__init__(*args, **kwargs)
        self.fields["conflict_policy"].choices = SmartUpdateConfig.Policy.choices
        self.fields["deletions"].choices = SmartUpdateConfig.Deletions.choices
        self.fields["schedule"].choices = SmartUpdateConfig.Schedule.choices
        self.initial.update({"conflict_policy": config.conflict_policy, "deletions": config.deletions,
                             "schedule": config.schedule, "interval_minutes": max(1, config.interval_seconds // 60)})
        self.entity_names = []
        for entity, names in catalog.items():
            name = f"fields_{entity}"
            self.fields[name] = forms.MultipleChoiceField(
                label=EntityType(entity).label, required=False, widget=forms.CheckboxSelectMultiple,
                choices=[(n, labels.get(n, n.replace("_", " ").capitalize())) for n in names],
                initial=(config.fields or {}).get(entity, []))
            self.entity_names.append(name)

    @property
    def entity_fields(self):
        return [self[n] for n in self.entity_names]

    def selection(self) -> dict[str, list[str]]:
        return {n[len("fields_"):]: self.cleaned_data.get(n) or [] for n in self.entity_names
                if self.cleaned_data.get(n)}

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        minutes = data.get("interval_minutes") or 60
        return {"fields": self.selection(), "conflict_policy": data["conflict_policy"],
                "deletions": data["deletions"], "schedule": data["schedule"], "interval_seconds": minutes * 60}
