# Open-Swarm. `make help` (the default) lists every target with one line.
#
# Every recipe runs in bash with -euo pipefail. Targets that need the Debian
# packages or the Python oracles depend on `deps`, which is idempotent and fast
# when nothing is missing.

SHELL := bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help
.DELETE_ON_ERROR:
.SUFFIXES:
MAKEFLAGS += --no-builtin-rules

# The toolchain lives in /opt/swift on our machines; use it when swift is not on PATH.
ifeq ($(shell command -v swift 2>/dev/null),)
export PATH := /opt/swift/usr/bin:$(PATH)
endif

SWIFT ?= swift
# Extra flags for every swift build/test, e.g. SWIFTPM_FLAGS="--scratch-path .build-mine".
SWIFTPM_FLAGS ?=

# --- dependencies ---------------------------------------------------------------

# Debian packages the build and the tests use. Add here anything a test needs:
# a package installed by hand and forgotten here breaks the next machine.
APT_PACKAGES := libnghttp2-dev libssl-dev libpq-dev libsqlite3-dev libprotobuf-c-dev libprotobuf-dev \
	protobuf-compiler protobuf-c-compiler postgresql nghttp2-client nghttp2-server python3 python3-venv pkg-config \
	openssl zlib1g-dev libjemalloc-dev
SUDO := $(if $(filter 0,$(shell id -u)),,sudo)
# Waits for another apt/dpkg run to release its lock instead of failing.
APT_GET := $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600

PYTHON ?= python3
VENV := .venv
PY_REQUIREMENTS := Tests/oracles/requirements.txt
# The stamp's name carries a hash of the requirement list: a changed list reinstalls.
VENV_STAMP := $(VENV)/.stamp-$(firstword $(shell sha256sum $(PY_REQUIREMENTS) 2>/dev/null | cut -c1-16))

# --- generated code -------------------------------------------------------------

# Regenerates every committed generated file under the root given as its argument.
GENERATE := Protos/generator/generate.sh
REQUIRE_GENERATOR = [[ -x $(GENERATE) ]] || { echo "$@: $(GENERATE) is missing or not executable" >&2; exit 1; }
# The committed outputs of $(GENERATE); proto-check compares those that exist.
GENERATED_DIRS := Sources/SwarmProto/Generated Sources/CSwarmProtoC/generated Tests/SwarmRPCTests/Generated \
	Tests/SwarmProtoTests/Generated

# --- fuzzing --------------------------------------------------------------------

FUZZ_SECONDS ?= 60
FUZZ_SCRATCH := .build-fuzz
FUZZ_CORPUS := $(FUZZ_SCRATCH)/corpus
# Extra seed corpus directories, read but never written by libFuzzer.
FUZZ_SEEDS ?=

# Hand-written Swift only: generated code is formatted by its generator.
SWIFT_FORMAT_FILES = $(shell find Package.swift Sources Tests -name '*.swift' \
	-not -path '*/Generated/*' -not -path '*/generated/*' 2>/dev/null | sort)

.PHONY: help deps deps-apt deps-venv build release run test proto proto-check bench \
	fuzz fmt lint clean

help: ## List the targets (the default goal)
	@echo "Usage: make <target> [SWIFTPM_FLAGS=...] [FUZZ_SECONDS=$(FUZZ_SECONDS)]"
	@echo
	@awk 'BEGIN { FS = ":.*## " } /^[a-zA-Z0-9_.-]+:.*## / { printf "  %-12s %s\n", $$1, $$2 }' \
		$(firstword $(MAKEFILE_LIST))

deps: deps-apt deps-venv ## Install what is missing: Debian packages and the Python oracles in .venv/

