#!/usr/bin/env bash
# Network peer comparison: swift-asyncio's echo server beside SwiftNIO, C
# (epoll, liburing) and CPython (asyncio, uvloop), on loopback, in one run.
# (HTTP has its own comparison: scripts/bench-http.sh.)
#
#   scripts/bench-net.sh                 # build everything, run, write docs/
#   RUNS=1 scripts/bench-net.sh          # a quick look (no medians)
#   DURATION=5 WARMUP=2 RUNS=3           # the defaults
#   OUT=/tmp/r DOC=/tmp/b.md PNG=/tmp/b.png SIZES=64 CONNS=50 RUNS=1 DURATION=1 scripts/bench-net.sh
#                                        # a smoke test that leaves docs/ alone
#
# Each server runs pinned to CPU $SERVER_CPU (0) and the load generator to
# CPU $CLIENT_CPU (1), with taskset. Echo: Benchmarks/net/c/loadgen.c, closed
# loop (send S bytes, wait for S back, repeat) on N connections, for the cells
# S = 64 B and 4 KiB by N = 1, 50 and 500. Every cell runs once per server;
# the cells in $REPEAT_CELLS run $RUNS times, in $RUNS rounds over all the
# servers (so a noisy moment does not hit one server only), and the report
# takes medians.
#
# Builds: ours with `swift build -c release --scratch-path .build-bench`
# (never .build), the Swift peers in their own package Benchmarks/net/peers
# (its own .build), the C programs with cc into Benchmarks/net/.build/c, and a
# venv Benchmarks/net/.venv with uvloop and matplotlib. Raw results stay in
# Benchmarks/net/.build/results; the report goes to docs/benchmarks.md
# ("Network peer comparison", between its bench-net markers) and
# docs/bench-net.png. Needs liburing-dev (installed if missing).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
NET="$ROOT/Benchmarks/net"
OUT="${OUT:-$NET/.build/results}"
DOC="${DOC:-$ROOT/docs/benchmarks.md}"   # the report's section goes here
PNG="${PNG:-$ROOT/docs/bench-net.png}"
BIN="$NET/.build/c"
VENV="$NET/.venv"
SCRATCH="$ROOT/.build-bench"
SWIFT="${SWIFT:-swift}"
DURATION="${DURATION:-5}"
WARMUP="${WARMUP:-2}"
RUNS="${RUNS:-3}"
SERVER_CPU="${SERVER_CPU:-0}"
CLIENT_CPU="${CLIENT_CPU:-1}"
HOST=127.0.0.1
PORT_BASE="${PORT_BASE:-17100}"
SIZES="${SIZES:-64 4096}"
CONNS="${CONNS:-1 50 500}"
REPEAT_CELLS="${REPEAT_CELLS:-64/50 4096/500}"
OTHER_MAX="${OTHER_MAX:-15}"
RETRIES="${RETRIES:-2}"

log() { echo "== $*" >&2; }
# install_packages, build_ours, build_peers, start_server, stop_server, backend_of, cpu_ticks, ...
# shellcheck source=lib/bench-servers.sh
source "$ROOT/scripts/lib/bench-servers.sh"
# The command as run, with every setting that differs from its default.
describe_command "scripts/bench-net.sh${*:+ $*}" RUNS=3 DURATION=5 WARMUP=2 SIZES="64 4096" CONNS="1 50 500" REPEAT_CELLS="64/50 4096/500" \
    OTHER_MAX=15 RETRIES=2 SERVER_CPU=0 CLIENT_CPU=1

# --- dependencies ---------------------------------------------------------
need_apt=()
[ -f /usr/include/liburing.h ] || need_apt+=(liburing-dev)
command -v taskset > /dev/null || need_apt+=(util-linux)
install_packages "${need_apt[@]}"

