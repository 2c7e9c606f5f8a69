# make run: serve the app and open it.  make test: every test, in a real browser.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5006
# malloc: memory freed after visitors leave goes back to the OS (gumbel_viz/memory.py).
PYTHONMALLOC ?= malloc
SERVE := PYTHONMALLOC=$(PYTHONMALLOC) $(BIN)/panel serve app.py --static-dirs assets=assets --port $(PORT)
# The system's Chromium first; empty means "use Playwright's own download".
CHROMIUM ?= $(shell command -v chromium || command -v chromium-browser || true)

.PHONY: run test lint load bench profile screenshot browser clean

run: $(VENV)/.runtime
	$(SERVE) --show

test: $(VENV)/.dev browser
	$(BIN)/ruff check .
	CHROMIUM="$(CHROMIUM)" $(BIN)/python -m pytest

lint: $(VENV)/.dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check gumbel_viz

# The deploy/ setup (nginx in front of two serve.sh processes) under the full load.
.PHONY: deploy-check
deploy-check: $(VENV)/.dev
	GSX_DEPLOY_VISITORS=100 GSX_DEPLOY_SEQUENTIAL=1000 $(BIN)/python -m pytest tests/test_deploy.py

load: $(VENV)/.dev
	$(BIN)/python -m benchmarks.load

bench: $(VENV)/.dev browser
	CHROMIUM="$(CHROMIUM)" $(BIN)/python -m benchmarks

profile: $(VENV)/.dev browser
	CHROMIUM="$(CHROMIUM)" $(BIN)/python -m benchmarks.profile

screenshot: $(VENV)/.dev browser
	CHROMIUM="$(CHROMIUM)" $(BIN)/python -m scripts.screenshot assets/screenshot.png --width 1280 --height 1000 --query 'view=pipeline&seed=1'

browser: $(VENV)/.dev
	@if [ -n "$(CHROMIUM)" ]; then echo "Using system Chromium: $(CHROMIUM)"; \
	else $(BIN)/python -m playwright install chromium; fi

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
	rm -rf $(VENV)
