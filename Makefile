# Everything a developer or CI runs; the first target that needs the virtualenv creates it.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: install demo run status sandbox test lint format bench bench-dashboard screenshots chaos openapi clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)  ## the sandbox market and the daemon on a fresh SQLite database, then a summary
	$(BIN)/biddaemon demo

run: $(STAMP)
	$(BIN)/biddaemon run

status: $(STAMP)
	$(BIN)/biddaemon status

sandbox: $(STAMP)
	$(BIN)/biddaemon sandbox

test: $(STAMP)  ## the whole suite (PostgreSQL tests skip with a reason when no server is reachable)
	$(BIN)/pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: $(STAMP)  ## the engine's throughput, the opportunities cycle against the HTTP floor, one portfolio solve
	$(BIN)/python benchmarks/engine_throughput.py
	$(BIN)/python benchmarks/cycle.py
	$(BIN)/python benchmarks/portfolio_solve.py

bench-dashboard: $(STAMP)  ## each dashboard page's render time on a generated year of hourly cycles
	$(BIN)/python benchmarks/dashboard_pages.py

screenshots: $(STAMP)  ## docs/dashboard-*.png: the four pages over a fresh demo, in headless Chromium
	$(BIN)/python -m tests.web.screenshots --out docs

KILLS ?= 100
DATABASE ?= sqlite
chaos: $(STAMP)  ## kill -9 loops on loopback, not part of `make test`: exits 1 unless all counts are 0
	$(BIN)/python -m tests.chaos.run_chaos --kills $(KILLS) --database $(DATABASE)
	$(BIN)/python -m tests.chaos.run_chaos --migration-kills

clean:
	rm -rf $(VENV) dist build .mypy_cache .ruff_cache .pytest_cache .hypothesis
