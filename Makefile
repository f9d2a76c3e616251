# The two commands of the README:
#   make run   — install everything into .venv and start `everyside up` (ingest + serve)
#   make test  — install the test dependencies, start what the tests need, run the whole suite
# Both create their own virtual environment, so nothing depends on what was installed by hand.

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cat pyproject.toml | sha1sum | cut -c1-12)

.PHONY: run test test-fast install install-test lint typecheck services browser pytest clean

$(BIN)/python:
	@echo "[1/3] creating the virtual environment $(VENV)"
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

install: $(BIN)/python
	@echo "[2/3] installing everyside and its dependencies into $(VENV) (first run: ~30 s)"
	$(BIN)/pip install -q -e .

run: install
	@echo "[3/3] starting everyside up: the URL is printed below once it listens"
	$(BIN)/everyside up

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/pip install -q -e '.[test]'
	touch $(STAMP)

install-test: $(STAMP)

# Debian's Chromium for the browser tests (never `playwright install`), axe-core from npm.
browser:
	@command -v chromium >/dev/null 2>&1 || { apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }
	@if [ -f package.json ]; then npm ci --no-audit --no-fund --silent; fi

# The local services the contract tests use (already running on this machine and on CI's;
# started here if they are not).
services:
	@pg_isready -q -h 127.0.0.1 -p 5432 || pg_ctlcluster --skip-systemctl-redirect \
	  $$(ls /etc/postgresql) main start
	@for i in $$(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; \
	  [ $$i = 30 ] && { echo "PostgreSQL did not start on 127.0.0.1:5432" >&2; exit 1; }; done; true
	@# RabbitMQ and Redis for tests/test_distributed.py (the distributed shape)
	@redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 || redis-server --daemonize yes \
	  --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no --dir /tmp >/dev/null
	@rabbitmqctl -q status >/dev/null 2>&1 || { rabbitmq-server -detached; \
	  for i in $$(seq 1 60); do rabbitmqctl -q status >/dev/null 2>&1 && break; sleep 2; done; }

lint: install-test
	$(BIN)/ruff check src tests tools
	$(BIN)/ruff format --check src tests tools
	$(BIN)/lint-imports  # the layer contracts in pyproject.toml ([tool.importlinter])

typecheck: install-test
	$(BIN)/mypy

pytest: install-test
	$(BIN)/pytest -q -ra

test: install-test browser services lint typecheck pytest

# The edit-test loop: no browser, no PostgreSQL, nothing marked slow, no quality floors on the
# labelled files (under a minute on 2 idle cores). `make test` runs everything.
test-fast: install-test
	$(BIN)/pytest -q -m "not browser and not postgres and not slow and not quality"

clean:
	rm -rf $(VENV) node_modules .pytest_cache .mypy_cache .ruff_cache
