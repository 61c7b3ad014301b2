# `make dev` runs the whole service locally; `make test` runs every check and test.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: dev test lint typecheck unit functional e2e fuzz bench mutation clean

$(STAMP): requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip<26.3"  # chalice 1.34 requires pip<26.3
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

dev: $(STAMP)
	$(BIN)/python -m devstack

test: lint typecheck
	$(BIN)/python -m pytest tests
	$(BIN)/python -m pytest tests/fuzz

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

unit: $(STAMP)
	$(BIN)/python -m pytest tests/unit

functional: $(STAMP)
	$(BIN)/python -m pytest tests/functional

e2e: $(STAMP)
	$(BIN)/python -m pytest tests/e2e

# Also part of `test`. KEYWARDEN_FUZZ_ALL_CHECKS=1 adds schemathesis's data-acceptance checks (exploration).
fuzz: $(STAMP)
	$(BIN)/python -m pytest tests/fuzz

bench: $(STAMP)
	$(BIN)/python -m bench.coldstart

# Not part of `test`: removes each guard of chalicelib/store in turn and runs the race tests (minutes).
mutation: $(STAMP)
	$(BIN)/python -m tools.mutate_conditions

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache
