from sandbox.services import sandbox_store_set_faults


def test_faults_rate_429_answers_retry_after(woo, woo_store):
    sandbox_store_set_faults(woo_store, rate_429=1.0)
    response = woo.get("products")
    assert response.status_code == 429
    assert response["Retry-After"] == "1"


def test_faults_error_rate_answers_5xx_and_endpoint_turns_it_off(woo, woo_store):
    response = woo.post("products", {"name": "x"})
    assert response.status_code == 201
    switched = woo.client.post(
        f"/sandbox/woocommerce/{woo_store.name}/_sandbox/faults", {"error_rate": 1.0, "seed": 5},
        content_type="application/json", HTTP_AUTHORIZATION=woo.auth,
    )
    assert switched.status_code == 200 and switched.json()["error_rate"] == 1.0
    statuses = {woo.get("products").status_code for _ in range(12)}
    assert statuses <= {500, 503} and 500 in statuses
    off = woo.client.post(
        f"/sandbox/woocommerce/{woo_store.name}/_sandbox/faults", {"error_rate": 0},
        content_type="application/json", HTTP_AUTHORIZATION=woo.auth,
    )
    assert off.json()["error_rate"] == 0
    assert woo.get("products").status_code == 200


def test_faults_seeded_sequence_is_deterministic(woo, woo_store):
    runs = []
    for _ in range(2):
        sandbox_store_set_faults(woo_store, error_rate=0.3, rate_429=0.2, seed=11)
        runs.append([woo.get("products").status_code for _ in range(15)])
    assert runs[0] == runs[1]
    assert {200, 429} <= set(runs[0])


def test_faults_endpoint_requires_store_key(woo, woo_store):
    response = woo.client.post(
        f"/sandbox/woocommerce/{woo_store.name}/_sandbox/faults", {"rate_429": 1.0}, content_type="application/json"
    )
    assert response.status_code == 401
