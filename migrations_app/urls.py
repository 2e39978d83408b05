from django.urls import path

from .views import home, migrations, runs

urlpatterns = [
    path("", home.home, name="home"),
    path("migrations/", migrations.migration_list, name="migration-list"),
    path("runs/<uuid:run_id>/", runs.run_detail, name="run-detail"),
]
