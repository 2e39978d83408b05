"""WooCommerce connector over real HTTP against sandbox stores (pytest-django live_server).

References are rewritten by hand in `rewrite`, as the engine does through its id map."""
from __future__ import annotations

import time
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from connectors.entities import VARIANTS, Canonical, EntityType
from connectors.errors import AuthenticationError, ConfigError
from connectors.http import HttpClient
from connectors.woocommerce import WooCommerceConnector

E = EntityType
ORDER_OF_WRITES = (E.TAX_CLASS, E.MANUFACTURER, E.CATEGORY, E.PRODUCT, E.CUSTOMER, E.ORDER, E.REVIEW, E.COUPON)

pytestmark = pytest.mark.django_db(transaction=True)


def connect(store: dict, **overrides) -> WooCommerceConnector:
    return WooCommerceConnector(
        base_url=overrides.get("base_url", store["base_url"]),
        credentials=overrides.get("credentials", store["credentials"]),
        http=HttpClient(max_retries=2, backoff_cap=0.2),
    )


def read_all(connector: WooCommerceConnector, entity: EntityType, **kwargs):
    items, errors, pages = [], [], []
    for page in connector.read(entity, **kwargs):
        pages.append(page)
        items.extend(page.items)
        errors.extend(page.errors)
    return items, errors, pages


def rewrite(item: Canonical, maps: dict[str, dict[str, str]]) -> Canonical:
    """Replace every reference in `item` by the target id, as the engine's id map would."""
    data = item.model_dump()

    def target(entity: str, value):
        if value in (None, ""):
            return value
        return maps[str(entity)].get(str(value), value)

    for path, entity in type(item).REFS.items():
        if "[]." in path:
            list_name, field = path.split("[].")
            for element in data[list_name]:
                element[field] = target(entity, element[field])
        elif path.endswith("[]"):
            data[path[:-2]] = [target(entity, v) for v in data[path[:-2]]]
        else:
            data[path] = target(entity, data[path])
    return type(item).model_validate(data)


# --- connection --------------------------------------------------------------------------------------
def test_check_connection_returns_store_info_and_counts(woo_store_factory):
    store = woo_store_factory("info", products=5, customers=3, orders=4, seed=1)
    connector = connect(store)
    info = connector.check_connection()
    assert info.name and info.currency and info.platform_version.startswith("WooCommerce")
    assert info.default_language and info.default_language in info.languages
    assert "completed" in info.order_statuses
    assert set(info.counts) >= {str(e) for e in ORDER_OF_WRITES}
    for entity in (E.PRODUCT, E.CUSTOMER, E.ORDER):
        assert info.counts[str(entity)] == len(list(connector.list_ids(entity))) > 0


def test_wrong_key_is_an_authentication_error_naming_the_url(woo_store_factory):
    store = woo_store_factory("wrongkey", products=1, seed=2)
    connector = connect(store, credentials={"consumer_key": "ck_nope", "consumer_secret": "cs_topsecret"})
    with pytest.raises(AuthenticationError) as caught:
        connector.check_connection()
    message = str(caught.value)
    assert store["base_url"] in message and "/wp-json/wc/v3/" in message
    assert "REST API" in message and "cs_topsecret" not in message


def test_unreachable_store_is_a_config_error_naming_the_url():
    connector = WooCommerceConnector(base_url="http://127.0.0.1:9", credentials={"consumer_key": "ck_x",
                                                                                 "consumer_secret": "cs_x"},
                                     http=HttpClient(max_retries=1, backoff_cap=0.05, timeout=3))
    with pytest.raises(ConfigError) as caught:
        connector.check_connection()
    assert "http://127.0.0.1:9/wp-json/wc/v3/" in str(caught.value)


def test_not_a_woocommerce_site_is_a_config_error(woo_store_factory, live_server):
    connector = WooCommerceConnector(base_url=f"{live_server.url}/no-shop-here", credentials={
        "consumer_key": "ck_x", "consumer_secret": "cs_x"}, http=HttpClient(max_retries=0))
    with pytest.raises(ConfigError, match="No WooCommerce REST API at .*/no-shop-here/wp-json/wc/v3/"):
        connector.check_connection()


