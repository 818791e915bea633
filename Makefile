# tastemaker: `make demo` runs the pipeline on the offline defaults, `make test` checks everything.
# Every target creates .venv when missing and installs what it needs; a second run installs nothing.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DATA_DIR ?= .tastemaker
CATALOG ?=
export OMP_WAIT_POLICY ?= PASSIVE
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1

.PHONY: demo test lint bench bench-import bench-embed venv clean

venv: $(STAMP)

# torch==2.13.0 is pinned in pyproject.toml: that CPU build lies on the machine's disk,
# while a range would pull several GB of CUDA packages.
$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
ifeq ($(CATALOG),)
	$(BIN)/tastemaker catalog sample $(DATA_DIR)/sample-catalog
	$(BIN)/tastemaker --data-dir $(DATA_DIR) catalog import $(DATA_DIR)/sample-catalog
else
	$(BIN)/tastemaker --data-dir $(DATA_DIR) catalog import $(CATALOG)
endif
	$(BIN)/tastemaker --data-dir $(DATA_DIR) embed items
	$(BIN)/tastemaker --data-dir $(DATA_DIR) catalog stats

lint: $(STAMP)
	$(BIN)/ruff check tastemaker tests bench
	$(BIN)/ruff format --check tastemaker tests bench
	$(BIN)/mypy --strict tastemaker

test: lint
	$(BIN)/pytest -q

bench: bench-import bench-embed

bench-import: $(STAMP)
	$(BIN)/python bench/bench_import.py

bench-embed: $(STAMP)
	$(BIN)/python bench/bench_embed.py

clean:
	rm -rf $(DATA_DIR) .pytest_cache .mypy_cache .ruff_cache
