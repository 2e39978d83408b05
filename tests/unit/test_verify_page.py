"""The Check Result block of the run page shows the verdict, what was not checked, the counts per language,
duplicates, orphans and missing references with links to the target's records."""
import pytest

from accounts.models import Membership
from migrations_app.enums import RunStatus
from tests.factories import RunFactory, UserFactory

ENTRY = {"source_count": 30, "target_count": 30, "migrated": 30, "expected": 30, "sample": [],
         "count_check": {"compared": "target_count to source_count", "equal": True, "note": ""}}


def page(client, verification: dict) -> str:
    run = RunFactory(status=RunStatus.COMPLETED, verification=verification)
    member = UserFactory()
    Membership.objects.filter(user=member).delete()
    Membership.objects.create(organization=run.organization, user=member)
    client.force_login(member)
    response = client.get(f"/runs/{run.pk}/")
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.django_db
def test_check_result_shows_each_finding_and_the_verdict(client):
    products = {
        **ENTRY, "problems": 4, "not_checked": [],
        "languages": {"en": {"source": 30, "target": 30, "expected": 30, "equal": True, "note": ""},
                      "fr": {"source": 30, "target": 40, "expected": 30, "equal": False,
                             "note": "the target holds 40, the source 30"}},
        "duplicates": {"count": 1, "groups": 1, "examples": [
            {"language": "fr", "key": "SKU-7", "records": [{"id": "71", "url": "https://t.example/p/71"},
                                                            {"id": "99", "url": "https://t.example/p/99"}]}]},
        "orphans": {"count": 1, "examples": [{"id": "120", "url": "https://t.example/p/120", "language": "fr",
                                              "why": "a fr translation whose original is gone"}]},
        "missing_on_target": {"count": 0, "examples": []},
        "missing_references": {"count": 1, "examples": [
            {"source_id": "5", "target_id": "55", "field": "category_ids[]", "entity": "categories", "value": "9",
             "why": "refers to categories #909 on the target, which does not exist", "url": "https://t.example/p/55"}]},
    }
    body = page(client, {"entities": {"products": products}, "mismatches": 0, "sampled": 0, "problems": 4,
                         "not_checked": [], "verdict": "differences found"})
    assert 'data-verdict="differences found"' in body and "4 problems" in body
    assert 'data-lang="fr"' in body and "the target holds 40, the source 30" in body
    assert 'href="https://t.example/p/99"' in body and "SKU-7" in body
    assert "a fr translation whose original is gone" in body and 'href="https://t.example/p/120"' in body
    assert "categories #909 on the target" in body


@pytest.mark.django_db
def test_check_result_says_what_could_not_be_checked(client):
    not_checked = {"figure": "records in fr", "why": "target: not available on this platform"}
    products = {**ENTRY, "problems": 0, "not_checked": [not_checked],
                "languages": {"en": {"source": 3, "target": 3, "expected": 3, "equal": True, "note": ""},
                              "fr": {"source": 3, "target": None, "expected": 3, "equal": None,
                                     "note": "target: not available on this platform"}},
                "duplicates": {"count": 0, "groups": 0, "examples": []}, "orphans": {"count": 0, "examples": []}}
    body = page(client, {"entities": {"products": products}, "mismatches": 0, "sampled": 0, "problems": 0,
                         "not_checked": [{"entity": "products", "label": "Products", **not_checked}],
                         "verdict": "could not check"})
    assert 'data-verdict="could not check"' in body and 'data-verdict="ok"' not in body
    assert "Products, records in fr: target: not available on this platform" in body


@pytest.mark.django_db
def test_check_result_of_an_old_run_without_a_verdict_still_renders(client):
    body = page(client, {"entities": {"products": {**ENTRY}}, "mismatches": 0, "sampled": 0})
    assert 'data-test="check-row"' in body and 'data-test="verdict"' not in body


@pytest.mark.django_db
def test_check_result_that_could_not_finish_says_so(client):
    body = page(client, {"error": "Verification could not finish: the store is down"})
    assert 'data-verdict="could not check"' in body and "the store is down" in body
