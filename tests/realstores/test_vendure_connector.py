"""Vendure connector over real HTTP against the real Vendure server of this session (tests/realstores/conftest.py),
with records read from a WooCommerce sandbox store. References are rewritten by hand in `rewrite`, as the engine
does through its id map; records are compared with the same function as the run's verification."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from connectors.base import Connector
from connectors.entities import VARIANTS, Canonical, EntityType
from connectors.errors import AuthenticationError, ConfigError
from connectors.http import HttpClient
from connectors.vendure import VendureConnector
from connectors.woocommerce import WooCommerceConnector
from migrations_app.services.verify import compare_records

E = EntityType
ORDER_OF_WRITES = (E.CATEGORY, E.PRODUCT, E.CUSTOMER, E.ORDER)

pytestmark = pytest.mark.django_db(transaction=True)


def vendure(server, **credentials) -> VendureConnector:
    return VendureConnector(base_url=server.base_url, credentials=credentials or server.credentials,
                            http=HttpClient(max_retries=2, backoff_cap=0.2))


def woo(store: dict) -> WooCommerceConnector:
    return WooCommerceConnector(base_url=store["base_url"], credentials=store["credentials"],
                                http=HttpClient(max_retries=2, backoff_cap=0.2))


def read_all(connector: Connector, entity: EntityType, **kwargs) -> list[Canonical]:
    items = []
    for page in connector.read(entity, **kwargs):
        assert not page.errors, [e.message for e in page.errors]
        items.extend(page.items)
    return items


def rewrite(item: Canonical, maps: dict[str, dict[str, str]]) -> Canonical:
    """Replace every reference in `item` by the target id, as the engine's id map would."""
    data = item.model_dump()

    def target(entity: str, value):
        return maps.get(str(entity), {}).get(str(value)) if value not in (None, "") else value

    for path, entity in type(item).REFS.items():
        if "[]." in path:
            list_name, field = path.split("[].")
            for element in data[list_name]:
                element[field] = target(entity, element[field])
        elif path.endswith("[]"):
            data[path[:-2]] = [v for v in (target(entity, v) for v in data[path[:-2]]) if v]
        else:
            data[path] = target(entity, data[path])
    return type(item).model_validate(data)


def status_map(source: Connector, target: Connector) -> dict[str, str]:
    """The engine's default order-status mapping (services.engine._status_map without owner overrides)."""
    return {status: target.default_status_for(meaning) for status, meaning in source.order_statuses.items()}


def _used_categories(categories: list[Canonical], products: list[Canonical]) -> list[Canonical]:
    """The categories the products are in, with their ancestors (the sandbox always seeds a tree of 50)."""
    by_id = {c.source_id: c for c in categories}
    wanted = {c for p in products for c in p.category_ids}
    for category_id in list(wanted):
        while by_id.get(category_id) and by_id[category_id].parent_id:
            category_id = by_id[category_id].parent_id
            wanted.add(category_id)
    return [c for c in categories if c.source_id in wanted]


def migrate(source: Connector, target: Connector, *, transform=None):
    """Every entity from source to target in dependency order, like a full run (only the categories that
    products use); answers (maps, source items written)."""
    maps: dict[str, dict[str, str]] = {str(e): {} for e in ORDER_OF_WRITES}
    maps[VARIANTS] = {}
    statuses = status_map(source, target)
    written: dict[EntityType, list[Canonical]] = {}
    products = read_all(source, E.PRODUCT)
    for entity in ORDER_OF_WRITES:
        items = read_all(source, entity) if entity != E.PRODUCT else products
        if entity == E.CATEGORY:
            items = _used_categories(items, products)
        if transform:
            items = [transform(entity, i) for i in items]
        written[entity] = items
        payload = []
        for item in items:
            item = rewrite(item, maps)
            if entity == E.ORDER:
                item = item.model_copy(update={"status": statuses[item.status]})
            payload.append(item)
        deferred = [i for i in payload if entity == E.CATEGORY and not i.parent_id and
                    next(s for s in items if s.source_id == i.source_id).parent_id]
        for item, result in zip(payload, target.create(entity, payload), strict=True):
            assert result.ok, (entity, item.source_id, result.error)
            assert not result.warnings, (entity, item.source_id, result.warnings)
            maps[str(entity)][item.source_id] = result.target_id
            maps[VARIANTS].update(result.children)
        for item in deferred:  # parents written in the same batch, set afterwards (engine: _apply_deferred)
            source_item = next(s for s in items if s.source_id == item.source_id)
            fixed = item.model_copy(update={"parent_id": maps["categories"][source_item.parent_id]})
            assert target.update(entity, maps["categories"][item.source_id], fixed, fields=["parent_id"]).ok
    return maps, written