def test_read_only_key_can_read_but_writing_is_an_authentication_error(woo_store_factory):
    store = woo_store_factory("readonly", products=2, customers=1, seed=12)
    connector = connect(store, credentials=store["read_only_credentials"])
    customers, _, _ = read_all(connector, E.CUSTOMER)
    changed = customers[0].model_copy(update={"email": "someone.else@example.com"})
    with pytest.raises(AuthenticationError, match="write permissions"):
        connector.create(E.CUSTOMER, [changed])


# --- reading -----------------------------------------------------------------------------------------
def test_reads_survive_rate_limits_and_server_errors(woo_store_factory):
    from sandbox.models import SandboxStore
    from sandbox.services import sandbox_store_set_faults

    store = woo_store_factory("faulty", products=6, customers=6, orders=4, seed=13)
    clean = {e: [i.source_id for i in read_all(connect(store), e, page_size=5)[0]]
             for e in (E.PRODUCT, E.CUSTOMER, E.ORDER)}
    sandbox_store_set_faults(SandboxStore.objects.get(platform="woocommerce", name="faulty"),
                             error_rate=0.15, rate_429=0.1, seed=7)
    connector = WooCommerceConnector(base_url=store["base_url"], credentials=store["credentials"],
                                     http=HttpClient(max_retries=6, backoff_cap=0.2))
    for entity, ids in clean.items():
        assert [i.source_id for i in read_all(connector, entity, page_size=5)[0]] == ids
    assert connector.http.stats.retries + connector.http.stats.throttled > 0


# --- reading (continued) -----------------------------------------------------------------------------
def test_read_every_entity_with_pages_and_checkpoints(woo_store_factory):
    store = woo_store_factory("readall", products=7, customers=7, orders=7, seed=3)
    connector = connect(store)
    for entity in ORDER_OF_WRITES:
        items, errors, pages = read_all(connector, entity, page_size=3)
        assert not errors, (entity, [e.message for e in errors])
        ids = [i.source_id for i in items]
        assert len(ids) == len(set(ids)) == connector.count(entity), entity
        if entity == E.TAX_CLASS:  # taxes/classes is one unpaginated list
            assert len(pages) == 1 and pages[0].next_checkpoint is None and "standard" in ids
            continue
        assert [int(i) for i in ids] == sorted(int(i) for i in ids)
        if len(ids) > 3:
            assert len(pages) > 1 and pages[0].total == len(ids)
            # a new connector resuming from the first page's checkpoint reads the rest, no gap, no duplicate
            rest, _, _ = read_all(connect(store), entity, checkpoint=pages[0].next_checkpoint, page_size=50)
            assert [i.source_id for i in pages[0].items] + [i.source_id for i in rest] == ids
    products, _, _ = read_all(connector, E.PRODUCT)
    variable = [p for p in products if p.type == "variable"]
    assert variable and all(p.variants and p.options for p in variable)
    orders, _, _ = read_all(connector, E.ORDER)
    assert all(o.lines for o in orders)


def test_modified_since_returns_only_recent_changes(woo_store_factory):
    store = woo_store_factory("modified", products=4, customers=4, orders=3, seed=4)
    connector = connect(store)
    products, _, _ = read_all(connector, E.PRODUCT)
    customers, _, _ = read_all(connector, E.CUSTOMER)
    time.sleep(2.1)
    mark = datetime.now(UTC)
    time.sleep(1.1)
    product = products[0].model_copy(update={"name": "Renamed"})
    assert connector.update(E.PRODUCT, product.source_id, product, fields=["name"]).ok
    customer = customers[-1].model_copy(update={"first_name": "Changed"})
    assert connector.update(E.CUSTOMER, customer.source_id, customer, fields=["first_name"]).ok
    recent_products, _, _ = read_all(connector, E.PRODUCT, modified_since=mark)
    assert [p.source_id for p in recent_products] == [product.source_id]
    recent_customers, _, _ = read_all(connector, E.CUSTOMER, modified_since=mark)
    assert [c.source_id for c in recent_customers] == [customer.source_id]
    assert read_all(connector, E.ORDER, modified_since=mark)[0] == []


