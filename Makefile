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

# The demo store holds the bundled Cresci-2015 sample (real accounts, no audience in the data) and
# a generated Bluesky audience (tigerblood.testing.audience: a creator whose followers, repliers
# and likers are all in the data, bought followers and reply spammers among them), so the audit
# has an audience to judge. The store is rebuilt from scratch each time.
demo: setup
	rm -f demo.duckdb demo.duckdb.wal
	$(VENV)/bin/python -m tigerblood.testing.audience demo-audience
	$(TB) scan examples/cresci-2015-sample demo-audience/jetstream.jsonl --db demo.duckdb --out demo-verdicts.jsonl
	$(TB) audit maya0.example.social --db demo.duckdb --out demo-audit.html
	$(TB) mirror avelinaforbe --db demo.duckdb --out demo-mirror.html
	@echo "Browse it (overview, accounts, campaigns, audit, mirror, review queue):"
	@echo "  $(TB) serve --db demo.duckdb    # then open http://127.0.0.1:8000/"

lint: setup
	$(VENV)/bin/ruff check tigerblood tests bench
	$(VENV)/bin/mypy

# The tests also need the Spark extra (the feature parity test runs every feature on Spark).
$(VENV)/.spark: $(VENV)/.installed
	$(UV) sync --frozen --extra dev --extra spark --python $(PYTHON) --compile-bytecode
	touch $@

test: lint $(VENV)/.spark
	$(VENV)/bin/pytest -n 2 --dist worksteal --durations=25

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
	rm -rf $(VENV) demo.duckdb demo-verdicts.jsonl demo-audit.html demo-mirror.html demo-audience
