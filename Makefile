# 清欠 platform. The two commands a newcomer needs: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PACKAGES := -e kernel -e services/ledger-api -e services/complaint-api -e services/notify-api -e qqctl
NPM_STAMP := frontend/node_modules/.installed
# The built SPA is rebuilt only when what it is built from changed: its sources (the generated API
# types excepted, they come from contracts/), its package files and build config, the contracts.
SPA_BUILT := frontend/dist/index.html
SPA_SOURCES := $(shell find frontend/src frontend/public -type f -not -path 'frontend/src/api/generated/*' 2>/dev/null) \
	frontend/index.html frontend/package.json frontend/package-lock.json frontend/vite.config.ts \
	frontend/tsconfig.json frontend/tsconfig.node.json $(wildcard contracts/*.openapi.json)
PYTEST_WORKERS ?= 2

.PHONY: run test test-fast fuzz contracts check-contracts migrate lint frontend venv system-deps bench clean-data help

help:
	@echo "make run        start everything (embedded PostgreSQL unless DATABASE_URL) on http://127.0.0.1:8000"
	@echo "make test       install what is missing, then run the whole test suite"
	@echo "make contracts  export contracts/*.openapi.json from the code"
	@echo "make migrate    provision the database and apply every service's migrations"
	@echo "make lint       ruff"
	@echo "make fuzz       schemathesis on the ledger contract, longer (own test database only)"

$(STAMP): requirements.txt requirements-dev.txt kernel/pyproject.toml qqctl/pyproject.toml services/*/pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --disable-pip-version-check -r requirements-dev.txt $(PACKAGES)
	@touch $@

venv: $(STAMP)

$(NPM_STAMP): frontend/package.json frontend/package-lock.json
	cd frontend && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

$(SPA_BUILT): $(NPM_STAMP) $(SPA_SOURCES)
	cd frontend && npm run build
	@touch $@

frontend: $(SPA_BUILT)

system-deps:
	@scripts/system-deps.sh

run: venv frontend
	$(BIN)/qqctl run $(if $(filter 0,$(DEMO)),,--demo)

migrate: venv
	$(BIN)/qqctl migrate

contracts: venv
	$(BIN)/qqctl contracts

check-contracts: venv
	$(BIN)/qqctl contracts --check

lint: venv
	$(BIN)/ruff check .

test: venv system-deps frontend
	$(BIN)/ruff check .
	$(BIN)/qqctl contracts --check
	cd frontend && npm run test:unit
	$(BIN)/pytest -n $(PYTEST_WORKERS) --dist loadgroup

# Python tests only, no browser, no nginx: the quick loop while coding.
test-fast: venv
	$(BIN)/pytest -n $(PYTEST_WORKERS) -m "not slow"

# Contract fuzzing, longer than the bounded run inside `make test` (tests/fuzz/test_schemathesis.py):
# FUZZ_TIME seconds per role, up to FUZZ_EXAMPLES cases per operation. It provisions and drops its
# own uniquely named test database (tests/conftest.py) and writes thousands of random rows there.
# NEVER point it at a database with data that matters (no DATABASE_URL of a real deployment).
FUZZ_TIME ?= 600
FUZZ_EXAMPLES ?= 200
fuzz: venv
	QQ_FUZZ_MAX_TIME=$(FUZZ_TIME) QQ_FUZZ_MAX_EXAMPLES=$(FUZZ_EXAMPLES) $(BIN)/pytest -p no:cacheprovider -s \
		tests/fuzz/test_schemathesis.py

# Province-scale benchmark (bench/README.md): generate 1,000,000 items, then measure the list
# endpoint through nginx beside the same SQL run directly. Needs a PostgreSQL server (DATABASE_URL
# or 127.0.0.1:5432) and a few GB of disk.
bench: venv
	$(BIN)/python -m bench.generate
	$(BIN)/python -m bench.measure

clean-data:
	rm -rf .data