def test_malformed_records_become_page_errors_and_the_rest_is_read(woo_store_factory):
    store = woo_store_factory("malformed", products=8, customers=8, orders=8, malformed=True, seed=5)
    counts = store["counts"]
    connector = connect(store)
    for entity in ORDER_OF_WRITES:
        items, errors, pages = read_all(connector, entity, page_size=4)
        for error in errors:
            assert error.message and len(error.message) < 1000 and error.source_id and error.excerpt, error
        if entity == E.PRODUCT:
            messages = {e.source_id: e.message for e in errors}
            parent, orphan = counts["orphan_parent_product_id"], counts["orphan_variation_id"]
            assert messages.pop(f"{parent}:{orphan}") == (
                f"variation {orphan} of product {parent} could not be read: its parent is missing")
            assert len(messages) == 3  # no name, invalid UTF-8, 1 MiB description
            assert any("name: String should have at least 1 character" in m for m in messages.values())
            assert any("not valid UTF-8" in m for m in messages.values())
            assert any("description" in m and "limit" in m for m in messages.values())
            assert len(items) == counts["products"] + 1  # the orphan's parent still migrates...
            partial = next(p for p in items if p.source_id == str(parent))
            assert len(partial.variants) == 2  # ...with the variations that exist
        elif entity == E.CUSTOMER:
            assert [e.message for e in errors] == [
                "Invalid customer: email: Value error, 'not-an-email' is not a valid email address"]
            assert len(items) == counts["customers"]
        else:
            assert not errors, entity
        if entity != E.TAX_CLASS:
            assert pages[0].total == connector.count(entity)


# --- writing -----------------------------------------------------------------------------------------
def migrate(source: WooCommerceConnector, target: WooCommerceConnector):
    maps: dict[str, dict[str, str]] = {str(e): {} for e in ORDER_OF_WRITES}
    maps[VARIANTS] = {}
    read: dict[EntityType, list[Canonical]] = {}
    for entity in ORDER_OF_WRITES:
        items, errors, _ = read_all(source, entity)
        assert not errors
        read[entity] = items
        if entity == E.CATEGORY:  # parents first, as the engine orders them
            written: set[str] = set()
            pending = list(items)
            while pending:
                ready = [c for c in pending if not c.parent_id or c.parent_id in written]
                assert ready
                results = target.create(entity, [rewrite(c, maps) for c in ready])
                for item, result in zip(ready, results, strict=True):
                    assert result.ok, result.error
                    maps[str(entity)][item.source_id] = result.target_id
                    written.add(item.source_id)
                pending = [c for c in pending if c.source_id not in written]
            continue
        results = target.create(entity, [rewrite(i, maps) for i in items])
        assert len(results) == len(items)
        for item, result in zip(items, results, strict=True):
            assert result.ok, (entity, item.source_id, result.error)
            assert result.source_id == item.source_id
            maps[str(entity)][item.source_id] = result.target_id
            maps[VARIANTS].update(result.children)
    return read, maps


