# rers: GNU make targets. From a fresh clone, with Python 3.11+ and access to PyPI:
#   make demo    three federated demo networks on http://127.0.0.1:8001-8003 (SQLite, no
#                other service needed)
#   make test    the test suite (SQLite in memory; DATABASE_URL=postgres://... for PostgreSQL)
# Everything installs into .venv; pip reruns only when pyproject.toml changes.

SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
RERS := $(abspath $(BIN))/rers
# The demo's three instances listen on DEMO_HOST, one port each; their data is in var/demo/.
DEMO_HOST ?= 127.0.0.1
DEMO_PORTS ?= 8001,8002,8003
PYTEST_ARGS ?=
PIP_INSTALL := $(BIN)/python -m pip install --disable-pip-version-check --quiet
# axe-core, installed by npm for the browser tests' accessibility audit.
AXE := tests/browser/node_modules/axe-core/axe.min.js
# Apps whose translations are compiled and extracted.
LOCALE_APPS := rers_core rers_federation

.PHONY: help install demo demo-reset test e2e browser-deps browser-test screenshots lint audit schema messages compile-messages clean

help:
	@echo "make demo       install, then run three federated demo networks (Le Havre, Montivilliers,"
	@echo "                Harfleur) on $(DEMO_HOST), ports $(DEMO_PORTS); Ctrl-C stops them."
	@echo "                Run again, it reuses their data (var/demo/). DEMO_HOST=0.0.0.0 or"
	@echo "                DEMO_PORTS=9001,9002,9003 make demo to listen elsewhere"
	@echo "make demo-reset the same, starting afresh (deletes var/demo/ first)"
	@echo "make test       run the tests (PYTEST_ARGS='-k admin -x'; DATABASE_URL for PostgreSQL)"
	@echo "make e2e        three real instances federating (needs PostgreSQL and Redis on 127.0.0.1),"
	@echo "                and make demo run from start to Ctrl-C, twice"
	@echo "make browser-test  the browser tests only (Playwright + Debian's Chromium, axe-core audit)"
	@echo "make screenshots   retake the guides' pictures in docs/images/ with the browser tests"
	@echo "make install    only create .venv and install the project (then: .venv/bin/rers ...)"
	@echo "make lint       ruff"
	@echo "make audit      pip-audit: known vulnerabilities in the dependencies (needs pypi.org)"
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

$(VENV)/.installed-demo: pyproject.toml | $(BIN)/python
	$(PIP_INSTALL) -e '.[demo]'
	@touch $@ $(VENV)/.installed

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(PIP_INSTALL) -e '.[test]'
	@touch $@ $(VENV)/.installed-demo $(VENV)/.installed

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(PIP_INSTALL) -e '.[dev]'
	@touch $@ $(VENV)/.installed-test $(VENV)/.installed-demo $(VENV)/.installed

install: $(VENV)/.installed

# --- targets ---------------------------------------------------------------------------

# Three instances, each with its web server, Celery worker and beat, run by honcho
# (deployments/demo/); Kombu's filesystem transport unless CELERY_BROKER_URL names a Redis.
demo: $(VENV)/.installed-demo
	@$(MAKE) --no-print-directory compile-messages
	@$(BIN)/python -m deployments.demo --host $(DEMO_HOST) --ports $(DEMO_PORTS)

demo-reset: $(VENV)/.installed-demo
	@$(MAKE) --no-print-directory compile-messages
	@$(BIN)/python -m deployments.demo --host $(DEMO_HOST) --ports $(DEMO_PORTS) --reset

test: $(VENV)/.installed-test $(AXE)
	$(BIN)/pytest $(PYTEST_ARGS)

# axe-core for the browser tests' accessibility audit: the version tests/browser/package-lock.json
# pins, read from disk by the tests (never from a CDN). Without npm the audit is skipped.
$(AXE): tests/browser/package.json tests/browser/package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
	  npm ci --prefix tests/browser --no-audit --no-fund --loglevel=error && touch $@; \
	else \
	  echo "npm not found: the accessibility audit will be skipped (apt-get install npm)."; \
	fi

browser-deps: $(AXE)

# The browser tests alone (Debian's Chromium: apt-get install chromium).
browser-test: $(VENV)/.installed-test $(AXE)
	$(BIN)/pytest tests/browser $(PYTEST_ARGS)

# Retake the guides' pictures (docs/images/); chromium-l10n and optipng make them French and small.
screenshots: $(VENV)/.installed-test $(AXE)
	RERS_SCREENSHOTS=1 $(BIN)/pytest tests/browser -k "not accessibility" $(PYTEST_ARGS)

# Real processes: three instances (gunicorn, Celery worker and beat, a PostgreSQL database
# each) and one Redis, on loopback; see tests/e2e/.
e2e: $(VENV)/.installed-test
	RERS_E2E=1 $(BIN)/pytest tests/e2e $(PYTEST_ARGS)

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .

# Known vulnerabilities in the installed dependencies, from PyPI's advisory data: its JSON
# API per release (/pypi/<name>/<version>/json), which a mirror may not serve.
audit: $(VENV)/.installed-dev
	@if $(BIN)/python -c "import django, urllib.request; urllib.request.urlopen(f'https://pypi.org/pypi/django/{django.__version__}/json', timeout=15)" 2>/dev/null; then \
	  $(BIN)/pip freeze --exclude-editable > $(VENV)/audit-requirements.txt && \
	  $(BIN)/pip-audit --strict --no-deps --disable-pip --progress-spinner off -r $(VENV)/audit-requirements.txt; \
	else \
	  echo "pip-audit did not run: PyPI's vulnerability data (https://pypi.org/pypi/<name>/<version>/json) cannot be reached from here."; \
	fi

schema: $(VENV)/.installed
	$(RERS) spectacular --validate --fail-on-warn --file docs/openapi.yaml

# Extract the strings (GNU gettext needed). msgids are English: the English catalogue copies
# them (msgen), so that only the French one has strings left to translate.
messages: $(VENV)/.installed
	@for app in $(LOCALE_APPS); do \
	  mkdir -p $$app/locale && \
	  (cd $$app && $(RERS) makemessages --no-obsolete -l fr -l en) || exit 1; \
	  msgen -o $$app/locale/en/LC_MESSAGES/django.po $$app/locale/en/LC_MESSAGES/django.po || exit 1; \
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
