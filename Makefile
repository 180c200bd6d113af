# Two commands do everything on a fresh machine: `make run` and `make test`.
# Each creates .venv from the pinned lock file if it is missing.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: setup run test lint bench clean

setup: $(STAMP)

$(STAMP): requirements.lock pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --disable-pip-version-check -r requirements.lock
	$(BIN)/python -m pip install -q --disable-pip-version-check --no-deps --no-build-isolation -e .
	@touch $(STAMP)

run: $(STAMP)
	$(BIN)/mis theorems --out results/theorems

lint: $(STAMP)
	$(BIN)/ruff check mis theory tests experiments benchmarks

test: lint
	$(BIN)/python -m pytest -n 2 --durations=10 tests
	$(BIN)/python -m pytest -q -p no:cacheprovider --doctest-modules theory mis

bench: $(STAMP)
	@echo "no benchmarks yet (they arrive with the shadow-model engine)"

clean:
	rm -rf $(VENV) results .pytest_cache
