# The two set-up commands (`make run`, `make test`) work on a fresh machine with Python 3.11
# and make: each creates .venv and installs what it needs.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
# Absolute links (subscribe, .ics, Atom, sitemap, emails) are built from SITE_URL, so
# `make run` derives it from HOST and PORT unless it is given.
SITE_URL ?= http://$(HOST):$(PORT)

.PHONY: run superuser test lint format check bench clean tools messages translations

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.runtime: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $(VENV)/.runtime $@

run: $(VENV)/.runtime translations
	DEBUG=1 $(BIN)/python manage.py migrate --noinput
	DEBUG=1 $(BIN)/python manage.py seed_demo
	@echo ""
	@echo "  The directory:  $(SITE_URL)/"
	@echo "  The admin:      $(SITE_URL)/admin/"
	@echo "  To sign in to the admin, create an account first (in another terminal):"
	@echo "      make superuser"
	@echo ""
	DEBUG=1 SITE_URL=$(SITE_URL) $(BIN)/python manage.py runserver $(HOST):$(PORT)

# An admin account on the demo database (asks for a name, an email and a password).
superuser: $(VENV)/.runtime
	DEBUG=1 $(BIN)/python manage.py migrate --noinput
	DEBUG=1 $(BIN)/python manage.py createsuperuser

# The validators' tests need the npm tools below (and Java for the Nu HTML Checker); where
# npm is missing they skip, saying why (in CI they fail). The suite runs in TEST_WORKERS
# processes (pytest-xdist), each with its own test database and Redis database
# (tests/support_redis.py); PYTEST_ARGS="-n 0" runs it in one.
TEST_WORKERS ?= 2
test: $(VENV)/.dev translations $(if $(shell command -v npm),tools/node_modules/.installed)
	$(BIN)/pytest -n $(TEST_WORKERS) $(PYTEST_ARGS)

# The public pages' translations (docs/languages.md): one catalogue per language,
# directory/locale/<code>/LC_MESSAGES/django.po. `make messages` gathers every marked
# string of the code and templates into them (new ones untranslated, vanished ones
# dropped); `make run` and `make test` compile them (.mo files are built, never committed).
# Both need GNU gettext: `apt-get install gettext` (Debian, Ubuntu), `brew install gettext`
# (macOS). Not gathered: the curators' admin, tests, tools and everything not the site's.
MESSAGE_LANGUAGES := es fr pt de
NOT_SCANNED := .venv tools tests bench docs staticfiles var test-artifacts templates/admin hashtags/admin
MAKEMESSAGES_ARGS := $(addprefix --locale=,$(MESSAGE_LANGUAGES)) --no-obsolete --add-location=file \
	$(addprefix --ignore=,$(NOT_SCANNED))
GETTEXT_MISSING := GNU gettext is missing (msgfmt, xgettext): install it with `apt-get install gettext` (Debian, Ubuntu) or `brew install gettext` (macOS)
messages: $(VENV)/.runtime
	@command -v xgettext >/dev/null || { echo "$(GETTEXT_MISSING)" >&2; exit 1; }
	DEBUG=1 $(BIN)/python manage.py makemessages $(MAKEMESSAGES_ARGS)

translations: $(VENV)/.runtime
	@command -v msgfmt >/dev/null || { echo "$(GETTEXT_MISSING)" >&2; exit 1; }
	DEBUG=1 $(BIN)/python manage.py compilemessages --verbosity=0 $(addprefix --ignore=,$(NOT_SCANNED))

# The Nu HTML Checker and Redocly's OpenAPI linter (tests/test_conformance_web.py), pinned
# in tools/package-lock.json; vnu-jar's install script is skipped (it fetches a Java).
tools: tools/node_modules/.installed
tools/node_modules/.installed: tools/package.json tools/package-lock.json
	npm ci --prefix tools --ignore-scripts --no-audit --no-fund
	touch $@

lint: $(VENV)/.dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(VENV)/.dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

check: $(VENV)/.dev
	DEBUG=1 $(BIN)/python manage.py check
	DEBUG=1 $(BIN)/python manage.py makemigrations --check --dry-run

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .ruff_cache .hypothesis
	find directory/locale -name '*.mo' -delete

# Peak memory of the streamed export (50,000 entries, SQLite and PostgreSQL); see bench/README.md.
.PHONY: bench-export
bench-export: $(VENV)/.dev
	$(BIN)/python bench/export_memory.py

# The load benchmark (bench/README.md): seeds PostgreSQL databases of BENCH_COUNT and
# BENCH_SMALL_COUNT entries when they hold fewer, compares the search SQL at both sizes,
# then loads every endpoint with wrk against gunicorn, with and without Redis (hot rows, one
# address each, at BENCH_COUNT), then the cold mixes (bench/cold.py: thousands of addresses
# per endpoint, Redis emptied first) at both sizes.
BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/hhd_bench
BENCH_SMALL_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/hhd_bench_100k
BENCH_COUNT ?= 1000000
BENCH_SMALL_COUNT ?= 100000
BENCH_ARGS ?=
BENCH_COLD_ARGS ?=
bench: $(VENV)/.dev
	@command -v wrk >/dev/null || { SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -q && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -q wrk; }
	$(BIN)/python bench/prepare.py $(BENCH_DATABASE_URL) $(BENCH_COUNT)
	$(BIN)/python bench/prepare.py $(BENCH_SMALL_DATABASE_URL) $(BENCH_SMALL_COUNT)
	$(BIN)/python bench/sql_scale.py $(BENCH_DATABASE_URL) $(BENCH_SMALL_DATABASE_URL)
	DATABASE_URL=$(BENCH_DATABASE_URL) $(BIN)/python bench/run.py $(BENCH_ARGS)
	DATABASE_URL=$(BENCH_DATABASE_URL) $(BIN)/python bench/cold.py --output bench/cold-1m.json $(BENCH_COLD_ARGS)
	DATABASE_URL=$(BENCH_SMALL_DATABASE_URL) $(BIN)/python bench/cold.py --output bench/cold-100k.json $(BENCH_COLD_ARGS)
