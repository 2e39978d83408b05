from django.shortcuts import redirect, render

from connectors.registry import all_connectors


def home(request):
    """Signed-in owners go straight to My Migrations; everybody else sees what the product does."""
    if request.user.is_authenticated:
        return redirect("migration-list")
    return render(request, "home.html", {"platforms": [cls.label for cls in all_connectors().values()]})
