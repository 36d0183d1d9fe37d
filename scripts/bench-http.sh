#!/usr/bin/env bash
# HTTP peer comparison: swift-asyncio's http-server (AsyncIOHTTP, on io_uring
# and on epoll) beside SwiftNIO's NIOHTTP1, Hummingbird 2 and a minimal C
# epoll responder, on loopback, with wrk, in one run.
#
#   scripts/bench-http.sh                # build everything, run, write docs/benchmarks.md
#   RUNS=1 DURATION=2 scripts/bench-http.sh
#   OUT=/tmp/h DOC=/tmp/b.md RUNS=1 DURATION=1 WARMUP=1 scripts/bench-http.sh   # leaves docs/ alone
#
# Scenarios, each `wrk -t1 -c$CONNS` (50): hello (GET / on kept-alive
# connections), post4k (POST /echo with a 4 KiB body, Benchmarks/net/wrk/post-echo.lua),
# close (GET / with `Connection: close`: a connection per request). Each
# server runs pinned to CPU $SERVER_CPU (0), wrk to CPU $CLIENT_CPU (1). The
# servers run in $RUNS rounds (so a noisy moment does not hit one server
# only); the report takes medians. Server CPU per request is the server's
# utime+stime over the measured window divided by the requests in it.
#
# Builds: ours with `swift build -c release --scratch-path .build-bench`, the
# Swift peers in Benchmarks/net/peers, the C responder with cc into
# Benchmarks/net/.build/c, and the venv Benchmarks/net/.venv. Raw results stay
# in Benchmarks/net/.build/http-results; the report goes to docs/benchmarks.md
# ("HTTP peer comparison", between its bench-http markers).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
NET="$ROOT/Benchmarks/net"
OUT="${OUT:-$NET/.build/http-results}"
DOC="${DOC:-$ROOT/docs/benchmarks.md}"
BIN="$NET/.build/c"
VENV="$NET/.venv"
SCRATCH="$ROOT/.build-bench"
SWIFT="${SWIFT:-swift}"
DURATION="${DURATION:-5}"
WARMUP="${WARMUP:-2}"
RUNS="${RUNS:-3}"
CONNS="${CONNS:-50}"
SCENARIOS="${SCENARIOS:-hello post4k close}"
SERVER_CPU="${SERVER_CPU:-0}"
CLIENT_CPU="${CLIENT_CPU:-1}"
OTHER_MAX="${OTHER_MAX:-15}"
RETRIES="${RETRIES:-2}"
HOST=127.0.0.1
PORT_BASE="${PORT_BASE:-17300}"

log() { echo "== $*" >&2; }
# install_packages, build_ours, build_peers, start_server, stop_server, backend_of, cpu_ticks, ...
# shellcheck source=lib/bench-servers.sh
source "$ROOT/scripts/lib/bench-servers.sh"
describe_command scripts/bench-http.sh RUNS=3 DURATION=5 WARMUP=2 CONNS=50 SCENARIOS="hello post4k close" SERVER_CPU=0 CLIENT_CPU=1

