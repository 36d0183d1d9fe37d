#!/usr/bin/env bash
# Screenshots the demo's page in headless Chromium: docs/demo.png.
#
# Builds the demo, starts it on a free port with the test-pattern camera (or
# DEVICE=/dev/videoN), waits for "listening", lets the stream and statistics
# run for a moment, runs `chromium --headless --screenshot`, stops the demo.
# Installs Debian's chromium when it is missing (root or sudo).
#
#   scripts/screenshot-demo.sh [OUT.png]
#   env: SCRATCH_PATH (default .build), CONFIG (release|debug, default release),
#        DEVICE (default test-pattern), SIZE (window, default 1060,620)
set -euo pipefail
cd "$(dirname "$0")/.."

out=${1:-docs/demo.png}
scratch=${SCRATCH_PATH:-.build}
config=${CONFIG:-release}
device=${DEVICE:-test-pattern}
size=${SIZE:-1060,620}

scripts/install-deps.sh
browser=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$browser" ]; then
    sudo=""
    [ "$(id -u)" -ne 0 ] && sudo="sudo"
    echo "screenshot-demo: installing chromium"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium
    browser=$(command -v chromium)
fi

swift build -c "$config" --scratch-path "$scratch" --product asyncio-demo
bin="$scratch/$config/asyncio-demo"

log=$(mktemp)
profile=$(mktemp -d)
"$bin" --port 0 --device "$device" >"$log" 2>&1 &
demo=$!
cleanup() {
    kill -INT "$demo" 2>/dev/null && wait "$demo" 2>/dev/null || true
    rm -rf "$log" "$profile"
}
trap cleanup EXIT

address=""
for _ in $(seq 1 100); do
    address=$(sed -n 's/^listening on \(.*\)$/\1/p' "$log" | head -1)
    [ -n "$address" ] && break
    kill -0 "$demo" 2>/dev/null || { cat "$log" >&2; echo "screenshot-demo: the demo exited" >&2; exit 1; }
    sleep 0.1
done
[ -n "$address" ] || { cat "$log" >&2; echo "screenshot-demo: no 'listening' line" >&2; exit 1; }
url="http://$address/"
echo "screenshot-demo: demo at $url"
sleep 1  # let the statistics fill in

sandbox=()
[ "$(id -u)" -eq 0 ] && sandbox=(--no-sandbox)
# The MJPEG stream never finishes loading, so Chromium is told when to shoot:
# after 3 s of (virtual) time, with the page's stats polled meanwhile.
timeout 60 "$browser" --headless "${sandbox[@]}" --disable-gpu --hide-scrollbars --no-first-run \
    --user-data-dir="$profile" --window-size="$size" --virtual-time-budget=3000 \
    --screenshot="$PWD/$out" "$url" 2>/dev/null || true
[ -s "$out" ] || { echo "screenshot-demo: no screenshot written" >&2; exit 1; }
echo "screenshot-demo: wrote $out"
