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

build: deps
	$(SWIFT) build --build-tests

# Tests share the one default loop, so they run one at a time; each test
# bounds its own time (see Tests/AsyncIOTestSupport).
test: build
	$(SWIFT) test --skip-build --no-parallel

# The cross-thread paths under ThreadSanitizer (own build folder: a full rebuild).
test-tsan: deps
	$(SWIFT) build --sanitize=thread --scratch-path .build-tsan --product swift-asyncioPackageTests
	$(SWIFT) test --sanitize=thread --scratch-path .build-tsan --skip-build --no-parallel \
		--filter 'ThreadSafeFlag|LoopTests|ForeignTask'

# Runtime micro-benchmarks beside Swift's default executor (see docs/benchmarks.md).
bench: deps
	cd Benchmarks && $(SWIFT) package --allow-writing-to-package-directory benchmark

clean:
	rm -rf .build
