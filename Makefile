# The single entry point. `make run` and `make test` set up everything they need.
PRESET ?= release
BUILD_DIR := build/$(PRESET)
BIN := $(BUILD_DIR)/src/sensorlake
LAKE ?= $(CURDIR)/lake
SCALE ?= 1

.PHONY: setup build run test unit pytest format format-check bench clean lint fuzz fuzz-long

setup:
	@bash scripts/setup.sh

build: setup
	@cmake --preset $(PRESET) >/dev/null
	@cmake --build --preset $(PRESET)
	@bash scripts/build-web.sh

run: build
	@bash scripts/run-local.sh "$(BIN)" "$(LAKE)" "$(SCALE)"

test: build
	@bash scripts/test.sh "$(PRESET)"

# Benchmarks against DuckDB, Polars, PySpark and pandas, the whole pipeline stage by stage
# beside its peers, then the Spark job's scaling with 1 and 2 workers (docs/benchmarks.md).
# BENCH_QUICK=1 make bench: a smoke run in under 5 minutes.
bench: build
	@bash bench/setup.sh
	@.venv/bin/python bench/run_bench.py
	@.venv/bin/python bench/serve_latency.py
	@.venv/bin/python bench/tables_commit.py
	@.venv/bin/python bench/pipeline_stages.py
	@.venv/bin/python bench/incremental_run.py
	@.venv/bin/python bench/train_models.py
	@SPARK_PYTHON="$$(bash scripts/spark-pkg.sh)" .venv/bin/python bench/spark_scaling.py

format:
	@find src include bench -name '*.h' -o -name '*.cc' | xargs clang-format -i

format-check:
	@find src include bench -name '*.h' -o -name '*.cc' | xargs clang-format --dry-run --Werror

# Every static check: clang-format, clang-tidy and flake8 (scripts/lint-code.sh), then the
# infrastructure and workflows (tofu fmt, tflint, checkov, actionlint: scripts/lint-infra.sh
# installs its pinned tools into .tools/ once).
lint: format-check build
	@bash scripts/lint-code.sh
	@bash scripts/lint-infra.sh

# libFuzzer targets for FUZZ_SECONDS (default 30) each: scripts/fuzz.sh.
fuzz: setup
	@bash scripts/fuzz.sh

# Each target for 10 million executions from the corpus in fuzz/corpus/: FUZZ_RUNS=N bash scripts/fuzz.sh.
fuzz-long: setup
	@FUZZ_RUNS=$${FUZZ_RUNS:-10000000} bash scripts/fuzz.sh

clean:
	rm -rf build

# The portable artifacts from the release build, compiling nothing (docs/infrastructure.md):
# dist/sensorlake-<version>-linux-x86_64.tar.gz and the manylinux_2_28 wheel (docs/python.md).
.PHONY: dist wheel
dist: build
	@bash scripts/dist/make-dist.sh build/release
wheel: dist
