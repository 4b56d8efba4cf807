# AdFlux developer commands. `make help` lists them.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
RUN_STAMP := $(VENV)/.installed-run
DEV_STAMP := $(VENV)/.installed-dev
NODE_STAMP := node_modules/.installed
# Two test processes, a test file each at a time (files share their module fixtures: servers,
# workers). PYTEST_WORKERS= runs the suite in one process.
PYTEST_WORKERS ?= -n 2 --dist loadfile

# Translation catalogs: the .po files are the source, the .mo files are compiled here (not committed).
CATALOG_DIR := src/adflux/translations
CATALOG_MO := $(patsubst %.po,%.mo,$(wildcard $(CATALOG_DIR)/*/LC_MESSAGES/messages.po))

.DEFAULT_GOAL := help
.PHONY: help run test translations translations-compile lint format bench-seed bench-api bench-applications bench-segmentation bench-publish bench-results-sync bench-aim bench-optimise bench-job-audience bench-scale bench-feeds bench-candidate-import clean

help: ## List the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  %-24s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "AdFlux needs Python >= 3.11 (set PYTHON=python3.11)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(RUN_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[platforms]'
	@touch $@

$(DEV_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[platforms,dev]'
	@touch $@ $(RUN_STAMP)

$(CATALOG_DIR)/%/LC_MESSAGES/messages.mo: $(CATALOG_DIR)/%/LC_MESSAGES/messages.po $(RUN_STAMP)
	$(BIN)/pybabel compile --statistics -l $* -i $< -o $@

translations-compile: $(CATALOG_MO) ## Compile the translation catalogs (run and test do it)

translations: $(RUN_STAMP) ## Extract new messages from the code into the catalogs, to translate in the .po files
	$(BIN)/python -m adflux.i18n.extraction $(CATALOG_DIR)/messages.pot
	$(BIN)/pybabel update --no-fuzzy-matching --ignore-obsolete --width 100 \
		-i $(CATALOG_DIR)/messages.pot -d $(CATALOG_DIR) -D messages
	@rm $(CATALOG_DIR)/messages.pot

run: $(RUN_STAMP) $(CATALOG_MO) ## Run AdFlux on embedded defaults (SQLite, in-process tasks, local sandbox)
	$(BIN)/adflux run

# Lighthouse for the dashboard's audit test; without Node.js that test skips (fails with CI=true).
$(NODE_STAMP): package.json package-lock.json
	@if command -v npm >/dev/null; then npm ci --no-audit --no-fund --loglevel=error && touch $@; \
	else echo "npm not found: the Lighthouse test will not run (install Node.js 18+)"; fi

test: $(DEV_STAMP) $(CATALOG_MO) $(NODE_STAMP) ## Install the dev dependencies, lint, type-check and run the whole test suite
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy
	$(BIN)/python -m pytest $(PYTEST_WORKERS) $(PYTEST_ARGS)

lint: $(DEV_STAMP) ## Lint, check formatting and type-check
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy

format: $(DEV_STAMP) ## Format the code
	$(BIN)/ruff format src tests bench
	$(BIN)/ruff check --fix src tests bench

bench-seed: $(DEV_STAMP) ## Benchmark seeding 1,000,000 candidates (PostgreSQL and SQLite)
	$(BIN)/python bench/seed_throughput.py

bench-candidate-import: $(DEV_STAMP) ## Benchmark importing a 1,000,000-row candidate CSV against psql \copy of it
	$(BIN)/python bench/candidate_import.py

bench-api: $(DEV_STAMP) ## Benchmark the API's list endpoints against plain Flask + SQLAlchemy (wrk)
	$(BIN)/python bench/api_throughput.py

bench-applications: $(DEV_STAMP) ## Benchmark POST /api/v1/applications (10 % resent) against one INSERT per request
	$(BIN)/python bench/applications_ingest.py

bench-segmentation: $(DEV_STAMP) ## Benchmark segmentation quality and scale
	$(BIN)/python bench/segmentation_quality.py
	$(BIN)/python bench/segmentation_scale.py

bench-publish: $(DEV_STAMP) ## Benchmark publishing 1,000 campaigns on Meta, Google and X (paced, then unpaced)
	$(BIN)/python bench/publish_throughput.py
	$(BIN)/python bench/publish_throughput.py --pace off

bench-results-sync: $(DEV_STAMP) ## Benchmark the results sync of 10,000 publications on five platforms
	$(BIN)/python bench/results_sync.py

bench-aim: $(DEV_STAMP) ## Benchmark aiming on the simulated market: applications per million COP, four ways
	$(BIN)/python bench/aim_market.py

bench-optimise: $(DEV_STAMP) ## Benchmark budget allocation on the simulated market: even, AdFlux, oracle, simple
	$(BIN)/python bench/optimise_market.py

bench-job-audience: $(DEV_STAMP) ## Benchmark ranking a job's own audience among 100,000 candidates
	$(BIN)/python bench/job_audience.py

bench-scale: $(DEV_STAMP) ## Benchmark 2 API processes and 4 workers on Redis and on RabbitMQ, one killed mid-way
	$(BIN)/python bench/scale_workers.py

bench-feeds: $(DEV_STAMP) ## Benchmark importing a 100,000-job XML feed: jobs/s and peak memory
	$(BIN)/python bench/feed_import.py

clean: ## Remove the virtualenv and local data
	rm -rf $(VENV) var .pytest_cache
