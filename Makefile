# smartdist: the two set-up commands of the README are `make demo` and `make test`.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
SERVICES := dispatch forecast wms delivery-broker surplus-market virtual-store
PACKAGES := shared $(addprefix services/,$(SERVICES))
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: setup demo test lint system-deps backing-services bench-bus clean

## setup: one virtual environment at .venv/ with every package (editable) and the front-end libraries
setup: $(STAMP)

$(STAMP): requirements-dev.txt constraints.txt package-lock.json $(addsuffix /pyproject.toml,$(PACKAGES))
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -r requirements-dev.txt $(addprefix -e ,$(PACKAGES))
	npm ci --no-audit --no-fund --loglevel=error
	touch $(STAMP)

## demo: the whole platform in one process on the embedded default, seeded with demo data
demo: setup
	$(BIN)/smartdist demo --host $(HOST) --port $(PORT)

## system-deps: Debian's Chromium for the browser tests
system-deps:
	bash scripts/install-system-deps

## backing-services: PostgreSQL and Redis up on 127.0.0.1 (started if they are not)
backing-services:
	bash scripts/start-backing-services

## test: everything the suite needs, then the whole suite (PostgreSQL and Redis tests included)
test: setup system-deps backing-services
	$(BIN)/pytest

## lint: ruff (rules and format) over all code; mypy strict over the seven packages, then the tests it covers
LINT_PATHS := shared services tests benchmarks
# Tests mypy checks (fixtures may stay unannotated, see pyproject.toml); the rest get ruff only.
MYPY_TESTS := tests/contract tests/deploy tests/platform shared/tests/web shared/tests/auth shared/tests/bus shared/tests/db
lint: setup
	$(BIN)/ruff check $(LINT_PATHS)
	$(BIN)/ruff format --check $(LINT_PATHS)
	$(BIN)/mypy
	$(BIN)/mypy $(MYPY_TESTS)

bench-bus: setup backing-services
	$(BIN)/python benchmarks/bus_throughput.py

clean:
	rm -rf $(VENV) node_modules var
