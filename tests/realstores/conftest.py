"""Real open-source stores started by the test suite (see /work/shared/REAL-STORES.md).

`vendure_server` (session scope): a real Vendure 3 server from tests/realstores/vendure/ (`package.json` with
its override, the committed `package-lock.json`, `server.js`). It runs `npm ci` when `node_modules` is missing
(or was installed from another lock file), starts `node server.js` on a free port of 127.0.0.1 with an
in-memory sql.js database, waits for `/health`, logs in as superadmin, does the one-time store setup
(languages en + fr, five countries in one zone, channel defaults, a 10 % tax rate, a shipping method, a
payment method), creates an API key, and stops the server by its PID when the session ends.

Node.js 20+ and npm are required: without them the tests that use the server fail (they are never skipped),
and the message says what to install. Timings and the server log go to test-artifacts/.
"""
from __future__ import annotations

import fcntl
import hashlib
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import requests

VENDURE_DIR = Path(__file__).resolve().parent / "vendure"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
INSTALL_HINT = ("Install Node.js 20 or newer with npm (Debian/Ubuntu: `apt-get install -y nodejs npm`, or "
                "https://nodejs.org/en/download), then run `make test` again.")
COUNTRIES = {"US": "United States", "CA": "Canada", "GB": "United Kingdom", "FR": "France", "DE": "Germany"}
TAX_PERCENT = 10  # the WooCommerce sandbox seeds a 10 % tax on everything


@dataclass
class VendureServer:
    """A running Vendure store. `credentials` log in with the superadmin; `api_key_credentials` use an API key."""

    base_url: str
    username: str
    password: str
    api_key: str
    pid: int
    timings: dict[str, float] = field(default_factory=dict)
    ids: dict[str, Any] = field(default_factory=dict)
    admin: _Admin | None = field(default=None, repr=False)

    @property
    def admin_api(self) -> str:
        return f"{self.base_url}/admin-api"

    @property
    def credentials(self) -> dict[str, str]:
        return {"username": self.username, "password": self.password}

    @property
    def api_key_credentials(self) -> dict[str, str]:
        return {"api_key": self.api_key}

    def describe(self, channel_token: str = "") -> dict[str, Any]:
        """In the shape of the sandbox factories' answers (tests/integration/helpers.checked_store)."""
        credentials = {**self.credentials, **({"channel_token": channel_token} if channel_token else {})}
        return {"platform": "vendure", "base_url": self.base_url, "credentials": credentials}

    def admin_call(self, channel_token: str, query: str, **variables: Any) -> dict[str, Any]:
        """A call to the Admin API as the store's own staff would make it (not through the connector)."""
        headers = {"vendure-token": channel_token} if channel_token else {}
        response = self.admin.session.post(self.admin_api, json={"query": query, "variables": variables},
                                           headers=headers, timeout=30)
        body = response.json()
        if body.get("errors"):
            raise RuntimeError(f"Vendure Admin API call failed: {body['errors'][0].get('message')}")
        return body["data"]

    def channel(self, code: str) -> str:
        """A new channel set up like the default one; answers its token (the `channel_token` credential).

        Test modules that count records use their own channel: Vendure assigns what is created in a channel to
        the default channel too, never the other way round. Customers are shared by email across channels."""
        return vendure_channel(self.admin, code, self.ids)


class _Admin:
    """Just enough of a GraphQL client for the setup (the connector has its own, on HttpClient)."""

    def __init__(self, url: str):
        self.url = url
        self.session = requests.Session()

    def __call__(self, query: str, **variables: Any) -> dict[str, Any]:
        response = self.session.post(self.url, json={"query": query, "variables": variables}, timeout=30)
        body = response.json()
        if body.get("errors"):
            raise RuntimeError(f"Vendure setup call failed: {body['errors'][0].get('message')}\n{query}")
        data = body["data"]
        for value in data.values():
            if isinstance(value, dict) and value.get("errorCode"):
                raise RuntimeError(f"Vendure setup call refused: {value.get('message')}\n{query}")
        return data

    def login(self, username: str, password: str) -> None:
        response = self.session.post(self.url, timeout=30, json={
            "query": "mutation($u: String!, $p: String!) { login(username: $u, password: $p) {"
                     " ... on CurrentUser { id } ... on ErrorResult { errorCode message } } }",
            "variables": {"u": username, "p": password}})
        token = response.headers.get("vendure-auth-token")
        if not token:
            raise RuntimeError(f"Vendure superadmin login failed: {response.text[:500]}")
        self.session.headers["Authorization"] = f"Bearer {token}"


