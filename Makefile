# The two commands of the README: `make run` and `make test`. Everything else is a step they use.
VENV ?= .venv
PYTHON ?= python3
BIN := $(VENV)/bin
export PATH := $(CURDIR)/$(BIN):$(PATH)

.PHONY: run test install install-test services chromium readers shopify-schemas lint bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

## run: web + worker + beat + sandbox stores on SQLite and a filesystem broker (no servers needed)
run: install shopify-schemas
	DJANGO_SETTINGS_MODULE=migrator.settings.local $(BIN)/python manage.py migrate --noinput -v 0
	DJANGO_SETTINGS_MODULE=migrator.settings.local $(BIN)/python manage.py createcachetable -v 0
	DJANGO_SETTINGS_MODULE=migrator.settings.local $(BIN)/python manage.py bootstrap_demo
	DJANGO_SETTINGS_MODULE=migrator.settings.local $(BIN)/honcho start -f Procfile

## services: make sure the local PostgreSQL and Redis the tests use are up
services:
	bash .ci/services

## chromium: Debian's Chromium for the browser tests (installed if missing)
chromium:
	bash .ci/chromium

## readers: third-party API readers, each in its own virtualenv (.venv-readers/<reader>), run by tests/readers
READERS := .venv-readers
$(READERS)/%/.installed: tests/readers/%.txt
	$(PYTHON) -m venv --clear $(READERS)/$*
	$(READERS)/$*/bin/pip install --quiet -r $<
	touch $@

readers: $(READERS)/tap-shopify/.installed

## shopify-schemas: Shopify's published Admin GraphQL schemas (npm @shopify/dev-mcp, pinned by the committed
## lock file), read by the Shopify sandbox and the schema guard of the tests; a note instead when npm is missing
SHOPIFY_SCHEMAS := sandbox/shopify/published
$(SHOPIFY_SCHEMAS)/node_modules/.cartmigrate-lock-sha256: $(SHOPIFY_SCHEMAS)/package-lock.json
	cd $(SHOPIFY_SCHEMAS) && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	sha256sum $< | cut -d' ' -f1 > $@

shopify-schemas:
	@if command -v npm >/dev/null 2>&1; then $(MAKE) --no-print-directory $(SHOPIFY_SCHEMAS)/node_modules/.cartmigrate-lock-sha256; \
	else echo "npm not found: the Shopify sandbox validates against its own schema only (install Node.js 20+ with npm)."; fi

## test: the whole suite against real PostgreSQL, Redis, Celery workers and headless Chromium
test: install-test services chromium readers shopify-schemas
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	DATABASE_URL=$${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/cartmigrate} \
	CELERY_BROKER_URL=$${CELERY_BROKER_URL:-redis://127.0.0.1:6379/14} \
	MIGRATOR_REDIS_URL=$${MIGRATOR_REDIS_URL:-redis://127.0.0.1:6379/13} \
	$(BIN)/pytest $${PYTEST_XDIST:--n 2 --dist worksteal} $(PYTEST_ARGS)

lint: install-test
	$(BIN)/ruff check .
	$(BIN)/lint-imports

bench: install
	$(BIN)/python bench/migrate.py --products 200 --customers 200 --orders 500

clean:
	rm -rf var/ .pytest_cache
