# tastemaker: `make demo` runs the pipeline on the offline defaults, `make test` checks everything.
# Every target creates .venv when missing and installs what it needs; a second run installs nothing.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DATA_DIR ?= .tastemaker
CATALOG ?=
DATA ?= ../shared/data/ml-100k
TM := $(BIN)/tastemaker --data-dir $(DATA_DIR)
DEFAULT_MODEL := qwen2.5-coder-1.5b-instruct
TEST_MODEL := smollm2-135m-instruct
NPM ?= npm
WEB_DEPS := web/node_modules/.package-lock.json
export OMP_WAIT_POLICY ?= PASSIVE
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1

.PHONY: demo test lint bench bench-import bench-embed bench-ratings bench-movielens bench-load \
	bench-load-llm bench-fashion \
	venv model model-test clean web-build web-lint web-test chromium browser-test

venv: $(STAMP)

# torch==2.13.0 is pinned in pyproject.toml: that CPU build lies on the machine's disk,
# while a range would pull several GB of CUDA packages.
$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $(STAMP)

# The LLMs are assembled once per machine in the user's cache directory (sha256 checked).
model: $(STAMP)
	$(BIN)/python -m tastemaker.llm.models build $(DEFAULT_MODEL)

model-test: $(STAMP)
	$(BIN)/python -m tastemaker.llm.models build $(TEST_MODEL)

# `tastemaker demo` runs the stages (catalog sample/import, embed, stats, personas, ratings,
# calibrate, report, train, evaluate, serve); make first assembles the LLM and builds the web app.
demo: $(STAMP) model web-build
	$(TM) demo $(if $(CATALOG),--catalog $(CATALOG))

lint: $(STAMP)
	$(BIN)/ruff check tastemaker tests bench
	$(BIN)/ruff format --check tastemaker tests bench
	$(BIN)/mypy --strict tastemaker
	$(BIN)/lint-imports

test: lint web-lint web-test web-build chromium model-test
	$(BIN)/pytest -q

# The web app's packages exactly as locked (npm registry only); redone when the lock changes.
$(WEB_DEPS): web/package-lock.json
	cd web && $(NPM) ci --no-audit --no-fund
	touch $@

# The production build that `tastemaker serve` serves at /.
web-build: $(WEB_DEPS)
	cd web && $(NPM) run build

web-lint: $(WEB_DEPS) $(STAMP)
	cd web && $(NPM) run lint && $(NPM) run typecheck
	$(BIN)/python web/scripts/export-openapi.py --check

web-test: $(WEB_DEPS)
	cd web && $(NPM) test

# Debian's Chromium for the browser tests (never a browser download). CI runs as root and
# installs it; elsewhere, without it, the browser tests skip with a reason.
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver; \
	  else echo "chromium missing: browser tests will skip (apt-get install chromium chromium-driver)"; fi; }

browser-test: web-build chromium $(STAMP)
	$(BIN)/pytest -q -m browser

bench: bench-import bench-embed bench-ratings bench-movielens bench-load bench-fashion

bench-import: $(STAMP)
	$(BIN)/python bench/bench_import.py $(CATALOG)

bench-embed: $(STAMP)
	$(BIN)/python bench/bench_embed.py $(CATALOG)

bench-ratings: $(STAMP) model
	$(BIN)/python bench/bench_ratings.py --strategies logprobs,yesno,greedy,sample

# The service under load on a model trained from rule-made ratings (bench/load_data.py: no
# LLM, cached in .tastemaker-bench/load); bench-load-llm trains it on the LLM's ratings instead
# (collected once, ~1 h of LLM time, in .tastemaker-bench/fashion, shared with bench-fashion).
bench-load: $(STAMP)
	$(BIN)/python bench/bench_load.py $(CATALOG)

bench-load-llm: $(STAMP) model
	$(BIN)/python bench/bench_load.py --llm-ratings $(CATALOG)

bench-movielens: $(STAMP)
	$(BIN)/python bench/bench_movielens.py $(DATA)

# Qdrant (embedded) against FAISS on the 44k catalogue's MiniLM vectors and the load bench's
# queries: same top-10 share, latency p50/p99, build time (skips without the catalogue).
.PHONY: bench-qdrant
bench: bench-qdrant
bench-qdrant: $(STAMP)
	$(BIN)/python bench/bench_qdrant.py $(CATALOG)

# Training in two processes (DDP on gloo) against one on ML-100K, 3 seeds: Recall@10 / NDCG@10
# with the paired difference's 95 % interval, and the fit-time ratio (~4 min; DATA=path).
.PHONY: bench-ddp
bench: bench-ddp
bench-ddp: $(STAMP)
	$(BIN)/python bench/bench_ddp.py $(DATA)

# Synthetic ratings over the full catalogue (collected once, ~1 h of LLM time, then reused
# from .tastemaker-bench/fashion): two-tower vs popularity and content-kNN, and fold-in.
bench-fashion: $(STAMP) model
	$(BIN)/python bench/bench_fashion.py

clean:
	rm -rf $(DATA_DIR) .pytest_cache .mypy_cache .ruff_cache

.PHONY: bench-write-load
bench: bench-write-load
bench-write-load: $(STAMP)
	$(BIN)/python bench/bench_write_load.py $(CATALOG)

# Sparse real users (ML-100K) with and without their twins' ratings in training: Recall@10 /
# NDCG@10 lift with 95 % intervals (LLM ratings cached in .tastemaker-bench/augment).
.PHONY: bench-augment
bench: bench-augment
bench-augment: $(STAMP) model
	$(BIN)/python bench/bench_augment.py $(DATA)
