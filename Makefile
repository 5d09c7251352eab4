# The README's two commands are `make site` and `make test`; everything else here serves them.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
DATA ?= data

.PHONY: site test check fast lint typecheck pytest wheel system-deps bench linkcheck clean

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip==25.3
	$(PY) -m pip install --quiet -c constraints.txt -e '.[dev]'
	touch $@

# Debian packages: a Korean font for chart images, Chromium for the browser tests.
# Installed only when missing, and only where we may (root); otherwise the tests that need them say so.
system-deps:
	@bash .ci/system-deps

site: $(STAMP) system-deps
	$(PY) -m generator build --data $(DATA) --out site

lint: $(STAMP)
	$(PY) -m ruff check generator tests bench
	$(PY) -m ruff format --check generator tests bench

typecheck: $(STAMP)
	$(PY) -m mypy

pytest: $(STAMP) system-deps
	$(PY) -m pytest

# The fast loop while working: lint, types and the tests not marked slow (no site build, no browser).
check: lint typecheck fast

fast: $(STAMP)
	$(PY) -m pytest -q -m "not slow and not browser and not gpu" tests/data tests/render tests/cli tests/rounds

# The package as a user gets it: build the wheel, install it into a fresh virtual environment (no editable
# install, no source tree on the path) and run check, scores and build from it.
WHEEL_DIR := build/wheel
WHEEL_VENV := build/wheel-venv
wheel: $(STAMP) system-deps
	rm -rf $(WHEEL_DIR) $(WHEEL_VENV) build/wheel-site
	$(PY) -m pip wheel --quiet --no-deps --wheel-dir $(WHEEL_DIR) .
	$(PYTHON) -m venv $(WHEEL_VENV)
	$(WHEEL_VENV)/bin/python -m pip install --quiet --upgrade pip==25.3
	$(WHEEL_VENV)/bin/python -m pip install --quiet -c constraints.txt $(WHEEL_DIR)/*.whl
	cd /tmp && $(CURDIR)/$(WHEEL_VENV)/bin/python -c "import generator, pathlib, sys; p = pathlib.Path(generator.__file__).resolve(); sys.exit(0 if 'site-packages' in p.parts else f'generator imported from {p}, not the wheel')"
	$(WHEEL_VENV)/bin/python -P -m generator check --data $(DATA)
	$(WHEEL_VENV)/bin/python -P -m generator scores --data $(DATA) --format json > build/wheel-scores.json
	$(WHEEL_VENV)/bin/python -P -m generator build --data $(DATA) --out build/wheel-site
	test -f build/wheel-site/index.html && test -f build/wheel-site/en/round-1/teams/naver-cloud/index.html && grep -q "url=../../../en/round-1/teams/naver-cloud/" build/wheel-site/en/teams/naver-cloud/index.html

test: lint typecheck pytest wheel

# Serve the built site on 127.0.0.1 and check every link in it (CI runs this after `make site`).
LINKCHECK_PORT ?= 8123
linkcheck: $(STAMP)
	@test -f site/index.html || { echo "no site/ yet: run make site first" >&2; exit 1; }
	@$(PY) -m http.server $(LINKCHECK_PORT) --bind 127.0.0.1 --directory site >/dev/null 2>&1 & pid=$$!; \
	  sleep 1; $(VENV)/bin/linkchecker --no-status --no-warnings http://127.0.0.1:$(LINKCHECK_PORT)/; rc=$$?; \
	  kill $$pid; exit $$rc

bench: $(STAMP)
	$(PY) bench/run_all.py

clean:
	rm -rf site .site-* .pytest_cache .mypy_cache .ruff_cache
