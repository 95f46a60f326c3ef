# Two commands on a fresh machine: `make demo` and `make test`. Both create a repo-local
# virtual environment (.venv) and install what they need from PyPI: `demo` the package and
# its core dependencies only, with the pip the venv comes with (the oldest we support);
# `test` everything (extras, the test tools) with a current pip.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
HASH   := $(shell cat pyproject.toml | cksum | cut -d' ' -f1)
CORE   := $(VENV)/.core-$(HASH)
FULL   := $(VENV)/.full-$(HASH)

.PHONY: demo test venv clean bench-nsmc chromium

$(CORE): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet -e .
	@rm -f $(VENV)/.core-*
	@touch $@

$(FULL): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[all]' --group dev
	@rm -f $(VENV)/.core-* $(VENV)/.full-*
	@touch $@ $(CORE)

venv: $(FULL)

demo: $(CORE)
	$(VENV)/bin/jeongje demo --output out/demo --overwrite

test: $(FULL) chromium
	$(VENV)/bin/ruff check --no-cache src tests bench
	$(PY) -m pip check
	$(PY) -m pytest -n auto --maxprocesses 4 --dist loadfile

bench-nsmc: $(FULL)
	$(PY) bench/bench_run.py --input ../shared/data/ko-reviews-nsmc --text-field review --id-field review_id

clean:
	rm -rf $(VENV) out .pytest_cache

# Headless Chromium for the report's browser tests (tests/report/test_browser.py): Debian's
# package, installed only when missing and only as root; elsewhere those tests skip (CI fails).
chromium:
	@if ! command -v chromium >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "installing chromium for the browser tests (apt-get)"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk >/dev/null; \
	  else \
	    echo "chromium is not installed and cannot be installed here: the browser tests will skip"; \
	  fi; \
	fi
