# `make run`: the back-office with the sandbox provider, demo data and the task cluster.
# `make test`: the whole suite. Both create .venv and install on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
export PATH := $(CURDIR)/$(BIN):$(PATH)

.PHONY: run test bench lint format clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.run-deps: requirements.txt | $(BIN)/python
	$(BIN)/pip install -q -r requirements.txt
	touch $@

$(VENV)/.dev-deps: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install -q -r requirements-dev.txt
	touch $@ $(VENV)/.run-deps

run: $(VENV)/.run-deps
	$(PY) manage.py migrate --noinput
	$(PY) manage.py createcachetable
	$(PY) manage.py setup_roles
	$(PY) manage.py seed_demo --admin
	$(PY) manage.py setup_schedules
	@echo
	@echo "  Back-office: http://127.0.0.1:8000/admin/   (login admin / admin, operator / operator, support / support, approver / approver)"
	@echo "  Sandbox provider: http://127.0.0.1:8765/   Ctrl-C stops web, task cluster and sandbox."
	@echo
	$(BIN)/honcho start

test: $(VENV)/.dev-deps
	$(PY) -m pytest $(PYTEST_ARGS)

bench: $(VENV)/.dev-deps
	for script in bench/[!_]*.py; do $(PY) $$script || exit 1; done

lint: $(VENV)/.dev-deps
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(VENV)/.dev-deps
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) staticfiles test-artifacts .pytest_cache
