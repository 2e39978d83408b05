"""The Magento 2 connector against its sandbox store over real HTTP: the connection check (a wrong token, a wrong
store code and a missing ACL resource each say what to fix; admin credentials instead of a token), store views
as languages, what each stream reads (configurable products with their children, translations, nested
categories, orders with shipments, tracks, invoices and credit memos, coupons with their rules, malformed
records as record errors), reads of changes and the last-page repeat."""
import time
from datetime import timedelta

import pytest
import requests

from connectors.entities import EntityType as E
from connectors.errors import AuthenticationError, ConfigError
from connectors.http import HttpClient
from connectors.magento2 import Magento2Connector
from sandbox.models import SandboxStore

pytestmark = pytest.mark.django_db(transaction=True)


def connect(described, **credentials) -> Magento2Connector:
    return Magento2Connector(base_url=described["base_url"], credentials={**described["credentials"], **credentials},
                             http=HttpClient(max_retries=1, backoff_cap=0.1))


def read_all(connector, entity, **kwargs):
    items, errors = [], []
    for page in connector.read(entity, **kwargs):
        items += page.items
        errors += page.errors
    return items, errors


@pytest.fixture
def seeded(magento2_store_factory):
    return magento2_store_factory("m2-conn", products=6, customers=4, orders=12, seed=3, malformed=True)


def test_connection_check_names_languages_counts_and_groups(seeded):
    info = connect(seeded).check_connection()
    assert (info.languages, info.default_language, info.currency) == (["en", "fr"], "en", "USD")
    # products: the 6 catalog products and the 2 malformed ones (children travel inside their configurable)
    assert seeded["counts"]["products"] > 8 and info.counts["products"] == 8
    assert info.counts["orders"] == 12 and info.counts["customers"] == 5 and info.counts["pages"] == 6
    assert info.counts["categories"] == 9  # below the store root: 3 top categories with 2 children each
    assert set(info.customer_groups) == {"General", "Wholesale", "Retailer"}
    assert "complete" in info.order_statuses


def test_connection_check_tells_a_wrong_token_a_wrong_store_code_and_a_missing_acl_resource_apart(seeded):
    with pytest.raises(AuthenticationError, match="did not accept the access token") as wrong_token:
        connect(seeded, access_token="x" * 32).check_connection()
    assert wrong_token.value.detail == "token"
    with pytest.raises(ConfigError, match="no store view with the code 'nope'; its views are: default, fr") as code:
        connect(seeded, store_code="nope").check_connection()
    assert code.value.detail == "store_code" and not isinstance(code.value, AuthenticationError)
    limited = seeded["read_only_credentials"]["access_token"]  # only the store and catalog resources
    with pytest.raises(AuthenticationError, match="lacks ACL resources") as acl:
        connect(seeded, access_token=limited).check_connection()
    message = acl.value.message
    assert "Magento_Customer::customer (Customers → All Customers) for customers" in message
    assert "Magento_Sales::actions_view" in message and "orders" in message
    assert "Magento_Catalog::products" not in message  # what the token has is not named


def test_a_store_view_code_makes_that_view_the_default_language(seeded):
    info = connect(seeded, store_code="fr").check_connection()
    assert (info.default_language, info.languages) == ("fr", ["fr", "en"])
    products, _ = read_all(connect(seeded, store_code="fr"), E.PRODUCT)
    first = next(p for p in products if p.sku == "MG-00001")
    assert first.name.startswith("Short") and first.translations["en"]["name"].startswith("Summit")


def test_admin_credentials_instead_of_a_token(seeded):
    connector = connect(seeded, access_token="")
    assert connector.check_connection().counts["orders"] == 12
    with pytest.raises(AuthenticationError, match="refused the admin sign-in"):
        connect(seeded, access_token="", admin_password="wrong").check_connection()


def test_products_with_children_options_translations_stock_images_and_record_errors(seeded):
    connector = connect(seeded)
    products, errors = read_all(connector, E.PRODUCT)
    assert sorted(e.source_id for e in errors) == sorted(
        str(p["id"]) for p in _raw(seeded, "products", sku=("MALFORMED-NAME", "MALFORMED-CONFIG")))
    variable = [p for p in products if p.type == "variable"]
    assert len(variable) == 3 and len(products) == 6
    product = variable[0]
    raw_children = _raw(seeded, f"configurable-products/{product.sku}/children")
    assert [v.sku for v in product.variants] == [c["sku"] for c in raw_children]
    assert [o.name for o in product.options] == ["Color", "Size"]
    for variant, raw in zip(product.variants, raw_children, strict=True):
        assert variant.stock_quantity == raw["extension_attributes"]["stock_item"]["qty"]
        assert set(variant.option_values) == {"Color", "Size"} and variant.sku.endswith(variant.option_values["Color"])
    child_ids = {v.source_id for p in variable for v in p.variants}
    assert not child_ids & {p.source_id for p in products}  # children are not products of their own
    assert product.translations["fr"]["name"] != product.name and product.translations["fr"]["slug"]
    assert product.images[0].url.endswith(".png") and "/media/catalog/product/" in product.images[0].url
    assert product.extra["magento2"]["url"].endswith(f"/{product.seo.url_key}.html")
    assert product.manufacturer_id and product.tax_class_id == "2" and product.category_ids
    manufacturers = {m.source_id for m in read_all(connector, E.MANUFACTURER)[0]}
    assert {p.manufacturer_id for p in products} <= manufacturers


