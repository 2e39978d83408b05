"""`make run`'s demo: an account and its sandbox stores, registered once however often it runs."""
import io

import pytest
from django.core.management import call_command

from migrations_app.models import Store

pytestmark = pytest.mark.django_db


def test_bootstrap_demo_registers_a_woocommerce_source_and_two_targets_once():
    out = io.StringIO()
    call_command("bootstrap_demo", products=3, customers=2, orders=2, stdout=out)
    call_command("bootstrap_demo", products=3, customers=2, orders=2, stdout=io.StringIO())
    stores = sorted((s.platform, s.url.rsplit("/", 1)[-1]) for s in Store.objects.all())
    assert stores == [("shopify", "demo-shopify"), ("woocommerce", "demo-source"), ("woocommerce", "demo-target")]
    assert len({s.organization_id for s in Store.objects.all()}) == 1
    printed = out.getvalue()
    assert "Shopify target store:" in printed and "Admin API access token shpat_" in printed
