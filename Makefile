# Every target does its own set-up: a fresh machine needs nothing but Python 3.11 and make.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
PY     := $(BIN)/python
STAMP  := $(VENV)/.installed

.PHONY: help setup browsers demo test test-fast fuzz lint bench clean

help:
	@echo "make demo   - set up, serve the demo shop, check the browser and watch an order on it"
	@echo "make test   - set up, then run the whole test suite on Chromium and Firefox"
	@echo "make lint   - ruff and mypy"
	@echo "make bench  - benchmarks (ratios measured in one run)"
	@echo "make fuzz   - bad-input tests with fresh random cases, FUZZ_SCALE times as many"

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip

# Reinstall only when the project's metadata changed.
$(STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install -q -e '.[dev]'
	touch $(STAMP)

setup: $(STAMP) browsers

# Playwright's own browsers first; the system's when they cannot be downloaded.
browsers: $(STAMP)
	$(PY) scripts/ensure_browsers.py

demo: setup
	$(PY) scripts/demo.py

# Headed tests (the recorder) need a display: Xvfb stands in for one when there is none.
# Looked up when the tests start, not when make reads this file: `setup` may just have
# installed it on a fresh machine.
XVFB = $$(if [ -z "$$DISPLAY" ] && command -v xvfb-run >/dev/null 2>&1; then echo xvfb-run -a; fi)

test: setup
	$(XVFB) $(BIN)/pytest -n 2 --browser chromium --browser firefox $(PYTEST_ARGS)

test-fast: setup
	$(BIN)/pytest -x --browser chromium $(PYTEST_ARGS)

# `make test` replays the same generated cases every run; this draws fresh ones, many more.
FUZZ_SCALE ?= 10
fuzz: $(STAMP)
	PREFLIGHT_FUZZ_SCALE=$(FUZZ_SCALE) $(BIN)/pytest -n 2 -p no:cacheprovider --timeout 0 \
		--hypothesis-show-statistics tests/test_fuzz_inputs.py \
		tests/test_report.py -k 'fuzz or generated' $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check preflight tests scripts bench
	$(BIN)/ruff format --check preflight tests scripts bench
	$(BIN)/mypy

bench: setup
	$(PY) -m bench

clean:
	rm -rf $(VENV) .pytest_cache preflight-reports test-results