def test_create_every_entity_into_an_empty_store_and_read_back(woo_store_factory):
    source = connect(woo_store_factory("src", products=6, customers=4, orders=5, seed=6))
    target = connect(woo_store_factory("dst", products=0, customers=0, orders=0, seed=7))
    read, maps = migrate(source, target)

    brands = {b.name for b in read_all(target, E.MANUFACTURER)[0]}
    assert {b.name for b in read[E.MANUFACTURER]} <= brands
    assert {t.slug for t in read[E.TAX_CLASS]} <= {t.slug for t in read_all(target, E.TAX_CLASS)[0]}
    categories = {c.source_id: c for c in read_all(target, E.CATEGORY)[0]}
    for category in read[E.CATEGORY]:
        copy = categories[maps["categories"][category.source_id]]
        assert (copy.name, copy.slug) == (category.name, category.slug)
        assert copy.parent_id == (maps["categories"][category.parent_id] if category.parent_id else None)

    products = {p.source_id: p for p in read_all(target, E.PRODUCT)[0]}
    for product in read[E.PRODUCT]:
        copy = products[maps["products"][product.source_id]]
        assert (copy.sku, copy.name, copy.type, copy.price, copy.compare_at_price) == (
            product.sku, product.name, product.type, product.price, product.compare_at_price)
        assert copy.category_ids == [maps["categories"][c] for c in product.category_ids]
        assert copy.manufacturer_id == (maps["manufacturers"][product.manufacturer_id]
                                        if product.manufacturer_id else None)
        assert sorted(copy.tags) == sorted(product.tags) and copy.seo.url_key == product.seo.url_key
        assert [(v.sku, v.price, v.option_values) for v in copy.variants] == [
            (v.sku, v.price, v.option_values) for v in product.variants]
        for variant in product.variants:
            assert maps[VARIANTS][variant.source_id] in {v.source_id for v in copy.variants}

    customers = {c.source_id: c for c in read_all(target, E.CUSTOMER)[0]}
    for customer in read[E.CUSTOMER]:
        copy = customers[maps["customers"][customer.source_id]]
        assert (copy.email, copy.first_name, copy.last_name, copy.billing) == (
            customer.email, customer.first_name, customer.last_name, customer.billing)

    orders = {o.source_id: o for o in read_all(target, E.ORDER)[0]}
    for order in read[E.ORDER]:
        copy = orders[maps["orders"][order.source_id]]
        assert copy.extra["woocommerce"]["source_number"] == order.number
        assert (copy.status, copy.currency, copy.email, copy.customer_id) == (
            order.status, order.currency, order.email,
            maps["customers"][order.customer_id] if order.customer_id else None)
        assert [(line.quantity, line.total, line.product_id) for line in copy.lines] == [
            (line.quantity, line.total, maps["products"].get(line.product_id) if line.product_id else None)
            for line in order.lines]
        assert [s.tracking_number for s in copy.shipments] == [s.tracking_number for s in order.shipments]
        notes = {h.note for h in copy.status_history}
        assert {h.note for h in order.status_history if h.note} <= notes
        assert copy.total == order.total

    reviews = {r.source_id: r for r in read_all(target, E.REVIEW)[0]}
    for review in read[E.REVIEW]:
        copy = reviews[maps["reviews"][review.source_id]]
        assert (copy.rating, copy.content, copy.status, copy.product_id) == (
            review.rating, review.content, review.status, maps["products"][review.product_id])

    coupons = {c.source_id: c for c in read_all(target, E.COUPON)[0]}
    for coupon in read[E.COUPON]:
        copy = coupons[maps["coupons"][coupon.source_id]]
        assert (copy.code, copy.amount, copy.discount_type, copy.expires_at) == (
            coupon.code, coupon.amount, coupon.discount_type, coupon.expires_at)

    # natural keys find what was written
    some_product = next(p for p in read[E.PRODUCT] if p.sku)
    assert target.find_by_natural_key(E.PRODUCT, some_product.sku) == maps["products"][some_product.source_id]
    some_customer = read[E.CUSTOMER][0]
    assert target.find_by_natural_key(E.CUSTOMER, some_customer.email) == maps["customers"][some_customer.source_id]
    some_coupon = read[E.COUPON][0] if read[E.COUPON] else None
    if some_coupon:
        assert target.find_by_natural_key(E.COUPON, some_coupon.code) == maps["coupons"][some_coupon.source_id]
    some_category = read[E.CATEGORY][0]
    assert target.find_by_natural_key(E.CATEGORY, some_category.slug) == maps["categories"][some_category.source_id]
    some_order = read[E.ORDER][0]
    assert target.find_by_natural_key(E.ORDER, some_order.number) == maps["orders"][some_order.source_id]
    assert target.find_by_natural_key(E.PRODUCT, "no-such-sku-anywhere") is None


def test_update_with_fields_touches_only_those_fields(woo_store_factory):
    connector = connect(woo_store_factory("upd", products=4, customers=2, orders=2, seed=8))
    products, _, _ = read_all(connector, E.PRODUCT)
    simple = next(p for p in products if p.type == "simple")
    changed = simple.model_copy(update={"price": Decimal("123.45"), "compare_at_price": None,
                                        "name": "Should not be written", "description": "nor this"})
    assert connector.update(E.PRODUCT, simple.source_id, changed, fields=["price"]).ok
    after = connector.get(E.PRODUCT, simple.source_id)
    assert after.price == Decimal("123.45") and after.compare_at_price is None
    assert (after.name, after.description, after.sku) == (simple.name, simple.description, simple.sku)

    variable = next((p for p in products if p.type == "variable" and p.variants), None)
    if variable:
        variants = [v.model_copy(update={"stock_quantity": 42, "manage_stock": True}) for v in variable.variants]
        patched = variable.model_copy(update={"variants": variants, "name": "Not this"})
        assert connector.update(E.PRODUCT, variable.source_id, patched, fields=["stock_quantity"]).ok
        after = connector.get(E.PRODUCT, variable.source_id)
        assert {v.stock_quantity for v in after.variants} == {42} and after.name == variable.name

    orders, _, _ = read_all(connector, E.ORDER)
    order = orders[0]
    history = [*order.status_history, {"status": "", "note": "Parcel handed to the carrier.",
                                       "customer_visible": True}]
    shipped = order.model_copy(update={"status": "completed", "customer_note": "changed?"})
    shipped = type(order).model_validate({**shipped.model_dump(), "status_history": history,
                                          "shipments": [{"tracking_number": "1Z999", "carrier": "UPS"}]})
    for _ in range(2):  # twice: notes are added once
        assert connector.update(E.ORDER, order.source_id, shipped,
                                fields=["status", "shipments", "status_history"]).ok
    after = connector.get(E.ORDER, order.source_id)
    assert after.status == "completed" and after.customer_note == order.customer_note
    assert [s.tracking_number for s in after.shipments] == ["1Z999"]
    assert [h.note for h in after.status_history].count("Parcel handed to the carrier.") == 1


