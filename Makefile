# MentorNet: `make run` starts two peered demo nodes; `make test` runs every check CI runs.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PIP := $(BIN)/python -m pip --quiet --disable-pip-version-check

.PHONY: run test lint typecheck contracts migrations pytest bench clean assets browser manifests pdf-libs

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

run: $(VENV)/.run-installed pdf-libs
	$(BIN)/mentornet demo

lint: $(VENV)/.dev-installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(VENV)/.dev-installed
	$(BIN)/mypy

contracts: $(VENV)/.dev-installed
	$(BIN)/lint-imports

# The Kubernetes manifests: valid against the Kubernetes schemas and clean under checkov (an IaC
# scanner). Both run from an environment of their own so their pins never bend the app's.
IAC := .venv-iac
$(IAC)/.installed: requirements/iac.lock
	$(PYTHON) -m venv $(IAC)
	$(IAC)/bin/python -m pip --quiet --disable-pip-version-check install -r requirements/iac.lock
	touch $@

manifests: $(IAC)/.installed
	$(IAC)/bin/kubernetes-validate --strict --quiet deploy/k8s/*.yaml
	$(IAC)/bin/checkov --directory deploy/k8s --framework kubernetes --compact --quiet --skip-download

migrations: $(VENV)/.dev-installed
	$(BIN)/python -m tests.check_migrations

# The certified oidc-provider (npm) that the sign-in tests run as each org's IdP.
tests/idp/node_modules/.package-lock.json: tests/idp/package.json tests/idp/package-lock.json
	npm ci --prefix tests/idp --no-audit --no-fund
	touch $@

# The web pages' stylesheet: GOV.UK Frontend (pinned in web/package.json) compiled with our own
# font stack; the result is committed, so `make run` needs only Python.
web/node_modules/.package-lock.json: web/package.json web/package-lock.json
	npm ci --prefix web --no-audit --no-fund --loglevel=error
	touch $@

assets: web/node_modules/.package-lock.json
	npm run --prefix web --silent build

# The browser tests drive Debian's Chromium (Playwright's own download does not work here).
browser:
	@command -v chromium >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null)

# The programme reports' PDFs (WeasyPrint) need Pango and a font from Debian.
pdf-libs:
	@ldconfig -p | grep -q libpangoft2-1.0 || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core >/dev/null)

pytest: $(VENV)/.dev-installed tests/idp/node_modules/.package-lock.json web/node_modules/.package-lock.json browser pdf-libs
	$(BIN)/pytest

test: lint typecheck contracts migrations manifests pytest

bench: $(VENV)/.dev-installed
	$(BIN)/python -m benchmarks

clean:
	rm -rf $(VENV) $(IAC) var .mypy_cache .ruff_cache .pytest_cache test-artifacts tests/idp/node_modules web/node_modules
