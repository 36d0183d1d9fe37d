#!/usr/bin/env bash
# Runs the camera test suites against a real V4L2 driver: inside the vivid VM
# (scripts/vivid-vm.sh, vivid loaded as "n_devs=2 multiplanar=1,2"), once with
# ASYNCIO_BACKEND=uring and once with ASYNCIO_BACKEND=epoll. Each leg also runs
# the backend check, so a leg proves which backend it used.
#
#   scripts/test-camera-vm.sh [TEST_BUNDLE]
#
# TEST_BUNDLE defaults to $CAMERA_VM_TEST_BUNDLE, else to
# swift-asyncioPackageTests.xctest in `swift build --show-bin-path` (what
# `make build` builds). Logs and xUnit results go to camera-vm/ next to it.
#
# A leg fails if any test fails, if the bundle gives no results, or if any
# "Camera on vivid" test was skipped: the device tests must run in the VM.
# If the VM cannot run here (no QEMU and apt cannot install it, no kernel
# package, or the VM does not boot), this says so and exits 0, unless CI=true:
# in CI the leg is required and that is a failure.
set -uo pipefail
cd "$(dirname "$0")/.."
SWIFT=${SWIFT:-swift}
VIVID_OPTIONS="n_devs=2 multiplanar=1,2"
backends=(uring epoll)

bundle=${1:-${CAMERA_VM_TEST_BUNDLE:-}}
if [ -z "$bundle" ]; then
    bin=$("$SWIFT" build --show-bin-path 2>/dev/null) || { echo "test-camera-vm: swift build --show-bin-path failed"; exit 2; }
    bundle=$bin/swift-asyncioPackageTests.xctest
fi
if [ ! -x "$bundle" ]; then
    echo "test-camera-vm: no test bundle at $bundle (run 'make build' first)"
    exit 2
fi
bundle=$(cd "$(dirname "$bundle")" && pwd -P)/$(basename "$bundle")
logs=$(dirname "$bundle")/camera-vm
mkdir -p "$logs"

# The VM could not run: an error in CI, a plain skip elsewhere.
cannot_run() {
    if [ "${CI:-}" = true ]; then
        echo "=== camera tests in the vivid VM FAILED: $1"
        echo "    (CI=true: this leg is required in CI)"
        echo "0 passed, 1 failed: the vivid VM could not run"
        exit 1
    fi
    echo "=== camera tests in the vivid VM SKIPPED: $1"
    echo "    (not an error outside CI; the device tests did not run)"
    exit 0
}

echo "=== camera tests in the vivid VM: setup"
scripts/vivid-vm.sh --setup 2>&1 | sed 's/^/    /'
case ${PIPESTATUS[0]} in
    0) ;;
    126) cannot_run "QEMU cannot run here (see the line above)" ;;
    *) echo "0 passed, 1 failed: scripts/vivid-vm.sh --setup failed"; exit 1 ;;
esac

# Counts the testcases of an xUnit file: "passed failed skipped", then the same
# three for the "Camera on vivid" suite (VividDeviceTests).
count_results() {
    awk '
        function done(state) {
            n[state]++
            if (class ~ /\.VividDeviceTests$/) v[state]++
            open = 0
        }
        /<testcase / {
            class = $0; sub(/.*classname="/, "", class); sub(/".*/, "", class)
            state = "pass"; open = 1
            if ($0 ~ /\/>[[:space:]]*$/) done(state)
            next
        }
        open && /<skipped/ { state = "skip" }
        open && /<failure/ { state = "fail" }
        open && /<\/testcase>/ { done(state) }
        END { printf "%d %d %d %d %d %d\n", n["pass"], n["fail"], n["skip"], v["pass"], v["fail"], v["skip"] }
    ' "$1"
}

total_passed=0 total_failed=0 total_skipped=0 booted=0 broken=0
summary=()
for backend in "${backends[@]}"; do
    echo "=== camera tests in the vivid VM: ASYNCIO_BACKEND=$backend"
    log=$logs/$backend.log xml=$logs/$backend.xml
    rm -f "$xml"
    # The checkout is the VM's writable work directory (the guest's /tmp is its
    # own, so a checkout under /tmp must be shared explicitly); the bundle and
    # the log folder, where the xUnit file lands, are inside it.
    scripts/vivid-vm.sh --vivid "$VIVID_OPTIONS" --workdir "$(pwd -P)" --timeout 600 -- \
        env ASYNCIO_BACKEND="$backend" ASYNCIO_EXPECT_BACKEND="$backend" \
        "$bundle" --testing-library swift-testing --no-parallel \
        --filter AsyncIOCameraTests --filter 'BackendTests/theLoopReportsItsBackendAndWhy' \
        --xunit-output "$xml" > "$log" 2>&1
    rc=$?
    grep -E '^✘|Test run with|^RESULT|^\[vivid-vm\]|Suite "Camera on vivid" (passed|failed|skipped)' "$log" | sed 's/^/    /'
    if [ "$rc" -eq 125 ] && [ "$booted" -eq 0 ]; then
        grep -v '^\[vivid-vm\]' "$log" | tail -n 30 | sed 's/^/    | /'
        cannot_run "the VM did not boot (log: $log)"
    fi
    booted=1
    if [ ! -s "$xml" ]; then
        echo "=== leg '$backend' FAILED: exit $rc and no test results (log: $log)"
        tail -n 30 "$log" | sed 's/^/    | /'
        total_failed=$((total_failed + 1)) broken=1
        summary+=("$backend: no results")
        continue
    fi
    read -r passed failed skipped vivid_passed vivid_failed vivid_skipped < <(count_results "$xml")
    total_passed=$((total_passed + passed))
    total_failed=$((total_failed + failed))
    total_skipped=$((total_skipped + skipped))
    summary+=("$backend: $passed passed, $vivid_passed of them on vivid")
    if [ "$vivid_skipped" -ne 0 ] || [ $((vivid_passed + vivid_failed)) -eq 0 ]; then
        echo "=== leg '$backend' FAILED: the vivid device tests did not run in the VM" \
             "($vivid_passed ran and passed, $vivid_failed failed, $vivid_skipped skipped; log: $log)"
        grep -m 3 -E '^➜ ' "$log" | sed 's/^/    /'
        broken=1
    elif [ "$rc" -ne 0 ] || [ "$failed" -ne 0 ]; then
        echo "=== leg '$backend' FAILED: exit $rc, $failed failed (log: $log)"
        broken=1
    fi
done

detail=$(printf '%s; ' "${summary[@]}")
if [ "$broken" -ne 0 ] && [ "$total_failed" -eq 0 ]; then total_failed=1; fi
echo "$total_passed passed, $total_failed failed: camera suites in the vivid VM (${detail}$total_skipped skipped)"
[ "$broken" -eq 0 ]
