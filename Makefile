# Style Shepherd — the two commands: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# The slow end-to-end and browser tests run with `make test-all` (see the session note: being made green).
PYTEST_ARGS ?= -m "not slow and not browser"

.PHONY: run test test-all lint bench system-deps clean help

help:
	@echo "make run     - set everything up and serve on http://127.0.0.1:8080 (embedded Postgres + Valkey)"
	@echo "make test    - set everything up and run the whole test suite"
	@echo "make bench   - run the benchmarks into bench/results/ and refresh the README table"
	@echo "make lint    - ruff"

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11+ is required")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip wheel setuptools
	$(BIN)/pip install --quiet -e '.[dev,bench]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/shepherd serve

# System tools the tests use: Chromium + chromedriver (widget test), espeak-ng + sox (fixtures).
SYSTEM_TOOLS := chromium:chromium espeak-ng:espeak-ng sox:sox
system-deps:
	@missing=""; for pair in $(SYSTEM_TOOLS); do cmd=$${pair%%:*}; pkg=$${pair##*:}; \
	  command -v $$cmd >/dev/null 2>&1 || missing="$$missing $$pkg"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "installing:$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	  else \
	    echo "MISSING system packages:$$missing — install them (e.g. sudo apt-get install$$missing); tests needing them will fail"; \
	  fi; \
	fi

test: $(STAMP) system-deps
	$(BIN)/ruff check .
	$(BIN)/pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .

bench: $(STAMP)
	$(BIN)/python -m bench.run_all

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache

test-all: $(STAMP) system-deps
	$(BIN)/pytest
