# Two commands do all the set-up on a fresh Debian machine (Python 3.11, root):
#   make run   — install, build the demo warehouse, serve the cockpit on http://127.0.0.1:8050/
#   make test  — install (browser and fonts included) and run the whole test suite
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Exports: charts are drawn by kaleido (a Chromium kept running per worker); PDFs by WeasyPrint (Pango).
PDF_PACKAGES := chromium fonts-noto-cjk libpango-1.0-0 libpangoft2-1.0-0
SYSTEM_RUN := python3-venv $(PDF_PACKAGES)
SYSTEM_TEST := $(PDF_PACKAGES) chromium-driver poppler-utils redis-server

.PHONY: run test install lock system-run system-test demo serve serve-prod lint bench clean

run: install system-run demo serve

test: install system-test
	$(BIN)/python -m pytest -q

install: $(STAMP)

# Exactly the versions in requirements.lock, each file checked against its hash (README "Installing
# from an intranet mirror"); then the cockpit itself, with nothing else resolved or fetched.
$(STAMP): pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet --require-hashes -r requirements.lock
	$(BIN)/pip install --quiet --no-deps --no-build-isolation -e .
	touch $(STAMP)

# After editing pyproject.toml's dependencies: resolve again (uv, in a throwaway environment) and pin
# every package of the geo and dev extras with the hashes of all its files, for Linux x86-64, Python 3.11.
lock:
	$(PYTHON) -m venv build/lock-tools
	build/lock-tools/bin/pip install --quiet "uv>=0.5,<1"
	build/lock-tools/bin/uv pip compile pyproject.toml --extra geo --extra dev --generate-hashes \
	  --python-version 3.11 --python-platform x86_64-manylinux_2_28 --no-header -o requirements.lock

# Installs Debian packages only when one is missing (and only as root: otherwise says what to install).
define apt_ensure
	@missing=$$(for p in $(1); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	  else echo "please install: $$missing (sudo apt-get install $$missing)"; exit 1; fi; \
	fi
endef

system-run:
	$(call apt_ensure,$(SYSTEM_RUN))

system-test:
	$(call apt_ensure,$(SYSTEM_TEST))

demo: install
	$(BIN)/cockpit demo build

serve: install
	$(BIN)/cockpit serve --workers $${COCKPIT_WORKERS:-2} --scheduler

# Production: gunicorn, COCKPIT_WORKERS processes (README "Serving for real"). Feeds are pulled by
# one `cockpit etl schedule` process per deployment, not by the web server.
serve-prod: install
	$(BIN)/cockpit serve --workers $${COCKPIT_WORKERS:-2}

lint: install
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/lint-imports --no-cache

# Every benchmark at demo scale and 10M tickets, one summary table (README "Benchmarks"); servers on
# loopback ports, started and stopped by the driver. BENCH_FLAGS=--skip-10m / --skip-browser to shorten.
bench: install
	$(BIN)/python bench/run_all.py $(BENCH_FLAGS)

clean:
	rm -rf data/warehouse data/demo