def assert_equal_on_target(source: Connector, target: Connector, maps, written) -> None:
    statuses = status_map(source, target)
    for entity, items in written.items():
        for item in items:
            copy = target.get(entity, maps[str(entity)][item.source_id])
            assert copy is not None, (entity, item.source_id)
            different = [f for f in compare_records(entity, item, copy, ids=maps, status_map=statuses)
                         if not f["equal"]]
            assert different == [], (entity, item.source_id, different)


# --- connection --------------------------------------------------------------------------------------
def test_check_connection_with_a_password_and_with_an_api_key(vendure_server):
    for credentials in (vendure_server.credentials, vendure_server.api_key_credentials):
        info = vendure(vendure_server, **credentials).check_connection()
        assert info.currency == "USD" and info.default_language == "en" and set(info.languages) == {"en", "fr"}
        assert info.platform_version == "Vendure with CartmigratePlugin"
        assert set(info.counts) == {"categories", "products", "customers", "orders"}
        assert "Delivered" in info.order_statuses


def test_wrong_password_is_an_authentication_error_naming_the_url_not_the_password(vendure_server):
    connector = vendure(vendure_server, username="superadmin", password="not-the-password-42")
    with pytest.raises(AuthenticationError) as caught:
        connector.check_connection()
    assert f"{vendure_server.base_url}/admin-api" in str(caught.value)
    assert "not-the-password-42" not in str(caught.value)
    with pytest.raises(AuthenticationError):
        vendure(vendure_server, api_key="nope").check_connection()


def test_an_address_that_is_not_vendure_or_not_reachable_is_a_config_error(live_server):
    connector = VendureConnector(base_url=f"{live_server.url}/no-shop-here", credentials={
        "username": "a", "password": "b"}, http=HttpClient(max_retries=0))
    with pytest.raises(ConfigError, match="No Vendure Admin API at .*/no-shop-here/admin-api"):
        connector.check_connection()
    unreachable = VendureConnector(base_url="http://127.0.0.1:9", credentials={"api_key": "x"},
                                   http=HttpClient(max_retries=1, backoff_cap=0.05, timeout=3))
    with pytest.raises(ConfigError, match="127.0.0.1:9/admin-api"):
        unreachable.check_connection()


# --- a small migration by hand, both ways ---------------------------------------------------------------
def _contract_emails(entity, item):
    """Customers are shared by email across Vendure channels: keep this test's customers apart."""
    if entity == E.CUSTOMER or (entity == E.ORDER and item.customer_id):
        email = item.email.split("@")[0] + "@contract.example.net"
        billing = item.billing.model_copy(update={"email": email}) if item.billing.email else item.billing
        return item.model_copy(update={"email": email, "billing": billing})
    return item


