# Two commands for a fresh machine: `make demo` and `make test` (see README).
PYTHON ?= python3
UV := $(shell command -v uv 2>/dev/null)
ifeq ($(UV),)
UV := $(PYTHON) -m uv
endif
VENV := .venv
TB := $(VENV)/bin/tigerblood

.PHONY: setup demo test lint model bench clean

$(VENV)/.installed: pyproject.toml uv.lock
	$(PYTHON) -m uv --version >/dev/null 2>&1 || command -v uv >/dev/null 2>&1 || $(PYTHON) -m pip install --quiet 'uv==0.13.8'
	$(UV) sync --frozen --extra dev --python $(PYTHON)
	touch $@

setup: $(VENV)/.installed

demo: setup
	$(TB) scan examples/cresci-2015-sample --db demo.duckdb --out demo-verdicts.jsonl

lint: setup
	$(VENV)/bin/ruff check tigerblood tests bench

test: lint
	$(VENV)/bin/pytest -n 2

clean:
	rm -rf $(VENV) demo.duckdb demo-verdicts.jsonl
