# rers: GNU make targets. From a fresh clone, with Python 3.11+ and access to PyPI:
#   make demo    a demo site on http://127.0.0.1:8000 (SQLite, no other service needed)
#   make test    the test suite (SQLite in memory; DATABASE_URL=postgres://... for PostgreSQL)
# Everything installs into .venv; pip reruns only when pyproject.toml changes.

SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
RERS := $(abspath $(BIN))/rers
DEMO_ADDR ?= 127.0.0.1:8000
PYTEST_ARGS ?=
PIP_INSTALL := $(BIN)/python -m pip install --disable-pip-version-check --quiet
# Apps whose translations are compiled and extracted.
LOCALE_APPS := rers_core

.PHONY: help install demo test e2e lint schema messages compile-messages clean

help:
	@echo "make demo       install, migrate, seed the demo network and serve it on $(DEMO_ADDR)"
	@echo "                (DEMO_ADDR=0.0.0.0:8000 make demo to listen elsewhere)"
	@echo "make test       run the tests (PYTEST_ARGS='-k admin -x'; DATABASE_URL for PostgreSQL)"
	@echo "make e2e        three real instances federating (needs PostgreSQL and Redis on 127.0.0.1)"
	@echo "make install    only create .venv and install the project (then: .venv/bin/rers ...)"
	@echo "make lint       ruff"
	@echo "make schema     regenerate and validate docs/openapi.yaml"
	@echo "make messages   extract translatable strings (fr, en) and compile the catalogues"

# --- the virtual environment and its stamp files ---------------------------------------

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { \
	  echo "rers needs Python 3.11 or newer: run make PYTHON=python3.11 ..." >&2; exit 1; }
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(PIP_INSTALL) -e .
	@touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(PIP_INSTALL) -e '.[test]'
	@touch $@ $(VENV)/.installed

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(PIP_INSTALL) -e '.[dev]'
	@touch $@ $(VENV)/.installed-test $(VENV)/.installed

install: $(VENV)/.installed

# --- targets ---------------------------------------------------------------------------

demo: $(VENV)/.installed
	$(RERS) migrate --noinput
	@$(MAKE) --no-print-directory compile-messages
	$(RERS) seed-demo --base-url http://$(DEMO_ADDR)
	@echo "Serving on http://$(DEMO_ADDR)/ (Ctrl-C to stop)."
	$(RERS) runserver $(DEMO_ADDR)

test: $(VENV)/.installed-test
	$(BIN)/pytest $(PYTEST_ARGS)

# Real processes: three instances (gunicorn, Celery worker and beat, a PostgreSQL database
# each) and one Redis, on loopback; see tests/e2e/.
e2e: $(VENV)/.installed-test
	RERS_E2E=1 $(BIN)/pytest tests/e2e $(PYTEST_ARGS)

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .

schema: $(VENV)/.installed
	$(RERS) spectacular --validate --fail-on-warn --file docs/openapi.yaml

messages: $(VENV)/.installed
	@for app in $(LOCALE_APPS); do \
	  mkdir -p $$app/locale && \
	  (cd $$app && $(RERS) makemessages -l fr -l en) || exit 1; \
	done
	@$(MAKE) --no-print-directory compile-messages

# The compiled .mo files are committed: without gettext's msgfmt, they are used as they are.
compile-messages: $(VENV)/.installed
	@if ! command -v msgfmt >/dev/null 2>&1; then \
	  echo "msgfmt (gettext) not found: using the committed translations."; \
	else \
	  for app in $(LOCALE_APPS); do \
	    if [ -d $$app/locale ]; then (cd $$app && $(RERS) compilemessages -v0) || exit 1; fi; \
	  done; \
	fi

clean:
	rm -rf .pytest_cache .ruff_cache
	find . -path ./$(VENV) -prune -o -name __pycache__ -type d -prune -exec rm -rf {} +
