# swift-asyncio — the two commands a new user needs:
#   make demo   builds and runs the demo (the main job)
#   make test   builds and runs the whole test suite
# Both install the Debian packages that are missing first.

SWIFT ?= swift

.PHONY: deps demo test test-tsan build bench clean

deps:
	@scripts/install-deps.sh

demo: deps
	$(SWIFT) build -c release --product asyncio-demo
	.build/release/asyncio-demo

build: deps .build/deny-io-uring
	$(SWIFT) build --build-tests

# The seccomp launcher that denies io_uring_setup, to test the epoll fallback.
.build/deny-io-uring: tools/deny-io-uring/deny-io-uring.c
	@mkdir -p .build
	$(CC) -O2 -Wall -Wextra -o $@ $<

# Tests share the one default loop, so they run one at a time; each test
# bounds its own time (see Tests/AsyncIOTestSupport). The suite runs once per
# backend: io_uring, forced epoll, and io_uring denied with EPERM and ENOSYS.
test: build
	scripts/test-all-backends.sh

# The cross-thread paths under ThreadSanitizer (own build folder: a full rebuild).
test-tsan: deps
	$(SWIFT) build --sanitize=thread --scratch-path .build-tsan --product swift-asyncioPackageTests
	$(SWIFT) test --sanitize=thread --scratch-path .build-tsan --skip-build --no-parallel \
		--filter 'ThreadSafeFlag|LoopTests|ForeignTask'

# Runtime micro-benchmarks beside Swift's default executor (see docs/benchmarks.md).
bench: deps
	scripts/bench-core.sh

clean:
	rm -rf .build
