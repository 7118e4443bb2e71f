# Two commands do all the set-up on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app app
# The suite on two processes, then the lines of events/ it ran (files at 100% not listed)
# and the 15 slowest tests (the suite must stay well under 15 minutes).
PYTEST_ARGS ?= -n 2 --cov=events --cov-report=term:skip-covered --durations=15
# uv resolves for every platform, keeps the versions already pinned unless told
# (UPGRADE="--upgrade-package NAME" or UPGRADE=--upgrade) and hashes every file of each release.
COMPILE := $(BIN)/uv pip compile --quiet --universal --python-version 3.11 --generate-hashes \
	--custom-compile-command "make requirements" $(UPGRADE)

.PHONY: run serve test bench faults check-production lint format translations migrate-db extract-messages db-revision requirements clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Both files carry hashes: pip checks each download against them (--require-hashes implied).
$(VENV)/.runtime: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@ $(VENV)/.runtime

translations: $(VENV)/.runtime
	$(BIN)/pybabel compile -d translations

migrate-db: $(VENV)/.runtime translations
	$(FLASK) db upgrade

## Serve the app on http://127.0.0.1:5000 with the demo programme and an outbox worker;
## mail goes to instance/mail/ unless MAIL_SERVER is set. Ctrl+C stops both.
run: migrate-db
	$(FLASK) seed-demo --if-empty
	trap 'kill 0' EXIT INT TERM; \
	$(FLASK) outbox-worker --interval 2 & \
	$(FLASK) run --host 127.0.0.1 --port 5000

## Production serving: gunicorn with deploy/gunicorn.conf.py (settings from the environment;
## APP_ENV=production refuses unsafe ones). See docs/deploying.md.
serve: migrate-db
	$(BIN)/gunicorn --config deploy/gunicorn.conf.py 'app:create_app()'

## The benchmarks (servers on loopback, wrk, pgbench): prints the table, writes bench/RESULTS.md.
bench: $(VENV)/.dev translations
	$(BIN)/python bench/run.py

## Fault runs (a private PostgreSQL cluster restarted, a worker killed, SMTP down or silent).
faults: $(VENV)/.dev translations
	$(BIN)/python bench/faults.py

## The production steps of docs/deploying.md, followed on this machine (CI runs it after the tests).
check-production: $(VENV)/.dev
	deploy/check-production.sh

lint: $(VENV)/.dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(VENV)/.dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

## ical.js (Thunderbird's calendar parser) reads our .ics files in the tests; needs Node.js.
tests/js/node_modules/.installed: tests/js/package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
		npm ci --prefix tests/js --no-audit --no-fund --silent --ignore-scripts && touch $@; \
	else echo "npm not found: the ical.js calendar test will be skipped"; fi

## Lint, then the whole suite (SQLite, PostgreSQL when reachable, Chromium when installed).
test: lint translations tests/js/node_modules/.installed
	$(BIN)/python -m pytest $(PYTEST_ARGS)

## Re-extract the messages to translate and merge them into the catalogues.
extract-messages: $(VENV)/.dev
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -k lazy_ngettext:1,2 -k lazy_pgettext:1c,2 -o translations/messages.pot .
	$(BIN)/pybabel update --no-fuzzy-matching -i translations/messages.pot -d translations

## A new migration after a model change: make db-revision MESSAGE="what changed"
db-revision: $(VENV)/.runtime
	$(FLASK) db migrate -m "$(MESSAGE)"

## After editing requirements.in or requirements-dev.in: the pinned, hashed files again. The
## development file is constrained by the runtime one, so both pin the same versions.
requirements: $(VENV)/.dev
	$(COMPILE) requirements.in -o requirements.txt
	$(COMPILE) requirements-dev.in -o requirements-dev.txt

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .coverage .coverage.*
