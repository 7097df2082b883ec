# chainkpi — the two commands a newcomer needs are `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
UV_VERSION := 0.13.9
export DBT_SEND_ANONYMOUS_USAGE_STATS := False
export GX_ANALYTICS_ENABLED := False

.PHONY: setup demo demo-build screenshot test lint format bench clean

## setup: create .venv with the locked dependencies (quick when nothing changed)
setup: $(VENV)/.synced

$(VENV)/.synced: pyproject.toml uv.lock
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@test -x $(BIN)/uv || $(BIN)/python -m pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"
	@# --compile-bytecode: every kpi/dbt process starts from compiled modules even where
	@# PYTHONDONTWRITEBYTECODE is set (CI): dbt and GX import hundreds of modules.
	$(BIN)/uv sync --frozen --quiet --compile-bytecode --python $(BIN)/python
	$(BIN)/python -m compileall -q src expectations dashboards >/dev/null
	@touch $@

## demo: generate demo ledgers, ingest, build, export, and open the dashboard
demo: setup
	$(BIN)/kpi demo

## demo-build: the same without starting the dashboard
demo-build: setup
	$(BIN)/kpi demo --no-serve

## screenshot: the README's overview screenshots (desktop and phone), from the demo warehouse
screenshot: demo-build
	sh scripts/install_browser.sh
	$(BIN)/python -m tests.test_browser data docs/screenshot_overview.png
	$(BIN)/python -m tests.test_phone_pages data docs/screenshot_overview_phone.png

## test: run the whole test suite (installs chromium + CJK fonts for the browser test when root)
## in TEST_WORKERS processes (pytest-xdist; a test file stays in one process, so its module
## fixtures are built once; each process builds its own session warehouses). TEST_WORKERS=0
## runs in this process alone.
TEST_WORKERS ?= 2
test: setup
	sh scripts/install_browser.sh
	$(BIN)/python -m pytest -q -n $(TEST_WORKERS) --dist loadfile --durations=15

## lint: ruff (check and format) on the Python, then sqlfluff on the dbt models and data tests
## (.sqlfluff: the house style; the dbt templater renders each model against an in-memory
## DuckDB, so it needs no warehouse). Macros are no dbt nodes: their SQL is parsed as the models
## render it, their layout is not linted.
lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/sqlfluff lint models tests/dbt

format: setup
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

## bench: the benchmark (docs/benchmarks.md); `make bench BENCH_ARGS=--province` adds about
## 2.2M input rows (opt-in: the default stays under ten minutes)
BENCH_ARGS ?=
bench: setup
	sh scripts/install_browser.sh
	$(BIN)/python scripts/bench.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) data target logs
