# Two commands do everything on a fresh machine: `make demo` and `make test`.
# `make test` runs the tests on every core (pytest-xdist, `-n auto`), the type checker among them
# (tests/test_types.py runs mypy); `pytest tests/...` runs a part of them in one process.
# torch is installed first, pinned to the CPU build on local disk, so that no dependency
# pulls a multi-GB CUDA build.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: setup demo test lint docs clean

$(STAMP): pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q torch==2.13.0
	$(BIN)/pip install -q -e '.[dev]'
	touch $(STAMP)

setup: $(STAMP)

demo: $(STAMP)
	$(BIN)/infossl demo

test: $(STAMP)
	$(BIN)/ruff check infossl tests benchmarks examples docs
	$(BIN)/ruff format --check infossl tests benchmarks examples docs
	$(BIN)/python -m pytest -n auto

lint: $(STAMP)
	$(BIN)/ruff check infossl tests benchmarks examples docs
	$(BIN)/ruff format --check infossl tests benchmarks examples docs
	$(BIN)/mypy

# The API reference, from the docstrings; warnings are errors. Open docs/_build/html/index.html.
docs: $(STAMP)
	$(BIN)/sphinx-build -W --keep-going -b html -q docs/api docs/_build/html

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache docs/_build
