# 散乱污整治管理台 Rectify Desk — the two commands of the quick start:
#   make run    sets up .venv and starts the application (demo data on first start)
#   make test   sets up .venv with the test tools and runs the suite (make test-slow: the slow tests)
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
PY     := $(BIN)/python
PYTEST_ARGS ?=

.PHONY: run test test-slow lint format bench clean

$(VENV)/.run-stamp: pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit("需要 Python 3.11 或更新版本 / Python 3.11+ is required") if sys.version_info < (3, 11) else None'
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e .
	touch $@

$(VENV)/.test-stamp: pyproject.toml $(VENV)/.run-stamp
	$(PY) -m pip install --quiet -e '.[test,build]'
	touch $@

run: $(VENV)/.run-stamp
	$(PY) main.py --demo-if-empty

test: $(VENV)/.test-stamp
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest -m "not slow" $(PYTEST_ARGS)

# the slow tests (frozen bundle, LibreOffice, layout walk, servers' demo); .ci/run runs both
test-slow: $(VENV)/.test-stamp
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest -m slow $(PYTEST_ARGS)

lint: $(VENV)/.test-stamp
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

format: $(VENV)/.test-stamp
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: $(VENV)/.test-stamp
	QT_QPA_PLATFORM=offscreen $(PY) bench/startup.py

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .ruff_cache