def test_delete_removes_records_for_good(woo_store_factory):
    connector = connect(woo_store_factory("del", products=3, customers=2, orders=1, seed=9))
    product_ids = list(connector.list_ids(E.PRODUCT))
    results = connector.delete(E.PRODUCT, product_ids[:2])
    assert all(r.ok for r in results)
    assert connector.get(E.PRODUCT, product_ids[0]) is None
    assert connector.count(E.PRODUCT) == len(product_ids) - 2
    assert all(r.ok for r in connector.delete(E.PRODUCT, product_ids[:1]))  # already gone: still fine


def _write_categories(target: WooCommerceConnector, categories: list, maps: dict[str, dict[str, str]]) -> None:
    """Parents first, as the engine's deferred references end up."""
    pending = list(categories)
    while pending:
        ready = [c for c in pending if not c.parent_id or c.parent_id in maps["categories"]]
        for item, result in zip(ready, target.create(E.CATEGORY, [rewrite(c, maps) for c in ready]), strict=True):
            assert result.ok, result.error
            maps["categories"][item.source_id] = result.target_id
        pending = [c for c in pending if c.source_id not in maps["categories"]]


def _tree(connector: WooCommerceConnector, lang: str) -> dict[int, tuple[int, dict]]:
    """{category id: (parent id, WPML translations)} of one language of a store, as its REST API lists it."""
    data, _ = connector._call("GET", "products/categories", params={"lang": lang, "per_page": 100})
    return {c["id"]: (c["parent"], c["translations"]) for c in data}


def test_translated_categories_keep_their_tree(woo_store_factory):
    """A category's French translation sits under the French translation of its parent, as on the source;
    a parent given later (a reference resolved after its category was written) moves the translations too."""
    source = connect(woo_store_factory("tree-src", products=2, languages=["en", "fr"], seed=10))
    target = connect(woo_store_factory("tree-dst", products=0, customers=0, orders=0, languages=["en", "fr"],
                                       seed=11))
    source.check_connection(), target.check_connection()
    categories, _, _ = read_all(source, E.CATEGORY)
    nested = [c for c in categories if c.parent_id and "fr" in c.translations]
    assert nested
    maps: dict[str, dict[str, str]] = {"categories": {}}
    _write_categories(target, categories, maps)

    def french_parents(connector, ids):
        english, french = _tree(connector, "en"), _tree(connector, "fr")
        out = {}
        for category_id in ids:
            parent, links = english[int(category_id)]
            translated = french[int(links["fr"])][0]
            out[category_id] = (parent, translated, english[parent][1].get("fr") if parent else None)
        return out

    source_tree = french_parents(source, [c.source_id for c in nested])
    assert all(fr_parent == parent_fr and fr_parent for _, fr_parent, parent_fr in source_tree.values())
    target_tree = french_parents(target, [maps["categories"][c.source_id] for c in nested])
    assert all(fr_parent == parent_fr and fr_parent for _, fr_parent, parent_fr in target_tree.values()), target_tree

    # A parent resolved after the fact: written at the top level, then given its parent by an update.
    child = nested[0]
    renamed = {"name": "Loose", "slug": "loose", "seo": child.seo.model_copy(update={"url_key": "loose"}),
               "translations": {"fr": {**child.translations["fr"], "name": "Libre", "slug": "libre"}}}
    [loose] = target.create(E.CATEGORY, [rewrite(child.model_copy(update={**renamed, "parent_id": None}), maps)])
    assert loose.ok and not loose.warnings, (loose.error, loose.warnings)
    assert _tree(target, "fr")[int(_tree(target, "en")[int(loose.target_id)][1]["fr"])][0] == 0
    moved = rewrite(child.model_copy(update=renamed), maps)
    assert target.update(E.CATEGORY, loose.target_id, moved, fields=["parent_id"]).ok
    parent, links = _tree(target, "en")[int(loose.target_id)]
    assert parent == int(maps["categories"][child.parent_id])
    assert _tree(target, "fr")[int(links["fr"])][0] == int(_tree(target, "en")[parent][1]["fr"])


