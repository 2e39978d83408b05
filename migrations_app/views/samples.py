"""One click for a new account to try the product on sample stores (local and test settings only)."""
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from ..errors import ApplicationError
from ..services.samples import sample_migration_create, sample_stores_offered
from .common import organization_of
from .migrations import wizard_step_url


@login_required
@require_POST
def sample_migration_start(request):
    """Make a draft migration between sample stores, then continue in the wizard (Configure)."""
    if not sample_stores_offered():
        raise Http404
    try:
        migration = sample_migration_create(organization=organization_of(request), user=request.user,
                                            site_url=request.build_absolute_uri("/"))
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect("migration-list")
    messages.success(request, "Both sample stores are connected: choose what to migrate.")
    return redirect(wizard_step_url(migration))
