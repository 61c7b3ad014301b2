# `make dev` runs the whole service locally; `make test` runs every check and test.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: dev test lint typecheck infra console browser unit functional e2e fuzz bench mutation clean client

$(STAMP): requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip<26.3"  # chalice 1.34 requires pip<26.3
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

dev: $(STAMP) console
	$(BIN)/python -m devstack

test: lint typecheck infra console
	$(BIN)/python -m pytest tests
	$(BIN)/python -m pytest tests/fuzz
	$(MAKE) browser

# The web console (console/): its API types are generated from the OpenAPI document the
# code states (tools/export_openapi.py, rewritten only when it changes), then `tsc` and
# Vite build it into console/dist, which the local stack serves at /console/. Rebuilt
# only when its sources or the API changed.
CONSOLE_NODE := console/node_modules/.installed
CONSOLE_SRC := $(shell find console/src console/scripts -type f -not -name '*.gen.ts' -not -name 'schema.d.ts' 2>/dev/null) \
  console/index.html console/vite.config.ts console/tsconfig.json
API_SRC := app.py $(shell find chalicelib -name '*.py' 2>/dev/null)

$(CONSOLE_NODE): console/package.json console/package-lock.json
	cd console && npm ci --no-audit --no-fund --loglevel=error
	touch $(CONSOLE_NODE)

console/openapi.json: $(STAMP) $(API_SRC) tools/export_openapi.py
	$(BIN)/python -m tools.export_openapi console/openapi.json

console/src/api/schema.d.ts: console/openapi.json $(CONSOLE_NODE)
	cd console && npm run --silent gen

console/dist/index.html: console/src/api/schema.d.ts $(CONSOLE_SRC)
	cd console && npm run --silent build

console: console/dist/index.html

# The browser tests (Playwright, Debian's Chromium) against a local stack of their own;
# panel screenshots land in console/test-results/screenshots/. Then the OIDC sign-in and
# step-up against a real OIDC provider (console/tests/oidc/), with a stack of their own.
browser: console
	cd console && npx tsc --noEmit -p tsconfig.tests.json && npx playwright test
	cd console && npx playwright test -c playwright.oidc.config.ts

# The Python management client (clients/python/src/keywarden/management/_generated), regenerated
# from the OpenAPI document the code states with the pinned openapi-python-client; committed, and
# checked against a fresh generation by tests/unit/test_generated_client.py.
client: $(STAMP)
	$(BIN)/python -m tools.generate_client

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

# The AWS stack (infra/): synthesized offline with the pinned CDK CLI for dev and prod, then
# cfn-lint (no errors) and checkov (every finding fixed or suppressed with its reason in
# infra/keywarden_infra/checks.py). Its tests (tables against the models, roles against the
# grants, packaging) run with the rest in tests/infra.
INFRA_NODE := infra/node_modules/.installed
LINT_VENV := infra/.lint-venv
SYNTH_ENV := AWS_DEFAULT_REGION=us-east-1 JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION=20

$(INFRA_NODE): infra/package.json infra/package-lock.json
	cd infra && npm ci --no-audit --no-fund --loglevel=error
	touch $(INFRA_NODE)

$(LINT_VENV)/.installed: infra/requirements-lint.txt
	$(PYTHON) -m venv $(LINT_VENV)
	$(LINT_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(LINT_VENV)/bin/python -m pip install --quiet -r infra/requirements-lint.txt
	touch $(LINT_VENV)/.installed

infra: $(STAMP) $(INFRA_NODE) $(LINT_VENV)/.installed console
	rm -rf infra/cdk.out infra/chalice.out
	cd infra && for stage in dev prod; do \
	  $(SYNTH_ENV) npx cdk synth --quiet --no-notices -c stage=$$stage -o cdk.out/$$stage || exit 1; done
	$(LINT_VENV)/bin/cfn-lint --config-file infra/.cfnlintrc infra/cdk.out/dev/dev.template.json infra/cdk.out/prod/prod.template.json
	$(LINT_VENV)/bin/checkov --quiet --compact --framework cloudformation \
	  --skip-download -f infra/cdk.out/dev/dev.template.json -f infra/cdk.out/prod/prod.template.json

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
	rm -rf $(VENV) .mypy_cache .ruff_cache infra/node_modules $(LINT_VENV) infra/cdk.out infra/chalice.out \
	  console/node_modules console/dist console/openapi.json console/test-results
