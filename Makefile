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
	$(UV) sync --frozen --extra dev --python $(PYTHON) --compile-bytecode
	touch $@

# Bytecode is compiled ahead (dependencies by uv above, our package here): with
# PYTHONDONTWRITEBYTECODE set, as on these machines, every process (the CLI, each decoding
# worker) would otherwise recompile every module it imports, seconds each time.
setup: $(VENV)/.installed
	$(VENV)/bin/python -m compileall -q tigerblood

demo: setup
	$(TB) scan examples/cresci-2015-sample --db demo.duckdb --out demo-verdicts.jsonl
	$(TB) audit uscitedentro --db demo.duckdb --out demo-audit.html
	$(TB) mirror avelinaforbe --db demo.duckdb --out demo-mirror.html

lint: setup
	$(VENV)/bin/ruff check tigerblood tests bench
	$(VENV)/bin/mypy

# The tests also need the Spark extra (the feature parity test runs every feature on Spark).
$(VENV)/.spark: $(VENV)/.installed
	$(UV) sync --frozen --extra dev --extra spark --python $(PYTHON) --compile-bytecode
	touch $@

test: lint $(VENV)/.spark
	$(VENV)/bin/pytest -n 2

# Rebuild the shipped models from ../shared/data (default detector model trained across every
# labelled source, its platform norms, the pitch classifier). .cache/features keeps each source's
# feature table between runs (delete it after changing features).
model: setup
	$(VENV)/bin/python -m tigerblood.learn.train_default --cache .cache/features
	$(VENV)/bin/python -m tigerblood.pitch.train --out tigerblood/data/pitch_model.joblib

bench: setup
	$(VENV)/bin/python bench/scan.py
	$(VENV)/bin/python bench/scan_floor.py
	$(VENV)/bin/python bench/learn.py
	$(VENV)/bin/python bench/jetstream.py
	$(VENV)/bin/python bench/report.py

clean:
	rm -rf $(VENV) demo.duckdb demo-verdicts.jsonl demo-audit.html demo-mirror.html
