#!/usr/bin/env bash
# Interleaved A/B comparison of echo servers on one cell of the network
# benchmark: for checking a change to the hot path before the full
# scripts/bench-net.sh run.
#
#   scripts/bench-echo-ab.sh ROUNDS NAME='[ENV=V ...] COMMAND' ...
#   scripts/bench-echo-ab.sh 5 \
#       before='/tmp/echo-server-before' \
#       after='.build-bench/release/echo-server' \
#       epoll='ASYNCIO_BACKEND=epoll .build-bench/release/echo-server' \
#       c-epoll='Benchmarks/net/.build/c/echo_epoll'
#
# Each server gets `--host 127.0.0.1 --port P` and must print "listening on".
# Every round runs each server once (DURATION s after WARMUP s, SIZE bytes,
# CONNS connections), pinned to CPU 0 with the load generator
# (Benchmarks/net/c/loadgen.c, built by bench-net.sh) on CPU 1, so a noisy
# moment of the machine hits all servers alike. Prints per server the medians
# of requests/s, server CPU, user and system µs per request, and p99 latency.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
LOADGEN="$ROOT/Benchmarks/net/.build/c/loadgen"
SIZE="${SIZE:-64}"
CONNS="${CONNS:-50}"
DURATION="${DURATION:-3}"
WARMUP="${WARMUP:-1}"
PORT="${PORT_BASE:-17900}"

[ $# -ge 2 ] || { sed -n 6,11p "$0" >&2; exit 2; }
[ -x "$LOADGEN" ] || cc -O2 -o "$LOADGEN" "$ROOT/Benchmarks/net/c/loadgen.c"
rounds=$1
shift
results="$(mktemp -d)"
trap 'rm -rf "$results"' EXIT

for _ in $(seq "$rounds"); do
    for spec in "$@"; do
        name="${spec%%=*}"
        PORT=$((PORT + 1))
        # shellcheck disable=SC2086  # the command's words and ENV=V settings split on purpose
        taskset -c 0 env ${spec#*=} --host 127.0.0.1 --port "$PORT" >"$results/$name.log" 2>&1 &
        pid=$!
        for _ in $(seq 100); do grep -q listening "$results/$name.log" && break; sleep 0.05; done
        taskset -c 1 "$LOADGEN" --host 127.0.0.1 --port "$PORT" --conns "$CONNS" --size "$SIZE" \
            --duration "$DURATION" --warmup "$WARMUP" --pid "$pid" --label "$name" \
            --server-cpu 0 --client-cpu 1 2>/dev/null >>"$results/$name.jsonl" || true
        kill -INT "$pid" 2>/dev/null || true
        for _ in $(seq 20); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$pid" 2>/dev/null || true  # a peer that ignores SIGINT (nio-echo)
        wait "$pid" 2>/dev/null || true
    done
done

python3 - "$results" "$@" <<'PY'
import json, statistics, sys
folder, specs = sys.argv[1], sys.argv[2:]
print(f"{'server':14s} {'req/s':>9s} {'cpu µs':>7s} {'user':>6s} {'sys':>6s} {'p99 µs':>7s}  runs")
for spec in specs:
    name = spec.split("=")[0]
    try:
        rows = [json.loads(line) for line in open(f"{folder}/{name}.jsonl")]
    except FileNotFoundError:
        rows = []
    if not rows:
        print(f"{name:14s} no result")
        continue
    med = lambda f: statistics.median(f(r) for r in rows)
    print(f"{name:14s} {med(lambda r: r['rps']):9.0f} {med(lambda r: r['server_cpu_us_per_req']):7.2f}"
          f" {med(lambda r: r['server_user_us_per_req']):6.2f}"
          f" {med(lambda r: r['server_cpu_us_per_req'] - r['server_user_us_per_req']):6.2f}"
          f" {med(lambda r: r['p99_us']):7.0f}  {len(rows)}")
PY