need_apt=()
command -v wrk > /dev/null || need_apt+=(wrk)
command -v taskset > /dev/null || need_apt+=(util-linux)
install_packages "${need_apt[@]}"
mkdir -p "$OUT" "$BIN"
rm -f "$OUT"/*.jsonl "$OUT"/*.log "$OUT"/*.txt "$OUT"/meta.json

# --- builds ---------------------------------------------------------------
build_ours http-server
build_peers
"${CC:-cc}" -O2 -Wall -Wextra -o "$BIN/http_epoll" "$NET/c/http_epoll.c"
if ! "$VENV/bin/python" -c 'import matplotlib' 2> /dev/null; then
    log "creating $VENV (uvloop, matplotlib)"
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install -q uvloop matplotlib
fi

# name|label|environment (or -)|command
SERVERS=(
    "ours-uring|swift-asyncio AsyncIOHTTP (io_uring)|ASYNCIO_BACKEND=uring|$OURS_BIN/http-server"
    "ours-epoll|swift-asyncio AsyncIOHTTP (epoll)|ASYNCIO_BACKEND=epoll|$OURS_BIN/http-server"
    "nio-http|SwiftNIO NIOHTTP1|-|$PEERS_BIN/nio-http"
    "hummingbird|Hummingbird 2|-|$PEERS_BIN/hb-http"
    "c-http|C epoll responder (not a real parser)|-|$BIN/http_epoll"
)

# wrk_args SCENARIO URL: wrk's arguments after -t1 -cN -dT.
wrk_args() {
    case "$1" in
        hello) echo "$2/" ;;
        post4k) echo "-s $NET/wrk/post-echo.lua $2/echo" ;;
        close) echo "-H Connection:close $2/" ;;
    esac
}

# --- the run --------------------------------------------------------------
LOAD_BEFORE="$(cut -d' ' -f1-3 /proc/loadavg)"
START_EPOCH="$(date +%s)"
RUN_DATE="$(date -u '+%Y-%m-%d %H:%M UTC')"
for round in $(seq 1 "$RUNS"); do
    index=0
    for entry in "${SERVERS[@]}"; do
        IFS='|' read -r name label envs cmd <<< "$entry"
        index=$((index + 1))
        port=$((PORT_BASE + index))
        log "round $round/$RUNS: $label"
        # shellcheck disable=SC2086
        if ! start_server "http-$name-$round" "$envs" "$port" $cmd; then
            echo "{\"server\":\"$name\",\"label\":\"$label\",\"round\":$round,\"failed\":\"did not start\"}" >> "$OUT/http.jsonl"
            continue
        fi
        backend="$(backend_of "$SERVER_PID")"
        for scenario in $SCENARIOS; do
            # shellcheck disable=SC2046
            taskset -c "$CLIENT_CPU" wrk -t1 -c"$CONNS" -d"${WARMUP}s" $(wrk_args "$scenario" "http://$HOST:$port") > /dev/null 2>&1 || true
            raw="$OUT/wrk-$name-$scenario-$round.txt"
            tries=0
            while :; do
                t0="$(cpu_ticks "$SERVER_PID")"
                read -r sb0 st0 <<< "$(cpu_jiffies "$SERVER_CPU")"
                read -r cb0 ct0 <<< "$(cpu_jiffies "$CLIENT_CPU")"
                # shellcheck disable=SC2046
                taskset -c "$CLIENT_CPU" wrk -t1 -c"$CONNS" -d"${DURATION}s" --latency $(wrk_args "$scenario" "http://$HOST:$port") > "$raw" 2>&1 || true
                t1="$(cpu_ticks "$SERVER_PID")"
                read -r sb1 st1 <<< "$(cpu_jiffies "$SERVER_CPU")"
                read -r cb1 ct1 <<< "$(cpu_jiffies "$CLIENT_CPU")"
                s_other="$(awk -v b=$((sb1 - sb0)) -v t=$((st1 - st0)) -v s=$((t1 - t0)) 'BEGIN { o = t ? 100 * (b - s) / t : 0; printf "%.1f", o < 0 ? 0 : o }')"
                c_busy="$(awk -v b=$((cb1 - cb0)) -v t=$((ct1 - ct0)) 'BEGIN { printf "%.1f", t ? 100 * b / t : 0 }')"
                if [ "$tries" -lt "$RETRIES" ] && disturbed "$s_other" 0; then
                    tries=$((tries + 1))
                    echo "  $name $scenario: other work on the server's CPU ($s_other %), again" >&2
                    sleep 2
                    continue
                fi
                break
            done
            echo "{\"server\":\"$name\",\"label\":\"$label\",\"backend\":\"$backend\",\"scenario\":\"$scenario\",\"round\":$round,\"wrk\":\"$(basename "$raw")\",\"cpu_ticks\":$((t1 - t0)),\"server_cpu_other_pct\":$s_other,\"client_cpu_busy_pct\":$c_busy,\"retries\":$tries,\"rss_kb\":$(awk '/VmRSS/ {print $2}' "/proc/$SERVER_PID/status")}" >> "$OUT/http.jsonl"
            sleep 0.5
        done
        stop_server
    done
done

# --- the report -----------------------------------------------------------
END_EPOCH="$(date +%s)"
LOAD_AFTER="$(cut -d' ' -f1-3 /proc/loadavg)"
peer_version() {
    "$VENV/bin/python" -c 'import json,sys
pins = json.load(open(sys.argv[1])).get("pins", [])
print(next((p["state"].get("version", "?") for p in pins if p["identity"] == sys.argv[2]), "?"))' \
        "$NET/peers/Package.resolved" "$1" 2> /dev/null || echo "?"
}
"$VENV/bin/python" - "$OUT/meta.json" <<PY
import json, sys
json.dump({
    "date": "$RUN_DATE", "command": "$COMMAND_LINE", "commit": "$COMMIT",
    "kernel": "$(uname -r)", "cpu": "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')",
    "cores": "$(nproc)", "memory": "$(free -g | awk '/Mem:/ {print $2}') GiB",
    "swift": "$("$SWIFT" --version 2>&1 | head -1 | sed 's/"//g')",
    "nio": "$(peer_version swift-nio)", "hummingbird": "$(peer_version hummingbird)",
    "wrk": "$(wrk --version 2>&1 | head -1 | awk '{print $2}')",
    "load_before": "$LOAD_BEFORE", "load_after": "$LOAD_AFTER",
    "minutes": round(($END_EPOCH - $START_EPOCH) / 60, 1),
    "duration_s": $DURATION, "warmup_s": $WARMUP, "runs": $RUNS, "conns": $CONNS,
    "other_max": $OTHER_MAX, "retries": $RETRIES, "server_cpu": "$SERVER_CPU", "client_cpu": "$CLIENT_CPU",
}, open(sys.argv[1], "w"), indent=1)
PY
"$VENV/bin/python" "$NET/http_report.py" "$OUT" "$DOC"
