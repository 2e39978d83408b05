"""The published OpenAPI schema against the API itself: schemathesis generates valid and invalid requests for
every operation of /api/schema/ and checks each answer (issue 13): no server error, a documented status code,
a documented content type, a body matching its schema, invalid input refused. A bounded budget per operation;
under CI the examples are derandomized (tests/conftest.py), so the same requests run each time."""
import os

import pytest
import schemathesis
from django.conf import settings as django_settings
from django.core import signals
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from accounts.services import api_token_create
from migrations_app.enums import MigrationState, RunStatus
from migrator.wsgi import application
from tests.factories import MigrationFactory, RecordErrorFactory, RunFactory, UserFactory, organization_of

schema = schemathesis.openapi.from_dict(SchemaGenerator().get_schema(request=None, public=True))
schema.app = application

EXAMPLES = int(os.environ.get("SCHEMATHESIS_EXAMPLES", "25"))


@pytest.fixture
def in_process_wsgi():
    """As Django's test client does: the in-process WSGI handler must not close the test's DB connection
    at the end of each request."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def token(db, settings, in_process_wsgi):
    """A member of an organization with a migration, its runs and a record error, so lists are not empty."""
    settings.ALLOWED_HOSTS = [*django_settings.ALLOWED_HOSTS, "localhost", "testserver"]
    user = UserFactory()
    organization = organization_of(user)
    migration = MigrationFactory(organization=organization, state=MigrationState.FULL_COMPLETED)
    run = RunFactory(migration=migration, status=RunStatus.COMPLETED_WITH_ERRORS)
    RecordErrorFactory(run=run, organization=organization)
    _token, key = api_token_create(user=user, organization=organization, name="schemathesis")
    return key


@pytest.mark.django_db(transaction=False)
@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
def test_the_api_answers_as_its_schema_says(case, token):
    # Runs started here stay queued: their tasks are sent on commit, and this test's transaction never commits.
    # positive_data_acceptance is left out: a request valid by the schema may still break a rule of the
    # services (a store id of another organization, an unreachable URL) and 400 is then the right answer.
    case.call_and_validate(headers={"Authorization": f"Token {token}"}, excluded_checks=[positive_data_acceptance])
