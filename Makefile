# The two commands a new user needs (README "Set-up"):
#   make demo   install what is missing, build, lint the bundled demo capture
#   make check  the same set-up and build, then the whole test suite
# Further targets: build, asan (sanitizer build + tests), corpus (sweeps
# over ../shared/corpus when present), clean.

BUILD    ?= build
ASAN_DIR ?= build-asan
JOBS     ?= $(shell nproc 2>/dev/null || echo 2)
CMAKE_FLAGS ?=
DEMO     := fixtures/demo/demo.pcap

.PHONY: demo check setup build asan test corpus clean

# The demo capture holds findings, so resplint exits 1 there; only 0 and 1
# mean it ran (2 is a usage error, 3 an unreadable capture, >3 a crash).
demo: build
	@echo "== resplint $(DEMO)"
	@$(BUILD)/resplint $(DEMO); rc=$$?; \
	if [ $$rc -gt 1 ]; then echo "demo: resplint exited $$rc" >&2; exit 1; fi

# Both passes run even when the first fails, so that one run shows every
# failure; the target fails if either did.
check: build
	@rc=0; (cd $(BUILD) && ctest --output-on-failure -j$(JOBS)) || rc=1; \
	$(MAKE) asan || rc=1; exit $$rc

setup:
	@scripts/setup-deps.sh

build: setup
	cmake -S . -B $(BUILD) -DRL_WERROR=ON $(CMAKE_FLAGS) >/dev/null
	cmake --build $(BUILD) -j$(JOBS)

# The fuzz smoke test builds its own clang tree with the sanitizers and
# valgrind cannot run sanitized binaries, so the sanitizer pass leaves both
# to the first pass instead of running them twice.
ASAN_SKIP := ^(test_fuzz_smoke|test_valgrind)$$

asan: setup
	cmake -S . -B $(ASAN_DIR) -DRL_WERROR=ON -DRL_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug $(CMAKE_FLAGS) >/dev/null
	cmake --build $(ASAN_DIR) -j$(JOBS)
	cd $(ASAN_DIR) && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
		ctest --output-on-failure -j$(JOBS) -E '$(ASAN_SKIP)'

corpus: build
	@if [ -d ../shared/corpus ]; then tests/corpus/run.sh $(BUILD)/resplint ../shared/corpus; \
	else echo "corpus: ../shared/corpus not present, nothing to sweep"; fi

clean:
	rm -rf $(BUILD) $(ASAN_DIR)
