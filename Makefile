# MentorNet: `make run` starts a demo node; `make test` runs every check CI runs.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PIP := $(BIN)/python -m pip --quiet --disable-pip-version-check

.PHONY: run test lint typecheck contracts migrations pytest bench clean

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
	  { echo "MentorNet needs Python 3.11 or newer: set PYTHON=/path/to/python3.11"; exit 2; }
	$(PYTHON) -m venv $(VENV)

$(VENV)/.run-installed: $(BIN)/python pyproject.toml requirements/run.lock
	$(PIP) install -r requirements/run.lock
	$(PIP) install --no-deps -e .
	touch $@

$(VENV)/.dev-installed: $(BIN)/python pyproject.toml requirements/dev.lock
	$(PIP) install -r requirements/dev.lock
	$(PIP) install --no-deps -e .
	touch $@ $(VENV)/.run-installed

run: $(VENV)/.run-installed
	$(BIN)/mentornet demo

lint: $(VENV)/.dev-installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(VENV)/.dev-installed
	$(BIN)/mypy

contracts: $(VENV)/.dev-installed
	$(BIN)/lint-imports

migrations: $(VENV)/.dev-installed
	$(BIN)/python -m tests.check_migrations

# The certified oidc-provider (npm) that the sign-in tests run as each org's IdP.
tests/idp/node_modules/.package-lock.json: tests/idp/package.json tests/idp/package-lock.json
	npm ci --prefix tests/idp --no-audit --no-fund
	touch $@

pytest: $(VENV)/.dev-installed tests/idp/node_modules/.package-lock.json
	$(BIN)/pytest

test: lint typecheck contracts migrations pytest

bench: $(VENV)/.dev-installed
	$(BIN)/python -m benchmarks

clean:
	rm -rf $(VENV) var .mypy_cache .ruff_cache .pytest_cache test-artifacts tests/idp/node_modules
