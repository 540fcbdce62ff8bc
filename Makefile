# hartline: the front door. `make demo` and `make check` are all a new user
# needs on a fresh Debian 12 machine.

BUILD       ?= build
CHECK_BUILD ?= build-check
DEMO_DIR    ?= demo-data
LISTEN      ?= 127.0.0.1:8080
ARTIFACTS   ?= $(CHECK_BUILD)/artifacts
FUZZ_BUILD  ?= build-fuzz
FUZZ_SECONDS ?= 60
FUZZ_TARGETS := json csv pack url norm sniff

# Sanitizer findings fail the tests instead of scrolling past.
export ASAN_OPTIONS  := detect_leaks=1:abort_on_error=0:exitcode=23
export UBSAN_OPTIONS := halt_on_error=1:print_stacktrace=1
export HARTLINE_SOURCE_ROOT := $(CURDIR)

.PHONY: all deps build bench demo check check-build unit valgrind e2e e2e-sqlite e2e-wisconsin browser pg-suites test-tools clean distclean
.PHONY: fuzz fuzz-build fuzz-smoke

all: build

deps:
	scripts/install-deps

# ---- the program ----

build:
	@scripts/install-deps --build
	@test -f $(BUILD)/build.ninja || meson setup $(BUILD) --buildtype=release -Dwerror=true
	ninja -C $(BUILD)

# PACK=FILE runs the demo on another jurisdiction pack (packs/wisconsin.json);
# the built-in pack is packs/connecticut.json. A demo database keeps the pack
# it was made with: use another DEMO_DIR for another pack.
PACK ?=
PACK_OPT := $(if $(PACK),--pack $(PACK))

demo: deps build
	@mkdir -p $(DEMO_DIR)
	./$(BUILD)/hartline init --db $(DEMO_DIR)/hartline.db $(PACK_OPT)
	@echo
	@echo "  hartline demo (synthetic data only; no real person is in it)"
	@echo
	@./$(BUILD)/hartline demo --db $(DEMO_DIR)/hartline.db --cases $(PACK_OPT)
	@echo
	@echo "  Open http://$(LISTEN)/ in a browser and log in as one of them"
	@echo "  (demo-admin manages users). Ctrl-C stops the server."
	@echo
	./$(BUILD)/hartline serve --db $(DEMO_DIR)/hartline.db --listen $(LISTEN) $(PACK_OPT)

# Benchmarks against the budgets (DESIGN.md, docs/architecture.md) side by
# side with PostgreSQL pg_trgm and DuckDB, and the request path under wrk
# (bench/request), rewriting bench/README.md; not part of check.
# BENCH_QUICK=1 for 100,000 records, BENCH_RECORDS / BENCH_QUERIES for sizes,
# BENCH_ONLY=request for the request path alone.
bench: build
	BUILD=$(BUILD) bench/run

# ---- the tests ----

check: deps build check-build test-tools unit valgrind e2e-sqlite e2e-wisconsin pg-suites browser fuzz-smoke
	@echo "make check: all suites passed"

# Tests run on a build with AddressSanitizer and UndefinedBehaviorSanitizer.
check-build:
	@test -f $(CHECK_BUILD)/build.ninja || \
		meson setup $(CHECK_BUILD) --buildtype=debug -Db_sanitize=address,undefined -Db_lundef=false -Dtest_hooks=true
	@meson configure $(CHECK_BUILD) | grep -q 'test_hooks *true' || meson configure $(CHECK_BUILD) -Dtest_hooks=true
	ninja -C $(CHECK_BUILD)

test-tools:
	@test -d tests/node_modules/playwright-core -a tests/node_modules/.package-lock.json -nt tests/package-lock.json || \
		(cd tests && npm ci --no-audit --no-fund)

unit: check-build
	meson test -C $(CHECK_BUILD) --suite unit --suite lint --print-errorlogs

# The unit tests once more under Valgrind, on a build without sanitizers.
valgrind:
	@test -f build-vg/build.ninja || meson setup build-vg --buildtype=debug -Dtest_hooks=true
	@meson configure build-vg | grep -q 'test_hooks *true' || meson configure build-vg -Dtest_hooks=true
	ninja -C build-vg
	meson test -C build-vg --setup valgrind --suite unit --print-errorlogs

# The end-to-end suite runs on every pack: on packs/connecticut.json (the
# built-in pack) with SQLite here and with PostgreSQL in pg-suites, and on
# packs/wisconsin.json with SQLite in e2e-wisconsin. TEST_PACK=FILE runs
# e2e-sqlite on another pack (docs/testing.md).
TEST_PACK ?=
WISCONSIN_PACK := packs/wisconsin.json