def test_categories_nest_below_the_store_root_with_their_storefront_path(seeded):
    categories, _ = read_all(connect(seeded), E.CATEGORY)
    by_id = {c.source_id: c for c in categories}
    tops = [c for c in categories if c.parent_id is None]
    assert sorted(c.name for c in tops) == ["Gear", "Men", "Women"]
    child = next(c for c in categories if c.parent_id)
    parent = by_id[child.parent_id]
    assert child.extra["magento2"]["url"].endswith(f"/{parent.slug}/{child.slug}.html")
    assert parent.translations["fr"]["name"] in ("Hommes", "Femmes", "Équipement")


def test_orders_carry_lines_variants_history_tracking_invoices_and_refunds(seeded):
    connector = connect(seeded)
    orders, errors = read_all(connector, E.ORDER)
    assert errors == [] and len(orders) == 12
    by_status = {o.status: o for o in orders}
    assert {"pending", "processing", "complete", "canceled", "closed", "holded"} <= set(by_status)
    complete = by_status["complete"]
    shipments = _raw(seeded, "shipments")
    tracks = [t["track_number"] for s in shipments if str(s["order_id"]) == complete.source_id for t in s["tracks"]]
    assert [s.tracking_number for s in complete.shipments] == tracks and tracks
    # What each shipment carried, as positions of the order's lines (Magento lists the parent item shipped);
    # a shipment's first tracking number carries them
    position = {line.source_id: n for n, line in enumerate(complete.lines)}
    carried = [[(position[str(i["order_item_id"])], int(i["qty"])) for i in s["items"]] if n == 0 else []
               for s in shipments if str(s["order_id"]) == complete.source_id for n, _ in enumerate(s["tracks"])]
    assert [[(p.line, p.quantity) for p in s.lines] for s in complete.shipments] == carried and carried[0]
    assert complete.paid_at is not None and [h.status for h in complete.status_history][0] == "pending"
    assert by_status["closed"].refunds and by_status["closed"].refunds[0].amount > 0
    products = {p.source_id: p for p in read_all(connector, E.PRODUCT)[0]}
    variant_lines = [line for o in orders for line in o.lines if line.variant_id]
    assert variant_lines
    for line in variant_lines:
        assert line.variant_id in {v.source_id for v in products[line.product_id].variants}
    for order in orders:
        assert order.total == order.subtotal + order.shipping_total + order.tax_total - order.discount_total


def test_coupons_take_their_rule_and_pages_their_identifier(seeded):
    coupons, _ = read_all(connect(seeded), E.COUPON)
    assert len(coupons) == 3 and all(c.discount_type == "percent" and c.amount > 0 for c in coupons)
    pages, _ = read_all(connect(seeded), E.PAGE)
    assert {"home", "about-us"} <= {p.slug for p in pages}


def test_a_read_of_changes_brings_a_changed_child_with_its_configurable(seeded):
    connector = connect(seeded)
    products, _ = read_all(connector, E.PRODUCT)
    newest = max(p.updated_at for p in products)
    variable = next(p for p in products if p.type == "variable")
    child = variable.variants[1]
    time.sleep(1.1)
    client = _client(seeded)
    response = client.put(f"{_rest(seeded)}/all/V1/products/{child.sku}", json={"product": {
        "sku": child.sku, "extension_attributes": {"stock_item": {"qty": 321, "is_in_stock": True}}}})
    assert response.status_code == 200, response.text
    changed, _ = read_all(connect(seeded), E.PRODUCT, modified_since=newest + timedelta(seconds=1))
    assert [p.sku for p in changed] == [variable.sku]
    assert next(v for v in changed[0].variants if v.sku == child.sku).stock_quantity == 321


def test_paging_stops_at_the_total_when_magento_repeats_the_last_page(seeded):
    store = SandboxStore.objects.get(platform="magento2", name="m2-conn")
    customers = [c.source_id for c in read_all(connect(seeded), E.CUSTOMER, page_size=3)[0]]
    assert len(customers) == len(set(customers)) == 4  # 5 listed, one malformed: 2 pages of 3, no repeat
    store.settings = {**store.settings, "last_page_repeat": False}
    store.save(update_fields=["settings"])
    assert [c.source_id for c in read_all(connect(seeded), E.CUSTOMER, page_size=3)[0]] == customers


# --- helpers: raw API calls, to compare with what the connector read -------------------------------------------
def _rest(described) -> str:
    return described["base_url"] + "/rest"


def _client(described) -> requests.Session:
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {described['credentials']['access_token']}"
    return session


def _raw(described, path, sku=None):
    params = {"searchCriteria": ""} if "/" not in path else None
    answer = _client(described).get(f"{_rest(described)}/default/V1/{path}", params=params, timeout=30).json()
    items = answer["items"] if isinstance(answer, dict) else answer
    return [i for i in items if sku is None or i.get("sku") in sku]
