import pytest

from sandbox.services import sandbox_seed, sandbox_store_create

from .conftest import WooApi


@pytest.fixture
def bilingual(db):
    store = sandbox_store_create(platform="woocommerce", name="bilingual", languages=("en", "fr"))
    sandbox_seed(store, products=5, customers=0, orders=0, seed=3)
    return WooApi(store)


def test_wpml_lists_default_language_and_lang_param(bilingual):
    english = bilingual.get("products", per_page=100).json()
    french = bilingual.get("products", lang="fr", per_page=100).json()
    both = bilingual.get("products", lang="all", per_page=100).json()
    assert len(english) == len(french) == 5 and len(both) == 10
    assert {p["lang"] for p in english} == {"en"} and {p["lang"] for p in french} == {"fr"}


def test_wpml_translations_link_both_ways(bilingual):
    product = bilingual.get("products", per_page=1).json()[0]
    fr_id = product["translations"]["fr"]
    assert product["translations"]["en"] == product["id"]
    french = bilingual.get(f"products/{fr_id}").json()
    assert french["translations"] == product["translations"]
    assert french["sku"] == product["sku"]
    category = bilingual.get("products/categories", per_page=1).json()[0]
    assert set(category["translations"]) == {"en", "fr"}


def test_wpml_create_translation_of(bilingual):
    original = bilingual.post("products", {"name": "Chair", "sku": "CH-1"}).json()
    response = bilingual.post("products", {
        "name": "Chaise", "sku": "CH-1", "lang": "fr", "translation_of": original["id"],
    })
    assert response.status_code == 201
    translation = response.json()
    assert translation["lang"] == "fr"
    assert translation["translations"] == {"en": original["id"], "fr": translation["id"]}
    assert bilingual.get(f"products/{original['id']}").json()["translations"]["fr"] == translation["id"]


def test_wpml_system_status_lists_wpml_plugin(bilingual, woo):
    plugins = [p["plugin"] for p in bilingual.get("system_status").json()["active_plugins"]]
    assert "sitepress-multilingual-cms/sitepress.php" in plugins
    single = [p["plugin"] for p in woo.get("system_status").json()["active_plugins"]]
    assert single == ["woocommerce/woocommerce.php"]
    assert "lang" not in woo.post("products", {"name": "Solo"}).json()
