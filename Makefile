# osservatorio: every command a user needs. `make help` lists them.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
ENV := . scripts/env.sh &&
VENV := .venv
STAMP := $(VENV)/.installed-$(shell cat requirements.txt constraints.txt pyproject.toml scripts/install.sh | sha1sum | cut -c1-12)
PYTEST_ARGS ?=
# Two pytest-xdist workers, one per core: one process keeps a single core busy (Airflow, dbt and
# PostgreSQL run one at a time). Tests sharing a set-up stay on one worker (tests/conftest.py).
PYTEST_WORKERS ?= 2

.PHONY: help setup install postgres migrate stop airflow-init dbt-parse pilots pilots-stop demo ui data-docs dbt-docs test lint lock clean bench-ingest bench-dbt bench-celery backfill reliability-page

help:  ## list the commands
	@grep -E '^[a-z-]+:.*##' $(MAKEFILE_LIST) | sed -E 's/:.*## /\t/' | expand -t 14

setup: install postgres migrate airflow-init dbt-parse  ## everything a fresh clone needs: venv, PostgreSQL, raw schema, Airflow metadata, dbt manifest
	@echo "setup done: 'make demo' runs the pipeline, 'make test' the tests"

install: $(STAMP)  ## create .venv and install the locked dependencies
$(STAMP): requirements.txt constraints.txt pyproject.toml
	@scripts/install.sh
	@touch $@

postgres:  ## start (or reuse) the project's PostgreSQL on 127.0.0.1
	@scripts/postgres.sh start

migrate: install postgres  ## apply the warehouse's versioned raw-schema migrations (plugins/osservatorio/land/migrations)
	@$(ENV) python -m osservatorio.land.migrate
	@# the download log to its NOLOGIN owner: as the superuser, which the pipeline is not (docs/roles.md)
	@scripts/postgres.sh seal-audit

stop: pilots-stop  ## stop PostgreSQL, Redis and the simulated pilot systems
	@$(ENV) scripts/redis.sh stop
	@scripts/postgres.sh stop

airflow-init: install postgres  ## migrate the Airflow metadata database
	@$(ENV) scripts/airflow_init.sh

dbt-parse: install  ## build the dbt manifest cosmos renders the DAG from
	@# cosmos reads a copy that only this target writes, atomically: any dbt command rewrites
	@# target/manifest.json, and a DAG parsed during that write would read half a file.
	@$(ENV) cd dbt_project && dbt parse --quiet && mkdir -p target/cosmos \
	  && cp target/manifest.json target/cosmos/manifest.json.tmp && mv target/cosmos/manifest.json.tmp target/cosmos/manifest.json

pilots: install  ## start the simulated pilot systems on 127.0.0.1 (background)
	@$(ENV) scripts/pilots.sh start

pilots-stop:
	@$(ENV) scripts/pilots.sh stop

demo: setup pilots  ## run the whole pipeline once on the simulated pilots and print all 24 ESF+ indicators
	@$(ENV) python -m osservatorio.demo

EXECUTOR ?= local
WORKERS ?= 2
ui: setup pilots  ## Airflow on 127.0.0.1: api-server (UI, REST API), scheduler, dag-processor, triggerer; LocalExecutor, or EXECUTOR=celery WORKERS=2 for Redis and Celery workers
	@case "$(EXECUTOR)" in \
	  local) $(ENV) scripts/airflow_ui.sh ;; \
	  celery) $(ENV) scripts/airflow_celery.sh "$(WORKERS)" ;; \
	  *) echo "EXECUTOR is local or celery, not '$(EXECUTOR)'"; exit 2 ;; \
	esac

