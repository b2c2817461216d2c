# plexadmin: `make run` sets up and starts everything; `make test` runs lint and every test.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
PLEXSIM_PORT ?= 32500
# The demo's mail sink listens next to the web port's range (8000 → 18000).
MAILSINK_PORT ?= $(shell p=$(PORT); echo $$(( p + 10000 <= 65535 ? p + 10000 : p - 10000 )))
DEMO_VAR ?= var/demo
# honcho with a longer shutdown grace than its five seconds (see the script).
HONCHO = $(PY) scripts/honcho-start.py start

.DEFAULT_GOAL := help
.PHONY: help run demo test lint format bench bench-load migrate venv clean

help:
	@echo "make run    set up (.venv, requirements, migrations) and start web, worker and beat"
	@echo "make demo   the same, against the plex.tv simulator with a demo household (offline)"
	@echo "make test   lint (ruff) and the whole test suite"
	@echo "make bench  benchmarks, printing tables"
	@echo "make bench-load  two minutes of load and plex.tv faults on PostgreSQL and Redis (docs/reliability.md)"

$(VENV)/.runtime: requirements.txt
	@test -x $(PY) || { py=$$(scripts/find-python.sh) && "$$py" -m venv $(VENV); }
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	@touch $@

$(VENV)/.dev: $(VENV)/.runtime requirements-dev.txt
	$(PY) -m pip install --quiet -r requirements-dev.txt
	@touch $@

venv: $(VENV)/.runtime

migrate: $(VENV)/.runtime
	$(PY) manage.py migrate --no-input

# PLEXADMIN_PORT also sets the default PUBLIC_BASE_URL (settings), so links and the Plex sign-in
# popup come back to this port. The set-up code is printed only while nobody owns the install.
run: migrate
	@echo ""
	@echo "  plexadmin is starting: open http://127.0.0.1:$(PORT)/   (Ctrl-C stops web, worker and beat)"
	@$(PY) manage.py setup_code
	@echo ""
	PATH="$(CURDIR)/$(VENV)/bin:$$PATH" PLEXADMIN_PORT=$(PORT) $(HONCHO) -f Procfile

# The demo keeps its own database and secrets under var/demo, apart from a real set-up.
demo: $(VENV)/.runtime
	PLEXADMIN_VAR_DIR=$(DEMO_VAR) $(PY) manage.py migrate --no-input
	@echo ""
	@echo "  plexadmin demo: open http://127.0.0.1:$(PORT)/ — plex.tv is simulated at http://127.0.0.1:$(PLEXSIM_PORT)"
	@echo "  Demo accounts and passwords: plexsim/README.md.   (Ctrl-C stops everything)"
	@PLEXADMIN_VAR_DIR=$(DEMO_VAR) $(PY) manage.py setup_code
	@echo "  E-mail goes to a local sink on 127.0.0.1:$(MAILSINK_PORT): read it at Notifications → Mailbox."
	@echo ""
	PATH="$(CURDIR)/$(VENV)/bin:$$PATH" PLEXADMIN_VAR_DIR=$(DEMO_VAR) PLEXADMIN_PORT=$(PORT) \
	  PLEXSIM_PORT=$(PLEXSIM_PORT) PLEXTV_BASE_URL=http://127.0.0.1:$(PLEXSIM_PORT) \
	  PUBLIC_BASE_URL=http://127.0.0.1:$(PORT) \
	  EMAIL_HOST=127.0.0.1 EMAIL_PORT=$(MAILSINK_PORT) DEMO_MAILBOX_DIR=$(DEMO_VAR)/mailbox \
	  NOTIFY_DIGEST_SECONDS=5 $(HONCHO) -f Procfile.demo

lint: $(VENV)/.dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy plexadmin accounts sharing notify activity lifecycle joins members plextv plexsim
	@# The layers stay one-way (contracts in pyproject.toml).
	$(VENV)/bin/lint-imports
	@# A model change without its migration would ship a schema the database never gets.
	$(PY) manage.py makemigrations --check --dry-run
	$(VENV)/bin/hadolint Dockerfile
	$(VENV)/bin/shellcheck deploy/entrypoint.sh deploy/make-secrets.sh

format: $(VENV)/.dev
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

# Three pytest-xdist workers, each with its own test database, Redis database and var folder
# (conftest.py); the tests that run whole process stacks share one worker (loadgroup).
test: lint
	$(VENV)/bin/pytest -n 3 --dist loadgroup --durations=25

bench: $(VENV)/.dev
	@for f in bench/bench_*.py; do echo "== $$f"; $(PY) $$f || exit 1; done
	@echo "== bench/load/run.py"; $(PY) bench/load/run.py $(LOAD_ARGS)

# Its own database and Redis db (dropped and emptied first): LOAD_ARGS="--database … --redis …".
bench-load: $(VENV)/.dev
	$(PY) bench/load/run.py $(LOAD_ARGS)

clean:
	rm -rf $(VENV) var/static var/cache
