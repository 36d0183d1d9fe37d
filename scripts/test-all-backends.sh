#!/usr/bin/env bash
# Runs the built test suite once per backend leg (see docs/decisions/0003-epoll-fallback.md):
#   1. io_uring (the default where permitted)      ASYNCIO_EXPECT_BACKEND=uring
#   2. epoll, forced by ASYNCIO_BACKEND=epoll
#   3. io_uring_setup denied with EPERM (seccomp)  -> epoll chosen automatically
#   4. io_uring_setup denied with ENOSYS (seccomp) -> epoll chosen automatically
# Every leg must pass; the Backend tests check which backend each leg got.
set -uo pipefail
cd "$(dirname "$0")/.."
SWIFT=${SWIFT:-swift}
DENY=.build/deny-io-uring
failed=0

leg() {
    local name=$1; shift
    echo "=== test leg: $name"
    if "$@" "$SWIFT" test --skip-build --no-parallel 2>&1 | tee /tmp/asyncio-test-leg.log | grep -E 'Test run with|^✘ |error:'; then :; fi
    if [ "${PIPESTATUS[0]}" -ne 0 ] || grep -qE '✘ Test run|failed after' /tmp/asyncio-test-leg.log; then
        echo "=== leg '$name' FAILED (full log above in /tmp/asyncio-test-leg.log)"
        failed=1
    fi
}

leg "io_uring"            env ASYNCIO_EXPECT_BACKEND=uring
leg "epoll (forced)"      env ASYNCIO_BACKEND=epoll ASYNCIO_EXPECT_BACKEND=epoll
leg "io_uring denied: EPERM"  env ASYNCIO_EXPECT_BACKEND=epoll "$DENY" --errno EPERM
leg "io_uring denied: ENOSYS" env ASYNCIO_EXPECT_BACKEND=epoll "$DENY" --errno ENOSYS

if [ "$failed" -ne 0 ]; then
    echo "0 passed, 1 failed: at least one backend leg failed"
    exit 1
fi
