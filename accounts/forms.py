"""Input of the account page. Forms only validate; the services in accounts.services write."""
import zoneinfo

from django import forms

from .models import ApiToken, Organization


def time_zone_choices() -> list[tuple[str, str]]:
    zones = sorted(z for z in zoneinfo.available_timezones() if "/" in z and not z.startswith(("Etc/", "SystemV/")))
    return [("", "Automatic: my browser's time zone"), ("UTC", "UTC"), *((z, z.replace("_", " ")) for z in zones)]


class ProfileForm(forms.Form):
    first_name = forms.CharField(max_length=150, required=False, label="First name")
    last_name = forms.CharField(max_length=150, required=False, label="Last name")
    time_zone = forms.ChoiceField(required=False, label="Time zone", choices=time_zone_choices,
                                  help_text="Times on these pages are shown in it.")


class _IdsForm(forms.Form):
    """Several forms share the account page: each prefixes its HTML ids (field names stay plain)."""

    id_prefix = ""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", f"id_{self.id_prefix}_%s")
        super().__init__(*args, **kwargs)


class OrganizationForm(_IdsForm):
    id_prefix = "organization"
    name = forms.CharField(max_length=Organization._meta.get_field("name").max_length, label="Organization name")


class InviteForm(_IdsForm):
    id_prefix = "invite"
    email = forms.EmailField(
        label="Email address",
        help_text="They get an email with a link to join as a member; the link works for 14 days.",
        widget=forms.EmailInput(attrs={"autocomplete": "off", "placeholder": "colleague@example.com"}),
    )


class ApiTokenForm(_IdsForm):
    id_prefix = "token"
    name = forms.CharField(
        max_length=ApiToken._meta.get_field("name").max_length,
        label="Token name",
        help_text="What uses it, e.g. “CI” or “ERP sync”.",
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )


class OrganizationSwitchForm(forms.Form):
    organization = forms.UUIDField()
