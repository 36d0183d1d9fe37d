#!/usr/bin/env bash
# Plain IORING_OP_SEND against IORING_OP_SEND_ZC for bulk writes over loopback
# TCP (Benchmarks/net/c/send_zc.c): throughput and the sender's CPU time per
# GiB, medians of RUNS (3) runs per message size, as a markdown table.
#
#   scripts/bench-send-zc.sh              # sizes 4 KiB, 64 KiB, 1 MiB
#   SIZES="65536" RUNS=5 SECONDS_PER_RUN=3 scripts/bench-send-zc.sh
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BIN="$ROOT/Benchmarks/net/.build/c"
SIZES="${SIZES:-4096 65536 1048576}"
RUNS="${RUNS:-3}"
SECONDS_PER_RUN="${SECONDS_PER_RUN:-2}"
mkdir -p "$BIN"
cc -O2 -Wall -Wextra -o "$BIN/send_zc" "$ROOT/Benchmarks/net/c/send_zc.c" -luring -lpthread
results="$(mktemp)"
trap 'rm -f "$results"' EXIT
for size in $SIZES; do
    for _ in $(seq "$RUNS"); do
        "$BIN/send_zc" --size "$size" --seconds "$SECONDS_PER_RUN" --sender-cpu 0 --receiver-cpu 1 >>"$results"
    done
done
python3 - "$results" <<'PY'
import json, statistics, sys
rows = [json.loads(line) for line in open(sys.argv[1])]
print("| Message | SEND GiB/s | SEND_ZC GiB/s | SEND CPU s/GiB | SEND_ZC CPU s/GiB | SEND_ZC / SEND throughput |")
print("|---:|---:|---:|---:|---:|---:|")
for size in sorted({r["size"] for r in rows}):
    med = lambda mode, key: statistics.median(r[key] for r in rows if r["size"] == size and r["mode"] == mode)
    label = f"{size // 1048576} MiB" if size >= 1048576 else f"{size // 1024} KiB"
    print(f"| {label} | {med('send', 'gib_per_s'):.2f} | {med('send_zc', 'gib_per_s'):.2f} |"
          f" {med('send', 'cpu_s_per_gib'):.3f} | {med('send_zc', 'cpu_s_per_gib'):.3f} |"
          f" {med('send_zc', 'gib_per_s') / med('send', 'gib_per_s'):.2f}× |")
if any(r["failed"] for r in rows):
    print("\nsome runs failed: see stderr")
PY
