from django.contrib.auth.decorators import login_required
from django.shortcuts import render


@login_required
def migration_list(request):
    return render(request, "migrations/list.html", {"nav": "migrations"})
