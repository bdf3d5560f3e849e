# Two commands matter: `make run` opens the console, `make test` runs the whole suite.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test bench lint reliability screenshots clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	@$(BIN)/python -m compileall -q incident_console
	$(BIN)/incident-console $(ARGS)

test: $(STAMP)
	$(BIN)/python -m pytest -q -p no:cacheprovider

bench: $(STAMP)
	$(BIN)/python -m compileall -q incident_console tests
	$(BIN)/python -m tests.benchmarks.run

reliability: $(STAMP)
	$(BIN)/python -m tests.reliability.long

screenshots: $(STAMP)
	$(BIN)/python scripts/export_screenshots.py
	$(BIN)/python scripts/browser_screenshot.py

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy

clean:
	rm -rf $(VENV) build dist *.egg-info
