# Tasks; the README's commands match these.
VENV ?= .venv
PY := $(VENV)/bin/python

.PHONY: install dev test lint typecheck bench

install:  ## install and run the tool
	python3 -m venv $(VENV) && $(VENV)/bin/pip install -c constraints.txt . && $(VENV)/bin/draftmate --version

dev:  ## install for development
	python3 -m venv $(VENV) && $(VENV)/bin/pip install -c constraints.txt -e '.[dev]'

# The fault tests build PyPI's llmock into its own venv, .ci-llmock/, on their first run (DRAFTMATE_TEST_LLMOCK
# names another; DRAFTMATE_TEST_LLMOCK=skip leaves them out).
test: dev  ## run the tests
	$(VENV)/bin/pytest

lint:
	$(VENV)/bin/ruff check src tests bench
	$(VENV)/bin/ruff format --check src tests bench

typecheck:
	$(VENV)/bin/mypy

bench:  ## every benchmark, each printing its figures beside a baseline
	$(PY) bench/startup.py
	$(PY) bench/uncertainty.py
	$(PY) bench/export.py
	$(PY) bench/outcome_large.py
	$(PY) bench/drafting.py
	$(PY) bench/code_precision.py
	@if [ -n "$(HALUEVAL_DIR)" ]; then $(PY) bench/grounding.py --halueval-dir "$(HALUEVAL_DIR)"; \
	else echo "bench/grounding.py skipped: set HALUEVAL_DIR (see bench/data/README.md)"; fi
	$(PY) bench/bounded_checks.py
	$(PY) bench/review_cost.py