e2e-sqlite: check-build test-tools
	cd tests && HARTLINE_BIN=$(CURDIR)/$(CHECK_BUILD)/hartline HARTLINE_TEST_ENGINE=sqlite \
		$(if $(TEST_PACK),HARTLINE_TEST_PACK=$(abspath $(TEST_PACK))) \
		node --test --test-concurrency=2 e2e/

e2e-wisconsin: check-build test-tools
	@test -f $(WISCONSIN_PACK) || { echo "e2e-wisconsin: $(WISCONSIN_PACK) is missing; the suite runs on it"; exit 1; }
	cd tests && HARTLINE_BIN=$(CURDIR)/$(CHECK_BUILD)/hartline HARTLINE_TEST_ENGINE=sqlite \
		HARTLINE_TEST_PACK=$(CURDIR)/$(WISCONSIN_PACK) \
		node --test --test-concurrency=2 e2e/

# One throwaway PostgreSQL cluster for the database unit tests and the
# end-to-end suite on PostgreSQL.
pg-suites: check-build test-tools
	pg_virtualenv -t sh -c '\
		HARTLINE_REQUIRE_PG=1 meson test -C $(CHECK_BUILD) --suite unit --print-errorlogs db db_writer db_listen svc_audit && \
		cd tests && HARTLINE_BIN=$(CURDIR)/$(CHECK_BUILD)/hartline HARTLINE_TEST_ENGINE=postgresql \
			node --test --test-concurrency=2 e2e/'

browser: check-build test-tools
	@mkdir -p $(ARTIFACTS)
	cd tests && HARTLINE_BIN=$(CURDIR)/$(CHECK_BUILD)/hartline HARTLINE_ARTIFACTS=$(CURDIR)/$(ARTIFACTS) \
		node --test browser/

# ---- fuzzing (docs/security.md, "Fuzzing") ----

# libFuzzer targets in fuzz/, built by clang with AddressSanitizer and
# UndefinedBehaviorSanitizer in a build of their own; the gcc builds above
# are untouched. Clang warns where gcc does not, so warnings do not stop it.
fuzz-build:
	@scripts/install-deps --fuzz
	@test -f $(FUZZ_BUILD)/build.ninja || CC=clang meson setup $(FUZZ_BUILD) --buildtype=debugoptimized \
		-Dfuzz=true -Dwerror=false -Db_sanitize=address,undefined -Db_lundef=false
	ninja -C $(FUZZ_BUILD) $(addprefix fuzz/fuzz_,$(FUZZ_TARGETS))

# Each target for FUZZ_SECONDS (60 by default), starting from the seed
# corpus in fuzz/corpus/NAME (with fuzz/NAME.dict when there is one); what it learns goes to $(FUZZ_BUILD)/corpus/NAME
# and a crashing input to $(FUZZ_BUILD)/crashes/, and the run fails.
fuzz: fuzz-build
	@for t in $(FUZZ_TARGETS); do \
		mkdir -p $(FUZZ_BUILD)/corpus/$$t $(FUZZ_BUILD)/crashes || exit 1; \
		echo "fuzz: $$t for $(FUZZ_SECONDS) s"; \
		dict=""; test -f fuzz/$$t.dict && dict=-dict=fuzz/$$t.dict; \
		$(FUZZ_BUILD)/fuzz/fuzz_$$t -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 $$dict \
			-artifact_prefix=$(FUZZ_BUILD)/crashes/$$t- \
			$(FUZZ_BUILD)/corpus/$$t fuzz/corpus/$$t 2>$(FUZZ_BUILD)/fuzz-$$t.log || \
			{ tail -n 60 $(FUZZ_BUILD)/fuzz-$$t.log; echo "fuzz: $$t FAILED (log: $(FUZZ_BUILD)/fuzz-$$t.log)"; exit 1; }; \
		grep -E '^stat::number_of_executed_units|^#[0-9]+.*DONE' $(FUZZ_BUILD)/fuzz-$$t.log | tail -n 2; \
	done
	@echo "make fuzz: no target found a crash"

# A 10-second run of each target, part of make check.
fuzz-smoke:
	$(MAKE) fuzz FUZZ_SECONDS=10

clean:
	rm -rf $(BUILD) $(CHECK_BUILD) build-vg $(FUZZ_BUILD)

distclean: clean
	rm -rf tests/node_modules $(DEMO_DIR)