def test_translations_round_trip(woo_store_factory):
    source = connect(woo_store_factory("i18n-src", products=3, languages=["en", "fr"], seed=10))
    target = connect(woo_store_factory("i18n-dst", products=0, customers=0, orders=0, languages=["en", "fr"],
                                       seed=11))
    info = source.check_connection()
    assert info.languages == ["en", "fr"] and info.default_language == "en"
    target.check_connection()
    categories, _, _ = read_all(source, E.CATEGORY)
    products, _, _ = read_all(source, E.PRODUCT)
    translated = [p for p in products if "fr" in p.translations]
    assert translated and all(p.translations["fr"]["name"] for p in translated)
    assert all("en" not in p.translations for p in products)
    maps: dict[str, dict[str, str]] = {"categories": {}, "manufacturers": {}, "tax_classes": {}}
    for entity in (E.TAX_CLASS, E.MANUFACTURER):
        for item, result in zip(read_all(source, entity)[0],
                                target.create(entity, read_all(source, entity)[0]), strict=True):
            maps[str(entity)][item.source_id] = result.target_id
    _write_categories(target, categories, maps)
    maps["products"] = {}
    results = target.create(E.PRODUCT, [rewrite(p, maps) for p in products])
    assert all(r.ok for r in results)
    copies = {p.source_id: p for p in read_all(target, E.PRODUCT)[0]}
    assert len(copies) == len(products)  # translations are not separate products
    for product, result in zip(products, results, strict=True):
        copy = copies[result.target_id]
        assert copy.translations.get("fr", {}).get("name") == product.translations.get("fr", {}).get("name")
        if "fr" in product.translations:
            assert copy.translations["fr"]["description"] == product.translations["fr"]["description"]
    # clearing the store removes translations too (list_ids reads every language)
    every_id = list(target.list_ids(E.PRODUCT))
    assert len(every_id) == len(products) + len(translated)
    assert all(r.ok for r in target.delete(E.PRODUCT, every_id))
    assert target.count(E.PRODUCT) == 0 and list(target.list_ids(E.PRODUCT)) == []


def test_reconciliation_lookups_find_products_without_sku_orders_and_reviews(woo_store_factory):
    from connectors.entities import validate_entity

    target = connect(woo_store_factory("reconcile-target"))
    no_sku = validate_entity("products", {"source_id": "1", "name": "Plain tee", "slug": "plain-tee", "price": "9.00"})
    [product] = target.create(EntityType.PRODUCT, [no_sku])
    assert target.find_by_natural_keys(EntityType.PRODUCT, [no_sku.natural_key()]) == {
        "slug:plain-tee": product.target_id}

    orders = [validate_entity("orders", {"source_id": str(i), "number": f"A-{i}", "status": "processing",
                                         "lines": [{"name": "Tee", "quantity": 1, "product_id": product.target_id}]})
              for i in range(3)]
    created = target.create(EntityType.ORDER, orders)
    found = target.find_by_natural_keys(EntityType.ORDER, ["A-0", "A-2", "A-404"])
    assert found == {"A-0": created[0].target_id, "A-2": created[2].target_id}

    review = validate_entity("reviews", {"source_id": "9", "product_id": product.target_id, "rating": 4,
                                         "reviewer": "Ann", "reviewer_email": "ann@example.com", "content": "Nice"})
    [written] = target.create(EntityType.REVIEW, [review])
    assert target.find_by_natural_keys(EntityType.REVIEW, [review.natural_key()]) == {
        review.natural_key(): written.target_id}
