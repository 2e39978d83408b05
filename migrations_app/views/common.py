"""What every page view needs: the request's tenant, and how a migration's options read."""
from django.http import Http404

from connectors.base import CLEAR_SCOPE, CLEAR_TARGET
from connectors.registry import all_connectors


def organization_of(request):
    """The tenant of this request; a signed-in user without an organization sees nothing (404)."""
    if not request.organization:  # a lazy object: falsy when the user has no organization
        raise Http404
    return request.organization


def options_display(migration) -> list[dict]:
    """The target's options as label and readable value, for the review and migration pages."""
    cls = all_connectors().get(migration.target_store.platform)
    out = []
    for option in (cls.option_fields if cls else ()):
        value = (migration.options or {}).get(option.key, option.default)
        if option.key == CLEAR_SCOPE.key and not (migration.options or {}).get(CLEAR_TARGET.key):
            continue
        shown = dict(option.choices).get(value, value) if option.type == "choice" else ("yes" if value else "no")
        out.append({"key": option.key, "label": option.label, "value": shown})
    return out
