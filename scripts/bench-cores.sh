#!/usr/bin/env bash
# Many loops against SwiftNIO's MultiThreadedEventLoopGroup, in one run: a
# server-bound echo workload (each 4 KiB message is hashed WORK times, 32 by
# default, about 0.2 ms of CPU, before it is echoed, so the load generator uses a small share of the CPU) served by our
# echo-server with --loops N (listeners per loop with SO_REUSEPORT, and with
# N > 1 also one listener handing connections off: --accept handoff) and by
# SwiftNIO's nio-echo with --threads N, for every N in $LOOPS; plus the plain echo (no work) with the largest N, reported
# as measured.
#
#   scripts/bench-cores.sh                      # LOOPS="1 2" on this machine
#   make bench-cores LOOPS="1 2 4 8 14"         # on a bigger machine
#   RUNS=1 DURATION=2 scripts/bench-cores.sh    # a quick look
#
# The servers may use every CPU ($SERVER_CPUS, all by default); the load
# generator (Benchmarks/net/c/loadgen.c: closed loop, $CONNS connections of
# $SIZE bytes) runs unpinned beside them. Each cell runs $RUNS times, in rounds
# over all the servers, and the report takes medians. Ours is built with
# `swift build -c release --scratch-path .build-bench`. The report goes to
# docs/benchmarks.md, between the bench-cores markers (DOC= elsewhere).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
NET="$ROOT/Benchmarks/net"
OUT="${OUT:-$NET/.build/results-cores}"
DOC="${DOC:-$ROOT/docs/benchmarks.md}"
BIN="$NET/.build/c"
VENV="$NET/.venv"
SCRATCH="$ROOT/.build-bench"
SWIFT="${SWIFT:-swift}"
CC="${CC:-cc}"
DURATION="${DURATION:-5}"
WARMUP="${WARMUP:-2}"
RUNS="${RUNS:-3}"
LOOPS="${LOOPS:-1 2}"
WORK="${WORK:-32}"
CONNS="${CONNS:-50}"
SIZE="${SIZE:-4096}"
SERVER_CPUS="${SERVER_CPUS:-0-$(($(nproc) - 1))}"
SERVER_CPU="$SERVER_CPUS"   # start_server pins with taskset -c $SERVER_CPU
HOST=127.0.0.1
PORT_BASE="${PORT_BASE:-17300}"
OTHER_MAX=100

log() { echo "== $*" >&2; }
# shellcheck source=lib/bench-servers.sh
source "$ROOT/scripts/lib/bench-servers.sh"
describe_command "scripts/bench-cores.sh${*:+ $*}" RUNS=3 DURATION=5 WARMUP=2 LOOPS="1 2" WORK=32 CONNS=50 SIZE=4096

mkdir -p "$OUT" "$BIN"
: > "$OUT/results.jsonl"
command -v taskset > /dev/null || install_packages util-linux
[ -f /usr/include/liburing.h ] || install_packages liburing-dev

build_ours echo-server
build_peers
log "building the load generator"
"$CC" -O2 -Wall -Wextra -o "$BIN/loadgen" "$NET/c/loadgen.c"
if ! "$VENV/bin/python" -c 'import matplotlib' 2> /dev/null; then
    log "creating $VENV (uvloop, matplotlib: the shared report helpers import it)"
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install -q uvloop matplotlib
fi

# cell NAME LOOPS WORK: one measurement; appends a JSON line with the settings.
cell() {
    local name="$1" loops="$2" work="$3" port=$((PORT_BASE++))
    case "$name" in
        ours) start_server "ours-$loops-$work" - "$port" "$OURS_BIN/echo-server" --loops "$loops" --work "$work" ;;
        ours-handoff) start_server "ours-handoff-$loops-$work" - "$port" "$OURS_BIN/echo-server" --loops "$loops" --accept handoff --work "$work" ;;
        nio) start_server "nio-$loops-$work" - "$port" "$PEERS_BIN/nio-echo" --threads "$loops" --work "$work" ;;
    esac
    local result
    if result="$("$BIN/loadgen" --host "$HOST" --port "$port" --conns "$CONNS" --size "$SIZE" \
        --duration "$DURATION" --warmup "$WARMUP" --pid "$SERVER_PID" --label "$name" 2>> "$OUT/loadgen.log")"; then
        echo "{\"server\":\"$name\",\"loops\":$loops,\"work\":$work,${result#\{}" >> "$OUT/results.jsonl"
        echo "  $name loops=$loops work=$work: $(json_field "$result" rps) req/s, $(json_field "$result" server_cpu_us_per_req) us CPU/req, loadgen $(json_field "$result" client_cpu_pct)% CPU" >&2
    else
        echo "  $name loops=$loops work=$work failed (see $OUT/loadgen.log)" >&2
    fi
    stop_server
}

largest="$(tr ' ' '\n' <<< "$LOOPS" | sort -n | tail -1)"
for round in $(seq 1 "$RUNS"); do
    log "round $round of $RUNS"
    for loops in $LOOPS; do
        cell ours "$loops" "$WORK"
        [ "$loops" -gt 1 ] && cell ours-handoff "$loops" "$WORK"
        cell nio "$loops" "$WORK"
    done
    cell ours "$largest" 0
    cell nio "$largest" 0
done

"$VENV/bin/python" "$NET/cores_report.py" "$OUT/results.jsonl" "$DOC" \
    --command "$COMMAND_LINE" --commit "$COMMIT" --machine "$(nproc) CPUs, $(uname -r), $(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //')"
log "report written to $DOC"