backfill:  ## backfill one DAG over days, one run at a time: make backfill DAG=ingest_tdz_corviale FROM=2026-11-01 TO=2026-11-07 (needs `make ui` running)
	@test -n "$(DAG)" -a -n "$(FROM)" -a -n "$(TO)" || { echo "usage: make backfill DAG=<dag id> FROM=YYYY-MM-DD TO=YYYY-MM-DD"; exit 2; }
	@# Airflow applies a backfill's own --max-active-runs (default 10), not the DAG's: pass the DAG's (1).
	@$(ENV) airflow backfill create --dag-id "$(DAG)" --from-date "$(FROM)" --to-date "$(TO)" \
	  --max-active-runs 1 --reprocess-behavior completed

data-docs:  ## serve the GX Data Docs (one page per validated batch) on 127.0.0.1, port OSSERVATORIO_DATA_DOCS_PORT (8809)
	@$(ENV) sh -c 'test -f "$${OSSERVATORIO_DATA_DOCS_DIR:-$$OSSERVATORIO_STATE_DIR/data_docs}/index.html" || { echo "no Data Docs yet: run make demo first"; exit 1; }; \
	  echo "Data Docs on http://127.0.0.1:$$OSSERVATORIO_DATA_DOCS_PORT (Ctrl-C to stop)"; \
	  exec python -m http.server "$$OSSERVATORIO_DATA_DOCS_PORT" --bind 127.0.0.1 --directory "$${OSSERVATORIO_DATA_DOCS_DIR:-$$OSSERVATORIO_STATE_DIR/data_docs}"'

dbt-docs: setup  ## generate the dbt docs (every model and column, lineage) and serve them on 127.0.0.1, port OSSERVATORIO_DBT_DOCS_PORT (8810)
	@$(ENV) cd dbt_project && dbt docs generate --quiet --target-path target/docs && \
	  echo "dbt docs on http://127.0.0.1:$$OSSERVATORIO_DBT_DOCS_PORT (Ctrl-C to stop)" && \
	  exec dbt docs serve --target-path target/docs --host 127.0.0.1 --port "$$OSSERVATORIO_DBT_DOCS_PORT" --no-browser

lint: install  ## ruff and sqlfluff
	@$(ENV) ruff check . && ruff format --check . && sqlfluff lint dbt_project/models dbt_project/tests

test: setup lint  ## lint, then the whole test suite (unit, integration, dbt, DAG end to end)
	@$(ENV) pytest -n $(PYTEST_WORKERS) $(PYTEST_ARGS)

reliability-page:  ## write docs/reliability.md from the figures the last hostile-suite runs recorded in .local/reliability/ (a test run never edits tracked files)
	@$(ENV) python -m tests.hostile.reliability_page

lock: install  ## regenerate constraints.txt from the working venv
	@{ head -n 2 constraints.txt; $(VENV)/bin/pip freeze --exclude-editable | grep -v '^-e'; } > constraints.tmp && mv constraints.tmp constraints.txt

clean: pilots-stop  ## remove all generated state (venv, cluster wherever it lives, Airflow home, outputs)
	@scripts/postgres.sh remove
	@rm -rf .local $(VENV) dbt_project/target dbt_project/logs

SIZES ?= 100000
bench-ingest: setup  ## benchmark extract/validate/land per channel: make bench-ingest SIZES=100000,1000000
	@export OSSERVATORIO_WAREHOUSE_DB=osservatorio_bench AIRFLOW_CONN_OSSERVATORIO_WAREHOUSE= && $(ENV) \
	  scripts/postgres.sh start && python -m benchmarks.ingest --sizes $(SIZES)

bench-dbt: setup  ## benchmark dbt build, from scratch and after 1% changed: make bench-dbt SIZES=100000,1000000
	@export OSSERVATORIO_WAREHOUSE_DB=osservatorio_bench_dbt AIRFLOW_CONN_OSSERVATORIO_WAREHOUSE= && $(ENV) \
	  scripts/postgres.sh start && python -m benchmarks.dbt_build --sizes $(SIZES)

bench-celery: setup  ## benchmark the five-pilot ingestion plus build on 1 and on 2 Celery workers, side by side: make bench-celery ROUNDS=1
	@$(ENV) python -m benchmarks.celery_workers --rounds $(or $(ROUNDS),1)