deps-apt: ## Install missing Debian packages (apt-get update only if something is missing)
	@installed=" $$(dpkg-query -W -f='$${db:Status-Abbrev} $${Package}\n' $(APT_PACKAGES) 2>/dev/null \
		| awk '$$1 == "ii" { printf "%s ", $$2 }' || true) "; \
	missing=(); \
	for p in $(APT_PACKAGES); do \
		[[ "$$installed" == *" $$p "* ]] || missing+=("$$p"); \
	done; \
	if (( $${#missing[@]} > 0 )); then \
		echo "deps: installing $${missing[*]}"; \
		$(APT_GET) update; \
		$(APT_GET) install -y --no-install-recommends "$${missing[@]}"; \
	fi

deps-venv: $(VENV_STAMP) ## Create .venv/ from Tests/oracles/requirements.txt (only when that list changed)

$(VENV_STAMP): | deps-apt
	@echo "deps: installing $(PY_REQUIREMENTS) into $(VENV)/"
	rm -f $(VENV)/.stamp-*
	[[ -x $(VENV)/bin/python ]] || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install --disable-pip-version-check --quiet -r $(PY_REQUIREMENTS)
	touch $@

build: ## Debug build of every target (swift build)
	$(SWIFT) build $(SWIFTPM_FLAGS)

release: ## Release build of every target (swift build -c release)
	$(SWIFT) build -c release $(SWIFTPM_FLAGS)

run: deps-apt build ## Start a coordinator and two workers, run the sample DAG (ops/examples), stop
	ops/run-sample.sh "$$($(SWIFT) build $(SWIFTPM_FLAGS) --show-bin-path)/openswarm" ops/examples/mapreduce.yaml

# Tests run one at a time (about 35 s): the network tests assert timeouts, and on two
# cores the store's and the core's long synchronous tests would otherwise hold both
# threads of Swift's cooperative pool and make those timeouts fire late.
test: deps ## Check generated code (proto-check), then run all tests beside a throwaway PostgreSQL
	@$(MAKE) --no-print-directory proto-check
	Tests/support/with-postgres.sh $(SWIFT) test --no-parallel $(SWIFTPM_FLAGS)

proto: deps ## Regenerate all committed generated code from Protos/ (then commit it)
	@$(REQUIRE_GENERATOR)
	$(GENERATE) .

proto-check: deps ## Fail if committed generated code differs from what `make proto` writes
	@$(REQUIRE_GENERATOR)
	@tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	$(GENERATE) "$$tmp"; \
	stale=0; \
	for dir in $(GENERATED_DIRS); do \
		if [[ -d "$$dir" || -d "$$tmp/$$dir" ]]; then \
			diff -r "$$dir" "$$tmp/$$dir" || stale=1; \
		fi; \
	done; \
	if (( stale )); then \
		echo "proto-check: generated code is stale or edited by hand;" \
			"run 'make proto' and commit the result." >&2; \
		exit 1; \
	fi; \
	echo "proto-check: generated code matches Protos/."

bench: deps ## Release-build and run the benchmarks: codec, DAG planning, store, gRPC server, end to end
	$(SWIFT) build -c release $(SWIFTPM_FLAGS) --product swarm-proto-bench
	$(SWIFT) build -c release $(SWIFTPM_FLAGS) --product swarm-core-bench
	$(SWIFT) build -c release $(SWIFTPM_FLAGS) --product swarm-store-bench
	$(SWIFT) build -c release $(SWIFTPM_FLAGS) --product swarm-rpc-bench
	$(SWIFT) build -c release $(SWIFTPM_FLAGS) --product swarm-e2e-bench
	$(SWIFT) build -c release $(SWIFTPM_FLAGS) --product openswarm
	bin="$$($(SWIFT) build -c release $(SWIFTPM_FLAGS) --show-bin-path)"; \
	"$$bin/swarm-proto-bench"; \
	"$$bin/swarm-core-bench"; \
	Tests/support/with-postgres.sh "$$bin/swarm-store-bench"; \
	"$$bin/swarm-rpc-bench"; \
	Tests/support/with-postgres.sh "$$bin/swarm-e2e-bench" "$$bin/openswarm"

# lld, because gold crashes (an internal error in dwarf_reader.cc) on the ASan objects.
fuzz: ## Fuzz the decoders and a gRPC server connection with libFuzzer + ASan, FUZZ_SECONDS each (default 60)
	OPENSWARM_FUZZ=1 $(SWIFT) build -c release --scratch-path $(FUZZ_SCRATCH) \
		-Xswiftc -sanitize=fuzzer,address -Xswiftc -use-ld=lld --product swarm-proto-fuzz
	OPENSWARM_FUZZ=1 $(SWIFT) build -c release --scratch-path $(FUZZ_SCRATCH) \
		-Xswiftc -sanitize=fuzzer,address -Xswiftc -use-ld=lld --product swarm-rpc-fuzz
	mkdir -p $(FUZZ_CORPUS) $(FUZZ_CORPUS)-rpc
	$(FUZZ_SCRATCH)/release/swarm-proto-fuzz -max_total_time=$(FUZZ_SECONDS) $(FUZZ_CORPUS) $(FUZZ_SEEDS)
	$(FUZZ_SCRATCH)/release/swarm-rpc-fuzz -max_total_time=$(FUZZ_SECONDS) -max_len=4096 $(FUZZ_CORPUS)-rpc

fmt: ## Format hand-written Swift in place (swift format; Generated/ is skipped)
	$(SWIFT) format -i -p $(SWIFT_FORMAT_FILES)

lint: ## Check hand-written Swift style (swift format lint --strict; Generated/ is skipped)
	$(SWIFT) format lint --strict -p $(SWIFT_FORMAT_FILES)

clean: ## Remove build products (.build/, .build-fuzz/); keeps .venv/
	rm -rf .build $(FUZZ_SCRATCH)
