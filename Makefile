# Two commands on a fresh machine: `make demo` and `make test`. Both create a repo-local
# virtual environment (.venv) and install everything they need from PyPI.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)

.PHONY: demo test venv clean bench-nsmc chromium

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[all]' --group dev
	@rm -f $(VENV)/.installed-*
	@touch $@

venv: $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/jeongje demo --output out/demo --overwrite

test: $(STAMP) chromium
	$(VENV)/bin/ruff check src tests bench
	$(PY) -m pytest

bench-nsmc: $(STAMP)
	$(PY) bench/bench_run.py --input ../shared/data/ko-reviews-nsmc --text-field review --id-field review_id

clean:
	rm -rf $(VENV) out .pytest_cache

# Headless Chromium for the report's browser tests (tests/test_report_browser.py): Debian's
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
