# The README's two commands are `make site` and `make test`; everything else here serves them.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
DATA ?= data/round-1

.PHONY: site test lint typecheck pytest system-deps bench linkcheck clean

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

test: lint typecheck pytest

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
