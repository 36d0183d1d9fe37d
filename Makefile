# swift-asyncio — the two commands a new user needs:
#   make demo   builds and runs the demo (the main job)
#   make test   builds and runs the whole test suite
# Both install the Debian packages that are missing first.

SWIFT ?= swift

.PHONY: deps demo test test-camera-vm test-tsan test-asan fuzz-http build bench bench-primitives bench-net bench-http bench-cores clean

deps:
	@scripts/install-deps.sh

# The camera-to-browser demo: http://127.0.0.1:8080 (Ctrl-C stops it).
# Pass flags with DEMO_ARGS, e.g. make demo DEMO_ARGS="--port 9000 --fps 15".
demo: deps
	$(SWIFT) build -c release --product asyncio-demo
	.build/release/asyncio-demo $(DEMO_ARGS)

build: deps .build/deny-io-uring
	$(SWIFT) build --build-tests

# The seccomp launcher that denies io_uring_setup, to test the epoll fallback.
.build/deny-io-uring: tools/deny-io-uring/deny-io-uring.c
	@mkdir -p .build
	$(CC) -O2 -Wall -Wextra -o $@ $<

# Tests share the one default loop, so they run one at a time; each test
# bounds its own time (see Tests/AsyncIOTestSupport). The suite runs once per
# backend: io_uring, forced epoll, and io_uring denied with EPERM and ENOSYS.
# Then the camera suites run against Linux's virtual camera driver (vivid) in a
# QEMU VM, with io_uring and with epoll. Where QEMU cannot run, that last step
# says so and skips; with CI=true it fails instead.
test: build
	scripts/test-all-backends.sh
	scripts/test-camera-vm.sh

# Only the camera suites in the vivid VM (about 35 s; the first run also sets
# the VM up: about 90 MB of Debian packages, cached).
test-camera-vm: build
	scripts/test-camera-vm.sh

# The cross-thread paths under ThreadSanitizer (own build folder: a full rebuild),
# with MicroPython's ported tests that use threads.
test-tsan: deps
	$(SWIFT) build --sanitize=thread --scratch-path .build-tsan --product swift-asyncioPackageTests
	ASYNCIO_UNDER_TSAN=1 $(SWIFT) test --sanitize=thread --scratch-path .build-tsan --skip-build --no-parallel \
		--filter 'ThreadSafeFlag|LoopTests|ForeignTask|CancellationRouteTests|ThreadBridge|ThreadsConformance|PrimitivesConformance|LoopGroupTests|LoopCallTests|LoopChannelTests|NonMainLoopTests|FrameTransferTests'

# The whole suite on io_uring under AddressSanitizer, leak checking on (own
# build folder: a full rebuild), including the cancellation storm: 10,000 tasks
# cancelled at random points of reads, sleeps, waits and gathers.
test-asan: deps
	$(SWIFT) build --sanitize=address --scratch-path .build-asan --build-tests
	ASYNCIO_EXPECT_BACKEND=uring ASYNCIO_UNDER_ASAN=1 ASAN_OPTIONS=detect_leaks=1 SWIFT_BACKTRACE=enable=no \
		LSAN_OPTIONS=suppressions=$(CURDIR)/tools/sanitizers/lsan.supp:print_suppressions=0 \
		$(SWIFT) test --sanitize=address --scratch-path .build-asan --skip-build --no-parallel

# libFuzzer on the HTTP request and response parsers (Fuzz/, its own package), from the
# committed seed corpus, for FUZZ_SECONDS (new inputs go to Fuzz/.build/corpus).
FUZZ_SECONDS ?= 60
fuzz-http: deps
	@# The coverage flags are given explicitly: Swift 6.3's driver was seen here to pass
	@# -sanitize=fuzzer on without them, linking a fuzzer that explores nothing (checked below).
	cd Fuzz && $(SWIFT) build -c release --sanitize=fuzzer --sanitize=address \
		-Xswiftc -sanitize-coverage=edge,inline-8bit-counters,pc-table,trace-cmp --product HTTPParserFuzzer
	mkdir -p Fuzz/.build/corpus
	@# A fuzzer built without coverage instrumentation finds nothing and says nothing: refuse it.
	@counters=$$(cd Fuzz && SWIFT_BACKTRACE=enable=no .build/release/HTTPParserFuzzer -runs=0 Corpus/http-parser 2>&1 \
		| sed -n 's/.*Loaded 1 modules *(\([0-9]*\) inline 8-bit counters.*/\1/p'); \
	if [ "$${counters:-0}" -lt 1000 ]; then echo "fuzz-http: only $${counters:-0} coverage counters: not instrumented" >&2; exit 1; fi
	cd Fuzz && SWIFT_BACKTRACE=enable=no .build/release/HTTPParserFuzzer .build/corpus Corpus/http-parser \
		-max_total_time=$(FUZZ_SECONDS) -max_len=4096 -print_final_stats=1

# Runtime micro-benchmarks beside Swift's default executor (see docs/benchmarks.md).
bench: deps
	scripts/bench-core.sh

# Event, Lock and Queue beside actor twins, AsyncChannel, CPython asyncio and uvloop.
bench-primitives: deps
	scripts/bench-primitives.sh

# Network peer comparison: echo and HTTP servers beside SwiftNIO, Hummingbird,
# C (epoll, liburing) and CPython (asyncio, uvloop); about 15 minutes.
bench-net: deps
	scripts/bench-net.sh

# HTTP: AsyncIOHTTP beside NIOHTTP1, Hummingbird 2 and a C responder, with wrk.
bench-http: deps
	scripts/bench-http.sh

# Many loops beside SwiftNIO MultiThreadedEventLoopGroup: server-bound echo with
# 1 and 2 loops here; LOOPS="1 2 4 8 14" on a bigger machine.
bench-cores: deps
	LOOPS="$(or $(LOOPS),1 2)" scripts/bench-cores.sh

clean:
	rm -rf .build
