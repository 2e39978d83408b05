from django.urls import path

from .views import home, runs

urlpatterns = [
    path("", home.home, name="home"),
    path("runs/<uuid:run_id>/", runs.run_detail, name="run-detail"),
]