mkdir -p "$OUT" "$BIN"
rm -f "$OUT"/*.jsonl "$OUT"/*.log "$OUT"/*.txt "$OUT"/meta.json

# --- builds ---------------------------------------------------------------
build_ours echo-server
build_peers

log "building the C servers and the load generator"
CC="${CC:-cc}"
"$CC" -O2 -Wall -Wextra -o "$BIN/loadgen" "$NET/c/loadgen.c"
"$CC" -O2 -Wall -Wextra -o "$BIN/echo_epoll" "$NET/c/echo_epoll.c"
"$CC" -O2 -Wall -Wextra -o "$BIN/echo_uring" "$NET/c/echo_uring.c" -luring

if ! "$VENV/bin/python" -c 'import uvloop, matplotlib' 2> /dev/null; then
    log "creating $VENV (uvloop, matplotlib)"
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install -q uvloop matplotlib
fi
PY="$VENV/bin/python"

# --- servers --------------------------------------------------------------
# name|label|environment (or -)|command. The label is what the report shows.
ECHO_SERVERS=(
    "ours-uring|swift-asyncio (io_uring)|ASYNCIO_BACKEND=uring|$OURS_BIN/echo-server"
    "ours-epoll|swift-asyncio (epoll backend)|ASYNCIO_BACKEND=epoll|$OURS_BIN/echo-server"
    "nio|SwiftNIO (ChannelHandler)|-|$PEERS_BIN/nio-echo"
    "nio-async|SwiftNIO (NIOAsyncChannel)|-|$PEERS_BIN/nio-async-echo"
    "c-epoll|C epoll|-|$BIN/echo_epoll"
    "c-uring|C liburing|-|$BIN/echo_uring"
    "py-asyncio|CPython asyncio streams|-|$PY $NET/py/echo_server.py"
    "py-uvloop|uvloop streams|-|$PY $NET/py/echo_server.py --uvloop"
)

# --- the run --------------------------------------------------------------
LOAD_BEFORE="$(cut -d' ' -f1-3 /proc/loadavg)"
log "load average before the run: $LOAD_BEFORE"
START_EPOCH="$(date +%s)"
RUN_DATE="$(date -u '+%Y-%m-%d %H:%M UTC')"

is_repeat() { case " $REPEAT_CELLS " in *" $1/$2 "*) return 0 ;; esac; return 1; }

for round in $(seq 1 "$RUNS"); do
    index=0
    for entry in "${ECHO_SERVERS[@]}"; do
        IFS='|' read -r name label envs cmd <<< "$entry"
        index=$((index + 1))
        port=$((PORT_BASE + index))
        cells=()
        for size in $SIZES; do
            for conns in $CONNS; do
                if [ "$round" = 1 ] || is_repeat "$size" "$conns"; then cells+=("$size/$conns"); fi
            done
        done
        [ "${#cells[@]}" -gt 0 ] || continue
        log "round $round/$RUNS: echo $label (${cells[*]})"
        # shellcheck disable=SC2086
        if ! start_server "echo-$name-$round" "$envs" "$port" $cmd; then
            echo "{\"server\":\"$name\",\"label\":\"$label\",\"round\":$round,\"failed\":\"did not start\"}" >> "$OUT/echo.jsonl"
            continue
        fi
        backend="$(backend_of "$SERVER_PID")"
        for cell in "${cells[@]}"; do
            size="${cell%/*}"
            conns="${cell#*/}"
            # A cell that other work disturbed (more than $OTHER_MAX% of either
            # CPU busy with something else) runs again, up to $RETRIES times.
            tries=0
            while :; do
                if result="$(taskset -c "$CLIENT_CPU" "$BIN/loadgen" --host "$HOST" --port "$port" \
                    --conns "$conns" --size "$size" --duration "$DURATION" --warmup "$WARMUP" \
                    --pid "$SERVER_PID" --label "$name" --server-cpu "$SERVER_CPU" --client-cpu "$CLIENT_CPU" \
                    2>> "$OUT/loadgen.log")"; then
                    other="$(json_field "$result" server_cpu_other_pct) $(json_field "$result" client_cpu_other_pct)"
                    if [ "$tries" -lt "$RETRIES" ] && disturbed $other; then
                        tries=$((tries + 1))
                        echo "  $name $cell: other work on the CPUs ($other %), again" >&2
                        sleep 2
                        continue
                    fi
                    echo "{\"server\":\"$name\",\"label\":\"$label\",\"backend\":\"$backend\",\"round\":$round,\"retries\":$tries,\"result\":$result}" >> "$OUT/echo.jsonl"
                else
                    echo "  $name $cell failed (see $OUT/loadgen.log)" >&2
                    echo "{\"server\":\"$name\",\"label\":\"$label\",\"round\":$round,\"size\":$size,\"conns\":$conns,\"failed\":\"loadgen failed\"}" >> "$OUT/echo.jsonl"
                fi
                break
            done
            if ! kill -0 "$SERVER_PID" 2> /dev/null; then
                echo "  $name died" >&2
                break
            fi
            sleep 0.5
        done
        stop_server
    done
done

# --- the report -----------------------------------------------------------
END_EPOCH="$(date +%s)"
LOAD_AFTER="$(cut -d' ' -f1-3 /proc/loadavg)"
peer_version() { # the version Package.resolved pins for a peer package
    "$PY" -c 'import json,sys
pins = json.load(open(sys.argv[1])).get("pins", [])
print(next((p["state"].get("version", "?") for p in pins if p["identity"] == sys.argv[2]), "?"))' \
        "$NET/peers/Package.resolved" "$1" 2> /dev/null || echo "?"
}
"$PY" - "$OUT/meta.json" <<PY
import json, sys
json.dump({
    "date": "$RUN_DATE",
    "command": "$COMMAND_LINE",
    "commit": "$COMMIT",
    "kernel": "$(uname -r)",
    "cpu": "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')",
    "cores": "$(nproc)",
    "memory": "$(free -g | awk '/Mem:/ {print $2}') GiB",
    "swift": "$("$SWIFT" --version 2>&1 | head -1 | sed 's/"//g')",
    "nio": "$(peer_version swift-nio)",
    "hummingbird": "$(peer_version hummingbird)",
    "python": "$("$PY" -c 'import platform; print(platform.python_version())')",
    "uvloop": "$("$PY" -c 'import uvloop; print(uvloop.__version__)')",
    "liburing": "$(dpkg-query -W -f='${Version}' liburing-dev 2> /dev/null || echo '?')",
    "load_before": "$LOAD_BEFORE",
    "load_after": "$LOAD_AFTER",
    "minutes": round(($END_EPOCH - $START_EPOCH) / 60, 1),
    "duration_s": $DURATION, "warmup_s": $WARMUP, "runs": $RUNS,
    "repeat_cells": "$REPEAT_CELLS", "other_max": $OTHER_MAX, "retries": $RETRIES,
    "server_cpu": "$SERVER_CPU", "client_cpu": "$CLIENT_CPU",
    "clk_tck": $(getconf CLK_TCK),
}, open(sys.argv[1], "w"), indent=1)
PY
"$PY" "$NET/report.py" "$OUT" "$DOC" "$PNG"
log "done: $DOC (Network peer comparison), $PNG; raw results in $OUT"
