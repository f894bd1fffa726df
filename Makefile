# Werkstatt: two entry points for a fresh machine with Python 3.11+ and make.
#   make run   – environment, migrations, demo data, server on http://127.0.0.1:8000
#   make test  – dev dependencies and the whole suite, with its coverage floor
#   make bench – live-board benchmarks G1–G7 beside a plain-websocket baseline (~10 min; BENCH_ARGS)
PYTHON ?= python3
UV_VERSION := 0.13.9
UV := .uv/bin/uv
VENV := .venv
BIN := $(VENV)/bin
PORT ?= $(or $(WERKSTATT_PORT),8000)
export UV_PYTHON_DOWNLOADS := never

.PHONY: run test lint types check vendor messages clean install install-dev bench

$(UV):
	$(PYTHON) -m venv .uv
	.uv/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

install: $(UV)
	$(UV) sync --frozen --inexact --python $(PYTHON)

install-dev: $(UV)
	$(UV) sync --frozen --extra dev --python $(PYTHON)

run: install
	$(BIN)/werkstatt db upgrade
	$(BIN)/werkstatt demo
	@echo "Werkstatt: http://127.0.0.1:$(PORT)"
	$(BIN)/werkstatt serve --port $(PORT)

# Coverage over all workers (pytest-cov combines them); the floor is `fail_under` in pyproject.toml.
test: install-dev
	$(BIN)/python -m pytest -n auto --cov --cov-report=term $(PYTEST_ARGS)

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check werkstatt tests

types: install-dev
	$(BIN)/mypy

check: lint types test

vendor:
	bash scripts/vendor.sh

messages: install-dev
	PYBABEL=$(BIN)/pybabel bash scripts/messages.sh

# make bench BENCH_ARGS="--only G2,G6 --scale 0.1"   (python -m bench.suite --help)
bench: install-dev
	$(BIN)/python -m bench.suite $(BENCH_ARGS)

clean:
	rm -rf .venv .uv .pytest_cache .mypy_cache .ruff_cache