def _require_node() -> tuple[str, str]:
    node, npm = shutil.which("node"), shutil.which("npm")
    if not node or not npm:
        missing = " and ".join(n for n, p in (("node", node), ("npm", npm)) if not p)
        pytest.fail(f"The real-Vendure tests need {missing}: not found on PATH. {INSTALL_HINT}", pytrace=False)
    version = subprocess.run([node, "--version"], capture_output=True, text=True, timeout=30).stdout.strip()
    try:
        major = int(version.lstrip("v").split(".")[0])
    except ValueError:
        major = 0
    if major < 20:
        pytest.fail(f"The real-Vendure tests need Node.js 20 or newer; this machine has {version or 'unknown'}. "
                    f"{INSTALL_HINT}", pytrace=False)
    return node, npm


def _npm_ci(npm: str) -> float:
    """`npm ci` when node_modules is missing or stems from another package-lock.json; seconds spent (0 if not).

    A file lock keeps two test sessions in the same checkout from installing at once."""
    lock_hash = hashlib.sha256((VENDURE_DIR / "package-lock.json").read_bytes()).hexdigest()
    stamp = VENDURE_DIR / "node_modules" / ".cartmigrate-lock-sha256"
    ARTIFACTS.mkdir(exist_ok=True)
    with open(VENDURE_DIR / ".npm-install.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if stamp.exists() and stamp.read_text().strip() == lock_hash:
            return 0.0
        started = time.monotonic()
        with open(ARTIFACTS / "vendure-npm-ci.log", "wb") as log:
            result = subprocess.run([npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=VENDURE_DIR,
                                    stdout=log, stderr=subprocess.STDOUT, timeout=600)
        if result.returncode != 0:
            tail = (ARTIFACTS / "vendure-npm-ci.log").read_text(errors="replace")[-2000:]
            pytest.fail(f"`npm ci` in {VENDURE_DIR} failed (exit {result.returncode}); is the npm registry "
                        f"reachable?\n{tail}", pytrace=False)
        stamp.write_text(lock_hash)
        return time.monotonic() - started


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_healthy(proc: subprocess.Popen, base_url: str, log_path: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"The Vendure server exited with {proc.returncode}:\n"
                               f"{log_path.read_text(errors='replace')[-3000:]}")
        try:
            if requests.get(f"{base_url}/health", timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"The Vendure server did not answer /health within {timeout:.0f} s:\n"
                       f"{log_path.read_text(errors='replace')[-3000:]}")


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.kill(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)


def vendure_setup(admin: _Admin) -> dict[str, Any]:
    """The one-time setup of an empty store: what an owner does in Settings before selling. Answers the ids."""
    admin("mutation { updateGlobalSettings(input: {availableLanguages: [en, fr]}) {"
          " ... on GlobalSettings { id } ... on ErrorResult { errorCode message } } }")
    country_ids = []
    for code, name in COUNTRIES.items():
        data = admin("mutation($input: CreateCountryInput!) { createCountry(input: $input) { id } }",
                     input={"code": code, "enabled": True, "translations": [{"languageCode": "en", "name": name}]})
        country_ids.append(data["createCountry"]["id"])
    zone = admin("mutation($input: CreateZoneInput!) { createZone(input: $input) { id } }",
                 input={"name": "Everywhere we ship", "memberIds": country_ids})["createZone"]["id"]
    channel = admin("{ activeChannel { id } }")["activeChannel"]["id"]
    admin("mutation($input: UpdateChannelInput!) { updateChannel(input: $input) {"
          " ... on Channel { id } ... on ErrorResult { errorCode message } } }",
          input={"id": channel, "defaultTaxZoneId": zone, "defaultShippingZoneId": zone,
                 "availableLanguageCodes": ["en", "fr"], "defaultLanguageCode": "en", "pricesIncludeTax": False})
    category = admin("mutation { createTaxCategory(input: {name: \"Standard\", isDefault: true}) { id } }"
                     )["createTaxCategory"]["id"]
    admin("mutation($input: CreateTaxRateInput!) { createTaxRate(input: $input) { id } }",
          input={"name": f"Standard {TAX_PERCENT} %", "enabled": True, "value": TAX_PERCENT,
                 "categoryId": category, "zoneId": zone})
    standard_shipping = {
        "code": "standard-shipping", "fulfillmentHandler": "manual-fulfillment",
        "checker": {"code": "default-shipping-eligibility-checker",
                    "arguments": [{"name": "orderMinimum", "value": "0"}]},
        "calculator": {"code": "default-shipping-calculator",
                       "arguments": [{"name": "rate", "value": "500"}, {"name": "includesTax", "value": "exclude"},
                                     {"name": "taxRate", "value": str(TAX_PERCENT)}]},
        "translations": [{"languageCode": "en", "name": "Standard shipping", "description": ""}]}
    shipping = admin("mutation($input: CreateShippingMethodInput!) { createShippingMethod(input: $input) { id } }",
                     input=standard_shipping)["createShippingMethod"]["id"]
    manual_payment = {
        "code": "manual", "enabled": True,
        "handler": {"code": "dummy-payment-handler", "arguments": [{"name": "automaticSettle", "value": "true"}]},
        "translations": [{"languageCode": "en", "name": "Manual payment", "description": ""}]}
    payment = admin("mutation($input: CreatePaymentMethodInput!) { createPaymentMethod(input: $input) { id } }",
                    input=manual_payment)["createPaymentMethod"]["id"]
    facts = admin("{ activeChannel { seller { id } } stockLocations { items { id } } }")
    return {"channel": channel, "zone": zone, "tax_category": category, "countries": country_ids,
            "shipping_method": shipping, "payment_method": payment, "seller": facts["activeChannel"]["seller"]["id"],
            "stock_location": facts["stockLocations"]["items"][0]["id"]}


def vendure_channel(admin: _Admin, code: str, ids: dict[str, Any]) -> str:
    token = f"{code}-token"
    data = admin("mutation($input: CreateChannelInput!) { createChannel(input: $input) {"
                 " ... on Channel { id } ... on ErrorResult { errorCode message } } }", input={
                     "code": code, "token": token, "defaultLanguageCode": "en", "availableLanguageCodes": ["en", "fr"],
                     "pricesIncludeTax": False, "defaultCurrencyCode": "USD", "availableCurrencyCodes": ["USD"],
                     "defaultTaxZoneId": ids["zone"], "defaultShippingZoneId": ids["zone"], "sellerId": ids["seller"]})
    channel = data["createChannel"]["id"]
    admin("mutation($input: AssignStockLocationsToChannelInput!) { assignStockLocationsToChannel(input: $input) {"
          " id } }", input={"channelId": channel, "stockLocationIds": [ids["stock_location"]]})
    admin("mutation($input: AssignShippingMethodsToChannelInput!) { assignShippingMethodsToChannel(input: $input) {"
          " id } }", input={"channelId": channel, "shippingMethodIds": [ids["shipping_method"]]})
    admin("mutation($input: AssignPaymentMethodsToChannelInput!) { assignPaymentMethodsToChannel(input: $input) {"
          " id } }", input={"channelId": channel, "paymentMethodIds": [ids["payment_method"]]})
    return token


def _create_api_key(admin: _Admin) -> str:
    roles = admin("{ roles { items { id code } } }")["roles"]["items"]
    superadmin = [r["id"] for r in roles if r["code"] == "__super_admin_role__"]
    data = admin("mutation($input: CreateApiKeyInput!) { createApiKey(input: $input) { apiKey entityId } }",
                 input={"roleIds": superadmin, "translations": [{"languageCode": "en", "name": "Cartmigrate tests"}]})
    return data["createApiKey"]["apiKey"]


@pytest.fixture(scope="session")
def vendure_server():
    """A real Vendure store for the whole session (see the module docstring); stopped by PID at the end."""
    _, npm = _require_node()
    timings = {"npm_ci_seconds": round(_npm_ci(npm), 1)}
    port = _free_port()
    base_url = f"http://127.0.0.1:{port}"
    password = secrets.token_urlsafe(16)
    log_path = ARTIFACTS / "vendure-server.log"
    started = time.monotonic()
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            ["node", "server.js"], cwd=VENDURE_DIR, stdout=log, stderr=subprocess.STDOUT,
            env={**os.environ, "VENDURE_PORT": str(port), "VENDURE_SUPERADMIN": "superadmin",
                 "VENDURE_SUPERADMIN_PASSWORD": password, "VENDURE_DISABLE_TELEMETRY": "true"},
        )
    try:
        _wait_healthy(proc, base_url, log_path)
        timings["start_seconds"] = round(time.monotonic() - started, 1)
        started = time.monotonic()
        admin = _Admin(f"{base_url}/admin-api")
        admin.login("superadmin", password)
        ids = vendure_setup(admin)
        api_key = _create_api_key(admin)
        timings["setup_seconds"] = round(time.monotonic() - started, 1)
        server = VendureServer(base_url=base_url, username="superadmin", password=password, api_key=api_key,
                               pid=proc.pid, timings=timings, ids=ids, admin=admin)
        (ARTIFACTS / "vendure-timings.json").write_text(json.dumps(timings, indent=1))
        yield server
    finally:
        stopped = time.monotonic()
        _stop(proc)
        timings["stop_seconds"] = round(time.monotonic() - stopped, 1)
        (ARTIFACTS / "vendure-timings.json").write_text(json.dumps(timings, indent=1))
