# Everything a developer or CI runs; the first target that needs the virtualenv creates it.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: install demo run status sandbox test lint format bench openapi clean

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

bench: $(STAMP)  ## the engine's throughput, then the opportunities cycle against the HTTP floor
	$(BIN)/python benchmarks/engine_throughput.py
	$(BIN)/python benchmarks/cycle.py

clean:
	rm -rf $(VENV) dist build .mypy_cache .ruff_cache .pytest_cache .hypothesis
