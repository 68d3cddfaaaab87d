# Silsila: `make run` starts the app on embedded defaults; `make test` installs and runs the tests.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

# Test runs use the real services on 127.0.0.1 unless told otherwise.
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/silsila
TEST_CACHE_URL ?= redis://127.0.0.1:6379/1

.PHONY: install install-dev run static test lint pytest bench chaos clean

$(BIN)/python:
	$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { echo "Python 3.11 or newer is needed"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# Stamps make a second `make install` a no-op until the requirements change.
$(VENV)/.installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $(VENV)/.installed $@

install: $(VENV)/.installed

install-dev: $(VENV)/.installed-dev

# Migrate, load the sample corpus into an empty database, then start web + worker + beat.
run: install static
	@mkdir -p var
	DEBUG=$${DEBUG:-1} $(BIN)/python manage.py migrate --noinput
	DEBUG=$${DEBUG:-1} $(BIN)/python manage.py load_demo
	@echo ""
	@echo "  Silsila is starting on http://$(HOST):$(PORT)/  (admin: http://$(HOST):$(PORT)/admin/)"
	@echo ""
	DEBUG=$${DEBUG:-1} HOST=$(HOST) PORT=$(PORT) $(BIN)/honcho start -f Procfile

# Static files. With DEBUG on, WhiteNoise serves static/ as it is. With DEBUG=0 (false/no/off)
# pages name hashed files from a manifest, so they are collected into STATIC_ROOT
# (var/staticfiles by default) first, and WhiteNoise serves them from there.
static: install
	@case "$$(echo "$${DEBUG:-1}" | tr '[:upper:]' '[:lower:]' | tr -d ' ')" in \
	  0|false|no|off) \
	    echo "DEBUG=0: collecting static files into $${STATIC_ROOT:-var/staticfiles} (WhiteNoise serves them from there)"; \
	    DEBUG=0 $(BIN)/python manage.py collectstatic --noinput --verbosity 0 ;; \
	  *) echo "DEBUG on: static files are served from static/ as they are (no collectstatic)" ;; \
	esac

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# The suite runs in TEST_WORKERS pytest-xdist processes (README, "Running the tests"): each has its
# own test database and Redis database (config/pytest_workers.py), so with TEST_CACHE_URL's
# database N, N+1 is used too. TEST_WORKERS=0 runs it in one process.
TEST_WORKERS ?= 2
PYTEST := $(BIN)/python -m pytest -p config.pytest_workers

test: install-dev
	scripts/ensure-services.sh
	scripts/ensure-browser.sh
	scripts/ensure-axe.sh
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	DEBUG=1 $(BIN)/python manage.py makemigrations --check --dry-run
	DATABASE_URL=$(TEST_DATABASE_URL) CACHE_URL=$(TEST_CACHE_URL) SILSILA_FETCH_ALLOW_PRIVATE=1 \
	  $(PYTEST) -q -n $(TEST_WORKERS) --dist loadgroup $(PYTEST_ARGS)

# For working on one test file: make pytest PYTEST_ARGS=stories/tests/test_views.py
pytest: install-dev
	DATABASE_URL=$(TEST_DATABASE_URL) CACHE_URL=$(TEST_CACHE_URL) SILSILA_FETCH_ALLOW_PRIVATE=1 \
	  $(PYTEST) -q $(PYTEST_ARGS)

clean:
	rm -rf var/broker var/celerybeat-schedule* var/staticfiles

# Fault injection with real workers, Redis and PostgreSQL: one summary line per fault.
# CHAOS_ARGS=... passes options to chaos/run.py; CHAOS_SKIP=postgres leaves out the restart.
chaos: install-dev
	scripts/ensure-services.sh
	$(BIN)/python -m chaos.run $(CHAOS_ARGS)

# Benchmarks print numbers (docs/benchmarks.md); BENCH_ARGS=--quick for a 2-3 minute run.
bench: install-dev
	scripts/ensure-services.sh
	scripts/ensure-wrk.sh
	$(BIN)/python -m bench.run $(BENCH_ARGS)