def test_woocommerce_records_written_to_vendure_read_back_equal_and_writing_again_changes_nothing(
        vendure_server, woo_store_factory):
    token = vendure_server.channel("contract")
    source = woo(woo_store_factory("vc-source", products=5, customers=4, orders=10, languages=["en", "fr"], seed=21))
    target = vendure(vendure_server, **vendure_server.credentials, channel_token=token)
    maps, written = migrate(source, target, transform=_contract_emails)
    assert_equal_on_target(source, target, maps, written)
    assert {e: target.count(e) for e in ORDER_OF_WRITES} == {e: len(i) for e, i in written.items()}

    # Translations per language, option groups, prices in minor units, stock, tags as facets.
    variable = next(p for p in written[E.PRODUCT] if p.type == "variable")
    copy = target.get(E.PRODUCT, maps["products"][variable.source_id])
    assert copy.translations["fr"]["name"] == variable.translations["fr"]["name"]
    assert [o.name for o in copy.options] == [o.name for o in variable.options]
    assert sorted(copy.tags) == sorted(variable.tags)
    assert len(maps[VARIANTS]) == sum(len(p.variants) for p in written[E.PRODUCT])
    french = target.get(E.CATEGORY, maps["categories"][written[E.CATEGORY][0].source_id])
    assert french.translations["fr"]["name"] == written[E.CATEGORY][0].translations["fr"]["name"]

    # Imported orders keep their number and date, and took no stock.
    order = written[E.ORDER][0]
    copy = target.get(E.ORDER, maps["orders"][order.source_id])
    assert copy.extra["vendure"]["source_number"] == order.number and copy.created_at == order.created_at
    assert target.find_by_natural_keys(E.ORDER, [o.number for o in written[E.ORDER]]) == maps["orders"]
    assert_equal_on_target(source, target, {**maps}, {E.PRODUCT: written[E.PRODUCT]})

    # Natural keys find every record; writing each record again in place changes nothing.
    for entity in (E.CATEGORY, E.PRODUCT, E.CUSTOMER):
        keys = {i.natural_key(): maps[str(entity)][i.source_id] for i in written[entity]}
        assert target.find_by_natural_keys(entity, list(keys)) == keys, entity
        for item in written[entity]:
            result = target.update(entity, maps[str(entity)][item.source_id], rewrite(item, maps))
            assert result.ok and not result.warnings, (entity, result)
    assert_equal_on_target(source, target, maps, written)
    assert {e: target.count(e) for e in ORDER_OF_WRITES} == {e: len(i) for e, i in written.items()}

    # And back: Vendure -> a fresh WooCommerce store.
    back = woo(woo_store_factory("vc-back", languages=["en", "fr"]))
    maps_back, written_back = migrate(target, back)
    assert_equal_on_target(target, back, maps_back, written_back)


def test_field_updates_patch_only_those_fields(vendure_server, woo_store_factory):
    token = vendure_server.channel("patches")
    source = woo(woo_store_factory("vc-patch", products=4, customers=2, seed=5))
    target = vendure(vendure_server, **vendure_server.credentials, channel_token=token)
    product = next(p for p in read_all(source, E.PRODUCT) if p.type == "variable" and p.variants)
    (result,) = target.create(E.PRODUCT, [product.model_copy(update={"category_ids": []})])
    assert result.ok, result.error
    changed = product.model_copy(update={
        "name": "Renamed", "category_ids": [],
        "variants": [v.model_copy(update={"price": Decimal("1.23"), "stock_quantity": 99})
                     for v in product.variants]})
    patch = target.update(E.PRODUCT, result.target_id, changed, fields=["price", "stock_quantity"])
    assert patch.ok and patch.children == result.children
    copy = target.get(E.PRODUCT, result.target_id)
    assert copy.name == product.name  # not in the patch
    assert {v.price for v in copy.variants} == {Decimal("1.23")}
    assert {v.stock_quantity for v in copy.variants} == {99}
    assert target.update(E.PRODUCT, result.target_id, changed, fields=["weight"]).error


def test_vendure_error_results_become_record_errors_with_their_message(vendure_server):
    from connectors.entities import Customer

    target = vendure(vendure_server)
    customer = Customer(source_id="1", email="twice@contract.example.net", first_name="Twice")
    first, = target.create(E.CUSTOMER, [customer])
    again, = target.create(E.CUSTOMER, [customer.model_copy(update={"source_id": "2"})])
    assert first.ok and again.error and "email" in again.error.lower()


def test_orders_need_the_plugin_and_say_how_to_install_it(vendure_server):
    from connectors.entities import Order

    target = vendure(vendure_server)
    target.store()["custom"] = {}
    with pytest.raises(ConfigError, match="CartmigratePlugin"):
        target.create(E.ORDER, [Order(source_id="1", number="1", status="Draft")])


def test_incremental_order_reads_filter_on_updated_at(vendure_server, woo_store_factory):
    token = vendure_server.channel("incremental")
    source = woo(woo_store_factory("vc-incr", products=3, customers=2, orders=4, seed=9))
    target = vendure(vendure_server, **vendure_server.credentials, channel_token=token)
    maps, written = migrate(source, target)
    assert len(read_all(target, E.ORDER, modified_since=datetime.now(UTC) - timedelta(hours=1))) == 4
    later = datetime.now(UTC) + timedelta(seconds=1)
    assert read_all(target, E.ORDER, modified_since=later + timedelta(hours=1)) == []
    draft = next((o for o in written[E.ORDER] if status_map(source, target)[o.status] == "Draft"), None)
    placed = next(o for o in written[E.ORDER] if status_map(source, target)[o.status] == "PaymentSettled") if any(
        status_map(source, target)[o.status] == "PaymentSettled" for o in written[E.ORDER]) else None
    if placed is not None:
        order_id = maps["orders"][placed.source_id]
        moved = target.update(E.ORDER, order_id, target.get(E.ORDER, order_id).model_copy(
            update={"status": "Cancelled"}), fields=["status"])
        assert moved.ok, moved.error
        assert target.get(E.ORDER, order_id).status == "Cancelled"
    assert draft is None or target.get(E.ORDER, maps["orders"][draft.source_id]).status == "Draft"


