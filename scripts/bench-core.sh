#!/usr/bin/env bash
# Core runtime benchmarks: the loop beside Swift's default executor.
#
# Runs the CoreBenchmarks suite (Benchmarks/, ordo-one/benchmark, release
# build) RUNS times, then the default-executor twins outside the harness
# (DefaultExecutorFullPool) RUNS times, and prints one markdown table: the
# median over the runs of each benchmark's p50, the ratio ours/default, and
# the targets. Raw output of every run stays in $OUT.
#
#   scripts/bench-core.sh            # 3 runs (about 2 minutes each on 2 cores, plus the first build)
#   RUNS=1 scripts/bench-core.sh     # a quick look
#
# Results and how to read them: docs/benchmarks.md.
set -euo pipefail

RUNS="${RUNS:-3}"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT="${OUT:-$ROOT/Benchmarks/.build/bench-core}"
SWIFT="${SWIFT:-swift}"

mkdir -p "$OUT"
rm -f "$OUT"/run-*.md "$OUT"/fullpool-*.tsv
cd "$ROOT/Benchmarks"

for i in $(seq 1 "$RUNS"); do
    echo "== CoreBenchmarks run $i of $RUNS" >&2
    "$SWIFT" package --allow-writing-to-package-directory benchmark --target CoreBenchmarks \
        --format markdown --no-progress > "$OUT/run-$i.md" 2> "$OUT/run-$i.log" || {
        cat "$OUT/run-$i.log" >&2
        exit 1
    }
done

echo "== DefaultExecutorFullPool ($RUNS runs of 5 repetitions)" >&2
"$SWIFT" build -c release --product DefaultExecutorFullPool > "$OUT/fullpool-build.log" 2>&1 || {
    cat "$OUT/fullpool-build.log" >&2
    exit 1
}
for i in $(seq 1 "$RUNS"); do
    .build/release/DefaultExecutorFullPool 5 > "$OUT/fullpool-$i.tsv"
done

python3 - "$OUT" "$RUNS" <<'PY'
import glob, os, re, statistics, sys

out, runs = sys.argv[1], int(sys.argv[2])

# name -> {"p50": [...], "p99": [...]} across runs (one p50/p99 per run).
harness = {}
for path in sorted(glob.glob(os.path.join(out, "run-*.md"))):
    name = None
    for line in open(path):
        if line.startswith("### "):
            name = line[4:].strip()
        elif name and re.match(r"^\| (ns per|oversleep ns)", line):
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            # Metric | p0 | p25 | p50 | p75 | p90 | p99 | p100 | Samples
            entry = harness.setdefault(name, {"p50": [], "p99": [], "unit": cells[0]})
            entry["p50"].append(float(cells[3]))
            entry["p99"].append(float(cells[6]))
            name = None

fullpool = {}
for path in sorted(glob.glob(os.path.join(out, "fullpool-*.tsv"))):
    for line in open(path):
        parts = line.rstrip("\n").split("\t")
        if len(parts) >= 4 and parts[0] == "full-pool" and parts[3].isdigit():
            fullpool.setdefault(parts[1], []).append(float(parts[3]))

def med(name, key="p50"):
    values = harness.get(name, {}).get(key, [])
    return statistics.median(values) if values else None

def fp(name):
    values = fullpool.get(name, [])
    return statistics.median(values) if values else None

def fmt(value, unit="ns"):
    if value is None:
        return "—"
    if unit == "us":
        return f"{value / 1000:.1f} µs"
    return f"{value:,.0f} ns"

