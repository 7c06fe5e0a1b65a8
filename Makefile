# The two commands of the README. Each one bootstraps .venv on a fresh machine.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Test processes side by side (pytest-xdist): most tests wait on hub processes, servers and
# sockets, so two keep both cores busy; TEST_WORKERS=0 runs them all in one process.
TEST_WORKERS ?= 2

.PHONY: demo test bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip "setuptools>=68" wheel
	$(BIN)/python -m pip install --quiet -e '.[test,bench]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/hub demo

# Lint, type check, then the tests; the first that fails stops the run.
test: $(STAMP)
	$(BIN)/ruff check hub plugins tests bench
	$(BIN)/mypy
	$(BIN)/python -m pytest -q -n $(TEST_WORKERS)

bench: $(STAMP)
	$(BIN)/python bench/masterdata.py --short

clean:
	rm -rf $(VENV) build *.egg-info