def test_an_order_found_after_a_crash_is_completed_in_place_not_twice(vendure_server, woo_store_factory):
    """The engine reconciles a pending row with find_by_natural_keys and then writes the record again in place."""
    token = vendure_server.channel("interrupted")
    source = woo(woo_store_factory("vc-crash", products=3, customers=2, orders=4, seed=12))
    target = vendure(vendure_server, **vendure_server.credentials, channel_token=token)
    first = read_all(source, E.ORDER)[0].source_id

    def interrupted(entity, item):  # as if the crash came while the first order was still a Draft
        return item.model_copy(update={"status": "pending"}) if entity == E.ORDER and item.source_id == first else item

    maps, written = migrate(source, target, transform=interrupted)
    draft = next(o for o in written[E.ORDER] if o.source_id == first)
    order_id = target.find_by_natural_key(E.ORDER, draft.number)
    assert order_id == maps["orders"][draft.source_id]
    completed = rewrite(draft, maps).model_copy(update={"status": "Delivered"})
    result = target.update(E.ORDER, order_id, completed)
    assert result.ok and not result.warnings, result
    copy = target.get(E.ORDER, order_id)
    assert copy.status == "Delivered" and copy.total == draft.total
    assert sorted((line.sku, line.quantity, line.total) for line in copy.lines) == sorted(
        (line.sku, line.quantity, line.total) for line in draft.lines)
    assert target.count(E.ORDER) == len(written[E.ORDER])


def test_delete_removes_records_and_refuses_placed_orders(vendure_server, woo_store_factory):
    token = vendure_server.channel("deletes")
    source = woo(woo_store_factory("vc-del", products=2, customers=2, orders=6, seed=4))
    target = vendure(vendure_server, **vendure_server.credentials, channel_token=token)
    maps, written = migrate(source, target)
    statuses = status_map(source, target)
    by_state = {statuses[o.status]: maps["orders"][o.source_id] for o in written[E.ORDER]}
    for state, order_id in by_state.items():
        (result,) = target.delete(E.ORDER, [order_id])
        assert result.ok == (state == "Draft"), (state, result)
    for entity in (E.PRODUCT, E.CATEGORY):
        ids = list(maps[str(entity)].values())
        results = target.delete(entity, ids + ["999999"])
        assert all(r.ok for r in results), [r.error for r in results if not r.ok]
        assert target.count(entity) == 0


def test_a_stock_change_made_through_vendures_api_is_a_modified_product(vendure_server, woo_store_factory):
    """Vendure has no updatedAt filter on products: the connector filters on the newest `updatedAt` of the
    product and its variants. A stock change through `updateProductVariants` must count as a change."""
    import time

    token = vendure_server.channel("stock-moves")
    source = woo(woo_store_factory("vc-stock", products=4, seed=5))
    target = vendure(vendure_server, **vendure_server.credentials, channel_token=token)
    results = target.create(E.PRODUCT, [p.model_copy(update={"category_ids": []}) for p in read_all(source, E.PRODUCT)])
    assert all(r.ok for r in results), [r.error for r in results]
    time.sleep(1.1)
    since = datetime.now(UTC)
    assert read_all(target, E.PRODUCT, modified_since=since) == []
    variants = vendure_server.admin_call(token, "query($id: ID!) { product(id: $id) { variants { id "
                           "trackInventory } } }", id=results[1].target_id)["product"]["variants"]
    variant_id = variants[0]["id"]
    vendure_server.admin_call(token, """mutation($input: [UpdateProductVariantInput!]!) {
        updateProductVariants(input: $input) { id stockOnHand } }""",
                input=[{"id": variant_id, "stockOnHand": 321}])
    changed = read_all(target, E.PRODUCT, modified_since=since)
    assert [p.source_id for p in changed] == [results[1].target_id]
    copy = changed[0]
    stock = {v.source_id: v.stock_quantity for v in copy.variants} if copy.variants else {variant_id:
                                                                                         copy.stock_quantity}
    assert stock[variant_id] == 321
