# Every target does its own set-up: a fresh machine needs nothing but Python 3.11 and make.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
PY     := $(BIN)/python
STAMP  := $(VENV)/.installed

.PHONY: help setup browsers demo demo-bundle test test-fast fuzz lint bench wheel clean

help:
	@echo "make demo   - set up, serve the demo shop, check the browser and watch an order on it"
	@echo "make test   - set up, then run the whole test suite on Chromium and Firefox"
	@echo "make lint   - ruff and mypy"
	@echo "make bench  - benchmarks (ratios measured in one run)"
	@echo "make fuzz   - bad-input tests with fresh random cases, FUZZ_SCALE times as many"
	@echo "make demo-bundle - rebuild the demo shop's React variant (needs Node and npm)"
	@echo "make wheel  - build the wheel a seller installs with pipx (into dist/)"

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

# The React variant of the demo shop, built into the package (which never needs Node): the
# exact versions of the lock file, then one minified bundle whose first line records the hash of
# its sources (tests/test_demo_bundle.py fails when they no longer match).
REACT_SHOP := frontend/react-shop
demo-bundle: $(STAMP)
	cd $(REACT_SHOP) && npm ci --no-audit --no-fund
	$(PY) scripts/build_react_shop.py

# Every clean flow of the library also runs as its flow matrix, a sample of it: the whole
# matrix (≈110 cells per flow and engine, 15 flows) would take CI past its time limit, and CI
# keeps to 35 minutes (issue 22): 1 cell per flow and engine, 30 a run (2 cost 2.2 worker-minutes
# more; since each commit draws other cells, the sample still moves over the whole matrix). The seed
# is the commit's (its hash's first 7 hex digits), printed in the header: a red CI is re-run
# exactly with the same commit, and each commit draws other cells. MATRIX=all for every cell,
# MATRIX=N@SEED to draw another sample.
MATRIX_SEED = $$(git rev-parse --short=7 HEAD 2>/dev/null | sed 's/^/0x/' | xargs printf '%d' 2>/dev/null || echo 0)
MATRIX ?= 1@$(MATRIX_SEED)
# worksteal: a worker that runs out of tests takes some of the other's, so one slow file does
# not leave a core idle at the end of the run.
test: setup
	$(XVFB) $(BIN)/pytest -n 2 --dist worksteal --browser chromium --browser firefox \
		--preflight-matrix $(MATRIX) $(PYTEST_ARGS)

# A quick local loop: Chromium only, and without what takes longest for what it adds to a
# change's first check — the suites that start processes or pytest sessions of their own
# (faults and signals, orphans, the installed wheel, remote browsers, the plugin's and the
# matrix's pytester runs, traces, privacy, the recorder), the load test, the matrix sample, the
# cache-on replays of the library's history flows, and the `slow` cases. `make test` (what CI
# runs) runs all of it on both engines; tests/durations.tsv says what each costs.
FAST_LEAVES_OUT = -m "not slow" $(foreach f,faults orphans install scale pytest_plugin \
	matrix_pytest matrix_cli trace privacy recorder load library_bfcache,--ignore=tests/test_$(f).py)
test-fast: setup
	@echo "make test-fast: Chromium only; leaves out Firefox, the process and pytester suites (faults, orphans, install, scale, pytest_plugin, matrix_pytest, matrix_cli, trace, privacy, recorder), the load test, the matrix sample, the cache-on library replays and the slow cases — make test runs them"
	$(XVFB) $(BIN)/pytest -n 2 --dist worksteal --browser chromium $(FAST_LEAVES_OUT) $(PYTEST_ARGS)

# `make test` replays the same generated cases every run; this draws fresh ones, many more.
FUZZ_SCALE ?= 10
fuzz: $(STAMP)
	PREFLIGHT_FUZZ_SCALE=$(FUZZ_SCALE) $(BIN)/pytest -n 2 -p no:cacheprovider --timeout 0 \
		--hypothesis-show-statistics tests/test_fuzz_inputs.py tests/test_hostile_output.py \
		tests/test_report.py -k 'fuzz or generated or canary_survives' $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check preflight tests scripts bench conftest.py
	$(BIN)/ruff format --check preflight tests scripts bench conftest.py
	$(BIN)/mypy
	$(BIN)/mypy conftest.py  # apart: mypy reads tests/conftest.py as the same module name

bench: setup
	$(PY) -m bench

# What a seller installs (docs/vendeur.md, "Installer preflight"): templates, scripts, the demo shop and
# its React bundle are package data (tests/test_install.py installs this wheel and runs it).
wheel: $(STAMP)
	$(PY) -m pip wheel --no-deps -q -w dist .

clean:
	rm -rf $(VENV) .pytest_cache preflight-reports test-results