# (label, ours, default twin, target ns or None, must beat the twin, unit)
rows = [
    ("Task switch, nonisolated @concurrent on the loop", "switch: loop, nonisolated @concurrent",
     "switch: default, nonisolated Task{}", 300, True, "ns"),
    ("Task switch, nonisolated(nonsending) on the loop", "switch: loop, nonisolated(nonsending)",
     "switch: default, nonisolated Task{}", 300, True, "ns"),
    ("Task switch, isolated to @Loop", "switch: loop, @Loop isolated",
     "switch: default, default actor", 600, True, "ns"),
    ("Spawn+await, createTask + value", "spawn: loop, createTask + value",
     "spawn: default, Task{} + value", 800, True, "ns"),
    ("Spawn+await, bare Task { @Loop in } (runtime floor, not the API)", "spawn: loop, bare Task { @Loop in } + value",
     "spawn: default, Task{} + value", None, False, "ns"),
    ("Spawn+await, TaskGroup child", "spawn: loop, TaskGroup",
     "spawn: default, TaskGroup", 800, True, "ns"),
    ("Spawn+await, TaskGroup @Loop child", "spawn: loop, TaskGroup @Loop children",
     "spawn: default, TaskGroup", None, False, "ns"),
    ("NOP round trip, 1 task", "nop: loop, RawIO.nop, 1 task",
     "nop: default, resumed continuation, 1 task", None, False, "ns"),
    ("NOP round trip, 256 in flight", "nop: loop, RawIO.nop, 256 tasks",
     "nop: default, resumed continuation, 256 tasks", 700, False, "ns"),
    ("Task.yield, 1 task", "nop: loop, Task.yield, 1 task",
     "nop: default, Task.yield, 1 task", None, False, "ns"),
    ("Task.yield, 256 tasks", "nop: loop, Task.yield, 256 tasks",
     "nop: default, Task.yield, 256 tasks", None, False, "ns"),
    ("sleepMs(0) (the loop's own yield), 1 task", "nop: loop, sleepMs(0), 1 task",
     "nop: default, Task.yield, 1 task", None, False, "ns"),
    ("sleepMs(0) (the loop's own yield), 256 tasks", "nop: loop, sleepMs(0), 256 tasks",
     "nop: default, Task.yield, 256 tasks", None, False, "ns"),
    ("sleep(1 ms) oversleep p50, sleepMs(1)", "sleep: loop, sleepMs(1)",
     "sleep: default, Task.sleep(1 ms)", 80_000, False, "us"),
    ("sleep(1 ms) oversleep p50, Task.sleep on the loop", "sleep: loop, Task.sleep(1 ms)",
     "sleep: default, Task.sleep(1 ms)", None, False, "us"),
]

print(f"Medians over {runs} run(s) of each benchmark's p50 (ordo-one/benchmark, release).\n")
print("| Measurement | ours | default executor (harness) | ours / default | default, full pool | target | met |")
print("|---|---:|---:|---:|---:|---|---|")
for label, ours_name, twin_name, target, must_beat, unit in rows:
    ours, twin = med(ours_name), med(twin_name)
    ratio = f"{ours / twin:.2f}" if ours and twin else "—"
    if target is None:
        target_text, met = "—", ""
    else:
        target_text = f"≤ {fmt(target, unit)}" + (" and ≤ default" if must_beat else "")
        ok = ours is not None and ours <= target
        if must_beat:
            ok = ok and twin is not None and ours <= twin
        met = "yes" if ok else "**no**"
    print(f"| {label} | {fmt(ours, unit)} | {fmt(twin, unit)} | {ratio} | {fmt(fp(twin_name), unit)} | {target_text} | {met} |")

print("\nsleep(1 ms) oversleep p99 (median over runs of each run's p99):\n")
print("| Mechanism | p50 | p99 |")
print("|---|---:|---:|")
for label, name in [("sleepMs(1) on the loop", "sleep: loop, sleepMs(1)"),
                    ("Task.sleep(1 ms) in a loop task", "sleep: loop, Task.sleep(1 ms)"),
                    ("Task.sleep(1 ms) on the default executor", "sleep: default, Task.sleep(1 ms)")]:
    print(f"| {label} | {fmt(med(name), 'us')} | {fmt(med(name, 'p99'), 'us')} |")

print("\nEvery benchmark, p50 of each run:\n")
print("| Benchmark | metric | p50 per run | median |")
print("|---|---|---|---:|")
for name in sorted(harness):
    values = harness[name]["p50"]
    print(f"| {name} | {harness[name]['unit']} | {', '.join(f'{v:.0f}' for v in values)} | {statistics.median(values):.0f} |")
for name in sorted(fullpool):
    values = fullpool[name]
    print(f"| {name} (full pool) | see CoreBenchmarks | {', '.join(f'{v:.0f}' for v in values)} | {statistics.median(values):.0f} |")
PY
