# Everything starts from a machine with only python3: the venv is made here.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
NCEN := $(BIN)/ncen
DATA_DIR ?= data
HOST ?= 127.0.0.1
PORT ?= 8000
# The demo instance opens GraphiQL and introspection to anonymous browsers; production
# defaults keep both for signed-in callers only (docs/security.md).
DEMO_GRAPHQL := NCEN_GRAPHQL_IDE=true NCEN_GRAPHQL_ANONYMOUS_INTROSPECTION=true

.PHONY: run test lint install install-dev bench clean schema

# Debian's python3 lacks ensurepip without python3-venv: leave no half-made venv behind.
$(BIN)/python:
	$(PYTHON) -m venv $(VENV) || { rm -rf $(VENV); \
		echo 'cannot create $(VENV): on Debian/Ubuntu, apt-get install python3-venv' >&2; exit 1; }
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e .
	touch $@

# The tests install the example country plugin too: they use it as a real third-party module.
$(VENV)/.installed-dev: $(BIN)/python pyproject.toml examples/country-plugin/pyproject.toml
	$(BIN)/python -m pip install --quiet -e '.[dev]' -e examples/country-plugin
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed

install-dev: $(VENV)/.installed-dev

# `exec`: the server replaces the recipe's shell, so the signal that stops make reaches it (make
# passes SIGTERM on to its child; Ctrl-C reaches the whole process group) and none is orphaned.
run: install
	NCEN_DATA_DIR=$(DATA_DIR) $(NCEN) init --demo --if-needed
	NCEN_DATA_DIR=$(DATA_DIR) $(DEMO_GRAPHQL) exec $(NCEN) serve --host $(HOST) --port $(PORT)

# mypy type-checks core/ ([tool.mypy] in pyproject.toml).
lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

# Then the example plugin's own suite, from its directory, as a plugin author runs it.
test: install-dev lint
	$(BIN)/python -m pytest $(PYTEST_ARGS)
	cd examples/country-plugin && $(abspath $(BIN))/python -m pytest

bench: install-dev
	$(BIN)/python -m bench $(BENCH_ARGS)

# The committed SDL with every built-in module: the defaults, whatever ncen.toml or NCEN_*
# say locally. tests/test_schema_contract.py fails until this is re-run after an API change.
schema: install
	env -u NCEN_CONFIG -u NCEN_MODULES $(NCEN) graphql export > graphql/schema.graphql

clean:
	rm -rf $(VENV) $(DATA_DIR) .pytest_cache .ruff_cache
