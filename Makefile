# Two commands on a fresh machine: `make demo` and `make test`. Both create a repo-local
# virtual environment (.venv) and install everything they need from PyPI.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)

.PHONY: demo test venv clean bench-nsmc

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[all]' --group dev
	@rm -f $(VENV)/.installed-*
	@touch $@

venv: $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/jeongje demo --output out/demo --overwrite

test: $(STAMP)
	$(VENV)/bin/ruff check src tests bench
	$(PY) -m pytest

bench-nsmc: $(STAMP)
	$(PY) bench/bench_run.py --input ../shared/data/ko-reviews-nsmc --text-field review --id-field review_id

clean:
	rm -rf $(VENV) out .pytest_cache
