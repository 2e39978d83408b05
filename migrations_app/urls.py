from django.urls import path

from .views import confirm, followup, home, migrations, runs, samples, wizard

urlpatterns = [
    path("", home.home, name="home"),
    path("migrations/", migrations.migration_list, name="migration-list"),
    path("migrations/new/", wizard.wizard_setup, name="wizard-new"),
    path("migrations/new/fields/", wizard.wizard_fields, name="wizard-fields"),
    path("migrations/samples/", samples.sample_migration_start, name="sample-migration"),
    path("migrations/<uuid:migration_id>/", migrations.migration_detail, name="migration-detail"),
    path("migrations/<uuid:migration_id>/setup/", wizard.wizard_setup, name="wizard-setup"),
    path("migrations/<uuid:migration_id>/configure/", wizard.wizard_configure, name="wizard-configure"),
    path("migrations/<uuid:migration_id>/review/", wizard.wizard_review, name="wizard-review"),
    path("migrations/<uuid:migration_id>/start/", migrations.migration_run_start, name="migration-run-start"),
    path("migrations/<uuid:migration_id>/confirm/", confirm.migration_run_confirm, name="migration-run-confirm"),
    path("migrations/<uuid:migration_id>/quote/", followup.migration_quote, name="migration-quote"),
    path("migrations/<uuid:migration_id>/again/", followup.migration_followup_start, name="migration-followup-start"),
    path("migrations/<uuid:migration_id>/smart-update/", followup.migration_smart_update,
         name="migration-smart-update"),
    path("runs/<uuid:run_id>/", runs.run_detail, name="run-detail"),
    path("runs/<uuid:run_id>/changes/", runs.run_changes_page, name="run-changes"),
    path("runs/<uuid:run_id>/live/", runs.run_live, name="run-live"),
    path("runs/<uuid:run_id>/errors/", runs.run_errors_page, name="run-errors"),
    path("runs/<uuid:run_id>/errors.csv", runs.run_errors_csv, name="run-errors-csv"),
    path("runs/<uuid:run_id>/cancel/", runs.run_cancel_view, name="run-cancel"),
]
