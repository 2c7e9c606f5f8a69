# make run: serve the app and open it.  make test: every test, in a real browser.
# make check: the fast inner loop (lint and the tests that need no browser or server).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5006
# malloc: memory freed after visitors leave goes back to the OS (gumbel_viz/app/memory.py).
PYTHONMALLOC ?= malloc
SERVE := PYTHONMALLOC=$(PYTHONMALLOC) $(BIN)/panel serve app.py --port $(PORT)
# The system's Chromium; scripts/system_deps.sh installs it when it is missing.
CHROMIUM ?= $(shell command -v chromium || command -v chromium-browser || true)
PYTEST := CHROMIUM="$(CHROMIUM)" $(BIN)/python -m pytest
FAST := not browser and not server and not system

.PHONY: run test check lint format load bench profile screenshot system-deps deploy-check clean

run: $(VENV)/.runtime
	$(SERVE) --show

test: $(VENV)/.dev system-deps node_modules/.installed lint
	$(PYTEST) -n 2 -m "$(FAST)"
	$(PYTEST) -m "not ($(FAST))"

# The unit and property tests of core, model and views (tests/app and the rest: make test).
check: $(VENV)/.dev lint
	$(PYTEST) -n 2 -m "$(FAST)" tests/core tests/views tests/test_model.py

lint: $(VENV)/.dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(VENV)/.dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

system-deps:
	@scripts/system_deps.sh

# The deploy/ setup (nginx in front of two serve.sh processes) under the full load.
deploy-check: $(VENV)/.dev system-deps
	GSX_DEPLOY_VISITORS=100 GSX_DEPLOY_SEQUENTIAL=1000 GSX_DEPLOY_BURST=100 $(PYTEST) tests/system/test_deploy.py

load: $(VENV)/.dev system-deps
	$(BIN)/python -m benchmarks.load

bench: $(VENV)/.dev system-deps
	CHROMIUM="$(CHROMIUM)" $(BIN)/python -m benchmarks

profile: $(VENV)/.dev system-deps
	CHROMIUM="$(CHROMIUM)" $(BIN)/python -m benchmarks.profile

screenshot: $(VENV)/.dev system-deps
	CHROMIUM="$(CHROMIUM)" $(BIN)/python -m scripts.screenshot assets/screenshot.png --width 1280 --height 1000 --query 'view=pipeline&seed=1'

# axe-core, for the accessibility tests.
node_modules/.installed: package.json package-lock.json
	npm ci --silent --no-audit --no-fund
	touch $@

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(VENV)/.runtime: requirements.txt | $(VENV)/bin/python
	$(BIN)/python -m pip install -q -r requirements.txt
	touch $@

$(VENV)/.dev: requirements.txt requirements-dev.txt | $(VENV)/bin/python
	$(BIN)/python -m pip install -q -r requirements-dev.txt
	touch $@ $(VENV)/.runtime

clean:
	rm -rf $(VENV) node_modules
