# The README's two commands: `make run` and `make test`. Both set up .venv on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app portal

.PHONY: run test install install-test migrate seed lint security clean messages bench

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed (set PYTHON=...)")'
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e .
	@touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
	@touch $@

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

migrate: install
	$(FLASK) db upgrade

seed: migrate
	$(FLASK) seed-content
	$(FLASK) seed-demo --only-if-empty

# The web server and the queue's consumer (mail, daily jobs) together; Ctrl-C stops both.
run: seed
	@$(FLASK) worker & worker=$$!; \
	trap 'kill -INT $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT INT TERM; \
	$(FLASK) run --host 127.0.0.1 --port 5000

test: install-test
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# Pages under gunicorn + wrk, then HR's report and exports, with 10,000 generated people (bench/);
# BENCH_ARGS="--database-url ..." for PostgreSQL, "--duration 20", "--pages dashboard,submit"...
bench: install-test
	$(BIN)/python -m bench $(BENCH_ARGS)

lint: install-test
	$(BIN)/ruff check portal tests bench
	$(BIN)/lint-imports

# Static security scan of the application; medium and high findings fail the build.
security: install-test
	$(BIN)/bandit -q -r portal -c pyproject.toml -ll

clean:
	rm -rf $(VENV) .pytest_cache test-artifacts

# Interface text is written in Spanish in the source; this collects it for translators.
messages: install-test
	$(BIN)/pybabel extract -F babel.cfg -k _l -o portal/translations/messages.pot .
